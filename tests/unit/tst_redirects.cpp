// Redirects are followed by the manager itself, over real loopback sockets: credentials stay with
// their origin, methods change the way RFC 9110 and browsers do, loops end, https never falls back
// to http, and a caller that wants the 3xx gets it. Assertions are on what the servers received.
//
// TLS material (tests/data/test-tls.crt, test-tls.key), valid until 2046, made once with:
//   openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 7300 -subj "/CN=127.0.0.1"
//     -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:TRUE"
//     -keyout test-tls.key -out test-tls.crt

#include "accesstokenprovider.h"
#include "environmentskip.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "replyhelpers.h"
#include "retrypolicy.h"
#include "scriptedhttpserver.h"
#include "testdevices.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHash>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>
#include <QtTest>

#include <chrono>
#include <memory>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::RetryPolicy;
using nullify::toAttribute;
using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::SequentialSource;

namespace {

constexpr std::chrono::seconds ReplyTimeout {20};
const QByteArray Token = QByteArrayLiteral("test-token-1");
const QByteArray SessionCookie = QByteArrayLiteral("session=s3cr3t");

// Just enough of a token provider for injection: a fixed token, and a refresh that succeeds.
class FixedTokenProvider : public nullify::AccessTokenProvider
{
    Q_OBJECT

public:
    using AccessTokenProvider::AccessTokenProvider;
    QByteArray accessToken() const override { return Token; }
    void refreshAccessToken() override
    {
        QTimer::singleShot(0, this, [this] { emit refreshSucceeded(); });
    }
};

QByteArray sha256Hex(const QByteArray& data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

QByteArray binaryData(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char((i * 131 + i / 251) & 0xff);
    return data;
}

// A minimal HTTPS/1.1 server on loopback with the test certificate: answers GETs from a table of
// raw responses keyed by path and records the paths it was asked for.
class TlsServer : public QObject
{
    Q_OBJECT

public:
    bool listen(const QSslCertificate& certificate, const QSslKey& key)
    {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setLocalCertificate(certificate);
        configuration.setPrivateKey(key);
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
        m_server.setSslConfiguration(configuration);
        connect(&m_server, &QSslServer::pendingConnectionAvailable, this, &TlsServer::acceptConnections);
        return m_server.listen(QHostAddress::LocalHost);
    }

    QUrl url(const QString& path) const
    {
        return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
    }

    void respond(const QString& path, const QByteArray& statusLine, const QByteArray& headers, const QByteArray& body)
    {
        m_responses.insert(path.toUtf8(),
                           statusLine + "\r\n" + headers + "Content-Length: " + QByteArray::number(body.size())
                               + "\r\n\r\n" + body);
    }

    QList<QByteArray> requestedPaths() const { return m_paths; }

private:
    void acceptConnections()
    {
        while (auto* socket = qobject_cast<QSslSocket*>(m_server.nextPendingConnection())) {
            connect(socket, &QSslSocket::readyRead, this, [this, socket] { readFrom(socket); });
            connect(socket, &QSslSocket::disconnected, socket, &QObject::deleteLater);
            readFrom(socket);
        }
    }

    void readFrom(QSslSocket* socket)
    {
        QByteArray& buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = buffer.left(end);
            buffer.remove(0, end + 4); // GETs only: no body follows the head
            const QList<QByteArray> requestLine = head.left(head.indexOf("\r\n")).split(' ');
            const QByteArray path = requestLine.value(1);
            m_paths << path;
            socket->write(
                m_responses.value(path, QByteArrayLiteral("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")));
        }
    }

    QSslServer m_server;
    QHash<QByteArray, QByteArray> m_responses;
    QHash<QSslSocket*, QByteArray> m_buffers;
    QList<QByteArray> m_paths;
};

enum class Target { SameOrigin, OtherHost, OtherPort };
enum class BodyKind { None, Bytes, Sequential };

} // namespace

Q_DECLARE_METATYPE(Target)
Q_DECLARE_METATYPE(BodyKind)

class tst_Redirects : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void credentialsStayWithTheirOrigin_data();
    void credentialsStayWithTheirOrigin();
    void methodAfterRedirect_data();
    void methodAfterRedirect();
    void tooManyRedirects_data();
    void tooManyRedirects();
    void relativeLocationResolved_data();
    void relativeLocationResolved();
    void httpsToHttpRefused();
    void httpsToHttpsFollowed();
    void manualRedirectPolicyGivesThe3xx_data();
    void manualRedirectPolicyGivesThe3xx();
    void redirectToOtherSchemeRefused_data();
    void redirectToOtherSchemeRefused();
    void bodyRedirectWithUnkeptBodyFails();

private:
    bool loadTlsMaterial(QSslCertificate* certificate, QSslKey* key);

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<NetworkAccessManager> m_nam;
    std::unique_ptr<FixedTokenProvider> m_tokens;
};

void tst_Redirects::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_tokens = std::make_unique<FixedTokenProvider>();
    m_nam = std::make_unique<NetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_nam->setRetryPolicy(nullify::test::fastRetryPolicy());
    m_nam->setTokenProvider(m_tokens.get());
    m_nam->setApiOrigin(m_server->url(QStringLiteral("/")));
}

void tst_Redirects::cleanup()
{
    m_nam.reset();
    m_tokens.reset();
    m_server.reset();
}

bool tst_Redirects::loadTlsMaterial(QSslCertificate* certificate, QSslKey* key)
{
    QFile certificateFile(QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.crt"));
    QFile keyFile(QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.key"));
    if (!certificateFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
        return false;
    *certificate = QSslCertificate(&certificateFile, QSsl::Pem);
    *key = QSslKey(&keyFile, QSsl::Rsa, QSsl::Pem);
    return !certificate->isNull() && !key->isNull();
}

void tst_Redirects::credentialsStayWithTheirOrigin_data()
{
    QTest::addColumn<Target>("target");
    QTest::addColumn<bool>("callerSetsAuthorization");
    QTest::addColumn<bool>("credentialsForwarded");
    QTest::addColumn<bool>("landingRetried");

    QTest::newRow("same origin, injected token") << Target::SameOrigin << false << true << false;
    QTest::newRow("same origin, caller's Authorization") << Target::SameOrigin << true << true << false;
    QTest::newRow("other host (localhost), injected token") << Target::OtherHost << false << false << false;
    QTest::newRow("other host (localhost), caller's Authorization") << Target::OtherHost << true << false << false;
    QTest::newRow("other port, injected token") << Target::OtherPort << false << false << false;
    // A retry at the new origin is built from the redirected request: still nothing to leak.
    QTest::newRow("other host, landing answers 503 first") << Target::OtherHost << false << false << true;
    QTest::newRow("same origin, landing answers 503 first") << Target::SameOrigin << false << true << true;
}

// Authorization and Cookie reach the redirect target only when it is the same origin (scheme, host
// and port); 127.0.0.1 and localhost are different origins even on the same server.
void tst_Redirects::credentialsStayWithTheirOrigin()
{
    QFETCH(Target, target);
    QFETCH(bool, callerSetsAuthorization);
    QFETCH(bool, credentialsForwarded);
    QFETCH(bool, landingRetried);

    ScriptedHttpServer otherServer;
    QVERIFY(otherServer.listen());
    ScriptedHttpServer* landingServer = target == Target::OtherPort ? &otherServer : m_server.get();
    const QUrl landing = target == Target::SameOrigin ? m_server->url(QStringLiteral("/landing"))
        : target == Target::OtherHost ? m_server->url(QStringLiteral("/landing"), QStringLiteral("localhost"))
                                      : otherServer.url(QStringLiteral("/landing"));

    m_server->enqueue(
        "GET", QStringLiteral("/start"), ScriptedResponse::status(302).header("Location", landing.toEncoded()));
    if (landingRetried)
        landingServer->enqueue("GET", QStringLiteral("/landing"), ScriptedResponse::status(503));
    landingServer->enqueue(
        "GET", QStringLiteral("/landing"), ScriptedResponse::status(200, QByteArrayLiteral("landed")));

    QNetworkRequest request(m_server->url(QStringLiteral("/start")));
    request.setRawHeader("Cookie", SessionCookie);
    const QByteArray authorization
        = callerSetsAuthorization ? QByteArrayLiteral("Basic dXNlcjpwYXNz") : QByteArrayLiteral("Bearer ") + Token;
    if (callerSetsAuthorization)
        request.setRawHeader("Authorization", authorization);
    std::unique_ptr<QNetworkReply> reply(m_nam->get(request));
    QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("landed"));
    QCOMPARE(reply->url(), landing);
    QCOMPARE(redirected.size(), 1);
    QCOMPARE(redirected.first().first().toUrl(), landing);

    // The first request, to the API origin, carried both.
    const QList<RecordedRequest> first = m_server->requests();
    QVERIFY(!first.isEmpty());
    QCOMPARE(first.first().path, QStringLiteral("/start"));
    QCOMPARE(first.first().header("Authorization"), authorization);
    QCOMPARE(first.first().header("Cookie"), SessionCookie);

    QCOMPARE(landingServer->requestCount("GET", QStringLiteral("/landing")), landingRetried ? 2 : 1);
    for (const auto& landed : landingServer->requests()) {
        if (landed.path != QStringLiteral("/landing"))
            continue;
        if (credentialsForwarded) {
            QCOMPARE(landed.header("Authorization"), authorization);
            QCOMPARE(landed.header("Cookie"), SessionCookie);
        } else {
            QVERIFY2(!landed.hasHeader("Authorization"), landed.header("Authorization").constData());
            QVERIFY2(!landed.hasHeader("Cookie"), landed.header("Cookie").constData());
            QVERIFY(!landed.hasHeader("Proxy-Authorization"));
        }
    }
}

void tst_Redirects::methodAfterRedirect_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<BodyKind>("body");
    QTest::addColumn<QByteArray>("expectedVerb");

    // 301 and 302 turn only POST into GET (what every browser does, allowed by RFC 9110 15.4);
    // 303 means "GET the result" for any method; 307 and 308 keep the method and the body.
    QTest::newRow("301 after POST: GET") << 301 << QByteArrayLiteral("POST") << BodyKind::Bytes
                                         << QByteArrayLiteral("GET");
    QTest::newRow("302 after POST: GET") << 302 << QByteArrayLiteral("POST") << BodyKind::Bytes
                                         << QByteArrayLiteral("GET");
    QTest::newRow("303 after POST: GET") << 303 << QByteArrayLiteral("POST") << BodyKind::Bytes
                                         << QByteArrayLiteral("GET");
    QTest::newRow("303 after PUT: GET") << 303 << QByteArrayLiteral("PUT") << BodyKind::Bytes
                                        << QByteArrayLiteral("GET");
    QTest::newRow("303 after sequential POST: GET")
        << 303 << QByteArrayLiteral("POST") << BodyKind::Sequential << QByteArrayLiteral("GET");
    QTest::newRow("307 after POST: POST")
        << 307 << QByteArrayLiteral("POST") << BodyKind::Bytes << QByteArrayLiteral("POST");
    QTest::newRow("308 after POST: POST")
        << 308 << QByteArrayLiteral("POST") << BodyKind::Bytes << QByteArrayLiteral("POST");
    QTest::newRow("307 after sequential POST: POST")
        << 307 << QByteArrayLiteral("POST") << BodyKind::Sequential << QByteArrayLiteral("POST");
    QTest::newRow("308 after sequential POST: POST")
        << 308 << QByteArrayLiteral("POST") << BodyKind::Sequential << QByteArrayLiteral("POST");
    QTest::newRow("307 after PUT: PUT") << 307 << QByteArrayLiteral("PUT") << BodyKind::Bytes
                                        << QByteArrayLiteral("PUT");
    QTest::newRow("302 after PUT: PUT") << 302 << QByteArrayLiteral("PUT") << BodyKind::Bytes
                                        << QByteArrayLiteral("PUT");
    QTest::newRow("301 after GET: GET") << 301 << QByteArrayLiteral("GET") << BodyKind::None
                                        << QByteArrayLiteral("GET");
    QTest::newRow("303 after HEAD: HEAD")
        << 303 << QByteArrayLiteral("HEAD") << BodyKind::None << QByteArrayLiteral("HEAD");
}

void tst_Redirects::methodAfterRedirect()
{
    QFETCH(int, status);
    QFETCH(QByteArray, verb);
    QFETCH(BodyKind, body);
    QFETCH(QByteArray, expectedVerb);

    m_server->enqueue(verb, QStringLiteral("/submit"), ScriptedResponse::status(status).header("Location", "/result"));
    m_server->enqueue(
        expectedVerb, QStringLiteral("/result"), ScriptedResponse::status(200, QByteArrayLiteral("result")));

    const QByteArray content = binaryData(48 * 1024 + 5);
    QNetworkRequest request(m_server->url(QStringLiteral("/submit")));
    if (body != BodyKind::None)
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/octet-stream"));
    SequentialSource sequential(content);
    QNetworkReply* raw = nullptr;
    if (body == BodyKind::None)
        raw = verb == "HEAD" ? m_nam->head(request) : m_nam->get(request);
    else if (body == BodyKind::Bytes)
        raw = verb == "PUT" ? m_nam->put(request, content) : m_nam->post(request, content);
    else
        raw = verb == "PUT" ? m_nam->put(request, &sequential) : m_nam->post(request, &sequential);
    std::unique_ptr<QNetworkReply> reply(raw);
    QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->url(), m_server->url(QStringLiteral("/result")));
    QCOMPARE(redirected.size(), 1);

    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), 2);
    QCOMPARE(received.at(0).method, verb);
    const RecordedRequest& followed = received.at(1);
    QCOMPARE(followed.path, QStringLiteral("/result"));
    QCOMPARE(followed.method, expectedVerb);
    const bool bodyReplayed = body != BodyKind::None && expectedVerb == verb;
    if (bodyReplayed) {
        QCOMPARE(received.at(0).bodySha256, sha256Hex(content));
        QCOMPARE(followed.bodySize, qint64(content.size()));
        QCOMPARE(followed.bodySha256, sha256Hex(content));
        QCOMPARE(followed.header("Content-Length"), QByteArray::number(content.size()));
        QCOMPARE(followed.header("Content-Type"), QByteArrayLiteral("application/octet-stream"));
    } else {
        // A GET made from a POST carries nothing of the POST: no body, no length, no type.
        QCOMPARE(followed.bodySize, qint64(0));
        QVERIFY2(!followed.hasHeader("Content-Length") || followed.header("Content-Length") == "0",
                 followed.header("Content-Length").constData());
        QVERIFY(!followed.hasHeader("Transfer-Encoding"));
        QVERIFY2(!followed.hasHeader("Content-Type"), followed.header("Content-Type").constData());
    }
    if (expectedVerb == "HEAD")
        QVERIFY(reply->readAll().isEmpty());
    else
        QCOMPARE(reply->readAll(), QByteArrayLiteral("result"));
}

void tst_Redirects::tooManyRedirects_data()
{
    QTest::addColumn<int>("maxRedirects");

    QTest::newRow("none allowed") << 0;
    QTest::newRow("three allowed") << 3;
    QTest::newRow("default (10)") << RetryPolicy().maxRedirects;
}

// A redirect loop ends with TooManyRedirectsError once maxRedirects redirects were followed.
void tst_Redirects::tooManyRedirects()
{
    QFETCH(int, maxRedirects);

    RetryPolicy policy = nullify::test::fastRetryPolicy();
    policy.maxRedirects = maxRedirects;
    m_nam->setRetryPolicy(policy);
    // A relative Location pointing at itself: a loop.
    m_server->enqueue("GET", QStringLiteral("/loop"), ScriptedResponse::status(302).header("Location", "loop"), 100);

    std::unique_ptr<QNetworkReply> reply(m_nam->get(QNetworkRequest(m_server->url(QStringLiteral("/loop")))));
    QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);
    QSignalSpy errors(reply.get(), &QNetworkReply::errorOccurred);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::TooManyRedirectsError);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(redirected.size(), maxRedirects);
    // The first request and one per followed redirect; the last 3xx is not followed.
    QCOMPARE(m_server->requestCount("GET", QStringLiteral("/loop")), maxRedirects + 1);
    QCOMPARE(m_server->requestCount(), maxRedirects + 1);
}

void tst_Redirects::relativeLocationResolved_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QByteArray>("expectedTarget");
    QTest::addColumn<bool>("otherHost");

    // Resolved against the URL that got the 3xx (RFC 3986 section 5).
    QTest::newRow("absolute path") << QByteArrayLiteral("/elsewhere/x") << QByteArrayLiteral("/elsewhere/x") << false;
    QTest::newRow("relative path") << QByteArrayLiteral("next") << QByteArrayLiteral("/dir/sub/next") << false;
    QTest::newRow("dot segments") << QByteArrayLiteral("../up/./there") << QByteArrayLiteral("/dir/up/there") << false;
    QTest::newRow("query only") << QByteArrayLiteral("?page=2") << QByteArrayLiteral("/dir/sub/start?page=2") << false;
    QTest::newRow("path and query") << QByteArrayLiteral("other?a=1&b=%20")
                                    << QByteArrayLiteral("/dir/sub/other?a=1&b=%20") << false;
    QTest::newRow("network path (scheme-relative)")
        << QByteArrayLiteral("//localhost:PORT/net") << QByteArrayLiteral("/net") << true;
}

void tst_Redirects::relativeLocationResolved()
{
    QFETCH(QByteArray, location);
    QFETCH(QByteArray, expectedTarget);
    QFETCH(bool, otherHost);

    location.replace("PORT", QByteArray::number(m_server->port()));
    m_server->enqueue(
        "GET", QStringLiteral("/dir/sub/start"), ScriptedResponse::status(301).header("Location", location));
    m_server->setFallback(
        [](const RecordedRequest&) { return ScriptedResponse::status(200, QByteArrayLiteral("here")); });

    std::unique_ptr<QNetworkReply> reply(
        m_nam->get(QNetworkRequest(m_server->url(QStringLiteral("/dir/sub/start?x=1")))));
    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("here"));

    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), 2);
    QCOMPARE(received.at(0).target, QByteArrayLiteral("/dir/sub/start?x=1"));
    QCOMPARE(received.at(1).target, expectedTarget);
    const QString expectedHost = otherHost ? QStringLiteral("localhost") : QStringLiteral("127.0.0.1");
    QCOMPARE(reply->url(), m_server->url(QString(), expectedHost).resolved(QUrl::fromEncoded(expectedTarget)));
    // Host header follows the resolved URL.
    QVERIFY2(received.at(1).header("Host").startsWith(expectedHost.toUtf8() + ':'),
             received.at(1).header("Host").constData());
}

// https to http is a downgrade: refused, and the http server never hears of it. The client trusts
// the test certificate through its CA list; SSL errors are never ignored.
void tst_Redirects::httpsToHttpRefused()
{
    if (!QSslSocket::supportsSsl())
        NULLIFY_SKIP_ENV("no TLS backend");
    QSslCertificate certificate;
    QSslKey key;
    QVERIFY(loadTlsMaterial(&certificate, &key));
    TlsServer tls;
    QVERIFY(tls.listen(certificate, key));
    const QUrl insecure = m_server->url(QStringLiteral("/insecure"));
    tls.respond(QStringLiteral("/secure"), "HTTP/1.1 302 Found", "Location: " + insecure.toEncoded() + "\r\n", {});
    m_server->setFallback(
        [](const RecordedRequest&) { return ScriptedResponse::status(200, QByteArrayLiteral("plain")); });

    QNetworkRequest request(tls.url(QStringLiteral("/secure")));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificate(certificate);
    request.setSslConfiguration(ssl);
    std::unique_ptr<QNetworkReply> reply(m_nam->get(request));
    QSignalSpy sslErrors(reply.get(), &QNetworkReply::sslErrors);
    QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);
    QSignalSpy errors(reply.get(), &QNetworkReply::errorOccurred);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::InsecureRedirectError);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(sslErrors.size(), 0);
    QCOMPARE(redirected.size(), 0);
    QCOMPARE(tls.requestedPaths(), QList<QByteArray> {QByteArrayLiteral("/secure")});
    QCOMPARE(m_server->requestCount(), 0);
    QCOMPARE(m_server->connectionCount(), 0);
}

// The control for the test above: the same TLS setup follows an https redirect, so the refusal
// there is about the downgrade, not about TLS.
void tst_Redirects::httpsToHttpsFollowed()
{
    if (!QSslSocket::supportsSsl())
        NULLIFY_SKIP_ENV("no TLS backend");
    QSslCertificate certificate;
    QSslKey key;
    QVERIFY(loadTlsMaterial(&certificate, &key));
    TlsServer tls;
    QVERIFY(tls.listen(certificate, key));
    tls.respond(QStringLiteral("/secure"), "HTTP/1.1 302 Found", "Location: /final\r\n", {});
    tls.respond(QStringLiteral("/final"), "HTTP/1.1 200 OK", "Content-Type: text/plain\r\n", "secret-ok");

    QNetworkRequest request(tls.url(QStringLiteral("/secure")));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificate(certificate);
    request.setSslConfiguration(ssl);
    std::unique_ptr<QNetworkReply> reply(m_nam->get(request));
    QSignalSpy sslErrors(reply.get(), &QNetworkReply::sslErrors);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(sslErrors.size(), 0);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("secret-ok"));
    QCOMPARE(reply->url(), tls.url(QStringLiteral("/final")));
    QCOMPARE(tls.requestedPaths(), (QList<QByteArray> {QByteArrayLiteral("/secure"), QByteArrayLiteral("/final")}));
}

void tst_Redirects::manualRedirectPolicyGivesThe3xx_data()
{
    QTest::addColumn<bool>("perRequest");

    QTest::newRow("request attribute") << true;
    QTest::newRow("manager's redirect policy") << false;
}

// A caller that asks for manual redirects handles the 3xx itself: the manager follows nothing.
void tst_Redirects::manualRedirectPolicyGivesThe3xx()
{
    QFETCH(bool, perRequest);

    const QUrl next = m_server->url(QStringLiteral("/next"));
    m_server->enqueue("POST",
                      QStringLiteral("/old"),
                      ScriptedResponse::status(302, QByteArrayLiteral("moved")).header("Location", next.toEncoded()));
    m_server->setFallback([](const RecordedRequest&) { return ScriptedResponse::status(200); });

    QNetworkRequest request(m_server->url(QStringLiteral("/old")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("text/plain"));
    if (perRequest)
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    else
        m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    std::unique_ptr<QNetworkReply> reply(m_nam->post(request, QByteArrayLiteral("payload")));
    QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 302);
    QCOMPARE(reply->rawHeader("Location"), next.toEncoded());
    QCOMPARE(reply->header(QNetworkRequest::LocationHeader).toUrl(), next);
    QCOMPARE(reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl(), next);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("moved"));
    QCOMPARE(reply->url(), m_server->url(QStringLiteral("/old")));
    QCOMPARE(redirected.size(), 0);
    QCOMPARE(m_server->requestCount(), 1);
    QCOMPARE(m_server->requestCount("POST", QStringLiteral("/next")), 0);
    QCOMPARE(m_server->requestCount("GET", QStringLiteral("/next")), 0);
}

void tst_Redirects::redirectToOtherSchemeRefused_data()
{
    QTest::addColumn<QByteArray>("location");

    // QNetworkAccessManager itself would happily open these; a server must not make us read a
    // local file or leave HTTP.
    QTest::newRow("file") << QByteArrayLiteral("file:///etc/passwd");
    QTest::newRow("data") << QByteArrayLiteral("data:text/plain,injected");
    QTest::newRow("ftp") << QByteArrayLiteral("ftp://127.0.0.1/x");
}

void tst_Redirects::redirectToOtherSchemeRefused()
{
    QFETCH(QByteArray, location);

    m_server->enqueue("GET", QStringLiteral("/go"), ScriptedResponse::status(302).header("Location", location));
    std::unique_ptr<QNetworkReply> reply(m_nam->get(QNetworkRequest(m_server->url(QStringLiteral("/go")))));
    QSignalSpy redirected(reply.get(), &QNetworkReply::redirected);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QVERIFY2(reply->error() != QNetworkReply::NoError, qPrintable(reply->errorString()));
    QCOMPARE(redirected.size(), 0);
    const QByteArray body = reply->readAll();
    QVERIFY2(!body.contains("root:") && !body.contains("injected"), body.constData());
    QCOMPARE(reply->url().scheme(), QStringLiteral("http"));
    QCOMPARE(m_server->requestCount(), 1);
}

// A 307 must send the body again. A sequential body above maxSpoolBytes was sent once and not kept:
// the reply fails with ContentReSendError (Qt's error for exactly this) instead of passing the
// 307 off as a success or sending the target an empty or truncated body.
void tst_Redirects::bodyRedirectWithUnkeptBodyFails()
{
    RetryPolicy policy = nullify::test::fastRetryPolicy();
    policy.maxSpoolBytes = 16 * 1024;
    m_nam->setRetryPolicy(policy);
    m_server->enqueue("POST", QStringLiteral("/submit"), ScriptedResponse::status(307).header("Location", "/moved"));
    m_server->setFallback(
        [](const RecordedRequest&) { return ScriptedResponse::status(200, QByteArrayLiteral("ok")); });

    const QByteArray content = binaryData(64 * 1024);
    SequentialSource sequential(content);
    QNetworkRequest request(m_server->url(QStringLiteral("/submit")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/octet-stream"));
    std::unique_ptr<QNetworkReply> reply(m_nam->post(request, &sequential));
    QSignalSpy errors(reply.get(), &QNetworkReply::errorOccurred);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::ContentReSendError);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(reply->errorString().contains(QStringLiteral("too large"), Qt::CaseInsensitive),
             qPrintable(reply->errorString()));
    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), 1); // the whole body, once; nothing reached /moved
    QCOMPARE(received.first().bodySha256, sha256Hex(content));
    QCOMPARE(m_server->requestCount("POST", QStringLiteral("/moved")), 0);
}

QTEST_GUILESS_MAIN(tst_Redirects)
#include "tst_redirects.moc"
