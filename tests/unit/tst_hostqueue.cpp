// The manager's queue per host, over real loopback sockets: requests wait in the manager (never
// inside Qt) while a token refresh is under way, so they leave with the new token, and while the
// host waits out a 429 Retry-After, so none of them reaches it before the wait is over. Times are
// the server's own arrival times (ScriptedHttpServer's monotonic clock), compared with when it
// answered 429: nothing may arrive inside the wait; lateness is allowed a little.

#include "hostqueue.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "replyhelpers.h"
#include "retryinfo.h"
#include "retryingreply.h"
#include "scriptedhttpserver.h"
#include "testtokenprovider.h"

#include <QLoggingCategory>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QtTest>

#include <memory>

using nullify::HostQueue;
using nullify::NetworkAccessManager;
using nullify::RetryInfo;
using nullify::test::fastRetryPolicy;
using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::TestTokenProvider;
using nullify::test::waitForFinished;

namespace {

constexpr qint64 kWaitMs = 1000; // Retry-After: 1
constexpr qint64 kLateMs = 700; // how late after the wait a held request may arrive (loaded CI)
const QByteArray kOldAuth = QByteArrayLiteral("Bearer old");
const QByteArray kNewAuth = QByteArrayLiteral("Bearer new");

ScriptedResponse ok()
{
    return ScriptedResponse::json(200, QByteArrayLiteral("{\"ok\":true}"));
}

ScriptedResponse tooManyRequests(const QByteArray& retryAfter = QByteArrayLiteral("1"))
{
    return ScriptedResponse::status(429).header("Retry-After", retryAfter);
}

} // namespace

class tst_HostQueue : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void refreshHoldsRequestsNotYetSent();
    void throttleHoldsNewRequestsToThatHostOnly();
    void throttleEndIsCappedByPolicy();
    void retryHostNowReleasesEveryWaitingRequest();
    void abortWhileQueuedNeverReachesTheWire();
    void cancelWaitingCancelsTheHostsQueue();
    void oneWaitSignalPerHost();
    void requestsBeyondQtsConnectionsWaitInTheManager();

private:
    QNetworkRequest request(const QString& path) const { return QNetworkRequest(m_server->url(path)); }
    QString hostKey() const { return NetworkAccessManager::hostKey(m_server->url()); }
    // The server's arrival time of the first request to path, -1 when none arrived.
    qint64 arrivalOf(const QString& path, int index = 0) const;
    // Starts GET /first, answered 429 with Retry-After; returns once the client has taken in the
    // 429 (the host's wait started), with the server's time of that answer.
    qint64 throttleHost(const QByteArray& retryAfter = QByteArrayLiteral("1"));

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<NetworkAccessManager> m_manager;
    QPointer<QNetworkReply> m_first;
};

void tst_HostQueue::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.info=false"));
}

void tst_HostQueue::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_server->setFallback([](const RecordedRequest&) { return ok(); });
    m_manager = std::make_unique<NetworkAccessManager>();
    m_manager->setProxy(QNetworkProxy::NoProxy);
    m_manager->setRetryPolicy(fastRetryPolicy());
}

void tst_HostQueue::cleanup()
{
    m_manager.reset();
    m_server.reset();
}

qint64 tst_HostQueue::arrivalOf(const QString& path, int index) const
{
    int seen = 0;
    for (const RecordedRequest& received : m_server->requests()) {
        if (received.path == path && seen++ == index)
            return received.receivedAtMs;
    }
    return -1;
}

qint64 tst_HostQueue::throttleHost(const QByteArray& retryAfter)
{
    m_server->enqueue("GET", QStringLiteral("/first"), tooManyRequests(retryAfter));
    QSignalSpy waitStarted(m_manager.get(), &NetworkAccessManager::hostWaitStarted);
    m_first = m_manager->get(request(QStringLiteral("/first")));
    if (!waitStarted.wait(5000))
        return -1;
    // The answer went out right after the request arrived (no scripted delay): the wait the
    // client keeps starts when it took the answer in, later still.
    return arrivalOf(QStringLiteral("/first"));
}

void tst_HostQueue::refreshHoldsRequestsNotYetSent()
{
    // 40 calls at once with a token the server no longer takes. Only those Qt was already sending
    // when the refresh started may carry the old token; every other one waits in the manager and
    // leaves with the new one. Before the queue, all 40 went to Qt at once with the old token.
    constexpr int kRequests = 40;
    m_server->setFallback([](const RecordedRequest& received) {
        return received.header("Authorization") == kNewAuth ? ok() : ScriptedResponse::json(401, "{}");
    });
    TestTokenProvider provider(QByteArrayLiteral("old"));
    provider.setRefreshSucceeds(QByteArrayLiteral("new"));
    provider.setTiming(TestTokenProvider::Timing::Delayed, 50);
    m_manager->setApiOrigin(m_server->url());
    m_manager->setTokenProvider(&provider);

    int attemptsStarted = 0;
    int attemptsBeforeRefresh = -1;
    connect(m_manager.get(), &NetworkAccessManager::attemptStarted, this, [&] { ++attemptsStarted; });
    connect(&provider, &TestTokenProvider::refreshRequested, this, [&] {
        if (attemptsBeforeRefresh < 0)
            attemptsBeforeRefresh = attemptsStarted;
    });

    QList<QNetworkReply*> replies;
    for (int i = 0; i < kRequests; ++i)
        replies.append(m_manager->get(request(QStringLiteral("/api/item/%1").arg(i))));
    for (QNetworkReply* reply : replies) {
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
    }

    QCOMPARE(provider.refreshCount(), 1);
    QVERIFY(attemptsBeforeRefresh > 0);
    QVERIFY2(attemptsBeforeRefresh <= HostQueue::http1Limit,
             qPrintable(QStringLiteral("%1 attempts were handed to Qt before the refresh").arg(attemptsBeforeRefresh)));
    int oldToken = 0;
    for (const RecordedRequest& received : m_server->requests())
        oldToken += received.header("Authorization") == kOldAuth;
    // The old token went out only with the attempts made before the refresh started.
    QCOMPARE(oldToken, attemptsBeforeRefresh);
    QCOMPARE(m_server->requestCount(), kRequests + attemptsBeforeRefresh);
    m_manager->setTokenProvider(nullptr);
}

void tst_HostQueue::throttleHoldsNewRequestsToThatHostOnly()
{
    ScriptedHttpServer otherHost;
    QVERIFY(otherHost.listen());
    otherHost.setFallback([](const RecordedRequest&) { return ok(); });

    const qint64 answered = throttleHost();
    QVERIFY(answered >= 0);
    QVERIFY(m_manager->isHostWaiting(hostKey()));
    QNetworkReply* held = m_manager->get(request(QStringLiteral("/held")));
    QNetworkReply* elsewhere = m_manager->get(QNetworkRequest(otherHost.url(QStringLiteral("/elsewhere"))));

    // Another host is never held: it answers long before the wait is over.
    QVERIFY(waitForFinished(elsewhere));
    QCOMPARE(elsewhere->error(), QNetworkReply::NoError);
    QVERIFY(!held->isFinished());
    QCOMPARE(m_manager->waitingRequests(hostKey()), 2); // the 429's own retry and the new one

    QVERIFY(waitForFinished(held));
    QVERIFY(waitForFinished(m_first));
    QCOMPARE(held->error(), QNetworkReply::NoError);
    QCOMPARE(m_first->error(), QNetworkReply::NoError);
    // Nothing reached the host inside the wait; both went when it ended.
    const qint64 heldArrival = arrivalOf(QStringLiteral("/held"));
    const qint64 retryArrival = arrivalOf(QStringLiteral("/first"), 1);
    QVERIFY2(heldArrival >= answered + kWaitMs,
             qPrintable(QStringLiteral("arrived %1 ms after the 429").arg(heldArrival - answered)));
    QVERIFY2(retryArrival >= answered + kWaitMs,
             qPrintable(QStringLiteral("retry arrived %1 ms after the 429").arg(retryArrival - answered)));
    QVERIFY(heldArrival <= answered + kWaitMs + kLateMs);
    QCOMPARE(m_server->requestCount(), 3);
    QVERIFY(!m_manager->isHostWaiting(hostKey()));
}

void tst_HostQueue::throttleEndIsCappedByPolicy()
{
    // Retry-After: 120, above the policy's cap of 1 s: the 429's request ends (the app does not
    // wait that long on its own), and the host waits only as long as the cap.
    nullify::RetryPolicy policy = fastRetryPolicy();
    policy.retryAfterCap = std::chrono::milliseconds(kWaitMs);
    m_manager->setRetryPolicy(policy);

    const qint64 answered = throttleHost(QByteArrayLiteral("120"));
    QVERIFY(answered >= 0);
    QVERIFY(waitForFinished(m_first));
    QVERIFY(m_first->error() != QNetworkReply::NoError);
    QNetworkReply* held = m_manager->get(request(QStringLiteral("/held")));
    QVERIFY(waitForFinished(held, std::chrono::seconds(5)));
    QCOMPARE(held->error(), QNetworkReply::NoError);
    const qint64 arrival = arrivalOf(QStringLiteral("/held"));
    QVERIFY2(arrival >= answered + kWaitMs, qPrintable(QString::number(arrival - answered)));
    QVERIFY(arrival <= answered + kWaitMs + kLateMs);
}

void tst_HostQueue::retryHostNowReleasesEveryWaitingRequest()
{
    const qint64 answered = throttleHost(QByteArrayLiteral("30"));
    QVERIFY(answered >= 0);
    QList<QNetworkReply*> held;
    for (int i = 0; i < 3; ++i)
        held.append(m_manager->get(request(QStringLiteral("/held/%1").arg(i))));
    QTest::qWait(100); // negative: a request not held would be sent at once
    QCOMPARE(m_server->requestCount(), 1);
    QSignalSpy ended(m_manager.get(), &NetworkAccessManager::hostWaitEnded);

    // Retry now on the one request that waits to retry ends the host's wait: all of them go.
    auto* first = qobject_cast<nullify::RetryingReply*>(m_first.data());
    QVERIFY(first && first->isWaitingToRetry());
    first->retryNow();
    QCOMPARE(ended.count(), 1);
    QVERIFY(waitForFinished(m_first, std::chrono::seconds(3)));
    for (QNetworkReply* reply : held) {
        QVERIFY(waitForFinished(reply, std::chrono::seconds(3)));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
    }
    QCOMPARE(m_first->error(), QNetworkReply::NoError);
    QCOMPARE(m_server->requestCount(), 5);
    for (int i = 0; i < 3; ++i)
        QVERIFY(arrivalOf(QStringLiteral("/held/%1").arg(i)) < answered + 5000);
}

void tst_HostQueue::abortWhileQueuedNeverReachesTheWire()
{
    QVERIFY(throttleHost(QByteArrayLiteral("30")) >= 0);
    QNetworkReply* cancelled = m_manager->get(request(QStringLiteral("/cancelled")));
    QNetworkReply* kept = m_manager->get(request(QStringLiteral("/kept")));
    QSignalSpy finished(cancelled, &QNetworkReply::finished);
    cancelled->abort();
    QCOMPARE(finished.count(), 1); // at once, not when the wait is over
    QCOMPARE(cancelled->error(), QNetworkReply::OperationCanceledError);
    QCOMPARE(m_manager->waitingRequests(hostKey()), 2); // only that one left the queue

    m_manager->retryHostNow(hostKey());
    QVERIFY(waitForFinished(kept));
    QVERIFY(waitForFinished(m_first));
    QCOMPARE(kept->error(), QNetworkReply::NoError);
    QTest::qWait(100); // negative: the cancelled one, were it released, would go with the others
    QCOMPARE(m_server->requestCount(QByteArrayLiteral("GET"), QStringLiteral("/cancelled")), 0);
    QCOMPARE(m_server->requestCount(), 3);
}

void tst_HostQueue::cancelWaitingCancelsTheHostsQueue()
{
    QVERIFY(throttleHost(QByteArrayLiteral("30")) >= 0);
    QList<QNetworkReply*> held;
    for (int i = 0; i < 3; ++i)
        held.append(m_manager->get(request(QStringLiteral("/held/%1").arg(i))));
    QSignalSpy ended(m_manager.get(), &NetworkAccessManager::hostWaitEnded);

    m_manager->cancelWaiting(hostKey());
    QCOMPARE(ended.count(), 1);
    QVERIFY(m_first->isFinished());
    QCOMPARE(m_first->error(), QNetworkReply::OperationCanceledError);
    for (QNetworkReply* reply : held) {
        QVERIFY(reply->isFinished());
        QCOMPARE(reply->error(), QNetworkReply::OperationCanceledError);
    }
    QCOMPARE(m_manager->waitingRequests(hostKey()), 0);
    QTest::qWait(100); // negative: a request let go by the cancel would be sent at once
    QCOMPARE(m_server->requestCount(), 1); // the 429 only
}

void tst_HostQueue::oneWaitSignalPerHost()
{
    // Three requests answered 429 with Retry-After at about the same time: one wait for the host,
    // signalled once (the others' waits are no longer), and none of the three counts down alone.
    m_server->enqueue("GET", QStringLiteral("/busy"), tooManyRequests(), 3);
    QSignalSpy started(m_manager.get(), &NetworkAccessManager::hostWaitStarted);
    QSignalSpy retries(m_manager.get(), &NetworkAccessManager::retryScheduled);
    QList<QNetworkReply*> replies;
    for (int i = 0; i < 3; ++i)
        replies.append(m_manager->get(request(QStringLiteral("/busy"))));
    QTRY_COMPARE_WITH_TIMEOUT(retries.count(), 3, 5000);
    QCOMPARE(started.count(), 1);
    const auto info = started.at(0).at(1).value<RetryInfo>();
    QCOMPARE(started.at(0).at(0).toString(), hostKey());
    QCOMPARE(info.host, hostKey());
    QCOMPARE(info.httpStatus, 429);
    QVERIFY(info.fromRetryAfter);
    for (const auto& retry : retries)
        QCOMPARE(retry.at(1).value<RetryInfo>().host, hostKey()); // each one's wait is the host's
    for (QNetworkReply* reply : replies) {
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
    }
    QCOMPARE(started.count(), 1);
}

void tst_HostQueue::requestsBeyondQtsConnectionsWaitInTheManager()
{
    // No refresh, no Retry-After: nothing waits below Qt's own six connections, and what would
    // wait in Qt's queue waits in the manager's instead.
    constexpr int kRequests = 10;
    m_server->setFallback([](const RecordedRequest&) { return ok().delay(300); });
    QList<QNetworkReply*> replies;
    for (int i = 0; i < kRequests; ++i)
        replies.append(m_manager->get(request(QStringLiteral("/slow/%1").arg(i))));
    QCOMPARE(m_manager->waitingRequests(hostKey()), kRequests - HostQueue::http1Limit);
    for (QNetworkReply* reply : replies) {
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
    }
    QCOMPARE(m_server->requestCount(), kRequests);
    QCOMPARE(m_manager->waitingRequests(hostKey()), 0);
}

QTEST_GUILESS_MAIN(tst_HostQueue)
#include "tst_hostqueue.moc"
