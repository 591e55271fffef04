#include "eventfeedpoller.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QNetworkReply>

#include <algorithm>

namespace nullify::api {

namespace {
Q_LOGGING_CATEGORY(lcEvents, "nullify.api.events", QtInfoMsg)

std::chrono::milliseconds scaled(std::chrono::milliseconds interval, double factor, std::chrono::milliseconds cap)
{
    const auto next = std::chrono::milliseconds(qint64(double(interval.count()) * factor));
    return std::min(next, cap);
}
} // namespace

EventFeedPoller::EventFeedPoller(NullifyApi* api, QObject* parent)
    : Poller(api, parent)
    , m_types(notificationEventTypes())
    , m_clock([] { return QDateTime::currentSecsSinceEpoch(); })
{
    setInterval(m_base);
    // stop() aborts the first page of a tick; a later page is this class's own.
    connect(this, &Poller::stopped, this, &EventFeedPoller::abortFollowUp);
}

EventFeedPoller::~EventFeedPoller()
{
    abortFollowUp();
}

void EventFeedPoller::setIntervals(std::chrono::milliseconds base,
                                   std::chrono::milliseconds idle,
                                   std::chrono::milliseconds error)
{
    m_base = std::max(base, std::chrono::milliseconds(1));
    m_idle = std::max(idle, m_base);
    m_error = std::max(error, m_base);
    setInterval(m_base);
}

void EventFeedPoller::setRememberedIds(const QStringList& ids)
{
    m_recent = ids.mid(std::max<qsizetype>(0, ids.size() - rememberedIdLimit));
    m_recentSet = QSet<QString>(m_recent.cbegin(), m_recent.cend());
}

void EventFeedPoller::abortFollowUp()
{
    if (QNetworkReply* reply = m_followUp) {
        m_followUp = nullptr;
        reply->abort();
    }
}

QNetworkReply* EventFeedPoller::poll()
{
    m_pagesThisTick = 0;
    m_newThisTick = false;
    if (!m_cursor.isValid()) {
        // A first run: from now on, not the tenant's history.
        m_cursor.timeUnix = m_clock();
        qCInfo(lcEvents) << "no event cursor yet: reading the feed from now on";
        emit cursorChanged(m_cursor);
        if (!isActive())
            return nullptr;
    }
    return readPage();
}

QNetworkReply* EventFeedPoller::readPage()
{
    EventsQuery query;
    query.after = m_cursor;
    query.eventTypes = m_types;
    query.limit = m_pageSize;
    ++m_pagesThisTick;
    return listEvents(api(), query, this, [this](const Result<EventPage>& result) { onPage(result); });
}

void EventFeedPoller::onPage(const Result<EventPage>& result)
{
    m_followUp = nullptr;
    if (!isActive())
        return;
    if (!result) {
        setInterval(std::max(m_base, scaled(interval(), 2.0, m_error)));
        qCDebug(lcEvents) << "event feed read failed; next read in" << interval().count() << "ms";
        pollError(result.error());
        return;
    }
    const EventPage& page = result.value();
    QList<FeedEvent> fresh;
    EventCursor last = m_cursor;
    for (const FeedEvent& event : page.events) {
        if (event.timestampUnix > last.timeUnix || (event.timestampUnix == last.timeUnix && !event.id.isEmpty()))
            last = EventCursor {std::max(event.timestampUnix, last.timeUnix), event.id};
        if (m_recentSet.contains(event.id))
            continue;
        m_recentSet.insert(event.id);
        m_recent.append(event.id);
        fresh.append(event);
    }
    while (m_recent.size() > rememberedIdLimit)
        m_recentSet.remove(m_recent.takeFirst());

    const EventCursor next = page.next.isValid() ? page.next : last;
    const bool moved = next != m_cursor;
    m_cursor = next;
    if (moved)
        emit cursorChanged(m_cursor);
    if (!fresh.isEmpty()) {
        m_newThisTick = true;
        emit eventsArrived(fresh);
    }
    if (!isActive())
        return; // stopped from a slot

    // More is waiting: read on at once, a bounded number of pages per tick. A server that says
    // hasMore without moving the cursor would loop: then the tick ends here.
    if (page.hasMore && moved && m_pagesThisTick < m_maxPages) {
        m_followUp = readPage();
        return;
    }
    finishTick();
}

void EventFeedPoller::finishTick()
{
    if (m_newThisTick)
        setInterval(m_base);
    else
        setInterval(std::max(m_base, scaled(interval(), 1.5, m_idle)));
    emit polled(m_newThisTick);
    if (isActive())
        pollSucceeded();
}

} // namespace nullify::api
