#include "eventnotifier.h"

#include "appsettings.h"
#include "connectionstate.h"
#include "eventfeedpoller.h"
#include "polldriver.h"
#include "traynotifier.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

namespace nullify::ui {

namespace {
Q_LOGGING_CATEGORY(lcNotify, "nullify.ui.notifications", QtInfoMsg)

QString withRepository(const QString& text, const QString& repository)
{
    if (repository.isEmpty())
        return text;
    return EventNotifier::tr("%1 in %2").arg(text, repository);
}
} // namespace

EventNotifier::EventNotifier(
    api::NullifyApi* api, ConnectionState* connection, AppSettings* settings, TrayNotifier* tray, QObject* parent)
    : QObject(parent)
    , m_api(api)
    , m_settings(settings)
    , m_tray(tray)
{
    qRegisterMetaType<EventNotification>();
    qRegisterMetaType<NotificationTarget>();
    m_poller = new api::EventFeedPoller(api, this);
    m_driver = new PollDriver(m_poller, connection, this);
    connect(m_poller, &api::EventFeedPoller::eventsArrived, this, &EventNotifier::onEvents);
    connect(m_poller, &api::EventFeedPoller::cursorChanged, this, &EventNotifier::save);
    connect(m_poller, &api::EventFeedPoller::polled, this, [this] { m_lastReadOk = true; });
    connect(m_poller, &api::Poller::pollFailed, this, [this](const api::ApiError& error) {
        m_lastReadOk = false;
        api::logFailure(lcNotify(), "event feed", error);
    });
    connect(m_poller, &api::Poller::failed, this, [this](const api::ApiError& error) {
        // A final error (no access, no such endpoint, signed out): the views' own notices go on.
        m_lastReadOk = false;
        api::logFailure(lcNotify(), "event feed (given up)", error);
    });
    if (settings) {
        connect(settings, &AppSettings::changed, this, [this](AppSettings::Key key) { onSettingChanged(int(key)); });
    }
    if (tray)
        connect(tray, &TrayNotifier::messageClicked, this, &EventNotifier::openCurrent);
    m_gapTimer.setSingleShot(true);
    connect(&m_gapTimer, &QTimer::timeout, this, &EventNotifier::deliverNext);
}

EventNotifier::~EventNotifier()
{
    m_driver->stop();
}

void EventNotifier::setTenant(const QString& tenantHost)
{
    if (tenantHost == m_tenant)
        return;
    m_driver->stop();
    m_queue.clear();
    m_gapTimer.stop();
    m_tenant = tenantHost;
    load();
    update();
}

void EventNotifier::start()
{
    m_wanted = true;
    update();
}

void EventNotifier::stop()
{
    m_wanted = false;
    update();
}

bool EventNotifier::isPolling() const
{
    return m_driver->isRunning();
}

bool EventNotifier::isCovering() const
{
    return isPolling() && m_lastReadOk;
}

void EventNotifier::update()
{
    const bool enabled = m_settings && m_settings->notificationsEnabled();
    const bool run = m_wanted && enabled && !m_tenant.isEmpty() && m_api;
    if (run && !m_driver->isRunning()) {
        qCInfo(lcNotify) << "reading the event feed";
        m_lastReadOk = false;
        m_driver->start();
    } else if (!run && m_driver->isRunning()) {
        qCInfo(lcNotify) << "no longer reading the event feed";
        m_driver->stop();
        m_lastReadOk = false;
        m_queue.clear();
        m_gapTimer.stop();
    }
}

void EventNotifier::readNow()
{
    if (!m_driver->isRunning() || m_driver->isHeldForConnection() || m_driver->heldUntil().isValid())
        return;
    m_poller->setInterval(m_poller->baseInterval());
    m_driver->stop(); // aborts a read in flight: the next one starts at once
    m_driver->start();
}

void EventNotifier::onSettingChanged(int key)
{
    if (AppSettings::Key(key) != AppSettings::Key::NotificationsEnabled)
        return;
    if (m_settings && m_settings->notificationsEnabled() && !m_driver->isRunning()) {
        // Back on: from now on, not a flood of what happened while they were off.
        m_poller->setCursor({});
        m_poller->setRememberedIds({});
    }
    update();
}

std::optional<EventNotification> EventNotifier::describe(const api::FeedEvent& event)
{
    EventNotification n;
    n.eventId = event.id;
    const QString title = event.title().isEmpty() ? tr("A finding") : event.title();
    const auto findingTarget = [&](NotificationTarget::Kind kind) {
        NotificationTarget target;
        target.kind = event.findingService() ? kind : NotificationTarget::Kind::None;
        target.service = event.findingService();
        target.findingId = event.findingId;
        target.title = event.title();
        return target;
    };
    const auto scanTarget = [&] {
        NotificationTarget target;
        target.kind = NotificationTarget::Kind::Scan;
        target.scan = event.scan();
        target.scanId = event.runId;
        return target;
    };
    const QString application = event.data.value(QStringLiteral("application")).toString();
    switch (event.kind()) {
    case api::EventKind::NewFinding:
        if (event.severity() != api::Severity::Critical)
            return std::nullopt;
        n.title = tr("New critical finding");
        n.message = withRepository(title, event.repository());
        n.target = findingTarget(NotificationTarget::Kind::Finding);
        return n;
    case api::EventKind::FixReady:
        n.title = tr("Fix ready");
        n.message = withRepository(title, event.repository());
        n.target = findingTarget(NotificationTarget::Kind::Autofix);
        return n;
    case api::EventKind::FixFailed:
        n.title = tr("Autofix failed");
        n.message = withRepository(title, event.repository());
        n.target = findingTarget(NotificationTarget::Kind::Autofix);
        return n;
    case api::EventKind::PullRequestOpened:
        n.title = tr("Pull request opened");
        n.message = event.pullRequestUrl().isEmpty() ? withRepository(title, event.repository())
                                                     : tr("%1\n%2").arg(title, event.pullRequestUrl());
        n.target = findingTarget(NotificationTarget::Kind::Autofix);
        return n;
    case api::EventKind::ScanFinished:
    case api::EventKind::ScanFailed: {
        const bool failed = event.kind() == api::EventKind::ScanFailed;
        switch (event.scan()) {
        case api::EventScan::Pentest:
            n.title = failed ? tr("Pentest failed") : tr("Pentest finished");
            n.message = application.isEmpty() ? tr("Pentest %1").arg(event.runId) : application;
            break;
        case api::EventScan::Cloud:
            n.title = failed ? tr("Cloud scan failed") : tr("Cloud scan finished");
            n.message = tr("Cloud scan %1").arg(event.runId);
            break;
        case api::EventScan::Code:
        case api::EventScan::None:
            n.title = failed ? tr("Scan failed") : tr("Scan finished");
            n.message = event.repository().isEmpty() ? event.type : event.repository();
            break;
        }
        n.target = scanTarget();
        return n;
    }
    case api::EventKind::Other:
        break;
    }
    return std::nullopt;
}

void EventNotifier::onEvents(const QList<api::FeedEvent>& events)
{
    QList<EventNotification> batch;
    for (const api::FeedEvent& event : events) {
        if (auto n = describe(event))
            batch.append(*n);
    }
    save(); // the ids just seen, before anything is shown: a crash now must not show them again
    if (batch.isEmpty())
        return;
    qCInfo(lcNotify) << batch.size() << "new notification(s) from the event feed";
    const int individual = batch.size() > m_maxPerBatch ? m_maxPerBatch - 1 : int(batch.size());
    for (int i = 0; i < individual; ++i)
        enqueue(batch.at(i));
    if (individual < batch.size()) {
        EventNotification summary;
        summary.title = tr("%n more update(s) from Nullify", nullptr, int(batch.size()) - individual);
        QStringList titles;
        for (qsizetype i = individual; i < batch.size() && titles.size() < 3; ++i)
            titles.append(batch.at(i).title);
        summary.message = titles.join(QStringLiteral(", "));
        enqueue(summary);
    }
}

void EventNotifier::enqueue(const EventNotification& notification)
{
    m_queue.append(notification);
    if (!m_gapTimer.isActive())
        deliverNext();
}

void EventNotifier::deliverNext()
{
    if (m_queue.isEmpty())
        return;
    const EventNotification n = m_queue.takeFirst();
    m_current = n;
    if (m_tray && m_tray->isAvailable())
        m_tray->notify(n.title, n.message);
    else
        emit inAppNotice(n);
    emit notificationShown(n);
    if (!m_queue.isEmpty() || m_gap.count() > 0)
        m_gapTimer.start(m_gap);
}

void EventNotifier::openCurrent()
{
    if (m_current)
        open(m_current->target);
}

void EventNotifier::open(const NotificationTarget& target)
{
    emit openRequested(target);
}

void EventNotifier::save()
{
    if (!m_settings || m_tenant.isEmpty())
        return;
    QJsonObject all
        = QJsonDocument::fromJson(m_settings->value(AppSettings::Key::EventFeedState).toByteArray()).object();
    const api::EventCursor cursor = m_poller->cursor();
    QJsonObject mine {{QStringLiteral("time"), cursor.timeUnix},
                      {QStringLiteral("id"), cursor.id},
                      {QStringLiteral("seen"), QJsonArray::fromStringList(m_poller->rememberedIds())}};
    all.insert(m_tenant, mine);
    m_settings->setValue(AppSettings::Key::EventFeedState, QJsonDocument(all).toJson(QJsonDocument::Compact));
}

void EventNotifier::load()
{
    api::EventCursor cursor;
    QStringList seen;
    if (m_settings && !m_tenant.isEmpty()) {
        const QJsonObject mine
            = QJsonDocument::fromJson(m_settings->value(AppSettings::Key::EventFeedState).toByteArray())
                  .object()
                  .value(m_tenant)
                  .toObject();
        cursor.timeUnix = mine.value(QStringLiteral("time")).toInteger();
        cursor.id = mine.value(QStringLiteral("id")).toString();
        for (const QJsonValue& id : mine.value(QStringLiteral("seen")).toArray())
            seen.append(id.toString());
    }
    m_poller->setCursor(cursor);
    m_poller->setRememberedIds(seen);
}

} // namespace nullify::ui
