#include "events.h"

#include "jsonreader.h"
#include "nullifyapi.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace nullify::api {

namespace {

struct TypeInfo
{
    const char* type;
    EventKind kind;
    EventScan scan;
};

// The EventsEventType values behind notifications. Code scans (sast, sca, secrets) are started by
// the code host, not by the user: their completion is listed so a user can follow them too.
constexpr TypeInfo notificationTypes[] = {
    {"sast-new-finding", EventKind::NewFinding, EventScan::None},
    {"sca-new-finding", EventKind::NewFinding, EventScan::None},
    {"secrets-new-finding", EventKind::NewFinding, EventScan::None},
    {"sensitivedata-new-finding", EventKind::NewFinding, EventScan::None},
    {"dast-pentest-new-finding", EventKind::NewFinding, EventScan::None},
    {"dast-bughunt-new-finding", EventKind::NewFinding, EventScan::None},
    {"cspm-new-finding", EventKind::NewFinding, EventScan::None},
    {"scpm-new-finding", EventKind::NewFinding, EventScan::None},
    {"auto_fix_agent_finished", EventKind::FixReady, EventScan::None},
    {"auto_fix_agent_failed", EventKind::FixFailed, EventScan::None},
    {"auto-fix-pull-request-created", EventKind::PullRequestOpened, EventScan::None},
    {"dast-pentest-scan-completed", EventKind::ScanFinished, EventScan::Pentest},
    {"dast-pentest-scan-failed", EventKind::ScanFailed, EventScan::Pentest},
    {"cloud-integration-scan-completed", EventKind::ScanFinished, EventScan::Cloud},
    {"cloud-integration-scan-failed", EventKind::ScanFailed, EventScan::Cloud},
    {"sast-scan-completed", EventKind::ScanFinished, EventScan::Code},
    {"sca-scan-completed", EventKind::ScanFinished, EventScan::Code},
    {"secrets-scan-completed", EventKind::ScanFinished, EventScan::Code},
};

const TypeInfo* infoOf(const QString& type)
{
    for (const TypeInfo& info : notificationTypes) {
        if (type == QLatin1String(info.type))
            return &info;
    }
    return nullptr;
}

FeedEvent readEvent(JsonReader& r)
{
    FeedEvent event;
    // The spec requires none of them; an event without an id cannot be told apart from another,
    // so it is treated as broken rather than notified twice.
    event.id = r.string(QStringLiteral("id"), JsonReader::Required);
    event.type = r.string(QStringLiteral("type"));
    event.service = r.string(QStringLiteral("service"));
    event.timestampUnix = r.integer(QStringLiteral("timestampUnix")).value_or(0);
    event.findingId = r.string(QStringLiteral("findingId"));
    event.autofixId = r.string(QStringLiteral("autofixId"));
    event.runId = r.string(QStringLiteral("runId"));
    event.repositoryId = r.string(QStringLiteral("repositoryId"));
    event.prCanonicalId = r.string(QStringLiteral("prCanonicalId"));
    event.data = r.object().value(QStringLiteral("data")).toObject(); // anything else reads as empty
    return event;
}

} // namespace

EventKind eventKindOf(const QString& type)
{
    const TypeInfo* info = infoOf(type);
    return info ? info->kind : EventKind::Other;
}

QStringList notificationEventTypes()
{
    QStringList types;
    for (const TypeInfo& info : notificationTypes)
        types.append(QLatin1String(info.type));
    return types;
}

EventKind FeedEvent::kind() const
{
    return eventKindOf(type);
}

EventScan FeedEvent::scan() const
{
    const TypeInfo* info = infoOf(type);
    return info ? info->scan : EventScan::None;
}

Severity FeedEvent::severity() const
{
    return severityFromString(data.value(QStringLiteral("severity")).toString());
}

QString FeedEvent::title() const
{
    return data.value(QStringLiteral("title")).toString();
}

QString FeedEvent::repository() const
{
    return data.value(QStringLiteral("repository")).toString();
}

QString FeedEvent::pullRequestUrl() const
{
    return data.value(QStringLiteral("pullRequestUrl")).toString();
}

std::optional<FindingService> FeedEvent::findingService() const
{
    if (findingId.isEmpty())
        return std::nullopt;
    const QString typeName = data.value(QStringLiteral("findingType")).toString();
    if (!typeName.isEmpty()) {
        if (const auto service = serviceFor(findingTypeFromString(typeName)))
            return service;
    }
    const QString source = service.isEmpty() ? type.section(QLatin1Char('-'), 0, 0) : service;
    if (source == QLatin1String("sast"))
        return FindingService::Sast;
    if (source == QLatin1String("sca"))
        return FindingService::ScaDependencies; // containers say so in data.findingType
    if (source == QLatin1String("secrets") || source == QLatin1String("sensitivedata"))
        return FindingService::Secrets;
    if (source == QLatin1String("dast"))
        return FindingService::DastPentest;
    if (source == QLatin1String("cspm"))
        return FindingService::Cspm;
    if (source == QLatin1String("scpm"))
        return FindingService::Scpm;
    return std::nullopt;
}

QByteArray eventsQueryBody(const EventsQuery& query)
{
    QJsonObject body;
    if (query.after.timeUnix > 0)
        body.insert(QStringLiteral("afterTimeUnix"), query.after.timeUnix);
    if (!query.after.id.isEmpty())
        body.insert(QStringLiteral("afterId"), query.after.id);
    if (!query.eventTypes.isEmpty())
        body.insert(QStringLiteral("eventTypes"), QJsonArray::fromStringList(query.eventTypes));
    if (query.limit > 0)
        body.insert(QStringLiteral("limit"), query.limit);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

Result<EventPage> decodeEventPage(const QByteArray& body)
{
    return decodeJson<EventPage>(body, [](JsonReader& r) {
        EventPage page;
        page.events = r.list<FeedEvent>(QStringLiteral("events"), JsonReader::Optional, &readEvent);
        page.hasMore = r.boolean(QStringLiteral("hasMore")).value_or(false);
        page.next.timeUnix = r.integer(QStringLiteral("nextCursorTime")).value_or(0);
        page.next.id = r.string(QStringLiteral("nextCursorId"));
        return page;
    });
}

QNetworkReply* listEvents(NullifyApi* api, const EventsQuery& query, QObject* context, Callback<EventPage> done)
{
    ApiRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/admin/events");
    request.body = eventsQueryBody(query);
    request.idempotent = true; // a read
    return api->client()->send<EventPage>(
        request, [](const QByteArray& body) { return decodeEventPage(body); }, context, std::move(done));
}

} // namespace nullify::api
