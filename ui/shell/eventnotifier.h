#pragma once

#include "events.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>
#include <optional>

namespace nullify::api {
class EventFeedPoller;
class NullifyApi;
struct ApiError;
} // namespace nullify::api

namespace nullify::ui {

class AppSettings;
class ConnectionState;
class PollDriver;
class TrayNotifier;

// What a click on a notification opens.
struct NotificationTarget
{
    enum class Kind { None, Finding, Autofix, Scan };
    Kind kind = Kind::None;
    std::optional<api::FindingService> service; // Finding, Autofix
    QString findingId; // Finding, Autofix
    QString title; // the finding's title, for the Autofix page's row
    api::EventScan scan = api::EventScan::None; // Scan
    QString scanId; // Scan
};

// One notification for one event of the feed.
struct EventNotification
{
    QString eventId; // empty for a summary of several
    QString title;
    QString message;
    NotificationTarget target;
};

// Notifications from the tenant's event feed (POST /admin/events): new critical findings, a fix
// ready (or failed), an autofix pull request opened, a pentest or cloud scan finished. It polls
// with an EventFeedPoller under a PollDriver (nothing while offline; the server's Retry-After
// honoured) and backs off when nothing new comes and on errors.
//
// Once per event: the poller drops ids it has seen, and the cursor and the last seen ids are kept
// in the settings per tenant (AppSettings::Key::EventFeedState), so a restart goes on from where
// the last run stopped instead of notifying old events again. A tenant read for the first time (or
// after notifications were turned back on) starts from now.
//
// Delivery: one notification at a time, deliveryGap() apart, because a tray's messageClicked does
// not say which message was clicked: the click opens the one shown last. Without a system tray,
// inAppNotice() asks the main window to show it instead. More than maxPerBatch() events at once:
// the first ones each get theirs and the rest one summary. Nothing at all while the setting
// "Show desktop notifications" is off: the feed is not even read then.
class EventNotifier : public QObject
{
    Q_OBJECT

public:
    EventNotifier(api::NullifyApi* api,
                  ConnectionState* connection,
                  AppSettings* settings,
                  TrayNotifier* tray,
                  QObject* parent = nullptr);
    ~EventNotifier() override;

    // The tenant whose feed is read (its host); its saved cursor is loaded. Stops a running feed.
    void setTenant(const QString& tenantHost);
    QString tenant() const { return m_tenant; }

    // Signed in / out. Reading starts only with a tenant and while notifications are on.
    void start();
    void stop();
    bool isWanted() const { return m_wanted; }
    bool isPolling() const;
    // The feed is read and its last read succeeded: the views' own "finished" notices would only
    // repeat what the feed says.
    bool isCovering() const;

    api::EventFeedPoller* poller() const { return m_poller; }
    PollDriver* driver() const { return m_driver; }

    void setDeliveryGap(std::chrono::milliseconds gap) { m_gap = gap; }
    std::chrono::milliseconds deliveryGap() const { return m_gap; }
    void setMaxPerBatch(int count) { m_maxPerBatch = std::max(1, count); }
    int maxPerBatch() const { return m_maxPerBatch; }

    // Something finished that the feed will tell (a page saw it): read the feed now instead of at
    // the next, perhaps backed-off, tick. Nothing while offline, while the server asked to wait,
    // or when the feed is not read at all.
    void readNow();

    // The notification an event makes, if it makes one (a non-critical new finding does not).
    static std::optional<EventNotification> describe(const api::FeedEvent& event);

    // The notification shown last (what a tray click opens), if any.
    std::optional<EventNotification> current() const { return m_current; }
    int pendingCount() const { return int(m_queue.size()); }

public slots:
    // The handler a tray's messageClicked reaches: opens what the last notification is about.
    void openCurrent();
    void open(const nullify::ui::NotificationTarget& target);

signals:
    // Shown (in the tray, or handed to inAppNotice): once per event.
    void notificationShown(const nullify::ui::EventNotification& notification);
    // No system tray: the main window shows it in the window instead.
    void inAppNotice(const nullify::ui::EventNotification& notification);
    void openRequested(const nullify::ui::NotificationTarget& target);

private:
    void onEvents(const QList<api::FeedEvent>& events);
    void onSettingChanged(int key);
    void update();
    void enqueue(const EventNotification& notification);
    void deliverNext();
    void save();
    void load();

    QPointer<api::NullifyApi> m_api;
    QPointer<AppSettings> m_settings;
    QPointer<TrayNotifier> m_tray;
    api::EventFeedPoller* m_poller = nullptr;
    PollDriver* m_driver = nullptr;
    QString m_tenant;
    bool m_wanted = false;
    bool m_lastReadOk = false;
    std::chrono::milliseconds m_gap {std::chrono::seconds(6)};
    int m_maxPerBatch = 4;
    QList<EventNotification> m_queue;
    QTimer m_gapTimer;
    std::optional<EventNotification> m_current;
};

} // namespace nullify::ui

Q_DECLARE_METATYPE(nullify::ui::EventNotification)
Q_DECLARE_METATYPE(nullify::ui::NotificationTarget)
