// HTTP/2 streams the server never processed (RFC 9113 section 8.7: a GOAWAY whose last-stream-id
// is below ours, RST_STREAM(REFUSED_STREAM), a request still queued when GOAWAY came) are retried
// for any method, POST included; a stream the server did process is never sent again. Against a
// scripted HTTP/2 peer over TLS (tests/support/h2peer.py, python3-h2) that injects each fault on
// demand and counts the requests its "application" acted on.

#include "environmentskip.h"
#include "networkaccessmanager.h"
#include "replyhelpers.h"
#include "retryinfo.h"
#include "retryingreply.h"
#include "retrypolicy.h"

#include <QCryptographicHash>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QtTest>

#include <chrono>
#include <memory>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::RetryInfo;
using nullify::RetryingReply;
using nullify::RetryPolicy;
using nullify::test::attemptCount;
using nullify::test::fastRetryPolicy;
using nullify::test::waitForFinished;

namespace {

const QByteArray kScanBody = QByteArrayLiteral("{\"scan\":\"repo-42\",\"autofix\":true}");

// A Python 3 that can import h2: Debian's python3-h2 lives in /usr/bin/python3's path, which a
// python3 first on PATH (pyenv, a virtualenv) may not share.
QString pythonWithH2()
{
    QStringList candidates {QStringLiteral("/usr/bin/python3")};
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (!onPath.isEmpty())
        candidates << onPath;
    for (const QString& python : candidates) {
        QProcess probe;
        probe.start(python, {QStringLiteral("-c"), QStringLiteral("import h2.connection")});
        if (probe.waitForFinished(10000) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0)
            return python;
    }
    return {};
}

// The peer process and what it reported. It exits when its stdin closes, so it can not outlive
// the test even if the test crashes.
class H2Peer
{
public:
    bool start(const QString& python, int maxConcurrentStreams)
    {
        m_process.start(python,
                        {QStringLiteral(NULLIFY_TEST_SUPPORT_DIR "/h2peer.py"),
                         QStringLiteral("--cert"),
                         QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.crt"),
                         QStringLiteral("--key"),
                         QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.key"),
                         QStringLiteral("--lifetime"),
                         QStringLiteral("300"),
                         QStringLiteral("--max-concurrent-streams"),
                         QString::number(maxConcurrentStreams)});
        if (!m_process.waitForStarted(10000))
            return false;
        QElapsedTimer clock;
        clock.start();
        while (m_port == 0 && clock.elapsed() < 10000 && m_process.state() == QProcess::Running) {
            m_process.waitForReadyRead(100);
            readLines();
        }
        return m_port != 0;
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.closeWriteChannel(); // the peer's signal to exit
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    quint16 port() const { return m_port; }
    void goaway() { m_process.write("goaway\n"); } // on the connection with a held stream
    void release() { m_process.write("release\n"); } // answers held streams, closes their connection

    // How many "<event> <METHOD> <path> ..." lines the peer printed so far.
    int count(const QByteArray& event, const QByteArray& verb, const QString& path)
    {
        readLines();
        const QByteArray prefix = event + ' ' + verb + ' ' + path.toUtf8() + ' ';
        int n = 0;
        for (const QByteArray& line : std::as_const(m_lines))
            n += line.startsWith(prefix) ? 1 : 0;
        return n;
    }

    // The bodies, as SHA-256 in hex, of the requests to `path` the application acted on.
    QList<QByteArray> processedBodies(const QByteArray& verb, const QString& path)
    {
        readLines();
        const QByteArray prefix = "processed " + verb + ' ' + path.toUtf8() + ' ';
        QList<QByteArray> digests;
        for (const QByteArray& line : std::as_const(m_lines)) {
            const qsizetype at = line.indexOf(" sha256=");
            if (line.startsWith(prefix) && at > 0)
                digests << line.mid(at + 8);
        }
        return digests;
    }

private:
    void readLines()
    {
        m_buffer += m_process.readAllStandardOutput();
        qsizetype end = 0;
        while ((end = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(end);
            m_buffer.remove(0, end + 1);
            if (line.startsWith("listening "))
                m_port = quint16(line.mid(10).toUInt());
            else
                m_lines << line;
        }
    }

    QProcess m_process;
    QByteArray m_buffer;
    QList<QByteArray> m_lines;
    quint16 m_port = 0;
};

QByteArray sha256Hex(const QByteArray& data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

} // namespace

class tst_Http2Retries : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void qtReportsStreamsNeverProcessed_data();
    void qtReportsStreamsNeverProcessed();
    void qtReportsRequestQueuedBehindGoaway();
    void neverProcessedIsRetriedOnce_data();
    void neverProcessedIsRetriedOnce();
    void requestQueuedBehindGoawayIsRetried();
    void processedStreamIsNotResentForPost_data();
    void processedStreamIsNotResentForPost();
    void neverProcessedRetryObeysTheLimits_data();
    void neverProcessedRetryObeysTheLimits();

private:
    QNetworkRequest request(const QString& path) const;
    QNetworkReply* send(QNetworkAccessManager& nam, const QByteArray& verb, const QString& path) const;
    QNetworkReply* holdStream(QNetworkAccessManager& nam, const QString& heldPath);
    void queueThenGoaway(QNetworkAccessManager& nam, const QString& heldPath);

    H2Peer m_peer;
    std::unique_ptr<NetworkAccessManager> m_nam;
    int m_pathSerial = 0;
};

void tst_Http2Retries::initTestCase()
{
    const QString python = pythonWithH2();
    if (python.isEmpty())
        NULLIFY_SKIP_ENV(
            "python3-h2 not found (no python3 that can import h2): install python3-h2 (scripts/setup.sh does)");
    // One stream at a time, so a second request waits in Qt's queue (requestQueuedBehindGoaway).
    QVERIFY2(m_peer.start(python, 1), "the HTTP/2 test peer did not start");
    // Qt warns for every stream that ends with an error; here that is the point of the test.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.network.http2.warning=false\nnullify.*.info=false"));
}

void tst_Http2Retries::init()
{
    m_nam = std::make_unique<NetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_nam->setRetryPolicy(fastRetryPolicy());
}

void tst_Http2Retries::cleanup()
{
    m_nam.reset();
}

void tst_Http2Retries::cleanupTestCase()
{
    m_peer.stop();
}

QNetworkRequest tst_Http2Retries::request(const QString& path) const
{
    QNetworkRequest req(QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_peer.port()).arg(path)));
    // The test CA is trusted for these requests only; no certificate error is ever ignored.
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setCaCertificates(QSslCertificate::fromPath(QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.crt")));
    req.setSslConfiguration(tls);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
    return req;
}

QNetworkReply* tst_Http2Retries::send(QNetworkAccessManager& nam, const QByteArray& verb, const QString& path) const
{
    QNetworkRequest req = request(path);
    if (verb == "GET")
        return nam.get(req);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return nam.sendCustomRequest(req, verb, kScanBody);
}

// What Qt 6.4 itself reports for each never-processed case, with a plain QNetworkAccessManager,
// and that RetryPolicy recognises exactly that. A Qt upgrade that changes the report (the rule
// partly depends on Qt's error text) fails here first, instead of silently ending retries.
void tst_Http2Retries::qtReportsStreamsNeverProcessed_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<bool>("neverProcessed");

    QTest::newRow("GOAWAY below our stream") << "goaway" << QNetworkReply::ContentReSendError << true;
    QTest::newRow("REFUSED_STREAM") << "refuse" << QNetworkReply::ProtocolFailure << true;
    QTest::newRow("RST_STREAM(INTERNAL_ERROR) after the body")
        << "reset-after-body" << QNetworkReply::InternalServerError << false;
    QTest::newRow("RST_STREAM(CANCEL) after the body (same code as REFUSED_STREAM)")
        << "cancel-after-body" << QNetworkReply::ProtocolFailure << false;
    QTest::newRow("GOAWAY naming our stream, then closed")
        << "goaway-after-body" << QNetworkReply::RemoteHostClosedError << false;
}

void tst_Http2Retries::qtReportsStreamsNeverProcessed()
{
    QFETCH(QString, fault);
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(bool, neverProcessed);

    QNetworkAccessManager plain;
    plain.setProxy(QNetworkProxy::NoProxy);
    const QString path = QStringLiteral("/%1/canary-%2").arg(fault).arg(++m_pathSerial);
    std::unique_ptr<QNetworkReply> reply(send(plain, "POST", path));
    QVERIFY(waitForFinished(reply.get()));

    qInfo() << fault << "->" << reply->error() << reply->errorString()
            << "Http2WasUsed:" << reply->attribute(QNetworkRequest::Http2WasUsedAttribute);
    QCOMPARE(reply->error(), error);
    QCOMPARE(RetryPolicy::wasNeverProcessed(reply->error(), reply->errorString()), neverProcessed);
}

void tst_Http2Retries::neverProcessedIsRetriedOnce_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QString>("fault");
    for (const char* verb : {"GET", "POST"}) {
        QTest::newRow(QByteArray(verb) + " after GOAWAY below its stream") << QByteArray(verb) << "goaway";
        QTest::newRow(QByteArray(verb) + " after REFUSED_STREAM") << QByteArray(verb) << "refuse";
    }
}

void tst_Http2Retries::neverProcessedIsRetriedOnce()
{
    QFETCH(QByteArray, verb);
    QFETCH(QString, fault);
    const QString path = QStringLiteral("/%1/scan-%2").arg(fault).arg(++m_pathSerial);

    QNetworkReply* reply = send(*m_nam, verb, path);
    auto* retrying = qobject_cast<RetryingReply*>(reply);
    QVERIFY(retrying);
    QSignalSpy retries(retrying, &RetryingReply::retryScheduled);
    QSignalSpy managerRetries(m_nam.get(), &NetworkAccessManager::retryScheduled);
    QVERIFY(waitForFinished(reply));

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool());
    QVERIFY(reply->readAll().contains(path.toUtf8()));
    QCOMPARE(attemptCount(reply), 2);
    // The same countdown as any other retry, on the reply and on the manager.
    QCOMPARE(retries.size(), 1);
    QCOMPARE(managerRetries.size(), 1);
    const auto info = retries.first().first().value<RetryInfo>();
    QCOMPARE(info.nextAttempt, 2);
    QCOMPARE(info.httpStatus, 0);
    QVERIFY(!info.reason.isEmpty());

    // The application saw the request once, with its body intact.
    const QByteArray faultEvent = fault == QLatin1String("goaway") ? "goaway" : "refused";
    QCOMPARE(m_peer.count(faultEvent, verb, path), 1);
    const QByteArray body = verb == "GET" ? QByteArray() : kScanBody;
    QCOMPARE(m_peer.processedBodies(verb, path), QList<QByteArray> {sha256Hex(body)});
    reply->deleteLater();
}

// Leaves `nam`'s one connection to the peer with a stream in flight (heldPath, answered on
// m_peer.release()): a request sent now waits in Qt's queue, as the peer allows one stream at a
// time.
QNetworkReply* tst_Http2Retries::holdStream(QNetworkAccessManager& nam, const QString& heldPath)
{
    // A first request, so the peer's SETTINGS (one stream at a time) have arrived.
    std::unique_ptr<QNetworkReply> warmUp(send(nam, "GET", QStringLiteral("/ok/warm-up")));
    if (!waitForFinished(warmUp.get()) || warmUp->error() != QNetworkReply::NoError)
        return nullptr;
    QNetworkReply* held = send(nam, "GET", heldPath);
    // A stream that never got there fails the caller's checks.
    static_cast<void>(QTest::qWaitFor([&] { return m_peer.count("held", "GET", heldPath) > 0; }, 10000));
    return held;
}

// A request Qt had queued on a connection when the server's GOAWAY came never left the client.
void tst_Http2Retries::qtReportsRequestQueuedBehindGoaway()
{
    QNetworkAccessManager plain;
    plain.setProxy(QNetworkProxy::NoProxy);
    const QString heldPath = QStringLiteral("/hold/canary-%1").arg(++m_pathSerial);
    const QString queuedPath = QStringLiteral("/ok/canary-queued-%1").arg(m_pathSerial);
    std::unique_ptr<QNetworkReply> held(holdStream(plain, heldPath));
    QVERIFY(held);
    std::unique_ptr<QNetworkReply> queued(send(plain, "POST", queuedPath));
    // No signal says that Qt's HTTP thread has queued it; on loopback this is ample.
    QTest::qWait(200);
    m_peer.goaway();
    QVERIFY(waitForFinished(queued.get()));
    m_peer.release();
    QVERIFY(waitForFinished(held.get()));

    qInfo() << "queued ->" << queued->error() << queued->errorString();
    QCOMPARE(queued->error(), QNetworkReply::ProtocolUnknownError);
    QVERIFY(RetryPolicy::wasNeverProcessed(queued->error(), queued->errorString()));
    QCOMPARE(m_peer.processedBodies("POST", queuedPath).size(), 0);
    QCOMPARE(held->error(), QNetworkReply::NoError);
}

// The same queued request through the manager is sent again once the drained connection is gone.
void tst_Http2Retries::requestQueuedBehindGoawayIsRetried()
{
    m_nam->setRetryPolicy(fastRetryPolicy(300ms)); // time for Qt to drop the drained connection
    const QString heldPath = QStringLiteral("/hold/report-%1").arg(++m_pathSerial);
    const QString queuedPath = QStringLiteral("/ok/queued-%1").arg(m_pathSerial);
    QNetworkReply* held = holdStream(*m_nam, heldPath);
    QVERIFY(held);
    QNetworkReply* queued = send(*m_nam, "POST", queuedPath);
    auto* retrying = qobject_cast<RetryingReply*>(queued);
    QVERIFY(retrying);
    QSignalSpy retries(retrying, &RetryingReply::retryScheduled);
    QTest::qWait(200); // as in qtReportsRequestQueuedBehindGoaway
    m_peer.goaway();
    QVERIFY(retries.wait(10000));
    const auto info = retries.first().first().value<RetryInfo>();
    QCOMPARE(info.networkError, QNetworkReply::ProtocolUnknownError);
    QCOMPARE(m_peer.count("processed", "POST", queuedPath), 0);
    m_peer.release();

    QVERIFY(waitForFinished(held));
    QCOMPARE(held->error(), QNetworkReply::NoError);
    QCOMPARE(attemptCount(held), 1);
    QVERIFY(waitForFinished(queued));
    QCOMPARE(queued->error(), QNetworkReply::NoError);
    QCOMPARE(attemptCount(queued), 2);
    QCOMPARE(retries.size(), 1);
    QCOMPARE(m_peer.processedBodies("POST", queuedPath), QList<QByteArray> {sha256Hex(kScanBody)});
    held->deleteLater();
    queued->deleteLater();
}

// The server acted on the request and then failed: a POST is never sent again. A GET is, after a
// closed connection and after a stream reset with INTERNAL_ERROR alike: that is what a gateway
// sends when its upstream failed in the middle of an answer (tst_e2e_faults_tls), and a GET would
// be retried after the 500 it stands for too.
void tst_Http2Retries::processedStreamIsNotResentForPost_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QString>("fault");
    QTest::addColumn<int>("attempts");

    QTest::newRow("POST, RST_STREAM(INTERNAL_ERROR) after the body") << QByteArray("POST") << "reset-after-body" << 1;
    QTest::newRow("POST, RST_STREAM(CANCEL) after the body") << QByteArray("POST") << "cancel-after-body" << 1;
    QTest::newRow("POST, connection dropped after the body") << QByteArray("POST") << "drop-after-body" << 1;
    QTest::newRow("POST, GOAWAY naming its stream, then closed") << QByteArray("POST") << "goaway-after-body" << 1;
    QTest::newRow("GET, RST_STREAM(INTERNAL_ERROR)") << QByteArray("GET") << "reset-after-body" << 2;
    QTest::newRow("GET, connection dropped") << QByteArray("GET") << "drop-after-body" << 2;
}

void tst_Http2Retries::processedStreamIsNotResentForPost()
{
    QFETCH(QByteArray, verb);
    QFETCH(QString, fault);
    QFETCH(int, attempts);
    const QString path = QStringLiteral("/%1/scan-%2").arg(fault).arg(++m_pathSerial);

    QNetworkReply* reply = send(*m_nam, verb, path);
    QVERIFY(waitForFinished(reply));
    QCOMPARE(attemptCount(reply), attempts);
    QCOMPARE(reply->error() == QNetworkReply::NoError, attempts > 1);
    QTest::qWait(100); // a resend, were there one, would have reached the peer by now
    QCOMPARE(m_peer.processedBodies(verb, path).size(), attempts);
    reply->deleteLater();
}

// A never-processed retry is a retry like any other: it needs an attempt left, a token in the
// host's budget and time before the deadline.
void tst_Http2Retries::neverProcessedRetryObeysTheLimits_data()
{
    QTest::addColumn<int>("maxAttempts");
    QTest::addColumn<double>("budget");
    QTest::addColumn<int>("deadlineMs");

    QTest::newRow("one attempt allowed") << 1 << 20.0 << 120'000;
    QTest::newRow("retry budget empty") << 4 << 0.5 << 120'000;
    QTest::newRow("deadline before the backoff ends") << 4 << 20.0 << 200;
}

void tst_Http2Retries::neverProcessedRetryObeysTheLimits()
{
    QFETCH(int, maxAttempts);
    QFETCH(double, budget);
    QFETCH(int, deadlineMs);
    RetryPolicy policy = fastRetryPolicy(500ms);
    policy.maxAttempts = maxAttempts;
    policy.budgetCapacity = budget;
    policy.deadline = std::chrono::milliseconds(deadlineMs);
    m_nam->setRetryPolicy(policy);
    const QString path = QStringLiteral("/refuse/scan-%1").arg(++m_pathSerial);

    QNetworkReply* reply = send(*m_nam, "POST", path);
    QVERIFY(waitForFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::ProtocolFailure);
    QCOMPARE(attemptCount(reply), 1);
    QCOMPARE(m_peer.count("refused", "POST", path), 1);
    QCOMPARE(m_peer.processedBodies("POST", path).size(), 0);
    reply->deleteLater();
}

QTEST_GUILESS_MAIN(tst_Http2Retries)
#include "tst_http2retries.moc"
