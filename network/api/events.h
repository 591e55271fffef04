#pragma once

// The tenant's event feed: POST /admin/events (EndpointsAdminListUnifiedEventsInput / Output in
// ../shared/api/nullify-openapi.yaml), a cross-service list of what happened, read with a cursor.
// The desktop client reads it for notifications: new critical findings, a fix ready, a pull
// request opened, a scan finished.

#include "apiclient.h"
#include "types.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

class QNetworkReply;

namespace nullify::api {

class NullifyApi;

// Where the feed was last read up to: the answer's nextCursorTime / nextCursorId (the time and id
// of the last event handed out). Both empty: nowhere yet.
struct EventCursor
{
    qint64 timeUnix = 0; // seconds since the epoch (afterTimeUnix)
    QString id; // afterId

    bool isValid() const { return timeUnix > 0 || !id.isEmpty(); }
    bool operator==(const EventCursor& other) const { return timeUnix == other.timeUnix && id == other.id; }
    bool operator!=(const EventCursor& other) const { return !(*this == other); }
};

// The request body. Only the fields the client uses; the rest of the schema stays unsent.
struct EventsQuery
{
    EventCursor after;
    QStringList eventTypes; // EventsEventType values; empty: every type
    int limit = 50; // 0: the server's default
};

// What one event means to the client.
enum class EventKind {
    Other,
    NewFinding, // a scanner reported a finding (the client notifies only critical ones)
    FixReady, // the autofix agent finished: a fix is cached
    FixFailed, // the autofix agent gave up
    PullRequestOpened, // an autofix pull request was created
    ScanFinished, // a scan completed
    ScanFailed, // a scan ended in failure
};

// Which scan an event of kind ScanFinished / ScanFailed is about.
enum class EventScan { None, Pentest, Cloud, Code };

// EndpointsUnifiedEventOutput. `data` is free-form in the spec; the fields read from it are the
// ones a notification shows (each may be missing).
struct FeedEvent
{
    QString id;
    QString type; // EventsEventType, e.g. "dast-pentest-scan-completed"
    QString service; // EventbusService, e.g. "dast"
    qint64 timestampUnix = 0;
    QString findingId;
    QString autofixId;
    QString runId; // the scan's id for scan events
    QString repositoryId;
    QString prCanonicalId;
    QJsonObject data;

    EventKind kind() const;
    EventScan scan() const;
    // data.severity (upper case), data.title, data.findingType, data.pullRequestUrl, data.repository.
    Severity severity() const;
    QString title() const;
    QString repository() const;
    QString pullRequestUrl() const;
    // The service that serves the finding the event names (from the type, or data.findingType for
    // sca, which covers dependencies and containers), if it names one.
    std::optional<FindingService> findingService() const;
};

struct EventPage
{
    QList<FeedEvent> events;
    bool hasMore = false;
    EventCursor next; // nextCursorTime / nextCursorId; invalid when the server sent neither
};

// The event types behind the notifications, as the request's eventTypes filter.
QStringList notificationEventTypes();
EventKind eventKindOf(const QString& type);

QByteArray eventsQueryBody(const EventsQuery& query);
Result<EventPage> decodeEventPage(const QByteArray& body);

// POST /admin/events. A read: replaying it after a 5xx is safe.
QNetworkReply* listEvents(NullifyApi* api, const EventsQuery& query, QObject* context, Callback<EventPage> done);

} // namespace nullify::api

Q_DECLARE_METATYPE(nullify::api::FeedEvent)
