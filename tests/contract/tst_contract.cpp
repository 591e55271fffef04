// The contract check of the typed API and nullify-sandbox: every flow of nullify::api::NullifyApi
// runs against the sandbox through Prism (`prism proxy --errors`), which validates each request and
// each response against Nullify's OpenAPI bundle. Prism answers a request that breaks the spec with
// 422 (the sandbox never sees it) and a response that breaks it with 500; any violation, even a
// warning, comes back in an `sl-violations` header. Every raw reply is inspected for those, so a
// violation fails the test function that caused it even when the typed call would have coped.
#include "apiclient.h"
#include "connectionstate.h"
#include "environmentskip.h"
#include "eventfeedpoller.h"
#include "events.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "pager.h"
#include "poller.h"
#include "reachability.h"
#include "requesttracker.h"
#include "sandboxserver.h"
#include "testtokenprovider.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonObject>
#include <QNetworkReply>
#include <QProcess>
#include <QScopeGuard>
#include <QSet>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <signal.h>
#include <unistd.h>

using namespace nullify;
using namespace nullify::api;
using namespace std::chrono_literals;

namespace {

constexpr int callTimeoutMs = 60'000; // one call through Prism; they take milliseconds
constexpr int pollTimeoutMs = 90'000; // a scan or autofix of a couple of seconds, polled
constexpr int prismStartTimeoutMs = 150'000; // Prism parses the 2 MB spec in about 20 s
const QByteArray serviceToken = QByteArrayLiteral("contract-check-service-token");

// Prism as a child process in a process group of its own, so the guard's kill reaches node and
// anything it started, however the test ends (a failed QVERIFY in initTestCase included).
class PrismProcess
{
public:
    ~PrismProcess() { stop(); }

    bool start(const QString& program, const QStringList& arguments)
    {
        m_process.setProgram(program);
        m_process.setArguments(arguments);
        // Merged and drained continuously: Prism logs every request, and a full pipe would stall it.
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setChildProcessModifier([] { ::setpgid(0, 0); });
        QObject::connect(
            &m_process, &QProcess::readyReadStandardOutput, [this] { m_output += m_process.readAllStandardOutput(); });
        m_process.start();
        return m_process.waitForStarted(10'000);
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    QByteArray output() const { return m_output; }
    QString errorString() const { return m_process.errorString(); }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        const qint64 pid = m_process.processId();
        if (pid > 0)
            ::kill(-pid_t(pid), SIGTERM);
        if (!m_process.waitForFinished(5'000)) {
            if (pid > 0)
                ::kill(-pid_t(pid), SIGKILL);
            m_process.waitForFinished(5'000);
        }
    }

private:
    QProcess m_process;
    QByteArray m_output;
};

// One raw reply as Prism sent it (every attempt of the retrying manager is one).
struct Exchange
{
    QString request; // "GET /context/repositories?limit=5"
    int status = 0;
    QByteArray violations; // the sl-violations header, empty when Prism found nothing
};

quint16 freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort(); // closed on return; Prism binds it a moment later
}

// The last lines of Prism's log, for a failure message.
QString tail(const QByteArray& output, int lines)
{
    QList<QByteArray> all = output.split('\n');
    if (all.size() > lines)
        all = all.mid(all.size() - lines);
    return QString::fromUtf8(all.join('\n'));
}

// Runs one typed call to completion on the event loop (the in-process sandbox answers Prism from
// the same loop). A call that never answers becomes a TimedOut error instead of a hang.
template <typename T> Result<T> await(const std::function<QNetworkReply*(QObject*, Callback<T>)>& call)
{
    std::optional<Result<T>> result;
    QObject context;
    QEventLoop loop;
    call(&context, [&](const Result<T>& r) {
        result = r;
        loop.quit();
    });
    if (!result) {
        QTimer::singleShot(callTimeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!result) {
        ApiError error;
        error.kind = ApiError::Kind::TimedOut;
        error.message = QStringLiteral("no answer within %1 ms").arg(callTimeoutMs);
        return Result<T>::failure(error);
    }
    return *result;
}

template <typename T> QByteArray describe(const Result<T>& result, const char* what)
{
    return QByteArray(what) + ": " + (result ? QByteArrayLiteral("ok") : result.error().toString().toUtf8());
}

// Loads pages until the pager is exhausted or maxPages more have arrived; false with a reason on
// the first failed page.
bool loadPages(Pager* pager, int maxPages, QString* why)
{
    std::optional<ApiError> error;
    const QMetaObject::Connection failed
        = QObject::connect(pager, &Pager::failed, pager, [&error](const ApiError& e) { error = e; });
    const int target = pager->pagesLoaded() + maxPages;
    while (!error && pager->hasMore() && pager->pagesLoaded() < target) {
        const int before = pager->pagesLoaded();
        pager->loadMore();
        // Judged below.
        static_cast<void>(QTest::qWaitFor([&] { return error || pager->pagesLoaded() != before; }, callTimeoutMs));
        if (!error && pager->pagesLoaded() == before) {
            *why = QStringLiteral("page %1 did not arrive within %2 ms").arg(before + 1).arg(callTimeoutMs);
            QObject::disconnect(failed);
            return false;
        }
    }
    QObject::disconnect(failed);
    if (error) {
        *why = QStringLiteral("page %1 failed: %2").arg(pager->pagesLoaded() + 1).arg(error->toString());
        return false;
    }
    return true;
}

// Runs a poller until it stops; false with a reason when it ended without its final status.
bool runPoller(Poller* poller, const bool& finished, QString* why)
{
    std::optional<ApiError> error;
    QObject::connect(poller, &Poller::failed, poller, [&error](const ApiError& e) { error = e; });
    QObject::connect(poller, &Poller::pollFailed, poller, [&error](const ApiError& e) { error = e; });
    poller->setInterval(250ms); // the sandbox's work takes 2 s; the app's 3 s would only slow this down
    poller->start();
    // Judged below.
    static_cast<void>(QTest::qWaitFor([&] { return error || !poller->isActive(); }, pollTimeoutMs));
    poller->stop();
    if (error) {
        *why = QStringLiteral("poll failed: %1").arg(error->toString());
        return false;
    }
    if (!finished) {
        *why = QStringLiteral("no final status within %1 ms").arg(pollTimeoutMs);
        return false;
    }
    return true;
}

} // namespace

class tst_Contract : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void prismReportsViolations();
    void identity();
    void repositories();
    void scanRuns_data();
    void scanRuns();
    void findingsPages();
    void findingsFilters();
    void oneFinding_data();
    void oneFinding();
    void metricsOverview();
    void cloudScan();
    void pentests();
    void autofix_data();
    void autofix();
    void eventFeed();
    void triage_data();
    void triage();
    void offlineProbe();

private:
    QString firstFindingId(FindingType type);
    QStringList openFindingIds(FindingType type, int count);
    void record(QNetworkReply* reply);

    std::unique_ptr<sandbox::SandboxServer> m_sandbox;
    std::unique_ptr<PrismProcess> m_prism;
    std::unique_ptr<NetworkAccessManager> m_nam;
    std::unique_ptr<test::TestTokenProvider> m_tokens;
    std::unique_ptr<ApiClient> m_client;
    std::unique_ptr<NullifyApi> m_api;
    QList<Exchange> m_exchanges;
    int m_violations = 0;
    int m_violationsAtStart = 0;
    bool m_provoking = false; // prismReportsViolations(): violations are expected, counted apart
    int m_provoked = 0;
    QList<Repository> m_repositories;
};

void tst_Contract::initTestCase()
{
    const QString spec = QDir::cleanPath(
        QDir(QStringLiteral(NULLIFY_REPO_ROOT)).filePath(QStringLiteral("../shared/api/nullify-openapi.yaml")));
    const QString prism = QStringLiteral(NULLIFY_PRISM_EXECUTABLE);
    QString missing;
    if (!QFileInfo::exists(spec))
        missing = QStringLiteral("the OpenAPI spec %1 is absent (it lives beside the repository, not in it)").arg(spec);
    else if (!QFileInfo(prism).isExecutable())
        missing
            = QStringLiteral("Prism is not installed at %1 (run scripts/setup.sh or npm ci --prefix tests/contract)")
                  .arg(prism);
    else if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
        missing = QStringLiteral("node is not on PATH; Prism needs it");
    if (!missing.isEmpty())
        NULLIFY_SKIP_ENV(QStringLiteral("contract check skipped: ") + missing);

    sandbox::ServerOptions options;
    options.auth.serviceTokens = {QString::fromLatin1(serviceToken)};
    options.tenant.workSeconds = 2;
    options.tenant.autofixSeconds = 2;
    m_sandbox = std::make_unique<sandbox::SandboxServer>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));

    const quint16 port = freeLoopbackPort();
    QVERIFY(port != 0);
    const QString upstream = QStringLiteral("http://127.0.0.1:%1").arg(m_sandbox->apiPort());
    m_prism = std::make_unique<PrismProcess>();
    QVERIFY2(m_prism->start(prism,
                            {QStringLiteral("proxy"),
                             QStringLiteral("--errors"),
                             spec,
                             upstream,
                             QStringLiteral("-p"),
                             QString::number(port),
                             QStringLiteral("-h"),
                             QStringLiteral("127.0.0.1")}),
             qPrintable(QStringLiteral("Prism did not start: ") + m_prism->errorString()));

    // Ready when it accepts connections (it binds only after the spec is loaded).
    QElapsedTimer clock;
    clock.start();
    bool listening = false;
    while (!listening && m_prism->isRunning() && clock.elapsed() < prismStartTimeoutMs) {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, port);
        listening = probe.waitForConnected(1'000);
        if (!listening)
            QTest::qWait(250); // pacing between connection probes while Prism starts
    }
    QVERIFY2(listening,
             qPrintable(QStringLiteral("Prism is not listening on port %1 after %2 ms (%3); its log:\n%4")
                            .arg(port)
                            .arg(clock.elapsed())
                            .arg(m_prism->isRunning() ? QStringLiteral("still running") : QStringLiteral("exited"))
                            .arg(tail(m_prism->output(), 40))));
    qInfo("Prism %s listening after %lld ms", qPrintable(prism), clock.elapsed());

    const QUrl prismUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    m_tokens = std::make_unique<test::TestTokenProvider>(serviceToken);
    m_nam = std::make_unique<NetworkAccessManager>();
    // One attempt each: a retried 500 would only hide a violation behind a second try (the header
    // is still recorded, but the failure should be the call's own too) and cost backoff time.
    RetryPolicy policy;
    policy.maxAttempts = 1;
    policy.attemptTimeout = std::chrono::milliseconds(callTimeoutMs);
    policy.deadline = std::chrono::milliseconds(callTimeoutMs);
    m_nam->setRetryPolicy(policy);
    m_nam->setApiOrigin(prismUrl);
    m_nam->setTokenProvider(m_tokens.get());
    connect(m_nam.get(), &QNetworkAccessManager::finished, this, &tst_Contract::record);

    m_client = std::make_unique<ApiClient>(m_nam.get());
    m_client->setBaseUrl(prismUrl);
    m_client->setScope({{QStringLiteral("githubOwnerId"), m_sandbox->tenant().githubOwnerId()}});
    m_api = std::make_unique<NullifyApi>(m_client.get());
}

void tst_Contract::record(QNetworkReply* reply)
{
    Exchange exchange;
    const QByteArray verb = reply->operation() == QNetworkAccessManager::PostOperation ? QByteArrayLiteral("POST")
        : reply->operation() == QNetworkAccessManager::GetOperation
        ? QByteArrayLiteral("GET")
        : reply->request().attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
    exchange.request = QString::fromLatin1(verb) + QLatin1Char(' ') + reply->url().path();
    if (reply->url().hasQuery())
        exchange.request += QLatin1Char('?') + reply->url().query();
    exchange.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    exchange.violations = reply->rawHeader("sl-violations");
    // 422: Prism refused the request; a 500 or any status with sl-violations: the response (or a
    // warning about either) broke the spec.
    if (exchange.status == 422 || !exchange.violations.isEmpty()) {
        ++(m_provoking ? m_provoked : m_violations);
        qWarning("%s %s -> HTTP %d: %s",
                 m_provoking ? "provoked violation (expected)" : "PRISM VIOLATION",
                 qPrintable(exchange.request),
                 exchange.status,
                 exchange.violations.isEmpty() ? "(details in the body, see the failed call)"
                                               : exchange.violations.constData());
    }
    m_exchanges.append(exchange);
}

void tst_Contract::init()
{
    m_violationsAtStart = m_violations;
}

void tst_Contract::cleanup()
{
    QVERIFY2(m_violations == m_violationsAtStart,
             qPrintable(QStringLiteral("%1 Prism violation(s) in this test (printed above)")
                            .arg(m_violations - m_violationsAtStart)));
}

void tst_Contract::cleanupTestCase()
{
    if (m_prism) {
        qInfo("%lld exchanges through Prism, %d violation(s)", qint64(m_exchanges.size()), m_violations);
        m_prism->stop();
    }
}

QString tst_Contract::firstFindingId(FindingType type)
{
    FindingsQuery query;
    query.types = {type};
    query.pageSize = 1;
    const Result<Page<Finding>> page = await<Page<Finding>>(
        [&](QObject* context, Callback<Page<Finding>> done) { return m_api->findings(query, context, done); });
    if (!page || page.value().items.isEmpty())
        return {};
    return page.value().items.first().id;
}

QStringList tst_Contract::openFindingIds(FindingType type, int count)
{
    FindingsQuery query;
    query.types = {type};
    query.isAllowlisted = false;
    query.pageSize = count;
    const Result<Page<Finding>> page = await<Page<Finding>>(
        [&](QObject* context, Callback<Page<Finding>> done) { return m_api->findings(query, context, done); });
    QStringList ids;
    if (page) {
        for (const Finding& f : page.value().items)
            ids.append(f.id);
    }
    return ids;
}

// The check itself must be able to fail: a request that breaks the spec (the sca list without its
// required scanType, sent raw past the typed API's own check) must come back 422, and a response
// that breaks it (a status the operation does not declare, injected by the sandbox's fault plan)
// must carry sl-violations. Without this, a Prism that validated nothing would pass every test.
void tst_Contract::prismReportsViolations()
{
    m_provoking = true;
    auto resetProvoking = qScopeGuard([this] { m_provoking = false; });

    ApiRequest request;
    request.path = QStringLiteral("/sca/scan-runs");
    request.query = {{QStringLiteral("repositoryId"), QStringLiteral("any")}};
    const Result<QByteArray> refused = await<QByteArray>(
        [&](QObject* context, Callback<QByteArray> done) { return m_client->sendRaw(request, context, done); });
    QVERIFY(!refused);
    QCOMPARE(refused.error().httpStatus, 422);
    // Prism names the violation in its problem+json body, which the typed call's error carries.
    QVERIFY2(refused.error().body.toLower().contains("scantype"), refused.error().body.constData());
    QCOMPARE(m_provoked, 1);

    QString error;
    QVERIFY2(m_sandbox->faultPlan().addJsonText(
                 R"({"method": "GET", "path": "/admin/user/current", "fault": "status", "status": 418, "count": 1})",
                 &error),
             qPrintable(error));
    const Result<CurrentUser> teapot = await<CurrentUser>(
        [this](QObject* context, Callback<CurrentUser> done) { return m_api->currentUser(context, done); });
    QVERIFY(!teapot);
    QCOMPARE(teapot.error().httpStatus, 418);
    QCOMPARE(m_provoked, 2);
    QVERIFY(m_exchanges.last().violations.contains("Unable to match the returned status code"));
}

void tst_Contract::identity()
{
    const Result<CurrentUser> user = await<CurrentUser>(
        [this](QObject* context, Callback<CurrentUser> done) { return m_api->currentUser(context, done); });
    QVERIFY2(user, describe(user, "current user"));
    QVERIFY(!user.value().username.isEmpty());

    const Result<QList<Installation>> installations = await<QList<Installation>>(
        [this](QObject* context, Callback<QList<Installation>> done) { return m_api->installations(context, done); });
    QVERIFY2(installations, describe(installations, "installations"));
    QVERIFY(!installations.value().isEmpty());
}

void tst_Contract::repositories()
{
    std::unique_ptr<RepositoryPager> pager(makeRepositoryPager(m_api.get(), 5));
    QString why;
    QVERIFY2(loadPages(pager.get(), 50, &why), qPrintable(why));
    QVERIFY(!pager->hasMore());
    QVERIFY2(pager->pagesLoaded() >= 2, "a page size of 5 should need several pages");
    QSet<QString> ids;
    for (const Repository& repository : pager->items())
        ids.insert(repository.id);
    QCOMPARE(ids.size(), pager->count());
    QVERIFY(pager->count() >= 10);
    m_repositories = pager->items();
}

void tst_Contract::scanRuns_data()
{
    QTest::addColumn<int>("scanner");
    QTest::newRow("sast") << int(Scanner::Sast);
    QTest::newRow("secrets") << int(Scanner::Secrets);
    QTest::newRow("sca dependencies") << int(Scanner::ScaDependencies);
    QTest::newRow("sca containers") << int(Scanner::ScaContainers);
}

void tst_Contract::scanRuns()
{
    QFETCH(int, scanner);
    QVERIFY2(!m_repositories.isEmpty(), "repositories() found none");
    // The first repository with runs of this scanner: page through them, then ask once more oldest first.
    int runs = 0;
    for (const Repository& repository : std::as_const(m_repositories)) {
        ScanRunQuery query;
        query.scanner = Scanner(scanner);
        query.repositoryId = repository.id;
        query.limit = 3;
        std::unique_ptr<ScanRunPager> pager(makeScanRunPager(m_api.get(), query));
        QString why;
        QVERIFY2(loadPages(pager.get(), 3, &why), qPrintable(repository.name + QStringLiteral(": ") + why));
        runs = pager->count();
        if (runs == 0)
            continue;
        for (const ScanRun& run : pager->items())
            QVERIFY2(run.status != ScanStatus::Unknown, qPrintable(QStringLiteral("status ") + run.statusText));

        query.sort = QStringLiteral("oldest");
        query.offset = 1;
        const Result<Page<ScanRun>> oldest = await<Page<ScanRun>>(
            [&](QObject* context, Callback<Page<ScanRun>> done) { return m_api->scanRuns(query, context, done); });
        QVERIFY2(oldest, describe(oldest, "oldest first"));
        break;
    }
    QVERIFY2(runs > 0, "no repository has runs of this scanner");
}

void tst_Contract::findingsPages()
{
    FindingsQuery query;
    query.pageSize = 25;
    std::unique_ptr<FindingsPager> pager(makeFindingsPager(m_api.get(), query));
    QString why;
    QVERIFY2(loadPages(pager.get(), 3, &why), qPrintable(why));
    QCOMPARE(pager->pagesLoaded(), 3);
    QCOMPARE(pager->count(), 75);
    QSet<QString> ids;
    for (const Finding& finding : pager->items())
        ids.insert(finding.id);
    QCOMPARE(ids.size(), 75);
}

void tst_Contract::findingsFilters()
{
    // Type, severity and state filters over several pages.
    FindingsQuery query;
    query.pageSize = 10;
    query.types = {FindingType::Code, FindingType::Dependencies};
    query.severities = {Severity::Critical, Severity::High};
    query.isResolved = false;
    query.isAllowlisted = false;
    std::unique_ptr<FindingsPager> pager(makeFindingsPager(m_api.get(), query));
    QString why;
    QVERIFY2(loadPages(pager.get(), 3, &why), qPrintable(why));
    QVERIFY(pager->pagesLoaded() >= 2);
    for (const Finding& finding : pager->items()) {
        QVERIFY2(query.types.contains(finding.type), qPrintable(finding.typeText));
        QVERIFY2(query.severities.contains(finding.severity), qPrintable(finding.severityText));
    }

    // A repository and a search term.
    QVERIFY2(!m_repositories.isEmpty(), "repositories() found none");
    FindingsQuery byRepository;
    byRepository.pageSize = 10;
    byRepository.repositories = {m_repositories.first().name};
    std::unique_ptr<FindingsPager> repositoryPager(makeFindingsPager(m_api.get(), byRepository));
    QVERIFY2(loadPages(repositoryPager.get(), 2, &why), qPrintable(why));
    QVERIFY(repositoryPager->count() > 0);
    for (const Finding& finding : repositoryPager->items())
        QVERIFY2(finding.repositoryId == m_repositories.first().id, qPrintable(finding.repository));

    FindingsQuery search;
    search.pageSize = 10;
    search.search = QStringLiteral("injection");
    const Result<Page<Finding>> searched = await<Page<Finding>>(
        [&](QObject* context, Callback<Page<Finding>> done) { return m_api->findings(search, context, done); });
    QVERIFY2(searched, describe(searched, "search"));

    // The Findings page's server-side order and its other filters (issue 17): sortPreset over
    // several pages, branch[], cwe[], fromDate/toDate and the triage flags.
    FindingsQuery sorted;
    sorted.pageSize = 10;
    sorted.sortPreset = QStringLiteral("severity_desc");
    std::unique_ptr<FindingsPager> sortedPager(makeFindingsPager(m_api.get(), sorted));
    QVERIFY2(loadPages(sortedPager.get(), 3, &why), qPrintable(why));
    int previous = 0; // Severity counts up from Critical (1) to Low (4): never down in this order
    for (const Finding& finding : sortedPager->items()) {
        QVERIFY2(int(finding.severity) >= previous, qPrintable(finding.severityText));
        previous = int(finding.severity);
    }
    const Finding sample = sortedPager->items().first();
    FindingsQuery narrowed;
    narrowed.pageSize = 10;
    narrowed.sortPreset = QStringLiteral("created_at_asc");
    narrowed.branches = {sample.branch};
    narrowed.cwes = {sample.cwe};
    narrowed.fromDate = QStringLiteral("2000-01-01T00:00:00Z");
    narrowed.toDate = QStringLiteral("2100-12-31T23:59:59Z");
    narrowed.isFalsePositive = false;
    narrowed.isFixed = false;
    const Result<Page<Finding>> filtered = await<Page<Finding>>(
        [&](QObject* context, Callback<Page<Finding>> done) { return m_api->findings(narrowed, context, done); });
    QVERIFY2(filtered, describe(filtered, "branch, cwe, dates, triage flags"));
    QVERIFY(!filtered.value().items.isEmpty());
    for (const Finding& finding : filtered.value().items) {
        QCOMPARE(finding.branch, sample.branch);
        QCOMPARE(finding.cwe, sample.cwe);
    }
}

void tst_Contract::oneFinding_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("sast") << int(FindingType::Code);
    QTest::newRow("sca dependencies") << int(FindingType::Dependencies);
    QTest::newRow("sca containers") << int(FindingType::Containers);
    QTest::newRow("secrets") << int(FindingType::SecretsCredentials);
    QTest::newRow("dast pentest") << int(FindingType::Pentest);
    QTest::newRow("cspm") << int(FindingType::Cloud);
    QTest::newRow("scpm") << int(FindingType::Platform);
}

void tst_Contract::oneFinding()
{
    QFETCH(int, type);
    const std::optional<FindingService> service = serviceFor(FindingType(type));
    QVERIFY(service);
    const QString id = firstFindingId(FindingType(type));
    QVERIFY2(!id.isEmpty(), "the tenant has no finding of this type");
    const Result<FindingDetail> detail = await<FindingDetail>(
        [&](QObject* context, Callback<FindingDetail> done) { return m_api->finding(*service, id, context, done); });
    QVERIFY2(detail, describe(detail, "finding"));
    QCOMPARE(detail.value().id, id);
    QVERIFY(!detail.value().title.isEmpty());
}

void tst_Contract::triage_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("sast") << int(FindingType::Code);
    QTest::newRow("sca dependencies") << int(FindingType::Dependencies);
    QTest::newRow("sca containers") << int(FindingType::Containers);
    QTest::newRow("secrets") << int(FindingType::SecretsCredentials);
    QTest::newRow("secrets sensitive data") << int(FindingType::SecretsSensitiveData);
    QTest::newRow("dast pentest") << int(FindingType::Pentest);
    QTest::newRow("scpm") << int(FindingType::Platform);
}

// Every triage call of the typed API for a finding type: the record, allowlist, unallowlist, the
// overrides where the type has them, and the batch allowlist where it has one.
void tst_Contract::triage()
{
    QFETCH(int, type);
    const FindingType findingType = FindingType(type);
    const std::optional<TriageEndpoints> endpoints = triageEndpointsFor(findingType);
    QVERIFY(endpoints);
    const QStringList ids = openFindingIds(findingType, 3);
    QVERIFY2(ids.size() == 3, "the tenant has too few open findings of this type");
    const QString id = ids.first();

    const Result<TriageRecord> before = await<TriageRecord>([&](QObject* context, Callback<TriageRecord> done) {
        return m_api->triageRecord(findingType, id, context, done);
    });
    QVERIFY2(before, describe(before, "triage record"));

    const Result<TriageWrite> allowlisted = await<TriageWrite>([&](QObject* context, Callback<TriageWrite> done) {
        return m_api->allowlistFinding(
            findingType, id, AllowlistType::UserFalsePositive, QStringLiteral("contract check"), context, done);
    });
    QVERIFY2(allowlisted, describe(allowlisted, "allowlist"));
    const Result<TriageRecord> after = await<TriageRecord>([&](QObject* context, Callback<TriageRecord> done) {
        return m_api->triageRecord(findingType, id, context, done);
    });
    QVERIFY2(after, describe(after, "triage record after the allowlist"));
    if (findingType != FindingType::SecretsSensitiveData) { // its record carries no finding
        QCOMPARE(after.value().isAllowlisted, std::optional<bool>(true));
        QCOMPARE(after.value().allowlistReason, QStringLiteral("contract check"));
    }

    const Result<TriageWrite> unallowlisted = await<TriageWrite>([&](QObject* context, Callback<TriageWrite> done) {
        return m_api->unallowlistFinding(
            findingType, id, QStringLiteral("contract check"), AllowlistType::UserFalsePositive, context, done);
    });
    QVERIFY2(unallowlisted, describe(unallowlisted, "unallowlist"));

    if (endpoints->canOverride) {
        FindingOverride change;
        if (endpoints->canOverrideSeverity)
            change.severity = Severity::High;
        change.priorityLabel = QStringLiteral("URGENT");
        const Result<TriageWrite> overridden = await<TriageWrite>([&](QObject* context, Callback<TriageWrite> done) {
            return m_api->overrideFinding(findingType, id, change, context, done);
        });
        QVERIFY2(overridden, describe(overridden, "override"));
    }

    if (!endpoints->batchPath.isEmpty()) {
        const Result<TriageWrite> batch = await<TriageWrite>([&](QObject* context, Callback<TriageWrite> done) {
            return m_api->allowlistFindings(findingType,
                                            ids.mid(1),
                                            AllowlistType::UserAssumeRisk,
                                            QStringLiteral("contract check"),
                                            context,
                                            done);
        });
        QVERIFY2(batch, describe(batch, "batch allowlist"));
        QCOMPARE(openFindingIds(findingType, 3).contains(ids.at(1)), false);
    }
}

void tst_Contract::metricsOverview()
{
    const Result<MetricsOverview> overview = await<MetricsOverview>(
        [this](QObject* context, Callback<MetricsOverview> done) { return m_api->metricsOverview(context, done); });
    QVERIFY2(overview, describe(overview, "metrics overview"));
}

void tst_Contract::cloudScan()
{
    const Result<CloudScanStart> started = await<CloudScanStart>(
        [this](QObject* context, Callback<CloudScanStart> done) { return m_api->startCloudScan(context, done); });
    QVERIFY2(started, describe(started, "start"));
    QVERIFY(!started.value().scanId.isEmpty());

    CloudScanPoller poller(m_api.get(), started.value().scanId);
    bool finished = false;
    CloudScanStatus last;
    connect(&poller, &CloudScanPoller::finished, &poller, [&](const CloudScanStatus& status) {
        finished = true;
        last = status;
    });
    QString why;
    QVERIFY2(runPoller(&poller, finished, &why), qPrintable(why));
    QCOMPARE(last.overallStatus, ScanStatus::Completed);
    QCOMPARE(m_sandbox->tenant().cloudScansStarted(), 1);
}

void tst_Contract::pentests()
{
    const Result<QList<Application>> applications = await<QList<Application>>(
        [this](QObject* context, Callback<QList<Application>> done) { return m_api->applications(context, done); });
    QVERIFY2(applications, describe(applications, "applications"));
    QVERIFY(!applications.value().isEmpty());
    const QString appId = applications.value().first().id;
    const QString otherAppId = applications.value().last().id;

    auto start = [this](const QString& id) {
        return await<PentestScan>(
            [&](QObject* context, Callback<PentestScan> done) { return m_api->startPentest(id, context, done); });
    };
    const Result<PentestScan> completing = start(appId);
    QVERIFY2(completing, describe(completing, "start"));
    const Result<PentestScan> stopping = start(otherAppId);
    QVERIFY2(stopping, describe(stopping, "start the one to stop"));

    const QString stopId = stopping.value().id;
    const Result<PentestScan> stopped = await<PentestScan>(
        [&](QObject* context, Callback<PentestScan> done) { return m_api->stopPentest(stopId, context, done); });
    QVERIFY2(stopped, describe(stopped, "stop"));

    // Both to a final status: the stopped one through "stopping", the other with rising progress.
    PentestScan completed;
    for (const QString& id : {completing.value().id, stopId}) {
        PentestScanPoller poller(m_api.get(), id);
        bool finished = false;
        PentestScan last;
        connect(&poller, &PentestScanPoller::finished, &poller, [&](const PentestScan& scan) {
            finished = true;
            last = scan;
        });
        QString why;
        QVERIFY2(runPoller(&poller, finished, &why), qPrintable(id + QStringLiteral(": ") + why));
        if (id == stopId)
            QVERIFY2(last.status != ScanStatus::Completed, qPrintable(last.statusText));
        else
            completed = last;
    }
    QCOMPARE(completed.status, ScanStatus::Completed);

    const Result<PentestReport> report = await<PentestReport>([&](QObject* context, Callback<PentestReport> done) {
        return m_api->pentestReport(completed.id, context, done);
    });
    QVERIFY2(report, describe(report, "report"));

    std::unique_ptr<PentestScanPager> pager(makePentestScanPager(m_api.get(), 2));
    QString why;
    QVERIFY2(loadPages(pager.get(), 100, &why), qPrintable(why));
    QVERIFY(!pager->hasMore());
    QSet<QString> ids;
    for (const PentestScan& scan : pager->items())
        ids.insert(scan.id);
    QVERIFY(ids.contains(completed.id));
    QVERIFY(ids.contains(stopId));
}

void tst_Contract::autofix_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("sast") << int(FindingType::Code);
    QTest::newRow("sca dependencies") << int(FindingType::Dependencies);
    QTest::newRow("sca containers") << int(FindingType::Containers);
    QTest::newRow("dast pentest") << int(FindingType::Pentest);
    QTest::newRow("cspm") << int(FindingType::Cloud);
    QTest::newRow("scpm, with a pull request") << int(FindingType::Platform);
}

void tst_Contract::autofix()
{
    QFETCH(int, type);
    const FindingService service = *serviceFor(FindingType(type));
    const QString id = firstFindingId(FindingType(type));
    QVERIFY2(!id.isEmpty(), "the tenant has no finding of this type");

    const Result<AutofixStart> started = await<AutofixStart>(
        [&](QObject* context, Callback<AutofixStart> done) { return m_api->startAutofix(service, id, context, done); });
    QVERIFY2(started, describe(started, "fix"));

    auto pollToTerminal = [&](AutofixStatus* last, QString* why) {
        AutofixPoller poller(m_api.get(), service, id);
        bool finished = false;
        connect(&poller, &AutofixPoller::finished, &poller, [&](const AutofixStatus& status) {
            finished = true;
            *last = status;
        });
        return runPoller(&poller, finished, why);
    };
    AutofixStatus status;
    QString why;
    QVERIFY2(pollToTerminal(&status, &why), qPrintable(why));
    QCOMPARE(status.state, AutofixState::Cached);

    // The Autofix page's list: the findings whose autofix is in one of the states (autoFixState[]).
    FindingsQuery withFix;
    withFix.types = {FindingType(type)};
    withFix.autofixStates = {AutofixState::Cached, AutofixState::PendingReview};
    const Result<Page<Finding>> listed = await<Page<Finding>>(
        [&](QObject* context, Callback<Page<Finding>> done) { return m_api->findings(withFix, context, done); });
    QVERIFY2(listed, describe(listed, "findings with autoFixState"));
    QStringList listedIds;
    for (const Finding& finding : listed.value().items) {
        listedIds << finding.id;
        QCOMPARE(finding.autofixState, AutofixState::Cached);
    }
    QCOMPARE(listedIds, QStringList {id});

    if (hasAutofixDiff(service)) {
        const Result<AutofixDiff> diff = await<AutofixDiff>([&](QObject* context, Callback<AutofixDiff> done) {
            return m_api->autofixDiff(service, id, context, done);
        });
        QVERIFY2(diff, describe(diff, "diff"));
        QVERIFY(!diff.value().diffs.isEmpty());
    }

    if (service == FindingService::Scpm) {
        const Result<AutofixStart> pr = await<AutofixStart>(
            [&](QObject* context, Callback<AutofixStart> done) { return m_api->createPullRequest(id, context, done); });
        QVERIFY2(pr, describe(pr, "create_pr"));
        QVERIFY2(pollToTerminal(&status, &why), qPrintable(why));
        QVERIFY2(!status.pullRequestUrl.isEmpty(), qPrintable(status.stateText));
    }
}

// The event feed, after the scans and autofixes above: read from the start in small pages (every
// event type the sandbox writes passes Prism), then with the notifier's poller from a cursor, which
// sees a finding reported after it and nothing from before.
void tst_Contract::eventFeed()
{
    EventsQuery query;
    query.limit = 3;
    QStringList types;
    QSet<QString> ids;
    for (int page = 0; page < 100; ++page) {
        const Result<EventPage> read = await<EventPage>(
            [&](QObject* context, Callback<EventPage> done) { return listEvents(m_api.get(), query, context, done); });
        QVERIFY2(read, describe(read, "events"));
        for (const FeedEvent& event : read.value().events) {
            QVERIFY2(!ids.contains(event.id), qPrintable(event.id));
            ids.insert(event.id);
            types.append(event.type);
        }
        query.after = read.value().next;
        if (!read.value().hasMore)
            break;
    }
    for (const char* type : {"dast-pentest-scan-completed",
                             "cloud-integration-scan-completed",
                             "auto_fix_agent_finished",
                             "auto-fix-pull-request-created",
                             "dast-pentest-new-finding"})
        QVERIFY2(types.contains(QLatin1String(type)), type);

    EventFeedPoller poller(m_api.get());
    poller.setCursor(query.after);
    QList<FeedEvent> arrived;
    connect(
        &poller, &EventFeedPoller::eventsArrived, &poller, [&](const QList<FeedEvent>& events) { arrived += events; });
    QString error;
    QVERIFY(!m_sandbox->tenant().reportNewFinding(QString(), &error).isEmpty());
    bool finished = false;
    poller.setIntervals(250ms, 500ms, 1s);
    connect(&poller, &EventFeedPoller::polled, &poller, [&](bool) {
        if (!arrived.isEmpty()) {
            finished = true;
            poller.stop(); // the feed never ends by itself
        }
    });
    QString why;
    QVERIFY2(runPoller(&poller, finished, &why), qPrintable(why));
    QCOMPARE(arrived.size(), 1);
    QCOMPARE(arrived.first().kind(), EventKind::NewFinding);
    QCOMPARE(arrived.first().severity(), Severity::Critical);
}

// The offline probe of the app's connection state (ui::ConnectionState), sent as the app sends it
// to the URL the app gives it (AppController::updateProbeUrl): an operation the spec declares, so
// Prism passes it to the sandbox and its answer, a 200, carries no violation. (A HEAD, which the
// spec has no operation for, came back 405 from the sandbox.)
void tst_Contract::offlineProbe()
{
    ui::RequestTracker tracker(m_nam.get());
    ui::ManualReachability reachability(true);
    ui::ConnectionState connection(&tracker, &reachability);
    connection.setProbeInterval(50ms, 100ms);
    ApiRequest whoAmI;
    whoAmI.path = QStringLiteral("/admin/user/current");
    connection.setProbeUrl(m_client->urlFor(whoAmI));
    const qsizetype before = m_exchanges.size();
    const qsizetype logBefore = m_sandbox->logEntries().size();

    reachability.setOnline(false); // paused: the first probe is due 50 ms later
    QVERIFY(connection.isPaused());
    // The answer proves the API is there: online again (probes sent meanwhile may still answer).
    QTRY_COMPARE_WITH_TIMEOUT(connection.state(), ui::ConnectionState::State::Online, callTimeoutMs);
    const auto allFinished = [&tracker] {
        return std::all_of(tracker.records().cbegin(), tracker.records().cend(), [](const ui::RequestRecord& r) {
            return r.isFinished();
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(allFinished(), callTimeoutMs);
    const QList<Exchange> probes = m_exchanges.mid(before);
    QVERIFY(!probes.isEmpty());
    for (const Exchange& probe : probes) {
        QVERIFY2(probe.request.startsWith(QStringLiteral("GET /admin/user/current?githubOwnerId=")),
                 qPrintable(probe.request));
        QCOMPARE(probe.status, 200);
        QVERIFY2(probe.violations.isEmpty(), probe.violations.constData());
    }
    // They reached the sandbox, which answered them itself.
    QStringList reached;
    for (const QJsonObject& entry : m_sandbox->logEntries().mid(logBefore))
        reached << entry.value(QStringLiteral("method")).toString() + QLatin1Char(' ')
                + entry.value(QStringLiteral("path")).toString() + QLatin1Char(' ')
                + QString::number(entry.value(QStringLiteral("status")).toInt());
    QCOMPARE(reached.size(), probes.size());
    QCOMPARE(reached.count(QStringLiteral("GET /admin/user/current 200")), probes.size());
    // Online: no more probes.
    QTest::qWait(300); // negative: three of the longest probe intervals (100 ms) without a probe
    QCOMPARE(m_exchanges.size(), before + probes.size());
}

QTEST_GUILESS_MAIN(tst_Contract)
#include "tst_contract.moc"
