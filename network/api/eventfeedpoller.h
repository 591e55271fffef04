#pragma once

#include "events.h"
#include "poller.h"

#include <QPointer>
#include <QSet>
#include <QStringList>

#include <chrono>
#include <functional>

namespace nullify::api {

// Reads the event feed (POST /admin/events) on a timer, from a cursor, and hands on each event
// once. It never ends by itself except on a final error (sign-in required, 401/403/404).
//
// - Cursor: each answer's nextCursorTime / nextCursorId (or the last event's time and id when the
//   server sends no cursor) is where the next read starts; cursorChanged() says so, for the caller
//   to keep across restarts. Without a cursor, the first read starts from "now" (the clock), so a
//   first run does not bring up the tenant's whole history.
// - Pages: while the server says hasMore, the next page is read at once, up to maxPagesPerPoll()
//   pages per tick; the rest waits for the next tick.
// - Once per event: ids already handed on (the last rememberedIds() of them, which the caller may
//   keep too) are dropped, so a server that repeats the event at the cursor does not repeat it here.
// - Backoff: baseInterval() after a poll that brought something new; each poll with nothing new
//   multiplies the wait by 1.5 up to idleInterval(); each failed poll doubles it up to
//   errorInterval(). Pausing while offline is PollDriver's job.
class EventFeedPoller : public Poller
{
    Q_OBJECT

public:
    using Clock = std::function<qint64()>; // seconds since the epoch

    explicit EventFeedPoller(NullifyApi* api, QObject* parent = nullptr);
    ~EventFeedPoller() override;

    void setCursor(const EventCursor& cursor) { m_cursor = cursor; }
    EventCursor cursor() const { return m_cursor; }
    void setRememberedIds(const QStringList& ids);
    QStringList rememberedIds() const { return m_recent; }

    void setEventTypes(const QStringList& types) { m_types = types; }
    void setPageSize(int events) { m_pageSize = events; }
    void setMaxPagesPerPoll(int pages) { m_maxPages = std::max(1, pages); }
    int maxPagesPerPoll() const { return m_maxPages; }
    void setIntervals(std::chrono::milliseconds base, std::chrono::milliseconds idle, std::chrono::milliseconds error);
    std::chrono::milliseconds baseInterval() const { return m_base; }
    std::chrono::milliseconds idleInterval() const { return m_idle; }
    std::chrono::milliseconds errorInterval() const { return m_error; }
    void setClock(Clock clock) { m_clock = std::move(clock); }

    static constexpr int rememberedIdLimit = 200;

signals:
    void eventsArrived(const QList<nullify::api::FeedEvent>& events); // new ones only, oldest first
    void cursorChanged(const nullify::api::EventCursor& cursor);
    void polled(bool newEvents); // a tick's reads are over and succeeded

protected:
    QNetworkReply* poll() override;

private:
    QNetworkReply* readPage();
    void onPage(const Result<EventPage>& result);
    void finishTick();
    void abortFollowUp();

    EventCursor m_cursor;
    QStringList m_types;
    QStringList m_recent; // oldest first
    QSet<QString> m_recentSet;
    int m_pageSize = 50;
    int m_maxPages = 5;
    int m_pagesThisTick = 0;
    bool m_newThisTick = false;
    std::chrono::milliseconds m_base {std::chrono::seconds(30)};
    std::chrono::milliseconds m_idle {std::chrono::minutes(2)};
    std::chrono::milliseconds m_error {std::chrono::minutes(5)};
    Clock m_clock;
    QPointer<QNetworkReply> m_followUp; // a later page of the same tick
};

} // namespace nullify::api

Q_DECLARE_METATYPE(nullify::api::EventCursor)
