// Self-test of the scripted loopback HTTP server that the network tests are built on. A plain
// QNetworkAccessManager is the client where it can express the case; a raw QTcpSocket is used where
// the exact bytes on the wire matter (chunked framing, 100-continue, garbage, pipelining).

#include "scriptedhttpserver.h"
#include "testdevices.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTimeZone>
#include <QtTest>

#include <memory>
#include <vector>

using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::SequentialSource;

namespace {

constexpr int ReplyTimeoutMs = 10000;

// A raw client that keeps everything it receives, for tests that look at bytes on the wire.
struct RawClient
{
    QTcpSocket socket;
    QByteArray received;

    explicit RawClient(quint16 port)
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [this] { received += socket.readAll(); });
        socket.connectToHost(QHostAddress::LocalHost, port);
    }

    // Sends data one byte at a time, letting the event loop run in between, so the server sees
    // the request in many small reads instead of one.
    void writeFragmented(const QByteArray& data)
    {
        for (char c : data) {
            socket.write(&c, 1);
            socket.flush();
            QCoreApplication::processEvents();
        }
    }
};

QByteArray sha256Hex(const QByteArray& data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

int statusOf(QNetworkReply* reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

bool waitFinished(QNetworkReply* reply, int timeoutMs = ReplyTimeoutMs)
{
    return QTest::qWaitFor([reply] { return reply->isFinished(); }, timeoutMs);
}

} // namespace

class TestScriptedHttpServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void keepAliveReusesOneConnection();
    void scriptIsFifoThenFallbackThen404();
    void anyMethodRouteAndExactRouteWins();
    void postBodyIsRecordedWithSha256();
    void pathIsDecodedAndQueryParsed();
    void requestReceivedIsEmittedBeforeAnswering();
    void sequentialUploadFromNetworkAccessManager();
    void chunkedRequestInFragments();
    void pipelinedRequestsAreAnsweredInOrder();
    void resetMidBodyGivesErrorAndPartialBody();
    void closeBeforeResponseGivesRemoteHostClosed();
    void singleCloseBeforeResponseIsHiddenByQt();
    void stallEndsWithClientTransferTimeout();
    void delayIsHonoured();
    void dateCanBeOverridden();
    void headSendsHeadersOnly();
    void expectContinueOverRawSocket();
    void garbageRequestGets400AndClose_data();
    void garbageRequestGets400AndClose();
    void clientDisconnectMidRequestIsForgotten();
    void requestCountFilters();
    void respondAndCloseOpensNewConnection();
    void closeAllConnectionsForcesNewConnection();
    void clearRecordsKeepsScript();
    void localhostReachesSameServer();
    void manyConcurrentConnections();
    void largeBodyWithoutRecording();
    void destructorWithOpenConnections();

private:
    QNetworkReply* get(const QString& path);

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

void TestScriptedHttpServer::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    QVERIFY(m_server->port() != 0);
    m_nam = std::make_unique<QNetworkAccessManager>();
    // A proxy from the environment would put another hop between client and server.
    m_nam->setProxy(QNetworkProxy::NoProxy);
}

void TestScriptedHttpServer::cleanup()
{
    m_nam.reset();
    m_server.reset();
}

QNetworkReply* TestScriptedHttpServer::get(const QString& path)
{
    return m_nam->get(QNetworkRequest(m_server->url(path)));
}

void TestScriptedHttpServer::keepAliveReusesOneConnection()
{
    m_server->enqueue("GET", QStringLiteral("/ping"), ScriptedResponse::status(200, "pong"), 5);
    for (int i = 0; i < 5; ++i) {
        QNetworkReply* reply = get(QStringLiteral("/ping"));
        QVERIFY(waitFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->readAll(), QByteArrayLiteral("pong"));
        // Automatic Content-Length is what lets the client keep the connection.
        QCOMPARE(reply->rawHeader("Content-Length"), QByteArrayLiteral("4"));
    }
    QCOMPARE(m_server->requestCount(), 5);
    QCOMPARE(m_server->connectionCount(), 1);
    for (const auto& request : m_server->requests()) {
        QCOMPARE(request.connectionId, 1);
    }
}

void TestScriptedHttpServer::scriptIsFifoThenFallbackThen404()
{
    m_server->enqueue("GET", QStringLiteral("/items"), ScriptedResponse::status(500));
    m_server->enqueue("GET", QStringLiteral("/items"), ScriptedResponse::status(503).header("Retry-After", "1"));
    m_server->enqueue("GET", QStringLiteral("/items"), ScriptedResponse::json(200, R"({"ok":true})"));

    const QList<int> expected {500, 503, 200, 404};
    for (int code : expected) {
        QNetworkReply* reply = get(QStringLiteral("/items"));
        QVERIFY(waitFinished(reply));
        QCOMPARE(statusOf(reply), code);
        if (code == 503) {
            QCOMPARE(reply->rawHeader("Retry-After"), QByteArrayLiteral("1"));
            QCOMPARE(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString(),
                     QStringLiteral("Service Unavailable"));
        }
        if (code == 200) {
            QCOMPARE(reply->header(QNetworkRequest::ContentTypeHeader).toString(), QStringLiteral("application/json"));
            QCOMPARE(reply->readAll(), QByteArrayLiteral(R"({"ok":true})"));
        }
        if (code == 404) {
            QVERIFY(!reply->readAll().isEmpty()); // a short explanation for whoever debugs the test
        }
    }

    m_server->setFallback([](const RecordedRequest& request) {
        return ScriptedResponse::status(409, "fallback " + request.path.toUtf8()).header("X-Fallback", "yes");
    });
    QNetworkReply* reply = get(QStringLiteral("/other"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 409);
    QCOMPARE(reply->rawHeader("X-Fallback"), QByteArrayLiteral("yes"));
    QCOMPARE(reply->readAll(), QByteArrayLiteral("fallback /other"));

    // A scripted answer still comes before the fallback.
    m_server->enqueue("GET", QStringLiteral("/other"), ScriptedResponse::status(201));
    reply = get(QStringLiteral("/other"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 201);
}

void TestScriptedHttpServer::anyMethodRouteAndExactRouteWins()
{
    m_server->enqueue("*", QStringLiteral("/any"), ScriptedResponse::status(202));
    QNetworkRequest post(m_server->url(QStringLiteral("/any")));
    post.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
    QNetworkReply* reply = m_nam->post(post, QByteArray("x"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 202);

    m_server->enqueue("*", QStringLiteral("/any"), ScriptedResponse::status(203));
    m_server->enqueue("GET", QStringLiteral("/any"), ScriptedResponse::status(201));
    reply = get(QStringLiteral("/any"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 201); // exact route first although "*" was queued earlier

    reply = m_nam->put(QNetworkRequest(m_server->url(QStringLiteral("/any"))), QByteArray("y"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 203);

    reply = m_nam->deleteResource(QNetworkRequest(m_server->url(QStringLiteral("/any"))));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 404); // both queues are used up
}

void TestScriptedHttpServer::postBodyIsRecordedWithSha256()
{
    QByteArray body;
    for (int i = 0; i < 100000; ++i) {
        body += char('a' + i % 26);
    }
    m_server->enqueue("POST", QStringLiteral("/upload"), ScriptedResponse::status(201, "stored"));
    QNetworkRequest request(m_server->url(QStringLiteral("/upload")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
    request.setRawHeader("X-Trace", "abc");
    QNetworkReply* reply = m_nam->post(request, body);
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 201);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("stored"));

    QCOMPARE(m_server->requestCount(), 1);
    const RecordedRequest recorded = m_server->requests().first();
    QCOMPARE(recorded.method, QByteArrayLiteral("POST"));
    QCOMPARE(recorded.target, QByteArrayLiteral("/upload"));
    QCOMPARE(recorded.body, body);
    QCOMPARE(recorded.bodySize, qint64(body.size()));
    QCOMPARE(recorded.bodySha256, sha256Hex(body));
    QCOMPARE(recorded.header("content-type"), QByteArrayLiteral("text/plain"));
    QCOMPARE(recorded.header("X-TRACE"), QByteArrayLiteral("abc"));
    QVERIFY(recorded.hasHeader("Host"));
    QVERIFY(!recorded.hasHeader("X-Absent"));
    QVERIFY(recorded.header("X-Absent").isEmpty());
}

void TestScriptedHttpServer::pathIsDecodedAndQueryParsed()
{
    m_server->enqueue("GET", QStringLiteral("/a b/c"), ScriptedResponse::status(200));
    QNetworkReply* reply = get(QStringLiteral("/a%20b/c?name=x%26y&page=2"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 200);

    const RecordedRequest recorded = m_server->requests().first();
    QCOMPARE(recorded.target, QByteArrayLiteral("/a%20b/c?name=x%26y&page=2"));
    QCOMPARE(recorded.path, QStringLiteral("/a b/c"));
    QCOMPARE(recorded.query.queryItemValue(QStringLiteral("name"), QUrl::FullyDecoded), QStringLiteral("x&y"));
    QCOMPARE(recorded.query.queryItemValue(QStringLiteral("page")), QStringLiteral("2"));
    QCOMPARE(recorded.bodySize, qint64(0));
    QCOMPARE(recorded.bodySha256, sha256Hex({})); // the hash of nothing, not an empty string
}

void TestScriptedHttpServer::requestReceivedIsEmittedBeforeAnswering()
{
    QSignalSpy spy(m_server.get(), &ScriptedHttpServer::requestReceived);
    // A handler can still script the answer to the request that triggered it.
    connect(m_server.get(), &ScriptedHttpServer::requestReceived, this, [this](const RecordedRequest& request) {
        QCOMPARE(m_server->requestCount(), 1); // recorded before the signal
        m_server->enqueue(request.method, request.path, ScriptedResponse::status(202, "late"));
    });
    QNetworkReply* reply = get(QStringLiteral("/late"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 202);
    QCOMPARE(spy.count(), 1);
    const auto signalled = spy.first().first().value<RecordedRequest>();
    QCOMPARE(signalled.path, QStringLiteral("/late"));
    QCOMPARE(signalled.connectionId, 1);
}

void TestScriptedHttpServer::sequentialUploadFromNetworkAccessManager()
{
    QByteArray body(300000, 'q');
    body[0] = 'Q';
    m_server->enqueue("PUT", QStringLiteral("/stream"), ScriptedResponse::status(204));
    auto* source = new SequentialSource(body);
    QNetworkReply* reply = m_nam->put(QNetworkRequest(m_server->url(QStringLiteral("/stream"))), source);
    source->setParent(reply);
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(statusOf(reply), 204);

    // Qt 6.4 reads a sequential body of unknown size fully and sends it with a Content-Length;
    // chunked framing is therefore exercised over a raw socket below. Either way the body must
    // arrive intact.
    const RecordedRequest recorded = m_server->requests().first();
    QVERIFY(recorded.hasHeader("Content-Length") || recorded.hasHeader("Transfer-Encoding"));
    QCOMPARE(recorded.bodySize, qint64(body.size()));
    QCOMPARE(recorded.bodySha256, sha256Hex(body));
}

void TestScriptedHttpServer::chunkedRequestInFragments()
{
    m_server->enqueue("POST", QStringLiteral("/chunks"), ScriptedResponse::status(200, "got it"));
    m_server->enqueue("GET", QStringLiteral("/after"), ScriptedResponse::status(200, "after"));
    RawClient client(m_server->port());
    QTRY_COMPARE(client.socket.state(), QAbstractSocket::ConnectedState);

    // Chunk sizes in both cases, an extension, a trailer, and a second request right behind.
    const QByteArray wire = QByteArrayLiteral("POST /chunks HTTP/1.1\r\n"
                                              "Host: test\r\n"
                                              "Transfer-Encoding: chunked\r\n"
                                              "\r\n"
                                              "5\r\nhello\r\n"
                                              "1;ext=\"x\"\r\n \r\n"
                                              "A\r\n0123456789\r\n"
                                              "b\r\nabcdefghijk\r\n"
                                              "0\r\n"
                                              "X-Checksum: whatever\r\n"
                                              "\r\n"
                                              "GET /after HTTP/1.1\r\nHost: test\r\n\r\n");
    client.writeFragmented(wire);

    QTRY_COMPARE(m_server->requestCount(), 2);
    const RecordedRequest chunked = m_server->requests().at(0);
    const QByteArray expectedBody = QByteArrayLiteral("hello 0123456789abcdefghijk");
    QCOMPARE(chunked.body, expectedBody);
    QCOMPARE(chunked.bodySize, qint64(expectedBody.size()));
    QCOMPARE(chunked.bodySha256, sha256Hex(expectedBody));
    QCOMPARE(chunked.header("transfer-encoding"), QByteArrayLiteral("chunked"));
    QCOMPARE(m_server->requests().at(1).path, QStringLiteral("/after"));
    QCOMPARE(m_server->requests().at(1).connectionId, chunked.connectionId);

    QTRY_VERIFY(client.received.endsWith("after"));
    QVERIFY(client.received.startsWith("HTTP/1.1 200 OK\r\n"));
    QVERIFY(client.received.indexOf("got it") < client.received.indexOf("after"));
}

void TestScriptedHttpServer::pipelinedRequestsAreAnsweredInOrder()
{
    m_server->enqueue("GET", QStringLiteral("/1"), ScriptedResponse::status(200, "first").delay(200));
    m_server->enqueue("GET", QStringLiteral("/2"), ScriptedResponse::status(200, "second"));
    m_server->enqueue("POST", QStringLiteral("/3"), ScriptedResponse::status(200, "third").delay(50));
    RawClient client(m_server->port());
    client.socket.write("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n"
                        "GET /2 HTTP/1.1\r\nHost: t\r\n\r\n"
                        "POST /3 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");

    QTRY_VERIFY(client.received.endsWith("third"));
    const qsizetype first = client.received.indexOf("first");
    const qsizetype second = client.received.indexOf("second");
    QVERIFY(first > 0);
    QVERIFY(second > first); // /2 had no delay but waited for /1
    QCOMPARE(client.received.count("HTTP/1.1 200 OK"), 3);
    QCOMPARE(m_server->requests().at(2).body, QByteArrayLiteral("abc"));
    QCOMPARE(m_server->connectionCount(), 1);
}

void TestScriptedHttpServer::resetMidBodyGivesErrorAndPartialBody()
{
    const QByteArray body(10000, 'z');
    m_server->enqueue("GET", QStringLiteral("/partial"), ScriptedResponse::resetMidBody(body));
    QNetworkReply* reply = get(QStringLiteral("/partial"));
    QByteArray received;
    connect(reply, &QNetworkReply::readyRead, this, [&] { received += reply->readAll(); });
    QVERIFY(waitFinished(reply));
    received += reply->readAll();

    QVERIFY2(reply->error() != QNetworkReply::NoError, qPrintable(reply->errorString()));
    QCOMPARE(statusOf(reply), 200);
    QCOMPARE(reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(), qint64(body.size()));
    QVERIFY(received.size() < body.size());
    QCOMPARE(received, body.left(received.size()));
    QCOMPARE(m_server->requestCount(), 1); // a partial answer is not silently retried
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
}

void TestScriptedHttpServer::closeBeforeResponseGivesRemoteHostClosed()
{
    // Qt resends a request by itself when the connection closes before any byte of a response
    // (QHttpNetworkConnectionChannel's reconnect attempts), so every attempt must be scripted to
    // close for the error to reach the application.
    m_server->setFallback([](const RecordedRequest&) { return ScriptedResponse::closeBeforeResponse(); });
    QNetworkReply* reply = get(QStringLiteral("/gone"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::RemoteHostClosedError);
    // What the server saw: the request and Qt's own resends of it (2 in all with Qt 6.4 and 6.8),
    // each on a connection of its own that the script closed. How many connections Qt opens besides
    // is its business (Qt 6.8 opened 3 for the 2 requests), so they are not counted.
    const QList<RecordedRequest> requests = m_server->requests();
    QVERIFY(!requests.isEmpty());
    QVERIFY(requests.size() <= 4); // Qt gives up after its channel's few reconnect attempts
    QSet<int> connections;
    for (const RecordedRequest& request : requests) {
        QCOMPARE(request.method, QByteArrayLiteral("GET"));
        QCOMPARE(request.path, QStringLiteral("/gone"));
        connections.insert(request.connectionId);
    }
    QCOMPARE(connections.size(), requests.size());
    // Qt 6.8 keeps a spare connection it opened and never sent on until its manager goes; once the
    // client lets go, nothing may be left open on the server's side.
    m_nam.reset();
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
}

void TestScriptedHttpServer::singleCloseBeforeResponseIsHiddenByQt()
{
    // Documents the Qt behaviour the closeBeforeResponse() tests of the retrying manager must plan
    // for: one early close is absorbed by QNetworkAccessManager itself and never reaches the caller.
    m_server->enqueue("GET", QStringLiteral("/flaky"), ScriptedResponse::closeBeforeResponse());
    m_server->enqueue("GET", QStringLiteral("/flaky"), ScriptedResponse::status(200, "second try"));
    QNetworkReply* reply = get(QStringLiteral("/flaky"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("second try"));
    QCOMPARE(m_server->requestCount("GET", QStringLiteral("/flaky")), 2);
    QCOMPARE(m_server->requests().at(0).connectionId, 1);
    QCOMPARE(m_server->requests().at(1).connectionId, 2);
}

void TestScriptedHttpServer::stallEndsWithClientTransferTimeout()
{
    m_server->enqueue("GET", QStringLiteral("/stall"), ScriptedResponse::stall());
    QNetworkRequest request(m_server->url(QStringLiteral("/stall")));
    request.setTransferTimeout(300);
    QNetworkReply* reply = m_nam->get(request);
    QTRY_COMPARE(m_server->requestCount(), 1);
    QCOMPARE(m_server->openConnectionCount(), 1);
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::OperationCanceledError);
    // The stalled connection lives until the client drops it.
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
}

void TestScriptedHttpServer::delayIsHonoured()
{
    m_server->enqueue("GET", QStringLiteral("/slow"), ScriptedResponse::status(200, "slow").delay(300));
    QElapsedTimer timer;
    timer.start();
    QNetworkReply* reply = get(QStringLiteral("/slow"));
    QVERIFY(waitFinished(reply));
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(reply->readAll(), QByteArrayLiteral("slow"));
    QVERIFY2(elapsed >= 290, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < 5000, qPrintable(QString::number(elapsed)));
}

void TestScriptedHttpServer::dateCanBeOverridden()
{
    const QByteArray fixed = QByteArrayLiteral("Wed, 21 Oct 2015 07:28:00 GMT");
    m_server->enqueue("GET", QStringLiteral("/dated"), ScriptedResponse::status(200).header("Date", fixed));
    m_server->enqueue("GET", QStringLiteral("/now"), ScriptedResponse::status(200));

    QNetworkReply* reply = get(QStringLiteral("/dated"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->rawHeader("Date"), fixed);
    int dateHeaders = 0;
    for (const auto& pair : reply->rawHeaderPairs()) {
        dateHeaders += pair.first.compare("Date", Qt::CaseInsensitive) == 0 ? 1 : 0;
    }
    QCOMPARE(dateHeaders, 1);

    reply = get(QStringLiteral("/now"));
    QVERIFY(waitFinished(reply));
    // Qt 6.4's RFC 2822 parser rejects the "GMT" zone name that HTTP dates use, hence the format.
    QDateTime date = QLocale::c().toDateTime(QString::fromLatin1(reply->rawHeader("Date")),
                                             QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
    date.setTimeZone(QTimeZone::utc());
    QVERIFY2(date.isValid(), reply->rawHeader("Date").constData());
    QVERIFY(qAbs(date.secsTo(QDateTime::currentDateTimeUtc())) < 60);
}

void TestScriptedHttpServer::headSendsHeadersOnly()
{
    m_server->enqueue("HEAD", QStringLiteral("/h"), ScriptedResponse::status(200, "hello"));
    m_server->enqueue("GET", QStringLiteral("/h"), ScriptedResponse::status(200, "hello"));
    QNetworkReply* reply = m_nam->head(QNetworkRequest(m_server->url(QStringLiteral("/h"))));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->rawHeader("Content-Length"), QByteArrayLiteral("5"));
    QVERIFY(reply->readAll().isEmpty());

    // Had the body been sent after all, this GET would read it as the start of its response.
    reply = get(QStringLiteral("/h"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->readAll(), QByteArrayLiteral("hello"));
    QCOMPARE(m_server->connectionCount(), 1);
}

void TestScriptedHttpServer::expectContinueOverRawSocket()
{
    m_server->enqueue("PUT", QStringLiteral("/big"), ScriptedResponse::status(201, "done"));
    RawClient client(m_server->port());
    client.socket.write("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");

    QTRY_COMPARE(client.received, QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
    QCOMPARE(m_server->requestCount(), 0); // the body has not been sent yet
    client.socket.write("12345");
    QTRY_VERIFY(client.received.endsWith("done"));
    QVERIFY(client.received.contains("HTTP/1.1 201 Created\r\n"));
    QCOMPARE(client.received.count("100 Continue"), 1);
    QCOMPARE(m_server->requests().first().body, QByteArrayLiteral("12345"));
}

void TestScriptedHttpServer::garbageRequestGets400AndClose_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<int>("status");
    // The start of a TLS ClientHello: what a client configured for https sends to a plain server.
    static const char tlsHello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n";
    QTest::newRow("not http") << QByteArrayLiteral("HELLO THERE\r\n\r\n") << 400;
    QTest::newRow("binary") << QByteArray(tlsHello, sizeof(tlsHello) - 1) << 400;
    QTest::newRow("bad version") << QByteArrayLiteral("GET / HTTP/9.9\r\n\r\n") << 400;
    QTest::newRow("header without colon") << QByteArrayLiteral("GET / HTTP/1.1\r\nBroken header\r\n\r\n") << 400;
    QTest::newRow("bad content-length") << QByteArrayLiteral("POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n") << 400;
    QTest::newRow("bad chunk size") << QByteArrayLiteral("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                    << 400;
}

void TestScriptedHttpServer::garbageRequestGets400AndClose()
{
    QFETCH(QByteArray, wire);
    QFETCH(int, status);
    RawClient client(m_server->port());
    client.socket.write(wire);
    QTRY_COMPARE(client.socket.state(), QAbstractSocket::UnconnectedState);
    QVERIFY2(client.received.startsWith("HTTP/1.1 " + QByteArray::number(status) + ' '), client.received.constData());
    QVERIFY(client.received.contains("Connection: close\r\n"));
    QCOMPARE(m_server->requestCount(), 0); // garbage is not a request
    QTRY_COMPARE(m_server->openConnectionCount(), 0);

    // The server is unharmed.
    QNetworkReply* reply = get(QStringLiteral("/fine"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 404);
}

void TestScriptedHttpServer::clientDisconnectMidRequestIsForgotten()
{
    {
        RawClient client(m_server->port());
        client.socket.write("POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly a part");
        QTRY_COMPARE(m_server->openConnectionCount(), 1);
        client.socket.abort();
    }
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    QCOMPARE(m_server->requestCount(), 0);

    QNetworkReply* reply = get(QStringLiteral("/x"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 404);
    QCOMPARE(m_server->requests().first().connectionId, 2);
}

void TestScriptedHttpServer::requestCountFilters()
{
    const QList<QPair<QByteArray, QString>> calls {
        {"GET", QStringLiteral("/a")},
        {"GET", QStringLiteral("/a")},
        {"POST", QStringLiteral("/a")},
        {"GET", QStringLiteral("/b")},
    };
    for (const auto& call : calls) {
        QNetworkReply* reply
            = m_nam->sendCustomRequest(QNetworkRequest(m_server->url(call.second)), call.first, QByteArray("x"));
        QVERIFY(waitFinished(reply));
    }
    QCOMPARE(m_server->requestCount(), 4);
    QCOMPARE(m_server->requestCount("GET", QStringLiteral("/a")), 2);
    QCOMPARE(m_server->requestCount("POST", QStringLiteral("/a")), 1);
    QCOMPARE(m_server->requestCount("*", QStringLiteral("/a")), 3);
    QCOMPARE(m_server->requestCount("*", QStringLiteral("/b")), 1);
    QCOMPARE(m_server->requestCount("POST", QStringLiteral("/b")), 0);
    QCOMPARE(m_server->requestCount("GET", QStringLiteral("/c")), 0);
}

void TestScriptedHttpServer::respondAndCloseOpensNewConnection()
{
    m_server->enqueue("GET",
                      QStringLiteral("/bye"),
                      ScriptedResponse::status(200, "bye").withAction(ScriptedResponse::Action::RespondAndClose));
    m_server->enqueue("GET", QStringLiteral("/hello"), ScriptedResponse::status(200, "hello"));

    QNetworkReply* reply = get(QStringLiteral("/bye"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("bye"));
    QCOMPARE(reply->rawHeader("Connection").toLower(), QByteArrayLiteral("close"));
    QTRY_COMPARE(m_server->openConnectionCount(), 0);

    reply = get(QStringLiteral("/hello"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(reply->readAll(), QByteArrayLiteral("hello"));
    QCOMPARE(m_server->connectionCount(), 2);
    QCOMPARE(m_server->requests().at(0).connectionId, 1);
    QCOMPARE(m_server->requests().at(1).connectionId, 2);
}

void TestScriptedHttpServer::closeAllConnectionsForcesNewConnection()
{
    QNetworkReply* reply = get(QStringLiteral("/one"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(m_server->openConnectionCount(), 1);

    m_server->closeAllConnections();
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    // Whether or not the client has noticed the close yet, the next request cannot use the old
    // connection: Qt resends on a fresh one when a reused idle connection turns out to be closed.

    reply = get(QStringLiteral("/two"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 404);
    QCOMPARE(m_server->connectionCount(), 2);
    QCOMPARE(m_server->requests().last().connectionId, 2);
}

void TestScriptedHttpServer::clearRecordsKeepsScript()
{
    m_server->enqueue("GET", QStringLiteral("/s"), ScriptedResponse::status(200), 2);
    QNetworkReply* reply = get(QStringLiteral("/s"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(m_server->requestCount(), 1);

    m_server->clearRecords();
    QCOMPARE(m_server->requestCount(), 0);
    QCOMPARE(m_server->connectionCount(), 0);

    reply = get(QStringLiteral("/s"));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 200); // the second scripted answer survived
    QCOMPARE(m_server->requestCount(), 1);
    QCOMPARE(m_server->connectionCount(), 0); // the kept-alive connection was reused
    QCOMPARE(m_server->requests().first().connectionId, 1);
}

void TestScriptedHttpServer::localhostReachesSameServer()
{
    const QUrl url = m_server->url(QStringLiteral("/origin?x=1"), QStringLiteral("localhost"));
    QCOMPARE(url.host(), QStringLiteral("localhost"));
    QCOMPARE(url.port(), int(m_server->port()));
    QCOMPARE(url.path(), QStringLiteral("/origin"));
    QCOMPARE(url.query(), QStringLiteral("x=1"));
    QCOMPARE(m_server->url().toString(), QStringLiteral("http://127.0.0.1:%1/").arg(m_server->port()));

    QNetworkReply* reply = m_nam->get(QNetworkRequest(url));
    QVERIFY(waitFinished(reply));
    QCOMPARE(statusOf(reply), 404);
    QCOMPARE(m_server->requests().first().header("Host"),
             QByteArrayLiteral("localhost:") + QByteArray::number(m_server->port()));
}

void TestScriptedHttpServer::manyConcurrentConnections()
{
    constexpr int Clients = 250;
    m_server->setFallback([](const RecordedRequest& request) {
        return ScriptedResponse::status(200, "ok " + request.path.toUtf8()).delay(20);
    });
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < Clients; ++i) {
        clients.push_back(std::make_unique<RawClient>(m_server->port()));
        clients.back()->socket.write("GET /c/" + QByteArray::number(i) + " HTTP/1.1\r\nHost: t\r\n\r\n");
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount(), Clients, 20000);
    QCOMPARE(m_server->connectionCount(), Clients);
    QCOMPARE(m_server->openConnectionCount(), Clients);
    for (int i = 0; i < Clients; ++i) {
        const QByteArray expected = "ok /c/" + QByteArray::number(i);
        QTRY_VERIFY_WITH_TIMEOUT(clients[size_t(i)]->received.endsWith(expected), 20000);
    }
    clients.clear();
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
}

void TestScriptedHttpServer::largeBodyWithoutRecording()
{
    // Streams 192 MiB through the server in pieces as the socket drains; with recording off the
    // server must keep only the running hash and size.
    constexpr qint64 Piece = 1024 * 1024;
    constexpr qint64 Pieces = 192;
    m_server->setRecordBodies(false);
    m_server->enqueue("POST", QStringLiteral("/large"), ScriptedResponse::status(201, "received"));

    RawClient client(m_server->port());
    QCryptographicHash clientHash(QCryptographicHash::Sha256);
    qint64 sent = 0;
    QByteArray piece(Piece, Qt::Uninitialized);
    auto feed = [&] {
        while (sent < Pieces && client.socket.bytesToWrite() < 4 * Piece) {
            piece.fill(char('A' + sent % 26));
            piece[0] = char(sent & 0xff); // so pieces are not all alike in shape
            clientHash.addData(piece);
            client.socket.write(piece);
            ++sent;
        }
    };
    connect(&client.socket, &QTcpSocket::bytesWritten, this, feed);
    client.socket.write("POST /large HTTP/1.1\r\nHost: t\r\nContent-Length: " + QByteArray::number(Piece * Pieces)
                        + "\r\n\r\n");
    feed();

    QTRY_VERIFY_WITH_TIMEOUT(client.received.endsWith("received"), 120000);
    QCOMPARE(sent, Pieces);
    const RecordedRequest recorded = m_server->requests().first();
    QVERIFY(recorded.body.isEmpty());
    QCOMPARE(recorded.bodySize, Piece * Pieces);
    QCOMPARE(recorded.bodySha256, clientHash.result().toHex());
}

void TestScriptedHttpServer::destructorWithOpenConnections()
{
    m_server->enqueue("GET", QStringLiteral("/stall"), ScriptedResponse::stall());
    m_server->enqueue("GET", QStringLiteral("/delayed"), ScriptedResponse::status(200).delay(60000));
    QNetworkReply* stalled = get(QStringLiteral("/stall"));
    QNetworkReply* delayed = get(QStringLiteral("/delayed"));
    RawClient halfway(m_server->port());
    halfway.socket.write("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    QTRY_COMPARE(m_server->requestCount(), 2);
    QTRY_COMPARE(m_server->openConnectionCount(), 3);

    m_server.reset(); // with a stalled response, a pending delay timer and a request half read

    QVERIFY(waitFinished(stalled));
    QVERIFY(waitFinished(delayed));
    QVERIFY(stalled->error() != QNetworkReply::NoError);
    QVERIFY(delayed->error() != QNetworkReply::NoError);
    QTRY_COMPARE(halfway.socket.state(), QAbstractSocket::UnconnectedState);
}

QTEST_GUILESS_MAIN(TestScriptedHttpServer)
#include "tst_scriptedhttpserver.moc"
