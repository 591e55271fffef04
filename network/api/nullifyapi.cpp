#include "nullifyapi.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace nullify::api {

namespace {

template <typename T> std::function<Result<T>(const QByteArray&)> decoder(Result<T> (*decode)(const QByteArray&))
{
    return [decode](const QByteArray& body) { return decode(body); };
}

template <typename T>
std::function<Result<T>(const QByteArray&)> decoder(Result<T> (*decode)(const QByteArray&, FindingService),
                                                    FindingService service)
{
    return [decode, service](const QByteArray& body) { return decode(body, service); };
}

ApiRequest post(const QString& path, const QByteArray& body, bool idempotent)
{
    ApiRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = path;
    request.body = body;
    request.idempotent = idempotent;
    return request;
}

QString findingPath(FindingService service, const QString& id)
{
    return QLatin1Char('/') + pathOf(service) + QStringLiteral("/findings/") + ApiClient::pathSegment(id);
}

} // namespace

NullifyApi::NullifyApi(ApiClient* client, QObject* parent)
    : QObject(parent)
    , m_client(client)
{ }

template <typename T>
QNetworkReply* NullifyApi::get(const QString& path,
                               const QueryParameters& query,
                               std::function<Result<T>(const QByteArray&)> decode,
                               QObject* context,
                               Callback<T> done)
{
    ApiRequest request;
    request.path = path;
    request.query = query;
    return m_client->send<T>(request, std::move(decode), context, std::move(done));
}

QNetworkReply*
NullifyApi::repositories(int limit, const QString& nextToken, QObject* context, Callback<Page<Repository>> done)
{
    QueryParameters query;
    if (limit > 0)
        query.append({QStringLiteral("limit"), QString::number(limit)});
    if (!nextToken.isEmpty())
        query.append({QStringLiteral("nextToken"), nextToken});
    return get<Page<Repository>>(
        QStringLiteral("/context/repositories"), query, decoder(&decodeRepositoryPage), context, std::move(done));
}

QNetworkReply* NullifyApi::scanRuns(const ScanRunQuery& q, QObject* context, Callback<Page<ScanRun>> done)
{
    if (q.repositoryId.isEmpty()) {
        return m_client->refuse<Page<ScanRun>>(
            ApiError::invalidRequest(QStringLiteral("repositoryId"),
                                     QStringLiteral("Scan runs are listed per repository.")),
            context,
            std::move(done));
    }
    QString path;
    QueryParameters query {{QStringLiteral("repositoryId"), q.repositoryId}};
    switch (q.scanner) {
    case Scanner::Sast:
        path = QStringLiteral("/sast/scan-runs");
        break;
    case Scanner::Secrets:
        path = QStringLiteral("/secrets/scan-runs");
        break;
    case Scanner::ScaDependencies:
        path = QStringLiteral("/sca/scan-runs");
        query.append({QStringLiteral("scanType"), QStringLiteral("sca_dependencies")});
        break;
    case Scanner::ScaContainers:
        path = QStringLiteral("/sca/scan-runs");
        query.append({QStringLiteral("scanType"), QStringLiteral("sca_containers")});
        break;
    }
    if (q.limit > 0)
        query.append({QStringLiteral("limit"), QString::number(q.limit)});
    query.append({QStringLiteral("offset"), QString::number(q.offset)});
    if (!q.sort.isEmpty())
        query.append({QStringLiteral("sort"), q.sort});
    return get<Page<ScanRun>>(path, query, decoder(&decodeScanRunPage), context, std::move(done));
}

QByteArray NullifyApi::findingsQueryBody(const FindingsQuery& q)
{
    QJsonObject query;
    query.insert(QStringLiteral("page"), q.page);
    query.insert(QStringLiteral("pageSize"), q.pageSize);
    if (!q.types.isEmpty()) {
        QJsonArray types;
        for (FindingType type : q.types)
            types.append(wireName(type));
        query.insert(QStringLiteral("type"), types);
    }
    if (!q.severities.isEmpty()) {
        QJsonArray severities;
        for (Severity severity : q.severities)
            severities.append(wireName(severity));
        query.insert(QStringLiteral("severity"), severities);
    }
    if (!q.repositories.isEmpty())
        query.insert(QStringLiteral("repository"), QJsonArray::fromStringList(q.repositories));
    if (!q.branches.isEmpty())
        query.insert(QStringLiteral("branch"), QJsonArray::fromStringList(q.branches));
    if (!q.cwes.isEmpty())
        query.insert(QStringLiteral("cwe"), QJsonArray::fromStringList(q.cwes));
    if (!q.fromDate.isEmpty())
        query.insert(QStringLiteral("fromDate"), q.fromDate);
    if (!q.toDate.isEmpty())
        query.insert(QStringLiteral("toDate"), q.toDate);
    if (q.isFalsePositive)
        query.insert(QStringLiteral("isFalsePositive"), *q.isFalsePositive);
    if (q.isFixed)
        query.insert(QStringLiteral("isFixed"), *q.isFixed);
    if (q.isResolved)
        query.insert(QStringLiteral("isResolved"), *q.isResolved);
    if (q.isAllowlisted)
        query.insert(QStringLiteral("isAllowlisted"), *q.isAllowlisted);
    if (!q.search.isEmpty())
        query.insert(QStringLiteral("search"), q.search);
    if (!q.sortPreset.isEmpty())
        query.insert(QStringLiteral("sortPreset"), q.sortPreset);
    if (!q.autofixStates.isEmpty()) {
        QJsonArray states;
        for (AutofixState state : q.autofixStates)
            states.append(wireName(state));
        query.insert(QStringLiteral("autoFixState"), states);
    }
    return QJsonDocument(QJsonObject {{QStringLiteral("query"), query}}).toJson(QJsonDocument::Compact);
}

QNetworkReply* NullifyApi::findings(const FindingsQuery& query, QObject* context, Callback<Page<Finding>> done)
{
    if (query.pageSize <= 0) {
        return m_client->refuse<Page<Finding>>(
            ApiError::invalidRequest(QStringLiteral("pageSize"), QStringLiteral("pageSize must be positive.")),
            context,
            std::move(done));
    }
    // A query only reads: replaying it after a 5xx is safe.
    return m_client->send<Page<Finding>>(post(QStringLiteral("/admin/findings"), findingsQueryBody(query), true),
                                         decoder(&decodeFindingsPage),
                                         context,
                                         std::move(done));
}

QNetworkReply*
NullifyApi::finding(FindingService service, const QString& id, QObject* context, Callback<FindingDetail> done)
{
    if (id.isEmpty()) {
        return m_client->refuse<FindingDetail>(
            ApiError::invalidRequest(QStringLiteral("findingId"), QStringLiteral("No finding id.")),
            context,
            std::move(done));
    }
    return get<FindingDetail>(
        findingPath(service, id),
        {},
        [service, id](const QByteArray& body) {
            Result<FindingDetail> result = decodeFindingDetail(body, service);
            if (result && result.value().id.isEmpty())
                result.value().id = id; // SAST, CSPM and SCPM do not require it
            return result;
        },
        context,
        std::move(done));
}

QNetworkReply* NullifyApi::startCloudScan(QObject* context, Callback<CloudScanStart> done)
{
    ApiRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/context/cloud-scan/start"); // no body, per the spec
    return m_client->send<CloudScanStart>(request, decoder(&decodeCloudScanStart), context, std::move(done));
}

QNetworkReply* NullifyApi::cloudScanStatus(const QString& scanId, QObject* context, Callback<CloudScanStatus> done)
{
    if (scanId.isEmpty()) {
        return m_client->refuse<CloudScanStatus>(
            ApiError::invalidRequest(QStringLiteral("scanId"), QStringLiteral("No scan id.")),
            context,
            std::move(done));
    }
    return get<CloudScanStatus>(QStringLiteral("/context/cloud-scan/%1/status").arg(ApiClient::pathSegment(scanId)),
                                {},
                                decoder(&decodeCloudScanStatus),
                                context,
                                std::move(done));
}

QNetworkReply* NullifyApi::applications(QObject* context, Callback<QList<Application>> done)
{
    return get<QList<Application>>(
        QStringLiteral("/context/applications"), {}, decoder(&decodeApplications), context, std::move(done));
}

QNetworkReply* NullifyApi::startPentest(const QString& applicationId, QObject* context, Callback<PentestScan> done)
{
    if (applicationId.isEmpty()) {
        return m_client->refuse<PentestScan>(
            ApiError::invalidRequest(QStringLiteral("applicationId"), QStringLiteral("Choose an application.")),
            context,
            std::move(done));
    }
    const QByteArray body
        = QJsonDocument(QJsonObject {{QStringLiteral("applicationId"), applicationId}}).toJson(QJsonDocument::Compact);
    return m_client->send<PentestScan>(post(QStringLiteral("/dast/pentest/start"), body, false),
                                       decoder(&decodePentestScan),
                                       context,
                                       std::move(done));
}

QNetworkReply* NullifyApi::pentestScan(const QString& scanId, QObject* context, Callback<PentestScan> done)
{
    if (scanId.isEmpty()) {
        return m_client->refuse<PentestScan>(
            ApiError::invalidRequest(QStringLiteral("scanId"), QStringLiteral("No scan id.")),
            context,
            std::move(done));
    }
    return get<PentestScan>(QStringLiteral("/dast/pentest/scans/") + ApiClient::pathSegment(scanId),
                            {},
                            decoder(&decodePentestScan),
                            context,
                            std::move(done));
}

QNetworkReply* NullifyApi::stopPentest(const QString& scanId, QObject* context, Callback<PentestScan> done)
{
    if (scanId.isEmpty()) {
        return m_client->refuse<PentestScan>(
            ApiError::invalidRequest(QStringLiteral("scanId"), QStringLiteral("No scan id.")),
            context,
            std::move(done));
    }
    ApiRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/dast/pentest/scans/%1/stop").arg(ApiClient::pathSegment(scanId));
    // Stopping twice is harmless: a 5xx may be replayed.
    request.idempotent = true;
    return m_client->send<PentestScan>(request, decoder(&decodePentestScan), context, std::move(done));
}

QNetworkReply* NullifyApi::pentestReport(const QString& scanId, QObject* context, Callback<PentestReport> done)
{
    if (scanId.isEmpty()) {
        return m_client->refuse<PentestReport>(
            ApiError::invalidRequest(QStringLiteral("scanId"), QStringLiteral("No scan id.")),
            context,
            std::move(done));
    }
    return get<PentestReport>(QStringLiteral("/dast/pentest/scans/%1/report").arg(ApiClient::pathSegment(scanId)),
                              {},
                              decoder(&decodePentestReport),
                              context,
                              std::move(done));
}

QNetworkReply*
NullifyApi::pentestScans(int limit, const QString& nextToken, QObject* context, Callback<Page<PentestScan>> done)
{
    QueryParameters query;
    if (limit > 0)
        query.append({QStringLiteral("limit"), QString::number(limit)});
    if (!nextToken.isEmpty())
        query.append({QStringLiteral("nextToken"), nextToken});
    return get<Page<PentestScan>>(
        QStringLiteral("/dast/pentest/scans"), query, decoder(&decodePentestScanPage), context, std::move(done));
}

QNetworkReply* NullifyApi::startAutofix(FindingService service,
                                        const QString& findingId,
                                        QObject* context,
                                        Callback<AutofixStart> done)
{
    if (!hasAutofix(service) || findingId.isEmpty()) {
        return m_client->refuse<AutofixStart>(
            ApiError::invalidRequest(findingId.isEmpty() ? QStringLiteral("findingId") : QStringLiteral("service"),
                                     QStringLiteral("Autofix is not available for this finding.")),
            context,
            std::move(done));
    }
    return m_client->send<AutofixStart>(
        post(findingPath(service, findingId) + QStringLiteral("/autofix/fix"), QByteArrayLiteral("{}"), false),
        decoder(&decodeAutofixStart),
        context,
        std::move(done));
}

QNetworkReply* NullifyApi::autofixStatus(FindingService service,
                                         const QString& findingId,
                                         QObject* context,
                                         Callback<AutofixStatus> done)
{
    if (!hasAutofix(service) || findingId.isEmpty()) {
        return m_client->refuse<AutofixStatus>(
            ApiError::invalidRequest(findingId.isEmpty() ? QStringLiteral("findingId") : QStringLiteral("service"),
                                     QStringLiteral("Autofix is not available for this finding.")),
            context,
            std::move(done));
    }
    return get<AutofixStatus>(findingPath(service, findingId) + QStringLiteral("/autofix/status"),
                              {},
                              decoder(&decodeAutofixStatus),
                              context,
                              std::move(done));
}

QNetworkReply*
NullifyApi::autofixDiff(FindingService service, const QString& findingId, QObject* context, Callback<AutofixDiff> done)
{
    if (!hasAutofixDiff(service) || findingId.isEmpty()) {
        return m_client->refuse<AutofixDiff>(
            ApiError::invalidRequest(findingId.isEmpty() ? QStringLiteral("findingId") : QStringLiteral("service"),
                                     QStringLiteral("This finding's fix has no diff to show.")),
            context,
            std::move(done));
    }
    return get<AutofixDiff>(findingPath(service, findingId) + QStringLiteral("/autofix/cache/diff"),
                            {},
                            decoder(&decodeAutofixDiff, service),
                            context,
                            std::move(done));
}

QNetworkReply*
NullifyApi::createPullRequest(const QString& scpmFindingId, QObject* context, Callback<AutofixStart> done)
{
    if (scpmFindingId.isEmpty()) {
        return m_client->refuse<AutofixStart>(
            ApiError::invalidRequest(QStringLiteral("findingId"), QStringLiteral("No finding id.")),
            context,
            std::move(done));
    }
    return m_client->send<AutofixStart>(
        post(findingPath(FindingService::Scpm, scpmFindingId) + QStringLiteral("/autofix/cache/create_pr"),
             QByteArrayLiteral("{}"),
             false),
        decoder(&decodeAutofixStart),
        context,
        std::move(done));
}

QNetworkReply* NullifyApi::metricsOverview(QObject* context, Callback<MetricsOverview> done)
{
    return m_client->send<MetricsOverview>(
        post(QStringLiteral("/admin/metrics/overview"), QByteArrayLiteral("{\"query\":{}}"), true),
        decoder(&decodeMetricsOverview),
        context,
        std::move(done));
}

QNetworkReply* NullifyApi::currentUser(QObject* context, Callback<CurrentUser> done)
{
    return get<CurrentUser>(
        QStringLiteral("/admin/user/current"), {}, decoder(&decodeCurrentUser), context, std::move(done));
}

QNetworkReply* NullifyApi::installations(QObject* context, Callback<QList<Installation>> done)
{
    return get<QList<Installation>>(
        QStringLiteral("/admin/installations"), {}, decoder(&decodeInstallations), context, std::move(done));
}

// --- Triage ---------------------------------------------------------------------------------------

namespace {

ApiError noTriage(FindingType type, const char* what)
{
    return ApiError::invalidRequest(
        QStringLiteral("type"),
        QStringLiteral("%1 findings have no %2 endpoint.").arg(wireName(type), QLatin1String(what)));
}

QString triagePath(const TriageEndpoints& endpoints, const QString& id, const char* action)
{
    QString path = QLatin1Char('/') + endpoints.service + QStringLiteral("/findings/") + ApiClient::pathSegment(id);
    if (action)
        path += QLatin1Char('/') + QLatin1String(action);
    return path;
}

QString requiredReasonMissing(const QString& reason)
{
    return reason.trimmed().isEmpty() ? QStringLiteral("A reason is required.") : QString();
}

} // namespace

QNetworkReply* NullifyApi::allowlistFinding(FindingType type,
                                            const QString& findingId,
                                            AllowlistType allowlistType,
                                            const QString& reason,
                                            QObject* context,
                                            Callback<TriageWrite> done)
{
    const auto endpoints = triageEndpointsFor(type);
    if (!endpoints)
        return m_client->refuse<TriageWrite>(noTriage(type, "allowlist"), context, std::move(done));
    if (const QString why = requiredReasonMissing(reason); !why.isEmpty())
        return m_client->refuse<TriageWrite>(
            ApiError::invalidRequest(QStringLiteral("allowlistReason"), why), context, std::move(done));
    return m_client->send<TriageWrite>(
        post(triagePath(*endpoints, findingId, "allowlist"), allowlistBody(allowlistType, reason), false),
        decoder(&decodeTriageWrite),
        context,
        std::move(done));
}

QNetworkReply* NullifyApi::allowlistFindings(FindingType type,
                                             const QStringList& findingIds,
                                             AllowlistType allowlistType,
                                             const QString& reason,
                                             QObject* context,
                                             Callback<TriageWrite> done)
{
    const auto endpoints = triageEndpointsFor(type);
    if (!endpoints || endpoints->batchPath.isEmpty())
        return m_client->refuse<TriageWrite>(noTriage(type, "batch allowlist"), context, std::move(done));
    if (const QString why = requiredReasonMissing(reason); !why.isEmpty())
        return m_client->refuse<TriageWrite>(
            ApiError::invalidRequest(QStringLiteral("allowlistReason"), why), context, std::move(done));
    return m_client->send<TriageWrite>(
        post(endpoints->batchPath, batchAllowlistBody(findingIds, allowlistType, reason), false),
        decoder(&decodeTriageWrite),
        context,
        std::move(done));
}

QNetworkReply* NullifyApi::unallowlistFinding(FindingType type,
                                              const QString& findingId,
                                              const QString& reason,
                                              AllowlistType previousType,
                                              QObject* context,
                                              Callback<TriageWrite> done)
{
    const auto endpoints = triageEndpointsFor(type);
    if (!endpoints)
        return m_client->refuse<TriageWrite>(noTriage(type, "unallowlist"), context, std::move(done));
    if (const QString why = requiredReasonMissing(reason); !why.isEmpty())
        return m_client->refuse<TriageWrite>(
            ApiError::invalidRequest(QStringLiteral("unallowlistReason"), why), context, std::move(done));
    std::optional<AllowlistType> sentType;
    if (endpoints->unallowlistNeedsType)
        sentType = previousType == AllowlistType::Unknown ? AllowlistType::UserOther : previousType;
    return m_client->send<TriageWrite>(
        post(triagePath(*endpoints, findingId, "unallowlist"), unallowlistBody(reason, sentType), false),
        decoder(&decodeTriageWrite),
        context,
        std::move(done));
}

QNetworkReply* NullifyApi::overrideFinding(FindingType type,
                                           const QString& findingId,
                                           const FindingOverride& change,
                                           QObject* context,
                                           Callback<TriageWrite> done)
{
    const auto endpoints = triageEndpointsFor(type);
    if (!endpoints || !endpoints->canOverride)
        return m_client->refuse<TriageWrite>(noTriage(type, "override"), context, std::move(done));
    if (change.severity && !endpoints->canOverrideSeverity)
        return m_client->refuse<TriageWrite>(noTriage(type, "severity override"), context, std::move(done));
    if (change.isEmpty())
        return m_client->refuse<TriageWrite>(
            ApiError::invalidRequest(QStringLiteral("severityOverride"), QStringLiteral("Nothing to change.")),
            context,
            std::move(done));
    ApiRequest request;
    request.method = QByteArrayLiteral("PATCH");
    request.path = triagePath(*endpoints, findingId, nullptr);
    request.body = overrideBody(change, endpoints->canOverrideSeverity);
    // The PATCH answers with the whole finding; what changed is what was sent.
    return m_client->send<TriageWrite>(
        request,
        [](const QByteArray&) { return Result<TriageWrite>::success(TriageWrite {}); },
        context,
        std::move(done));
}

QNetworkReply*
NullifyApi::triageRecord(FindingType type, const QString& findingId, QObject* context, Callback<TriageRecord> done)
{
    const auto endpoints = triageEndpointsFor(type);
    if (!endpoints)
        return m_client->refuse<TriageRecord>(noTriage(type, "triage"), context, std::move(done));
    return get<TriageRecord>(
        triagePath(*endpoints, findingId, "triage"), {}, decoder(&decodeTriageRecord), context, std::move(done));
}

} // namespace nullify::api
