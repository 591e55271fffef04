// Authorization injection and the 401 flow of NetworkAccessManager, over real loopback sockets;
// and the real Session's refresh against the shapes a refresh answer comes in (the access token in
// Set-Cookie, as the real server sends it, or in the body).
// The server's fallback accepts only "Bearer new" and answers 401 to anything else, so every
// outcome is decided by what the server actually received, and the test token provider counts
// refreshes so single flight can be proven.

#include "apiclient.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "replyhelpers.h"
#include "retryingreply.h"
#include "retrypolicy.h"
#include "scriptedhttpserver.h"
#include "secretscrubber.h"
#include "session.h"
#include "testtokenprovider.h"

#include <QNetworkReply>
#include <QPointer>
#include <QSignalSpy>
#include <QtTest>

#include <memory>

using nullify::NetworkAccessManager;
using nullify::RetryPolicy;
using nullify::toAttribute;
using nullify::session::Credentials;
using nullify::session::Session;
using nullify::session::Tenant;
using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::TestTokenProvider;
namespace RequestAttribute = nullify::RequestAttribute;
namespace ReplyAttribute = nullify::ReplyAttribute;

namespace {

constexpr int kFinishTimeoutMs = 10'000;
const QByteArray kOldAuth = QByteArrayLiteral("Bearer old");
const QByteArray kNewAuth = QByteArrayLiteral("Bearer new");

ScriptedResponse acceptOnlyNewToken(const RecordedRequest& request)
{
    if (request.header("Authorization") == kNewAuth)
        return ScriptedResponse::json(200, QByteArrayLiteral("{\"ok\":true}"));
    return ScriptedResponse::json(401, QByteArrayLiteral("{\"error\":\"unauthorized\"}"));
}

} // namespace

class TestAuthRefresh : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void injection_data();
    void injection();
    void injectedAtEveryAttempt();
    void singleFlight();
    void postReplaysOnceWithSameBody();
    void stale401ReplaysWithoutSecondRefresh();
    void requestsDuringRefreshWaitForNewToken();
    void waiterAbortDoesNotCancelRefresh();
    void secondUnauthorizedIsFinal();
    void refreshFailure_data();
    void refreshFailure();
    void late401AfterSessionEndedDoesNotRefreshAgain();
    void tokenEndpointNeverAuthenticated_data();
    void tokenEndpointNeverAuthenticated();
    void synchronousProvider_data();
    void synchronousProvider();
    void sessionRefreshAnswerShapes_data();
    void sessionRefreshAnswerShapes();

private:
    QNetworkRequest requestFor(const QString& path, const QString& host = QStringLiteral("127.0.0.1")) const
    {
        return QNetworkRequest(m_server->url(path, host));
    }
    QList<RecordedRequest> requestsTo(const QString& path) const;
    int requestsWithAuthorization(const QByteArray& value) const;

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<NetworkAccessManager> m_manager;
    std::unique_ptr<TestTokenProvider> m_provider;
};

void TestAuthRefresh::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_server->setFallback(acceptOnlyNewToken);
    m_provider = std::make_unique<TestTokenProvider>(QByteArrayLiteral("old"));
    m_provider->setRefreshSucceeds(QByteArrayLiteral("new"));
    m_manager = std::make_unique<NetworkAccessManager>();
    m_manager->setRetryPolicy(nullify::test::fastRetryPolicy());
    m_manager->setApiOrigin(m_server->url(QStringLiteral("/")));
    m_manager->setTokenProvider(m_provider.get());
}

void TestAuthRefresh::cleanup()
{
    m_manager.reset();
    m_provider.reset();
    m_server.reset();
}

QList<RecordedRequest> TestAuthRefresh::requestsTo(const QString& path) const
{
    QList<RecordedRequest> result;
    for (const RecordedRequest& request : m_server->requests()) {
        if (request.path == path)
            result.append(request);
    }
    return result;
}

int TestAuthRefresh::requestsWithAuthorization(const QByteArray& value) const
{
    int count = 0;
    for (const RecordedRequest& request : m_server->requests()) {
        if (request.header("Authorization") == value)
            ++count;
    }
    return count;
}

void TestAuthRefresh::injection_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("skipAuthentication");
    QTest::addColumn<bool>("expectAuthorization");

    QTest::newRow("api origin") << QStringLiteral("/api/scans") << QStringLiteral("127.0.0.1") << false << true;
    QTest::newRow("api origin, root path") << QStringLiteral("/") << QStringLiteral("127.0.0.1") << false << true;
    QTest::newRow("path merely starting with auth")
        << QStringLiteral("/authors") << QStringLiteral("127.0.0.1") << false << true;
    QTest::newRow("other origin (localhost)")
        << QStringLiteral("/api/scans") << QStringLiteral("localhost") << false << false;
    QTest::newRow("auth path") << QStringLiteral("/auth/login") << QStringLiteral("127.0.0.1") << false << false;
    QTest::newRow("SkipAuthentication") << QStringLiteral("/api/scans") << QStringLiteral("127.0.0.1") << true << false;
}

void TestAuthRefresh::injection()
{
    QFETCH(QString, path);
    QFETCH(QString, host);
    QFETCH(bool, skipAuthentication);
    QFETCH(bool, expectAuthorization);

    m_provider->setToken(QByteArrayLiteral("new")); // a valid token: no 401 flow on the API origin
    QNetworkRequest request = requestFor(path, host);
    if (skipAuthentication)
        request.setAttribute(toAttribute(RequestAttribute::SkipAuthentication), true);
    QNetworkReply* reply = m_manager->get(request);
    QVERIFY(nullify::test::waitForFinished(reply));

    // Exactly one request: without a token the server says 401, and that must not start a refresh.
    QCOMPARE(m_server->requestCount(), 1);
    const RecordedRequest received = m_server->requests().constFirst();
    QCOMPARE(received.path, path);
    QCOMPARE(received.hasHeader("Authorization"), expectAuthorization);
    if (expectAuthorization)
        QCOMPARE(received.header("Authorization"), kNewAuth);
    QCOMPARE(received.header("User-Agent"), QByteArrayLiteral("Nullify-Desktop/" NULLIFY_VERSION));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), expectAuthorization ? 200 : 401);
    QCOMPARE(m_provider->refreshCount(), 0);
    reply->deleteLater();
}

void TestAuthRefresh::injectedAtEveryAttempt()
{
    // Every attempt reads the token afresh: two 503s, then the success, all with Authorization.
    const QString path = QStringLiteral("/api/flaky");
    m_provider->setToken(QByteArrayLiteral("new"));
    m_server->enqueue("GET", path, ScriptedResponse::status(503), 2);
    QNetworkReply* reply = m_manager->get(requestFor(path));
    QVERIFY(nullify::test::waitForFinished(reply));

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    const auto received = requestsTo(path);
    QCOMPARE(received.size(), 3);
    for (const RecordedRequest& request : received) {
        QCOMPARE(request.header("Authorization"), kNewAuth);
        QCOMPARE(request.header("User-Agent"), QByteArrayLiteral("Nullify-Desktop/" NULLIFY_VERSION));
    }
    // The caller's own request object is untouched: the token lives only on the wire.
    QVERIFY(!reply->request().hasRawHeader("Authorization"));
    reply->deleteLater();
}

void TestAuthRefresh::singleFlight()
{
    constexpr int kRequests = 50;
    m_provider->setTiming(TestTokenProvider::Timing::Delayed, 50);
    QSignalSpy reauth(m_manager.get(), &NetworkAccessManager::reauthenticationRequired);

    QList<QNetworkReply*> replies;
    for (int i = 0; i < kRequests; ++i)
        replies.append(m_manager->get(requestFor(QStringLiteral("/api/item/%1").arg(i))));
    for (QNetworkReply* reply : replies)
        QVERIFY(nullify::test::waitForFinished(reply));

    QCOMPARE(m_provider->refreshCount(), 1);
    for (int i = 0; i < kRequests; ++i) {
        QNetworkReply* reply = replies.at(i);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(reply->readAll(), QByteArrayLiteral("{\"ok\":true}"));
        // Per request: the old token only if it was sent before the refresh started (then one
        // replay), else only the new one: the others waited in the manager for it.
        const auto received = requestsTo(QStringLiteral("/api/item/%1").arg(i));
        QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::AttemptCount)).toInt(), received.size());
        QVERIFY(received.size() == 1 || received.at(0).header("Authorization") == kOldAuth);
        QCOMPARE(received.constLast().header("Authorization"), kNewAuth);
        reply->deleteLater();
    }
    // Only what Qt could send at once went out with the old token (HostQueue::http1Limit).
    const int oldTokens = requestsWithAuthorization(kOldAuth);
    QVERIFY(oldTokens >= 1 && oldTokens <= 6);
    QCOMPARE(m_server->requestCount(), kRequests + oldTokens);
    QCOMPARE(requestsWithAuthorization(kNewAuth), kRequests);
    QCOMPARE(reauth.count(), 0);
    QVERIFY(!m_manager->isRefreshingToken());
}

void TestAuthRefresh::postReplaysOnceWithSameBody()
{
    // A 401 means the server did not act, so even a POST replays; with the very same bytes.
    QByteArray body;
    for (int i = 0; i < 70'000; ++i)
        body.append(char((i * 31 + 7) % 256));
    const QString path = QStringLiteral("/api/scans");
    QNetworkRequest request = requestFor(path);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/octet-stream"));

    QNetworkReply* reply = m_manager->post(request, body);
    QVERIFY(nullify::test::waitForFinished(reply));

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(m_provider->refreshCount(), 1);
    const auto received = requestsTo(path);
    QCOMPARE(received.size(), 2);
    QCOMPARE(received.at(0).method, QByteArrayLiteral("POST"));
    QCOMPARE(received.at(1).method, QByteArrayLiteral("POST"));
    QCOMPARE(received.at(0).header("Authorization"), kOldAuth);
    QCOMPARE(received.at(1).header("Authorization"), kNewAuth);
    QCOMPARE(received.at(0).bodySize, qint64(body.size()));
    QCOMPARE(received.at(1).bodySize, qint64(body.size()));
    QVERIFY(received.at(0).body == body);
    QVERIFY(received.at(1).body == body);
    QCOMPARE(received.at(1).bodySha256, received.at(0).bodySha256);
    QCOMPARE(received.at(1).header("Content-Type"), QByteArrayLiteral("application/octet-stream"));
    reply->deleteLater();
}

void TestAuthRefresh::stale401ReplaysWithoutSecondRefresh()
{
    // "slow" is sent with the old token, but its 401 is held back until the refresh caused by
    // "fast" has long finished: it must replay with the current token and not refresh again.
    const QString slowPath = QStringLiteral("/api/slow");
    const QString fastPath = QStringLiteral("/api/fast");
    m_server->enqueue("GET", slowPath, ScriptedResponse::json(401, QByteArrayLiteral("{}")).delay(1'000));

    QNetworkReply* slow = m_manager->get(requestFor(slowPath));
    QNetworkReply* fast = m_manager->get(requestFor(fastPath));
    QVERIFY(nullify::test::waitForFinished(fast));
    QCOMPARE(fast->error(), QNetworkReply::NoError);
    QCOMPARE(m_provider->refreshCount(), 1);
    QVERIFY(!m_manager->isRefreshingToken());
    // The refresh is over while slow still waits for its 401.
    QVERIFY(!slow->isFinished());
    QCOMPARE(requestsTo(slowPath).size(), 1);

    QVERIFY(nullify::test::waitForFinished(slow));
    QCOMPARE(slow->error(), QNetworkReply::NoError);
    QCOMPARE(slow->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(m_provider->refreshCount(), 1);
    const auto slowReceived = requestsTo(slowPath);
    QCOMPARE(slowReceived.size(), 2);
    QCOMPARE(slowReceived.at(0).header("Authorization"), kOldAuth);
    QCOMPARE(slowReceived.at(1).header("Authorization"), kNewAuth);
    const auto fastReceived = requestsTo(fastPath);
    QCOMPARE(fastReceived.size(), 2);
    QCOMPARE(fastReceived.at(0).header("Authorization"), kOldAuth);
    QCOMPARE(fastReceived.at(1).header("Authorization"), kNewAuth);
    slow->deleteLater();
    fast->deleteLater();
}

void TestAuthRefresh::requestsDuringRefreshWaitForNewToken()
{
    constexpr int kLater = 5;
    m_provider->setTiming(TestTokenProvider::Timing::Held);
    QNetworkReply* first = m_manager->get(requestFor(QStringLiteral("/api/first")));
    QTRY_VERIFY_WITH_TIMEOUT(m_provider->isRefreshPending(), kFinishTimeoutMs);
    QVERIFY(m_manager->isRefreshingToken());

    QList<QNetworkReply*> later;
    for (int i = 0; i < kLater; ++i)
        later.append(m_manager->get(requestFor(QStringLiteral("/api/later/%1").arg(i))));
    // Negative: give them every chance to go out early; they must not (the old token is known to be bad).
    QTest::qWait(300);
    QCOMPARE(m_server->requestCount(), 1);
    for (QNetworkReply* reply : later)
        QVERIFY(!reply->isFinished());

    QVERIFY(m_provider->release());
    QVERIFY(nullify::test::waitForFinished(first));
    for (QNetworkReply* reply : later) {
        QVERIFY(nullify::test::waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::AttemptCount)).toInt(), 1);
    }
    QCOMPARE(first->error(), QNetworkReply::NoError);
    QCOMPARE(m_provider->refreshCount(), 1);
    for (int i = 0; i < kLater; ++i) {
        const auto received = requestsTo(QStringLiteral("/api/later/%1").arg(i));
        QCOMPARE(received.size(), 1);
        QCOMPARE(received.at(0).header("Authorization"), kNewAuth);
    }
    QCOMPARE(requestsWithAuthorization(kOldAuth), 1); // only "first", before the refresh started
    qDeleteAll(later);
    delete first;
}

void TestAuthRefresh::waiterAbortDoesNotCancelRefresh()
{
    m_provider->setTiming(TestTokenProvider::Timing::Held);
    // a1 and a2 got their 401 and wait for the refresh; b and c started during the refresh and
    // wait to be sent. One of each kind aborts; the others must still get the new token.
    QNetworkReply* a1 = m_manager->get(requestFor(QStringLiteral("/api/a1")));
    QNetworkReply* a2 = m_manager->get(requestFor(QStringLiteral("/api/a2")));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount(), 2, kFinishTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_provider->isRefreshPending(), kFinishTimeoutMs);
    // No signal says the second 401 has reached its reply (it waits for the held refresh without a
    // word); on loopback it arrives with the first, and 100 ms is ample.
    QTest::qWait(100);
    QNetworkReply* b = m_manager->get(requestFor(QStringLiteral("/api/b")));
    QNetworkReply* c = m_manager->get(requestFor(QStringLiteral("/api/c")));

    QSignalSpy a1Finished(a1, &QNetworkReply::finished);
    QSignalSpy bFinished(b, &QNetworkReply::finished);
    a1->abort();
    b->abort();
    QCOMPARE(a1Finished.count(), 1);
    QCOMPARE(bFinished.count(), 1);
    QCOMPARE(a1->error(), QNetworkReply::OperationCanceledError);
    QCOMPARE(b->error(), QNetworkReply::OperationCanceledError);
    QVERIFY(m_manager->isRefreshingToken());
    QVERIFY(m_provider->isRefreshPending());

    QVERIFY(m_provider->release());
    QVERIFY(nullify::test::waitForFinished(a2));
    QVERIFY(nullify::test::waitForFinished(c));
    QCOMPARE(a2->error(), QNetworkReply::NoError);
    QCOMPARE(c->error(), QNetworkReply::NoError);
    QTest::qWait(200); // negative: anything a1 or b might still send would arrive now

    QCOMPARE(m_provider->refreshCount(), 1);
    QCOMPARE(a1Finished.count(), 1);
    QCOMPARE(bFinished.count(), 1);
    QCOMPARE(requestsTo(QStringLiteral("/api/a1")).size(), 1); // the original, never replayed
    QCOMPARE(requestsTo(QStringLiteral("/api/b")).size(), 0); // never sent at all
    const auto a2Received = requestsTo(QStringLiteral("/api/a2"));
    QCOMPARE(a2Received.size(), 2);
    QCOMPARE(a2Received.at(0).header("Authorization"), kOldAuth);
    QCOMPARE(a2Received.at(1).header("Authorization"), kNewAuth);
    const auto cReceived = requestsTo(QStringLiteral("/api/c"));
    QCOMPARE(cReceived.size(), 1);
    QCOMPARE(cReceived.at(0).header("Authorization"), kNewAuth);
    delete a1;
    delete a2;
    delete b;
    delete c;
}

void TestAuthRefresh::secondUnauthorizedIsFinal()
{
    // The new token is refused as well: one refresh, one replay, then the 401 is the answer.
    const QString path = QStringLiteral("/api/forbidden");
    m_server->enqueue("GET", path, ScriptedResponse::json(401, QByteArrayLiteral("{\"error\":\"first\"}")));
    m_server->enqueue("GET", path, ScriptedResponse::json(401, QByteArrayLiteral("{\"error\":\"second\"}")));
    m_server->enqueue("GET", path, ScriptedResponse::json(200, QByteArrayLiteral("{}")), 3); // a loop would get these

    QNetworkReply* reply = m_manager->get(requestFor(path));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QSignalSpy errors(reply, &QNetworkReply::errorOccurred);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kFinishTimeoutMs);
    QTest::qWait(200); // negative: a refresh loop would send the next request at once

    QCOMPARE(finished.count(), 1);
    QCOMPARE(errors.count(), 1);
    QCOMPARE(reply->error(), QNetworkReply::AuthenticationRequiredError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("{\"error\":\"second\"}"));
    QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::AttemptCount)).toInt(), 2);
    QCOMPARE(m_provider->refreshCount(), 1);
    const auto received = requestsTo(path);
    QCOMPARE(received.size(), 2);
    QCOMPARE(received.at(0).header("Authorization"), kOldAuth);
    QCOMPARE(received.at(1).header("Authorization"), kNewAuth);
    reply->deleteLater();
}

void TestAuthRefresh::refreshFailure_data()
{
    QTest::addColumn<bool>("signInRequired");
    QTest::addColumn<QNetworkReply::NetworkError>("expectedError");
    QTest::newRow("sign-in required") << true << QNetworkReply::AuthenticationRequiredError;
    QTest::newRow("transient") << false << QNetworkReply::TemporaryNetworkFailureError;
}

void TestAuthRefresh::refreshFailure()
{
    QFETCH(bool, signInRequired);
    QFETCH(QNetworkReply::NetworkError, expectedError);
    const QString reason = QStringLiteral("refresh token rejected by the test");
    m_provider->setRefreshFails(reason, signInRequired);
    m_provider->setTiming(TestTokenProvider::Timing::Held);
    QSignalSpy reauth(m_manager.get(), &NetworkAccessManager::reauthenticationRequired);

    // Three replies with a 401 waiting for the refresh, two more started during it.
    QList<QNetworkReply*> replies;
    for (int i = 0; i < 3; ++i)
        replies.append(m_manager->get(requestFor(QStringLiteral("/api/got401/%1").arg(i))));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount(), 3, kFinishTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(m_provider->isRefreshPending(), kFinishTimeoutMs);
    for (int i = 0; i < 2; ++i)
        replies.append(m_manager->get(requestFor(QStringLiteral("/api/started-during/%1").arg(i))));
    // No signal says the other 401s have reached their replies (they wait for the held refresh
    // without a word); on loopback they arrive together, and 100 ms is ample.
    QTest::qWait(100);
    QVERIFY(m_provider->release());

    for (QNetworkReply* reply : replies) {
        QVERIFY(nullify::test::waitForFinished(reply));
        QCOMPARE(reply->error(), expectedError);
        QVERIFY2(!reply->errorString().isEmpty(), "a clear error for the UI");
        QVERIFY2(reply->errorString().contains(reason), qPrintable(reply->errorString()));
    }
    QTest::qWait(100); // negative: no second reauthenticationRequired after the last reply
    QCOMPARE(reauth.count(), signInRequired ? 1 : 0);
    if (signInRequired)
        QCOMPARE(reauth.at(0).at(0).toString(), reason);
    // A transient failure is one the app may try again later; a dead session is not.
    QCOMPARE(RetryPolicy::isTransportError(expectedError), !signInRequired);
    QCOMPARE(m_provider->refreshCount(), 1);
    QVERIFY(!m_manager->isRefreshingToken());
    QCOMPARE(m_server->requestCount(), 3); // nothing replayed, nothing sent with a token known bad
    QCOMPARE(requestsWithAuthorization(kNewAuth), 0);
    qDeleteAll(replies);
}

void TestAuthRefresh::late401AfterSessionEndedDoesNotRefreshAgain()
{
    // "slow" was sent with the same old token as "fast", but its 401 arrives after the refresh
    // already failed with signInRequired. The session is over: no second refresh, no second
    // reauthenticationRequired, and slow ends with the same clear error.
    const QString reason = QStringLiteral("refresh token revoked");
    m_provider->setRefreshFails(reason, true);
    const QString slowPath = QStringLiteral("/api/slow");
    m_server->enqueue("GET", slowPath, ScriptedResponse::json(401, QByteArrayLiteral("{}")).delay(800));
    QSignalSpy reauth(m_manager.get(), &NetworkAccessManager::reauthenticationRequired);

    QNetworkReply* slow = m_manager->get(requestFor(slowPath));
    QNetworkReply* fast = m_manager->get(requestFor(QStringLiteral("/api/fast")));
    QVERIFY(nullify::test::waitForFinished(fast));
    QCOMPARE(fast->error(), QNetworkReply::AuthenticationRequiredError);
    QVERIFY(!slow->isFinished()); // its 401 is still on the way
    QCOMPARE(reauth.count(), 1);

    QVERIFY(nullify::test::waitForFinished(slow));
    QTest::qWait(100); // negative: no second refresh or signal after slow's 401
    QCOMPARE(slow->error(), QNetworkReply::AuthenticationRequiredError);
    QVERIFY2(slow->errorString().contains(reason), qPrintable(slow->errorString()));
    QCOMPARE(m_provider->refreshCount(), 1);
    QCOMPARE(reauth.count(), 1);
    QCOMPARE(requestsTo(slowPath).size(), 1);
    QCOMPARE(requestsWithAuthorization(kNewAuth), 0);
    delete slow;
    delete fast;
}

void TestAuthRefresh::tokenEndpointNeverAuthenticated_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::newRow("POST /auth/refresh_token") << QByteArrayLiteral("POST") << QStringLiteral("/auth/refresh_token");
    QTest::newRow("GET /auth/session") << QByteArrayLiteral("GET") << QStringLiteral("/auth/session");
}

void TestAuthRefresh::tokenEndpointNeverAuthenticated()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    m_server->enqueue(method, path, ScriptedResponse::json(401, QByteArrayLiteral("{\"error\":\"expired\"}")));
    m_server->enqueue(method, path, ScriptedResponse::json(200, QByteArrayLiteral("{}")), 3);

    QNetworkRequest request = requestFor(path);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/x-www-form-urlencoded"));
    QNetworkReply* reply
        = method == "POST" ? m_manager->post(request, QByteArrayLiteral("refresh_token=r1")) : m_manager->get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kFinishTimeoutMs);
    QTest::qWait(100); // negative: no refresh and no replay after the token endpoint's 401

    QCOMPARE(reply->error(), QNetworkReply::AuthenticationRequiredError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
    QCOMPARE(m_provider->refreshCount(), 0);
    const auto received = requestsTo(path);
    QCOMPARE(received.size(), 1);
    QVERIFY(!received.at(0).hasHeader("Authorization"));
    reply->deleteLater();
}

void TestAuthRefresh::synchronousProvider_data()
{
    QTest::addColumn<bool>("succeeds");
    QTest::newRow("succeeds") << true;
    QTest::newRow("fails, sign-in required") << false;
}

void TestAuthRefresh::synchronousProvider()
{
    // The provider answers inside refreshAccessToken(): the manager must already be listening.
    QFETCH(bool, succeeds);
    constexpr int kRequests = 5;
    m_provider->setTiming(TestTokenProvider::Timing::Synchronous);
    if (!succeeds)
        m_provider->setRefreshFails(QStringLiteral("gone"), true);
    QSignalSpy reauth(m_manager.get(), &NetworkAccessManager::reauthenticationRequired);

    QList<QNetworkReply*> replies;
    for (int i = 0; i < kRequests; ++i)
        replies.append(m_manager->get(requestFor(QStringLiteral("/api/sync/%1").arg(i))));
    QNetworkRequest post = requestFor(QStringLiteral("/api/sync/post"));
    post.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("text/plain"));
    replies.append(m_manager->post(post, QByteArrayLiteral("payload")));
    for (QNetworkReply* reply : replies) {
        QVERIFY(nullify::test::waitForFinished(reply));
        QCOMPARE(reply->error(), succeeds ? QNetworkReply::NoError : QNetworkReply::AuthenticationRequiredError);
    }

    const int total = kRequests + 1;
    QCOMPARE(requestsWithAuthorization(kOldAuth), total);
    QCOMPARE(requestsWithAuthorization(kNewAuth), succeeds ? total : 0);
    QCOMPARE(reauth.count(), succeeds ? 0 : 1);
    // Synchronous answers make each 401 after the first "stale": still a single refresh.
    QCOMPARE(m_provider->refreshCount(), 1);
    if (succeeds) {
        const auto posts = requestsTo(QStringLiteral("/api/sync/post"));
        QCOMPARE(posts.size(), 2);
        QCOMPARE(posts.at(1).body, QByteArrayLiteral("payload"));
    }
    qDeleteAll(replies);
}

// The real Session and AuthApi on the wire: a call meets a 401, the session refreshes once, and the
// call is replayed with whatever token the answer carried. An answer with no token anywhere is a
// passing failure: the call fails, the session and its tokens stay, nobody is signed out.
void TestAuthRefresh::sessionRefreshAnswerShapes_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QByteArray>>("setCookies");
    QTest::addColumn<QByteArray>("renewed"); // empty: no token in the answer

    using L = QList<QByteArray>;
    const QByteArray metadata = R"({"expiresIn":3600,"expiresAt":1748786400,"installationIds":["123"],)"
                                R"("queryParameters":{"githubOwnerId":"123"},"isTriaged":true,"isNullifyDev":false})";
    QTest::newRow("cookie, as the real server")
        << metadata << L {"access_token=at-from-cookie; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=None"}
        << QByteArray("at-from-cookie");
    QTest::newRow("deletion cookie, then the live one")
        << metadata << L {"access_token=; Max-Age=0; Path=/", "access_token=at-after-deletion; Max-Age=3600"}
        << QByteArray("at-after-deletion");
    QTest::newRow("body (legacy)") << QByteArray(R"({"accessToken":"at-from-body","expiresIn":3600})") << L {}
                                   << QByteArray("at-from-body");
    QTest::newRow("no token anywhere") << metadata << L {"refresh_token=; Max-Age=0"} << QByteArray();
}

void TestAuthRefresh::sessionRefreshAnswerShapes()
{
    QFETCH(QByteArray, body);
    QFETCH(QList<QByteArray>, setCookies);
    QFETCH(QByteArray, renewed);
    nullify::SecretScrubber::clear();
    m_manager->setTokenProvider(nullptr);

    ScriptedResponse answer = ScriptedResponse::json(200, body);
    for (const QByteArray& cookie : std::as_const(setCookies))
        answer.header("Set-Cookie", cookie);
    m_server->enqueue("GET", QStringLiteral("/auth/refresh_token"), answer);
    const QByteArray renewedAuth = "Bearer " + renewed;
    m_server->setFallback([renewedAuth](const RecordedRequest& request) {
        if (request.header("Authorization") == renewedAuth)
            return ScriptedResponse::json(200, QByteArrayLiteral("{\"ok\":true}"));
        return ScriptedResponse::json(401, QByteArrayLiteral("{\"error\":\"expired\"}"));
    });

    nullify::api::ApiClient client(m_manager.get());
    Session session(m_manager.get(), &client, nullptr); // no keychain: the refresh is what is tested
    const auto tenant = Tenant::fromInput(m_server->url().toString(QUrl::StripTrailingSlash));
    QVERIFY(tenant);
    Credentials signedIn;
    signedIn.accessToken = "at-expired-one";
    signedIn.refreshToken = "rt-long-lived";
    signedIn.expiresAt = QDateTime::currentDateTimeUtc().addSecs(3600);
    signedIn.scope = {{QStringLiteral("githubOwnerId"), QStringLiteral("123")}};
    session.signIn(*tenant, signedIn);
    QSignalSpy expired(&session, &Session::sessionExpired);
    QSignalSpy failed(&session, &Session::refreshFailed);

    std::unique_ptr<QNetworkReply> call(m_manager->get(requestFor(QStringLiteral("/admin/user/current"))));
    QVERIFY(nullify::test::waitForFinished(call.get()));
    QCOMPARE(requestsTo(QStringLiteral("/auth/refresh_token")).size(), 1);
    QCOMPARE(requestsTo(QStringLiteral("/auth/refresh_token")).first().header("Cookie"),
             QByteArray("refresh_token=rt-long-lived"));
    QCOMPARE(session.state(), Session::State::SignedIn);
    QCOMPARE(session.credentials().refreshToken, QByteArray("rt-long-lived")); // not rotated: kept
    QCOMPARE(session.credentials().scope, signedIn.scope);
    QCOMPARE(expired.count(), 0);
    if (renewed.isEmpty()) {
        QCOMPARE(call->error(), QNetworkReply::TemporaryNetworkFailureError);
        QVERIFY2(call->errorString().contains(QStringLiteral("accessToken")), qPrintable(call->errorString()));
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed.first().at(1).toBool(), false); // passing: try again later, not "sign in again"
        QCOMPARE(session.credentials().accessToken, signedIn.accessToken);
        QCOMPARE(m_server->requestCount(), 2); // the call and the refresh; no replay with no token
    } else {
        QCOMPARE(call->error(), QNetworkReply::NoError);
        QCOMPARE(session.credentials().accessToken, renewed);
        QCOMPARE(m_server->requests().last().header("Authorization"), renewedAuth);
        QCOMPARE(session.credentials().expiresAt.isValid(), true);
        QVERIFY(QDateTime::currentDateTimeUtc().secsTo(session.credentials().expiresAt) > 3500);
        // The scrubber knows the new token before any message can carry it.
        QCOMPARE(nullify::SecretScrubber::scrub(QString::fromLatin1(renewed)), nullify::SecretScrubber::replacement);
    }
    nullify::SecretScrubber::clear();
}

QTEST_GUILESS_MAIN(TestAuthRefresh)
#include "tst_authrefresh.moc"
