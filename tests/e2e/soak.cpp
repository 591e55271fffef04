// Soak (issue 7): thousands of requests of mixed methods through the app's client stack
// (NetworkAccessManager + ApiClient + Session) against nullify-sandbox with a seeded plan of random
// faults, judged from both sides:
// - the client's: every reply finishes exactly once, none is lost, each ends in a success with a
//   JSON body or in a classified error with a message;
// - the sandbox's request log: no POST or PATCH that is not marked idempotent reaches the server
//   again after an attempt of it got a 5xx or was cut (reset, close, stall), or more often than the
//   client sent it, and none has more attempts than the policy allows. Qt's own resends of a
//   request that may run again (after an early close, on a stale keep-alive connection) are
//   accepted and counted apart from the policy's retries: soak.qt_resends, per method.
// It also watches the client's memory: RSS after warm-up against RSS at the end.
//
// The sandbox runs as a child process (the nullify-sandbox executable), not in this process:
// - RSS is the client's alone. In-process, the sandbox's request log and its started scans would
//   grow RSS with every request and hide (or fake) a leak in the client.
// - The server has its own event loop and CPU: a stalled connection stalls only the server's side
//   of it, and the client's timers and retries run on time, as against a real server.
// The attempts of one logical request are grouped through an X-Request-Id header the soak sets on
// its own requests (the app sends none); the sandbox logs it as "requestId".
//
//   soak --requests 10000                  # the full run (figures in BENCHMARKS.md)
//   soak --requests 1000 --no-rss-check    # the CTest version (tst_soak)
//   soak --requests 500 --no-rss-check --via-tls-proxy   # over HTTP/2 + TLS through nghttpx (tst_soak_tls)
//
// Prints BENCH lines (tests/bench/benchfigure.h) and exits 1 when a check fails.

#include "../bench/benchfigure.h"
#include "apiclient.h"
#include "faultplan.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "nullifyapi.h"
#include "retryinfo.h"
#include "retrypolicy.h"
#include "sandboxharness.h"
#include "session.h"
#include "tenant.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMap>
#include <QNetworkReply>
#include <QPointer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTimer>
#include <QtCore/qtestsupport_core.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <optional>
#include <vector>

#ifndef NULLIFY_SANDBOX_EXECUTABLE
#error "NULLIFY_SANDBOX_EXECUTABLE must name the nullify-sandbox executable"
#endif

Q_LOGGING_CATEGORY(lcSoak, "nullify.test.soak", QtInfoMsg)

constexpr int kSkipped = 77; // CTest's SKIP_RETURN_CODE for tst_soak_tls without nghttpx

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::RetryInfo;
using nullify::RetryPolicy;
using nullify::api::ApiClient;
using nullify::api::ApiError;
using nullify::api::ApiRequest;
using nullify::api::Result;
using nullify::bench::figure;
using nullify::sandbox::FaultRule;
using nullify::sandbox::FaultRuleBuilder;
using nullify::test::SandboxHarness;

namespace {

struct Options
{
    int requests = 10'000;
    int concurrency = 32;
    quint32 seed = 7;
    double faultRate = 0.20;
    double warmupFraction = 0.10;
    double rssMarginMiB = 5.0; // negative: report only
    int attemptTimeoutMs = 1000;
    QString sandbox = QStringLiteral(NULLIFY_SANDBOX_EXECUTABLE);
    QString sandboxLog; // the sandbox's --log, for looking into a failed check
    bool viaTlsProxy = false; // HTTP/2 + TLS through nghttpx in front of the sandbox
};

// The calls the soak makes: real endpoints of the API map, in shares that resemble a user who
// browses a lot and now and then starts work or edits a finding.
enum class Op : quint8 {
    ListRepositories,
    ScanRuns,
    FindingDetail,
    CurrentUser,
    ListApplications,
    ListPentests,
    QueryFindings, // POST, marked idempotent (a query), as NullifyApi sends it
    StartCloudScan, // POST without a body: billable, never replayed after a 5xx or a cut
    StartPentest, // POST with a body: billable, never replayed after a 5xx or a cut
    PatchFinding, // PATCH: not idempotent, never replayed after a 5xx or a cut
    Count
};

struct OpInfo
{
    const char* name;
    const char* method;
    int weight;
};

constexpr OpInfo kOps[] = {
    {"GET /context/repositories", "GET", 15},
    {"GET /sast/scan-runs", "GET", 5},
    {"GET /sast/findings/{id}", "GET", 15},
    {"GET /admin/user/current", "GET", 5},
    {"GET /context/applications", "GET", 5},
    {"GET /dast/pentest/scans", "GET", 5},
    {"POST /admin/findings", "POST", 15},
    {"POST /context/cloud-scan/start", "POST", 10},
    {"POST /dast/pentest/start", "POST", 5},
    {"PATCH /sast/findings/{id}", "PATCH", 20},
};
static_assert(std::size(kOps) == size_t(Op::Count));

// Whether the retry layer must never send this request again once it may have reached the server.
bool isUnsafe(Op op)
{
    return op == Op::StartCloudScan || op == Op::StartPentest || op == Op::PatchFinding;
}

// What the soak knows about one logical request: a fixed-size record in a vector sized before the
// first request, so following the run costs no memory that grows with it.
struct Record
{
    Op op = Op::Count;
    bool started = false;
    bool ok = false;
    bool unsafeFailureSeen = false; // the server logged a 5xx or a cut attempt of this request
    bool duplicateAfterFailure = false; // ... and then another attempt of an unsafe one
    quint8 finishedSignals = 0;
    quint8 callbacks = 0;
    quint8 clientAttempts = 0; // the reply's AttemptCount
    quint8 serverAttempts = 0; // log entries with this request's id
};

// The method, and for a POST whether it is the marked-idempotent query: Qt's own resends are
// accepted for that one and never for the other POSTs, so the soak's figures tell them apart.
QString methodKey(Op op)
{
    return op == Op::QueryFindings ? QStringLiteral("POST_marked") : QLatin1String(kOps[int(op)].method);
}

quint8 saturatingIncrement(quint8 value)
{
    return value == 255 ? value : quint8(value + 1);
}

double rssMiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return std::nan("");
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return std::nan("");
}

// The fault plan: each kind's share of all requests (they add up to faultRate), one rate rule per
// kind and path prefix. Rules are tried in order and a request that fired one is not seen by the
// later ones, so each rule's rate is its share of the requests the earlier rules let through.
// /auth/ is left alone: a fault on the refresh call would test the session, not the soak's subject,
// and a revoked refresh ends the session (every later request would fail the same way).
QJsonArray faultRules(quint32 seed, double faultRate)
{
    struct Kind
    {
        double share; // of faultRate
        FaultRuleBuilder (*on)(const QString& path);
    };
    const QList<Kind> kinds {
        {0.20, [](const QString& path) { return FaultRule::on("*", path).status(503).retryAfter(1); }},
        {0.20, [](const QString& path) { return FaultRule::on("*", path).status(503); }},
        {0.15, [](const QString& path) { return FaultRule::on("*", path).status(429).retryAfter(1); }},
        {0.05, [](const QString& path) { return FaultRule::on("*", path).revoke(); }},
        {0.20, [](const QString& path) { return FaultRule::on("*", path).resetMidBody(); }},
        {0.10, [](const QString& path) { return FaultRule::on("*", path).stall(); }},
        {0.10, [](const QString& path) { return FaultRule::on("*", path).close(); }},
    };
    const QStringList prefixes {
        QStringLiteral("/context/*"), QStringLiteral("/admin/*"), QStringLiteral("/sast/*"), QStringLiteral("/dast/*")};
    QJsonArray rules;
    for (int p = 0; p < prefixes.size(); ++p) {
        double taken = 0.0;
        for (int k = 0; k < kinds.size(); ++k) {
            const double share = kinds[k].share * faultRate;
            const auto ruleSeed = static_cast<quint32>(qint64(seed) * 1000 + p * 10 + k);
            rules.append(kinds[k].on(prefixes[p]).rate(std::clamp(share / (1.0 - taken), 0.0, 1.0), ruleSeed));
            taken += share;
        }
    }
    return rules;
}

class Soak : public QObject
{
public:
    explicit Soak(const Options& options)
        : m_options(options)
        , m_records(size_t(options.requests))
        , m_rng(options.seed)
    { }

    ~Soak() override
    {
        // The client first: its replies must not outlive the session and the manager.
        m_context.reset();
        m_session.reset();
        m_client.reset();
        m_manager.reset();
        m_harness.reset();
        if (m_sandbox && m_sandbox->state() != QProcess::NotRunning) {
            m_sandbox->terminate();
            if (!m_sandbox->waitForFinished(5000))
                m_sandbox->kill();
        }
    }

    int run();

private:
    bool startSandbox(QString* error);
    bool signIn(QString* error);
    bool loadFixtures(QString* error);
    ApiRequest requestFor(Op op, int index);
    void startNext();
    void onReplyFinished(int index, QNetworkReply* reply);
    void onResult(int index, const Result<QByteArray>& result);
    void harvestLog();
    void processEntry(const QJsonObject& entry);
    bool report(qint64 wallMs);
    bool check(const QString& name, double value, const QString& unit, bool ok, const QString& target);

    Options m_options;
    std::unique_ptr<QProcess> m_sandbox;
    std::unique_ptr<SandboxHarness> m_harness;
    std::unique_ptr<NetworkAccessManager> m_manager;
    std::unique_ptr<ApiClient> m_client;
    std::unique_ptr<nullify::session::Session> m_session;
    std::unique_ptr<QObject> m_context; // every call's context: destroying it aborts what is left

    std::vector<Record> m_records;
    QRandomGenerator m_rng;
    QStringList m_findingIds; // sast findings, for detail and PATCH
    QString m_repositoryId;
    QString m_applicationId;
    QByteArray m_idPrefix;

    int m_started = 0;
    int m_finished = 0;
    int m_inFlight = 0;
    int m_successes = 0;
    int m_unclassified = 0; // errors without a message, successes without a JSON body
    QMap<QString, int> m_errorsByKind;
    QMap<QString, QString> m_errorExample; // the first message of each kind, to show what users read
    QMap<QString, int> m_opCounts;
    int m_retries = 0;
    QMap<QString, int> m_retriesByReason;
    int m_refreshes = 0;
    int m_sessionEnded = 0;
    int m_throttled = 0;

    // From the sandbox's log.
    qint64 m_logSeq = 0;
    int m_logEntries = 0;
    int m_foreignEntries = 0; // entries with an id the soak did not send
    int m_refreshCalls = 0; // GET /auth/refresh_token seen by the server
    QMap<QString, int> m_faultsByKind;
    int m_logErrors = 0;

    double m_rssWarm = std::nan("");
    double m_rssPeak = 0;
    bool m_failed = false;
};

bool Soak::startSandbox(QString* error)
{
    m_sandbox = std::make_unique<QProcess>();
    QStringList arguments {QStringLiteral("--auto-approve"),
                           QStringLiteral("--seed"),
                           QString::number(m_options.seed),
                           QStringLiteral("--work-seconds"),
                           QStringLiteral("5")};
    if (!m_options.sandboxLog.isEmpty())
        arguments << QStringLiteral("--log") << m_options.sandboxLog;
    m_harness = SandboxHarness::attachToChildProcess(m_sandbox.get(), m_options.sandbox, arguments, 15'000, error);
    if (!m_harness)
        return false;
    return !m_options.viaTlsProxy || m_harness->startTlsProxy(error);
}

bool Soak::signIn(QString* error)
{
    m_manager = std::make_unique<NetworkAccessManager>();
    // Short waits so 10,000 requests take minutes: the subject is which attempts happen, and the
    // per-attempt timeout is what gets a stalled attempt unstuck. The attempt limit and the retry
    // budget are the app's defaults.
    RetryPolicy policy;
    policy.initialBackoff = 50ms;
    policy.maxBackoff = 400ms;
    policy.retryAfterCap = 5s;
    policy.attemptTimeout = std::chrono::milliseconds(m_options.attemptTimeoutMs);
    policy.deadline = 30s;
    m_manager->setRetryPolicy(policy);
    connect(
        m_manager.get(), &NetworkAccessManager::retryScheduled, this, [this](QNetworkReply*, const RetryInfo& info) {
            ++m_retries;
            ++m_retriesByReason[info.reason];
        });
    connect(m_manager.get(), &NetworkAccessManager::hostThrottled, this, [this] { ++m_throttled; });

    const auto credentials = m_harness->signIn(m_manager.get(), error);
    if (!credentials)
        return false;
    const auto tenant
        = nullify::session::Tenant::fromInput(m_harness->apiUrl().toString(QUrl::StripTrailingSlash), error);
    if (!tenant)
        return false;
    m_client = std::make_unique<ApiClient>(m_manager.get());
    // No keychain: the session keeps the tokens in memory. Its refresh is the app's, a real
    // GET /auth/refresh_token after every 401 that the manager reports.
    m_session = std::make_unique<nullify::session::Session>(m_manager.get(), m_client.get(), nullptr);
    connect(m_session.get(), &nullify::session::Session::tokenRefreshed, this, [this] { ++m_refreshes; });
    connect(m_session.get(), &nullify::session::Session::sessionExpired, this, [this](const QString& reason) {
        ++m_sessionEnded;
        qCWarning(lcSoak) << "the session ended:" << reason;
    });
    m_session->signIn(*tenant, *credentials);
    if (m_session->state() != nullify::session::Session::State::SignedIn) {
        *error = QStringLiteral("the session did not sign in");
        return false;
    }
    m_context = std::make_unique<QObject>();
    return true;
}

// Ids the calls need (findings to read and patch, a repository, an application), read before the
// faults are switched on.
bool Soak::loadFixtures(QString* error)
{
    nullify::api::NullifyApi api(m_client.get());
    std::optional<Result<nullify::api::Page<nullify::api::Finding>>> findings;
    nullify::api::FindingsQuery query;
    query.types = {nullify::api::FindingType::Code};
    api.findings(query, m_context.get(), [&findings](const auto& r) { findings = r; });
    std::optional<Result<nullify::api::Page<nullify::api::Repository>>> repositories;
    api.repositories(5, {}, m_context.get(), [&repositories](const auto& r) { repositories = r; });
    std::optional<Result<QList<nullify::api::Application>>> applications;
    api.applications(m_context.get(), [&applications](const auto& r) { applications = r; });
    // A missing answer is reported below, per call.
    [[maybe_unused]] const bool answered
        = QTest::qWaitFor([&] { return findings && repositories && applications; }, 15'000);
    if (!findings || !findings->isOk() || findings->value().items.isEmpty()) {
        *error = QStringLiteral("no sast findings to work on");
        return false;
    }
    if (!repositories || !repositories->isOk() || repositories->value().items.isEmpty()) {
        *error = QStringLiteral("no repositories");
        return false;
    }
    if (!applications || !applications->isOk() || applications->value().isEmpty()) {
        *error = QStringLiteral("no applications");
        return false;
    }
    for (const auto& finding : findings->value().items)
        m_findingIds.append(finding.id);
    m_repositoryId = repositories->value().items.first().id;
    m_applicationId = applications->value().first().id;
    return true;
}

ApiRequest Soak::requestFor(Op op, int index)
{
    ApiRequest request;
    request.method = kOps[int(op)].method;
    const QString finding = m_findingIds.at(int(m_rng.bounded(quint32(m_findingIds.size()))));
    switch (op) {
    case Op::ListRepositories:
        request.path = QStringLiteral("/context/repositories");
        request.query = {{QStringLiteral("limit"), QStringLiteral("20")}};
        break;
    case Op::ScanRuns:
        request.path = QStringLiteral("/sast/scan-runs");
        request.query
            = {{QStringLiteral("repositoryId"), m_repositoryId}, {QStringLiteral("limit"), QStringLiteral("10")}};
        break;
    case Op::FindingDetail:
        request.path = QStringLiteral("/sast/findings/") + ApiClient::pathSegment(finding);
        break;
    case Op::CurrentUser:
        request.path = QStringLiteral("/admin/user/current");
        break;
    case Op::ListApplications:
        request.path = QStringLiteral("/context/applications");
        break;
    case Op::ListPentests:
        request.path = QStringLiteral("/dast/pentest/scans");
        break;
    case Op::QueryFindings: {
        nullify::api::FindingsQuery query;
        query.page = 1 + m_rng.bounded(3);
        query.pageSize = 20;
        request.path = QStringLiteral("/admin/findings");
        request.body = nullify::api::NullifyApi::findingsQueryBody(query);
        request.idempotent = true; // a read, as NullifyApi::findings marks it
        break;
    }
    case Op::StartCloudScan:
        request.path = QStringLiteral("/context/cloud-scan/start"); // no body, per the spec
        break;
    case Op::StartPentest:
        request.path = QStringLiteral("/dast/pentest/start");
        request.body = QJsonDocument(QJsonObject {{QStringLiteral("applicationId"), m_applicationId}})
                           .toJson(QJsonDocument::Compact);
        break;
    case Op::PatchFinding: {
        static const char* const severities[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW"};
        request.path = QStringLiteral("/sast/findings/") + ApiClient::pathSegment(finding);
        request.body = QJsonDocument(QJsonObject {{QStringLiteral("severityOverride"),
                                                   QLatin1String(severities[m_rng.bounded(4)])}})
                           .toJson(QJsonDocument::Compact);
        break;
    }
    case Op::Count:
        break;
    }
    request.headers.append({QByteArrayLiteral("X-Request-Id"), m_idPrefix + QByteArray::number(index)});
    return request;
}

void Soak::startNext()
{
    while (m_inFlight < m_options.concurrency && m_started < m_options.requests) {
        const int index = m_started++;
        int pick = int(m_rng.bounded(100));
        Op op = Op::ListRepositories;
        for (int i = 0; i < int(Op::Count); ++i) {
            if (pick < kOps[i].weight) {
                op = Op(i);
                break;
            }
            pick -= kOps[i].weight;
        }
        Record& record = m_records[size_t(index)];
        record.op = op;
        record.started = true;
        ++m_inFlight;
        QNetworkReply* reply = m_client->sendRaw(
            requestFor(op, index), m_context.get(), [this, index](const Result<QByteArray>& r) { onResult(index, r); });
        if (!reply)
            continue; // refused before sending: the callback reports it
        connect(reply, &QNetworkReply::finished, this, [this, index, reply] { onReplyFinished(index, reply); });
    }
}

void Soak::onReplyFinished(int index, QNetworkReply* reply)
{
    Record& record = m_records[size_t(index)];
    record.finishedSignals = saturatingIncrement(record.finishedSignals);
    record.clientAttempts = quint8(
        std::clamp(reply->attribute(nullify::toAttribute(nullify::ReplyAttribute::AttemptCount)).toInt(), 0, 255));
}

void Soak::onResult(int index, const Result<QByteArray>& result)
{
    Record& record = m_records[size_t(index)];
    record.callbacks = saturatingIncrement(record.callbacks);
    if (record.callbacks > 1)
        return; // counted as a failed check in report(); never counted twice as an outcome
    ++m_finished;
    --m_inFlight;
    ++m_opCounts[QLatin1String(kOps[int(record.op)].name)];
    if (result.isOk()) {
        // A success is a whole JSON document: half a body cut by a reset must never pass as one.
        QJsonParseError parseError {};
        QJsonDocument::fromJson(result.value(), &parseError);
        if (parseError.error == QJsonParseError::NoError) {
            record.ok = true;
            ++m_successes;
        } else {
            ++m_unclassified;
            qCWarning(lcSoak) << "request" << index
                              << "succeeded with a body that is not JSON:" << parseError.errorString();
        }
    } else {
        const ApiError& error = result.error();
        QString kind = nullify::api::kindName(error.kind);
        if (error.httpStatus != 0)
            kind += QStringLiteral(" %1").arg(error.httpStatus);
        ++m_errorsByKind[kind];
        if (!m_errorExample.contains(kind))
            m_errorExample.insert(
                kind, QStringLiteral("%1: %2").arg(QLatin1String(kOps[int(record.op)].name), error.message));
        if (error.message.trimmed().isEmpty()) {
            ++m_unclassified;
            qCWarning(lcSoak) << "request" << index << "failed without a message:" << error.toString();
        }
    }
    if (m_finished == std::max(1, int(m_options.requests * m_options.warmupFraction)))
        m_rssWarm = rssMiB();
    if (m_finished % 1000 == 0)
        qCInfo(lcSoak) << m_finished << "of" << m_options.requests << "finished," << m_successes << "succeeded";
    startNext();
}

void Soak::harvestLog()
{
    QJsonObject answer;
    if (!m_harness->control("GET", QStringLiteral("/log?since=%1").arg(m_logSeq), {}, &answer)) {
        ++m_logErrors;
        qCWarning(lcSoak) << "log:" << m_harness->lastError();
        return;
    }
    const QJsonArray entries = answer.value(QStringLiteral("entries")).toArray();
    for (const QJsonValue& value : entries) {
        const QJsonObject entry = value.toObject();
        m_logSeq = std::max(m_logSeq, entry.value(QStringLiteral("seq")).toInteger());
        processEntry(entry);
    }
    m_rssPeak = std::max(m_rssPeak, rssMiB());
}

void Soak::processEntry(const QJsonObject& entry)
{
    ++m_logEntries;
    const QJsonObject fault = entry.value(QStringLiteral("fault")).toObject();
    const QString faultKind = fault.value(QStringLiteral("fault")).toString();
    if (!faultKind.isEmpty()) {
        QString name = faultKind;
        if (faultKind == QLatin1String("status")) {
            name = QStringLiteral("status %1%2")
                       .arg(fault.value(QStringLiteral("status")).toInt())
                       .arg(fault.contains(QStringLiteral("retryAfter")) ? QStringLiteral(" Retry-After") : QString());
        }
        ++m_faultsByKind[name];
    }
    if (entry.value(QStringLiteral("path")).toString() == QLatin1String("/auth/refresh_token"))
        ++m_refreshCalls;

    const QByteArray id = entry.value(QStringLiteral("requestId")).toString().toLatin1();
    if (id.isEmpty())
        return; // sign-in, refreshes, fixtures
    bool ok = false;
    const int index = id.startsWith(m_idPrefix) ? id.mid(m_idPrefix.size()).toInt(&ok) : -1;
    if (!ok || index < 0 || index >= m_options.requests || !m_records[size_t(index)].started) {
        ++m_foreignEntries;
        return;
    }
    Record& record = m_records[size_t(index)];
    record.serverAttempts = saturatingIncrement(record.serverAttempts);
    if (record.unsafeFailureSeen && isUnsafe(record.op) && !record.duplicateAfterFailure) {
        record.duplicateAfterFailure = true;
        qCWarning(lcSoak).noquote() << "request" << index << kOps[int(record.op)].name
                                    << "reached the server again after a 5xx or a cut attempt:"
                                    << QJsonDocument(entry).toJson(QJsonDocument::Compact);
    }
    // After these the server may have acted on the request: a replay would be a duplicate. A 429
    // and a 401 (revoked or stale token) mean "not processed" and may be replayed, also when a
    // reset cut their body: the status line had arrived whole.
    const int status = entry.value(QStringLiteral("status")).toInt();
    const bool serverError = status == 500 || status == 502 || status == 503 || status == 504;
    const bool notProcessed = status == 401 || status == 429;
    const bool cut = (faultKind == QLatin1String("reset") && !notProcessed) || faultKind == QLatin1String("close")
        || faultKind == QLatin1String("stall");
    if (serverError || cut)
        record.unsafeFailureSeen = true;
}

bool Soak::check(const QString& name, double value, const QString& unit, bool ok, const QString& target)
{
    figure(name, value, unit, target, ok ? 1 : 0);
    if (!ok) {
        m_failed = true;
        std::fprintf(stderr, "FAIL: %s = %g (target %s)\n", qPrintable(name), value, qPrintable(target));
    }
    return ok;
}

bool Soak::report(qint64 wallMs)
{
    const int limit = m_manager->retryPolicy().maxAttempts + 1; // + the one replay after a 401
    int finishedNotOnce = 0;
    int lost = 0;
    int maxClientAttempts = 0;
    int maxServerAttempts = 0;
    int overLimit = 0;
    int maxServerAttemptsUnsafe = 0;
    int duplicates = 0;
    // Sends the server logged beyond the attempts the client counted: Qt's own resends after an
    // early close. Accepted for a request that may run again (curl and Go resend such a request
    // too), never for one that must not run twice. Per method, apart from the policy's retries.
    QMap<QString, int> qtResendsByMethod;
    QMap<QString, std::pair<qint64, qint64>> attemptsByMethod; // the client's, the server's
    int qtResends = 0;
    int unsafeResends = 0; // requests that must not run twice, sent by Qt behind the client's back
    qint64 clientAttempts = 0;
    int requestsNeverSent = 0;
    int failedNeverSent = 0; // errors of requests no attempt of which reached the server
    int unsafeAfterFailureChecked = 0;
    for (const Record& record : m_records) {
        if (record.callbacks == 0 && record.finishedSignals == 0) {
            ++lost;
            continue;
        }
        if (record.callbacks != 1 || record.finishedSignals != 1)
            ++finishedNotOnce;
        clientAttempts += record.clientAttempts;
        maxClientAttempts = std::max<int>(maxClientAttempts, record.clientAttempts);
        maxServerAttempts = std::max<int>(maxServerAttempts, record.serverAttempts);
        // The limit is the retry policy's; Qt's own resends of a request that may run again are
        // counted apart (below). A request that must not run twice has no such resends.
        if (record.clientAttempts > limit || (isUnsafe(record.op) && record.serverAttempts > limit))
            ++overLimit;
        if (isUnsafe(record.op))
            maxServerAttemptsUnsafe = std::max<int>(maxServerAttemptsUnsafe, record.serverAttempts);
        if (record.duplicateAfterFailure)
            ++duplicates;
        auto& [methodClient, methodServer] = attemptsByMethod[methodKey(record.op)];
        methodClient += record.clientAttempts;
        methodServer += record.serverAttempts;
        if (record.serverAttempts > record.clientAttempts) {
            const int resends = record.serverAttempts - record.clientAttempts;
            qtResends += resends;
            qtResendsByMethod[methodKey(record.op)] += resends;
            if (isUnsafe(record.op))
                ++unsafeResends;
        }
        if (record.serverAttempts == 0) {
            ++requestsNeverSent;
            if (!record.ok)
                ++failedNeverSent;
        }
        if (isUnsafe(record.op) && record.unsafeFailureSeen)
            ++unsafeAfterFailureChecked;
    }

    const QJsonObject state = m_harness->state();
    const int faultsLogged = std::accumulate(m_faultsByKind.cbegin(), m_faultsByKind.cend(), 0);
    const int errors = std::accumulate(m_errorsByKind.cbegin(), m_errorsByKind.cend(), 0);
    const QString n = QString::number(m_options.requests);

    figure(QStringLiteral("soak.requests"), m_options.requests, QStringLiteral("count"));
    figure(QStringLiteral("soak.concurrency"), m_options.concurrency, QStringLiteral("count"));
    figure(QStringLiteral("soak.seed"), m_options.seed, QStringLiteral("seed"));
    for (auto it = m_opCounts.cbegin(); it != m_opCounts.cend(); ++it)
        figure(QStringLiteral("soak.calls.%1").arg(it.key()), it.value(), QStringLiteral("count"));
    check(QStringLiteral("soak.finished"),
          m_finished,
          QStringLiteral("count"),
          m_finished == m_options.requests,
          QStringLiteral("==") + n);
    check(QStringLiteral("soak.lost"), lost, QStringLiteral("count"), lost == 0, QStringLiteral("==0"));
    check(QStringLiteral("soak.finished_not_exactly_once"),
          finishedNotOnce,
          QStringLiteral("count"),
          finishedNotOnce == 0,
          QStringLiteral("==0"));
    figure(QStringLiteral("soak.successes"), m_successes, QStringLiteral("count"));
    figure(QStringLiteral("soak.errors"), errors, QStringLiteral("count"));
    for (auto it = m_errorsByKind.cbegin(); it != m_errorsByKind.cend(); ++it) {
        figure(QStringLiteral("soak.errors.%1").arg(it.key()), it.value(), QStringLiteral("count"));
        std::printf("  e.g. %s\n", qPrintable(m_errorExample.value(it.key())));
    }
    check(QStringLiteral("soak.unclassified"),
          m_unclassified,
          QStringLiteral("count"),
          m_unclassified == 0,
          QStringLiteral("==0"));

    const int faultsApplied = state.value(QStringLiteral("faultsApplied")).toInt(-1);
    figure(QStringLiteral("soak.server.requests"),
           state.value(QStringLiteral("requests")).toInt(-1),
           QStringLiteral("count"));
    check(QStringLiteral("soak.faults_applied"),
          faultsApplied,
          QStringLiteral("count"),
          faultsApplied == faultsLogged && faultsApplied > 0,
          QStringLiteral("==%1 (log)").arg(faultsLogged));
    figure(QStringLiteral("soak.fault_share"),
           m_logEntries ? double(faultsApplied) / m_logEntries : 0.0,
           QStringLiteral("ratio"));
    for (auto it = m_faultsByKind.cbegin(); it != m_faultsByKind.cend(); ++it)
        figure(QStringLiteral("soak.faults.%1").arg(it.key()), it.value(), QStringLiteral("count"));

    figure(QStringLiteral("soak.retries"), m_retries, QStringLiteral("count"));
    for (auto it = m_retriesByReason.cbegin(); it != m_retriesByReason.cend(); ++it)
        figure(QStringLiteral("soak.retries.%1").arg(it.key()), it.value(), QStringLiteral("count"));
    figure(QStringLiteral("soak.replays_after_401"),
           double(clientAttempts - (m_options.requests - lost) - m_retries),
           QStringLiteral("count"));
    figure(QStringLiteral("soak.retry_budget_empty"), m_throttled, QStringLiteral("count"));
    figure(QStringLiteral("soak.refreshes"), m_refreshes, QStringLiteral("count"));
    check(QStringLiteral("soak.refresh_calls"),
          m_refreshCalls,
          QStringLiteral("count"),
          m_refreshCalls >= m_refreshes && (m_refreshes > 0 || m_faultsByKind.value(QStringLiteral("revoke")) == 0),
          QStringLiteral(">=refreshes, >0 with revocations"));
    check(QStringLiteral("soak.session_ended"),
          m_sessionEnded,
          QStringLiteral("count"),
          m_sessionEnded == 0,
          QStringLiteral("==0"));

    figure(QStringLiteral("soak.log_entries"), m_logEntries, QStringLiteral("count"));
    check(QStringLiteral("soak.log_unmatched"),
          m_foreignEntries + m_logErrors,
          QStringLiteral("count"),
          m_foreignEntries + m_logErrors == 0,
          QStringLiteral("==0"));
    figure(QStringLiteral("soak.unsafe_requests_with_5xx_or_cut"), unsafeAfterFailureChecked, QStringLiteral("count"));
    check(QStringLiteral("soak.duplicates_after_5xx_or_cut"),
          duplicates,
          QStringLiteral("count"),
          duplicates == 0,
          QStringLiteral("==0"));
    for (auto it = attemptsByMethod.cbegin(); it != attemptsByMethod.cend(); ++it) {
        figure(QStringLiteral("soak.attempts.%1.client").arg(it.key()), double(it->first), QStringLiteral("count"));
        figure(QStringLiteral("soak.attempts.%1.server").arg(it.key()), double(it->second), QStringLiteral("count"));
    }
    figure(QStringLiteral("soak.qt_resends"), qtResends, QStringLiteral("count"));
    for (auto it = qtResendsByMethod.cbegin(); it != qtResendsByMethod.cend(); ++it)
        figure(QStringLiteral("soak.qt_resends.%1").arg(it.key()), it.value(), QStringLiteral("count"));
    check(QStringLiteral("soak.unsafe_resent_unseen_by_client"),
          unsafeResends,
          QStringLiteral("count"),
          unsafeResends == 0,
          QStringLiteral("==0"));
    figure(QStringLiteral("soak.never_reached_server"), requestsNeverSent, QStringLiteral("count"));
    figure(QStringLiteral("soak.errors_never_reached_server"), failedNeverSent, QStringLiteral("count"));
    check(QStringLiteral("soak.max_attempts_client"),
          maxClientAttempts,
          QStringLiteral("count"),
          maxClientAttempts <= limit,
          QStringLiteral("<=%1").arg(limit));
    figure(QStringLiteral("soak.max_attempts_server"), maxServerAttempts, QStringLiteral("count"));
    check(QStringLiteral("soak.max_attempts_server_unsafe"),
          maxServerAttemptsUnsafe,
          QStringLiteral("count"),
          maxServerAttemptsUnsafe <= limit,
          QStringLiteral("<=%1").arg(limit));
    check(QStringLiteral("soak.over_attempt_limit"),
          overLimit,
          QStringLiteral("count"),
          overLimit == 0,
          QStringLiteral("==0"));
    figure(QStringLiteral("soak.server.cloud_scans_started"),
           state.value(QStringLiteral("cloudScansStarted")).toInt(),
           QStringLiteral("count"));
    figure(QStringLiteral("soak.server.pentests_started"),
           state.value(QStringLiteral("pentestsStarted")).toInt(),
           QStringLiteral("count"));
    figure(QStringLiteral("soak.server.finding_patches"),
           state.value(QStringLiteral("findingPatches")).toInt(),
           QStringLiteral("count"));

    figure(QStringLiteral("soak.wall_s"), wallMs / 1000.0, QStringLiteral("s"));
    figure(QStringLiteral("soak.requests_per_s"),
           wallMs ? m_options.requests * 1000.0 / wallMs : 0.0,
           QStringLiteral("1/s"));
    return !m_failed;
}

int Soak::run()
{
    QString error;
    if (!startSandbox(&error) || !signIn(&error) || !loadFixtures(&error)) {
        std::fprintf(stderr, "soak: %s\n", qPrintable(error));
        return 2;
    }
    m_idPrefix = QByteArrayLiteral("soak-") + QByteArray::number(m_options.seed) + '-';
    // The fixtures' log entries are not the soak's; start reading after them.
    QJsonObject answer;
    if (!m_harness->control("GET", QStringLiteral("/log?since=0"), {}, &answer)) {
        std::fprintf(stderr, "soak: %s\n", qPrintable(m_harness->lastError()));
        return 2;
    }
    m_logSeq = answer.value(QStringLiteral("last")).toInteger();
    if (!m_harness->resetLog() || !m_harness->addFaults(faultRules(m_options.seed, m_options.faultRate))) {
        std::fprintf(stderr, "soak: %s\n", qPrintable(m_harness->lastError()));
        return 2;
    }

    QElapsedTimer wall;
    wall.start();
    // The log is read while the run goes on, not in one answer at the end, so no answer is large.
    QTimer harvest;
    harvest.setInterval(1000);
    connect(&harvest, &QTimer::timeout, this, [this, &harvest] {
        harvest.stop(); // the read spins the event loop; it must not start again inside itself
        harvestLog();
        harvest.start();
    });
    harvest.start();
    startNext();

    // Progress is the measure of "lost": a reply that never finishes stops the count moving. The
    // policy's 30 s deadline ends every request, so 60 s without a finish means one got lost.
    int lastFinished = -1;
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    while (m_finished < m_options.requests) {
        QTest::qWait(100); // pacing, not a proof: the progress check's tick
        if (m_finished != lastFinished) {
            lastFinished = m_finished;
            sinceProgress.restart();
        } else if (sinceProgress.elapsed() > 60'000) {
            std::fprintf(stderr, "soak: no reply finished for 60 s; %d in flight\n", m_inFlight);
            break;
        }
    }
    const qint64 wallMs = wall.elapsed();
    harvest.stop();
    // The replies are deleted later: let that happen before the end figure is read.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QTest::qWait(200); // and what those deletions post in turn (Qt's HTTP thread hands back buffers)
    const double rssEnd = rssMiB();
    // Late entries (an attempt the server logged after the client gave up on it) and any finished()
    // that would come a second time. Negative, and the server is another process: no signal.
    QTest::qWait(1000);
    harvestLog();

    bool passed = report(wallMs);
    if (const nullify::test::TlsReverseProxy* proxy = m_harness->tlsProxy()) {
        QString whyNot;
        const bool overHttp2 = proxy->allOverHttp2(&whyNot);
        if (!overHttp2)
            std::fprintf(stderr, "soak: %s\n", qPrintable(whyNot));
        passed = check(QStringLiteral("soak.tls_proxy.all_over_h2"),
                       overHttp2,
                       QStringLiteral("bool"),
                       overHttp2,
                       QStringLiteral("1"))
            && passed;
        figure(QStringLiteral("soak.tls_proxy.requests"), proxy->accessLog().size(), QStringLiteral("count"));
    }
    m_rssPeak = std::max(m_rssPeak, rssEnd);
    figure(QStringLiteral("soak.rss_warm_mib"), m_rssWarm, QStringLiteral("MiB"));
    figure(QStringLiteral("soak.rss_end_mib"), rssEnd, QStringLiteral("MiB"));
    figure(QStringLiteral("soak.rss_peak_mib"), m_rssPeak, QStringLiteral("MiB"));
    const double growth = rssEnd - m_rssWarm;
    bool rssOk = true;
    if (m_options.rssMarginMiB >= 0)
        rssOk = check(QStringLiteral("soak.rss_growth_mib"),
                      growth,
                      QStringLiteral("MiB"),
                      growth <= m_options.rssMarginMiB,
                      QStringLiteral("<=%1").arg(m_options.rssMarginMiB));
    else
        figure(QStringLiteral("soak.rss_growth_mib"), growth, QStringLiteral("MiB"));
    return passed && rssOk ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("soak"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Soak: requests of mixed methods through the client stack against nullify-sandbox with seeded "
                       "random faults. Prints BENCH lines; exits 1 when a check fails."));
    parser.addHelpOption();
    const QCommandLineOption requests(QStringLiteral("requests"),
                                      QStringLiteral("Logical requests (10000)."),
                                      QStringLiteral("n"),
                                      QStringLiteral("10000"));
    const QCommandLineOption concurrency(QStringLiteral("concurrency"),
                                         QStringLiteral("Requests in flight (32)."),
                                         QStringLiteral("n"),
                                         QStringLiteral("32"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Seed of the calls and the faults (7)."),
                                  QStringLiteral("n"),
                                  QStringLiteral("7"));
    const QCommandLineOption faultRate(QStringLiteral("fault-rate"),
                                       QStringLiteral("Share of requests that get a fault (0.20)."),
                                       QStringLiteral("r"),
                                       QStringLiteral("0.20"));
    const QCommandLineOption rssMargin(QStringLiteral("rss-margin-mib"),
                                       QStringLiteral("Allowed RSS growth from warm-up to the end (5)."),
                                       QStringLiteral("MiB"),
                                       QStringLiteral("5"));
    const QCommandLineOption noRssCheck(QStringLiteral("no-rss-check"),
                                        QStringLiteral("Report RSS growth without judging it."));
    const QCommandLineOption attemptTimeout(QStringLiteral("attempt-timeout-ms"),
                                            QStringLiteral("Per-attempt timeout; ends stalled attempts (1000)."),
                                            QStringLiteral("ms"),
                                            QStringLiteral("1000"));
    const QCommandLineOption sandbox(QStringLiteral("sandbox"),
                                     QStringLiteral("The nullify-sandbox executable."),
                                     QStringLiteral("path"),
                                     QStringLiteral(NULLIFY_SANDBOX_EXECUTABLE));
    const QCommandLineOption sandboxLog(QStringLiteral("sandbox-log"),
                                        QStringLiteral("Have the sandbox append its request log to this file."),
                                        QStringLiteral("file"));
    const QCommandLineOption viaTlsProxy(
        QStringLiteral("via-tls-proxy"),
        QStringLiteral("Reach the sandbox over HTTP/2 + TLS through nghttpx, with a CA made for this run."));
    const QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Log every retry."));
    parser.addOptions({requests,
                       concurrency,
                       seed,
                       faultRate,
                       rssMargin,
                       noRssCheck,
                       attemptTimeout,
                       sandbox,
                       sandboxLog,
                       viaTlsProxy,
                       verbose});
    parser.process(app);

    Options options;
    options.requests = std::max(1, parser.value(requests).toInt());
    options.concurrency = std::max(1, parser.value(concurrency).toInt());
    options.seed = parser.value(seed).toUInt();
    options.faultRate = std::clamp(parser.value(faultRate).toDouble(), 0.0, 0.9);
    options.rssMarginMiB = parser.isSet(noRssCheck) ? -1.0 : parser.value(rssMargin).toDouble();
    options.attemptTimeoutMs = std::max(50, parser.value(attemptTimeout).toInt());
    options.sandbox = parser.value(sandbox);
    options.sandboxLog = parser.value(sandboxLog);
    options.viaTlsProxy = parser.isSet(viaTlsProxy);
    if (options.viaTlsProxy && nullify::test::TlsReverseProxy::executable().isEmpty()) {
        std::fprintf(stderr, "soak: %s\n", nullify::test::TlsReverseProxy::notInstalled);
        return kSkipped;
    }
    if (!parser.isSet(verbose)) {
        // One line per retry is thousands of lines; the figures count them.
        QLoggingCategory::setFilterRules(QStringLiteral("nullify.network.*.info=false\nnullify.network.*.debug=false"));
    }

    Soak soak(options);
    return soak.run();
}
