// End-to-end fault tests: the client stack the app uses (NetworkAccessManager + ApiClient +
// NullifyApi, signed in through the sandbox's real browser handshake) against an in-process
// nullify-sandbox. Faults are set the way a test harness sets them, over HTTP on the control port,
// and every outcome is checked from both sides: the typed result the client got, and what the
// server saw (its request log and its state counts).

#include "apiclient.h"
#include "authservice.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "replyhelpers.h"
#include "retryinfo.h"
#include "retrypolicy.h"
#include "sandboxrefreshprovider.h"
#include "sandboxserver.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::RetryInfo;
using nullify::RetryPolicy;
using nullify::api::ApiError;
using nullify::api::Callback;
using nullify::api::Result;
using nullify::sandbox::SandboxServer;
using nullify::sandbox::shortHash;
using nullify::test::SandboxRefreshProvider;

namespace {

constexpr int kCallTimeoutMs = 15'000; // generous: a slow CI machine must not fail a passing case
constexpr int kControlTimeoutMs = 10'000;

// One typed call's outcome. It is also the call's context: destroying it (a test that failed
// early) aborts the request and the callback never writes into a finished test.
template <typename T> class Call : public QObject
{
public:
    std::optional<Result<T>> result;
    Callback<T> callback()
    {
        return [this](const Result<T>& outcome) { result = outcome; };
    }
    bool done() const { return result.has_value(); }
    QString describe() const
    {
        if (!result)
            return QStringLiteral("no answer yet");
        return result->isOk() ? QStringLiteral("ok") : result->error().toString();
    }
};

// Waits for a call's answer; false when none came in time.
template <typename T> bool answered(const Call<T>& call)
{
    return QTest::qWaitFor([&call] { return call.done(); }, kCallTimeoutMs);
}

QList<QJsonObject> entriesFor(const QList<QJsonObject>& log, const QString& method, const QString& path)
{
    QList<QJsonObject> matching;
    for (const QJsonObject& entry : log) {
        if (entry.value(QStringLiteral("method")).toString() == method
            && entry.value(QStringLiteral("path")).toString() == path)
            matching.append(entry);
    }
    return matching;
}

QDateTime timeOf(const QJsonObject& entry)
{
    return QDateTime::fromString(entry.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
}

QString faultKindOf(const QJsonObject& entry)
{
    return entry.value(QStringLiteral("fault")).toObject().value(QStringLiteral("fault")).toString();
}

QByteArray json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// A fault rule for the control port: `fault` on the next `method path`.
QJsonObject faultOn(const QString& method, const QString& path, const QString& fault)
{
    return {{QStringLiteral("method"), method}, {QStringLiteral("path"), path}, {QStringLiteral("fault"), fault}};
}

// The "status" fault: the server answers `status` instead of running the handler.
QJsonObject statusOn(const QString& method, const QString& path, int status)
{
    QJsonObject rule = faultOn(method, path, QStringLiteral("status"));
    rule.insert(QStringLiteral("status"), status);
    return rule;
}

// The calls that start billable work, for the tests that prove they are never duplicated.
enum class StartKind { CloudScan, Pentest };

} // namespace

Q_DECLARE_METATYPE(StartKind)

class TestE2eFaults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void retryAfterOnGetIsHonoured();
    void tooManyRequestsOnStartIsRetriedOnce();
    void serviceUnavailableOnStartIsNotRetried_data();
    void serviceUnavailableOnStartIsNotRetried();
    void resetAfterStartCommittedIsNotRetried_data();
    void resetAfterStartCommittedIsNotRetried();
    void closeAfterStartSentIsNotResent_data();
    void closeAfterStartSentIsNotResent();
    void revokedTokenIsRefreshedOnceAndReplayed();
    void revocationUnderConcurrentGetsRefreshesOnce();
    void resetMidBodyOnReadIsRetried_data();
    void resetMidBodyOnReadIsRetried();
    void stalledGetTimesOutAndIsRetried();

private:
    // The harness side: plain HTTP to the control port, never through the client's manager.
    bool control(const QByteArray& method, const QString& path, const QByteArray& body, QJsonObject* answer);
    bool addFaults(const QJsonArray& rules);
    QList<QJsonObject> requestLog();
    QJsonObject serverState();

    // The client side: what the app's sign-in does, over HTTP against the sandbox.
    bool signIn(QString* whyNot);
    QNetworkReply* waitFor(QNetworkReply* reply);
    QString listRepositories();
    void startWork(StartKind kind, QObject* context, std::function<void(const Result<QString>&)> done);
    bool startUnderFault(StartKind kind, const QJsonObject& rule, Call<QString>* call);
    QString startPath(StartKind kind) const;
    QString startedCounter(StartKind kind) const;

    std::unique_ptr<SandboxServer> m_sandbox;
    QNetworkAccessManager m_harness;
    QString m_controlError; // why the last harness step failed

    std::unique_ptr<NetworkAccessManager> m_manager;
    std::unique_ptr<SandboxRefreshProvider> m_provider;
    std::unique_ptr<nullify::api::ApiClient> m_client;
    std::unique_ptr<nullify::api::NullifyApi> m_api;
    QByteArray m_accessToken; // from the sign-in
    QByteArray m_refreshToken;
    QString m_applicationId; // for pentests
    QList<RetryInfo> m_retries; // every retryScheduled of the manager
};

void TestE2eFaults::initTestCase()
{
    qRegisterMetaType<RetryInfo>();
}

void TestE2eFaults::init()
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = 120; // small, but enough for a findings page of 50
    options.tenant.workSeconds = 3;
    options.tenant.autofixSeconds = 3;
    options.auth.autoApprove = true;
    m_sandbox = std::make_unique<SandboxServer>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));

    m_manager = std::make_unique<NetworkAccessManager>();
    // Fast backoff: the tests are about which attempts happen; the Retry-After test gets its wait
    // from the server, not from this policy.
    RetryPolicy policy = nullify::test::fastRetryPolicy(20ms);
    policy.attemptTimeout = 10s;
    policy.deadline = 30s;
    m_manager->setRetryPolicy(policy);
    m_manager->setApiOrigin(m_sandbox->apiUrl());
    connect(m_manager.get(),
            &NetworkAccessManager::retryScheduled,
            this,
            [this](QNetworkReply*, const RetryInfo& info) { m_retries.append(info); });

    QVERIFY2(signIn(&error), qPrintable(error));

    m_provider
        = std::make_unique<SandboxRefreshProvider>(m_manager.get(), m_sandbox->apiUrl(), m_accessToken, m_refreshToken);
    m_manager->setTokenProvider(m_provider.get());

    // Applications are seeded; the pentest cases need one. Read before the log is cleared.
    Call<QList<nullify::api::Application>> applications;
    m_api->applications(&applications, applications.callback());
    QTRY_VERIFY_WITH_TIMEOUT(applications.done(), kCallTimeoutMs);
    QVERIFY2(applications.result->isOk(), qPrintable(applications.describe()));
    QVERIFY(!applications.result->value().isEmpty());
    m_applicationId = applications.result->value().first().id;

    // Each test counts only its own requests.
    QJsonObject answer;
    QVERIFY2(control("POST", QStringLiteral("/reset-log"), {}, &answer), qPrintable(m_controlError));
    m_retries.clear();
}

void TestE2eFaults::cleanup()
{
    // The API first (it holds the client, which holds the manager), the server last.
    m_api.reset();
    m_client.reset();
    if (m_manager)
        m_manager->setTokenProvider(nullptr);
    m_provider.reset();
    m_manager.reset();
    m_sandbox.reset();
    m_retries.clear();
}

bool TestE2eFaults::control(const QByteArray& method, const QString& path, const QByteArray& body, QJsonObject* answer)
{
    QNetworkRequest request(m_sandbox->controlUrl(path));
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = m_harness.sendCustomRequest(request, method, body);
    const std::unique_ptr<QNetworkReply> owner(reply);
    if (!nullify::test::waitForFinished(reply, std::chrono::milliseconds(kControlTimeoutMs))) {
        m_controlError = QStringLiteral("control %1 %2: no answer").arg(QString::fromLatin1(method), path);
        return false;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->readAll();
    if (status != 200) {
        m_controlError = QStringLiteral("control %1 %2: HTTP %3 %4")
                             .arg(QString::fromLatin1(method), path)
                             .arg(status)
                             .arg(QString::fromUtf8(data));
        return false;
    }
    *answer = QJsonDocument::fromJson(data).object();
    return true;
}

bool TestE2eFaults::addFaults(const QJsonArray& rules)
{
    QJsonObject answer;
    if (!control("POST", QStringLiteral("/faults"), json({{QStringLiteral("faults"), rules}}), &answer))
        return false;
    if (answer.value(QStringLiteral("added")).toInt() != rules.size()) {
        m_controlError = QStringLiteral("the sandbox added %1 of %2 rules")
                             .arg(answer.value(QStringLiteral("added")).toInt())
                             .arg(rules.size());
        return false;
    }
    return true;
}

QList<QJsonObject> TestE2eFaults::requestLog()
{
    QJsonObject answer;
    if (!control("GET", QStringLiteral("/log?since=0"), {}, &answer)) {
        qWarning("%s", qPrintable(m_controlError));
        return {};
    }
    QList<QJsonObject> entries;
    for (const QJsonValue& entry : answer.value(QStringLiteral("entries")).toArray())
        entries.append(entry.toObject());
    return entries;
}

QJsonObject TestE2eFaults::serverState()
{
    QJsonObject answer;
    if (!control("GET", QStringLiteral("/state"), {}, &answer))
        qWarning("%s", qPrintable(m_controlError));
    return answer;
}

QNetworkReply* TestE2eFaults::waitFor(QNetworkReply* reply)
{
    return nullify::test::waitForFinished(reply, std::chrono::milliseconds(kCallTimeoutMs)) ? reply : nullptr;
}

bool TestE2eFaults::signIn(QString* whyNot)
{
    // The app listens on a loopback port for the browser's callback; the sandbox redirects there.
    QTcpServer callback;
    if (!callback.listen(QHostAddress::LocalHost, 0)) {
        *whyNot = callback.errorString();
        return false;
    }
    const auto post = [this](const QString& path, const QJsonObject& body) {
        QNetworkRequest request(m_sandbox->apiUrl(path));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        return m_manager->post(request, json(body));
    };

    std::unique_ptr<QNetworkReply> session(
        waitFor(post(QStringLiteral("/auth/cli/session"), {{QStringLiteral("port"), int(callback.serverPort())}})));
    if (!session || session->error() != QNetworkReply::NoError) {
        *whyNot = QStringLiteral("POST /auth/cli/session failed");
        return false;
    }
    const QJsonObject created = QJsonDocument::fromJson(session->readAll()).object();
    const QString sessionId = created.value(QStringLiteral("session_id")).toString();
    const QUrl authUrl(created.value(QStringLiteral("auth_url")).toString());
    if (sessionId.isEmpty() || !authUrl.isValid()) {
        *whyNot = QStringLiteral("no session_id or auth_url");
        return false;
    }

    // The browser's part: the sign-in page approves at once (--auto-approve) and sends the browser
    // to the app's callback. The redirect is checked, not followed: the callback server is the app's.
    QNetworkRequest page(authUrl);
    page.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    std::unique_ptr<QNetworkReply> approved(waitFor(m_manager->get(page)));
    const QUrl location = approved ? approved->header(QNetworkRequest::LocationHeader).toUrl() : QUrl();
    if (!approved || approved->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 302
        || location.port() != callback.serverPort() || location.path() != QStringLiteral("/callback")
        || QUrlQuery(location).queryItemValue(QStringLiteral("session_id")) != sessionId) {
        *whyNot = QStringLiteral("the sign-in page did not redirect to the callback: %1").arg(location.toString());
        return false;
    }

    std::unique_ptr<QNetworkReply> exchanged(
        waitFor(post(QStringLiteral("/auth/cli/token"), {{QStringLiteral("session_id"), sessionId}})));
    if (!exchanged || exchanged->error() != QNetworkReply::NoError) {
        *whyNot = QStringLiteral("POST /auth/cli/token failed");
        return false;
    }
    const QJsonObject tokens = QJsonDocument::fromJson(exchanged->readAll()).object();
    m_accessToken = tokens.value(QStringLiteral("access_token")).toString().toUtf8();
    m_refreshToken = tokens.value(QStringLiteral("refresh_token")).toString().toUtf8();
    if (m_accessToken.isEmpty() || m_refreshToken.isEmpty()
        || !tokens.value(QStringLiteral("error")).toString().isEmpty()) {
        *whyNot = QStringLiteral("the token exchange gave no tokens");
        return false;
    }

    nullify::api::QueryParameters scope;
    const QJsonObject parameters = tokens.value(QStringLiteral("query_parameters")).toObject();
    for (auto it = parameters.begin(); it != parameters.end(); ++it)
        scope.append({it.key(), it.value().toString()});
    if (scope.isEmpty()) {
        *whyNot = QStringLiteral("the token response has no query_parameters");
        return false;
    }
    m_client = std::make_unique<nullify::api::ApiClient>(m_manager.get());
    m_client->setBaseUrl(m_sandbox->apiUrl());
    m_client->setScope(scope);
    m_api = std::make_unique<nullify::api::NullifyApi>(m_client.get());
    return true;
}

QString TestE2eFaults::startPath(StartKind kind) const
{
    return kind == StartKind::CloudScan ? QStringLiteral("/context/cloud-scan/start")
                                        : QStringLiteral("/dast/pentest/start");
}

QString TestE2eFaults::startedCounter(StartKind kind) const
{
    return kind == StartKind::CloudScan ? QStringLiteral("cloudScansStarted") : QStringLiteral("pentestsStarted");
}

// Starts a cloud scan or a pentest and reports the new scan's id (or the error).
void TestE2eFaults::startWork(StartKind kind, QObject* context, std::function<void(const Result<QString>&)> done)
{
    if (kind == StartKind::CloudScan) {
        m_api->startCloudScan(context, [done](const Result<nullify::api::CloudScanStart>& result) {
            done(result ? Result<QString>::success(result.value().scanId) : Result<QString>::failure(result.error()));
        });
        return;
    }
    m_api->startPentest(m_applicationId, context, [done](const Result<nullify::api::PentestScan>& result) {
        done(result ? Result<QString>::success(result.value().id) : Result<QString>::failure(result.error()));
    });
}

// Puts one fault rule in place, starts a cloud scan or a pentest and waits for the client's answer.
bool TestE2eFaults::startUnderFault(StartKind kind, const QJsonObject& rule, Call<QString>* call)
{
    if (!addFaults({rule}))
        return false;
    startWork(kind, call, call->callback());
    if (!answered(*call)) {
        m_controlError = QStringLiteral("the client did not answer the start");
        return false;
    }
    return true;
}

// Reads the first page of repositories: empty when it came back with some, else what went wrong.
QString TestE2eFaults::listRepositories()
{
    Call<nullify::api::Page<nullify::api::Repository>> call;
    m_api->repositories(0, QString(), &call, call.callback());
    if (!answered(call))
        return QStringLiteral("no answer");
    if (!call.result->isOk())
        return call.describe();
    return call.result->value().items.isEmpty() ? QStringLiteral("no repositories") : QString();
}

// 1. 503 with Retry-After: 1 on a GET: the client waits the server's second, then succeeds.
void TestE2eFaults::retryAfterOnGetIsHonoured()
{
    const QString path = QStringLiteral("/context/repositories");
    QJsonObject rule = statusOn(QStringLiteral("GET"), path, 503);
    rule.insert(QStringLiteral("retryAfter"), 1);
    QVERIFY2(addFaults({rule}), qPrintable(m_controlError));

    const QString error = listRepositories();
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QCOMPARE(m_retries.size(), 1);
    QCOMPARE(m_retries.first().httpStatus, 503);
    QVERIFY(m_retries.first().fromRetryAfter);
    QCOMPARE(m_retries.first().delay, std::chrono::milliseconds(1000));

    const QList<QJsonObject> gets = entriesFor(requestLog(), QStringLiteral("GET"), path);
    QCOMPARE(gets.size(), 2);
    QCOMPARE(gets.at(0).value(QStringLiteral("status")).toInt(), 503);
    QCOMPARE(faultKindOf(gets.at(0)), QStringLiteral("status"));
    QCOMPARE(gets.at(1).value(QStringLiteral("status")).toInt(), 200);
    QVERIFY(gets.at(1).value(QStringLiteral("fault")).isNull());
    // About one second apart, seen by the server: the wait was the server's, not the 20 ms backoff.
    const qint64 gapMs = timeOf(gets.at(0)).msecsTo(timeOf(gets.at(1)));
    QVERIFY2(gapMs >= 950 && gapMs < 5000, qPrintable(QStringLiteral("gap %1 ms").arg(gapMs)));

    const QJsonObject state = serverState();
    QCOMPARE(state.value(QStringLiteral("requests")).toInt(), 2);
    QCOMPARE(state.value(QStringLiteral("faultsApplied")).toInt(), 1);
}

// 2. 429 on a call that starts billable work: "not processed", so it is retried, and the server
// ends up with exactly one scan.
void TestE2eFaults::tooManyRequestsOnStartIsRetriedOnce()
{
    const QString path = startPath(StartKind::CloudScan);
    QVERIFY2(addFaults({statusOn(QStringLiteral("POST"), path, 429)}), qPrintable(m_controlError));

    Call<nullify::api::CloudScanStart> call;
    m_api->startCloudScan(&call, call.callback());
    QTRY_VERIFY_WITH_TIMEOUT(call.done(), kCallTimeoutMs);
    QVERIFY2(call.result->isOk(), qPrintable(call.describe()));
    const QString scanId = call.result->value().scanId;
    QVERIFY(!scanId.isEmpty());

    QCOMPARE(m_retries.size(), 1);
    QCOMPARE(m_retries.first().httpStatus, 429);
    QVERIFY(!m_retries.first().fromRetryAfter);

    const QList<QJsonObject> posts = entriesFor(requestLog(), QStringLiteral("POST"), path);
    QCOMPARE(posts.size(), 2);
    QCOMPARE(posts.at(0).value(QStringLiteral("status")).toInt(), 429);
    QCOMPARE(posts.at(1).value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(serverState().value(QStringLiteral("cloudScansStarted")).toInt(), 1);

    // The id the client holds is the scan the server runs.
    Call<nullify::api::CloudScanStatus> status;
    m_api->cloudScanStatus(scanId, &status, status.callback());
    QTRY_VERIFY_WITH_TIMEOUT(status.done(), kCallTimeoutMs);
    QVERIFY2(status.result->isOk(), qPrintable(status.describe()));
    QCOMPARE(status.result->value().scanId, scanId);
}

// 3a. 503 on a start: the fault answers before the handler, so nothing was started; the client
// reports the 503 and does not send the POST again (a 5xx after a commit would be a duplicate).
void TestE2eFaults::serviceUnavailableOnStartIsNotRetried_data()
{
    QTest::addColumn<StartKind>("kind");
    QTest::newRow("cloud scan") << StartKind::CloudScan;
    QTest::newRow("pentest") << StartKind::Pentest;
}

void TestE2eFaults::serviceUnavailableOnStartIsNotRetried()
{
    QFETCH(StartKind, kind);
    const QString path = startPath(kind);
    // count 1: a wrong retry would get through and start a scan, which the state would show.
    Call<QString> call;
    QVERIFY2(startUnderFault(kind, statusOn(QStringLiteral("POST"), path, 503), &call), qPrintable(m_controlError));
    QVERIFY2(!call.result->isOk(), "a 503 must reach the caller");
    const ApiError& error = call.result->error();
    QCOMPARE(error.kind, ApiError::Kind::Http);
    QCOMPARE(error.httpStatus, 503);
    QCOMPARE(error.message, QStringLiteral("injected fault: HTTP 503"));
    QVERIFY(m_retries.isEmpty());

    const QList<QJsonObject> posts = entriesFor(requestLog(), QStringLiteral("POST"), path);
    QCOMPARE(posts.size(), 1);
    QCOMPARE(posts.first().value(QStringLiteral("status")).toInt(), 503);
    QCOMPARE(serverState().value(startedCounter(kind)).toInt(), 0);
}

// 3b. The server committed (the handler ran) and the answer was cut mid-body: the client must
// report a network failure, not decode half a body, and must not start a second scan.
void TestE2eFaults::resetAfterStartCommittedIsNotRetried_data()
{
    serviceUnavailableOnStartIsNotRetried_data();
}

void TestE2eFaults::resetAfterStartCommittedIsNotRetried()
{
    QFETCH(StartKind, kind);
    const QString path = startPath(kind);
    Call<QString> call;
    QVERIFY2(startUnderFault(kind, faultOn(QStringLiteral("POST"), path, QStringLiteral("reset")), &call),
             qPrintable(m_controlError));
    QVERIFY2(!call.result->isOk(), "half an answer must not be a success");
    QCOMPARE(call.result->error().kind, ApiError::Kind::Network);
    QVERIFY(m_retries.isEmpty());

    const QList<QJsonObject> posts = entriesFor(requestLog(), QStringLiteral("POST"), path);
    QCOMPARE(posts.size(), 1);
    QCOMPARE(faultKindOf(posts.first()), QStringLiteral("reset"));
    QCOMPARE(serverState().value(startedCounter(kind)).toInt(), 1);
}

// 3c. The server reads a start and closes the connection without a byte. The client can not know
// whether the work was committed, so neither it nor Qt may send the POST again: the call without a
// body (cloud scan) must behave like the one with a body (pentest).
void TestE2eFaults::closeAfterStartSentIsNotResent_data()
{
    serviceUnavailableOnStartIsNotRetried_data();
}

void TestE2eFaults::closeAfterStartSentIsNotResent()
{
    QFETCH(StartKind, kind);
    const QString path = startPath(kind);
    Call<QString> call;
    QVERIFY2(startUnderFault(kind, faultOn(QStringLiteral("POST"), path, QStringLiteral("close")), &call),
             qPrintable(m_controlError));
    const QList<QJsonObject> posts = entriesFor(requestLog(), QStringLiteral("POST"), path);
    QVERIFY2(
        posts.size() == 1,
        qPrintable(
            QStringLiteral("%1 POSTs reached the server; the client said: %2").arg(posts.size()).arg(call.describe())));
    QCOMPARE(faultKindOf(posts.first()), QStringLiteral("close"));
    QVERIFY(posts.first().value(QStringLiteral("status")).isNull());
    QVERIFY2(!call.result->isOk(), "no answer is not a success");
    QCOMPARE(call.result->error().kind, ApiError::Kind::Network);
    QVERIFY(m_retries.isEmpty());
    QCOMPARE(serverState().value(startedCounter(kind)).toInt(), 0);
}

// 4a. The server revokes the token on a GET: one real refresh (cookie, no bearer), then the GET is
// replayed once with the new token and succeeds.
void TestE2eFaults::revokedTokenIsRefreshedOnceAndReplayed()
{
    const QString path = QStringLiteral("/context/repositories");
    QVERIFY2(addFaults({faultOn(QStringLiteral("GET"), path, QStringLiteral("revoke"))}), qPrintable(m_controlError));

    const QString error = listRepositories();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(m_provider->refreshCount(), 1);
    QVERIFY(m_provider->accessToken() != m_accessToken);
    QVERIFY(m_retries.isEmpty()); // a replay after a refresh is not a retry

    const QList<QJsonObject> log = requestLog();
    const QList<QJsonObject> refreshes = entriesFor(log, QStringLiteral("GET"), QStringLiteral("/auth/refresh_token"));
    QCOMPARE(refreshes.size(), 1);
    QCOMPARE(refreshes.first().value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(refreshes.first().value(QStringLiteral("refreshTokenHash")).toString(), shortHash(m_refreshToken));
    QVERIFY2(refreshes.first().value(QStringLiteral("tokenHash")).isNull(), "no bearer token on the refresh call");

    const QList<QJsonObject> gets = entriesFor(log, QStringLiteral("GET"), path);
    QCOMPARE(gets.size(), 2);
    QCOMPARE(gets.at(0).value(QStringLiteral("status")).toInt(), 401);
    QCOMPARE(faultKindOf(gets.at(0)), QStringLiteral("revoke"));
    QCOMPARE(gets.at(0).value(QStringLiteral("tokenHash")).toString(), shortHash(m_accessToken));
    QCOMPARE(gets.at(1).value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(gets.at(1).value(QStringLiteral("tokenHash")).toString(), shortHash(m_provider->accessToken()));
    QVERIFY(gets.at(1).value(QStringLiteral("tokenHash")) != gets.at(0).value(QStringLiteral("tokenHash")));
    // 401, then the refresh, then the replay.
    const auto seq = [](const QJsonObject& entry) { return entry.value(QStringLiteral("seq")).toInteger(); };
    QVERIFY(seq(gets.at(0)) < seq(refreshes.first()));
    QVERIFY(seq(refreshes.first()) < seq(gets.at(1)));
}

// 4b. The token is revoked from the control port while idle; then 20 GETs at once: every one
// gets a 401 or waits for the refresh, yet there is exactly one refresh, and all succeed.
void TestE2eFaults::revocationUnderConcurrentGetsRefreshesOnce()
{
    QJsonObject answer;
    QVERIFY2(control("POST",
                     QStringLiteral("/revoke"),
                     json({{QStringLiteral("principal"), QStringLiteral("user:demo")}}),
                     &answer),
             qPrintable(m_controlError));
    QVERIFY(answer.value(QStringLiteral("revoked")).toInt() >= 1);

    constexpr int kCalls = 20;
    const QString path = QStringLiteral("/context/repositories");
    std::vector<std::unique_ptr<Call<nullify::api::Page<nullify::api::Repository>>>> calls;
    for (int i = 0; i < kCalls; ++i) {
        calls.push_back(std::make_unique<Call<nullify::api::Page<nullify::api::Repository>>>());
        m_api->repositories(0, QString(), calls.back().get(), calls.back()->callback());
    }
    const auto allDone
        = [&calls] { return std::all_of(calls.cbegin(), calls.cend(), [](const auto& call) { return call->done(); }); };
    QTRY_VERIFY_WITH_TIMEOUT(allDone(), kCallTimeoutMs);
    for (const auto& call : calls)
        QVERIFY2(call->result->isOk(), qPrintable(call->describe()));
    QCOMPARE(m_provider->refreshCount(), 1);

    const QList<QJsonObject> log = requestLog();
    QCOMPARE(entriesFor(log, QStringLiteral("GET"), QStringLiteral("/auth/refresh_token")).size(), 1);
    const QString oldHash = shortHash(m_accessToken);
    const QString newHash = shortHash(m_provider->accessToken());
    int refused = 0;
    int served = 0;
    for (const QJsonObject& entry : entriesFor(log, QStringLiteral("GET"), path)) {
        const int status = entry.value(QStringLiteral("status")).toInt();
        const QString hash = entry.value(QStringLiteral("tokenHash")).toString();
        if (status == 401) {
            QCOMPARE(hash, oldHash);
            ++refused;
        } else {
            QCOMPARE(status, 200);
            QCOMPARE(hash, newHash);
            ++served;
        }
    }
    QCOMPARE(served, kCalls);
    QVERIFY2(refused >= 1 && refused <= kCalls, qPrintable(QStringLiteral("%1 refused").arg(refused)));
}

// 5. A read whose answer is cut mid-body is retried and the caller gets the whole, correctly
// decoded result, identical to an undisturbed read.
void TestE2eFaults::resetMidBodyOnReadIsRetried_data()
{
    QTest::addColumn<bool>("findings"); // else repositories
    QTest::newRow("GET /context/repositories") << false;
    QTest::newRow("POST /admin/findings (a query)") << true;
}

void TestE2eFaults::resetMidBodyOnReadIsRetried()
{
    QFETCH(bool, findings);
    const QString method = findings ? QStringLiteral("POST") : QStringLiteral("GET");
    const QString path = findings ? QStringLiteral("/admin/findings") : QStringLiteral("/context/repositories");
    nullify::api::FindingsQuery query;
    query.pageSize = 50;

    // Returns the ids the call delivered, or the error text.
    const auto read = [&](QStringList* ids, qint64* total) -> QString {
        if (findings) {
            Call<nullify::api::Page<nullify::api::Finding>> call;
            m_api->findings(query, &call, call.callback());
            if (!answered(call))
                return QStringLiteral("no answer");
            if (!call.result->isOk())
                return call.describe();
            for (const auto& finding : call.result->value().items)
                ids->append(finding.id + QLatin1Char('|') + finding.title + QLatin1Char('|') + finding.filePath);
            *total = call.result->value().total.value_or(-1);
            return {};
        }
        Call<nullify::api::Page<nullify::api::Repository>> call;
        m_api->repositories(0, QString(), &call, call.callback());
        if (!answered(call))
            return QStringLiteral("no answer");
        if (!call.result->isOk())
            return call.describe();
        for (const auto& repository : call.result->value().items)
            ids->append(repository.id + QLatin1Char('|') + repository.name);
        *total = call.result->value().items.size();
        return {};
    };

    QStringList expected;
    qint64 expectedTotal = 0;
    QString error = read(&expected, &expectedTotal);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(!expected.isEmpty());
    QJsonObject answer;
    QVERIFY2(control("POST", QStringLiteral("/reset-log"), {}, &answer), qPrintable(m_controlError));

    QVERIFY2(addFaults({faultOn(method, path, QStringLiteral("reset"))}), qPrintable(m_controlError));
    QStringList got;
    qint64 gotTotal = 0;
    error = read(&got, &gotTotal);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(got, expected);
    QCOMPARE(gotTotal, expectedTotal);

    QCOMPARE(m_retries.size(), 1);
    QCOMPARE(m_retries.first().httpStatus, 0);
    QVERIFY(m_retries.first().networkError != QNetworkReply::NoError);

    const QList<QJsonObject> entries = entriesFor(requestLog(), method, path);
    QCOMPARE(entries.size(), 2);
    QCOMPARE(faultKindOf(entries.at(0)), QStringLiteral("reset"));
    QCOMPARE(entries.at(1).value(QStringLiteral("status")).toInt(), 200);
    QVERIFY(entries.at(1).value(QStringLiteral("fault")).isNull());
    if (findings) // the replay carried the same query
        QCOMPARE(entries.at(1).value(QStringLiteral("bodyHash")), entries.at(0).value(QStringLiteral("bodyHash")));
}

// 6. The server reads a GET and never answers: the attempt times out (no data moved for the
// attempt timeout), and a fresh attempt on a new connection succeeds.
void TestE2eFaults::stalledGetTimesOutAndIsRetried()
{
    RetryPolicy policy = m_manager->retryPolicy();
    policy.attemptTimeout = 600ms;
    m_manager->setRetryPolicy(policy);

    const QString path = QStringLiteral("/context/repositories");
    QVERIFY2(addFaults({faultOn(QStringLiteral("GET"), path, QStringLiteral("stall"))}), qPrintable(m_controlError));

    QElapsedTimer clock;
    clock.start();
    const QString error = listRepositories();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY2(clock.elapsed() >= 550, qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));

    QCOMPARE(m_retries.size(), 1);
    QCOMPARE(m_retries.first().httpStatus, 0);
    QCOMPARE(m_retries.first().networkError, QNetworkReply::TimeoutError);

    const QList<QJsonObject> gets = entriesFor(requestLog(), QStringLiteral("GET"), path);
    QCOMPARE(gets.size(), 2);
    QCOMPARE(faultKindOf(gets.at(0)), QStringLiteral("stall"));
    QVERIFY(gets.at(0).value(QStringLiteral("status")).isNull());
    QCOMPARE(gets.at(1).value(QStringLiteral("status")).toInt(), 200);
    // The stalled connection is still busy, so the retry had to use another one.
    QVERIFY(gets.at(1).value(QStringLiteral("connection")) != gets.at(0).value(QStringLiteral("connection")));
}

QTEST_GUILESS_MAIN(TestE2eFaults)
#include "tst_e2e_faults.moc"
