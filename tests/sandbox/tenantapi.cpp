#include "tenantapi.h"

#include "eventfeed.h"
#include "seeddata.h"
#include "tenantjson.h"
#include "utctime.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QMutex>
#include <QMutexLocker>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nullify::sandbox {

using seed::Finding;
using seed::FindingType;
using tenantjson::AutofixView;

namespace {

// --- Input checking -----------------------------------------------------------------------------
// Every reader reports a message naming the field and what was wrong, and never throws or
// crashes on a value of the wrong JSON type.

struct BadRequest
{
    QString message;
    int status = 400; // 404 for an unknown id where the operation declares one
};

std::optional<qint64> integerOf(const QJsonValue& value)
{
    if (!value.isDouble()) {
        return std::nullopt;
    }
    const double d = value.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) {
        return std::nullopt;
    }
    return static_cast<qint64>(d);
}

const char* jsonTypeName(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return "null";
    case QJsonValue::Bool:
        return "a boolean";
    case QJsonValue::Double:
        return "a number";
    case QJsonValue::String:
        return "a string";
    case QJsonValue::Array:
        return "an array";
    case QJsonValue::Object:
        return "an object";
    default:
        return "undefined";
    }
}

BadRequest wrongType(const QString& field, const char* expected, const QJsonValue& value)
{
    return {QStringLiteral("%1 must be %2, not %3")
                .arg(field, QLatin1String(expected), QLatin1String(jsonTypeName(value)))};
}

// Absent and null both mean "not given" for the nullable fields of the query schemas; a value that
// is given must pass `hasType` (when there is one) or the request is refused.
std::optional<QJsonValue> givenValue(const QJsonObject& o,
                                     const QString& key,
                                     const QString& where,
                                     bool (QJsonValue::*hasType)() const,
                                     const char* typeName)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull()) {
        return std::nullopt;
    }
    if (hasType && !(v.*hasType)()) {
        throw wrongType(where + key, typeName, v);
    }
    return v;
}

std::optional<int> optionalInt(const QJsonObject& o, const QString& key, const QString& where)
{
    const auto v = givenValue(o, key, where, nullptr, "an integer");
    if (!v) {
        return std::nullopt;
    }
    const auto i = integerOf(*v);
    if (!i || *i < INT_MIN || *i > INT_MAX) {
        throw wrongType(where + key, "an integer", *v);
    }
    return static_cast<int>(*i);
}

std::optional<bool> optionalBool(const QJsonObject& o, const QString& key, const QString& where)
{
    const auto v = givenValue(o, key, where, &QJsonValue::isBool, "a boolean");
    return v ? std::optional<bool>(v->toBool()) : std::nullopt;
}

std::optional<QString> optionalString(const QJsonObject& o, const QString& key, const QString& where)
{
    const auto v = givenValue(o, key, where, &QJsonValue::isString, "a string");
    return v ? std::optional<QString>(v->toString()) : std::nullopt;
}

std::optional<QStringList> optionalStrings(const QJsonObject& o, const QString& key, const QString& where)
{
    const auto v = givenValue(o, key, where, &QJsonValue::isArray, "an array of strings");
    if (!v) {
        return std::nullopt;
    }
    QStringList out;
    const QJsonArray array = v->toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString()) {
            throw wrongType(QStringLiteral("%1%2[%3]").arg(where, key).arg(i), "a string", array.at(i));
        }
        out.append(array.at(i).toString());
    }
    return out;
}

// The body of a POST whose schema is optional ({} and an empty body are the same).
QJsonObject optionalBody(const SandboxRequest& request)
{
    if (request.body.trimmed().isEmpty()) {
        return {};
    }
    QString error;
    const auto object = request.jsonObject(&error);
    if (!object) {
        throw BadRequest {error};
    }
    return *object;
}

QJsonObject requiredBody(const SandboxRequest& request)
{
    QString error;
    const auto object = request.jsonObject(&error);
    if (!object) {
        throw BadRequest {error};
    }
    return *object;
}

std::optional<int> queryInt(const SandboxRequest& request, const QString& name, int min, int max)
{
    if (!request.query.hasQueryItem(name)) {
        return std::nullopt;
    }
    const QString text = request.query.queryItemValue(name, QUrl::FullyDecoded);
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok) {
        throw BadRequest {QStringLiteral("query parameter %1 must be an integer, got \"%2\"").arg(name, text)};
    }
    if (value < min || value > max) {
        throw BadRequest {QStringLiteral("query parameter %1 must be between %2 and %3, got %4")
                              .arg(name)
                              .arg(min)
                              .arg(max)
                              .arg(value)};
    }
    return value;
}

QString requiredQuery(const SandboxRequest& request, const QString& name)
{
    const QString value = request.query.queryItemValue(name, QUrl::FullyDecoded);
    if (value.isEmpty()) {
        throw BadRequest {QStringLiteral("missing required query parameter %1").arg(name)};
    }
    return value;
}

// Paging tokens are opaque to clients; here they carry an offset and a check word so that a token
// from another list (or a mangled one) is refused instead of silently restarting the list.
QString makeToken(const QString& list, int offset)
{
    const QByteArray text = QStringLiteral("%1:%2").arg(list).arg(offset).toUtf8();
    return QString::fromLatin1(text.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

int readToken(const QString& list, const QString& token, const QString& parameter)
{
    const QByteArray text = QByteArray::fromBase64(token.toLatin1(), QByteArray::Base64UrlEncoding);
    const QString decoded = QString::fromUtf8(text);
    const QString prefix = list + QLatin1Char(':');
    bool ok = false;
    const int offset = decoded.startsWith(prefix) ? decoded.mid(prefix.size()).toInt(&ok) : -1;
    if (!ok || offset < 0) {
        throw BadRequest {QStringLiteral("%1 is not a token this list issued").arg(parameter)};
    }
    return offset;
}

// --- Findings queries ---------------------------------------------------------------------------

// query.fromDate / query.toDate: an ISO 8601 date ("2026-03-01": the whole day counts, so toDate
// is its last second) or date and time ("2026-03-01T12:00:00Z"), compared with createdAt.
std::optional<qint64> dateBound(const QJsonObject& query, const QString& key, bool endOfDay)
{
    const auto text = optionalString(query, key, QStringLiteral("query."));
    if (!text || text->isEmpty()) {
        return std::nullopt;
    }
    if (text->size() == 10) {
        const QDate date = QDate::fromString(*text, Qt::ISODate);
        if (date.isValid()) {
            const qint64 start = nullify::utcDateTime(date, QTime(0, 0)).toSecsSinceEpoch();
            return endOfDay ? start + 86399 : start;
        }
    }
    const QDateTime time = QDateTime::fromString(*text, Qt::ISODateWithMs);
    if (!time.isValid()) {
        throw BadRequest {QStringLiteral("query.%1: \"%2\" is not an ISO 8601 date or date-time").arg(key, *text)};
    }
    return time.toSecsSinceEpoch();
}

enum class SortPreset { CreatedDesc, CreatedAsc, PriorityDesc, SeverityDesc };

// query.sortPreset, one of ModelsUnifiedFindingsSortPreset; created_at_desc when absent.
SortPreset sortPresetOf(const QJsonObject& query)
{
    const auto text = optionalString(query, QStringLiteral("sortPreset"), QStringLiteral("query."));
    if (!text || text->isEmpty() || *text == QLatin1String("created_at_desc")) {
        return SortPreset::CreatedDesc;
    }
    if (*text == QLatin1String("created_at_asc")) {
        return SortPreset::CreatedAsc;
    }
    if (*text == QLatin1String("priority_desc")) {
        return SortPreset::PriorityDesc;
    }
    if (*text == QLatin1String("severity_desc")) {
        return SortPreset::SeverityDesc;
    }
    throw BadRequest {QStringLiteral("query.sortPreset: unknown preset \"%1\"; expected one of created_at_desc, "
                                     "created_at_asc, priority_desc, severity_desc")
                          .arg(*text)};
}

struct FindingFilter
{
    quint32 typeMask = ~0u;
    quint32 severityMask = ~0u;
    QList<bool> repositories; // empty: any
    QList<bool> templates; // empty: any (search, cwe and rule filters reduce to templates)
    std::optional<bool> resolved;
    std::optional<bool> allowlisted;
    std::optional<bool> falsePositive;
    std::optional<bool> fixed; // isFixed
    QList<bool> branches; // by repository: its (default) branch is one asked for; empty: any
    std::optional<qint64> fromSeconds; // fromDate / toDate, on the finding's createdAt
    std::optional<qint64> toSeconds;
    QList<int> ids; // empty and !byId: any
    bool byId = false;
    QSet<QString> languages;
    QSet<QString> priorities;
    QSet<QString> autofixStates; // autoFixState[]: empty, any; checked by the caller (run-time state)

    bool matches(const seed::Tenant& tenant, int index) const
    {
        const Finding& f = tenant.findings.at(index);
        if (!(typeMask & (1u << static_cast<int>(f.type))) || !(severityMask & (1u << static_cast<int>(f.severity)))) {
            return false;
        }
        if (!repositories.isEmpty() && !repositories.at(f.repository)) {
            return false;
        }
        if (!templates.isEmpty() && !templates.at(f.templateIndex)) {
            return false;
        }
        if ((resolved && *resolved != f.isResolved()) || (allowlisted && *allowlisted != f.allowlisted)
            || (falsePositive && *falsePositive != f.falsePositive) || (fixed && *fixed != f.resolved)) {
            return false;
        }
        if (!branches.isEmpty() && !branches.at(f.repository)) {
            return false;
        }
        if ((fromSeconds && f.createdAt < *fromSeconds) || (toSeconds && f.createdAt > *toSeconds)) {
            return false;
        }
        if (!languages.isEmpty() && !languages.contains(tenantjson::languageFor(tenant, f))) {
            return false;
        }
        if (!priorities.isEmpty() && !priorities.contains(seed::priorityLabel(f))) {
            return false;
        }
        return true;
    }
};

FindingFilter parseFilter(const seed::Tenant& tenant, const QJsonObject& query)
{
    const QString where = QStringLiteral("query.");
    FindingFilter filter;
    if (const auto types = optionalStrings(query, QStringLiteral("type"), where); types && !types->isEmpty()) {
        filter.typeMask = 0;
        for (const QString& name : *types) {
            const auto type = seed::findingTypeFromName(name);
            if (!type) {
                throw BadRequest {
                    QStringLiteral("query.type: unknown finding type \"%1\"; expected one of Code, Dependencies, "
                                   "Containers, SecretsCredentials, SecretsSensitiveData, Pentest, BugHunt, "
                                   "Cloud, Platform")
                        .arg(name)};
            }
            filter.typeMask |= 1u << static_cast<int>(*type);
        }
    }
    if (const auto severities = optionalStrings(query, QStringLiteral("severity"), where);
        severities && !severities->isEmpty()) {
        filter.severityMask = 0;
        for (const QString& name : *severities) {
            const auto severity = seed::severityFromName(name);
            if (!severity) {
                // The API's severities are upper case; the sandbox seeds no NONE/INFORMATIONAL/UNKNOWN.
                if (name == QLatin1String("NONE") || name == QLatin1String("INFORMATIONAL")
                    || name == QLatin1String("UNKNOWN")) {
                    continue;
                }
                throw BadRequest {QStringLiteral("query.severity: unknown severity \"%1\"; severities are upper case: "
                                                 "CRITICAL, HIGH, MEDIUM, LOW, NONE, INFORMATIONAL, UNKNOWN")
                                      .arg(name)};
            }
            filter.severityMask |= 1u << static_cast<int>(*severity);
        }
    }
    const auto repositoryNames = optionalStrings(query, QStringLiteral("repository"), where);
    const auto repositoryIds = optionalStrings(query, QStringLiteral("repositoryId"), where);
    if ((repositoryNames && !repositoryNames->isEmpty()) || (repositoryIds && !repositoryIds->isEmpty())) {
        filter.repositories.fill(false, tenant.repositories.size());
        for (int r = 0; r < tenant.repositories.size(); ++r) {
            const seed::Repository& repo = tenant.repositories.at(r);
            const bool byName = repositoryNames
                && (repositoryNames->contains(repo.name) || repositoryNames->contains(tenant.repositoryFullName(r)));
            const bool byId = repositoryIds && repositoryIds->contains(repo.id);
            filter.repositories[r] = byName || byId;
        }
    }
    const auto search = optionalString(query, QStringLiteral("search"), where);
    const auto cwes = optionalStrings(query, QStringLiteral("cwe"), where);
    const auto rules = optionalStrings(query, QStringLiteral("ruleId"), where);
    const auto packages = optionalStrings(query, QStringLiteral("package"), where);
    if ((search && !search->trimmed().isEmpty()) || (cwes && !cwes->isEmpty()) || (rules && !rules->isEmpty())
        || (packages && !packages->isEmpty())) {
        const QList<seed::FindingTemplate>& templates = seed::findingTemplates();
        filter.templates.fill(true, templates.size());
        for (int i = 0; i < templates.size(); ++i) {
            const seed::FindingTemplate& t = templates.at(i);
            bool keep = true;
            if (search && !search->trimmed().isEmpty()) {
                const QString needle = search->trimmed();
                keep = QString::fromUtf8(t.title).contains(needle, Qt::CaseInsensitive)
                    || QString::fromUtf8(t.file).contains(needle, Qt::CaseInsensitive)
                    || QString::fromUtf8(t.ruleId).contains(needle, Qt::CaseInsensitive)
                    || QString::fromUtf8(t.cve).contains(needle, Qt::CaseInsensitive);
            }
            if (keep && cwes && !cwes->isEmpty()) {
                keep = cwes->contains(QStringLiteral("CWE-%1").arg(t.cwe)) || cwes->contains(QString::number(t.cwe));
            }
            if (keep && rules && !rules->isEmpty()) {
                keep = rules->contains(QString::fromUtf8(t.ruleId));
            }
            if (keep && packages && !packages->isEmpty()) {
                keep = packages->contains(QString::fromUtf8(t.package));
            }
            filter.templates[i] = keep;
        }
    }
    filter.resolved = optionalBool(query, QStringLiteral("isResolved"), where);
    filter.allowlisted = optionalBool(query, QStringLiteral("isAllowlisted"), where);
    filter.falsePositive = optionalBool(query, QStringLiteral("isFalsePositive"), where);
    filter.fixed = optionalBool(query, QStringLiteral("isFixed"), where);
    // Every finding of the sandbox is on its repository's default branch.
    if (const auto branches = optionalStrings(query, QStringLiteral("branch"), where);
        branches && !branches->isEmpty()) {
        filter.branches.fill(false, tenant.repositories.size());
        for (int r = 0; r < tenant.repositories.size(); ++r) {
            filter.branches[r] = branches->contains(tenant.repositories.at(r).defaultBranch);
        }
    }
    filter.fromSeconds = dateBound(query, QStringLiteral("fromDate"), false);
    filter.toSeconds = dateBound(query, QStringLiteral("toDate"), true);
    if (const auto ids = optionalStrings(query, QStringLiteral("findingId"), where); ids && !ids->isEmpty()) {
        filter.byId = true;
        for (const QString& id : *ids) {
            const int index = tenant.findingIndex(id);
            if (index >= 0) {
                filter.ids.append(index);
            }
        }
        std::sort(filter.ids.begin(), filter.ids.end());
        filter.ids.erase(std::unique(filter.ids.begin(), filter.ids.end()), filter.ids.end());
    }
    if (const auto languages = optionalStrings(query, QStringLiteral("language"), where)) {
        filter.languages = QSet<QString>(languages->begin(), languages->end());
    }
    if (const auto priorities = optionalStrings(query, QStringLiteral("priorityLabel"), where)) {
        filter.priorities = QSet<QString>(priorities->begin(), priorities->end());
    }
    if (const auto states = optionalStrings(query, QStringLiteral("autoFixState"), where)) {
        filter.autofixStates = QSet<QString>(states->begin(), states->end());
    }
    // Type-check the remaining documented fields so a wrong type is a 400 rather than ignored.
    for (const char* key : {"appName",
                            "appType",
                            "cve",
                            "fileOwner",
                            "host",
                            "imageName",
                            "notfindingId",
                            "platform",
                            "secretType",
                            "teamIDs"}) {
        optionalStrings(query, QLatin1String(key), where);
    }
    for (const char* key : {"exploitValidated",
                            "hasAutoFix",
                            "hasTicket",
                            "hasTicketOrPR",
                            "includeEmpty",
                            "isArchived",
                            "isAutofixed",
                            "isDirect",
                            "isInternetReachable",
                            "isPushWorkflow"}) {
        optionalBool(query, QLatin1String(key), where);
    }
    for (const char* key :
         {"fromPriorityScore", "toPriorityScore", "importantMaxDays", "informationalMaxDays", "urgentMaxDays"}) {
        optionalInt(query, QLatin1String(key), where);
    }
    optionalString(query, QStringLiteral("tenantId"), where);
    sortPresetOf(query); // checked here too: the metrics overview takes the same query

    const QJsonValue sort = query.value(QStringLiteral("sort"));
    if (!sort.isUndefined() && !sort.isNull() && !sort.isArray()) {
        throw wrongType(QStringLiteral("query.sort"), "an array of objects", sort);
    }
    return filter;
}

// --- Long-running work ----------------------------------------------------------------------------

struct CloudScan
{
    QString id;
    qint64 startedMs = 0;
    bool fail = false;
    bool endReported = false; // its end is in the event feed
};

struct PentestRun
{
    QString id;
    int application = 0;
    qint64 startedMs = 0;
    bool fail = false;
    qint64 stopMs = 0; // 0: not asked to stop
    int progressAtStop = 0;
    QString executionArn;
    bool endReported = false; // its end is in the event feed
};

struct AutofixRun
{
    qint64 startedMs = 0;
    bool fail = false;
    qint64 prRequestedMs = 0; // 0: no pull request asked for
    int prNumber = 0;
    QString id; // the autofix's id in the event feed
    bool endReported = false; // "fix ready" (or failed) is in the event feed
    bool prReported = false; // "pull request opened" is in the event feed
};

struct AllowlistRecord
{
    QString type; // ModelsAllowlistType
    QString reason;
    qint64 atMs = 0;
    QString unallowlistReason; // the last unallowlist's, when the finding was taken off again
};

const QStringList cloudProviders = {QStringLiteral("AWS"), QStringLiteral("Azure"), QStringLiteral("GCP")};

} // namespace

class TenantApi::Private
{
public:
    TenantOptions options;
    seed::Tenant tenant;
    std::function<qint64()> clock;
    mutable QMutex mutex;
    QList<CloudScan> cloudScans;
    QList<PentestRun> pentests; // in start order
    QHash<int, AutofixRun> autofixes; // by finding index
    // PATCH /{svc}/findings/{id}: the fields a user overrode, by finding index, laid over the
    // seeded finding in every later answer (so a replayed PATCH is visible as a second write).
    QHash<int, QJsonObject> findingOverrides;
    int findingPatchCount = 0;
    // A severity override moves the finding to that severity everywhere (list, filters, counts):
    // the seeded severity is kept here, by finding index, to come back when the override is cleared.
    QHash<int, seed::Severity> seededSeverities;
    // Allowlist and unallowlist: how and why, by finding index (the finding's allowlisted flag is
    // the state itself). Seeded allowlisted findings have no entry; allowlistOf() makes theirs.
    QHash<int, AllowlistRecord> allowlists;
    int allowlistWrites = 0;
    QList<QList<int>> pentestFindingsByApp;
    int autofixRequestCount = 0;
    int autofixStartCount = 0;
    quint64 idCounter = 0;
    EventFeed events;
    int nextCriticalToReport = 0; // reportNewFinding() without an id walks the criticals

    qint64 now() const { return clock(); }
    qint64 workMs() const { return std::max(0, options.workSeconds) * 1000LL; }
    qint64 autofixMs() const { return std::max(0, options.autofixSeconds) * 1000LL; }

    // Ids for work started at run time: deterministic per seed and start order.
    QString newId()
    {
        seed::Rng rng(seed::mix((quint64(tenant.seed) << 32) ^ 0xC0FFEEull ^ ++idCounter));
        return rng.uuid();
    }

    AutofixView autofixView(int index) const;
    QJsonObject autofixStatus(int index) const;
    QJsonObject cloudScanStatus(const CloudScan& scan) const;
    QJsonObject pentestScan(const PentestRun& run) const;
    QJsonObject pastPentestScan(const seed::PastPentest& past) const;
    QJsonObject pentestReport(const QString& scanId, int application, qint64 start, qint64 end) const;
    QJsonArray pentestFindingIds(int application) const;
    QString pentestStatus(const PentestRun& run, int* progress, qint64* endMs) const;

    SandboxResponse findings(const SandboxRequest& request);
    SandboxResponse metricsOverview(const SandboxRequest& request);
    SandboxResponse repositories(const SandboxRequest& request);
    SandboxResponse scanRuns(const SandboxRequest& request, const QString& scanner);
    SandboxResponse finding(const SandboxRequest& request, FindingType type, bool declares404);
    // withSeverity: false for sensitive data, whose input has only priorityOverride and userNotes.
    SandboxResponse
    patchFinding(const SandboxRequest& request, FindingType type, bool userNotes, bool withSeverity = true);
    QJsonObject findingWithOverrides(int index) const;
    QJsonObject previewWithOverrides(int index, const AutofixView& autofix) const;
    AllowlistRecord allowlistOf(int index) const;
    int triageFinding(const SandboxRequest& request, const QList<FindingType>& types, bool declares404) const;
    SandboxResponse allowlist(const SandboxRequest& request, const QList<FindingType>& types, bool answersLink);
    SandboxResponse batchAllowlist(const SandboxRequest& request, const QList<FindingType>& types);
    SandboxResponse unallowlist(const SandboxRequest& request, const QList<FindingType>& types, bool needsType);
    SandboxResponse triageRecord(const SandboxRequest& request, const QList<FindingType>& types, bool declares404);
    SandboxResponse autofixFix(const SandboxRequest& request, const QString& service, bool declares404);
    SandboxResponse autofixStatusResponse(const SandboxRequest& request, const QString& service);
    SandboxResponse autofixDiff(const SandboxRequest& request, const QString& service, bool declares404);
    SandboxResponse createPullRequest(const SandboxRequest& request);
    SandboxResponse startCloudScan(const SandboxRequest& request);
    SandboxResponse cloudScanStatusResponse(const SandboxRequest& request);
    SandboxResponse applications(const SandboxRequest& request);
    SandboxResponse startPentest(const SandboxRequest& request);
    SandboxResponse pentestScanResponse(const SandboxRequest& request);
    SandboxResponse stopPentest(const SandboxRequest& request);
    SandboxResponse pentestReportResponse(const SandboxRequest& request);
    SandboxResponse pentestScans(const SandboxRequest& request);
    SandboxResponse currentUser(const SandboxRequest& request);
    SandboxResponse installations(const SandboxRequest& request);
    SandboxResponse listEvents(const SandboxRequest& request);

    // The event feed: what the seeded history says happened, and what the running work has done
    // by now (scans ending, fixes ready, pull requests opened), appended in time order.
    void seedEvents();
    void syncEvents();
    EventFeed::Event findingEvent(int index, qint64 timeUnix) const;

    // The finding named by the path, if it exists and belongs to `service`.
    int findingForService(const SandboxRequest& request, const QString& service) const;
};

// --- Autofix ------------------------------------------------------------------------------------

AutofixView TenantApi::Private::autofixView(int index) const
{
    AutofixView view;
    const auto it = autofixes.constFind(index);
    if (it == autofixes.constEnd()) {
        return view;
    }
    const QJsonObject status = autofixStatus(index);
    view.state = status.value(QStringLiteral("state")).toString();
    view.startedAt = it->startedMs / 1000;
    view.pullRequestUrl = status.value(QStringLiteral("pullRequestUrl")).toString();
    view.pullRequestNumber = it->prNumber;
    return view;
}

QJsonObject TenantApi::Private::autofixStatus(int index) const
{
    const auto it = autofixes.constFind(index);
    if (it == autofixes.constEnd()) {
        return QJsonObject {{QStringLiteral("state"), QStringLiteral("none")}, {QStringLiteral("terminal"), true}};
    }
    const AutofixRun& run = *it;
    const qint64 t = now();
    const qint64 elapsed = std::max<qint64>(0, t - run.startedMs);
    const qint64 total = autofixMs();
    const double fraction = total == 0 ? 1.0 : static_cast<double>(elapsed) / static_cast<double>(total);
    const Finding& f = tenant.findings.at(index);
    const QString file = tenant.filePath(f);

    QString state;
    QString phase;
    QString activity;
    bool terminal = false;
    if (fraction < 0.15) {
        state = QStringLiteral("in_progress_requested");
        phase = QStringLiteral("planning");
        activity = QStringLiteral("Queued for the autofix agent");
    } else if (fraction < 0.6) {
        state = QStringLiteral("in_progress_agent");
        phase = QStringLiteral("fixing");
        activity = QStringLiteral("Editing %1").arg(file.isEmpty() ? QStringLiteral("the affected code") : file);
    } else if (fraction < 1.0) {
        state = QStringLiteral("in_progress_preview_available");
        phase = QStringLiteral("reviewing");
        activity = QStringLiteral("Reviewing the proposed change");
    } else if (run.fail) {
        state = QStringLiteral("failed_abort");
        phase = QStringLiteral("reviewing");
        activity = QStringLiteral("The fix did not pass review");
        terminal = true;
    } else {
        state = QStringLiteral("cached");
        phase = QStringLiteral("reviewing");
        activity = QStringLiteral("Fix ready for review");
        terminal = true;
    }
    const qint64 lastActivityMs
        = std::min(t, run.startedMs + static_cast<qint64>(std::min(1.0, fraction) * static_cast<double>(total)));
    QJsonObject status {
        {QStringLiteral("state"), state},
        {QStringLiteral("terminal"), terminal},
        {QStringLiteral("currentPhase"), phase},
        {QStringLiteral("currentActivity"), activity},
        {QStringLiteral("isAutoFixable"), true},
        {QStringLiteral("lastActivityAt"), seed::isoTime(lastActivityMs / 1000)},
        {QStringLiteral("updatedAt"), seed::isoTime(lastActivityMs / 1000)},
        {QStringLiteral("reconciliationStale"), false},
        {QStringLiteral("iterations"),
         QJsonObject {{QStringLiteral("count"), fraction < 0.15 ? 0 : (fraction < 0.6 ? 1 : 2)},
                      {QStringLiteral("totalCostUSD"), 0.42 * std::min(1.0, fraction)},
                      {QStringLiteral("totalInputTokens"), static_cast<int>(48000 * std::min(1.0, fraction))},
                      {QStringLiteral("totalOutputTokens"), static_cast<int>(6100 * std::min(1.0, fraction))},
                      {QStringLiteral("durationSeconds"), static_cast<int>(elapsed / 1000)}}}};
    if (run.fail && terminal) {
        status.insert(QStringLiteral("autofixVerdictReason"), QStringLiteral("FIX_REVIEW_REJECTED"));
        status.insert(QStringLiteral("autofixVerdictExplanation"),
                      QStringLiteral("The proposed change broke the existing tests in %1.").arg(file));
    }
    if (run.prRequestedMs && state == QLatin1String("cached")) {
        const qint64 prDelay = autofixMs() / 4;
        const QString url = QStringLiteral("https://github.com/%1/pull/%2")
                                .arg(tenant.repositoryFullName(f.repository))
                                .arg(run.prNumber);
        if (t - run.prRequestedMs < prDelay) {
            status.insert(QStringLiteral("state"), QStringLiteral("in_progress_creating_pr"));
            status.insert(QStringLiteral("terminal"), false);
            status.insert(QStringLiteral("currentPhase"), QStringLiteral("creating_pr"));
            status.insert(QStringLiteral("currentActivity"), QStringLiteral("Opening a pull request"));
        } else {
            // The pull request is open and waits for a human: nothing more will happen by itself.
            status.insert(QStringLiteral("state"), QStringLiteral("pending_review"));
            status.insert(QStringLiteral("terminal"), true);
            status.insert(QStringLiteral("currentPhase"), QStringLiteral("creating_pr"));
            status.insert(QStringLiteral("currentActivity"), QStringLiteral("Pull request opened"));
            status.insert(QStringLiteral("pullRequestUrl"), url);
            status.insert(QStringLiteral("pullRequestState"), QStringLiteral("open"));
            status.insert(QStringLiteral("pullRequests"),
                          QJsonArray {QJsonObject {
                              {QStringLiteral("identifier"), run.prNumber},
                              {QStringLiteral("url"), url},
                              {QStringLiteral("status"), QStringLiteral("open")},
                              {QStringLiteral("provider"), QStringLiteral("GitHub")},
                              {QStringLiteral("createdAt"), seed::isoTime((run.prRequestedMs + prDelay) / 1000)}}});
        }
    }
    return status;
}

int TenantApi::Private::findingForService(const SandboxRequest& request, const QString& service) const
{
    const int index = tenant.findingIndex(request.pathParams.value(QStringLiteral("findingId")));
    if (index < 0 || tenantjson::serviceFor(tenant.findings.at(index).type) != service) {
        return -1;
    }
    return index;
}

SandboxResponse TenantApi::Private::finding(const SandboxRequest& request, FindingType type, bool declares404)
{
    const QString service = tenantjson::serviceFor(type);
    const int index = findingForService(request, service);
    if (index < 0) {
        return SandboxResponse::error(declares404 ? 404 : 400,
                                      QStringLiteral("no %1 finding with id \"%2\"")
                                          .arg(service, request.pathParams.value(QStringLiteral("findingId"))));
    }
    QJsonObject body {{QStringLiteral("finding"), findingWithOverrides(index)}};
    const FindingType actual = tenant.findings.at(index).type;
    if (actual == FindingType::Code || actual == FindingType::Platform) {
        // A short-lived link to the file at the finding's commit.
        body.insert(
            QStringLiteral("presignedUrl"),
            QStringLiteral("https://nullify-sandbox.invalid/source/%1?expires=900").arg(tenant.findingId(index)));
    }
    if (actual == FindingType::Cloud) {
        body.insert(QStringLiteral("version"), QStringLiteral("2024-06-01"));
    }
    return SandboxResponse::json(200, body);
}

QJsonObject TenantApi::Private::findingWithOverrides(int index) const
{
    QJsonObject detail = tenantjson::findingDetail(tenant, index, autofixView(index));
    const QJsonObject overrides = findingOverrides.value(index);
    for (auto it = overrides.begin(); it != overrides.end(); ++it) {
        detail.insert(it.key(), it.value());
    }
    // The overrides are what the finding shows: its severity and priority label follow them.
    const QJsonValue severity = overrides.value(QStringLiteral("severityOverride"));
    if (severity.isString() && detail.value(QStringLiteral("severity")).isString()) {
        detail.insert(QStringLiteral("severity"), severity);
    }
    const QJsonValue priority = overrides.value(QStringLiteral("priorityOverride"));
    if (priority.isString() && detail.value(QStringLiteral("priorityLabel")).isString()) {
        detail.insert(QStringLiteral("priorityLabel"), priority);
    }
    // How and why it was allowlisted, in the fields each schema has for it.
    const AllowlistRecord allowlist = allowlistOf(index);
    const FindingType type = tenant.findings.at(index).type;
    if (!allowlist.type.isEmpty()) {
        if (type == FindingType::Code || type == FindingType::SecretsCredentials
            || type == FindingType::SecretsSensitiveData || type == FindingType::Platform
            || type == FindingType::Pentest) {
            detail.insert(QStringLiteral("allowlistType"), allowlist.type);
        }
        if (detail.contains(QStringLiteral("allowlistedReason"))) {
            detail.insert(QStringLiteral("allowlistedReason"), allowlist.reason);
        } else if (type != FindingType::Pentest && type != FindingType::Cloud) {
            detail.insert(QStringLiteral("allowlistReason"), allowlist.reason);
        }
    }
    return detail;
}

QJsonObject TenantApi::Private::previewWithOverrides(int index, const AutofixView& autofix) const
{
    QJsonObject preview = tenantjson::findingPreview(tenant, index, autofix);
    const QJsonObject overrides = findingOverrides.value(index);
    const QJsonValue severity = overrides.value(QStringLiteral("severityOverride"));
    if (severity.isString()) {
        preview.insert(QStringLiteral("severity"), severity);
        preview.insert(QStringLiteral("vulnerabilitiesMaxSeverity"), severity);
    }
    const QJsonValue priority = overrides.value(QStringLiteral("priorityOverride"));
    if (priority.isString()) {
        preview.insert(QStringLiteral("priorityLabel"), priority);
        preview.insert(QStringLiteral("priorityOverride"), priority);
        preview.insert(QStringLiteral("vulnerabilitiesMaxPriority"), priority);
    }
    const AllowlistRecord allowlist = allowlistOf(index);
    if (!allowlist.type.isEmpty()) {
        preview.insert(QStringLiteral("allowlistType"), allowlist.type);
        preview.insert(QStringLiteral("allowlistReason"), allowlist.reason);
    }
    return preview;
}

// --- Triage: allowlist, unallowlist, batch allowlist, triage record -----------------------------------

namespace {

const QStringList allowlistTypes {QStringLiteral("AI"),
                                  QStringLiteral("UserFixed"),
                                  QStringLiteral("UserAssumeRisk"),
                                  QStringLiteral("UserFalsePositive"),
                                  QStringLiteral("UserOther")};

// A required, non-blank string field of a triage input.
QString requiredText(const QJsonObject& body, const QString& field)
{
    const QJsonValue value = body.value(field);
    if (value.isUndefined()) {
        throw BadRequest {QStringLiteral("missing required field %1").arg(field)};
    }
    if (!value.isString()) {
        throw wrongType(field, "a string", value);
    }
    if (value.toString().trimmed().isEmpty()) {
        throw BadRequest {QStringLiteral("%1 must not be empty").arg(field)};
    }
    return value.toString();
}

QString requiredAllowlistType(const QJsonObject& body, const QString& field)
{
    const QString type = requiredText(body, field);
    if (!allowlistTypes.contains(type)) {
        throw BadRequest {QStringLiteral("%1: unknown value \"%2\"; one of %3")
                              .arg(field, type, allowlistTypes.join(QStringLiteral(", ")))};
    }
    return type;
}

SandboxResponse noContent()
{
    SandboxResponse response;
    response.status = 204;
    return response;
}

// ModelsPriorityEnum has four values; the seeded labels map onto them.
QString triagePriority(const QString& label)
{
    if (label == QLatin1String("URGENT") || label == QLatin1String("FALSE_POSITIVE")) {
        return label;
    }
    if (label == QLatin1String("IMPORTANT") || label == QLatin1String("MEDIUM")) {
        return QStringLiteral("IMPORTANT");
    }
    return QStringLiteral("NEGLIGIBLE");
}

} // namespace

AllowlistRecord TenantApi::Private::allowlistOf(int index) const
{
    const Finding& f = tenant.findings.at(index);
    if (!f.allowlisted) {
        return {};
    }
    const auto it = allowlists.constFind(index);
    if (it != allowlists.constEnd() && !it->type.isEmpty()) {
        return *it;
    }
    // Allowlisted in the seeded history: a reason a person would have given.
    AllowlistRecord seeded;
    seeded.type = (f.salt & 8) ? QStringLiteral("UserAssumeRisk") : QStringLiteral("UserFalsePositive");
    seeded.reason = (f.salt & 8) ? QStringLiteral("Accepted: behind the VPN, no customer data on this path.")
                                 : QStringLiteral("Test fixture only; never built into the product.");
    seeded.atMs = (f.createdAt + 86400) * 1000;
    return seeded;
}

int TenantApi::Private::triageFinding(const SandboxRequest& request,
                                      const QList<FindingType>& types,
                                      bool declares404) const
{
    const QString id = request.pathParams.value(QStringLiteral("findingId"));
    const int index = tenant.findingIndex(id);
    if (index < 0 || !types.contains(tenant.findings.at(index).type)) {
        throw BadRequest {QStringLiteral("no such finding \"%1\"").arg(id), declares404 ? 404 : 400};
    }
    return index;
}

SandboxResponse
TenantApi::Private::allowlist(const SandboxRequest& request, const QList<FindingType>& types, bool answersLink)
{
    const QJsonObject body = requiredBody(request);
    const QString type = requiredAllowlistType(body, QStringLiteral("allowlistType"));
    const QString reason = requiredText(body, QStringLiteral("allowlistReason"));
    const int index = triageFinding(request, types, true);
    ++allowlistWrites;
    tenant.findings[index].allowlisted = true;
    AllowlistRecord& record = allowlists[index];
    record.type = type;
    record.reason = reason;
    record.atMs = now();
    if (!answersLink) {
        return noContent();
    }
    // sast and scpm: the allowlist is committed as a pull request; its link comes back.
    return SandboxResponse::json(
        200,
        QJsonObject {{QStringLiteral("link"),
                      QStringLiteral("https://nullify-sandbox.invalid/allowlist/%1").arg(tenant.findingId(index))},
                     {QStringLiteral("title"),
                      QStringLiteral("Allowlist: %1").arg(tenant.findingTitle(tenant.findings.at(index)))},
                     {QStringLiteral("version"), QStringLiteral("1")}});
}

SandboxResponse TenantApi::Private::batchAllowlist(const SandboxRequest& request, const QList<FindingType>& types)
{
    const QJsonObject body = requiredBody(request);
    const QJsonValue idsValue = body.value(QStringLiteral("findingIds"));
    if (idsValue.isUndefined()) {
        throw BadRequest {QStringLiteral("missing required field findingIds")};
    }
    if (!idsValue.isArray() && !idsValue.isNull()) {
        throw wrongType(QStringLiteral("findingIds"), "an array of strings", idsValue);
    }
    const QString type = requiredAllowlistType(body, QStringLiteral("allowlistType"));
    const QString reason = requiredText(body, QStringLiteral("allowlistReason"));
    const QJsonArray ids = idsValue.toArray();
    if (ids.isEmpty()) {
        throw BadRequest {QStringLiteral("findingIds must name at least one finding")};
    }
    // All or nothing: one unknown id and no finding changes.
    QList<int> indexes;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        if (!ids.at(i).isString()) {
            throw wrongType(QStringLiteral("findingIds[%1]").arg(i), "a string", ids.at(i));
        }
        const int index = tenant.findingIndex(ids.at(i).toString());
        if (index < 0 || !types.contains(tenant.findings.at(index).type)) {
            return SandboxResponse::error(404, QStringLiteral("no such finding \"%1\"").arg(ids.at(i).toString()));
        }
        indexes.append(index);
    }
    ++allowlistWrites;
    for (int index : std::as_const(indexes)) {
        tenant.findings[index].allowlisted = true;
        AllowlistRecord& record = allowlists[index];
        record.type = type;
        record.reason = reason;
        record.atMs = now();
    }
    return noContent();
}

SandboxResponse
TenantApi::Private::unallowlist(const SandboxRequest& request, const QList<FindingType>& types, bool needsType)
{
    const QJsonObject body = requiredBody(request);
    const QString reason = requiredText(body, QStringLiteral("unallowlistReason"));
    if (needsType) {
        requiredAllowlistType(body, QStringLiteral("unallowlistType"));
    }
    const int index = triageFinding(request, types, true);
    if (!tenant.findings.at(index).allowlisted) {
        throw BadRequest {QStringLiteral("finding \"%1\" is not allowlisted").arg(tenant.findingId(index))};
    }
    ++allowlistWrites;
    tenant.findings[index].allowlisted = false;
    AllowlistRecord& record = allowlists[index];
    record.type.clear();
    record.reason.clear();
    record.unallowlistReason = reason;
    record.atMs = now();
    return noContent();
}

SandboxResponse
TenantApi::Private::triageRecord(const SandboxRequest& request, const QList<FindingType>& types, bool declares404)
{
    const int index = triageFinding(request, types, declares404);
    const Finding& f = tenant.findings.at(index);
    const QJsonObject detail = findingWithOverrides(index);
    if (f.type == FindingType::Pentest) {
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("finding"), detail}});
    }
    const QString label = detail.value(QStringLiteral("priorityLabel")).toString(seed::priorityLabel(f));
    const QString title = tenant.findingTitle(f);
    const QString commit = tenant.commitFor(f.salt);
    const bool reachable = (f.salt & 4) != 0;
    const QJsonObject triage {
        {QStringLiteral("id"), QStringLiteral("triage-") + tenant.findingId(index)},
        {QStringLiteral("version"), 2},
        {QStringLiteral("title"), title},
        {QStringLiteral("description"),
         reachable ? QStringLiteral("Reachable from an internet-facing entry point; exploitable as written.")
                   : QStringLiteral("No path from an entry point was found; kept for defence in depth.")},
        {QStringLiteral("priority"), triagePriority(label)},
        {QStringLiteral("lastTriagedAt"), seed::isoTime(f.createdAt + 3600)},
        {QStringLiteral("failedTriage"), false},
    };
    const QJsonArray steps {
        QJsonObject {{QStringLiteral("title"), QStringLiteral("Traced the input to the sink")},
                     {QStringLiteral("details"), QJsonArray {}}},
        QJsonObject {{QStringLiteral("title"), QStringLiteral("Checked the deployment's exposure")},
                     {QStringLiteral("details"), QJsonArray {}}},
    };
    const QJsonArray factors {
        QJsonObject {
            {QStringLiteral("title"), reachable ? QStringLiteral("Reachable") : QStringLiteral("Not reachable")},
            {QStringLiteral("description"), QStringLiteral("From the repository's call graph.")}},
    };
    QJsonObject record {{QStringLiteral("triage"), triage}};
    QJsonObject answer;
    switch (f.type) {
    case FindingType::Code:
    case FindingType::Platform:
        record.insert(QStringLiteral("isFalsePositive"), f.falsePositive);
        record.insert(QStringLiteral("falsePositiveReason"),
                      f.falsePositive ? QStringLiteral("The value never comes from a user.") : QString());
        record.insert(
            QStringLiteral("priority"),
            QJsonObject {
                {QStringLiteral("label"), triagePriority(label)},
                {QStringLiteral("score"), seed::priorityScore(f)},
                {QStringLiteral("description"),
                 detail.value(QStringLiteral("priorityLabelReason")).toString(QStringLiteral("From the triage."))}});
        record.insert(QStringLiteral("repoContextVersion"), QStringLiteral("3"));
        record.insert(QStringLiteral("finding"), detail);
        if (f.type == FindingType::Platform) {
            record.insert(QStringLiteral("fixStoryPointEstimate"), 2);
        } else {
            record.insert(QStringLiteral("investigationSteps"), steps);
            record.insert(QStringLiteral("assessmentFactors"), factors);
            record.insert(QStringLiteral("agentVersion"), QStringLiteral("triage-2.4"));
            record.insert(QStringLiteral("triagedCommitSha"), commit);
            record.insert(QStringLiteral("orgContextVersion"), QStringLiteral("7"));
        }
        answer.insert(
            QStringLiteral("presignedUrl"),
            QStringLiteral("https://nullify-sandbox.invalid/triage/%1?expires=900").arg(tenant.findingId(index)));
        break;
    case FindingType::Dependencies:
    case FindingType::Containers:
        record.insert(QStringLiteral("investigationSteps"), steps);
        record.insert(QStringLiteral("agentVersion"), QStringLiteral("triage-2.4"));
        record.insert(QStringLiteral("triagedCommitSha"), commit);
        record.insert(QStringLiteral("orgContextVersion"), QStringLiteral("7"));
        record.insert(QStringLiteral("repoContextVersion"), QStringLiteral("3"));
        record.insert(QStringLiteral("finding"), detail);
        answer.insert(
            QStringLiteral("presignedUrl"),
            QStringLiteral("https://nullify-sandbox.invalid/triage/%1?expires=900").arg(tenant.findingId(index)));
        break;
    default: // secrets, credentials and sensitive data
        record.insert(QStringLiteral("isFalsePositive"), f.falsePositive);
        record.insert(QStringLiteral("falsePositiveReason"),
                      f.falsePositive ? QStringLiteral("A documented example key, revoked upstream.") : QString());
        record.insert(QStringLiteral("investigationSteps"), steps);
        record.insert(QStringLiteral("assessmentFactors"), factors);
        record.insert(QStringLiteral("agentVersion"), QStringLiteral("triage-2.4"));
        record.insert(QStringLiteral("triagedCommitSha"), commit);
        record.insert(QStringLiteral("orgContextVersion"), QStringLiteral("7"));
        record.insert(QStringLiteral("repoContextVersion"), QStringLiteral("3"));
        if (f.type == FindingType::SecretsCredentials) {
            record.insert(QStringLiteral("finding"), detail);
        }
        break;
    }
    answer.insert(QStringLiteral("finding"), record);
    answer.insert(QStringLiteral("version"), QStringLiteral("1"));
    return SandboxResponse::json(200, answer);
}

SandboxResponse
TenantApi::Private::patchFinding(const SandboxRequest& request, FindingType type, bool userNotes, bool withSeverity)
{
    const QJsonObject body = optionalBody(request);
    // The spec's EndpointsPatch*FindingInput: each field optional and nullable; null clears the
    // override (the seeded value shows again).
    static const QStringList severities {QStringLiteral("CRITICAL"),
                                         QStringLiteral("HIGH"),
                                         QStringLiteral("MEDIUM"),
                                         QStringLiteral("LOW"),
                                         QStringLiteral("NONE"),
                                         QStringLiteral("INFORMATIONAL"),
                                         QStringLiteral("UNKNOWN")};
    static const QStringList priorities {QStringLiteral("URGENT"),
                                         QStringLiteral("IMPORTANT"),
                                         QStringLiteral("MEDIUM"),
                                         QStringLiteral("INFORMATIONAL"),
                                         QStringLiteral("LOW"),
                                         QStringLiteral("NEGLIGIBLE"),
                                         QStringLiteral("FALSE_POSITIVE"),
                                         QStringLiteral("UNKNOWN")};
    struct Field
    {
        QString name;
        const QStringList* allowed; // nullptr: any string
    };
    QList<Field> fields {{QStringLiteral("priorityOverride"), &priorities}};
    if (withSeverity) {
        fields.append({QStringLiteral("severityOverride"), &severities});
    }
    if (userNotes) {
        fields.append({QStringLiteral("userNotes"), nullptr});
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        const bool known
            = std::any_of(fields.cbegin(), fields.cend(), [&it](const Field& f) { return f.name == it.key(); });
        if (!known) {
            throw BadRequest {QStringLiteral("unknown field %1").arg(it.key())};
        }
    }
    const int index = findingForService(request, tenantjson::serviceFor(type));
    QJsonObject changes;
    for (const Field& field : std::as_const(fields)) {
        const QJsonValue value = body.value(field.name);
        if (value.isUndefined()) {
            continue;
        }
        if (!value.isNull() && !value.isString()) {
            throw wrongType(field.name, "a string or null", value);
        }
        if (value.isString() && field.allowed && !field.allowed->contains(value.toString())) {
            throw BadRequest {QStringLiteral("%1: unknown value \"%2\"; one of %3")
                                  .arg(field.name, value.toString(), field.allowed->join(QStringLiteral(", ")))};
        }
        changes.insert(field.name, value);
    }
    if (index < 0) {
        return SandboxResponse::error(
            404,
            QStringLiteral("no %1 finding with id \"%2\"")
                .arg(tenantjson::serviceFor(type), request.pathParams.value(QStringLiteral("findingId"))));
    }
    ++findingPatchCount;
    QJsonObject& overrides = findingOverrides[index];
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        if (it.value().isNull()) {
            overrides.remove(it.key());
        } else {
            overrides.insert(it.key(), it.value());
        }
    }
    if (overrides.isEmpty()) {
        findingOverrides.remove(index);
    }
    // A severity override moves the finding to that severity for lists, filters and counts too;
    // clearing it brings the seeded one back. (NONE, INFORMATIONAL and UNKNOWN are not seeded
    // severities: the finding keeps its own for filters and shows the override's text.)
    if (changes.contains(QStringLiteral("severityOverride"))) {
        Finding& f = tenant.findings[index];
        if (!seededSeverities.contains(index)) {
            seededSeverities.insert(index, f.severity);
        }
        const QJsonValue value = changes.value(QStringLiteral("severityOverride"));
        const auto severity = value.isString() ? seed::severityFromName(value.toString()) : std::nullopt;
        f.severity = severity.value_or(seededSeverities.value(index));
        if (value.isNull()) {
            seededSeverities.remove(index);
        }
    }
    return SandboxResponse::json(200, QJsonObject {{QStringLiteral("finding"), findingWithOverrides(index)}});
}

SandboxResponse TenantApi::Private::autofixFix(const SandboxRequest& request, const QString& service, bool declares404)
{
    const QJsonObject body = optionalBody(request);
    const auto force = optionalBool(body, QStringLiteral("force"), QString());
    optionalString(body, QStringLiteral("message"), QString());
    optionalString(body, QStringLiteral("originCampaignId"), QString());
    const QJsonValue assignees = body.value(QStringLiteral("assignees"));
    if (!assignees.isUndefined() && !assignees.isNull() && !assignees.isArray()) {
        throw wrongType(QStringLiteral("assignees"), "an array", assignees);
    }
    const int index = findingForService(request, service);
    if (index < 0) {
        return SandboxResponse::error(declares404 ? 404 : 400,
                                      QStringLiteral("no %1 finding with id \"%2\"")
                                          .arg(service, request.pathParams.value(QStringLiteral("findingId"))));
    }
    ++autofixRequestCount;
    if (autofixes.contains(index) && !autofixStatus(index).value(QStringLiteral("terminal")).toBool()
        && !force.value_or(false)) {
        return SandboxResponse::error(
            409, QStringLiteral("an autofix is already running for finding %1").arg(tenant.findingId(index)));
    }
    AutofixRun run;
    run.startedMs = now();
    run.fail = options.failAutofixes;
    run.id = QStringLiteral("autofix_%1_%2").arg(tenant.findingId(index)).arg(autofixStartCount + 1);
    autofixes.insert(index, run);
    ++autofixStartCount;
    return SandboxResponse::json(
        200, QJsonObject {{QStringLiteral("autoFixState"), QStringLiteral("in_progress_requested")}});
}

SandboxResponse TenantApi::Private::autofixStatusResponse(const SandboxRequest& request, const QString& service)
{
    const int index = findingForService(request, service);
    if (index < 0) {
        return SandboxResponse::error(404,
                                      QStringLiteral("no %1 finding with id \"%2\"")
                                          .arg(service, request.pathParams.value(QStringLiteral("findingId"))));
    }
    return SandboxResponse::json(200, QJsonObject {{QStringLiteral("status"), autofixStatus(index)}});
}

SandboxResponse TenantApi::Private::autofixDiff(const SandboxRequest& request, const QString& service, bool declares404)
{
    const int notFound = declares404 ? 404 : 400;
    const int index = findingForService(request, service);
    if (index < 0) {
        return SandboxResponse::error(notFound,
                                      QStringLiteral("no %1 finding with id \"%2\"")
                                          .arg(service, request.pathParams.value(QStringLiteral("findingId"))));
    }
    const QString state = autofixStatus(index).value(QStringLiteral("state")).toString();
    if (state != QLatin1String("cached") && state != QLatin1String("in_progress_creating_pr")
        && state != QLatin1String("pending_review")) {
        return SandboxResponse::error(
            notFound,
            QStringLiteral("no cached fix for finding %1 (autofix state: %2)").arg(tenant.findingId(index), state));
    }
    const Finding& f = tenant.findings.at(index);
    const seed::FindingTemplate& t = tenant.findingTemplate(f);
    // Conventional-commit style; an acronym at the start (XML, JWT) keeps its case.
    const QString heading = QString::fromUtf8(t.title);
    const bool acronym = heading.size() > 1 && heading.at(1).isUpper();
    const QString title = QStringLiteral("fix: %1").arg(acronym ? heading : heading.left(1).toLower() + heading.mid(1));
    const QString explanation = QStringLiteral("%1 This change addresses %2 (CWE-%3) in %4 line %5.")
                                    .arg(QString::fromUtf8(t.message), QString::fromUtf8(t.category))
                                    .arg(t.cwe)
                                    .arg(tenant.filePath(f))
                                    .arg(f.line);
    const QString prBody = QStringLiteral("## What\n%1\n\n## Why\n%2\n\nFinding: %3\nGenerated by Nullify Autofix.")
                               .arg(title.mid(5), QString::fromUtf8(t.message), tenant.findingId(index));
    return SandboxResponse::json(200,
                                 QJsonObject {{QStringLiteral("diffs"), seed::autofixDiffs(tenant, f)},
                                              {QStringLiteral("explanation"), explanation},
                                              {QStringLiteral("pullRequestTitle"), title},
                                              {QStringLiteral("pullRequestBody"), prBody},
                                              {QStringLiteral("commit"), tenant.commitFor(f.salt)}});
}

SandboxResponse TenantApi::Private::createPullRequest(const SandboxRequest& request)
{
    const QJsonObject body = optionalBody(request);
    optionalString(body, QStringLiteral("message"), QString());
    const int index = findingForService(request, QStringLiteral("scpm"));
    if (index < 0) {
        return SandboxResponse::error(404,
                                      QStringLiteral("no scpm finding with id \"%1\"")
                                          .arg(request.pathParams.value(QStringLiteral("findingId"))));
    }
    const QString state = autofixStatus(index).value(QStringLiteral("state")).toString();
    if (state == QLatin1String("in_progress_creating_pr") || state == QLatin1String("pending_review")) {
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("autoFixState"), state}});
    }
    if (state != QLatin1String("cached")) {
        return SandboxResponse::error(
            400, QStringLiteral("no cached fix to open a pull request from (autofix state: %1)").arg(state));
    }
    AutofixRun& run = autofixes[index];
    run.prRequestedMs = now();
    run.prNumber = 100 + static_cast<int>(seed::mix(quint64(index) ^ tenant.seed) % 900);
    return SandboxResponse::json(
        200, QJsonObject {{QStringLiteral("autoFixState"), QStringLiteral("in_progress_creating_pr")}});
}

// --- Findings lists and metrics -------------------------------------------------------------------

SandboxResponse TenantApi::Private::findings(const SandboxRequest& request)
{
    const QJsonObject body = requiredBody(request);
    const QJsonValue queryValue = body.value(QStringLiteral("query"));
    if (queryValue.isUndefined()) {
        throw BadRequest {QStringLiteral("missing required field query")};
    }
    if (!queryValue.isObject()) {
        throw wrongType(QStringLiteral("query"), "an object", queryValue);
    }
    const QJsonObject query = queryValue.toObject();
    const QString where = QStringLiteral("query.");
    const int pageSize = optionalInt(query, QStringLiteral("pageSize"), where).value_or(20);
    if (pageSize < 1 || pageSize > 100) {
        throw BadRequest {QStringLiteral("query.pageSize must be between 1 and 100, got %1").arg(pageSize)};
    }
    // Pages count from 1. A scrollId, when given, names the next page and pins the page size.
    int page = optionalInt(query, QStringLiteral("page"), where).value_or(1);
    if (page < 1) {
        throw BadRequest {QStringLiteral("query.page counts from 1, got %1").arg(page)};
    }
    if (const auto scroll = optionalString(query, QStringLiteral("scrollId"), where); scroll && !scroll->isEmpty()) {
        const int offset = readToken(
            QStringLiteral("findings/%1").arg(pageSize), *scroll, QStringLiteral("query.scrollId (for this pageSize)"));
        page = offset / pageSize + 1;
    }
    const FindingFilter filter = parseFilter(tenant, query);
    const SortPreset preset = sortPresetOf(query);

    // Every match, in the preset's order: findings are stored newest first, and each sort is
    // stable with that order as its tie-break, so a page is the same slice whenever it is asked
    // for and no finding is on two pages or none.
    QList<int> matches;
    QList<AutofixView> autofixViews; // of each match, so a page does not ask twice
    auto visit = [&](int index) {
        if (!filter.matches(tenant, index)) {
            return;
        }
        // The autofix state is the run's, as its status endpoint says it ("none" without one).
        AutofixView autofix = autofixView(index);
        if (!filter.autofixStates.isEmpty() && !filter.autofixStates.contains(autofix.state)) {
            return;
        }
        matches.append(index);
        autofixViews.append(std::move(autofix));
    };
    if (filter.byId) {
        for (int index : filter.ids) {
            visit(index);
        }
    } else {
        for (int index = 0; index < tenant.findings.size(); ++index) {
            visit(index);
        }
    }
    QList<int> order(matches.size()); // positions into matches
    std::iota(order.begin(), order.end(), 0);
    const auto byKey = [&](auto key) {
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            return key(tenant.findings.at(matches.at(a))) < key(tenant.findings.at(matches.at(b)));
        });
    };
    switch (preset) {
    case SortPreset::CreatedDesc:
        break;
    case SortPreset::CreatedAsc:
        std::reverse(order.begin(), order.end());
        break;
    case SortPreset::SeverityDesc: // Critical is 0
        byKey([](const Finding& f) { return static_cast<int>(f.severity); });
        break;
    case SortPreset::PriorityDesc:
        byKey([](const Finding& f) { return -seed::priorityScore(f); });
        break;
    }
    const qint64 matched = matches.size();
    const qint64 first = static_cast<qint64>(page - 1) * pageSize;
    QJsonArray items;
    for (qint64 i = first; i < std::min(matched, first + pageSize); ++i) {
        const int at = order.at(i);
        items.append(previewWithOverrides(matches.at(at), autofixViews.at(at)));
    }
    const bool more = first + pageSize < matched;
    return SandboxResponse::json(200,
                                 QJsonObject {{QStringLiteral("findings"), items},
                                              {QStringLiteral("total"), static_cast<double>(matched)},
                                              {QStringLiteral("hasMoreData"), more},
                                              {QStringLiteral("page"), page},
                                              {QStringLiteral("scrollId"),
                                               more ? QJsonValue(makeToken(QStringLiteral("findings/%1").arg(pageSize),
                                                                           static_cast<int>(first + pageSize)))
                                                    : QJsonValue(QJsonValue::Null)}});
}

SandboxResponse TenantApi::Private::metricsOverview(const SandboxRequest& request)
{
    const QJsonObject body = requiredBody(request);
    const QJsonValue queryValue = body.value(QStringLiteral("query"));
    if (queryValue.isUndefined()) {
        throw BadRequest {QStringLiteral("missing required field query")};
    }
    if (!queryValue.isObject()) {
        throw wrongType(QStringLiteral("query"), "an object", queryValue);
    }
    const FindingFilter filter = parseFilter(tenant, queryValue.toObject());

    struct Bucket
    {
        int thisMonth = 0;
        int lastMonth = 0;
        int urgent = 0;
        int important = 0;
        int negligible = 0;
    };
    const qint64 monthStart = tenant.referenceTime - 30LL * 86400;
    const qint64 lastMonthStart = tenant.referenceTime - 60LL * 86400;
    QList<Bucket> byRepo(tenant.repositories.size());
    QMap<QString, Bucket> byLanguage;
    QMap<QString, Bucket> byCwe;
    QMap<QString, Bucket> byKind; // code, secret, dependency, container, api
    QMap<QString, Bucket> byType;
    std::array<std::array<int, seed::severityCount>, 3> funnel {}; // detected, open, resolved
    int resolvedThisMonth = 0;
    int resolvedLastMonth = 0;
    int falsePositivesThisMonth = 0;
    int falsePositivesLastMonth = 0;
    auto add = [&](Bucket& b, const Finding& f, const QString& label) {
        if (f.createdAt >= monthStart) {
            ++b.thisMonth;
        } else if (f.createdAt >= lastMonthStart) {
            ++b.lastMonth;
        }
        if (label == QLatin1String("URGENT")) {
            ++b.urgent;
        } else if (label == QLatin1String("IMPORTANT")) {
            ++b.important;
        } else if (label == QLatin1String("NEGLIGIBLE") || label == QLatin1String("LOW")) {
            ++b.negligible;
        }
    };
    for (int index = 0; index < tenant.findings.size(); ++index) {
        if (!filter.matches(tenant, index)) {
            continue;
        }
        const Finding& f = tenant.findings.at(index);
        const QString label = seed::priorityLabel(f);
        const int severity = static_cast<int>(f.severity);
        ++funnel[0][severity];
        ++funnel[f.isResolved() ? 2 : 1][severity]; // "open" is what isResolved=false lists
        const bool thisMonth = f.createdAt >= monthStart;
        const bool lastMonth = !thisMonth && f.createdAt >= lastMonthStart;
        resolvedThisMonth += f.resolved && thisMonth;
        resolvedLastMonth += f.resolved && lastMonth;
        falsePositivesThisMonth += f.falsePositive && thisMonth;
        falsePositivesLastMonth += f.falsePositive && lastMonth;
        add(byRepo[f.repository], f, label);
        add(byLanguage[tenantjson::languageFor(tenant, f)], f, label);
        add(byCwe[QStringLiteral("CWE-%1").arg(tenant.findingTemplate(f).cwe)], f, label);
        add(byType[seed::findingTypeName(f.type)], f, label);
        switch (f.type) {
        case FindingType::Code:
            add(byKind[QStringLiteral("code")], f, label);
            break;
        case FindingType::SecretsCredentials:
        case FindingType::SecretsSensitiveData:
            add(byKind[QStringLiteral("secret")], f, label);
            break;
        case FindingType::Dependencies:
            add(byKind[QStringLiteral("dependency")], f, label);
            break;
        case FindingType::Containers:
            add(byKind[QStringLiteral("container")], f, label);
            break;
        case FindingType::Pentest:
        case FindingType::BugHunt:
            add(byKind[QStringLiteral("api")], f, label);
            break;
        default:
            break;
        }
    }
    auto metricWithValue = [](const QString& value, const Bucket& b) {
        return QJsonObject {{QStringLiteral("value"), value},
                            {QStringLiteral("thisMonth"), b.thisMonth},
                            {QStringLiteral("lastMonth"), b.lastMonth},
                            {QStringLiteral("urgent"), b.urgent},
                            {QStringLiteral("important"), b.important},
                            {QStringLiteral("negligible"), b.negligible}};
    };
    auto metric = [](double thisMonth, double lastMonth) {
        return QJsonObject {{QStringLiteral("thisMonth"), thisMonth}, {QStringLiteral("lastMonth"), lastMonth}};
    };
    auto list = [&](const QMap<QString, Bucket>& buckets) {
        QJsonArray out;
        for (auto it = buckets.cbegin(); it != buckets.cend(); ++it) {
            out.append(metricWithValue(it.key(), it.value()));
        }
        return out;
    };
    QJsonArray repos;
    for (int r = 0; r < tenant.repositories.size(); ++r) {
        repos.append(metricWithValue(tenant.repositories.at(r).name, byRepo.at(r)));
    }
    QJsonArray funnelData;
    const char* const funnelKeys[] = {"detected", "open", "resolved"};
    for (int i = 0; i < 3; ++i) {
        funnelData.append(QJsonObject {{QStringLiteral("funnelKey"), QLatin1String(funnelKeys[i])},
                                       {QStringLiteral("CRITICAL"), funnel[i][0]},
                                       {QStringLiteral("HIGH"), funnel[i][1]},
                                       {QStringLiteral("MEDIUM"), funnel[i][2]},
                                       {QStringLiteral("LOW"), funnel[i][3]}});
    }
    // `type` maps each finding type to its EndpointsMetricData.
    QJsonObject types;
    for (auto it = byType.cbegin(); it != byType.cend(); ++it) {
        types.insert(it.key(), metric(it.value().thisMonth, it.value().lastMonth));
    }
    const double scale = static_cast<double>(tenant.findings.size()) / 400.0;
    QJsonObject out {
        {QStringLiteral("funnelData"), funnelData},
        {QStringLiteral("type"), types},
        {QStringLiteral("investigateData"), metric(std::round(38 * scale), std::round(45 * scale))},
        {QStringLiteral("findingsResolved"), metric(resolvedThisMonth, resolvedLastMonth)},
        {QStringLiteral("autofixMerged"), metric(std::round(12 * scale), std::round(9 * scale))},
        {QStringLiteral("hoursSaved"), metric(std::round(64 * scale), std::round(51 * scale))},
        {QStringLiteral("issuesFoundInPR"), metric(std::round(27 * scale), std::round(31 * scale))},
        {QStringLiteral("botInteractions"), metric(std::round(140 * scale), std::round(122 * scale))},
        {QStringLiteral("cleanPrsMerged"), metric(std::round(310 * scale), std::round(288 * scale))},
        {QStringLiteral("totalPrsMerged"), metric(std::round(356 * scale), std::round(330 * scale))},
        {QStringLiteral("falsePositives"), metric(falsePositivesThisMonth, falsePositivesLastMonth)},
        {QStringLiteral("inSLAFindings"), metric(0.91, 0.87)},
        {QStringLiteral("mergeReadyRate"), metric(0.74, 0.69)},
        {QStringLiteral("meanTriageDurationMs"), metric(84000, 97000)},
        {QStringLiteral("overviewRepos"), repos},
        {QStringLiteral("overviewLanguage"), list(byLanguage)},
        {QStringLiteral("overviewCWE"), list(byCwe)},
        {QStringLiteral("overviewType"),
         QJsonObject {
             {QStringLiteral("code"), metricWithValue(QStringLiteral("code"), byKind.value(QStringLiteral("code")))},
             {QStringLiteral("secret"),
              metricWithValue(QStringLiteral("secret"), byKind.value(QStringLiteral("secret")))},
             {QStringLiteral("dependency"),
              metricWithValue(QStringLiteral("dependency"), byKind.value(QStringLiteral("dependency")))},
             {QStringLiteral("container"),
              metricWithValue(QStringLiteral("container"), byKind.value(QStringLiteral("container")))},
             {QStringLiteral("api"), metricWithValue(QStringLiteral("api"), byKind.value(QStringLiteral("api")))}}},
        {QStringLiteral("repos"), repos},
        {QStringLiteral("branch"), QJsonArray {metricWithValue(QStringLiteral("main"), Bucket {})}},
        {QStringLiteral("owners"), QJsonArray {}},
        {QStringLiteral("teams"), QJsonArray {}},
        {QStringLiteral("language"), list(byLanguage)},
        {QStringLiteral("cwe"), list(byCwe)},
        {QStringLiteral("cve"), QJsonArray {}},
        {QStringLiteral("ruleId"), QJsonArray {}},
        {QStringLiteral("package"), QJsonArray {}},
        {QStringLiteral("imageName"), QJsonArray {}},
        {QStringLiteral("secretType"), QJsonArray {}},
        {QStringLiteral("appName"), QJsonArray {}},
        {QStringLiteral("appType"), QJsonArray {}},
        {QStringLiteral("host"), QJsonArray {}},
    };
    return SandboxResponse::json(200, out);
}

// --- Repositories and scan runs -------------------------------------------------------------------

SandboxResponse TenantApi::Private::repositories(const SandboxRequest& request)
{
    const int limit = queryInt(request, QStringLiteral("limit"), 1, 100).value_or(20);
    const QString token = request.query.queryItemValue(QStringLiteral("nextToken"), QUrl::FullyDecoded);
    const int offset
        = token.isEmpty() ? 0 : readToken(QStringLiteral("repositories"), token, QStringLiteral("nextToken"));
    QJsonArray items;
    for (int r = offset; r < tenant.repositories.size() && items.size() < limit; ++r) {
        items.append(tenantjson::repository(tenant, r));
    }
    const int next = offset + static_cast<int>(items.size());
    // nextToken is required and a plain string: the last page carries an empty one.
    return SandboxResponse::json(
        200,
        QJsonObject {
            {QStringLiteral("repositories"), items},
            {QStringLiteral("numItems"), static_cast<int>(items.size())},
            {QStringLiteral("nextToken"),
             next < tenant.repositories.size() ? makeToken(QStringLiteral("repositories"), next) : QString()}});
}

SandboxResponse TenantApi::Private::scanRuns(const SandboxRequest& request, const QString& scanner)
{
    const QString repositoryId = requiredQuery(request, QStringLiteral("repositoryId"));
    QString kind = scanner;
    if (scanner == QLatin1String("sca")) {
        kind = requiredQuery(request, QStringLiteral("scanType"));
        if (kind != QLatin1String("sca_dependencies") && kind != QLatin1String("sca_containers")) {
            throw BadRequest {
                QStringLiteral("query parameter scanType must be sca_dependencies or sca_containers, got \"%1\"")
                    .arg(kind)};
        }
    }
    const int limit = queryInt(request, QStringLiteral("limit"), 1, 50).value_or(10);
    const int offset = queryInt(request, QStringLiteral("offset"), 0, INT_MAX).value_or(0);
    const QString sort = request.query.queryItemValue(QStringLiteral("sort"), QUrl::FullyDecoded);
    if (!sort.isEmpty() && sort != QLatin1String("newest") && sort != QLatin1String("oldest")) {
        throw BadRequest {QStringLiteral("query parameter sort must be newest or oldest, got \"%1\"").arg(sort)};
    }
    int scannerIndex = 0;
    if (kind == QLatin1String("secrets")) {
        scannerIndex = static_cast<int>(seed::Scanner::Secrets);
    } else if (kind == QLatin1String("sca_dependencies")) {
        scannerIndex = static_cast<int>(seed::Scanner::ScaDependencies);
    } else if (kind == QLatin1String("sca_containers")) {
        scannerIndex = static_cast<int>(seed::Scanner::ScaContainers);
    }
    // An unknown repository has no runs: the parameter filters, like the real list does.
    QList<seed::ScanRun> runs;
    for (int r = 0; r < tenant.repositories.size(); ++r) {
        if (tenant.repositories.at(r).id == repositoryId) {
            runs = tenant.scanRuns.at(r)[scannerIndex];
        }
    }
    if (sort == QLatin1String("oldest")) {
        std::reverse(runs.begin(), runs.end());
    }
    QJsonArray items;
    for (qsizetype i = offset; i < runs.size() && items.size() < limit; ++i) {
        items.append(tenantjson::scanRun(runs.at(i)));
    }
    return SandboxResponse::json(200,
                                 QJsonObject {{QStringLiteral("scanRuns"), items},
                                              {QStringLiteral("totalCount"), static_cast<int>(runs.size())}});
}

// --- Cloud scans ----------------------------------------------------------------------------------

QJsonObject TenantApi::Private::cloudScanStatus(const CloudScan& scan) const
{
    // Queued for the first tenth of the work, then the providers finish one after another.
    const qint64 total = workMs();
    const qint64 elapsed = std::max<qint64>(0, now() - scan.startedMs);
    const double fraction = total == 0 ? 1.0 : static_cast<double>(elapsed) / static_cast<double>(total);
    const double finishAt[] = {0.4, 0.7, 1.0};
    QJsonArray providers;
    bool anyFailed = false;
    for (int i = 0; i < cloudProviders.size(); ++i) {
        QJsonObject p {{QStringLiteral("provider"), cloudProviders.at(i)}};
        if (fraction < 0.1) {
            p.insert(QStringLiteral("status"), QStringLiteral("queued"));
        } else {
            p.insert(QStringLiteral("startedAt"), seed::isoTime((scan.startedMs + total / 10) / 1000));
            if (fraction < finishAt[i]) {
                p.insert(QStringLiteral("status"), QStringLiteral("in progress"));
            } else {
                const bool failed = scan.fail && i == cloudProviders.size() - 1;
                p.insert(QStringLiteral("status"), failed ? QStringLiteral("failed") : QStringLiteral("completed"));
                p.insert(QStringLiteral("completedAt"),
                         seed::isoTime((scan.startedMs + static_cast<qint64>(finishAt[i] * static_cast<double>(total)))
                                       / 1000));
                if (failed) {
                    anyFailed = true;
                    p.insert(QStringLiteral("errorMessage"),
                             QStringLiteral("permission denied: service account "
                                            "nullify-scanner@%1.iam.gserviceaccount.com lacks roles/viewer")
                                 .arg(tenant.organization));
                }
            }
        }
        providers.append(p);
    }
    QString overall = fraction < 0.1 ? QStringLiteral("queued") : QStringLiteral("in progress");
    if (fraction >= 1.0) {
        overall = anyFailed ? QStringLiteral("failed") : QStringLiteral("completed");
    }
    return QJsonObject {{QStringLiteral("scanId"), scan.id},
                        {QStringLiteral("overallStatus"), overall},
                        {QStringLiteral("providers"), providers}};
}

SandboxResponse TenantApi::Private::startCloudScan(const SandboxRequest&)
{
    // The operation has no request body; one sent anyway is ignored, as the real gateway does.
    CloudScan scan;
    scan.id = newId();
    scan.startedMs = now();
    scan.fail = options.failScans;
    cloudScans.append(scan);
    return SandboxResponse::json(
        200,
        QJsonObject {{QStringLiteral("scanId"), scan.id},
                     {QStringLiteral("executionArn"),
                      QStringLiteral("arn:aws:states:us-east-1:%1:execution:cloud-scan:%2")
                          .arg(tenant.githubOwnerId.left(12).rightJustified(12, QLatin1Char('0')), scan.id)},
                     {QStringLiteral("statusCode"), 200}});
}

SandboxResponse TenantApi::Private::cloudScanStatusResponse(const SandboxRequest& request)
{
    const QString id = request.pathParams.value(QStringLiteral("scanId"));
    for (const CloudScan& scan : cloudScans) {
        if (scan.id == id) {
            return SandboxResponse::json(200, cloudScanStatus(scan));
        }
    }
    return SandboxResponse::error(404, QStringLiteral("no cloud scan with id \"%1\"").arg(id));
}

// --- Applications and pentests --------------------------------------------------------------------

SandboxResponse TenantApi::Private::applications(const SandboxRequest&)
{
    QJsonArray items;
    for (int a = 0; a < tenant.applications.size(); ++a) {
        items.append(tenantjson::application(tenant, a));
    }
    return SandboxResponse::json(200, QJsonObject {{QStringLiteral("applications"), items}});
}

QString TenantApi::Private::pentestStatus(const PentestRun& run, int* progress, qint64* endMs) const
{
    const qint64 t = now();
    const qint64 total = workMs();
    *endMs = 0;
    if (run.stopMs) {
        // Stopping takes a moment (the agents wind down), then the scan is cancelled.
        const qint64 windDown = std::min<qint64>(1000, total / 10);
        *progress = run.progressAtStop;
        if (t - run.stopMs < windDown) {
            return QStringLiteral("stopping");
        }
        *endMs = run.stopMs + windDown;
        return QStringLiteral("cancelled");
    }
    const qint64 elapsed = std::max<qint64>(0, t - run.startedMs);
    const double fraction = total == 0 ? 1.0 : static_cast<double>(elapsed) / static_cast<double>(total);
    if (fraction < 0.1) {
        *progress = 0;
        return QStringLiteral("queued");
    }
    if (fraction < 1.0) {
        *progress = std::clamp(static_cast<int>((fraction - 0.1) / 0.9 * 100.0), 1, 99);
        return QStringLiteral("in progress");
    }
    *endMs = run.startedMs + total;
    if (run.fail) {
        *progress = 80;
        return QStringLiteral("failed");
    }
    *progress = 100;
    return QStringLiteral("completed");
}

QJsonArray TenantApi::Private::pentestFindingIds(int application) const
{
    QJsonArray ids;
    for (int index : pentestFindingsByApp.value(application)) {
        ids.append(tenant.findingId(index));
    }
    return ids;
}

QJsonObject TenantApi::Private::pentestScan(const PentestRun& run) const
{
    int progress = 0;
    qint64 endMs = 0;
    const QString status = pentestStatus(run, &progress, &endMs);
    QJsonObject scan {
        {QStringLiteral("id"), run.id},
        {QStringLiteral("tenantId"), tenant.tenantId},
        {QStringLiteral("appId"), tenant.applications.at(run.application).id},
        {QStringLiteral("progress"), progress},
        {QStringLiteral("status"), status},
        {QStringLiteral("startTime"), seed::isoTime(run.startedMs / 1000)},
        {QStringLiteral("endTime"), endMs ? QJsonValue(seed::isoTime(endMs / 1000)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("findingIds"),
         status == QLatin1String("completed") ? pentestFindingIds(run.application) : QJsonArray {}},
        {QStringLiteral("isExternal"), false},
        {QStringLiteral("executionArn"), run.executionArn}};
    if (status == QLatin1String("failed")) {
        scan.insert(QStringLiteral("failureReason"),
                    QStringLiteral("target unreachable: %1 did not answer within 30 s")
                        .arg(tenant.applications.at(run.application).host));
    }
    return scan;
}

QJsonObject TenantApi::Private::pastPentestScan(const seed::PastPentest& past) const
{
    const bool completed = past.status == QLatin1String("completed");
    QJsonObject scan {{QStringLiteral("id"), past.id},
                      {QStringLiteral("tenantId"), tenant.tenantId},
                      {QStringLiteral("appId"), tenant.applications.at(past.application).id},
                      {QStringLiteral("progress"), completed ? 100 : 64},
                      {QStringLiteral("status"), past.status},
                      {QStringLiteral("startTime"), seed::isoTime(past.startedAt)},
                      {QStringLiteral("endTime"), seed::isoTime(past.endedAt)},
                      {QStringLiteral("findingIds"), completed ? pentestFindingIds(past.application) : QJsonArray {}},
                      {QStringLiteral("isExternal"), false},
                      {QStringLiteral("executionArn"),
                       QStringLiteral("arn:aws:states:us-east-1:000000000000:execution:pentest:%1").arg(past.id)}};
    if (!completed) {
        scan.insert(QStringLiteral("failureReason"), QStringLiteral("credentials rejected by the login endpoint"));
    }
    return scan;
}

QJsonObject TenantApi::Private::pentestReport(const QString& scanId, int application, qint64 start, qint64 end) const
{
    const seed::Application& app = tenant.applications.at(application);
    const QJsonArray ids = pentestFindingIds(application);
    const int found = static_cast<int>(ids.size());
    const int requests = app.endpoints * 57;
    QJsonArray summary;
    for (const QJsonValue& id : ids) {
        const int index = tenant.findingIndex(id.toString());
        const Finding& f = tenant.findings.at(index);
        summary.append(QJsonObject {{QStringLiteral("id"), id.toString()},
                                    {QStringLiteral("title"), tenant.findingTitle(f)},
                                    {QStringLiteral("severity"), seed::severityName(f.severity)}});
    }
    return QJsonObject {
        {QStringLiteral("scanId"), scanId},
        {QStringLiteral("metadata"),
         QJsonObject {{QStringLiteral("description"),
                       QStringLiteral("Automated penetration test of %1 (%2)").arg(app.name, app.host)},
                      {QStringLiteral("langfuseTraceIds"), QJsonArray {}}}},
        {QStringLiteral("metrics"),
         QJsonObject {{QStringLiteral("numUsers"), 2},
                      {QStringLiteral("endpointMetrics"),
                       QJsonObject {{QStringLiteral("total"), app.endpoints},
                                    {QStringLiteral("fuzzed"), app.endpoints * 9 / 10},
                                    {QStringLiteral("tested"), app.endpoints},
                                    {QStringLiteral("vulnerable"), std::min(found, app.endpoints)}}},
                      {QStringLiteral("requestMetrics"),
                       QJsonObject {{QStringLiteral("success"), requests * 93 / 100},
                                    {QStringLiteral("fail"),
                                     QJsonObject {{QStringLiteral("401"), requests / 25},
                                                  {QStringLiteral("404"), requests / 50}}},
                                    {QStringLiteral("timeout"), requests / 200},
                                    {QStringLiteral("error"), requests / 400},
                                    {QStringLiteral("total"), requests}}},
                      {QStringLiteral("findingMetrics"),
                       QJsonObject {{QStringLiteral("total"), found},
                                    {QStringLiteral("new"), found / 3},
                                    {QStringLiteral("fixed"), found / 4},
                                    {QStringLiteral("unfixed"), found - found / 4}}},
                      {QStringLiteral("usageMetrics"),
                       QJsonObject {{QStringLiteral("totalCost"), 14.82},
                                    {QStringLiteral("inputCost"), 9.61},
                                    {QStringLiteral("outputCost"), 4.02},
                                    {QStringLiteral("cacheWriteCost"), 0.71},
                                    {QStringLiteral("cacheHitCost"), 0.48},
                                    {QStringLiteral("inputTokenCount"), 3'204'118},
                                    {QStringLiteral("outputTokenCount"), 268'004}}}}},
        {QStringLiteral("limitations"),
         QStringLiteral("Two test users were available; admin-only endpoints were tested with one role.")},
        {QStringLiteral("retestPolicy"), QStringLiteral("Findings are retested automatically on the next scan.")},
        {QStringLiteral("assessmentPeriod"),
         QJsonObject {{QStringLiteral("startDate"), seed::isoTime(start)},
                      {QStringLiteral("endDate"), seed::isoTime(end)}}},
    };
}

SandboxResponse TenantApi::Private::startPentest(const SandboxRequest& request)
{
    const QJsonObject body = requiredBody(request);
    const QJsonValue app = body.value(QStringLiteral("applicationId"));
    if (app.isUndefined() || app.isNull()) {
        throw BadRequest {QStringLiteral("missing required field applicationId")};
    }
    if (!app.isString()) {
        throw wrongType(QStringLiteral("applicationId"), "a string", app);
    }
    const QJsonValue overrides = body.value(QStringLiteral("configOverrides"));
    if (!overrides.isUndefined() && !overrides.isNull() && !overrides.isObject()) {
        throw wrongType(QStringLiteral("configOverrides"), "an object", overrides);
    }
    int application = -1;
    for (int a = 0; a < tenant.applications.size(); ++a) {
        if (tenant.applications.at(a).id == app.toString()) {
            application = a;
        }
    }
    if (application < 0) {
        return SandboxResponse::error(404, QStringLiteral("no application with id \"%1\"").arg(app.toString()));
    }
    // A second start for the same application is a second scan: that is what makes a client's
    // accidental replay visible.
    PentestRun run;
    run.id = newId();
    run.application = application;
    run.startedMs = now();
    run.fail = options.failScans;
    run.executionArn = QStringLiteral("arn:aws:states:us-east-1:000000000000:execution:pentest:%1").arg(run.id);
    pentests.append(run);
    return SandboxResponse::json(200, QJsonObject {{QStringLiteral("scan"), pentestScan(run)}});
}

SandboxResponse TenantApi::Private::pentestScanResponse(const SandboxRequest& request)
{
    const QString id = request.pathParams.value(QStringLiteral("scanId"));
    for (const PentestRun& run : pentests) {
        if (run.id == id) {
            return SandboxResponse::json(200, QJsonObject {{QStringLiteral("scan"), pentestScan(run)}});
        }
    }
    for (const seed::PastPentest& past : tenant.pastPentests) {
        if (past.id == id) {
            return SandboxResponse::json(200, QJsonObject {{QStringLiteral("scan"), pastPentestScan(past)}});
        }
    }
    return SandboxResponse::error(404, QStringLiteral("no pentest scan with id \"%1\"").arg(id));
}

SandboxResponse TenantApi::Private::stopPentest(const SandboxRequest& request)
{
    const QString id = request.pathParams.value(QStringLiteral("scanId"));
    for (PentestRun& run : pentests) {
        if (run.id != id) {
            continue;
        }
        int progress = 0;
        qint64 endMs = 0;
        const QString status = pentestStatus(run, &progress, &endMs);
        if (status == QLatin1String("stopping") || status == QLatin1String("cancelled")) {
            return SandboxResponse::json(200, QJsonObject {{QStringLiteral("scan"), pentestScan(run)}});
        }
        if (status != QLatin1String("queued") && status != QLatin1String("in progress")) {
            return SandboxResponse::error(400,
                                          QStringLiteral("pentest scan %1 has already finished (%2)").arg(id, status));
        }
        run.stopMs = now();
        run.progressAtStop = progress;
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("scan"), pentestScan(run)}});
    }
    for (const seed::PastPentest& past : tenant.pastPentests) {
        if (past.id == id) {
            return SandboxResponse::error(
                400, QStringLiteral("pentest scan %1 has already finished (%2)").arg(id, past.status));
        }
    }
    // The operation declares no 404; 400 is its only client error.
    return SandboxResponse::error(400, QStringLiteral("no pentest scan with id \"%1\"").arg(id));
}

SandboxResponse TenantApi::Private::pentestReportResponse(const SandboxRequest& request)
{
    const QString id = request.pathParams.value(QStringLiteral("scanId"));
    for (const PentestRun& run : pentests) {
        if (run.id != id) {
            continue;
        }
        int progress = 0;
        qint64 endMs = 0;
        const QString status = pentestStatus(run, &progress, &endMs);
        if (status != QLatin1String("completed")) {
            return SandboxResponse::error(
                404, QStringLiteral("no report for pentest scan %1 yet (status: %2)").arg(id, status));
        }
        return SandboxResponse::json(
            200,
            QJsonObject {
                {QStringLiteral("report"), pentestReport(id, run.application, run.startedMs / 1000, endMs / 1000)}});
    }
    for (const seed::PastPentest& past : tenant.pastPentests) {
        if (past.id == id) {
            if (past.status != QLatin1String("completed")) {
                return SandboxResponse::error(
                    404, QStringLiteral("no report for pentest scan %1 (status: %2)").arg(id, past.status));
            }
            return SandboxResponse::json(
                200,
                QJsonObject {
                    {QStringLiteral("report"), pentestReport(id, past.application, past.startedAt, past.endedAt)}});
        }
    }
    return SandboxResponse::error(404, QStringLiteral("no pentest scan with id \"%1\"").arg(id));
}

SandboxResponse TenantApi::Private::pentestScans(const SandboxRequest& request)
{
    const int limit = queryInt(request, QStringLiteral("limit"), 1, 100).value_or(20);
    const QString token = request.query.queryItemValue(QStringLiteral("nextToken"), QUrl::FullyDecoded);
    const int offset = token.isEmpty() ? 0 : readToken(QStringLiteral("pentests"), token, QStringLiteral("nextToken"));
    // Newest first: the scans started here (latest last in the list), then the seeded history.
    const int started = static_cast<int>(pentests.size());
    const int total = started + static_cast<int>(tenant.pastPentests.size());
    QJsonArray items;
    for (int i = offset; i < total && items.size() < limit; ++i) {
        items.append(i < started ? pentestScan(pentests.at(started - 1 - i))
                                 : pastPentestScan(tenant.pastPentests.at(i - started)));
    }
    const int next = offset + static_cast<int>(items.size());
    return SandboxResponse::json(
        200,
        QJsonObject {
            {QStringLiteral("scans"), items},
            {QStringLiteral("nextToken"), next < total ? makeToken(QStringLiteral("pentests"), next) : QString()}});
}

// --- Who am I ---------------------------------------------------------------------------------------

SandboxResponse TenantApi::Private::currentUser(const SandboxRequest& request)
{
    if (request.principal.isEmpty()) {
        return SandboxResponse::error(401, QStringLiteral("no signed-in user for this request"));
    }
    const QString principal = request.principal;
    const qsizetype colon = principal.indexOf(QLatin1Char(':'));
    const QString username = colon >= 0 ? principal.mid(colon + 1) : principal;
    const QByteArray digest
        = QCryptographicHash::hash(principal.toUtf8() + QByteArray::number(tenant.seed), QCryptographicHash::Sha1);
    const qint64 githubId = 1'000'000
        + static_cast<qint64>(static_cast<quint32>(digest.left(4).toHex().toUInt(nullptr, 16)) % 90'000'000);
    const QString created = seed::isoTime(tenant.referenceTime - 400LL * 86400);
    return SandboxResponse::json(
        200,
        QJsonObject {
            {QStringLiteral("username"), username},
            {QStringLiteral("userMapping"),
             QJsonObject {{QStringLiteral("id"), QString::fromLatin1(digest.toHex().left(24))},
                          {QStringLiteral("createdAt"), created},
                          {QStringLiteral("createdBy"), QStringLiteral("github-sync")},
                          {QStringLiteral("updatedAt"), created},
                          {QStringLiteral("lastUpdatedBy"), QStringLiteral("github-sync")},
                          {QStringLiteral("github"),
                           QJsonObject {{QStringLiteral("id"), githubId},
                                        {QStringLiteral("nodeId"), QStringLiteral("MDQ6VXNlcj%1").arg(githubId)}}}}}});
}

SandboxResponse TenantApi::Private::installations(const SandboxRequest&)
{
    return SandboxResponse::json(
        200,
        QJsonObject {
            {QStringLiteral("installations"),
             QJsonArray {QJsonObject {
                 {QStringLiteral("provider"),
                  QJsonObject {
                      {QStringLiteral("id"), QStringLiteral("GitHub")},
                      {QStringLiteral("github"),
                       QJsonObject {{QStringLiteral("installationId"), tenant.githubInstallationId.toLongLong()},
                                    {QStringLiteral("ownerId"), tenant.githubOwnerId.toLongLong()},
                                    {QStringLiteral("owner"), tenant.organization},
                                    {QStringLiteral("ownerType"), QStringLiteral("Organization")},
                                    {QStringLiteral("baseUrl"), QStringLiteral("https://github.com")}}}}},
                 {QStringLiteral("name"), tenant.organization},
                 {QStringLiteral("avatarUrl"),
                  QStringLiteral("https://avatars.githubusercontent.com/u/%1?v=4").arg(tenant.githubOwnerId)},
                 {QStringLiteral("queryParameters"),
                  QJsonObject {{QStringLiteral("githubOwnerId"), tenant.githubOwnerId}}}}}}});
}

// --- TenantApi ---------------------------------------------------------------------------------------

// --- Event feed ----------------------------------------------------------------------------------

namespace {

struct FindingEventNames
{
    const char* type;
    const char* service;
};

FindingEventNames findingEventNames(FindingType type)
{
    switch (type) {
    case FindingType::Code:
        return {"sast-new-finding", "sast"};
    case FindingType::Dependencies:
    case FindingType::Containers:
        return {"sca-new-finding", "sca"};
    case FindingType::SecretsCredentials:
        return {"secrets-new-finding", "secrets"};
    case FindingType::SecretsSensitiveData:
        return {"sensitivedata-new-finding", "secrets"};
    case FindingType::Pentest:
        return {"dast-pentest-new-finding", "dast"};
    case FindingType::BugHunt:
        return {"dast-bughunt-new-finding", "dast"};
    case FindingType::Cloud:
        return {"cspm-new-finding", "cspm"};
    case FindingType::Platform:
    default:
        return {"scpm-new-finding", "scpm"};
    }
}

} // namespace

EventFeed::Event TenantApi::Private::findingEvent(int index, qint64 timeUnix) const
{
    const Finding& f = tenant.findings.at(index);
    const FindingEventNames names = findingEventNames(f.type);
    EventFeed::Event event;
    event.type = QLatin1String(names.type);
    event.service = QLatin1String(names.service);
    event.timestampUnix = timeUnix;
    event.findingId = tenant.findingId(index);
    if (f.repository < tenant.repositories.size())
        event.repositoryId = tenant.repositories.at(f.repository).id;
    event.data = QJsonObject {{QStringLiteral("severity"), seed::severityName(f.severity)},
                              {QStringLiteral("title"), tenant.findingTitle(f)},
                              {QStringLiteral("findingType"), seed::findingTypeName(f.type)},
                              {QStringLiteral("repository"), tenant.repositoryFullName(f.repository)}};
    return event;
}

void TenantApi::Private::seedEvents()
{
    // The history a first run must not bring up as notifications: past pentests that ended and the
    // newest open critical findings, in time order.
    QList<EventFeed::Event> history;
    for (const seed::PastPentest& past : tenant.pastPentests) {
        if (past.status != QLatin1String("completed") && past.status != QLatin1String("failed"))
            continue;
        EventFeed::Event event;
        event.type = past.status == QLatin1String("completed") ? QStringLiteral("dast-pentest-scan-completed")
                                                               : QStringLiteral("dast-pentest-scan-failed");
        event.service = QStringLiteral("dast");
        event.timestampUnix = past.endedAt;
        event.runId = past.id;
        event.data = QJsonObject {{QStringLiteral("status"), past.status},
                                  {QStringLiteral("application"), tenant.applications.at(past.application).name}};
        history.append(event);
    }
    int criticals = 0;
    for (int index = 0; index < tenant.findings.size() && criticals < 5; ++index) {
        const Finding& f = tenant.findings.at(index);
        if (f.severity == seed::Severity::Critical && !f.isResolved()) {
            history.append(findingEvent(index, f.createdAt));
            ++criticals;
        }
    }
    std::stable_sort(history.begin(), history.end(), [](const EventFeed::Event& a, const EventFeed::Event& b) {
        return a.timestampUnix < b.timestampUnix;
    });
    for (const EventFeed::Event& event : std::as_const(history))
        events.append(event);
}

void TenantApi::Private::syncEvents()
{
    // Work moves with the clock, not with requests: every transition that has happened by now and
    // is not in the feed yet goes in, stamped with the time it happened, in that order.
    const qint64 t = now();
    struct Pending
    {
        qint64 ms;
        EventFeed::Event event;
    };
    QList<Pending> pending;
    for (CloudScan& scan : cloudScans) {
        const qint64 endMs = scan.startedMs + workMs();
        if (scan.endReported || endMs > t)
            continue;
        scan.endReported = true;
        const QString status = cloudScanStatus(scan).value(QStringLiteral("overallStatus")).toString();
        EventFeed::Event event;
        event.type = status == QLatin1String("failed") ? QStringLiteral("cloud-integration-scan-failed")
                                                       : QStringLiteral("cloud-integration-scan-completed");
        event.service = QStringLiteral("cspm");
        event.runId = scan.id;
        event.data = QJsonObject {{QStringLiteral("status"), status}};
        pending.append({endMs, event});
    }
    for (PentestRun& run : pentests) {
        if (run.endReported)
            continue;
        int progress = 0;
        qint64 endMs = 0;
        const QString status = pentestStatus(run, &progress, &endMs);
        if (endMs == 0 || endMs > t)
            continue;
        run.endReported = true;
        if (status == QLatin1String("cancelled"))
            continue; // stopped by the user: nothing to tell
        EventFeed::Event event;
        event.type = status == QLatin1String("failed") ? QStringLiteral("dast-pentest-scan-failed")
                                                       : QStringLiteral("dast-pentest-scan-completed");
        event.service = QStringLiteral("dast");
        event.runId = run.id;
        event.data = QJsonObject {{QStringLiteral("status"), status},
                                  {QStringLiteral("application"), tenant.applications.at(run.application).name}};
        pending.append({endMs, event});
        if (status == QLatin1String("completed")) {
            // What the pentest found: its application's critical findings, reported with it.
            for (int index : pentestFindingsByApp.value(run.application)) {
                if (tenant.findings.at(index).severity == seed::Severity::Critical)
                    pending.append({endMs, findingEvent(index, endMs / 1000)});
            }
        }
    }
    for (auto it = autofixes.begin(); it != autofixes.end(); ++it) {
        AutofixRun& run = it.value();
        const int index = it.key();
        const Finding& f = tenant.findings.at(index);
        const FindingEventNames names = findingEventNames(f.type);
        const qint64 readyMs = run.startedMs + autofixMs();
        if (!run.endReported && readyMs <= t) {
            run.endReported = true;
            EventFeed::Event event;
            event.type = run.fail ? QStringLiteral("auto_fix_agent_failed") : QStringLiteral("auto_fix_agent_finished");
            event.service = QLatin1String(names.service);
            event.findingId = tenant.findingId(index);
            event.autofixId = run.id;
            event.repositoryId = tenant.repositories.at(f.repository).id;
            event.data = QJsonObject {
                {QStringLiteral("title"), tenant.findingTitle(f)},
                {QStringLiteral("findingType"), seed::findingTypeName(f.type)},
                {QStringLiteral("repository"), tenant.repositoryFullName(f.repository)},
                {QStringLiteral("state"), run.fail ? QStringLiteral("failed_abort") : QStringLiteral("cached")}};
            pending.append({readyMs, event});
        }
        const qint64 prMs = run.prRequestedMs + autofixMs() / 4;
        if (run.prRequestedMs && !run.prReported && prMs <= t) {
            run.prReported = true;
            const QString url = QStringLiteral("https://github.com/%1/pull/%2")
                                    .arg(tenant.repositoryFullName(f.repository))
                                    .arg(run.prNumber);
            EventFeed::Event event;
            event.type = QStringLiteral("auto-fix-pull-request-created");
            event.service = QLatin1String(names.service);
            event.findingId = tenant.findingId(index);
            event.autofixId = run.id;
            event.repositoryId = tenant.repositories.at(f.repository).id;
            event.prCanonicalId
                = QStringLiteral("github:%1#%2").arg(tenant.repositoryFullName(f.repository)).arg(run.prNumber);
            event.data = QJsonObject {{QStringLiteral("title"), tenant.findingTitle(f)},
                                      {QStringLiteral("findingType"), seed::findingTypeName(f.type)},
                                      {QStringLiteral("repository"), tenant.repositoryFullName(f.repository)},
                                      {QStringLiteral("pullRequestUrl"), url}};
            pending.append({prMs, event});
        }
    }
    std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.ms < b.ms; });
    for (Pending& p : pending) {
        p.event.timestampUnix = p.ms / 1000;
        events.append(p.event);
    }
}

SandboxResponse TenantApi::Private::listEvents(const SandboxRequest& request)
{
    QString error;
    const auto query = EventFeed::parseQuery(optionalBody(request), &error);
    if (!query) {
        throw BadRequest {error};
    }
    syncEvents();
    return SandboxResponse::json(200, events.read(*query));
}

TenantApi::TenantApi(const TenantOptions& options, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->options = options;
    QDateTime reference = options.referenceTime;
    if (!reference.isValid()) {
        reference = nullify::utcDateTime(QDateTime::currentDateTimeUtc().date(), QTime(0, 0));
    }
    d->tenant = seed::Tenant::generate(options.seed, std::max(0, options.findingCount), reference.toSecsSinceEpoch());
    d->clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    d->pentestFindingsByApp.resize(d->tenant.applications.size());
    // What a pentest of an application reports: its open pentest findings, newest first, capped.
    for (int index = 0; index < d->tenant.findings.size(); ++index) {
        const Finding& f = d->tenant.findings.at(index);
        if (f.type == FindingType::Pentest && !f.resolved && d->pentestFindingsByApp[f.application].size() < 25) {
            d->pentestFindingsByApp[f.application].append(index);
        }
    }
    d->events = EventFeed(d->tenant.tenantId);
    d->seedEvents();
}

TenantApi::~TenantApi() = default;

QString TenantApi::githubOwnerId() const
{
    return d->tenant.githubOwnerId;
}

int TenantApi::cloudScansStarted() const
{
    QMutexLocker lock(&d->mutex);
    return static_cast<int>(d->cloudScans.size());
}

int TenantApi::pentestsStarted() const
{
    QMutexLocker lock(&d->mutex);
    return static_cast<int>(d->pentests.size());
}

int TenantApi::autofixesStarted() const
{
    QMutexLocker lock(&d->mutex);
    return d->autofixStartCount;
}

int TenantApi::autofixRequests() const
{
    QMutexLocker lock(&d->mutex);
    return d->autofixRequestCount;
}

int TenantApi::findingPatches() const
{
    QMutexLocker lock(&d->mutex);
    return d->findingPatchCount;
}

int TenantApi::findingCount() const
{
    return static_cast<int>(d->tenant.findings.size());
}

int TenantApi::eventCount() const
{
    QMutexLocker lock(&d->mutex);
    d->syncEvents();
    return d->events.size();
}

QJsonObject TenantApi::reportNewFinding(const QString& findingId, QString* error)
{
    QMutexLocker lock(&d->mutex);
    int index = -1;
    if (findingId.isEmpty()) {
        // The next open critical finding not reported yet, newest first.
        for (int i = d->nextCriticalToReport; i < d->tenant.findings.size(); ++i) {
            const Finding& f = d->tenant.findings.at(i);
            if (f.severity == seed::Severity::Critical && !f.isResolved()) {
                index = i;
                d->nextCriticalToReport = i + 1;
                break;
            }
        }
        if (index < 0) {
            *error = QStringLiteral("no open critical finding left to report");
            return {};
        }
    } else {
        index = d->tenant.findingIndex(findingId);
        if (index < 0) {
            *error = QStringLiteral("no finding with id \"%1\"").arg(findingId);
            return {};
        }
    }
    d->syncEvents(); // what happened before this goes first
    d->events.append(d->findingEvent(index, d->now() / 1000));
    return EventFeed::toJson(d->events.events().constLast(), d->tenant.tenantId);
}

void TenantApi::setClockForTesting(std::function<qint64()> clock)
{
    QMutexLocker lock(&d->mutex);
    d->clock = std::move(clock);
}

void TenantApi::registerRoutes(Router& router)
{
    Private* p = d.get();
    // Every handler runs under the tenant's lock and turns a BadRequest into the API's 400 shape.
    auto add = [&router, p](const char* method,
                            const QString& pattern,
                            std::function<SandboxResponse(const SandboxRequest&)> handler) {
        router.add(QByteArray(method), pattern, [p, handler = std::move(handler)](const SandboxRequest& request) {
            QMutexLocker lock(&p->mutex);
            try {
                return handler(request);
            } catch (const BadRequest& bad) {
                return SandboxResponse::error(bad.status, bad.message);
            }
        });
    };
    using R = const SandboxRequest&;

    add("GET", QStringLiteral("/context/repositories"), [p](R r) { return p->repositories(r); });
    add("GET", QStringLiteral("/sast/scan-runs"), [p](R r) { return p->scanRuns(r, QStringLiteral("sast")); });
    add("GET", QStringLiteral("/secrets/scan-runs"), [p](R r) { return p->scanRuns(r, QStringLiteral("secrets")); });
    add("GET", QStringLiteral("/sca/scan-runs"), [p](R r) { return p->scanRuns(r, QStringLiteral("sca")); });
    add("POST", QStringLiteral("/admin/findings"), [p](R r) { return p->findings(r); });
    add("POST", QStringLiteral("/admin/metrics/overview"), [p](R r) { return p->metricsOverview(r); });
    add("GET", QStringLiteral("/admin/user/current"), [p](R r) { return p->currentUser(r); });
    add("GET", QStringLiteral("/admin/installations"), [p](R r) { return p->installations(r); });
    add("POST", QStringLiteral("/admin/events"), [p](R r) { return p->listEvents(r); });

    // Single findings. Where an operation declares no 404, an unknown id is its 400.
    struct Service
    {
        FindingType type;
        bool finding404;
        bool autofix; // has fix + status
        bool fix404;
        bool diff; // has cache/diff
        bool diff404;
        bool patch; // PATCH /{svc}/findings/{id} exists in the spec
    };
    const Service services[] = {
        {FindingType::Code, true, true, true, true, true, true},
        {FindingType::Dependencies, true, true, false, true, false, true},
        {FindingType::Containers, true, true, false, false, false, true},
        {FindingType::SecretsCredentials, true, false, false, false, false, true},
        {FindingType::Pentest, true, true, true, true, true, false},
        {FindingType::Cloud, true, true, true, true, true, false},
        {FindingType::Platform, false, true, true, true, true, true},
    };
    for (const Service& s : services) {
        const QString service = tenantjson::serviceFor(s.type);
        const QString base = QLatin1Char('/') + service + QStringLiteral("/findings/{findingId}");
        add("GET", base, [p, s](R r) { return p->finding(r, s.type, s.finding404); });
        if (s.patch) {
            // Only secrets findings take userNotes (EndpointsPatchSecretsFindingInput).
            const bool userNotes = s.type == FindingType::SecretsCredentials;
            add("PATCH", base, [p, s, userNotes](R r) { return p->patchFinding(r, s.type, userNotes); });
        }
        if (s.autofix) {
            add("POST", base + QStringLiteral("/autofix/fix"), [p, s, service](R r) {
                return p->autofixFix(r, service, s.fix404);
            });
            add("GET", base + QStringLiteral("/autofix/status"), [p, service](R r) {
                return p->autofixStatusResponse(r, service);
            });
        }
        if (s.diff) {
            add("GET", base + QStringLiteral("/autofix/cache/diff"), [p, s, service](R r) {
                return p->autofixDiff(r, service, s.diff404);
            });
        }
    }
    // Triage: allowlist, unallowlist, the triage record and, where the spec has one, the batch
    // allowlist. sast and scpm answer an allowlist with its pull request's link, the others 204.
    struct TriageService
    {
        QString service;
        QList<FindingType> types;
        QString batch; // the batch endpoint, empty when none
        bool answersLink;
        bool unallowlistNeedsType;
        bool triage404;
    };
    const QList<FindingType> secretTypes {FindingType::SecretsCredentials, FindingType::SecretsSensitiveData};
    const TriageService triageServices[] = {
        {QStringLiteral("sast"), {FindingType::Code}, QStringLiteral("/sast/findings/allowlist"), true, false, true},
        {QStringLiteral("sca/dependencies"), {FindingType::Dependencies}, QString(), false, false, true},
        {QStringLiteral("sca/containers"), {FindingType::Containers}, QString(), false, false, true},
        {QStringLiteral("secrets"),
         secretTypes,
         QStringLiteral("/secrets/findings/allowlist/batch"),
         false,
         true,
         true},
        {QStringLiteral("secrets/credentials"),
         {FindingType::SecretsCredentials},
         QStringLiteral("/secrets/credentials/findings/allowlist/batch"),
         false,
         true,
         true},
        {QStringLiteral("secrets/sensitivedata"),
         {FindingType::SecretsSensitiveData},
         QStringLiteral("/secrets/sensitivedata/findings/allowlist/batch"),
         false,
         true,
         true},
        {QStringLiteral("dast/pentest"), {FindingType::Pentest}, QString(), false, false, true},
        {QStringLiteral("scpm"),
         {FindingType::Platform},
         QStringLiteral("/scpm/findings/allowlist"),
         true,
         false,
         false},
    };
    for (const TriageService& t : triageServices) {
        const QString base = QLatin1Char('/') + t.service + QStringLiteral("/findings/{findingId}");
        add("POST", base + QStringLiteral("/allowlist"), [p, t](R r) {
            return p->allowlist(r, t.types, t.answersLink);
        });
        add("POST", base + QStringLiteral("/unallowlist"), [p, t](R r) {
            return p->unallowlist(r, t.types, t.unallowlistNeedsType);
        });
        add("GET", base + QStringLiteral("/triage"), [p, t](R r) { return p->triageRecord(r, t.types, t.triage404); });
        if (!t.batch.isEmpty()) {
            add("POST", t.batch, [p, t](R r) { return p->batchAllowlist(r, t.types); });
        }
    }

    // Sensitive data has no single-finding GET here, but its PATCH (priority and notes) is triage.
    add("PATCH", QStringLiteral("/secrets/sensitivedata/findings/{findingId}"), [p](R r) {
        return p->patchFinding(r, FindingType::SecretsSensitiveData, true, false);
    });
    add("POST", QStringLiteral("/scpm/findings/{findingId}/autofix/cache/create_pr"), [p](R r) {
        return p->createPullRequest(r);
    });

    add("POST", QStringLiteral("/context/cloud-scan/start"), [p](R r) { return p->startCloudScan(r); });
    add("GET", QStringLiteral("/context/cloud-scan/{scanId}/status"), [p](R r) {
        return p->cloudScanStatusResponse(r);
    });

    add("GET", QStringLiteral("/context/applications"), [p](R r) { return p->applications(r); });
    add("POST", QStringLiteral("/dast/pentest/start"), [p](R r) { return p->startPentest(r); });
    add("GET", QStringLiteral("/dast/pentest/scans"), [p](R r) { return p->pentestScans(r); });
    add("GET", QStringLiteral("/dast/pentest/scans/{scanId}"), [p](R r) { return p->pentestScanResponse(r); });
    add("POST", QStringLiteral("/dast/pentest/scans/{scanId}/stop"), [p](R r) { return p->stopPentest(r); });
    add("GET", QStringLiteral("/dast/pentest/scans/{scanId}/report"), [p](R r) { return p->pentestReportResponse(r); });
}

} // namespace nullify::sandbox
