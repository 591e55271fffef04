// The response cap of nullify::NetworkAccessManager over real loopback sockets: every body is held
// to it, with a Content-Length or without one (chunked, or ended by closing the connection), after
// Qt decompressed it, error bodies too. A body over the cap ends the reply with a recognisable error
// and is never retried, and the memory a body costs stays near the cap whatever the server sends.

#include "environmentskip.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "processmemory.h"
#include "replyhelpers.h"
#include "retrypolicy.h"
#include "scriptedhttpserver.h"
#include "threadedscriptedserver.h"

#include <QLoggingCategory>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <memory>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::toAttribute;
using nullify::test::fastRetryPolicy;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::ThreadedScriptedServer;
using nullify::test::waitForFinished;
namespace RequestAttribute = nullify::RequestAttribute;
namespace ReplyAttribute = nullify::ReplyAttribute;
using Framing = ScriptedResponse::Framing;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;

bool endedTooLarge(const QNetworkReply* reply)
{
    return reply->error() == QNetworkReply::ProtocolFailure
        && reply->attribute(toAttribute(ReplyAttribute::ResponseTooLarge)).toBool();
}

int httpStatus(const QNetworkReply* reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

qint64 mostReceived(const QSignalSpy& progress)
{
    qint64 received = 0;
    for (const auto& arguments : progress)
        received = std::max(received, arguments.at(0).toLongLong());
    return received;
}

// How far the resident set grew, at its peak, while `work` ran.
qint64 peakRssGrowth(const std::function<void()>& work)
{
    const bool reset = nullify::test::resetPeakRss();
    const qint64 before = nullify::test::processStatusBytes("VmRSS");
    if (!reset || before < 0)
        return -1;
    work();
    return nullify::test::processStatusBytes("VmHWM") - before;
}

} // namespace

Q_DECLARE_METATYPE(Framing)

class tst_ResponseCap : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void defaultIsTheCliCap();
    void bodyAgainstTheCap_data();
    void bodyAgainstTheCap();
    void overTheCapStopsReading_data();
    void overTheCapStopsReading();
    void contentLengthRefusedOnlyForABody();
    void decompressedBytesCount();
    void errorBodyOverTheCap_data();
    void errorBodyOverTheCap();
    void heldErrorBodyWithinTheCap();
    void perRequestOverride();
    void memoryWhenTheCallerReadsAtTheEnd();

private:
    QNetworkReply* get(const QString& path, qint64 cap = -1);

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<NetworkAccessManager> m_nam;
};

void tst_ResponseCap::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.info=false"));
}

void tst_ResponseCap::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_server->setRecordBodies(false);
    m_nam = std::make_unique<NetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_nam->setRetryPolicy(fastRetryPolicy());
}

void tst_ResponseCap::cleanup()
{
    m_nam.reset();
    m_server.reset();
}

QNetworkReply* tst_ResponseCap::get(const QString& path, qint64 cap)
{
    QNetworkRequest request(m_server->url(path));
    if (cap >= 0)
        request.setAttribute(toAttribute(RequestAttribute::MaxResponseBytes), cap);
    return m_nam->get(request);
}

void tst_ResponseCap::defaultIsTheCliCap()
{
    QCOMPARE(m_nam->maxResponseBytes(), 10 * MiB);
    const QString path = QStringLiteral("/v1/export");
    m_server->enqueue("GET", path, ScriptedResponse::generated(200, 10 * MiB, Framing::Chunked));
    m_server->enqueue("GET", path, ScriptedResponse::generated(200, 10 * MiB + 1, Framing::Chunked));

    std::unique_ptr<QNetworkReply> fits(get(path));
    QVERIFY(waitForFinished(fits.get()));
    QCOMPARE(fits->error(), QNetworkReply::NoError);
    QCOMPARE(fits->readAll().size(), 10 * MiB);

    std::unique_ptr<QNetworkReply> over(get(path));
    QVERIFY(waitForFinished(over.get()));
    QVERIFY2(endedTooLarge(over.get()), qPrintable(over->errorString()));
    QCOMPARE(over->errorString(), QStringLiteral("The server's answer is larger than the 10 MiB this app accepts."));
    QCOMPARE(m_server->requestCount(), 2);
}

void tst_ResponseCap::bodyAgainstTheCap_data()
{
    QTest::addColumn<Framing>("framing");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("fits");

    // Larger than the 64 KiB Qt may read ahead before the body is known to be the caller's, and
    // an odd size, so the cap falls inside a chunk.
    constexpr qint64 cap = 1 * MiB + 7;
    const QList<QPair<const char*, Framing>> framings {{"Content-Length", Framing::ContentLength},
                                                       {"chunked", Framing::Chunked},
                                                       {"close-delimited", Framing::CloseDelimited}};
    for (const auto& [name, framing] : framings) {
        QTest::addRow("%s at the cap", name) << framing << cap << true;
        QTest::addRow("%s one byte over", name) << framing << cap + 1 << false;
    }
}

void tst_ResponseCap::bodyAgainstTheCap()
{
    QFETCH(Framing, framing);
    QFETCH(qint64, size);
    QFETCH(bool, fits);

    m_nam->setMaxResponseBytes(1 * MiB + 7);
    const QString path = QStringLiteral("/v1/findings");
    m_server->enqueue("GET", path, ScriptedResponse::generated(200, size, framing));

    std::unique_ptr<QNetworkReply> reply(get(path));
    QVERIFY(waitForFinished(reply.get()));
    QCOMPARE(httpStatus(reply.get()), 200);
    if (fits) {
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QVERIFY(!reply->attribute(toAttribute(ReplyAttribute::ResponseTooLarge)).toBool());
        QVERIFY(reply->readAll() == ScriptedResponse::generatedBytes(0, size));
    } else {
        QVERIFY2(endedTooLarge(reply.get()), qPrintable(reply->errorString()));
        QVERIFY2(reply->errorString().contains(QLatin1String("larger than the 1 MiB this app accepts")),
                 qPrintable(reply->errorString()));
        QCOMPARE(reply->readAll(), QByteArray()); // nothing of a refused body is handed out
    }
    QCOMPARE(m_server->requestCount(), 1); // a GET, yet never retried
}

void tst_ResponseCap::overTheCapStopsReading_data()
{
    QTest::addColumn<Framing>("framing");
    QTest::newRow("Content-Length") << Framing::ContentLength;
    QTest::newRow("chunked") << Framing::Chunked;
    QTest::newRow("close-delimited") << Framing::CloseDelimited;
}

void tst_ResponseCap::overTheCapStopsReading()
{
    QFETCH(Framing, framing);
    constexpr qint64 cap = 1 * MiB;
    m_nam->setMaxResponseBytes(cap);
    const QString path = QStringLiteral("/v1/dump");
    m_server->enqueue("GET", path, ScriptedResponse::generated(200, 256 * MiB, framing));

    std::unique_ptr<QNetworkReply> reply(get(path));
    QSignalSpy progress(reply.get(), &QNetworkReply::downloadProgress);
    QVERIFY(waitForFinished(reply.get(), 30s));
    QVERIFY2(endedTooLarge(reply.get()), qPrintable(reply->errorString()));
    // The connection is cut, not drained: the client stops reading at the cap (a Content-Length
    // above it before the first byte), and the server sees the connection go.
    const qint64 received = mostReceived(progress);
    QVERIFY2(received <= cap, qPrintable(QString::number(received)));
    if (framing == Framing::ContentLength)
        QCOMPARE(received, 0);
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    QCOMPARE(m_server->requestCount(), 1);
}

void tst_ResponseCap::contentLengthRefusedOnlyForABody()
{
    m_nam->setMaxResponseBytes(1 * MiB);
    const QString path = QStringLiteral("/v1/archive");
    const QByteArray announced = QByteArray::number(64 * MiB);
    // A HEAD answer announces the length of a body it does not have.
    m_server->enqueue("HEAD", path, ScriptedResponse::status(200).header("Content-Length", announced));
    m_server->enqueue("GET", path, ScriptedResponse::generated(200, 64 * MiB, Framing::ContentLength));

    std::unique_ptr<QNetworkReply> head(m_nam->head(QNetworkRequest(m_server->url(path))));
    QVERIFY(waitForFinished(head.get()));
    QCOMPARE(head->error(), QNetworkReply::NoError);
    QCOMPARE(head->rawHeader("Content-Length"), announced);

    std::unique_ptr<QNetworkReply> body(get(path));
    QVERIFY(waitForFinished(body.get()));
    QVERIFY2(endedTooLarge(body.get()), qPrintable(body->errorString()));
    QCOMPARE(body->rawHeader("Content-Length"), announced); // the caller can see why
}

void tst_ResponseCap::decompressedBytesCount()
{
    // Qt asks for compressed bodies by itself and hands them out decompressed: the cap is on what
    // the caller would hold, so a small compressed body can be far over it.
    m_nam->setMaxResponseBytes(1 * MiB);
    const QString path = QStringLiteral("/v1/report");
    const QByteArray large = ScriptedResponse::generatedBytes(0, 4 * MiB);
    const QByteArray small = ScriptedResponse::generatedBytes(0, 512 * KiB);
    // qCompress() is a 4-byte length and then a zlib stream, which is what HTTP calls deflate.
    const QByteArray largeDeflated = qCompress(large).mid(4);
    QVERIFY(largeDeflated.size() < 64 * KiB);
    m_server->enqueue("GET", path, ScriptedResponse::status(200, largeDeflated).header("Content-Encoding", "deflate"));
    m_server->enqueue(
        "GET", path, ScriptedResponse::status(200, qCompress(small).mid(4)).header("Content-Encoding", "deflate"));

    std::unique_ptr<QNetworkReply> over(get(path));
    QVERIFY(waitForFinished(over.get()));
    QVERIFY2(endedTooLarge(over.get()), qPrintable(over->errorString()));
    QVERIFY(m_server->requests().first().header("Accept-Encoding").contains("deflate"));

    std::unique_ptr<QNetworkReply> fits(get(path));
    QVERIFY(waitForFinished(fits.get()));
    QCOMPARE(fits->error(), QNetworkReply::NoError);
    QVERIFY(fits->readAll() == small); // decompressed by Qt
    QCOMPARE(m_server->requestCount(), 2);
}

void tst_ResponseCap::errorBodyOverTheCap_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("maxAttempts");

    // Bodies the caller gets: statuses that are not retried, and a retryable one on the last attempt.
    QTest::newRow("GET 404") << QByteArray("GET") << 404 << 4;
    QTest::newRow("POST 500") << QByteArray("POST") << 500 << 4;
    QTest::newRow("GET 503, last attempt") << QByteArray("GET") << 503 << 1;
}

void tst_ResponseCap::errorBodyOverTheCap()
{
    QFETCH(QByteArray, verb);
    QFETCH(int, status);
    QFETCH(int, maxAttempts);

    auto policy = fastRetryPolicy();
    policy.maxAttempts = maxAttempts;
    m_nam->setRetryPolicy(policy);
    m_nam->setMaxResponseBytes(256 * KiB);
    const QString path = QStringLiteral("/v1/scan");
    m_server->enqueue(verb, path, ScriptedResponse::generated(status, 8 * MiB, Framing::Chunked));

    QNetworkRequest request(m_server->url(path));
    std::unique_ptr<QNetworkReply> reply(verb == "GET" ? m_nam->get(request) : m_nam->post(request, QByteArray("{}")));
    QVERIFY(waitForFinished(reply.get()));
    QVERIFY2(endedTooLarge(reply.get()), qPrintable(reply->errorString()));
    QCOMPARE(httpStatus(reply.get()), status);
    QCOMPARE(reply->readAll(), QByteArray());
    QCOMPARE(m_server->requestCount(), 1);
}

void tst_ResponseCap::heldErrorBodyWithinTheCap()
{
    // A 503 that might be retried is held back while the reply decides; when it becomes the answer
    // (here: a Retry-After longer than the app waits), its body is cut to the cap as well.
    m_nam->setMaxResponseBytes(1 * KiB);
    const QString path = QStringLiteral("/v1/busy");
    const QByteArray body = ScriptedResponse::generatedBytes(0, 8 * KiB);
    m_server->enqueue("GET", path, ScriptedResponse::status(503, body).header("Retry-After", "3600"));

    std::unique_ptr<QNetworkReply> reply(get(path));
    QVERIFY(waitForFinished(reply.get()));
    QCOMPARE(httpStatus(reply.get()), 503);
    const QByteArray received = reply->readAll();
    QVERIFY2(received.size() <= 1 * KiB, qPrintable(QString::number(received.size())));
    QVERIFY(body.startsWith(received));
    QCOMPARE(m_server->requestCount(), 1);
}

void tst_ResponseCap::perRequestOverride()
{
    m_nam->setMaxResponseBytes(1 * MiB);
    const QString path = QStringLiteral("/v1/sbom");
    m_server->enqueue("GET", path, ScriptedResponse::generated(200, 3 * MiB, Framing::Chunked));
    m_server->enqueue("GET", path, ScriptedResponse::generated(200, 2 * KiB, Framing::Chunked));

    // A known large download raises its own cap; a call that expects little lowers it.
    std::unique_ptr<QNetworkReply> larger(get(path, 4 * MiB));
    QVERIFY(waitForFinished(larger.get()));
    QCOMPARE(larger->error(), QNetworkReply::NoError);
    QCOMPARE(larger->readAll().size(), 3 * MiB);

    std::unique_ptr<QNetworkReply> smaller(get(path, 1 * KiB));
    QVERIFY(waitForFinished(smaller.get()));
    QVERIFY2(endedTooLarge(smaller.get()), qPrintable(smaller->errorString()));
    QVERIFY2(smaller->errorString().contains(QLatin1String("1 KiB")), qPrintable(smaller->errorString()));
    QCOMPARE(m_server->requestCount(), 2);
}

void tst_ResponseCap::memoryWhenTheCallerReadsAtTheEnd()
{
    // The typed API reads a body only once the reply has finished. A 200 MiB chunked body from a
    // server that sends as fast as it can: the reply stops at the default cap of 10 MiB, and the
    // process never holds much more than that. A loose bound, for a noisy machine.
    ThreadedScriptedServer server;
    QVERIFY(server.isListening());
    const QString path = QStringLiteral("/v1/everything");
    server.with([&](ScriptedHttpServer& s) {
        s.enqueue("GET", path, ScriptedResponse::generated(200, 200 * MiB, Framing::Chunked));
    });
    const QUrl url = server.url(path);

    std::unique_ptr<QNetworkReply> reply;
    const qint64 growth = peakRssGrowth([&] {
        reply.reset(m_nam->get(QNetworkRequest(url)));
        waitForFinished(reply.get(), 60s);
    });
    if (growth < 0)
        NULLIFY_SKIP_ENV("the peak RSS can not be reset on this kernel");
    qInfo("peak RSS growth: %.1f MiB", double(growth) / MiB);
    QVERIFY2(growth < 64 * MiB, qPrintable(QStringLiteral("%1 MiB").arg(double(growth) / MiB)));
    QVERIFY(reply->isFinished());
    QVERIFY2(endedTooLarge(reply.get()), qPrintable(reply->errorString()));
}

QTEST_GUILESS_MAIN(tst_ResponseCap)
#include "tst_responsecap.moc"
