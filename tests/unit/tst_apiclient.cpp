// The typed API (network/api) against the scripted loopback server: what each call sends (method,
// path, query with the tenant scope, headers, body), how answers and failures are typed, that
// billable POSTs are never replayed, the three paging styles behind one pager, and the pollers.
// Every test checks what the server recorded as well as what the caller got.

#include "apiclient.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "pager.h"
#include "poller.h"
#include "replyhelpers.h"
#include "retryingreply.h"
#include "scriptedhttpserver.h"
#include "testtokenprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QPointer>
#include <QSignalSpy>
#include <QtTest>

#include <functional>
#include <memory>
#include <optional>

using namespace std::chrono_literals;
using namespace nullify::api;
using nullify::NetworkAccessManager;
using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::TestTokenProvider;

namespace {

// What a callback delivered, and how often.
template <typename T> struct Outcome
{
    int calls = 0;
    std::optional<Result<T>> result;

    bool ok() const { return result && result->isOk(); }
    const ApiError& error() const { return result->error(); }
    const T& value() const { return result->value(); }
};

template <typename T> Callback<T> into(const std::shared_ptr<Outcome<T>>& outcome)
{
    return [outcome](const Result<T>& result) {
        ++outcome->calls;
        outcome->result = result;
    };
}

QByteArray json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QueryParameters queryOf(const RecordedRequest& request)
{
    QueryParameters items;
    for (const auto& [name, value] : request.query.queryItems(QUrl::FullyDecoded))
        items.append({name, value});
    return items;
}

const QueryParameters kScope {{QStringLiteral("githubOwnerId"), QStringLiteral("123")},
                              {QStringLiteral("installationId"), QStringLiteral("inst 1+2")}};

QByteArray metricsJson()
{
    const QJsonObject data {{QStringLiteral("thisMonth"), 3}, {QStringLiteral("lastMonth"), 2}};
    const QJsonObject withValue {{QStringLiteral("value"), QStringLiteral("v")},
                                 {QStringLiteral("thisMonth"), 1},
                                 {QStringLiteral("lastMonth"), 1},
                                 {QStringLiteral("urgent"), 1},
                                 {QStringLiteral("important"), 1},
                                 {QStringLiteral("negligible"), 1}};
    QJsonObject m;
    for (const char* key : {"findingsResolved",
                            "autofixMerged",
                            "hoursSaved",
                            "issuesFoundInPR",
                            "falsePositives",
                            "inSLAFindings",
                            "mergeReadyRate",
                            "meanTriageDurationMs",
                            "cleanPrsMerged",
                            "totalPrsMerged"})
        m.insert(QLatin1String(key), data);
    m.insert(QStringLiteral("funnelData"), QJsonArray());
    m.insert(QStringLiteral("type"), QJsonObject {{QStringLiteral("Code"), data}});
    m.insert(QStringLiteral("overviewType"),
             QJsonObject {{QStringLiteral("code"), withValue},
                          {QStringLiteral("secret"), withValue},
                          {QStringLiteral("dependency"), withValue},
                          {QStringLiteral("container"), withValue},
                          {QStringLiteral("api"), withValue}});
    m.insert(QStringLiteral("overviewRepos"), QJsonArray {withValue});
    return json(m);
}

QByteArray pentestScanJson(const QString& id, const QString& status, int progress)
{
    return json({{QStringLiteral("scan"),
                  QJsonObject {{QStringLiteral("id"), id},
                               {QStringLiteral("appId"), QStringLiteral("app-1")},
                               {QStringLiteral("progress"), progress},
                               {QStringLiteral("status"), status},
                               {QStringLiteral("startTime"), QStringLiteral("2025-03-01T10:00:00Z")},
                               {QStringLiteral("findingIds"), QJsonArray()},
                               {QStringLiteral("isExternal"), false},
                               {QStringLiteral("tenantId"), QStringLiteral("t")},
                               {QStringLiteral("executionArn"), QStringLiteral("arn")}}}});
}

QByteArray autofixStatusJson(const QString& state, bool terminal, const QString& activity = QString())
{
    QJsonObject status {{QStringLiteral("state"), state}, {QStringLiteral("terminal"), terminal}};
    if (!activity.isEmpty())
        status.insert(QStringLiteral("currentActivity"), activity);
    return json({{QStringLiteral("status"), status}});
}

QByteArray cloudStatusJson(const QString& overall)
{
    return json({{QStringLiteral("scanId"), QStringLiteral("cs-1")},
                 {QStringLiteral("overallStatus"), overall},
                 {QStringLiteral("providers"),
                  QJsonArray {QJsonObject {{QStringLiteral("provider"), QStringLiteral("AWS")},
                                           {QStringLiteral("status"), overall}}}}});
}

QByteArray findingPreviewJson(const QString& id)
{
    QJsonObject f;
    for (const char* key : {"type",
                            "title",
                            "aiTitle",
                            "priorityLabel",
                            "repository",
                            "repositoryId",
                            "branch",
                            "filePath",
                            "cwe",
                            "ruleId",
                            "language",
                            "autoFixState",
                            "package",
                            "secretType",
                            "host",
                            "createdAt",
                            "updatedAt"})
        f.insert(QLatin1String(key), QString());
    f.insert(QStringLiteral("id"), id);
    f.insert(QStringLiteral("type"), QStringLiteral("Code"));
    f.insert(QStringLiteral("severity"), QStringLiteral("LOW"));
    f.insert(QStringLiteral("priorityScore"), 1);
    f.insert(QStringLiteral("startLine"), 1);
    f.insert(QStringLiteral("endLine"), 1);
    f.insert(QStringLiteral("isFalsePositive"), false);
    return json(f);
}

// One row of requestShape: a call, what the server must see, and what the caller must get.
struct CallCase
{
    QByteArray method;
    QString path; // as the server decodes it
    QueryParameters query; // the call's own parameters, after the scope
    QByteArray body; // expected JSON; empty: no body at all
    QByteArray response;
    std::function<QNetworkReply*(NullifyApi&, QObject*, std::function<void(QString)>)> call;
    QString summary; // what the decoded result reads as
};

template <typename T>
Callback<T> summarise(std::function<void(QString)> report, std::function<QString(const T&)> describe)
{
    return [report, describe](const Result<T>& result) {
        if (result) {
            report(describe(result.value()));
            return;
        }
        const ApiError& error = result.error();
        report(QStringLiteral("error ") + kindName(error.kind)
               + (error.field.isEmpty() ? QString() : QStringLiteral(" [%1]").arg(error.field)));
    };
}

QList<QPair<QByteArray, CallCase>> callCases()
{
    const QString f = QStringLiteral("f-1");
    QList<QPair<QByteArray, CallCase>> cases;
    const auto add = [&cases](const char* name, CallCase c) { cases.append({QByteArray(name), std::move(c)}); };

    add("repositories, first page",
        {"GET",
         QStringLiteral("/context/repositories"),
         {{QStringLiteral("limit"), QStringLiteral("25")}},
         {},
         R"({"repositories": [{"id": "r-1", "name": "api"}], "numItems": 1, "nextToken": "t2"})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.repositories(25, QString(), ctx, summarise<Page<Repository>>(report, [](const auto& p) {
                                         return p.items.first().name + QStringLiteral(" next=") + p.nextToken;
                                     }));
         },
         QStringLiteral("api next=t2")});
    add("repositories, token with reserved characters",
        {"GET",
         QStringLiteral("/context/repositories"),
         {{QStringLiteral("limit"), QStringLiteral("25")},
          {QStringLiteral("nextToken"), QStringLiteral("a+b/c=d&e f")}},
         {},
         R"({"repositories": [], "numItems": 0, "nextToken": ""})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.repositories(
                 25, QStringLiteral("a+b/c=d&e f"), ctx, summarise<Page<Repository>>(report, [](const auto& p) {
                     return QStringLiteral("%1 items").arg(p.items.size());
                 }));
         },
         QStringLiteral("0 items")});
    for (const auto& [scanner, path, scanType] :
         {std::tuple {Scanner::Sast, "/sast/scan-runs", ""},
          std::tuple {Scanner::Secrets, "/secrets/scan-runs", ""},
          std::tuple {Scanner::ScaDependencies, "/sca/scan-runs", "sca_dependencies"},
          std::tuple {Scanner::ScaContainers, "/sca/scan-runs", "sca_containers"}}) {
        QueryParameters query {{QStringLiteral("repositoryId"), QStringLiteral("r-1")}};
        if (*scanType)
            query.append({QStringLiteral("scanType"), QLatin1String(scanType)});
        query.append({QStringLiteral("limit"), QStringLiteral("5")});
        query.append({QStringLiteral("offset"), QStringLiteral("10")});
        query.append({QStringLiteral("sort"), QStringLiteral("oldest")});
        const Scanner which = scanner;
        add(*scanType ? scanType : path,
            {"GET",
             QLatin1String(path),
             query,
             {},
             R"({"scanRuns": [{"scanRunId": "run-1", "status": "in progress"}], "totalCount": 11})",
             [which](NullifyApi& api, QObject* ctx, auto report) {
                 ScanRunQuery q;
                 q.scanner = which;
                 q.repositoryId = QStringLiteral("r-1");
                 q.limit = 5;
                 q.offset = 10;
                 q.sort = QStringLiteral("oldest");
                 return api.scanRuns(q, ctx, summarise<Page<ScanRun>>(report, [](const auto& p) {
                                         return wireName(p.items.first().status)
                                             + QStringLiteral(" of %1").arg(*p.total);
                                     }));
             },
             QStringLiteral("in progress of 11")});
    }
    add("findings query",
        {"POST",
         QStringLiteral("/admin/findings"),
         {},
         R"({"query": {"page": 2, "pageSize": 20, "type": ["Code", "SecretsCredentials"], "severity": ["CRITICAL", "HIGH"],
                       "repository": ["acme/api"], "isResolved": false, "search": "sql"}})",
         "{\"findings\": [" + findingPreviewJson(QStringLiteral("f-9"))
             + "], \"total\": 41, \"hasMoreData\": true, \"page\": 2}",
         [](NullifyApi& api, QObject* ctx, auto report) {
             FindingsQuery q;
             q.page = 2;
             q.pageSize = 20;
             q.types = {FindingType::Code, FindingType::SecretsCredentials};
             q.severities = {Severity::Critical, Severity::High};
             q.repositories = {QStringLiteral("acme/api")};
             q.isResolved = false;
             q.search = QStringLiteral("sql");
             return api.findings(q, ctx, summarise<Page<Finding>>(report, [](const auto& p) {
                                     return p.items.first().id + QStringLiteral(" of %1").arg(*p.total);
                                 }));
         },
         QStringLiteral("f-9 of 41")});
    for (const auto& [service, error] : {std::pair {FindingService::Sast, ""},
                                         std::pair {FindingService::ScaDependencies, "finding.id"},
                                         std::pair {FindingService::ScaContainers, "finding.id"},
                                         std::pair {FindingService::Secrets, "finding.id"},
                                         std::pair {FindingService::DastPentest, "finding.id"},
                                         std::pair {FindingService::Cspm, ""},
                                         std::pair {FindingService::Scpm, "finding.isLatest"}}) {
        const FindingService which = service;
        // A SAST/CSPM finding needs only isResolved; the other schemas require more, so their
        // (deliberately thin) answer must fail on a field of that service's own schema.
        QString expected = *error ? QStringLiteral("error unexpected response [%1]").arg(QLatin1String(error))
                                  : QStringLiteral("id-1 Title");
        if (which == FindingService::Scpm)
            expected = QStringLiteral("error unexpected response [finding.isAllowlisted]");
        add(qPrintable(QStringLiteral("finding ") + pathOf(which)),
            {"GET",
             QLatin1Char('/') + pathOf(which) + QStringLiteral("/findings/id-1"),
             {},
             {},
             R"({"finding": {"title": "Title", "isResolved": false}, "presignedUrl": ""})",
             [which](NullifyApi& api, QObject* ctx, auto report) {
                 return api.finding(
                     which, QStringLiteral("id-1"), ctx, summarise<FindingDetail>(report, [](const auto& d) {
                         return d.id + QLatin1Char(' ') + d.title;
                     }));
             },
             expected});
    }
    add("cloud scan start (no body)",
        {"POST",
         QStringLiteral("/context/cloud-scan/start"),
         {},
         {},
         R"({"scanId": "cs-1", "executionArn": "arn"})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.startCloudScan(ctx, summarise<CloudScanStart>(report, [](const auto& s) { return s.scanId; }));
         },
         QStringLiteral("cs-1")});
    add("cloud scan status, id with a space",
        {"GET",
         QStringLiteral("/context/cloud-scan/cs 1/status"),
         {},
         {},
         cloudStatusJson(QStringLiteral("in progress")),
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.cloudScanStatus(
                 QStringLiteral("cs 1"), ctx, summarise<CloudScanStatus>(report, [](const auto& s) {
                     return wireName(s.overallStatus) + QLatin1Char(' ') + s.providers.first().provider;
                 }));
         },
         QStringLiteral("in progress AWS")});
    add("applications",
        {"GET",
         QStringLiteral("/context/applications"),
         {},
         {},
         R"({"applications": [{"id": "app-1", "name": "Shop", "description": "", "createdAt": "", "updatedAt": ""}]})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.applications(
                 ctx, summarise<QList<Application>>(report, [](const auto& a) { return a.first().name; }));
         },
         QStringLiteral("Shop")});
    add("pentest start",
        {"POST",
         QStringLiteral("/dast/pentest/start"),
         {},
         R"({"applicationId": "app-1"})",
         pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("queued"), 0),
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.startPentest(QStringLiteral("app-1"), ctx, summarise<PentestScan>(report, [](const auto& s) {
                                         return s.id + QLatin1Char(' ') + s.statusText;
                                     }));
         },
         QStringLiteral("ps-1 queued")});
    add("pentest scan",
        {"GET",
         QStringLiteral("/dast/pentest/scans/ps-1"),
         {},
         {},
         pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("in progress"), 40),
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.pentestScan(QStringLiteral("ps-1"), ctx, summarise<PentestScan>(report, [](const auto& s) {
                                        return QStringLiteral("%1%").arg(s.progress);
                                    }));
         },
         QStringLiteral("40%")});
    add("pentest stop (no body)",
        {"POST",
         QStringLiteral("/dast/pentest/scans/ps-1/stop"),
         {},
         {},
         pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("stopping"), 40),
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.stopPentest(QStringLiteral("ps-1"), ctx, summarise<PentestScan>(report, [](const auto& s) {
                                        return wireName(s.status);
                                    }));
         },
         QStringLiteral("stopping")});
    add("pentest report",
        {"GET",
         QStringLiteral("/dast/pentest/scans/ps-1/report"),
         {},
         {},
         R"({"report": {"scanId": "ps-1", "limitations": "none", "metadata": {"description": "d"},
             "metrics": {"findingMetrics": {"total": 0, "new": 0, "fixed": 0, "unfixed": 0},
                         "endpointMetrics": {"total": 3, "fuzzed": 3, "tested": 3, "vulnerable": 0}}}})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.pentestReport(QStringLiteral("ps-1"), ctx, summarise<PentestReport>(report, [](const auto& r) {
                                          return r.scanId + QLatin1Char(' ') + r.limitations;
                                      }));
         },
         QStringLiteral("ps-1 none")});
    add("pentest scans",
        {"GET",
         QStringLiteral("/dast/pentest/scans"),
         {{QStringLiteral("limit"), QStringLiteral("10")}, {QStringLiteral("nextToken"), QStringLiteral("p2")}},
         {},
         R"({"scans": [], "nextToken": ""})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.pentestScans(
                 10, QStringLiteral("p2"), ctx, summarise<Page<PentestScan>>(report, [](const auto& p) {
                     return QStringLiteral("%1 scans").arg(p.items.size());
                 }));
         },
         QStringLiteral("0 scans")});
    add("autofix fix",
        {"POST",
         QStringLiteral("/sast/findings/f-1/autofix/fix"),
         {},
         "{}",
         R"({"autoFixState": "in_progress_requested"})",
         [f](NullifyApi& api, QObject* ctx, auto report) {
             return api.startAutofix(FindingService::Sast, f, ctx, summarise<AutofixStart>(report, [](const auto& s) {
                                         return wireName(s.state);
                                     }));
         },
         QStringLiteral("in_progress_requested")});
    add("autofix status",
        {"GET",
         QStringLiteral("/sca/dependencies/findings/f-1/autofix/status"),
         {},
         {},
         autofixStatusJson(QStringLiteral("cached"), true),
         [f](NullifyApi& api, QObject* ctx, auto report) {
             return api.autofixStatus(
                 FindingService::ScaDependencies, f, ctx, summarise<AutofixStatus>(report, [](const auto& s) {
                     return wireName(s.state) + (s.terminal ? QStringLiteral(" terminal") : QString());
                 }));
         },
         QStringLiteral("cached terminal")});
    add("autofix diff",
        {"GET",
         QStringLiteral("/dast/pentest/findings/f-1/autofix/cache/diff"),
         {},
         {},
         R"({"diffs": [], "explanation": "e", "pullRequestTitle": "fix: it", "pullRequestBody": "b", "commit": "c"})",
         [f](NullifyApi& api, QObject* ctx, auto report) {
             return api.autofixDiff(FindingService::DastPentest,
                                    f,
                                    ctx,
                                    summarise<AutofixDiff>(report, [](const auto& d) { return d.pullRequestTitle; }));
         },
         QStringLiteral("fix: it")});
    add("create pull request",
        {"POST",
         QStringLiteral("/scpm/findings/f-1/autofix/cache/create_pr"),
         {},
         "{}",
         R"({"autoFixState": "in_progress_creating_pr"})",
         [f](NullifyApi& api, QObject* ctx, auto report) {
             return api.createPullRequest(
                 f, ctx, summarise<AutofixStart>(report, [](const auto& s) { return s.stateText; }));
         },
         QStringLiteral("in_progress_creating_pr")});
    add("metrics overview",
        {"POST",
         QStringLiteral("/admin/metrics/overview"),
         {},
         R"({"query": {}})",
         metricsJson(),
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.metricsOverview(ctx, summarise<MetricsOverview>(report, [](const auto& m) {
                                            return QString::number(m.findingsResolved.thisMonth);
                                        }));
         },
         QStringLiteral("3")});
    add("current user",
        {"GET",
         QStringLiteral("/admin/user/current"),
         {},
         {},
         R"({"username": "zoë", "userMapping": {"id": "u-1", "createdAt": "2024-01-01T00:00:00Z"}})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.currentUser(ctx, summarise<CurrentUser>(report, [](const auto& u) { return u.username; }));
         },
         QStringLiteral("zoë")});
    add("installations",
        {"GET",
         QStringLiteral("/admin/installations"),
         {},
         {},
         R"({"installations": [{"provider": {"id": "GitHub"}, "name": "acme", "avatarUrl": "", "queryParameters": {"githubOwnerId": "123"}}]})",
         [](NullifyApi& api, QObject* ctx, auto report) {
             return api.installations(ctx, summarise<QList<Installation>>(report, [](const auto& i) {
                                          return i.first().name + QLatin1Char(' ')
                                              + i.first().queryParameters.first().second;
                                      }));
         },
         QStringLiteral("acme 123")});
    return cases;
}

} // namespace

class TestApiClient : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void requestShape_data();
    void requestShape();
    void baseUrlWithPath();
    void resolveBaseUrl_data();
    void resolveBaseUrl();

    void httpErrorWithServerMessage();
    void httpErrorWithRawBody();
    void malformedJsonIsDecodingError();
    void responseOverCapByContentLength();
    void responseOverCapChunked();
    void retryAfterTooLong();
    void abortIsCancelled();
    void destroyedContextIsNotCalled();
    void refusedBeforeSending();
    void signInRequired();
    void rejectedInA200();

    void billablePostsNotRetried_data();
    void billablePostsNotRetried();

    void pagerNextToken();
    void pagerOffset();
    void pagerOffsetWithoutTotal();
    void pagerPageNumber();
    void pagerFailureKeepsCursor();
    void pagerReset();

    void autofixPollerToTerminal();
    void autofixPollerStillRunning();
    void autofixPollerTransientFailure();
    void autofixPollerFinalFailure();
    void cloudScanPollerToCompleted();
    void pentestPollerToCompleted();
    void pollerStopsOnAbort();
    void pollerOwnerDestroyed();

private:
    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<NetworkAccessManager> m_nam;
    std::unique_ptr<TestTokenProvider> m_tokens;
    std::unique_ptr<ApiClient> m_client;
    std::unique_ptr<NullifyApi> m_api;
};

void TestApiClient::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_nam = std::make_unique<NetworkAccessManager>();
    m_nam->setRetryPolicy(nullify::test::fastRetryPolicy());
    m_tokens = std::make_unique<TestTokenProvider>(QByteArrayLiteral("old"));
    m_nam->setTokenProvider(m_tokens.get());
    m_nam->setApiOrigin(m_server->url(QStringLiteral("/")));
    m_client = std::make_unique<ApiClient>(m_nam.get());
    m_client->setBaseUrl(m_server->url(QString()));
    m_client->setScope(kScope);
    m_api = std::make_unique<NullifyApi>(m_client.get());
}

void TestApiClient::cleanup()
{
    m_api.reset();
    m_client.reset();
    m_nam.reset();
    m_tokens.reset();
    m_server.reset();
}

void TestApiClient::requestShape_data()
{
    QTest::addColumn<int>("index");
    const auto cases = callCases();
    for (int i = 0; i < cases.size(); ++i)
        QTest::newRow(cases.at(i).first.constData()) << i;
}

void TestApiClient::requestShape()
{
    QFETCH(int, index);
    const CallCase c = callCases().at(index).second;
    m_server->enqueue(c.method, c.path, ScriptedResponse::json(200, c.response));

    QString summary;
    int calls = 0;
    QObject context;
    QNetworkReply* reply = c.call(*m_api, &context, [&](const QString& text) {
        ++calls;
        summary = text;
    });
    QVERIFY(reply);
    QVERIFY(qobject_cast<nullify::RetryingReply*>(reply)); // the UI can attach to retry signals
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, 5000);
    QCOMPARE(summary, c.summary);

    QCOMPARE(m_server->requestCount(), 1);
    const RecordedRequest request = m_server->requests().first();
    QCOMPARE(request.method, c.method);
    QCOMPARE(request.path, c.path);
    QCOMPARE(queryOf(request), kScope + c.query); // the scope on every call, first
    QCOMPARE(request.header("Authorization"), QByteArrayLiteral("Bearer old"));
    QCOMPARE(request.header("Accept"), QByteArrayLiteral("application/json"));
    QVERIFY(request.header("User-Agent").startsWith("Nullify-Desktop/"));
    if (c.body.isEmpty()) {
        QVERIFY2(!request.hasHeader("Content-Type"), request.header("Content-Type").constData());
        QCOMPARE(request.bodySize, 0);
    } else {
        QCOMPARE(request.header("Content-Type"), QByteArrayLiteral("application/json"));
        QCOMPARE(QJsonDocument::fromJson(request.body), QJsonDocument::fromJson(c.body));
    }
    QTest::qWait(0); // negative: a second answer would be a queued call, run by this turn of the loop
    QCOMPARE(calls, 1);
}

void TestApiClient::baseUrlWithPath()
{
    m_client->setBaseUrl(m_server->url(QStringLiteral("/tenant-a/")));
    m_client->setScope({});
    m_server->enqueue("GET",
                      QStringLiteral("/tenant-a/admin/installations"),
                      ScriptedResponse::json(200, R"({"installations": []})"));
    auto outcome = std::make_shared<Outcome<QList<Installation>>>();
    m_api->installations(nullptr, into(outcome));
    QTRY_COMPARE(outcome->calls, 1);
    QVERIFY(outcome->ok());
    QCOMPARE(m_server->requests().first().target, QByteArrayLiteral("/tenant-a/admin/installations"));
}

void TestApiClient::resolveBaseUrl_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("url"); // empty: refused
    QTest::newRow("tenant") << QStringLiteral("acme") << QStringLiteral("https://api.acme.nullify.ai");
    QTest::newRow("tenant host") << QStringLiteral("acme.nullify.ai") << QStringLiteral("https://api.acme.nullify.ai");
    QTest::newRow("api host") << QStringLiteral(" API.Acme.nullify.ai ")
                              << QStringLiteral("https://api.acme.nullify.ai");
    QTest::newRow("https url") << QStringLiteral("https://api.acme.nullify.ai/")
                               << QStringLiteral("https://api.acme.nullify.ai");
    QTest::newRow("loopback sandbox") << QStringLiteral("http://127.0.0.1:8080")
                                      << QStringLiteral("http://127.0.0.1:8080");
    QTest::newRow("other domain") << QStringLiteral("acme.example.com") << QString();
    QTest::newRow("lookalike") << QStringLiteral("https://api.acme.nullify.ai.evil.com") << QString();
    QTest::newRow("plain http") << QStringLiteral("http://api.acme.nullify.ai") << QString();
    QTest::newRow("empty") << QString() << QString();
}

void TestApiClient::resolveBaseUrl()
{
    QFETCH(QString, input);
    QFETCH(QString, url);
    QString why;
    const auto resolved = ApiClient::resolveBaseUrl(input, &why);
    if (url.isEmpty()) {
        QVERIFY(!resolved);
        QVERIFY(!why.isEmpty());
    } else {
        QVERIFY2(resolved, qPrintable(why));
        QCOMPARE(resolved->toString(), url);
    }
}

void TestApiClient::httpErrorWithServerMessage()
{
    m_server->enqueue(
        "GET", QStringLiteral("/sast/findings/nope"), ScriptedResponse::json(404, R"({"error": "finding not found"})"));
    auto outcome = std::make_shared<Outcome<FindingDetail>>();
    m_api->finding(FindingService::Sast, QStringLiteral("nope"), nullptr, into(outcome));
    QTRY_COMPARE(outcome->calls, 1);
    QVERIFY(!outcome->ok());
    QCOMPARE(outcome->error().kind, ApiError::Kind::Http);
    QCOMPARE(outcome->error().httpStatus, 404);
    QCOMPARE(outcome->error().message, QStringLiteral("finding not found"));
    QVERIFY(outcome->error().isFinal());
    QCOMPARE(m_server->requestCount(), 1); // a 404 is not retried
}

void TestApiClient::httpErrorWithRawBody()
{
    const QByteArray body = QByteArrayLiteral("<html><body>upstream exploded</body></html>");
    m_server->enqueue("GET", QStringLiteral("/admin/user/current"), ScriptedResponse::status(500, body), 4);
    auto outcome = std::make_shared<Outcome<CurrentUser>>();
    m_api->currentUser(nullptr, into(outcome));
    QTRY_COMPARE_WITH_TIMEOUT(outcome->calls, 1, 10000);
    QCOMPARE(outcome->error().kind, ApiError::Kind::Http);
    QCOMPARE(outcome->error().httpStatus, 500);
    QCOMPARE(outcome->error().message, QString::fromLatin1(body));
    QCOMPARE(outcome->error().body, body);
    QVERIFY(!outcome->error().isFinal());
    QCOMPARE(m_server->requestCount(), 4); // a GET: retried by the core up to its four attempts
}

void TestApiClient::malformedJsonIsDecodingError()
{
    m_server->enqueue(
        "GET", QStringLiteral("/admin/user/current"), ScriptedResponse::json(200, R"({"username": "x", )"));
    auto outcome = std::make_shared<Outcome<CurrentUser>>();
    m_api->currentUser(nullptr, into(outcome));
    QTRY_COMPARE(outcome->calls, 1);
    QCOMPARE(outcome->error().kind, ApiError::Kind::Decoding);
    QVERIFY2(outcome->error().message.contains(QLatin1String("not valid JSON")), qPrintable(outcome->error().message));
    QCOMPARE(m_server->requestCount(), 1);
}

void TestApiClient::responseOverCapByContentLength()
{
    const QByteArray huge(20 * 1024 * 1024, 'x');
    m_server->setRecordBodies(false);
    m_server->enqueue("GET", QStringLiteral("/context/applications"), ScriptedResponse::json(200, huge));
    auto outcome = std::make_shared<Outcome<QList<Application>>>();
    QNetworkReply* reply = m_api->applications(nullptr, into(outcome));
    QSignalSpy progress(reply, &QNetworkReply::downloadProgress);
    QTRY_COMPARE_WITH_TIMEOUT(outcome->calls, 1, 10000);
    QCOMPARE(outcome->error().kind, ApiError::Kind::ResponseTooLarge);
    QVERIFY2(outcome->error().message.contains(QLatin1String("10 MiB")), qPrintable(outcome->error().message));
    QCOMPARE(m_server->requestCount(), 1);
    // The declared length was enough to stop: far less than the body was read.
    qint64 received = 0;
    for (const auto& args : progress)
        received = std::max(received, args.at(0).toLongLong());
    QVERIFY2(received < huge.size() / 2, qPrintable(QString::number(received)));
}

void TestApiClient::responseOverCapChunked()
{
    // No Content-Length: the cap is found while reading.
    m_nam->setMaxResponseBytes(64 * 1024);
    QByteArray chunked;
    const QByteArray chunk(16 * 1024, 'y');
    for (int i = 0; i < 16; ++i)
        chunked += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    chunked += "0\r\n\r\n";
    m_server->enqueue("GET",
                      QStringLiteral("/context/applications"),
                      ScriptedResponse::status(200, chunked).header("Transfer-Encoding", "chunked"));
    auto outcome = std::make_shared<Outcome<QList<Application>>>();
    m_api->applications(nullptr, into(outcome));
    QTRY_COMPARE_WITH_TIMEOUT(outcome->calls, 1, 10000);
    QCOMPARE(outcome->error().kind, ApiError::Kind::ResponseTooLarge);
    QCOMPARE(m_server->requestCount(), 1);

    // At the cap exactly is fine.
    m_nam->setMaxResponseBytes(QByteArrayLiteral(R"({"applications": []})").size());
    m_server->enqueue(
        "GET", QStringLiteral("/context/applications"), ScriptedResponse::json(200, R"({"applications": []})"));
    auto fits = std::make_shared<Outcome<QList<Application>>>();
    m_api->applications(nullptr, into(fits));
    QTRY_COMPARE(fits->calls, 1);
    QVERIFY(fits->ok());
}

void TestApiClient::retryAfterTooLong()
{
    m_server->enqueue("GET",
                      QStringLiteral("/context/cloud-scan/cs-1/status"),
                      ScriptedResponse::json(503, R"({"error": "busy"})").header("Retry-After", "120"));
    auto outcome = std::make_shared<Outcome<CloudScanStatus>>();
    const QDateTime before = QDateTime::currentDateTimeUtc();
    m_api->cloudScanStatus(QStringLiteral("cs-1"), nullptr, into(outcome));
    QTRY_COMPARE(outcome->calls, 1);
    QCOMPARE(outcome->error().kind, ApiError::Kind::RetryAfterTooLong);
    QCOMPARE(outcome->error().httpStatus, 503);
    const qint64 wait = before.secsTo(outcome->error().retryAfterUntil);
    QVERIFY2(wait >= 110 && wait <= 130, qPrintable(QString::number(wait)));
    QVERIFY(!outcome->error().isFinal());
    QCOMPARE(m_server->requestCount(), 1);
}

void TestApiClient::abortIsCancelled()
{
    m_server->enqueue("GET", QStringLiteral("/admin/installations"), ScriptedResponse::stall());
    auto outcome = std::make_shared<Outcome<QList<Installation>>>();
    QNetworkReply* reply = m_api->installations(nullptr, into(outcome));
    QTRY_COMPARE(m_server->requestCount(), 1);
    reply->abort();
    QCOMPARE(outcome->calls, 1);
    QCOMPARE(outcome->error().kind, ApiError::Kind::Cancelled);
    QVERIFY(outcome->error().isFinal());
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    QTest::qWait(0); // negative: a second answer would be a queued call, run by this turn of the loop
    QCOMPARE(outcome->calls, 1);
}

void TestApiClient::destroyedContextIsNotCalled()
{
    m_server->enqueue("GET", QStringLiteral("/admin/installations"), ScriptedResponse::stall());
    auto outcome = std::make_shared<Outcome<QList<Installation>>>();
    auto context = std::make_unique<QObject>();
    QPointer<QNetworkReply> reply = m_api->installations(context.get(), into(outcome));
    QTRY_COMPARE(m_server->requestCount(), 1);
    context.reset();
    QTRY_VERIFY(reply.isNull()); // aborted, then deleted
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    QCOMPARE(outcome->calls, 0);

    // And an answer that arrives after the context is gone is dropped too.
    m_server->enqueue("GET",
                      QStringLiteral("/admin/installations"),
                      ScriptedResponse::json(200, R"({"installations": []})").delay(50));
    auto later = std::make_shared<Outcome<QList<Installation>>>();
    auto shortLived = std::make_unique<QObject>();
    QPointer<QNetworkReply> second = m_api->installations(shortLived.get(), into(later));
    QTRY_COMPARE(m_server->requestCount(), 2);
    shortLived.reset();
    QTRY_VERIFY(second.isNull());
    QCOMPARE(later->calls, 0);
}

void TestApiClient::refusedBeforeSending()
{
    auto runs = std::make_shared<Outcome<Page<ScanRun>>>();
    ScanRunQuery query;
    query.scanner = Scanner::ScaDependencies;
    QCOMPARE(m_api->scanRuns(query, nullptr, into(runs)), nullptr);
    QCOMPARE(runs->calls, 0); // never from inside the call
    QTRY_COMPARE(runs->calls, 1);
    QCOMPARE(runs->error().kind, ApiError::Kind::InvalidRequest);
    QCOMPARE(runs->error().field, QStringLiteral("repositoryId"));

    auto secretsFix = std::make_shared<Outcome<AutofixStart>>();
    QCOMPARE(m_api->startAutofix(FindingService::Secrets, QStringLiteral("s-1"), nullptr, into(secretsFix)), nullptr);
    QTRY_COMPARE(secretsFix->calls, 1);
    QCOMPARE(secretsFix->error().kind, ApiError::Kind::InvalidRequest);

    auto containerDiff = std::make_shared<Outcome<AutofixDiff>>();
    QCOMPARE(m_api->autofixDiff(FindingService::ScaContainers, QStringLiteral("c-1"), nullptr, into(containerDiff)),
             nullptr);
    QTRY_COMPARE(containerDiff->calls, 1);
    QCOMPARE(containerDiff->error().field, QStringLiteral("service"));
    QCOMPARE(m_server->requestCount(), 0);
}

void TestApiClient::signInRequired()
{
    m_tokens->setRefreshFails(QStringLiteral("refresh token revoked"), true);
    m_server->enqueue(
        "GET", QStringLiteral("/admin/user/current"), ScriptedResponse::json(401, R"({"error": "token revoked"})"));
    auto outcome = std::make_shared<Outcome<CurrentUser>>();
    m_api->currentUser(nullptr, into(outcome));
    QTRY_COMPARE(outcome->calls, 1);
    QCOMPARE(outcome->error().kind, ApiError::Kind::AuthenticationRequired);
    QVERIFY(outcome->error().isFinal());
    QCOMPARE(m_tokens->refreshCount(), 1);
    QCOMPARE(m_server->requestCount(), 1);
}

void TestApiClient::rejectedInA200()
{
    m_server->enqueue("POST",
                      QStringLiteral("/cspm/findings/c-1/autofix/fix"),
                      ScriptedResponse::json(200, R"({"autoFixState": "none", "error": "autofix budget exhausted"})"));
    auto outcome = std::make_shared<Outcome<AutofixStart>>();
    m_api->startAutofix(FindingService::Cspm, QStringLiteral("c-1"), nullptr, into(outcome));
    QTRY_COMPARE(outcome->calls, 1);
    QCOMPARE(outcome->error().kind, ApiError::Kind::Rejected);
    QCOMPARE(outcome->error().message, QStringLiteral("autofix budget exhausted"));
}

void TestApiClient::billablePostsNotRetried_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("expectedRequests");
    QTest::addColumn<bool>("ok");
    QTest::newRow("cloud scan start, 503") << QStringLiteral("/context/cloud-scan/start") << 503 << 1 << false;
    QTest::newRow("pentest start, 503") << QStringLiteral("/dast/pentest/start") << 503 << 1 << false;
    QTest::newRow("autofix fix, 503") << QStringLiteral("/sast/findings/f-1/autofix/fix") << 503 << 1 << false;
    QTest::newRow("autofix fix, 502") << QStringLiteral("/sast/findings/f-1/autofix/fix") << 502 << 1 << false;
    QTest::newRow("create_pr, 503") << QStringLiteral("/scpm/findings/f-1/autofix/cache/create_pr") << 503 << 1
                                    << false;
    // a 429 means "not processed": safe to retry any method
    QTest::newRow("cloud scan start, 429") << QStringLiteral("/context/cloud-scan/start") << 429 << 2 << true;
    // queries only read, so the client marks them idempotent
    QTest::newRow("findings query, 503") << QStringLiteral("/admin/findings") << 503 << 2 << true;
    QTest::newRow("metrics overview, 503") << QStringLiteral("/admin/metrics/overview") << 503 << 2 << true;
}

void TestApiClient::billablePostsNotRetried()
{
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(int, expectedRequests);
    QFETCH(bool, ok);
    m_server->enqueue("POST", path, ScriptedResponse::json(status, R"({"error": "try later"})"));
    QByteArray success = R"({"autoFixState": "in_progress_requested", "scanId": "cs-1"})";
    if (path.startsWith(QLatin1String("/dast")))
        success = pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("queued"), 0);
    else if (path == QLatin1String("/admin/findings"))
        success = R"({"findings": [], "total": 0, "hasMoreData": false, "page": 1})";
    else if (path == QLatin1String("/admin/metrics/overview"))
        success = metricsJson();
    m_server->enqueue("POST", path, ScriptedResponse::json(200, success));

    int calls = 0;
    ApiError error;
    const auto record = [&](const std::optional<ApiError>& e) {
        ++calls;
        if (e)
            error = *e;
    };
    bool succeeded = false;
    const auto done = [&](bool good, const ApiError& e) {
        succeeded = good;
        record(good ? std::nullopt : std::optional<ApiError>(e));
    };
    if (path == QLatin1String("/context/cloud-scan/start")) {
        m_api->startCloudScan(nullptr,
                              [&](const Result<CloudScanStart>& r) { done(r.isOk(), r ? ApiError() : r.error()); });
    } else if (path == QLatin1String("/dast/pentest/start")) {
        m_api->startPentest(QStringLiteral("app-1"), nullptr, [&](const Result<PentestScan>& r) {
            done(r.isOk(), r ? ApiError() : r.error());
        });
    } else if (path.endsWith(QLatin1String("/fix"))) {
        m_api->startAutofix(FindingService::Sast, QStringLiteral("f-1"), nullptr, [&](const Result<AutofixStart>& r) {
            done(r.isOk(), r ? ApiError() : r.error());
        });
    } else if (path.endsWith(QLatin1String("create_pr"))) {
        m_api->createPullRequest(QStringLiteral("f-1"), nullptr, [&](const Result<AutofixStart>& r) {
            done(r.isOk(), r ? ApiError() : r.error());
        });
    } else if (path == QLatin1String("/admin/findings")) {
        m_api->findings(FindingsQuery(), nullptr, [&](const Result<Page<Finding>>& r) {
            done(r.isOk(), r ? ApiError() : r.error());
        });
    } else {
        m_api->metricsOverview(nullptr,
                               [&](const Result<MetricsOverview>& r) { done(r.isOk(), r ? ApiError() : r.error()); });
    }
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, 5000);
    QCOMPARE(succeeded, ok);
    if (!ok) {
        QCOMPARE(error.kind, ApiError::Kind::Http);
        QCOMPARE(error.httpStatus, status);
        QCOMPARE(error.message, QStringLiteral("try later"));
    }
    // Negative: give a wrong retry time to show up before counting what the server saw.
    QTest::qWait(100);
    QCOMPARE(m_server->requestCount(QByteArrayLiteral("POST"), path), expectedRequests);
}

void TestApiClient::pagerNextToken()
{
    m_server->setFallback([](const RecordedRequest& request) {
        const QString token = request.query.queryItemValue(QStringLiteral("nextToken"));
        const QString next = token.isEmpty() ? QStringLiteral("t2")
            : token == QLatin1String("t2")   ? QStringLiteral("t3")
                                             : QString();
        const QString page = token.isEmpty() ? QStringLiteral("1") : token.mid(1);
        const QByteArray body
            = json({{QStringLiteral("repositories"),
                     QJsonArray {QJsonObject {{QStringLiteral("id"), QStringLiteral("r-%1a").arg(page)}},
                                 QJsonObject {{QStringLiteral("id"), QStringLiteral("r-%1b").arg(page)}}}},
                    {QStringLiteral("numItems"), 2},
                    {QStringLiteral("nextToken"), next}});
        return ScriptedResponse::json(200, body);
    });
    std::unique_ptr<RepositoryPager> pager(makeRepositoryPager(m_api.get(), 2));
    QSignalSpy appended(pager.get(), &Pager::itemsAppended);
    QSignalSpy exhausted(pager.get(), &Pager::exhausted);
    QSignalSpy loading(pager.get(), &Pager::loadingChanged);

    for (int page = 1; page <= 3; ++page) {
        QVERIFY(pager->hasMore());
        QVERIFY(pager->loadMore());
        QVERIFY(pager->isLoading());
        QCOMPARE(pager->loadMore(), nullptr); // one page at a time
        QTRY_COMPARE(appended.size(), page);
        QCOMPARE(appended.last(), (QVariantList {(page - 1) * 2, 2}));
    }
    QVERIFY(!pager->hasMore());
    QCOMPARE(exhausted.size(), 1);
    QCOMPARE(pager->count(), 6);
    QCOMPARE(pager->items().at(5).id, QStringLiteral("r-3b"));
    QVERIFY(!pager->totalCount()); // numItems is per page: no total is made up
    QCOMPARE(loading.size(), 6);
    QCOMPARE(pager->loadMore(), nullptr);

    const auto requests = m_server->requests();
    QCOMPARE(requests.size(), 3);
    const QStringList tokens {QString(), QStringLiteral("t2"), QStringLiteral("t3")};
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(requests.at(i).path, QStringLiteral("/context/repositories"));
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("limit")), QStringLiteral("2"));
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("nextToken")), tokens.at(i));
        QCOMPARE(requests.at(i).query.hasQueryItem(QStringLiteral("nextToken")), i > 0);
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("githubOwnerId")), QStringLiteral("123"));
    }
}

void TestApiClient::pagerOffset()
{
    m_server->setFallback([](const RecordedRequest& request) {
        const int offset = request.query.queryItemValue(QStringLiteral("offset")).toInt();
        QJsonArray runs;
        for (int i = offset; i < std::min(offset + 2, 5); ++i)
            runs.append(QJsonObject {{QStringLiteral("scanRunId"), QStringLiteral("run-%1").arg(i)},
                                     {QStringLiteral("status"), QStringLiteral("completed")}});
        return ScriptedResponse::json(200,
                                      json({{QStringLiteral("scanRuns"), runs}, {QStringLiteral("totalCount"), 5}}));
    });
    ScanRunQuery query;
    query.scanner = Scanner::ScaContainers;
    query.repositoryId = QStringLiteral("r-9");
    query.limit = 2;
    std::unique_ptr<ScanRunPager> pager(makeScanRunPager(m_api.get(), query));
    QSignalSpy exhausted(pager.get(), &Pager::exhausted);
    for (int page = 1; page <= 3; ++page) {
        QVERIFY(pager->loadMore());
        QTRY_COMPARE(pager->pagesLoaded(), page);
    }
    QCOMPARE(pager->count(), 5);
    QCOMPARE(pager->totalCount(), std::optional<qint64>(5));
    QVERIFY(!pager->hasMore());
    QCOMPARE(exhausted.size(), 1);
    QCOMPARE(pager->items().last().scanRunId, QStringLiteral("run-4"));
    const auto requests = m_server->requests();
    QCOMPARE(requests.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(requests.at(i).path, QStringLiteral("/sca/scan-runs"));
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("repositoryId")), QStringLiteral("r-9"));
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("scanType")), QStringLiteral("sca_containers"));
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("limit")), QStringLiteral("2"));
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("offset")), QString::number(i * 2));
    }
}

void TestApiClient::pagerOffsetWithoutTotal()
{
    // The spec does not require totalCount: then a short page is the last one.
    m_server->enqueue("GET",
                      QStringLiteral("/secrets/scan-runs"),
                      ScriptedResponse::json(200, R"({"scanRuns": [{"scanRunId": "a"}, {"scanRunId": "b"}]})"));
    m_server->enqueue("GET",
                      QStringLiteral("/secrets/scan-runs"),
                      ScriptedResponse::json(200, R"({"scanRuns": [{"scanRunId": "c"}]})"));
    ScanRunQuery query;
    query.scanner = Scanner::Secrets;
    query.repositoryId = QStringLiteral("r-1");
    query.limit = 2;
    std::unique_ptr<ScanRunPager> pager(makeScanRunPager(m_api.get(), query));
    QVERIFY(pager->loadMore());
    QTRY_COMPARE(pager->pagesLoaded(), 1);
    QVERIFY(pager->hasMore());
    QVERIFY(pager->loadMore());
    QTRY_COMPARE(pager->pagesLoaded(), 2);
    QVERIFY(!pager->hasMore());
    QVERIFY(!pager->totalCount());
    QCOMPARE(pager->count(), 3);
    QCOMPARE(m_server->requests().at(1).query.queryItemValue(QStringLiteral("offset")), QStringLiteral("2"));
}

void TestApiClient::pagerPageNumber()
{
    m_server->setFallback([](const RecordedRequest& request) {
        const QJsonObject query
            = QJsonDocument::fromJson(request.body).object().value(QStringLiteral("query")).toObject();
        const int page = query.value(QStringLiteral("page")).toInt();
        QByteArray findings;
        for (int i = 0; i < 3; ++i)
            findings += (i ? "," : "") + findingPreviewJson(QStringLiteral("p%1-%2").arg(page).arg(i));
        return ScriptedResponse::json(200,
                                      "{\"findings\": [" + findings
                                          + "], \"total\": 9, \"hasMoreData\": " + (page < 3 ? "true" : "false")
                                          + ", \"page\": " + QByteArray::number(page) + "}");
    });
    FindingsQuery query;
    query.pageSize = 3;
    query.severities = {Severity::Critical};
    std::unique_ptr<FindingsPager> pager(makeFindingsPager(m_api.get(), query));
    QSignalSpy exhausted(pager.get(), &Pager::exhausted);
    for (int page = 1; page <= 3; ++page) {
        QVERIFY(pager->loadMore());
        QTRY_COMPARE(pager->pagesLoaded(), page);
    }
    QVERIFY(!pager->hasMore());
    QCOMPARE(exhausted.size(), 1);
    QCOMPARE(pager->count(), 9);
    QCOMPARE(pager->totalCount(), std::optional<qint64>(9));
    QCOMPARE(pager->items().at(4).id, QStringLiteral("p2-1"));
    const auto requests = m_server->requests();
    QCOMPARE(requests.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const QJsonObject q
            = QJsonDocument::fromJson(requests.at(i).body).object().value(QStringLiteral("query")).toObject();
        QCOMPARE(requests.at(i).method, QByteArrayLiteral("POST"));
        QCOMPARE(q.value(QStringLiteral("page")).toInt(), i + 1);
        QCOMPARE(q.value(QStringLiteral("pageSize")).toInt(), 3); // constant across pages
        QCOMPARE(q.value(QStringLiteral("severity")).toArray(), QJsonArray {QStringLiteral("CRITICAL")});
        QCOMPARE(requests.at(i).query.queryItemValue(QStringLiteral("githubOwnerId")), QStringLiteral("123"));
    }
}

void TestApiClient::pagerFailureKeepsCursor()
{
    m_server->enqueue(
        "GET",
        QStringLiteral("/context/repositories"),
        ScriptedResponse::json(200, R"({"repositories": [{"id": "a"}], "numItems": 1, "nextToken": "t2"})"));
    m_server->enqueue(
        "GET", QStringLiteral("/context/repositories"), ScriptedResponse::json(403, R"({"error": "no access"})"));
    m_server->enqueue(
        "GET",
        QStringLiteral("/context/repositories"),
        ScriptedResponse::json(200, R"({"repositories": [{"id": "b"}], "numItems": 1, "nextToken": ""})"));
    std::unique_ptr<RepositoryPager> pager(makeRepositoryPager(m_api.get(), 1));
    QSignalSpy failed(pager.get(), &Pager::failed);
    QVERIFY(pager->loadMore());
    QTRY_COMPARE(pager->pagesLoaded(), 1);
    QVERIFY(pager->loadMore());
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().value<ApiError>().message, QStringLiteral("no access"));
    QVERIFY(!pager->isLoading());
    QVERIFY(pager->hasMore());
    QVERIFY(pager->loadMore()); // the same page again
    QTRY_COMPARE(pager->pagesLoaded(), 2);
    QCOMPARE(pager->count(), 2);
    const auto requests = m_server->requests();
    QCOMPARE(requests.at(1).query.queryItemValue(QStringLiteral("nextToken")), QStringLiteral("t2"));
    QCOMPARE(requests.at(2).query.queryItemValue(QStringLiteral("nextToken")), QStringLiteral("t2"));
}

void TestApiClient::pagerReset()
{
    m_server->enqueue("GET", QStringLiteral("/context/repositories"), ScriptedResponse::stall());
    m_server->enqueue(
        "GET",
        QStringLiteral("/context/repositories"),
        ScriptedResponse::json(200, R"({"repositories": [{"id": "fresh"}], "numItems": 1, "nextToken": ""})"));
    std::unique_ptr<RepositoryPager> pager(makeRepositoryPager(m_api.get(), 1));
    QSignalSpy failed(pager.get(), &Pager::failed);
    QSignalSpy cleared(pager.get(), &Pager::cleared);
    QVERIFY(pager->loadMore());
    QTRY_COMPARE(m_server->requestCount(), 1);
    pager->reset(); // aborts the stalled page; its cancel is not reported as a failure
    QCOMPARE(cleared.size(), 1);
    QVERIFY(!pager->isLoading());
    QVERIFY(pager->loadMore());
    QTRY_COMPARE(pager->pagesLoaded(), 1);
    QCOMPARE(pager->items().first().id, QStringLiteral("fresh"));
    QCOMPARE(failed.size(), 0);
    QVERIFY(!m_server->requests().at(1).query.hasQueryItem(QStringLiteral("nextToken")));
}

void TestApiClient::autofixPollerToTerminal()
{
    const QString path = QStringLiteral("/sast/findings/f-1/autofix/status");
    m_server->enqueue(
        "GET", path, ScriptedResponse::json(200, autofixStatusJson(QStringLiteral("in_progress_requested"), false)));
    m_server->enqueue(
        "GET",
        path,
        ScriptedResponse::json(
            200, autofixStatusJson(QStringLiteral("in_progress_agent"), false, QStringLiteral("Reading login.go"))));
    // The state string says "done", the flag says not: the flag wins.
    m_server->enqueue("GET", path, ScriptedResponse::json(200, autofixStatusJson(QStringLiteral("pr_merged"), false)));
    m_server->enqueue("GET", path, ScriptedResponse::json(200, autofixStatusJson(QStringLiteral("cached"), true)));

    AutofixPoller poller(m_api.get(), FindingService::Sast, QStringLiteral("f-1"));
    poller.setInterval(10ms);
    QSignalSpy updated(&poller, &AutofixPoller::statusUpdated);
    QSignalSpy finished(&poller, &AutofixPoller::finished);
    QSignalSpy stopped(&poller, &Poller::stopped);
    QSignalSpy stillRunning(&poller, &AutofixPoller::stillRunning);
    poller.start();
    QVERIFY(poller.isActive());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QCOMPARE(updated.size(), 4);
    QStringList states;
    for (const auto& args : updated)
        states.append(args.first().value<AutofixStatus>().stateText);
    QCOMPARE(states,
             (QStringList {QStringLiteral("in_progress_requested"),
                           QStringLiteral("in_progress_agent"),
                           QStringLiteral("pr_merged"),
                           QStringLiteral("cached")}));
    QCOMPARE(updated.at(1).first().value<AutofixStatus>().currentActivity, QStringLiteral("Reading login.go"));
    const AutofixStatus last = finished.first().first().value<AutofixStatus>();
    QVERIFY(last.terminal);
    QCOMPARE(last.state, AutofixState::Cached);
    QCOMPARE(stopped.size(), 1);
    QVERIFY(!poller.isActive());
    QCOMPARE(stillRunning.size(), 0);
    QTest::qWait(100); // negative: ten intervals, room for a poll that should not happen
    QCOMPARE(m_server->requestCount(QByteArrayLiteral("GET"), path), 4);
}

void TestApiClient::autofixPollerStillRunning()
{
    const QString path = QStringLiteral("/sca/dependencies/findings/f-2/autofix/status");
    m_server->setFallback([](const RecordedRequest&) {
        return ScriptedResponse::json(200, autofixStatusJson(QStringLiteral("in_progress_agent"), false));
    });
    AutofixPoller poller(m_api.get(), FindingService::ScaDependencies, QStringLiteral("f-2"));
    poller.setInterval(10ms);
    poller.setStillRunningAfter(150ms);
    poller.setSlowInterval(40ms);
    QSignalSpy stillRunning(&poller, &AutofixPoller::stillRunning);
    QSignalSpy stopped(&poller, &Poller::stopped);
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(stillRunning.size(), 1, 5000);
    QVERIFY(stillRunning.first().first().toLongLong() >= 150);
    QVERIFY(poller.isActive()); // it keeps going, slower
    QCOMPARE(poller.interval(), 40ms);
    const int seen = m_server->requestCount(QByteArrayLiteral("GET"), path);
    QVERIFY2(seen >= 3, qPrintable(QString::number(seen)));
    QTRY_VERIFY_WITH_TIMEOUT(m_server->requestCount(QByteArrayLiteral("GET"), path) >= seen + 2, 5000);
    QCOMPARE(stillRunning.size(), 1); // once
    poller.stop();
    QCOMPARE(stopped.size(), 1);
    QVERIFY(!poller.isActive());
}

void TestApiClient::autofixPollerTransientFailure()
{
    nullify::RetryPolicy once = nullify::test::fastRetryPolicy();
    once.maxAttempts = 1; // so the poll itself fails
    m_nam->setRetryPolicy(once);
    const QString path = QStringLiteral("/cspm/findings/c-1/autofix/status");
    m_server->enqueue("GET", path, ScriptedResponse::status(503, "overloaded"));
    m_server->enqueue(
        "GET", path, ScriptedResponse::json(200, "{\"status\": {\"state\": \"cached\"}}")); // terminal missing
    m_server->enqueue("GET", path, ScriptedResponse::json(200, autofixStatusJson(QStringLiteral("cached"), true)));
    AutofixPoller poller(m_api.get(), FindingService::Cspm, QStringLiteral("c-1"));
    poller.setInterval(10ms);
    QSignalSpy pollFailed(&poller, &Poller::pollFailed);
    QSignalSpy failed(&poller, &Poller::failed);
    QSignalSpy finished(&poller, &AutofixPoller::finished);
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QCOMPARE(pollFailed.size(), 2);
    QCOMPARE(pollFailed.at(0).first().value<ApiError>().httpStatus, 503);
    QCOMPARE(pollFailed.at(1).first().value<ApiError>().field, QStringLiteral("status.terminal"));
    QCOMPARE(failed.size(), 0);
    QCOMPARE(m_server->requestCount(QByteArrayLiteral("GET"), path), 3);
}

void TestApiClient::autofixPollerFinalFailure()
{
    const QString path = QStringLiteral("/sast/findings/gone/autofix/status");
    m_server->enqueue(
        "GET", path, ScriptedResponse::json(200, autofixStatusJson(QStringLiteral("in_progress_agent"), false)));
    m_server->enqueue("GET", path, ScriptedResponse::json(404, R"({"error": "finding not found"})"));
    m_server->setFallback([](const RecordedRequest&) {
        return ScriptedResponse::json(200, autofixStatusJson(QStringLiteral("cached"), true));
    });
    AutofixPoller poller(m_api.get(), FindingService::Sast, QStringLiteral("gone"));
    poller.setInterval(10ms);
    QSignalSpy failed(&poller, &Poller::failed);
    QSignalSpy stopped(&poller, &Poller::stopped);
    QSignalSpy pollFailed(&poller, &Poller::pollFailed);
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 5000);
    QCOMPARE(failed.first().first().value<ApiError>().httpStatus, 404);
    QCOMPARE(failed.first().first().value<ApiError>().message, QStringLiteral("finding not found"));
    QCOMPARE(stopped.size(), 1);
    QCOMPARE(pollFailed.size(), 0);
    QVERIFY(!poller.isActive());
    QTest::qWait(100); // negative: ten intervals, room for a poll that should not happen
    QCOMPARE(m_server->requestCount(QByteArrayLiteral("GET"), path), 2);
}

void TestApiClient::cloudScanPollerToCompleted()
{
    const QString path = QStringLiteral("/context/cloud-scan/cs-1/status");
    for (const char* status : {"queued", "in progress", "in progress", "completed"})
        m_server->enqueue("GET", path, ScriptedResponse::json(200, cloudStatusJson(QLatin1String(status))));
    CloudScanPoller poller(m_api.get(), QStringLiteral("cs-1"));
    poller.setInterval(10ms);
    QSignalSpy updated(&poller, &CloudScanPoller::statusUpdated);
    QSignalSpy finished(&poller, &CloudScanPoller::finished);
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QCOMPARE(updated.size(), 4);
    QCOMPARE(updated.at(1).first().value<CloudScanStatus>().overallStatus, ScanStatus::InProgress);
    QCOMPARE(finished.first().first().value<CloudScanStatus>().overallStatus, ScanStatus::Completed);
    QVERIFY(!poller.isActive());
    QTest::qWait(100); // negative: ten intervals, room for a poll that should not happen
    QCOMPARE(m_server->requestCount(QByteArrayLiteral("GET"), path), 4);
}

void TestApiClient::pentestPollerToCompleted()
{
    const QString path = QStringLiteral("/dast/pentest/scans/ps-1");
    m_server->enqueue(
        "GET", path, ScriptedResponse::json(200, pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("queued"), 0)));
    m_server->enqueue(
        "GET",
        path,
        ScriptedResponse::json(200, pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("in progress"), 30)));
    m_server->enqueue(
        "GET",
        path,
        ScriptedResponse::json(200, pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("in progress"), 75)));
    m_server->enqueue(
        "GET",
        path,
        ScriptedResponse::json(200, pentestScanJson(QStringLiteral("ps-1"), QStringLiteral("human_fallback"), 100)));
    PentestScanPoller poller(m_api.get(), QStringLiteral("ps-1"));
    poller.setInterval(10ms);
    QSignalSpy updated(&poller, &PentestScanPoller::scanUpdated);
    QSignalSpy finished(&poller, &PentestScanPoller::finished);
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QList<int> progress;
    for (const auto& args : updated)
        progress.append(args.first().value<PentestScan>().progress);
    QCOMPARE(progress, (QList<int> {0, 30, 75, 100}));
    QCOMPARE(finished.first().first().value<PentestScan>().status, ScanStatus::HumanFallback);
    QCOMPARE(m_server->requestCount(QByteArrayLiteral("GET"), path), 4);
}

void TestApiClient::pollerStopsOnAbort()
{
    const QString path = QStringLiteral("/context/cloud-scan/cs-1/status");
    m_server->enqueue("GET", path, ScriptedResponse::json(200, cloudStatusJson(QStringLiteral("queued"))));
    m_server->enqueue("GET", path, ScriptedResponse::stall());
    CloudScanPoller poller(m_api.get(), QStringLiteral("cs-1"));
    poller.setInterval(10ms);
    QSignalSpy failed(&poller, &Poller::failed);
    QSignalSpy stopped(&poller, &Poller::stopped);
    poller.start();
    QTRY_COMPARE(m_server->requestCount(), 2);
    QTRY_VERIFY(poller.currentReply());
    poller.currentReply()->abort(); // the UI's Cancel on the reply in flight
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.first().first().value<ApiError>().kind, ApiError::Kind::Cancelled);
    QCOMPARE(stopped.size(), 1);
    QVERIFY(!poller.isActive());
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    QTest::qWait(100); // negative: ten intervals, room for a poll that should not happen
    QCOMPARE(m_server->requestCount(), 2);

    // stop() while a poll is in flight: aborted, reported once as stopped, never as failed
    m_server->enqueue("GET", path, ScriptedResponse::stall());
    failed.clear();
    stopped.clear();
    poller.start();
    QTRY_COMPARE(m_server->requestCount(), 3);
    poller.stop();
    QCOMPARE(stopped.size(), 1);
    QCOMPARE(failed.size(), 0);
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
}

void TestApiClient::pollerOwnerDestroyed()
{
    const QString path = QStringLiteral("/sast/findings/f-1/autofix/status");
    m_server->enqueue("GET", path, ScriptedResponse::stall());
    auto owner = std::make_unique<QObject>();
    auto* poller = new AutofixPoller(m_api.get(), FindingService::Sast, QStringLiteral("f-1"), owner.get());
    poller->setInterval(10ms);
    poller->start();
    QTRY_COMPARE(m_server->requestCount(), 1);
    QPointer<QNetworkReply> reply = poller->currentReply();
    QVERIFY(reply);
    owner.reset(); // the view closes with the poll in flight
    QTRY_VERIFY(reply.isNull());
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    QTest::qWait(100); // negative: ten intervals, room for a poll that should not happen
    QCOMPARE(m_server->requestCount(), 1);
}

QTEST_GUILESS_MAIN(TestApiClient)
#include "tst_apiclient.moc"
