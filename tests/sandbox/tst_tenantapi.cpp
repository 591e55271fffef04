// The tenant's API through the Router, as the server dispatches it (no socket needed): shapes per
// the OpenAPI bundle, paging and filters, required parameters, the long-running work, bad input.
#include "tenantapi.h"
#include "utctime.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QSet>
#include <QTest>

using namespace nullify::sandbox;

namespace {

const QDateTime referenceTime = nullify::utcDateTime(QDate(2026, 3, 2), QTime(0, 0));

struct Reply
{
    int status = 0;
    QJsonObject json;
    QByteArray body;

    QString error() const { return json.value(QStringLiteral("error")).toString(); }
};

// A clock the test moves by hand, so a lifecycle is stepped through without waiting.
struct ManualClock
{
    qint64 now = 1'800'000'000'000;
    std::function<qint64()> function()
    {
        return [this] { return now; };
    }
};

class Tenant
{
public:
    // With a clock, the tenant's "now" is the clock's; else it is the real time.
    explicit Tenant(const TenantOptions& options = {}, ManualClock* clock = nullptr)
        : api(pinned(options))
    {
        api.registerRoutes(router);
        if (clock) {
            api.setClockForTesting(clock->function());
        }
    }

    Reply call(const QByteArray& method,
               const QString& pathAndQuery,
               const QByteArray& body = {},
               const QString& principal = QStringLiteral("user:alice"))
    {
        SandboxRequest request;
        request.method = method;
        const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
        request.path = q < 0 ? pathAndQuery : pathAndQuery.left(q);
        if (q >= 0) {
            request.query = QUrlQuery(pathAndQuery.mid(q + 1));
        }
        request.query.addQueryItem(QStringLiteral("githubOwnerId"), api.githubOwnerId());
        request.body = body;
        request.principal = principal;
        Reply reply;
        const std::optional<SandboxResponse> response = router.dispatch(request);
        if (!response) {
            reply.status = 404;
            return reply;
        }
        reply.status = response->status;
        reply.body = response->body;
        reply.json = QJsonDocument::fromJson(response->body).object();
        dump(method, request.path, reply);
        return reply;
    }

    Reply get(const QString& pathAndQuery) { return call("GET", pathAndQuery); }
    Reply post(const QString& path, const QJsonObject& body)
    {
        return call("POST", path, QJsonDocument(body).toJson());
    }

    // POST /admin/findings with this query.
    Reply queryFindings(const QJsonObject& query)
    {
        return post(QStringLiteral("/admin/findings"), QJsonObject {{QStringLiteral("query"), query}});
    }

    QJsonArray findings(const QJsonObject& query)
    {
        return queryFindings(query).json.value(QStringLiteral("findings")).toArray();
    }

    // The id of the first item of a list: firstId("/context/applications", "applications").
    QString firstId(const QString& pathAndQuery, const QString& list)
    {
        const QJsonArray items = get(pathAndQuery).json.value(list).toArray();
        return items.isEmpty() ? QString() : items.first().toObject().value(QStringLiteral("id")).toString();
    }

    // Starts a pentest of the application; the new scan's id.
    QString startPentest(const QString& appId)
    {
        return post(QStringLiteral("/dast/pentest/start"), QJsonObject {{QStringLiteral("applicationId"), appId}})
            .json.value(QStringLiteral("scan"))
            .toObject()
            .value(QStringLiteral("id"))
            .toString();
    }

    QJsonObject pentestScan(const QString& id)
    {
        return get(QStringLiteral("/dast/pentest/scans/") + id).json.value(QStringLiteral("scan")).toObject();
    }

    // The status object of the autofix at `base` ("/{svc}/findings/{id}/autofix").
    QJsonObject autofixStatus(const QString& base)
    {
        return get(base + QStringLiteral("/status")).json.value(QStringLiteral("status")).toObject();
    }

    // The id of the first finding of a type (and optionally severity-agnostic), via the API itself.
    QString firstFindingOf(const QString& type)
    {
        const QJsonArray items
            = findings(QJsonObject {{QStringLiteral("type"), QJsonArray {type}}, {QStringLiteral("pageSize"), 1}});
        return items.isEmpty() ? QString() : items.first().toObject().value(QStringLiteral("id")).toString();
    }

    TenantApi api;
    Router router;

private:
    // Tests compare tenants, so "now" must not move between two constructions.
    static TenantOptions pinned(TenantOptions options)
    {
        if (!options.referenceTime.isValid()) {
            options.referenceTime = referenceTime;
        }
        return options;
    }

    // With NULLIFY_TENANT_DUMP set, every response is written out so a schema checker can read
    // them (the Prism contract test does this for real; this is the quick local loop).
    static void dump(const QByteArray& method, const QString& path, const Reply& reply)
    {
        static const QString dir = qEnvironmentVariable("NULLIFY_TENANT_DUMP");
        static int counter = 0;
        if (dir.isEmpty()) {
            return;
        }
        QDir().mkpath(dir);
        QFile file(QStringLiteral("%1/%2.json").arg(dir).arg(++counter, 5, 10, QLatin1Char('0')));
        if (file.open(QIODevice::WriteOnly)) {
            const QJsonObject envelope {{QStringLiteral("method"), QString::fromLatin1(method)},
                                        {QStringLiteral("path"), path},
                                        {QStringLiteral("status"), reply.status},
                                        {QStringLiteral("body"), QJsonDocument::fromJson(reply.body).object()}};
            file.write(QJsonDocument(envelope).toJson(QJsonDocument::Compact));
        }
    }
};

bool isInteger(const QJsonValue& v)
{
    return v.isDouble() && v.toDouble() == std::floor(v.toDouble());
}

} // namespace

class TestTenantApi : public QObject
{
    Q_OBJECT

private slots:
    void sameSeedSameTenant();
    void repositoriesPageWithLimitAndNextToken();
    void scanRunListsNeedTheirParameters();
    void scanRunsPageAndSort();
    void findingPreviewsHaveTheSpecShape();
    void findingsFilter();
    void findingsPageWithConstantPageSize();
    void findingsSortPresetsHoldAcrossPages_data();
    void findingsSortPresetsHoldAcrossPages();
    void findingsFilterByBranchDateAndTriage();
    void findingsRejectWrongTypes_data();
    void findingsRejectWrongTypes();
    void singleFindingPerService();
    void cloudScanLifecycle();
    void cloudScanFailsOnRequest();
    void cloudScanCompletesInRealTime();
    void pentestLifecycle();
    void pentestStopAndErrors();
    void autofixWalksToCachedWithADiff();
    void autofixDuplicatesAndFailures();
    void scpmAutofixOpensAPullRequest();
    void eventFeedFollowsTheWork();
    void eventFeedPagesFiltersAndBadInput();
    void metricsUserAndInstallations();
    void badInputNeverCrashes();
    void scaleHundredThousandFindings();
    void allowlistLeavesOpenCountsAndUnallowlistRestores();
    void batchAllowlistIsAllOrNothing();
    void overridesShowInTheListAndCounts();
    void triageRecordPerService();
    void triageRejectsBadInput();
};

void TestTenantApi::sameSeedSameTenant()
{
    TenantOptions a;
    a.seed = 7;
    Tenant one(a);
    Tenant two(a);
    TenantOptions b;
    b.seed = 8;
    Tenant other(b);

    const QString page = QStringLiteral("/context/repositories?limit=100");
    QCOMPARE(one.get(page).body, two.get(page).body);
    QVERIFY(one.get(page).body != other.get(page).body);

    const QJsonObject query {{QStringLiteral("pageSize"), 50}};
    QCOMPARE(one.findings(query), two.findings(query));
    QVERIFY(one.findings(query) != other.findings(query));
    QCOMPARE(one.api.githubOwnerId(), two.api.githubOwnerId());
    QVERIFY(one.api.githubOwnerId() != other.api.githubOwnerId());
    bool numeric = false;
    one.api.githubOwnerId().toLongLong(&numeric);
    QVERIFY2(numeric, "githubOwnerId is an int64 query parameter in the spec");
}

void TestTenantApi::repositoriesPageWithLimitAndNextToken()
{
    Tenant tenant;
    QSet<QString> ids;
    QString token;
    int pages = 0;
    do {
        const Reply reply = tenant.get(QStringLiteral("/context/repositories?limit=5")
                                       + (token.isEmpty() ? QString() : QStringLiteral("&nextToken=") + token));
        QCOMPARE(reply.status, 200);
        QVERIFY(reply.json.value(QStringLiteral("nextToken")).isString()); // required, not nullable
        QVERIFY(isInteger(reply.json.value(QStringLiteral("numItems"))));
        const QJsonArray repos = reply.json.value(QStringLiteral("repositories")).toArray();
        QCOMPARE(reply.json.value(QStringLiteral("numItems")).toInt(), repos.size());
        QVERIFY(repos.size() <= 5);
        for (const QJsonValue& repo : repos) {
            const QJsonObject o = repo.toObject();
            QVERIFY(o.value(QStringLiteral("id")).isString());
            QVERIFY(!o.value(QStringLiteral("name")).toString().isEmpty());
            QVERIFY(o.value(QStringLiteral("public")).isBool());
            ids.insert(o.value(QStringLiteral("id")).toString());
        }
        token = reply.json.value(QStringLiteral("nextToken")).toString();
        ++pages;
    } while (!token.isEmpty() && pages < 10);
    QCOMPARE(ids.size(), 12);
    QCOMPARE(pages, 3);

    QCOMPARE(tenant.get(QStringLiteral("/context/repositories?limit=abc")).status, 400);
    QCOMPARE(tenant.get(QStringLiteral("/context/repositories?limit=0")).status, 400);
    const Reply badToken = tenant.get(QStringLiteral("/context/repositories?nextToken=garbage"));
    QCOMPARE(badToken.status, 400);
    QVERIFY(badToken.error().contains(QLatin1String("nextToken")));
}

void TestTenantApi::scanRunListsNeedTheirParameters()
{
    Tenant tenant;
    const QString repo
        = tenant.firstId(QStringLiteral("/context/repositories?limit=1"), QStringLiteral("repositories"));
    for (const QString& path :
         {QStringLiteral("/sast/scan-runs"), QStringLiteral("/secrets/scan-runs"), QStringLiteral("/sca/scan-runs")}) {
        const Reply missing = tenant.get(path);
        QCOMPARE(missing.status, 400);
        QVERIFY2(missing.error().contains(QLatin1String("repositoryId")), qPrintable(missing.error()));
    }
    const Reply noType = tenant.get(QStringLiteral("/sca/scan-runs?repositoryId=") + repo);
    QCOMPARE(noType.status, 400);
    QVERIFY(noType.error().contains(QLatin1String("scanType")));
    QCOMPARE(tenant.get(QStringLiteral("/sca/scan-runs?scanType=sca&repositoryId=") + repo).status, 400);
    QCOMPARE(tenant.get(QStringLiteral("/sast/scan-runs?limit=51&repositoryId=") + repo).status, 400);
    QCOMPARE(tenant.get(QStringLiteral("/sast/scan-runs?sort=random&repositoryId=") + repo).status, 400);
    QCOMPARE(tenant.get(QStringLiteral("/sast/scan-runs?offset=-1&repositoryId=") + repo).status, 400);

    static const QSet<QString> statuses {QStringLiteral("queued"),
                                         QStringLiteral("in progress"),
                                         QStringLiteral("stopping"),
                                         QStringLiteral("completed"),
                                         QStringLiteral("cancelled"),
                                         QStringLiteral("failed"),
                                         QStringLiteral("aborted_config_error"),
                                         QStringLiteral("human_fallback")};
    for (const QString& path : {QStringLiteral("/sast/scan-runs?"),
                                QStringLiteral("/secrets/scan-runs?"),
                                QStringLiteral("/sca/scan-runs?scanType=sca_dependencies&"),
                                QStringLiteral("/sca/scan-runs?scanType=sca_containers&")}) {
        const Reply reply = tenant.get(path + QStringLiteral("repositoryId=") + repo);
        QCOMPARE(reply.status, 200);
        QVERIFY(isInteger(reply.json.value(QStringLiteral("totalCount"))));
        QVERIFY2(!reply.json.contains(QStringLiteral("total")), "the per-scanner lists have totalCount, not total");
        const QJsonArray runs = reply.json.value(QStringLiteral("scanRuns")).toArray();
        QVERIFY(!runs.isEmpty());
        for (const QJsonValue& value : runs) {
            const QJsonObject run = value.toObject();
            QVERIFY2(statuses.contains(run.value(QStringLiteral("status")).toString()),
                     qPrintable(run.value(QStringLiteral("status")).toString()));
            QVERIFY(run.value(QStringLiteral("scanRunId")).isString());
            QCOMPARE(run.value(QStringLiteral("commitHash")).toString().size(), 40);
            QVERIFY(run.value(QStringLiteral("isDefaultBranch")).isBool());
            QVERIFY(isInteger(run.value(QStringLiteral("severityCritical"))));
            QVERIFY(run.value(QStringLiteral("completedAt")).isString()
                    || run.value(QStringLiteral("completedAt")).isNull());
        }
    }
    // An unknown repository has no runs (the parameter filters).
    const Reply unknown = tenant.get(QStringLiteral("/sast/scan-runs?repositoryId=1"));
    QCOMPARE(unknown.status, 200);
    QCOMPARE(unknown.json.value(QStringLiteral("totalCount")).toInt(), 0);
}

void TestTenantApi::scanRunsPageAndSort()
{
    Tenant tenant;
    const QString repo
        = tenant.firstId(QStringLiteral("/context/repositories?limit=1"), QStringLiteral("repositories"));
    const QString base = QStringLiteral("/secrets/scan-runs?repositoryId=") + repo;
    const Reply all = tenant.get(base + QStringLiteral("&limit=50"));
    const int total = all.json.value(QStringLiteral("totalCount")).toInt();
    QVERIFY(total >= 8);
    QCOMPARE(all.json.value(QStringLiteral("scanRuns")).toArray().size(), std::min(total, 50));
    QCOMPARE(tenant.get(base).json.value(QStringLiteral("scanRuns")).toArray().size(),
             std::min(total, 10)); // default limit

    QJsonArray paged;
    for (int offset = 0; offset < total; offset += 3) {
        const Reply page = tenant.get(base + QStringLiteral("&limit=3&offset=%1").arg(offset));
        QCOMPARE(page.json.value(QStringLiteral("totalCount")).toInt(), total);
        for (const QJsonValue& run : page.json.value(QStringLiteral("scanRuns")).toArray()) {
            paged.append(run);
        }
    }
    QCOMPARE(paged, all.json.value(QStringLiteral("scanRuns")).toArray());
    const QJsonArray newest = all.json.value(QStringLiteral("scanRuns")).toArray();
    QVERIFY(newest.first().toObject().value(QStringLiteral("startedAt")).toString()
            > newest.last().toObject().value(QStringLiteral("startedAt")).toString());
    const QJsonArray oldest
        = tenant.get(base + QStringLiteral("&limit=50&sort=oldest")).json.value(QStringLiteral("scanRuns")).toArray();
    QCOMPARE(oldest.first(), newest.last());
}

void TestTenantApi::findingPreviewsHaveTheSpecShape()
{
    Tenant tenant;
    // Required fields of ModelsUnifiedFindingPreview by JSON type.
    const char* const strings[] = {"type",
                                   "createdAt",
                                   "updatedAt",
                                   "tenantId",
                                   "repositoryId",
                                   "projectId",
                                   "projectName",
                                   "repository",
                                   "branch",
                                   "commitHash",
                                   "firstSeenCommit",
                                   "id",
                                   "title",
                                   "category",
                                   "severity",
                                   "language",
                                   "message",
                                   "filePath",
                                   "cwe",
                                   "ruleId",
                                   "ruleUrl",
                                   "entrypoint",
                                   "autoFixState",
                                   "allowlistState",
                                   "priorityOverride",
                                   "priorityLabel",
                                   "lastEvent",
                                   "triageVersion",
                                   "aiTitle",
                                   "aiDevTitle",
                                   "vulnerabilitiesMaxSeverity",
                                   "installationId",
                                   "package",
                                   "packageFilePath",
                                   "suggestedVersion",
                                   "version",
                                   "vulnerabilitiesMaxPriority",
                                   "secretHash",
                                   "redactedSecret",
                                   "match",
                                   "secretType",
                                   "appName",
                                   "host",
                                   "commit",
                                   "scanId",
                                   "scanConfigId",
                                   "scanType",
                                   "appType",
                                   "targetUrl",
                                   "repositoryName",
                                   "projectPathPrefix",
                                   "summary",
                                   "source",
                                   "endpointMethod",
                                   "endpointPath",
                                   "solution",
                                   "httpVersion",
                                   "method",
                                   "path",
                                   "vulnerableParameterName",
                                   "vulnerableParameterValue",
                                   "errorType",
                                   "errorDescription",
                                   "previousResponse",
                                   "uri",
                                   "requestBody",
                                   "responseBody",
                                   "tags",
                                   "hypothesis",
                                   "userName",
                                   "roleName",
                                   "roleDescription"};
    const char* const integers[] = {"startLine",
                                    "endLine",
                                    "priorityScore",
                                    "line",
                                    "numCritical",
                                    "numHigh",
                                    "numMedium",
                                    "numLow",
                                    "numUnknown",
                                    "timeSaved"};
    const char* const booleans[] = {"isFalsePositive", "hasReachableCVEs"};
    const char* const nullableArrays[] = {"pullRequestsAllowlist",
                                          "pullRequestsAutofix",
                                          "fileOwners",
                                          "vulnerabilitiesCVEIds",
                                          "vulnerabilitiesCWEIds",
                                          "scopes",
                                          "suggestedImage"};
    const char* const nullableObjects[] = {"assessmentFactors", "queryParameters", "requestHeader", "responseHeader"};
    static const QSet<QString> severities {
        QStringLiteral("CRITICAL"), QStringLiteral("HIGH"), QStringLiteral("MEDIUM"), QStringLiteral("LOW")};

    const Reply reply = tenant.queryFindings(QJsonObject {{QStringLiteral("pageSize"), 100}});
    QCOMPARE(reply.status, 200);
    for (const char* key : {"findings", "total", "hasMoreData", "page"}) {
        QVERIFY2(reply.json.contains(QLatin1String(key)), key);
    }
    QCOMPARE(reply.json.value(QStringLiteral("total")).toInt(), 400);
    QSet<QString> types;
    for (const QJsonValue& value : reply.json.value(QStringLiteral("findings")).toArray()) {
        const QJsonObject f = value.toObject();
        for (const char* key : strings) {
            QVERIFY2(f.value(QLatin1String(key)).isString(), key);
        }
        for (const char* key : integers) {
            QVERIFY2(isInteger(f.value(QLatin1String(key))), key);
        }
        for (const char* key : booleans) {
            QVERIFY2(f.value(QLatin1String(key)).isBool(), key);
        }
        for (const char* key : nullableArrays) {
            QVERIFY2(f.value(QLatin1String(key)).isArray() || f.value(QLatin1String(key)).isNull(), key);
        }
        for (const char* key : nullableObjects) {
            QVERIFY2(f.value(QLatin1String(key)).isObject() || f.value(QLatin1String(key)).isNull(), key);
        }
        QVERIFY(f.value(QStringLiteral("entropy")).isDouble());
        QVERIFY(f.value(QStringLiteral("imageMetadata")).isObject());
        QVERIFY2(severities.contains(f.value(QStringLiteral("severity")).toString()), "severities are upper case");
        QVERIFY(f.value(QStringLiteral("cwe")).toString().startsWith(QLatin1String("CWE-")));
        QVERIFY(!f.value(QStringLiteral("title")).toString().isEmpty());
        QCOMPARE(QDateTime::fromString(f.value(QStringLiteral("createdAt")).toString(), Qt::ISODate).isValid(), true);
        types.insert(f.value(QStringLiteral("type")).toString());
    }
    // All nine finding types appear among the newest hundred of the default tenant.
    QCOMPARE(types.size(), 9);
}

void TestTenantApi::findingsFilter()
{
    Tenant tenant;
    auto total = [&](const QJsonObject& query) {
        return tenant.queryFindings(query).json.value(QStringLiteral("total")).toInt();
    };
    const int all = total({});
    QCOMPARE(all, 400);

    int byType = 0;
    for (const char* type : {"Code",
                             "Dependencies",
                             "Containers",
                             "SecretsCredentials",
                             "SecretsSensitiveData",
                             "Pentest",
                             "BugHunt",
                             "Cloud",
                             "Platform"}) {
        const QJsonObject query {{QStringLiteral("type"), QJsonArray {QLatin1String(type)}},
                                 {QStringLiteral("pageSize"), 100}};
        const int count = total(query);
        QVERIFY2(count > 0, type);
        byType += count;
        for (const QJsonValue& f : tenant.findings(query)) {
            QCOMPARE(f.toObject().value(QStringLiteral("type")).toString(), QLatin1String(type));
        }
    }
    QCOMPARE(byType, all);

    int bySeverity = 0;
    for (const char* severity : {"CRITICAL", "HIGH", "MEDIUM", "LOW"}) {
        const QJsonObject query {{QStringLiteral("severity"), QJsonArray {QLatin1String(severity)}},
                                 {QStringLiteral("pageSize"), 100}};
        bySeverity += total(query);
        for (const QJsonValue& f : tenant.findings(query)) {
            QCOMPARE(f.toObject().value(QStringLiteral("severity")).toString(), QLatin1String(severity));
        }
    }
    QCOMPARE(bySeverity, all);
    const Reply lower
        = tenant.queryFindings(QJsonObject {{QStringLiteral("severity"), QJsonArray {QStringLiteral("high")}}});
    QCOMPARE(lower.status, 400);
    QVERIFY(lower.error().contains(QLatin1String("upper case")));
    QCOMPARE(tenant.queryFindings(QJsonObject {{QStringLiteral("type"), QJsonArray {QStringLiteral("SAST")}}}).status,
             400);

    const int open = total({{QStringLiteral("isResolved"), false}});
    const int closed = total({{QStringLiteral("isResolved"), true}});
    QVERIFY(open > 0 && closed > 0);
    QCOMPARE(open + closed, all);

    const QString repo = tenant.findings({}).first().toObject().value(QStringLiteral("repository")).toString();
    const QJsonObject byRepo {{QStringLiteral("repository"), QJsonArray {repo}}, {QStringLiteral("pageSize"), 100}};
    const int inRepo = total(byRepo);
    QVERIFY(inRepo > 0 && inRepo < all);
    for (const QJsonValue& f : tenant.findings(byRepo)) {
        QCOMPARE(f.toObject().value(QStringLiteral("repository")).toString(), repo);
    }
    QCOMPARE(total({{QStringLiteral("repository"), QJsonArray {QStringLiteral("no-such-repo")}}}), 0);

    // Filters combine.
    const QJsonObject combined {
        {QStringLiteral("type"), QJsonArray {QStringLiteral("Code")}},
        {QStringLiteral("severity"), QJsonArray {QStringLiteral("CRITICAL"), QStringLiteral("HIGH")}},
        {QStringLiteral("isResolved"), false},
        {QStringLiteral("pageSize"), 100}};
    for (const QJsonValue& value : tenant.findings(combined)) {
        const QJsonObject f = value.toObject();
        QCOMPARE(f.value(QStringLiteral("type")).toString(), QStringLiteral("Code"));
        QVERIFY(f.value(QStringLiteral("severity")).toString() == QLatin1String("CRITICAL")
                || f.value(QStringLiteral("severity")).toString() == QLatin1String("HIGH"));
        QCOMPARE(f.value(QStringLiteral("isResolved")).toBool(), false);
    }
    const int sqli = total({{QStringLiteral("search"), QStringLiteral("sql injection")}});
    QVERIFY(sqli > 0 && sqli < all);
    const QString id = tenant.findings({}).at(3).toObject().value(QStringLiteral("id")).toString();
    QCOMPARE(total({{QStringLiteral("findingId"), QJsonArray {id}}}), 1);
}

void TestTenantApi::findingsPageWithConstantPageSize()
{
    Tenant tenant;
    const QJsonObject filter {{QStringLiteral("isResolved"), false}};
    const int total = tenant.queryFindings(filter).json.value(QStringLiteral("total")).toInt();
    QSet<QString> seen;
    int page = 1;
    bool more = true;
    QString lastCreated = QStringLiteral("9999");
    while (more) {
        QJsonObject query = filter;
        query.insert(QStringLiteral("page"), page);
        query.insert(QStringLiteral("pageSize"), 25);
        const Reply reply = tenant.queryFindings(query);
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.json.value(QStringLiteral("page")).toInt(), page);
        QCOMPARE(reply.json.value(QStringLiteral("total")).toInt(), total);
        const QJsonArray items = reply.json.value(QStringLiteral("findings")).toArray();
        more = reply.json.value(QStringLiteral("hasMoreData")).toBool();
        QVERIFY(items.size() == 25 || !more);
        for (const QJsonValue& item : items) {
            const QString created = item.toObject().value(QStringLiteral("createdAt")).toString();
            QVERIFY2(created <= lastCreated, "newest first");
            lastCreated = created;
            seen.insert(item.toObject().value(QStringLiteral("id")).toString());
        }
        QCOMPARE(reply.json.value(QStringLiteral("scrollId")).isString(), more);
        ++page;
        QVERIFY(page < 100);
    }
    QCOMPARE(seen.size(), total);

    // scrollId continues where the previous page ended, and only with the same pageSize.
    QJsonObject query = filter;
    query.insert(QStringLiteral("pageSize"), 10);
    const Reply first = tenant.queryFindings(query);
    query.insert(QStringLiteral("scrollId"), first.json.value(QStringLiteral("scrollId")));
    const Reply second = tenant.queryFindings(query);
    QCOMPARE(second.json.value(QStringLiteral("page")).toInt(), 2);
    QVERIFY(second.json.value(QStringLiteral("findings")).toArray().first()
            != first.json.value(QStringLiteral("findings")).toArray().first());
    query.insert(QStringLiteral("pageSize"), 20);
    QCOMPARE(tenant.queryFindings(query).status, 400);

    // Past the end: an empty page, not an error.
    const Reply beyond = tenant.queryFindings(QJsonObject {{QStringLiteral("page"), 1000}});
    QCOMPARE(beyond.status, 200);
    QCOMPARE(beyond.json.value(QStringLiteral("findings")).toArray().size(), 0);
    QCOMPARE(beyond.json.value(QStringLiteral("hasMoreData")).toBool(), false);
}

namespace {

int severityOrder(const QString& severity)
{
    static const QStringList order {
        QStringLiteral("CRITICAL"), QStringLiteral("HIGH"), QStringLiteral("MEDIUM"), QStringLiteral("LOW")};
    return int(order.indexOf(severity));
}

} // namespace

void TestTenantApi::findingsSortPresetsHoldAcrossPages_data()
{
    QTest::addColumn<QString>("preset");
    QTest::newRow("severity_desc") << QStringLiteral("severity_desc");
    QTest::newRow("priority_desc") << QStringLiteral("priority_desc");
    QTest::newRow("created_at_asc") << QStringLiteral("created_at_asc");
    QTest::newRow("created_at_desc") << QStringLiteral("created_at_desc");
}

void TestTenantApi::findingsSortPresetsHoldAcrossPages()
{
    QFETCH(QString, preset);
    Tenant tenant;
    // Every page in turn: the order holds across page boundaries, every finding comes once.
    QSet<QString> seen;
    QJsonArray all;
    bool more = true;
    for (int page = 1; more && page < 100; ++page) {
        const Reply reply = tenant.queryFindings(QJsonObject {
            {QStringLiteral("sortPreset"), preset}, {QStringLiteral("page"), page}, {QStringLiteral("pageSize"), 30}});
        QCOMPARE(reply.status, 200);
        QCOMPARE(reply.json.value(QStringLiteral("total")).toInt(), 400);
        more = reply.json.value(QStringLiteral("hasMoreData")).toBool();
        for (const QJsonValue& item : reply.json.value(QStringLiteral("findings")).toArray()) {
            all.append(item);
            seen.insert(item.toObject().value(QStringLiteral("id")).toString());
        }
    }
    QCOMPARE(all.size(), 400);
    QCOMPARE(seen.size(), 400);
    for (int i = 1; i < all.size(); ++i) {
        const QJsonObject a = all.at(i - 1).toObject();
        const QJsonObject b = all.at(i).toObject();
        const QString aCreated = a.value(QStringLiteral("createdAt")).toString();
        const QString bCreated = b.value(QStringLiteral("createdAt")).toString();
        if (preset == QLatin1String("severity_desc")) {
            const int sa = severityOrder(a.value(QStringLiteral("severity")).toString());
            const int sb = severityOrder(b.value(QStringLiteral("severity")).toString());
            QVERIFY2(sa <= sb, qPrintable(QStringLiteral("row %1").arg(i)));
            QVERIFY(sa < sb || aCreated >= bCreated); // ties newest first
        } else if (preset == QLatin1String("priority_desc")) {
            QVERIFY(a.value(QStringLiteral("priorityScore")).toInt()
                    >= b.value(QStringLiteral("priorityScore")).toInt());
        } else if (preset == QLatin1String("created_at_asc")) {
            QVERIFY(aCreated <= bCreated);
        } else {
            QVERIFY(aCreated >= bCreated);
        }
    }
    // The first Critical is on page 1 and no Critical comes after the first High.
    if (preset == QLatin1String("severity_desc"))
        QCOMPARE(all.first().toObject().value(QStringLiteral("severity")).toString(), QStringLiteral("CRITICAL"));

    // A filter and a sort together: the filter's total, in the sort's order.
    const Reply filtered = tenant.queryFindings(
        QJsonObject {{QStringLiteral("sortPreset"), preset},
                     {QStringLiteral("severity"), QJsonArray {QStringLiteral("HIGH"), QStringLiteral("LOW")}},
                     {QStringLiteral("pageSize"), 100}});
    QCOMPARE(filtered.status, 200);
    const QJsonArray items = filtered.json.value(QStringLiteral("findings")).toArray();
    for (const QJsonValue& item : items) {
        const QString severity = item.toObject().value(QStringLiteral("severity")).toString();
        QVERIFY(severity == QLatin1String("HIGH") || severity == QLatin1String("LOW"));
    }
}

void TestTenantApi::findingsFilterByBranchDateAndTriage()
{
    Tenant tenant;
    const QJsonArray everything = tenant.findings(QJsonObject {{QStringLiteral("pageSize"), 100}});
    QVERIFY(!everything.isEmpty());
    const QString branch = everything.first().toObject().value(QStringLiteral("branch")).toString();
    QVERIFY(!branch.isEmpty());

    // branch[]: only that branch, and fewer than all (some repositories use another default branch).
    const Reply byBranch = tenant.queryFindings(
        QJsonObject {{QStringLiteral("branch"), QJsonArray {branch}}, {QStringLiteral("pageSize"), 100}});
    QCOMPARE(byBranch.status, 200);
    for (const QJsonValue& item : byBranch.json.value(QStringLiteral("findings")).toArray())
        QCOMPARE(item.toObject().value(QStringLiteral("branch")).toString(), branch);
    QVERIFY(byBranch.json.value(QStringLiteral("total")).toInt() > 0);
    QCOMPARE(
        tenant.queryFindings(QJsonObject {{QStringLiteral("branch"), QJsonArray {QStringLiteral("no-such-branch")}}})
            .json.value(QStringLiteral("total"))
            .toInt(),
        0);

    // fromDate / toDate on createdAt, inclusive, as dates or date-times.
    const QString newest = everything.first().toObject().value(QStringLiteral("createdAt")).toString();
    const QString tenth = everything.at(9).toObject().value(QStringLiteral("createdAt")).toString();
    const Reply recent
        = tenant.queryFindings(QJsonObject {{QStringLiteral("fromDate"), tenth}, {QStringLiteral("toDate"), newest}});
    QCOMPARE(recent.status, 200);
    QVERIFY(recent.json.value(QStringLiteral("total")).toInt() >= 10);
    for (const QJsonValue& item : recent.json.value(QStringLiteral("findings")).toArray()) {
        const QString created = item.toObject().value(QStringLiteral("createdAt")).toString();
        QVERIFY(created >= tenth && created <= newest);
    }
    const QString day = newest.left(10);
    const Reply sameDay = tenant.queryFindings(QJsonObject {
        {QStringLiteral("fromDate"), day}, {QStringLiteral("toDate"), day}, {QStringLiteral("pageSize"), 100}});
    QCOMPARE(sameDay.status, 200);
    QVERIFY(sameDay.json.value(QStringLiteral("total")).toInt() >= 1);
    for (const QJsonValue& item : sameDay.json.value(QStringLiteral("findings")).toArray())
        QCOMPARE(item.toObject().value(QStringLiteral("createdAt")).toString().left(10), day);

    // isFixed and isFalsePositive: each a part of isResolved.
    const int resolved = tenant.queryFindings(QJsonObject {{QStringLiteral("isResolved"), true}})
                             .json.value(QStringLiteral("total"))
                             .toInt();
    const int fixed = tenant.queryFindings(QJsonObject {{QStringLiteral("isFixed"), true}})
                          .json.value(QStringLiteral("total"))
                          .toInt();
    const int falsePositive = tenant.queryFindings(QJsonObject {{QStringLiteral("isFalsePositive"), true}})
                                  .json.value(QStringLiteral("total"))
                                  .toInt();
    QVERIFY(fixed > 0);
    QVERIFY(fixed <= resolved && falsePositive <= resolved);
    QCOMPARE(
        tenant.queryFindings(QJsonObject {{QStringLiteral("isFixed"), true}, {QStringLiteral("isResolved"), false}})
            .json.value(QStringLiteral("total"))
            .toInt(),
        0);
}

void TestTenantApi::findingsRejectWrongTypes_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("page string") << QByteArray(R"({"query": {"page": "x"}})") << QStringLiteral("query.page");
    QTest::newRow("page fraction") << QByteArray(R"({"query": {"page": 1.5}})") << QStringLiteral("query.page");
    QTest::newRow("page zero") << QByteArray(R"({"query": {"page": 0}})") << QStringLiteral("query.page");
    QTest::newRow("pageSize huge") << QByteArray(R"({"query": {"pageSize": 100000}})")
                                   << QStringLiteral("query.pageSize");
    QTest::newRow("type not array") << QByteArray(R"({"query": {"type": "Code"}})") << QStringLiteral("query.type");
    QTest::newRow("type element") << QByteArray(R"({"query": {"type": [1]}})") << QStringLiteral("query.type[0]");
    QTest::newRow("isResolved string") << QByteArray(R"({"query": {"isResolved": "yes"}})")
                                       << QStringLiteral("query.isResolved");
    QTest::newRow("repository object") << QByteArray(R"({"query": {"repository": {}}})")
                                       << QStringLiteral("query.repository");
    QTest::newRow("scrollId number") << QByteArray(R"({"query": {"scrollId": 3}})") << QStringLiteral("query.scrollId");
    QTest::newRow("scrollId forged") << QByteArray(R"({"query": {"scrollId": "abc"}})") << QStringLiteral("scrollId");
    QTest::newRow("sortPreset unknown") << QByteArray(R"({"query": {"sortPreset": "title_asc"}})")
                                        << QStringLiteral("query.sortPreset");
    QTest::newRow("sortPreset number") << QByteArray(R"({"query": {"sortPreset": 1}})")
                                       << QStringLiteral("query.sortPreset");
    QTest::newRow("fromDate not a date") << QByteArray(R"({"query": {"fromDate": "last week"}})")
                                         << QStringLiteral("query.fromDate");
    QTest::newRow("branch string") << QByteArray(R"({"query": {"branch": "main"}})") << QStringLiteral("query.branch");
    QTest::newRow("isFixed string") << QByteArray(R"({"query": {"isFixed": "no"}})") << QStringLiteral("query.isFixed");
    QTest::newRow("sort object") << QByteArray(R"({"query": {"sort": {}}})") << QStringLiteral("query.sort");
    QTest::newRow("hasAutoFix number") << QByteArray(R"({"query": {"hasAutoFix": 1}})")
                                       << QStringLiteral("query.hasAutoFix");
    QTest::newRow("query missing") << QByteArray(R"({})") << QStringLiteral("query");
    QTest::newRow("query array") << QByteArray(R"({"query": []})") << QStringLiteral("query");
    QTest::newRow("body array") << QByteArray(R"([])") << QStringLiteral("JSON object");
    QTest::newRow("malformed") << QByteArray(R"({"query": )") << QStringLiteral("JSON");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty");
}

void TestTenantApi::findingsRejectWrongTypes()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    Tenant tenant;
    for (const char* path : {"/admin/findings", "/admin/metrics/overview"}) {
        const Reply reply = tenant.call("POST", QLatin1String(path), body);
        if (QLatin1String(path) == QLatin1String("/admin/metrics/overview")
            && (mentions.contains(QLatin1String("page")) || mentions.contains(QLatin1String("scrollId")))) {
            continue; // paging fields mean nothing to the overview
        }
        QCOMPARE(reply.status, 400);
        QVERIFY2(reply.error().contains(mentions), qPrintable(reply.error()));
    }
    // Null means "not given" for the query's nullable fields.
    QCOMPARE(tenant
                 .call("POST",
                       QStringLiteral("/admin/findings"),
                       R"({"query": {"page": null, "type": null, "isResolved": null}})")
                 .status,
             200);
}

void TestTenantApi::singleFindingPerService()
{
    Tenant tenant;
    struct Case
    {
        const char* type;
        const char* service;
        std::initializer_list<const char*> required;
    };
    const Case cases[] = {
        {"Code", "sast", {"triageDurationSeconds", "isResolved"}},
        {"Dependencies",
         "sca/dependencies",
         {"id", "package", "version", "vulnerabilities", "nonAIPriorityLabel", "isDirect", "triageLLMCostUSD"}},
        {"Containers",
         "sca/containers",
         {"id", "imageMetadata", "suggestions", "vulnerablePackages", "suggestedImages"}},
        {"SecretsCredentials",
         "secrets",
         {"id", "secretType", "redactedSecret", "timestampUnix", "entropy", "verified"}},
        {"SecretsSensitiveData", "secrets", {"id", "secretType", "match"}},
        {"Pentest", "dast/pentest", {"id", "scanInfo", "endpoint", "cwe", "source", "priorityLabel"}},
        {"Cloud", "cspm", {"platform", "installationId", "resolvedAt", "triageDurationSeconds", "isResolved"}},
        {"Platform",
         "scpm",
         {"platform", "installationId", "isLatest", "isArchived", "isAllowlisted", "isFalsePositive", "isResolved"}},
    };
    for (const Case& c : cases) {
        const QString id = tenant.firstFindingOf(QLatin1String(c.type));
        QVERIFY2(!id.isEmpty(), c.type);
        const Reply reply = tenant.get(QStringLiteral("/%1/findings/%2").arg(QLatin1String(c.service), id));
        QVERIFY2(reply.status == 200, c.type);
        const QJsonObject finding = reply.json.value(QStringLiteral("finding")).toObject();
        for (const char* key : c.required) {
            QVERIFY2(finding.contains(QLatin1String(key)),
                     qPrintable(QStringLiteral("%1.%2").arg(QLatin1String(c.type), QLatin1String(key))));
        }
        if (finding.contains(QStringLiteral("id"))) {
            QCOMPARE(finding.value(QStringLiteral("id")).toString(), id);
        }
    }
    // The wrappers' own required fields.
    const QString code = tenant.firstFindingOf(QStringLiteral("Code"));
    QVERIFY(tenant.get(QStringLiteral("/sast/findings/") + code).json.value(QStringLiteral("presignedUrl")).isString());
    QVERIFY(tenant.get(QStringLiteral("/cspm/findings/") + tenant.firstFindingOf(QStringLiteral("Cloud")))
                .json.value(QStringLiteral("version"))
                .isString());
    QVERIFY(tenant.get(QStringLiteral("/scpm/findings/") + tenant.firstFindingOf(QStringLiteral("Platform")))
                .json.value(QStringLiteral("presignedUrl"))
                .isString());
    const QJsonObject pentest
        = tenant.get(QStringLiteral("/dast/pentest/findings/") + tenant.firstFindingOf(QStringLiteral("Pentest")))
              .json.value(QStringLiteral("finding"))
              .toObject();
    QVERIFY(QSet<QString>({QStringLiteral("FALSE_POSITIVE"),
                           QStringLiteral("IMPORTANT"),
                           QStringLiteral("NEGLIGIBLE"),
                           QStringLiteral("URGENT")})
                .contains(pentest.value(QStringLiteral("priorityLabel")).toString()));

    // A finding of another service, and an unknown id: 404 where the operation declares it.
    const Reply wrong = tenant.get(QStringLiteral("/sca/dependencies/findings/") + code);
    QCOMPARE(wrong.status, 404);
    QVERIFY(!wrong.error().isEmpty());
    QCOMPARE(tenant.get(QStringLiteral("/sast/findings/00000000-0000-4000-a000-000000000000")).status, 404);
    QCOMPARE(tenant.get(QStringLiteral("/sast/findings/not-an-id")).status, 404);
    QCOMPARE(tenant.get(QStringLiteral("/scpm/findings/not-an-id")).status, 400); // the spec declares no 404 there
}

void TestTenantApi::cloudScanLifecycle()
{
    TenantOptions options;
    options.workSeconds = 10;
    ManualClock clock;
    Tenant tenant(options, &clock);

    const Reply start = tenant.call("POST", QStringLiteral("/context/cloud-scan/start"));
    QCOMPARE(start.status, 200);
    const QString id = start.json.value(QStringLiteral("scanId")).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(tenant.api.cloudScansStarted(), 1);

    auto status = [&] { return tenant.get(QStringLiteral("/context/cloud-scan/%1/status").arg(id)).json; };
    QJsonObject s = status();
    QCOMPARE(s.value(QStringLiteral("scanId")).toString(), id);
    QCOMPARE(s.value(QStringLiteral("overallStatus")).toString(), QStringLiteral("queued"));
    QCOMPARE(s.value(QStringLiteral("providers")).toArray().size(), 3);

    // Progress is visible as providers finishing one after another.
    int previousDone = -1;
    for (int step = 1; step <= 9; ++step) {
        clock.now += 1000;
        s = status();
        QCOMPARE(s.value(QStringLiteral("overallStatus")).toString(), QStringLiteral("in progress"));
        int done = 0;
        for (const QJsonValue& p : s.value(QStringLiteral("providers")).toArray()) {
            QVERIFY(p.toObject().value(QStringLiteral("provider")).isString());
            done += p.toObject().value(QStringLiteral("status")).toString() == QLatin1String("completed");
        }
        QVERIFY(done >= previousDone);
        previousDone = done;
    }
    QCOMPARE(previousDone, 2);
    clock.now += 1000;
    s = status();
    QCOMPARE(s.value(QStringLiteral("overallStatus")).toString(), QStringLiteral("completed"));
    for (const QJsonValue& p : s.value(QStringLiteral("providers")).toArray()) {
        QCOMPARE(p.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        QVERIFY(p.toObject().value(QStringLiteral("completedAt")).isString());
    }

    // A second click is a second scan, visible in the state.
    const Reply again = tenant.call("POST", QStringLiteral("/context/cloud-scan/start"), QByteArrayLiteral("{}"));
    QCOMPARE(again.status, 200);
    QVERIFY(again.json.value(QStringLiteral("scanId")).toString() != id);
    QCOMPARE(tenant.api.cloudScansStarted(), 2);

    const Reply unknown = tenant.get(QStringLiteral("/context/cloud-scan/nope/status"));
    QCOMPARE(unknown.status, 404);
    QVERIFY(!unknown.error().isEmpty());
    QCOMPARE(tenant.get(QStringLiteral("/context/cloud-scan/start")).status, 405);
}

void TestTenantApi::cloudScanFailsOnRequest()
{
    TenantOptions options;
    options.workSeconds = 5;
    options.failScans = true;
    ManualClock clock;
    Tenant tenant(options, &clock);
    const QString id = tenant.call("POST", QStringLiteral("/context/cloud-scan/start"))
                           .json.value(QStringLiteral("scanId"))
                           .toString();
    clock.now += 5000;
    const QJsonObject s = tenant.get(QStringLiteral("/context/cloud-scan/%1/status").arg(id)).json;
    QCOMPARE(s.value(QStringLiteral("overallStatus")).toString(), QStringLiteral("failed"));
    bool hasError = false;
    for (const QJsonValue& p : s.value(QStringLiteral("providers")).toArray()) {
        hasError |= !p.toObject().value(QStringLiteral("errorMessage")).toString().isEmpty();
    }
    QVERIFY(hasError);
}

void TestTenantApi::cloudScanCompletesInRealTime()
{
    TenantOptions options;
    options.workSeconds = 1;
    Tenant tenant(options);
    const QString id = tenant.call("POST", QStringLiteral("/context/cloud-scan/start"))
                           .json.value(QStringLiteral("scanId"))
                           .toString();
    QTRY_COMPARE_WITH_TIMEOUT(tenant.get(QStringLiteral("/context/cloud-scan/%1/status").arg(id))
                                  .json.value(QStringLiteral("overallStatus"))
                                  .toString(),
                              QStringLiteral("completed"),
                              10000);
}

void TestTenantApi::pentestLifecycle()
{
    TenantOptions options;
    options.workSeconds = 20;
    ManualClock clock;
    Tenant tenant(options, &clock);

    const Reply apps = tenant.get(QStringLiteral("/context/applications"));
    QCOMPARE(apps.status, 200);
    const QJsonArray applications = apps.json.value(QStringLiteral("applications")).toArray();
    QVERIFY(applications.size() >= 3);
    for (const QJsonValue& value : applications) {
        const QJsonObject app = value.toObject();
        for (const char* key : {"id",
                                "tenantId",
                                "name",
                                "description",
                                "components",
                                "discovery",
                                "metadata",
                                "createdAt",
                                "updatedAt"}) {
            QVERIFY2(app.contains(QLatin1String(key)), key);
        }
        QVERIFY(app.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("lastRebuildTime")).isString());
    }
    const QString appId = applications.first().toObject().value(QStringLiteral("id")).toString();

    const int listedBefore = tenant.get(QStringLiteral("/dast/pentest/scans?limit=100"))
                                 .json.value(QStringLiteral("scans"))
                                 .toArray()
                                 .size();
    const Reply start
        = tenant.post(QStringLiteral("/dast/pentest/start"), QJsonObject {{QStringLiteral("applicationId"), appId}});
    QCOMPARE(start.status, 200);
    QJsonObject scan = start.json.value(QStringLiteral("scan")).toObject();
    for (const char* key :
         {"id", "tenantId", "appId", "progress", "status", "startTime", "findingIds", "isExternal", "executionArn"}) {
        QVERIFY2(scan.contains(QLatin1String(key)), key);
    }
    QCOMPARE(scan.value(QStringLiteral("status")).toString(), QStringLiteral("queued"));
    QCOMPARE(scan.value(QStringLiteral("appId")).toString(), appId);
    const QString id = scan.value(QStringLiteral("id")).toString();
    QCOMPARE(tenant.api.pentestsStarted(), 1);

    QCOMPARE(tenant.get(QStringLiteral("/dast/pentest/scans/%1/report").arg(id)).status, 404);
    int lastProgress = 0;
    for (int step = 0; step < 8; ++step) {
        clock.now += 2300;
        scan = tenant.pentestScan(id);
        QCOMPARE(scan.value(QStringLiteral("status")).toString(), QStringLiteral("in progress"));
        const int progress = scan.value(QStringLiteral("progress")).toInt();
        QVERIFY2(progress > lastProgress, "progress rises");
        lastProgress = progress;
    }
    clock.now += 10000;
    scan = tenant.pentestScan(id);
    QCOMPARE(scan.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
    QCOMPARE(scan.value(QStringLiteral("progress")).toInt(), 100);
    QVERIFY(scan.value(QStringLiteral("endTime")).isString());
    const QJsonArray findingIds = scan.value(QStringLiteral("findingIds")).toArray();
    QVERIFY(!findingIds.isEmpty());
    QCOMPARE(tenant.get(QStringLiteral("/dast/pentest/findings/") + findingIds.first().toString()).status, 200);

    const Reply report = tenant.get(QStringLiteral("/dast/pentest/scans/%1/report").arg(id));
    QCOMPARE(report.status, 200);
    const QJsonObject r = report.json.value(QStringLiteral("report")).toObject();
    QCOMPARE(r.value(QStringLiteral("scanId")).toString(), id);
    QVERIFY(r.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("langfuseTraceIds")).isArray());
    QCOMPARE(r.value(QStringLiteral("metrics"))
                 .toObject()
                 .value(QStringLiteral("findingMetrics"))
                 .toObject()
                 .value(QStringLiteral("total"))
                 .toInt(),
             findingIds.size());

    // A duplicate start is a second scan; the list shows both, newest first, and pages.
    const QString second = tenant.startPentest(appId);
    QVERIFY(second != id);
    QCOMPARE(tenant.api.pentestsStarted(), 2);
    const QJsonArray listed
        = tenant.get(QStringLiteral("/dast/pentest/scans?limit=100")).json.value(QStringLiteral("scans")).toArray();
    QCOMPARE(listed.size(), listedBefore + 2);
    QCOMPARE(listed.at(0).toObject().value(QStringLiteral("id")).toString(), second);
    QCOMPARE(listed.at(1).toObject().value(QStringLiteral("id")).toString(), id);
    QSet<QString> paged;
    QString token;
    do {
        const Reply page = tenant.get(QStringLiteral("/dast/pentest/scans?limit=2")
                                      + (token.isEmpty() ? QString() : QStringLiteral("&nextToken=") + token));
        QCOMPARE(page.status, 200);
        QVERIFY(page.json.value(QStringLiteral("nextToken")).isString());
        for (const QJsonValue& s : page.json.value(QStringLiteral("scans")).toArray()) {
            paged.insert(s.toObject().value(QStringLiteral("id")).toString());
        }
        token = page.json.value(QStringLiteral("nextToken")).toString();
    } while (!token.isEmpty());
    QCOMPARE(paged.size(), listed.size());
}

void TestTenantApi::pentestStopAndErrors()
{
    TenantOptions options;
    options.workSeconds = 20;
    ManualClock clock;
    Tenant tenant(options, &clock);
    const QString appId = tenant.firstId(QStringLiteral("/context/applications"), QStringLiteral("applications"));

    QCOMPARE(tenant.post(QStringLiteral("/dast/pentest/start"), QJsonObject {}).status, 400);
    const Reply wrongType
        = tenant.post(QStringLiteral("/dast/pentest/start"), QJsonObject {{QStringLiteral("applicationId"), 42}});
    QCOMPARE(wrongType.status, 400);
    QVERIFY(wrongType.error().contains(QLatin1String("applicationId")));
    QCOMPARE(tenant
                 .post(QStringLiteral("/dast/pentest/start"),
                       QJsonObject {{QStringLiteral("applicationId"), QStringLiteral("nope")}})
                 .status,
             404);
    QCOMPARE(tenant.api.pentestsStarted(), 0);

    const QString id = tenant.startPentest(appId);
    clock.now += 8000;
    const Reply stop = tenant.call("POST", QStringLiteral("/dast/pentest/scans/%1/stop").arg(id));
    QCOMPARE(stop.status, 200);
    QCOMPARE(stop.json.value(QStringLiteral("scan")).toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("stopping"));
    const int progress = stop.json.value(QStringLiteral("scan")).toObject().value(QStringLiteral("progress")).toInt();
    clock.now += 5000;
    const QJsonObject stopped = tenant.pentestScan(id);
    QCOMPARE(stopped.value(QStringLiteral("status")).toString(), QStringLiteral("cancelled"));
    QCOMPARE(stopped.value(QStringLiteral("progress")).toInt(), progress);
    clock.now += 60000;
    QCOMPARE(tenant.pentestScan(id).value(QStringLiteral("status")).toString(), QStringLiteral("cancelled"));
    QCOMPARE(tenant.get(QStringLiteral("/dast/pentest/scans/%1/report").arg(id)).status, 404);

    // Stopping a finished scan or an unknown one is the operation's 400 (it declares no 404).
    const QString done = tenant.startPentest(appId);
    clock.now += 20000;
    QCOMPARE(tenant.call("POST", QStringLiteral("/dast/pentest/scans/%1/stop").arg(done)).status, 400);
    QCOMPARE(tenant.call("POST", QStringLiteral("/dast/pentest/scans/unknown/stop")).status, 400);
    QCOMPARE(tenant.get(QStringLiteral("/dast/pentest/scans/unknown")).status, 404);
    QCOMPARE(tenant.get(QStringLiteral("/dast/pentest/scans/unknown/report")).status, 404);
    QCOMPARE(tenant.get(QStringLiteral("/dast/pentest/scans?limit=x")).status, 400);

    TenantOptions failing = options;
    failing.failScans = true;
    Tenant broken(failing, &clock);
    const QString failed = broken.startPentest(appId);
    clock.now += 20000;
    const QJsonObject f = broken.pentestScan(failed);
    QCOMPARE(f.value(QStringLiteral("status")).toString(), QStringLiteral("failed"));
    QVERIFY(!f.value(QStringLiteral("failureReason")).toString().isEmpty());
}

void TestTenantApi::autofixWalksToCachedWithADiff()
{
    TenantOptions options;
    options.autofixSeconds = 12;
    ManualClock clock;
    Tenant tenant(options, &clock);

    const QString id = tenant.firstFindingOf(QStringLiteral("Code"));
    const QString base = QStringLiteral("/sast/findings/%1/autofix").arg(id);
    auto status = [&] { return tenant.autofixStatus(base); };
    QCOMPARE(status().value(QStringLiteral("state")).toString(), QStringLiteral("none"));
    QCOMPARE(tenant.get(base + QStringLiteral("/cache/diff")).status, 404);

    const Reply fix = tenant.post(base + QStringLiteral("/fix"), QJsonObject {});
    QCOMPARE(fix.status, 200);
    QCOMPARE(fix.json.value(QStringLiteral("autoFixState")).toString(), QStringLiteral("in_progress_requested"));
    QCOMPARE(tenant.api.autofixesStarted(), 1);

    QStringList states;
    for (int second = 0; second <= 13; ++second) {
        const QJsonObject s = status();
        QVERIFY(s.value(QStringLiteral("terminal")).isBool());
        const QString state = s.value(QStringLiteral("state")).toString();
        if (states.isEmpty() || states.last() != state) {
            states.append(state);
        }
        QCOMPARE(s.value(QStringLiteral("terminal")).toBool(), state == QLatin1String("cached"));
        clock.now += 1000;
    }
    QCOMPARE(states,
             QStringList({QStringLiteral("in_progress_requested"),
                          QStringLiteral("in_progress_agent"),
                          QStringLiteral("in_progress_preview_available"),
                          QStringLiteral("cached")}));

    const Reply diff = tenant.get(base + QStringLiteral("/cache/diff"));
    QCOMPARE(diff.status, 200);
    for (const char* key : {"diffs", "pullRequestTitle", "pullRequestBody", "explanation", "commit"}) {
        QVERIFY2(diff.json.contains(QLatin1String(key)), key);
    }
    const QJsonObject file = diff.json.value(QStringLiteral("diffs")).toArray().first().toObject();
    const QString path = tenant.get(QStringLiteral("/sast/findings/") + id)
                             .json.value(QStringLiteral("finding"))
                             .toObject()
                             .value(QStringLiteral("filePath"))
                             .toString();
    QCOMPARE(file.value(QStringLiteral("origName")).toString(), path);
    QVERIFY(file.value(QStringLiteral("header")).toString().startsWith(QStringLiteral("diff --git a/") + path));
    const QJsonObject hunk = file.value(QStringLiteral("hunks")).toArray().first().toObject();
    QVERIFY(hunk.value(QStringLiteral("header")).toString().startsWith(QLatin1String("@@ -")));
    const QJsonArray lines
        = hunk.value(QStringLiteral("wholeRange")).toObject().value(QStringLiteral("lines")).toArray();
    int added = 0;
    int removed = 0;
    for (const QJsonValue& line : lines) {
        const int mode = line.toObject().value(QStringLiteral("mode")).toInt();
        added += mode == 0;
        removed += mode == 1;
        QVERIFY(line.toObject().value(QStringLiteral("content")).isString());
    }
    QVERIFY(added > 0 && removed > 0);

    // The finding itself now reports the cached fix.
    const QJsonArray listed = tenant.findings(QJsonObject {{QStringLiteral("findingId"), QJsonArray {id}}});
    QCOMPARE(listed.first().toObject().value(QStringLiteral("autoFixState")).toString(), QStringLiteral("cached"));

    // The findings query's autoFixState[] finds it by that state, and only it (no other fix ran).
    const QJsonArray withFix
        = tenant.findings(QJsonObject {{QStringLiteral("autoFixState"), QJsonArray {QStringLiteral("cached")}}});
    QCOMPARE(withFix.size(), 1);
    QCOMPARE(withFix.first().toObject().value(QStringLiteral("id")).toString(), id);
    QVERIFY(tenant.findings(QJsonObject {{QStringLiteral("autoFixState"), QJsonArray {QStringLiteral("pr_merged")}}})
                .isEmpty());
    const QJsonArray withoutFix
        = tenant.findings(QJsonObject {{QStringLiteral("autoFixState"), QJsonArray {QStringLiteral("none")}}});
    QVERIFY(!withoutFix.isEmpty());
    for (const QJsonValue& finding : withoutFix)
        QVERIFY(finding.toObject().value(QStringLiteral("id")).toString() != id);
}

void TestTenantApi::autofixDuplicatesAndFailures()
{
    TenantOptions options;
    options.autofixSeconds = 10;
    ManualClock clock;
    Tenant tenant(options, &clock);
    const QString id = tenant.firstFindingOf(QStringLiteral("Dependencies"));
    const QString fix = QStringLiteral("/sca/dependencies/findings/%1/autofix/fix").arg(id);

    QCOMPARE(tenant.call("POST", fix).status, 200); // an empty body is the same as {}
    const Reply duplicate = tenant.call("POST", fix, QByteArrayLiteral("{}"));
    QCOMPARE(duplicate.status, 409);
    QCOMPARE(tenant.api.autofixesStarted(), 1);
    QCOMPARE(tenant.api.autofixRequests(), 2);
    QCOMPARE(tenant.call("POST", fix, QByteArrayLiteral(R"({"force": true})")).status, 200);
    QCOMPARE(tenant.api.autofixesStarted(), 2);
    QCOMPARE(tenant.call("POST", fix, QByteArrayLiteral(R"({"force": "yes"})")).status, 400);
    QCOMPARE(tenant.call("POST", fix, QByteArrayLiteral("[1]")).status, 400);
    clock.now += 10000;
    QCOMPARE(tenant.call("POST", fix).status, 200); // after the fix is done, a new one may start
    QCOMPARE(tenant.api.autofixesStarted(), 3);

    // Unknown findings: 404 where declared, else 400. Services without autofix have no route.
    QCOMPARE(tenant.call("POST", QStringLiteral("/sast/findings/nope/autofix/fix")).status, 404);
    QCOMPARE(tenant.call("POST", QStringLiteral("/sca/dependencies/findings/nope/autofix/fix")).status, 400);
    QCOMPARE(tenant
                 .call("POST",
                       QStringLiteral("/secrets/findings/%1/autofix/fix")
                           .arg(tenant.firstFindingOf(QStringLiteral("SecretsCredentials"))))
                 .status,
             404);
    QCOMPARE(tenant.get(QStringLiteral("/sca/dependencies/findings/nope/autofix/cache/diff")).status, 400);

    TenantOptions failing = options;
    failing.failAutofixes = true;
    Tenant broken(failing, &clock);
    const QString cloud = broken.firstFindingOf(QStringLiteral("Cloud"));
    QCOMPARE(broken.call("POST", QStringLiteral("/cspm/findings/%1/autofix/fix").arg(cloud)).status, 200);
    clock.now += 10000;
    const QJsonObject s = broken.get(QStringLiteral("/cspm/findings/%1/autofix/status").arg(cloud))
                              .json.value(QStringLiteral("status"))
                              .toObject();
    QCOMPARE(s.value(QStringLiteral("state")).toString(), QStringLiteral("failed_abort"));
    QCOMPARE(s.value(QStringLiteral("terminal")).toBool(), true);
    QVERIFY(s.value(QStringLiteral("autofixVerdictReason")).isString());
    QCOMPARE(broken.get(QStringLiteral("/cspm/findings/%1/autofix/cache/diff").arg(cloud)).status, 404);
}

void TestTenantApi::scpmAutofixOpensAPullRequest()
{
    TenantOptions options;
    options.autofixSeconds = 8;
    ManualClock clock;
    Tenant tenant(options, &clock);
    const QString id = tenant.firstFindingOf(QStringLiteral("Platform"));
    const QString base = QStringLiteral("/scpm/findings/%1/autofix").arg(id);
    auto status = [&] { return tenant.autofixStatus(base); };

    QCOMPARE(tenant.call("POST", base + QStringLiteral("/cache/create_pr")).status, 400); // nothing cached yet
    QCOMPARE(tenant.call("POST", base + QStringLiteral("/fix"), QByteArrayLiteral("{}")).status, 200);
    clock.now += 8000;
    QCOMPARE(status().value(QStringLiteral("state")).toString(), QStringLiteral("cached"));
    QVERIFY(!status().contains(QStringLiteral("pullRequestUrl")));

    const Reply pr = tenant.call("POST", base + QStringLiteral("/cache/create_pr"), QByteArrayLiteral("{}"));
    QCOMPARE(pr.status, 200);
    QCOMPARE(pr.json.value(QStringLiteral("autoFixState")).toString(), QStringLiteral("in_progress_creating_pr"));
    QCOMPARE(status().value(QStringLiteral("terminal")).toBool(), false);
    clock.now += 2000;
    const QJsonObject done = status();
    QCOMPARE(done.value(QStringLiteral("state")).toString(), QStringLiteral("pending_review"));
    QCOMPARE(done.value(QStringLiteral("terminal")).toBool(), true);
    QVERIFY(done.value(QStringLiteral("pullRequestUrl")).toString().startsWith(QLatin1String("https://github.com/")));
    QCOMPARE(
        done.value(QStringLiteral("pullRequests")).toArray().first().toObject().value(QStringLiteral("url")).toString(),
        done.value(QStringLiteral("pullRequestUrl")).toString());
    QCOMPARE(tenant.get(base + QStringLiteral("/cache/diff")).status, 200);
    // Only scpm has create_pr.
    QCOMPARE(tenant
                 .call("POST",
                       QStringLiteral("/sast/findings/%1/autofix/cache/create_pr")
                           .arg(tenant.firstFindingOf(QStringLiteral("Code"))))
                 .status,
             404);
}

// The event feed (POST /admin/events): seeded history, then each transition of the running work
// appended once, at the time it happened; a real cursor (after the id, or after a time); limits,
// filters and bad input.
void TestTenantApi::eventFeedFollowsTheWork()
{
    TenantOptions options;
    options.workSeconds = 12;
    options.autofixSeconds = 8;
    ManualClock clock;
    Tenant tenant(options, &clock);
    auto read = [&](const QJsonObject& body) { return tenant.post(QStringLiteral("/admin/events"), body); };
    auto typesOf = [](const Reply& reply) {
        QStringList types;
        for (const QJsonValue& e : reply.json.value(QStringLiteral("events")).toArray())
            types.append(e.toObject().value(QStringLiteral("type")).toString());
        return types;
    };

    // The history: events before "now", oldest first; reading from now on finds none of them.
    const Reply history = read(QJsonObject {{QStringLiteral("limit"), 200}});
    QCOMPARE(history.status, 200);
    const QJsonArray past = history.json.value(QStringLiteral("events")).toArray();
    QVERIFY(past.size() >= 5);
    QCOMPARE(history.json.value(QStringLiteral("hasMore")).toBool(), false);
    qint64 previous = 0;
    for (const QJsonValue& e : past) {
        const QJsonObject event = e.toObject();
        QVERIFY(!event.value(QStringLiteral("id")).toString().isEmpty());
        QVERIFY(isInteger(event.value(QStringLiteral("timestampUnix"))));
        QVERIFY(event.value(QStringLiteral("timestampUnix")).toInteger() >= previous);
        previous = event.value(QStringLiteral("timestampUnix")).toInteger();
    }
    const Reply fromNow = read(QJsonObject {{QStringLiteral("afterTimeUnix"), clock.now / 1000}});
    QCOMPARE(fromNow.json.value(QStringLiteral("events")).toArray().size(), 0);
    // The cursor of an empty read is the feed's end: what is appended later comes after it.
    const QString tail = past.last().toObject().value(QStringLiteral("id")).toString();
    QCOMPARE(fromNow.json.value(QStringLiteral("nextCursorId")).toString(), tail);

    // Work: a cloud scan, a pentest and an scpm autofix with a pull request.
    const QString cloudId = tenant.call("POST", QStringLiteral("/context/cloud-scan/start"))
                                .json.value(QStringLiteral("scanId"))
                                .toString();
    const QString appId = tenant.firstId(QStringLiteral("/context/applications"), QStringLiteral("applications"));
    const QString pentestId = tenant.startPentest(appId);
    const QString findingId = tenant.firstFindingOf(QStringLiteral("Platform"));
    const QString base = QStringLiteral("/scpm/findings/%1/autofix").arg(findingId);
    QCOMPARE(tenant.call("POST", base + QStringLiteral("/fix"), QByteArrayLiteral("{}")).status, 200);

    QJsonObject cursor {{QStringLiteral("afterId"), tail}};
    QCOMPARE(typesOf(read(cursor)), QStringList());
    clock.now += 8000; // the fix is ready; the scans still run
    Reply step = read(cursor);
    QCOMPARE(typesOf(step), QStringList {QStringLiteral("auto_fix_agent_finished")});
    const QJsonObject fixEvent = step.json.value(QStringLiteral("events")).toArray().first().toObject();
    QCOMPARE(fixEvent.value(QStringLiteral("findingId")).toString(), findingId);
    QCOMPARE(fixEvent.value(QStringLiteral("service")).toString(), QStringLiteral("scpm"));
    QVERIFY(!fixEvent.value(QStringLiteral("autofixId")).toString().isEmpty());
    QCOMPARE(fixEvent.value(QStringLiteral("timestampUnix")).toInteger(), clock.now / 1000);
    // Read again from the same cursor: the same event, not a second one.
    QCOMPARE(typesOf(read(cursor)), QStringList {QStringLiteral("auto_fix_agent_finished")});
    cursor = QJsonObject {{QStringLiteral("afterId"), step.json.value(QStringLiteral("nextCursorId"))},
                          {QStringLiteral("afterTimeUnix"), step.json.value(QStringLiteral("nextCursorTime"))}};
    QCOMPARE(typesOf(read(cursor)), QStringList());

    QCOMPARE(tenant.call("POST", base + QStringLiteral("/cache/create_pr"), QByteArrayLiteral("{}")).status, 200);
    clock.now += 5000; // the pull request (2 s after asking) and both scans (12 s) are done
    step = read(cursor);
    const QStringList types = typesOf(step);
    QCOMPARE(types.count(QStringLiteral("auto-fix-pull-request-created")), 1);
    QCOMPARE(types.count(QStringLiteral("cloud-integration-scan-completed")), 1);
    QCOMPARE(types.count(QStringLiteral("dast-pentest-scan-completed")), 1);
    QVERIFY(types.count(QStringLiteral("dast-pentest-new-finding")) >= 1); // the pentest's criticals
    // In the order they happened: the pull request (at 10 s) before the scans (at 12 s).
    QCOMPARE(types.first(), QStringLiteral("auto-fix-pull-request-created"));
    for (const QJsonValue& e : step.json.value(QStringLiteral("events")).toArray()) {
        const QJsonObject event = e.toObject();
        const QString type = event.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("cloud-integration-scan-completed"))
            QCOMPARE(event.value(QStringLiteral("runId")).toString(), cloudId);
        if (type == QLatin1String("dast-pentest-scan-completed"))
            QCOMPARE(event.value(QStringLiteral("runId")).toString(), pentestId);
        if (type == QLatin1String("dast-pentest-new-finding"))
            QCOMPARE(event.value(QStringLiteral("data")).toObject().value(QStringLiteral("severity")).toString(),
                     QStringLiteral("CRITICAL"));
        if (type == QLatin1String("auto-fix-pull-request-created"))
            QVERIFY(event.value(QStringLiteral("data"))
                        .toObject()
                        .value(QStringLiteral("pullRequestUrl"))
                        .toString()
                        .startsWith(QLatin1String("https://github.com/")));
    }
    const int total = tenant.api.eventCount();
    clock.now += 60'000;
    QCOMPARE(tenant.api.eventCount(), total); // nothing happens twice

    // A finding a scanner reports as new (the control endpoint's way in).
    QString error;
    const QJsonObject reported = tenant.api.reportNewFinding(QString(), &error);
    QVERIFY2(!reported.isEmpty(), qPrintable(error));
    QCOMPARE(reported.value(QStringLiteral("data")).toObject().value(QStringLiteral("severity")).toString(),
             QStringLiteral("CRITICAL"));
    QCOMPARE(tenant.api.eventCount(), total + 1);
    QVERIFY(tenant.api.reportNewFinding(QStringLiteral("no-such-finding"), &error).isEmpty());
}

void TestTenantApi::eventFeedPagesFiltersAndBadInput()
{
    ManualClock clock;
    Tenant tenant({}, &clock);
    auto read = [&](const QJsonObject& body) { return tenant.post(QStringLiteral("/admin/events"), body); };
    QString error;
    for (int i = 0; i < 5; ++i)
        QVERIFY2(!tenant.api.reportNewFinding(QString(), &error).isEmpty(), qPrintable(error));

    // Pages of two, by cursor, until hasMore is false: every event once.
    const int all = tenant.api.eventCount();
    QSet<QString> seen;
    QJsonObject body {{QStringLiteral("limit"), 2}};
    for (int page = 0; page < 100; ++page) {
        const Reply reply = read(body);
        QCOMPARE(reply.status, 200);
        const QJsonArray events = reply.json.value(QStringLiteral("events")).toArray();
        QVERIFY(events.size() <= 2);
        for (const QJsonValue& e : events) {
            const QString id = e.toObject().value(QStringLiteral("id")).toString();
            QVERIFY2(!seen.contains(id), qPrintable(id));
            seen.insert(id);
        }
        if (!reply.json.value(QStringLiteral("hasMore")).toBool())
            break;
        body.insert(QStringLiteral("afterId"), reply.json.value(QStringLiteral("nextCursorId")));
    }
    QCOMPARE(seen.size(), all);

    // Filters: event types and findings.
    const Reply criticals
        = read(QJsonObject {{QStringLiteral("eventTypes"), QJsonArray {QStringLiteral("dast-pentest-scan-completed")}},
                            {QStringLiteral("limit"), 200}});
    for (const QJsonValue& e : criticals.json.value(QStringLiteral("events")).toArray())
        QCOMPARE(e.toObject().value(QStringLiteral("type")).toString(), QStringLiteral("dast-pentest-scan-completed"));

    // Bad input: a 400 naming the field.
    for (const QJsonObject& bad : {QJsonObject {{QStringLiteral("limit"), 0}},
                                   QJsonObject {{QStringLiteral("limit"), QStringLiteral("5")}},
                                   QJsonObject {{QStringLiteral("afterTimeUnix"), 1.5}},
                                   QJsonObject {{QStringLiteral("afterId"), 7}},
                                   QJsonObject {{QStringLiteral("eventTypes"), QJsonArray {1}}}}) {
        const Reply reply = read(bad);
        QCOMPARE(reply.status, 400);
        QVERIFY(!reply.error().isEmpty());
    }
    QCOMPARE(tenant.call("POST", QStringLiteral("/admin/events"), QByteArrayLiteral("not json")).status, 400);
    QCOMPARE(tenant.call("POST", QStringLiteral("/admin/events")).status, 200); // the body is optional
}

void TestTenantApi::metricsUserAndInstallations()
{
    Tenant tenant;
    const Reply metrics = tenant.post(QStringLiteral("/admin/metrics/overview"),
                                      QJsonObject {{QStringLiteral("query"), QJsonObject {}}});
    QCOMPARE(metrics.status, 200);
    for (const char* key : {"funnelData",
                            "type",
                            "investigateData",
                            "findingsResolved",
                            "autofixMerged",
                            "hoursSaved",
                            "overviewRepos",
                            "overviewLanguage",
                            "overviewCWE",
                            "overviewType",
                            "repos",
                            "branch",
                            "cwe",
                            "host"}) {
        QVERIFY2(metrics.json.contains(QLatin1String(key)), key);
    }
    int detected = 0;
    const QJsonObject funnel = metrics.json.value(QStringLiteral("funnelData")).toArray().first().toObject();
    for (const char* severity : {"CRITICAL", "HIGH", "MEDIUM", "LOW"}) {
        detected += funnel.value(QLatin1String(severity)).toInt();
    }
    QCOMPARE(detected, 400);
    QCOMPARE(tenant.post(QStringLiteral("/admin/metrics/overview"), QJsonObject {}).status, 400);
    const Reply filtered
        = tenant.post(QStringLiteral("/admin/metrics/overview"),
                      QJsonObject {{QStringLiteral("query"),
                                    QJsonObject {{QStringLiteral("type"), QJsonArray {QStringLiteral("Code")}}}}});
    QVERIFY(filtered.json.value(QStringLiteral("overviewType"))
                .toObject()
                .value(QStringLiteral("secret"))
                .toObject()
                .value(QStringLiteral("thisMonth"))
                .toInt()
            == 0);

    const Reply me = tenant.call("GET", QStringLiteral("/admin/user/current"), {}, QStringLiteral("user:alice"));
    QCOMPARE(me.status, 200);
    QCOMPARE(me.json.value(QStringLiteral("username")).toString(), QStringLiteral("alice"));
    for (const char* key : {"id", "createdAt", "createdBy", "updatedAt", "lastUpdatedBy"}) {
        QVERIFY2(me.json.value(QStringLiteral("userMapping")).toObject().value(QLatin1String(key)).isString(), key);
    }
    QCOMPARE(tenant.call("GET", QStringLiteral("/admin/user/current"), {}, QStringLiteral("service:ci"))
                 .json.value(QStringLiteral("username"))
                 .toString(),
             QStringLiteral("ci"));
    QCOMPARE(tenant.call("GET", QStringLiteral("/admin/user/current"), {}, QString()).status, 401);

    const Reply installations = tenant.get(QStringLiteral("/admin/installations"));
    QCOMPARE(installations.status, 200);
    const QJsonObject first = installations.json.value(QStringLiteral("installations")).toArray().first().toObject();
    QCOMPARE(first.value(QStringLiteral("provider")).toObject().value(QStringLiteral("id")).toString(),
             QStringLiteral("GitHub"));
    QCOMPARE(
        first.value(QStringLiteral("queryParameters")).toObject().value(QStringLiteral("githubOwnerId")).toString(),
        tenant.api.githubOwnerId());
    QVERIFY(first.value(QStringLiteral("name")).isString() && first.value(QStringLiteral("avatarUrl")).isString());
}

void TestTenantApi::badInputNeverCrashes()
{
    Tenant tenant;
    const QList<QByteArray> bodies {QByteArray(),
                                    "null",
                                    "[]",
                                    "\"x\"",
                                    "42",
                                    "{",
                                    "{\"query\": null}",
                                    "{\"query\": {\"page\": {}}}",
                                    "{\"applicationId\": []}",
                                    "{\"force\": {}}",
                                    "{\"message\": 1}",
                                    QByteArray(2000, '['),
                                    "{\"query\": {\"type\": [null]}}",
                                    "{\"query\": {\"pageSize\": 1e300}}",
                                    "\xff\xfe"};
    const QStringList posts {
        QStringLiteral("/admin/findings"),
        QStringLiteral("/admin/metrics/overview"),
        QStringLiteral("/dast/pentest/start"),
        QStringLiteral("/sast/findings/%1/autofix/fix").arg(tenant.firstFindingOf(QStringLiteral("Code"))),
        QStringLiteral("/scpm/findings/%1/autofix/cache/create_pr")
            .arg(tenant.firstFindingOf(QStringLiteral("Platform"))),
        QStringLiteral("/context/cloud-scan/start")};
    for (const QString& path : posts) {
        for (const QByteArray& body : bodies) {
            const Reply reply = tenant.call("POST", path, body);
            QVERIFY2(reply.status == 200 || (reply.status >= 400 && reply.status < 500),
                     qPrintable(QStringLiteral("%1 %2").arg(path).arg(reply.status)));
            if (reply.status != 200) {
                QVERIFY2(!reply.error().isEmpty(), qPrintable(path));
            }
        }
    }
    for (const QString& query : {QStringLiteral("limit=%FF"),
                                 QStringLiteral("limit=99999999999999"),
                                 QStringLiteral("offset=1e3"),
                                 QStringLiteral("nextToken=%00")}) {
        QCOMPARE(tenant.get(QStringLiteral("/context/repositories?") + query).status == 200
                     || tenant.get(QStringLiteral("/context/repositories?") + query).status == 400,
                 true);
    }
}

void TestTenantApi::scaleHundredThousandFindings()
{
    TenantOptions options;
    options.findingCount = 100000;
    QElapsedTimer timer;
    timer.start();
    Tenant tenant(options);
    const qint64 generated = timer.elapsed();
    QCOMPARE(tenant.api.findingCount(), 100000);

    timer.restart();
    const Reply all = tenant.queryFindings(QJsonObject {{QStringLiteral("pageSize"), 100}});
    const qint64 firstPage = timer.elapsed();
    QCOMPARE(all.json.value(QStringLiteral("total")).toInt(), 100000);

    timer.restart();
    const QJsonObject query {
        {QStringLiteral("type"), QJsonArray {QStringLiteral("Code"), QStringLiteral("Dependencies")}},
        {QStringLiteral("severity"), QJsonArray {QStringLiteral("CRITICAL")}},
        {QStringLiteral("isResolved"), false},
        {QStringLiteral("page"), 40},
        {QStringLiteral("pageSize"), 50}};
    const Reply filtered = tenant.queryFindings(query);
    const qint64 filteredPage = timer.elapsed();
    QCOMPARE(filtered.status, 200);
    QCOMPARE(filtered.json.value(QStringLiteral("findings")).toArray().size(), 50);

    timer.restart();
    const QString last
        = tenant.findings(QJsonObject {{QStringLiteral("page"), 1000}, {QStringLiteral("pageSize"), 100}})
              .last()
              .toObject()
              .value(QStringLiteral("id"))
              .toString();
    QCOMPARE(tenant.get(QStringLiteral("/sast/findings/") + last).status == 200
                 || tenant.findings(QJsonObject {{QStringLiteral("findingId"), QJsonArray {last}}}).size() == 1,
             true);
    const qint64 lookup = timer.elapsed();

    qInfo(
        "100k findings: generated in %lld ms; first page %lld ms; filtered page 40 %lld ms; last page + lookup %lld ms",
        generated,
        firstPage,
        filteredPage,
        lookup);
    // Generous bounds: this is a smoke check for accidental quadratic work, not a benchmark.
    QVERIFY2(generated < 5000, "generating 100k findings should take well under a second or two");
    QVERIFY2(filteredPage < 2000, "a filtered page over 100k findings should be fast");
}

namespace {

// The funnel's "open" count of a severity (or of all four with an empty name) in the overview.
int openCount(Tenant& t, const QString& severity = {})
{
    const Reply metrics
        = t.post(QStringLiteral("/admin/metrics/overview"), QJsonObject {{QStringLiteral("query"), QJsonObject {}}});
    for (const QJsonValue& stage : metrics.json.value(QStringLiteral("funnelData")).toArray()) {
        const QJsonObject o = stage.toObject();
        if (o.value(QStringLiteral("funnelKey")).toString() != QLatin1String("open"))
            continue;
        if (!severity.isEmpty())
            return o.value(severity).toInt();
        int total = 0;
        for (const char* s : {"CRITICAL", "HIGH", "MEDIUM", "LOW"})
            total += o.value(QLatin1String(s)).toInt();
        return total;
    }
    return -1;
}

// The findings list's total for this query.
int listTotal(Tenant& t, const QJsonObject& query)
{
    return t.queryFindings(query).json.value(QStringLiteral("total")).toInt(-1);
}

QJsonObject listed(Tenant& t, const QString& id)
{
    const QJsonArray items = t.findings(QJsonObject {{QStringLiteral("findingId"), QJsonArray {id}}});
    return items.isEmpty() ? QJsonObject {} : items.first().toObject();
}

// The first open findings of a type, as the list gives them.
QStringList openIds(Tenant& t, const QString& type, int count)
{
    QStringList ids;
    const QJsonArray items = t.findings(QJsonObject {{QStringLiteral("type"), QJsonArray {type}},
                                                     {QStringLiteral("isResolved"), false},
                                                     {QStringLiteral("pageSize"), count}});
    for (const QJsonValue& item : items)
        ids << item.toObject().value(QStringLiteral("id")).toString();
    return ids;
}

} // namespace

void TestTenantApi::allowlistLeavesOpenCountsAndUnallowlistRestores()
{
    Tenant t;
    const QJsonObject openQuery {{QStringLiteral("isResolved"), false}, {QStringLiteral("pageSize"), 1}};
    const int open = listTotal(t, openQuery);
    QCOMPARE(openCount(t), open); // Overview and list count open alike
    const QJsonObject allowlistedQuery {{QStringLiteral("isAllowlisted"), true}, {QStringLiteral("pageSize"), 1}};
    const int allowlisted = listTotal(t, allowlistedQuery);
    QVERIFY2(allowlisted > 0, "the seed has allowlisted findings");

    const QString id = openIds(t, QStringLiteral("Code"), 1).value(0);
    QVERIFY(!id.isEmpty());
    const QString severity = listed(t, id).value(QStringLiteral("severity")).toString();
    const int openOfSeverity = openCount(t, severity);
    const Reply allow = t.post(QStringLiteral("/sast/findings/%1/allowlist").arg(id),
                               QJsonObject {{QStringLiteral("allowlistType"), QStringLiteral("UserAssumeRisk")},
                                            {QStringLiteral("allowlistReason"), QStringLiteral("Behind the VPN")}});
    QCOMPARE(allow.status, 200); // sast answers with the allowlist's pull request
    QVERIFY(!allow.json.value(QStringLiteral("link")).toString().isEmpty());
    QCOMPARE(listTotal(t, openQuery), open - 1);
    QCOMPARE(openCount(t), open - 1);
    QCOMPARE(openCount(t, severity), openOfSeverity - 1);
    QCOMPARE(listTotal(t, allowlistedQuery), allowlisted + 1);
    const QJsonObject row = listed(t, id);
    QCOMPARE(row.value(QStringLiteral("isAllowlisted")).toBool(), true);
    QCOMPARE(row.value(QStringLiteral("isResolved")).toBool(), true);
    QCOMPARE(row.value(QStringLiteral("allowlistType")).toString(), QStringLiteral("UserAssumeRisk"));
    QCOMPARE(row.value(QStringLiteral("allowlistReason")).toString(), QStringLiteral("Behind the VPN"));
    const QJsonObject record = t.get(QStringLiteral("/sast/findings/%1/triage").arg(id)).json;
    const QJsonObject inner
        = record.value(QStringLiteral("finding")).toObject().value(QStringLiteral("finding")).toObject();
    QCOMPARE(inner.value(QStringLiteral("isAllowlisted")).toBool(), true);
    QCOMPARE(inner.value(QStringLiteral("allowlistType")).toString(), QStringLiteral("UserAssumeRisk"));
    QCOMPARE(inner.value(QStringLiteral("allowlistReason")).toString(), QStringLiteral("Behind the VPN"));

    // Unallowlist: back in the open counts, the allowlist gone from the record.
    const Reply unallow
        = t.post(QStringLiteral("/sast/findings/%1/unallowlist").arg(id),
                 QJsonObject {{QStringLiteral("unallowlistReason"), QStringLiteral("Moved to the internet")}});
    QCOMPARE(unallow.status, 204);
    QVERIFY(unallow.body.isEmpty());
    QCOMPARE(listTotal(t, openQuery), open);
    QCOMPARE(openCount(t), open);
    QCOMPARE(listTotal(t, allowlistedQuery), allowlisted);
    QCOMPARE(listed(t, id).value(QStringLiteral("isAllowlisted")).toBool(), false);
    QVERIFY(!listed(t, id).contains(QStringLiteral("allowlistType")));
    // A second unallowlist has nothing to undo.
    QCOMPARE(t.post(QStringLiteral("/sast/findings/%1/unallowlist").arg(id),
                    QJsonObject {{QStringLiteral("unallowlistReason"), QStringLiteral("again")}})
                 .status,
             400);

    // A seeded allowlisted finding comes off the list the same way, with its seeded reason before.
    const QJsonArray seeded
        = t.findings(QJsonObject {{QStringLiteral("isAllowlisted"), true},
                                  {QStringLiteral("type"), QJsonArray {QStringLiteral("Dependencies")}},
                                  {QStringLiteral("pageSize"), 1}});
    QCOMPARE(seeded.size(), 1);
    const QString seededId = seeded.first().toObject().value(QStringLiteral("id")).toString();
    QVERIFY(!seeded.first().toObject().value(QStringLiteral("allowlistReason")).toString().isEmpty());
    QCOMPARE(t.post(QStringLiteral("/sca/dependencies/findings/%1/unallowlist").arg(seededId),
                    QJsonObject {{QStringLiteral("unallowlistReason"), QStringLiteral("Reachable after all")}})
                 .status,
             204);
    QCOMPARE(listTotal(t, openQuery), open + 1);
    QCOMPARE(openCount(t), open + 1);
}

void TestTenantApi::batchAllowlistIsAllOrNothing()
{
    Tenant t;
    const QStringList ids = openIds(t, QStringLiteral("SecretsCredentials"), 3);
    QCOMPARE(ids.size(), 3);
    const QJsonObject openQuery {{QStringLiteral("isResolved"), false}, {QStringLiteral("pageSize"), 1}};
    const int open = listTotal(t, openQuery);

    // One id that is not a secret: nothing changes.
    const QString code = openIds(t, QStringLiteral("Code"), 1).value(0);
    const Reply refused = t.post(QStringLiteral("/secrets/findings/allowlist/batch"),
                                 QJsonObject {{QStringLiteral("findingIds"), QJsonArray {ids.at(0), code}},
                                              {QStringLiteral("allowlistType"), QStringLiteral("UserFalsePositive")},
                                              {QStringLiteral("allowlistReason"), QStringLiteral("Example keys")}});
    QCOMPARE(refused.status, 404);
    QCOMPARE(listTotal(t, openQuery), open);
    QCOMPARE(listed(t, ids.at(0)).value(QStringLiteral("isAllowlisted")).toBool(), false);

    const Reply batch = t.post(QStringLiteral("/secrets/findings/allowlist/batch"),
                               QJsonObject {{QStringLiteral("findingIds"), QJsonArray::fromStringList(ids)},
                                            {QStringLiteral("allowlistType"), QStringLiteral("UserFalsePositive")},
                                            {QStringLiteral("allowlistReason"), QStringLiteral("Example keys")}});
    QCOMPARE(batch.status, 204);
    QCOMPARE(listTotal(t, openQuery), open - 3);
    for (const QString& id : ids) {
        const QJsonObject row = listed(t, id);
        QCOMPARE(row.value(QStringLiteral("isAllowlisted")).toBool(), true);
        QCOMPARE(row.value(QStringLiteral("allowlistType")).toString(), QStringLiteral("UserFalsePositive"));
    }
    // Secrets' unallowlist needs the type too (EndpointsPostUnallowListSecretsFindingInput).
    QCOMPARE(t.post(QStringLiteral("/secrets/findings/%1/unallowlist").arg(ids.at(0)),
                    QJsonObject {{QStringLiteral("unallowlistReason"), QStringLiteral("Real key")}})
                 .status,
             400);
    QCOMPARE(t.post(QStringLiteral("/secrets/findings/%1/unallowlist").arg(ids.at(0)),
                    QJsonObject {{QStringLiteral("unallowlistReason"), QStringLiteral("Real key")},
                                 {QStringLiteral("unallowlistType"), QStringLiteral("UserFalsePositive")}})
                 .status,
             204);
    QCOMPARE(listTotal(t, openQuery), open - 2);
    // No batch endpoint for SCA in the spec, so none here.
    QCOMPARE(t.call("POST", QStringLiteral("/sca/dependencies/findings/allowlist/batch"), "{}").status, 404);
}

void TestTenantApi::overridesShowInTheListAndCounts()
{
    Tenant t;
    QString id;
    QString seeded;
    for (const QJsonValue& item : t.findings(QJsonObject {{QStringLiteral("type"), QJsonArray {QStringLiteral("Code")}},
                                                          {QStringLiteral("isResolved"), false},
                                                          {QStringLiteral("pageSize"), 50}})) {
        if (item.toObject().value(QStringLiteral("severity")).toString() == QLatin1String("LOW")) {
            id = item.toObject().value(QStringLiteral("id")).toString();
            seeded = QStringLiteral("LOW");
            break;
        }
    }
    QVERIFY2(!id.isEmpty(), "no open LOW code finding on the first page");
    const int critical = openCount(t, QStringLiteral("CRITICAL"));
    const int criticalListed
        = listTotal(t,
                    QJsonObject {{QStringLiteral("severity"), QJsonArray {QStringLiteral("CRITICAL")}},
                                 {QStringLiteral("isResolved"), false},
                                 {QStringLiteral("pageSize"), 1}});
    const Reply patched
        = t.call("PATCH",
                 QStringLiteral("/sast/findings/") + id,
                 QJsonDocument(QJsonObject {{QStringLiteral("severityOverride"), QStringLiteral("CRITICAL")},
                                            {QStringLiteral("priorityOverride"), QStringLiteral("URGENT")}})
                     .toJson());
    QCOMPARE(patched.status, 200);
    QJsonObject row = listed(t, id);
    QCOMPARE(row.value(QStringLiteral("severity")).toString(), QStringLiteral("CRITICAL"));
    QCOMPARE(row.value(QStringLiteral("priorityLabel")).toString(), QStringLiteral("URGENT"));
    QCOMPARE(openCount(t, QStringLiteral("CRITICAL")), critical + 1);
    QCOMPARE(listTotal(t,
                       QJsonObject {{QStringLiteral("severity"), QJsonArray {QStringLiteral("CRITICAL")}},
                                    {QStringLiteral("isResolved"), false},
                                    {QStringLiteral("pageSize"), 1}}),
             criticalListed + 1);
    const QJsonObject detail
        = t.get(QStringLiteral("/sast/findings/") + id).json.value(QStringLiteral("finding")).toObject();
    QCOMPARE(detail.value(QStringLiteral("severity")).toString(), QStringLiteral("CRITICAL"));
    QCOMPARE(detail.value(QStringLiteral("priorityLabel")).toString(), QStringLiteral("URGENT"));

    // null clears the override: the seeded severity is back everywhere.
    QCOMPARE(t.call("PATCH",
                    QStringLiteral("/sast/findings/") + id,
                    QJsonDocument(QJsonObject {{QStringLiteral("severityOverride"), QJsonValue::Null},
                                               {QStringLiteral("priorityOverride"), QJsonValue::Null}})
                        .toJson())
                 .status,
             200);
    row = listed(t, id);
    QCOMPARE(row.value(QStringLiteral("severity")).toString(), seeded);
    QCOMPARE(openCount(t, QStringLiteral("CRITICAL")), critical);
    // Sensitive data takes a priority only.
    const QString sensitive = openIds(t, QStringLiteral("SecretsSensitiveData"), 1).value(0);
    QVERIFY(!sensitive.isEmpty());
    QCOMPARE(t.call("PATCH",
                    QStringLiteral("/secrets/sensitivedata/findings/") + sensitive,
                    QJsonDocument(QJsonObject {{QStringLiteral("severityOverride"), QStringLiteral("HIGH")}}).toJson())
                 .status,
             400);
    QCOMPARE(
        t.call("PATCH",
               QStringLiteral("/secrets/sensitivedata/findings/") + sensitive,
               QJsonDocument(QJsonObject {{QStringLiteral("priorityOverride"), QStringLiteral("URGENT")}}).toJson())
            .status,
        200);
    QCOMPARE(listed(t, sensitive).value(QStringLiteral("priorityLabel")).toString(), QStringLiteral("URGENT"));
}

void TestTenantApi::triageRecordPerService()
{
    Tenant t;
    struct Case
    {
        const char* type;
        const char* service;
        bool nestedFinding;
        bool presignedUrl;
    };
    const Case cases[] = {
        {"Code", "sast", true, true},
        {"Dependencies", "sca/dependencies", true, true},
        {"Containers", "sca/containers", true, true},
        {"SecretsCredentials", "secrets", true, false},
        {"SecretsCredentials", "secrets/credentials", true, false},
        {"SecretsSensitiveData", "secrets/sensitivedata", false, false},
        {"Platform", "scpm", true, true},
    };
    for (const Case& c : cases) {
        const QString id = openIds(t, QLatin1String(c.type), 1).value(0);
        QVERIFY2(!id.isEmpty(), c.type);
        const Reply reply = t.get(QStringLiteral("/%1/findings/%2/triage").arg(QLatin1String(c.service), id));
        QCOMPARE(reply.status, 200);
        const QJsonObject record = reply.json.value(QStringLiteral("finding")).toObject();
        QVERIFY2(record.value(QStringLiteral("triage")).isObject(), c.service);
        QCOMPARE(record.value(QStringLiteral("finding")).isObject(), c.nestedFinding);
        QCOMPARE(reply.json.contains(QStringLiteral("presignedUrl")), c.presignedUrl);
        if (c.nestedFinding)
            QCOMPARE(record.value(QStringLiteral("finding")).toObject().value(QStringLiteral("id")).toString(), id);
        // Another service's id is not this service's finding.
        const QString other = QLatin1String(c.type) == QLatin1String("Code")
            ? openIds(t, QStringLiteral("Platform"), 1).value(0)
            : openIds(t, QStringLiteral("Code"), 1).value(0);
        const int expected = QLatin1String(c.service) == QLatin1String("scpm") ? 400 : 404; // scpm declares no 404
        QCOMPARE(t.get(QStringLiteral("/%1/findings/%2/triage").arg(QLatin1String(c.service), other)).status, expected);
    }
    // Pentest: the finding itself (EndpointsGetPentestFindingFullOutput).
    const QString pentest = openIds(t, QStringLiteral("Pentest"), 1).value(0);
    const Reply reply = t.get(QStringLiteral("/dast/pentest/findings/%1/triage").arg(pentest));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json.value(QStringLiteral("finding")).toObject().value(QStringLiteral("id")).toString(), pentest);
}

void TestTenantApi::triageRejectsBadInput()
{
    Tenant t;
    const QString id = openIds(t, QStringLiteral("Code"), 1).value(0);
    const QString path = QStringLiteral("/sast/findings/%1/allowlist").arg(id);
    const QJsonObject openQuery {{QStringLiteral("isResolved"), false}, {QStringLiteral("pageSize"), 1}};
    const int open = listTotal(t, openQuery);
    const QList<QJsonObject> bad {
        {},
        {{QStringLiteral("allowlistType"), QStringLiteral("UserOther")}},
        {{QStringLiteral("allowlistType"), QStringLiteral("UserOther")},
         {QStringLiteral("allowlistReason"), QStringLiteral("  ")}},
        {{QStringLiteral("allowlistType"), QStringLiteral("Whatever")},
         {QStringLiteral("allowlistReason"), QStringLiteral("x")}},
        {{QStringLiteral("allowlistType"), 3}, {QStringLiteral("allowlistReason"), QStringLiteral("x")}},
        {{QStringLiteral("allowlistType"), QStringLiteral("UserOther")}, {QStringLiteral("allowlistReason"), true}},
    };
    for (const QJsonObject& body : bad) {
        const Reply reply = t.post(path, body);
        QVERIFY2(reply.status == 400, QJsonDocument(body).toJson().constData());
        QVERIFY(!reply.error().isEmpty());
    }
    QCOMPARE(t.call("POST", path, "not json").status, 400);
    QCOMPARE(t.post(QStringLiteral("/sast/findings/no-such-id/allowlist"),
                    QJsonObject {{QStringLiteral("allowlistType"), QStringLiteral("UserOther")},
                                 {QStringLiteral("allowlistReason"), QStringLiteral("x")}})
                 .status,
             404);
    QCOMPARE(t.post(QStringLiteral("/sast/findings/allowlist"),
                    QJsonObject {{QStringLiteral("findingIds"), QJsonArray {}},
                                 {QStringLiteral("allowlistType"), QStringLiteral("UserOther")},
                                 {QStringLiteral("allowlistReason"), QStringLiteral("x")}})
                 .status,
             400);
    QCOMPARE(listTotal(t, openQuery), open); // nothing was allowlisted by any of them
}

QTEST_GUILESS_MAIN(TestTenantApi)
#include "tst_tenantapi.moc"
