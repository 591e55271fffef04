// The sandbox's server side over real loopback sockets: auth flows, token checks, each fault
// kind in sequence and rate mode, the request log, the control endpoint and HTTP robustness.
// Tenant routes are not needed: the tests register a tiny route of their own.

#include "sandboxserver.h"
#include "utctime.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <memory>
#include <optional>

using namespace nullify::sandbox;

namespace {

constexpr int TimeoutMs = 10000;

struct Reply
{
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QList<QNetworkReply::RawHeaderPair> headers;
    QByteArray body;
    qint64 elapsedMs = 0;

    QByteArray header(const QByteArray& name) const
    {
        for (const auto& pair : headers) {
            if (pair.first.compare(name, Qt::CaseInsensitive) == 0) {
                return pair.second;
            }
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// A raw keep-alive connection for the cases where exact bytes and socket state matter.
struct RawClient
{
    QTcpSocket socket;
    QByteArray received;
    bool disconnected = false;

    explicit RawClient(quint16 port)
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, [this] { received += socket.readAll(); });
        QObject::connect(&socket, &QTcpSocket::disconnected, [this] { disconnected = true; });
        socket.connectToHost(QHostAddress::LocalHost, port);
        socket.waitForConnected(TimeoutMs);
    }
};

QByteArray httpDate(const QDateTime& time)
{
    return QLocale::c().toString(time.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")).toLatin1();
}

QDateTime parseHttpDate(const QByteArray& text)
{
    return nullify::asUtc(
        QLocale::c().toDateTime(QString::fromLatin1(text), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")));
}

// The value of the cookie `name` in a Set-Cookie value as Qt hands it over (several folded with
// '\n'), and the attributes after it: "abc", "Max-Age=60; Path=/". Empty when absent.
QPair<QByteArray, QByteArray> setCookie(const QByteArray& header, const QByteArray& name)
{
    for (const QByteArray& line : header.split('\n')) {
        if (line.startsWith(name + '=')) {
            const qsizetype semicolon = line.indexOf(';');
            const QByteArray value = line.mid(name.size() + 1, semicolon < 0 ? -1 : semicolon - name.size() - 1);
            return {value, semicolon < 0 ? QByteArray() : line.mid(semicolon + 1).trimmed()};
        }
    }
    return {};
}

// The redemption_secret of an approval redirect: 64 lowercase hex digits, or empty when missing.
QString redemptionSecretOf(const QByteArray& location)
{
    const QUrlQuery query(QUrl(QString::fromLatin1(location)));
    const QStringList secrets = query.allQueryItemValues(QStringLiteral("redemption_secret"));
    if (secrets.size() != 1
        || !QRegularExpression(QStringLiteral("\\A[0-9a-f]{64}\\z")).match(secrets.first()).hasMatch())
        return {};
    return secrets.first();
}

QByteArray exchangeBody(const QString& sessionId, const std::optional<QString>& secret)
{
    QJsonObject body {{QStringLiteral("session_id"), sessionId}};
    if (secret)
        body.insert(QStringLiteral("redemption_secret"), *secret);
    return QJsonDocument(body).toJson();
}

} // namespace

class TestSandboxServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void bindsToLoopbackOnly();
    void signInFlowEndToEnd();
    void signInWithApproveQueryAndAutoApprove();
    void signInLegacyCallback();
    void signInApprovalDelay();
    void tokenErrors();
    void refreshWithCookie();
    void refreshLegacyBody();
    void refreshTokenRotation_data();
    void refreshTokenRotation();
    void accessTokenExpires();
    void revocationThroughControl();
    void serviceTokens();
    void scopeAndBearerChecks();
    void faultStatusWithRetryAfterSeconds();
    void faultStatusWithRetryAfterDateAndSkew();
    void faultStatusEchoesCredentials();
    void faultRevocation();
    void faultLatency();
    void faultCloseBeforeAnswering();
    void faultResetMidBody();
    void faultStall();
    void faultRateModeIsDeterministic();
    void faultAfterSkipsRequests();
    void faultPlanValidationAndControl();
    void faultRuleBuilderMakesTheRuleItSays();
    void requestLogLines();
    void controlStateAndLog();
    void eventFeedOverHttpAndControl();
    void keepAliveChunkedAndPipelining();
    void malformedRequests();
    void oversizedBodies();
    void executableStartsAndStops();

private:
    std::unique_ptr<SandboxServer> startServer(ServerOptions options = {});
    Reply request(const QByteArray& method,
                  const QUrl& url,
                  const QByteArray& body = {},
                  const QList<QPair<QByteArray, QByteArray>>& headers = {});
    Reply api(const QByteArray& method,
              const QString& pathAndQuery,
              const QByteArray& body = {},
              const QList<QPair<QByteArray, QByteArray>>& headers = {});
    Reply control(const QByteArray& method, const QString& path, const QByteArray& body = {});
    QJsonObject signIn(); // session, approve, token: the token response
    QList<QPair<QByteArray, QByteArray>> bearer(const QString& token) const;
    QString scoped(const QString& path) const;

    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<SandboxServer> m_server;
};

void TestSandboxServer::init()
{
    m_nam = std::make_unique<QNetworkAccessManager>();
}

void TestSandboxServer::cleanup()
{
    m_nam.reset();
    m_server.reset();
}

std::unique_ptr<SandboxServer> TestSandboxServer::startServer(ServerOptions options)
{
    // These tests exercise the server side; a small tenant keeps each fresh server cheap.
    options.tenant.findingCount = 20;
    auto server = std::make_unique<SandboxServer>(options);
    // The tests' own tenant route: echoes who called and what came in.
    server->router().add(QByteArrayLiteral("GET"), QStringLiteral("/test/echo"), [](const SandboxRequest& request) {
        return SandboxResponse::json(200,
                                     QJsonObject {{QStringLiteral("principal"), request.principal},
                                                  {QStringLiteral("connection"), request.connectionId}});
    });
    server->router().add(QByteArrayLiteral("POST"), QStringLiteral("/test/echo"), [](const SandboxRequest& request) {
        QString error;
        const auto body = request.jsonObject(&error);
        if (!body) {
            return SandboxResponse::error(400, error);
        }
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("echo"), *body}});
    });
    server->router().add(QByteArrayLiteral("GET"), QStringLiteral("/test/big"), [](const SandboxRequest&) {
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("data"), QString(20000, QLatin1Char('x'))}});
    });
    QString error;
    if (!server->start(&error)) {
        qWarning("start failed: %s", qPrintable(error));
        return nullptr;
    }
    return server;
}

Reply TestSandboxServer::request(const QByteArray& method,
                                 const QUrl& url,
                                 const QByteArray& body,
                                 const QList<QPair<QByteArray, QByteArray>>& headers)
{
    QNetworkRequest request(url);
    // The sign-in redirect goes to a client callback nobody listens on; look at it, don't follow it.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    // Cookies are the tests' business: the jar must not add a rotated refresh token by itself.
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    if (!body.isEmpty()) {
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    }
    for (const auto& header : headers) {
        request.setRawHeader(header.first, header.second);
    }
    QElapsedTimer timer;
    timer.start();
    QNetworkReply* reply = m_nam->sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished()) {
        finished.wait(TimeoutMs);
    }
    Reply result;
    result.elapsedMs = timer.elapsed();
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.error = reply->error();
    result.headers = reply->rawHeaderPairs();
    result.body = reply->readAll();
    reply->deleteLater();
    return result;
}

Reply TestSandboxServer::api(const QByteArray& method,
                             const QString& pathAndQuery,
                             const QByteArray& body,
                             const QList<QPair<QByteArray, QByteArray>>& headers)
{
    return request(method, m_server->apiUrl(pathAndQuery), body, headers);
}

Reply TestSandboxServer::control(const QByteArray& method, const QString& path, const QByteArray& body)
{
    return request(method, m_server->controlUrl(path), body);
}

QList<QPair<QByteArray, QByteArray>> TestSandboxServer::bearer(const QString& token) const
{
    return {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token.toLatin1()}};
}

QString TestSandboxServer::scoped(const QString& path) const
{
    const QChar separator = path.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?');
    return path + separator + QStringLiteral("githubOwnerId=") + m_server->auth().githubOwnerId();
}

QJsonObject TestSandboxServer::signIn()
{
    const Reply session = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 41234})");
    const QString sessionId = session.json().value(QStringLiteral("session_id")).toString();
    const Reply approved = api("GET", QStringLiteral("/auth/sign-in?approve=1&session_id=") + sessionId);
    const QString secret = QUrlQuery(QUrl(QString::fromLatin1(approved.header("Location"))))
                               .queryItemValue(QStringLiteral("redemption_secret"));
    const Reply token = api("POST",
                            QStringLiteral("/auth/cli/token"),
                            QJsonDocument(QJsonObject {{QStringLiteral("session_id"), sessionId},
                                                       {QStringLiteral("redemption_secret"), secret}})
                                .toJson());
    return token.json();
}

// ---------------------------------------------------------------------------------------------

void TestSandboxServer::bindsToLoopbackOnly()
{
    m_server = startServer();
    QVERIFY(m_server);
    QCOMPARE(m_server->apiAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(m_server->controlAddress(), QHostAddress(QHostAddress::LocalHost));
    QVERIFY(m_server->apiPort() != 0);
    QVERIFY(m_server->controlPort() != 0);
    QVERIFY(m_server->apiPort() != m_server->controlPort());
}

void TestSandboxServer::signInFlowEndToEnd()
{
    m_server = startServer();
    QVERIFY(m_server);

    const Reply session = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 41234})");
    QCOMPARE(session.status, 200);
    QCOMPARE(session.header("Content-Type"), QByteArrayLiteral("application/json"));
    const QString sessionId = session.json().value(QStringLiteral("session_id")).toString();
    const QString authUrl = session.json().value(QStringLiteral("auth_url")).toString();
    QVERIFY(!sessionId.isEmpty());
    QCOMPARE(authUrl,
             QStringLiteral("http://127.0.0.1:%1/auth/sign-in?session_id=%2").arg(m_server->apiPort()).arg(sessionId));

    // The page a browser shows: an Approve button that posts the session back.
    const Reply page = request("GET", QUrl(authUrl));
    QCOMPARE(page.status, 200);
    QVERIFY(page.header("Content-Type").startsWith("text/html"));
    QVERIFY(page.body.contains("Approve"));
    QVERIFY(page.body.contains(sessionId.toLatin1()));
    QVERIFY(page.body.contains("method=\"post\""));

    // Before approval the exchange is pending (the client cannot have the secret yet).
    const Reply pending = api("POST", QStringLiteral("/auth/cli/token"), exchangeBody(sessionId, std::nullopt));
    QCOMPARE(pending.status, 400);
    QCOMPARE(pending.json().value(QStringLiteral("error")).toString(), QStringLiteral("authorization_pending"));

    // Approve as the form does, and the browser is sent to the client's loopback callback.
    const Reply approved = api("POST",
                               QStringLiteral("/auth/sign-in"),
                               "session_id=" + sessionId.toLatin1(),
                               {{"Content-Type", "application/x-www-form-urlencoded"}});
    QCOMPARE(approved.status, 302);
    const QString secret = redemptionSecretOf(approved.header("Location"));
    QVERIFY2(!secret.isEmpty(), approved.header("Location").constData());
    QCOMPARE(approved.header("Location"),
             QStringLiteral("http://127.0.0.1:41234/callback?session_id=%1&redemption_secret=%2")
                 .arg(sessionId, secret)
                 .toLatin1());

    // The session id alone is not enough any more: the secret must come with it, and be the one.
    for (const std::optional<QString>& wrong : {std::optional<QString>(),
                                                std::optional<QString>(QString()),
                                                std::optional<QString>(QString(64, QLatin1Char('0'))),
                                                std::optional<QString>(secret.toUpper())}) {
        const Reply refused = api("POST", QStringLiteral("/auth/cli/token"), exchangeBody(sessionId, wrong));
        QCOMPARE(refused.status, 400);
        QCOMPARE(refused.json().value(QStringLiteral("error")).toString(), QStringLiteral("invalid_redemption_secret"));
    }

    const QByteArray exchange = exchangeBody(sessionId, secret);
    const Reply token = api("POST", QStringLiteral("/auth/cli/token"), exchange);
    QCOMPARE(token.status, 200);
    const QJsonObject tokens = token.json();
    QVERIFY(!tokens.value(QStringLiteral("access_token")).toString().isEmpty());
    QVERIFY(!tokens.value(QStringLiteral("refresh_token")).toString().isEmpty());
    QCOMPARE(tokens.value(QStringLiteral("expires_in")).toInt(), 3600);
    QCOMPARE(tokens.value(QStringLiteral("error")).toString(), QString());
    QCOMPARE(
        tokens.value(QStringLiteral("query_parameters")).toObject().value(QStringLiteral("githubOwnerId")).toString(),
        m_server->tenant().githubOwnerId());

    const Reply echo = api("GET",
                           scoped(QStringLiteral("/test/echo")),
                           {},
                           bearer(tokens.value(QStringLiteral("access_token")).toString()));
    QCOMPARE(echo.status, 200);
    QCOMPARE(echo.json().value(QStringLiteral("principal")).toString(), QStringLiteral("user:demo"));

    // A session is exchanged once.
    const Reply replay = api("POST", QStringLiteral("/auth/cli/token"), exchange);
    QCOMPARE(replay.status, 400);
    QCOMPARE(replay.json().value(QStringLiteral("error")).toString(), QStringLiteral("invalid_session"));
}

void TestSandboxServer::signInWithApproveQueryAndAutoApprove()
{
    m_server = startServer();
    QVERIFY(m_server);
    Reply session = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 50001})");
    QString sessionId = session.json().value(QStringLiteral("session_id")).toString();
    Reply approved = api("GET", QStringLiteral("/auth/sign-in?approve=1&session_id=") + sessionId);
    QCOMPARE(approved.status, 302);
    QString secret = redemptionSecretOf(approved.header("Location"));
    QVERIFY(!secret.isEmpty());
    QCOMPARE(approved.header("Location"),
             QStringLiteral("http://127.0.0.1:50001/callback?session_id=%1&redemption_secret=%2")
                 .arg(sessionId, secret)
                 .toLatin1());

    ServerOptions options;
    options.auth.autoApprove = true;
    m_server = startServer(options);
    QVERIFY(m_server);
    session = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 50002})");
    sessionId = session.json().value(QStringLiteral("session_id")).toString();
    const Reply page = request("GET", QUrl(session.json().value(QStringLiteral("auth_url")).toString()));
    QCOMPARE(page.status, 302);
    const QString autoSecret = redemptionSecretOf(page.header("Location"));
    QVERIFY(!autoSecret.isEmpty());
    QVERIFY(autoSecret != secret); // fresh per session
    QCOMPARE(page.header("Location"),
             QStringLiteral("http://127.0.0.1:50002/callback?session_id=%1&redemption_secret=%2")
                 .arg(sessionId, autoSecret)
                 .toLatin1());
    const Reply token = api("POST", QStringLiteral("/auth/cli/token"), exchangeBody(sessionId, autoSecret));
    QCOMPARE(token.status, 200);
}

void TestSandboxServer::signInLegacyCallback()
{
    ServerOptions options;
    options.auth.legacyCallback = true;
    m_server = startServer(options);
    QVERIFY(m_server);
    const Reply session = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 50003})");
    const QString sessionId = session.json().value(QStringLiteral("session_id")).toString();
    const Reply approved = api("GET", QStringLiteral("/auth/sign-in?approve=1&session_id=") + sessionId);
    QCOMPARE(approved.status, 302);
    // An older server: no secret in the redirect, and the session id alone is exchanged.
    QCOMPARE(approved.header("Location"),
             QStringLiteral("http://127.0.0.1:50003/callback?session_id=%1").arg(sessionId).toLatin1());
    const Reply token = api("POST", QStringLiteral("/auth/cli/token"), exchangeBody(sessionId, std::nullopt));
    QCOMPARE(token.status, 200);
    QVERIFY(!token.json().value(QStringLiteral("access_token")).toString().isEmpty());
}

void TestSandboxServer::signInApprovalDelay()
{
    ServerOptions options;
    options.auth.approvalDelayMs = 400;
    m_server = startServer(options);
    QVERIFY(m_server);
    const Reply session = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 50004})");
    const QString sessionId = session.json().value(QStringLiteral("session_id")).toString();
    QElapsedTimer clock;
    clock.start();
    const Reply approved = api("GET", QStringLiteral("/auth/sign-in?approve=1&session_id=") + sessionId);
    const QByteArray exchange = exchangeBody(sessionId, redemptionSecretOf(approved.header("Location")));
    // The redirect came, but the approval has not landed yet: pending, as before approval.
    const Reply pending = api("POST", QStringLiteral("/auth/cli/token"), exchange);
    QVERIFY(clock.elapsed() < 400);
    QCOMPARE(pending.status, 400);
    QCOMPARE(pending.json().value(QStringLiteral("error")).toString(), QStringLiteral("authorization_pending"));
    // The approval lands on the server's own timer (400 ms after it); no signal says so.
    QTest::qWait(int(std::max<qint64>(0, 450 - clock.elapsed())));
    const Reply token = api("POST", QStringLiteral("/auth/cli/token"), exchange);
    QCOMPARE(token.status, 200);
}

void TestSandboxServer::tokenErrors()
{
    m_server = startServer();
    QVERIFY(m_server);
    Reply reply = api("POST", QStringLiteral("/auth/cli/token"), R"({"session_id": "nope"})");
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value(QStringLiteral("error")).toString(), QStringLiteral("invalid_session"));
    QCOMPARE(reply.json().value(QStringLiteral("access_token")).toString(), QString());

    reply = api("POST", QStringLiteral("/auth/cli/token"), R"({"session_id": )");
    QCOMPARE(reply.status, 400);
    QVERIFY(reply.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("malformed JSON")));

    reply = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": "x"})");
    QCOMPARE(reply.status, 400);
    QVERIFY(reply.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("port")));
    reply = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 70000})");
    QCOMPARE(reply.status, 400);
    reply = api("POST", QStringLiteral("/auth/cli/session"), R"([1])");
    QCOMPARE(reply.status, 400);

    reply = api("GET", QStringLiteral("/auth/sign-in?session_id=unknown"));
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json().value(QStringLiteral("error")).toString(), QStringLiteral("invalid_session"));
}

// The real server's shape (../shared/api/README.md "Auth", Refresh): the access token only in
// "Set-Cookie: access_token=...", a camelCase metadata body beside it.
void TestSandboxServer::refreshWithCookie()
{
    m_server = startServer();
    QVERIFY(m_server);
    const QJsonObject tokens = signIn();
    const QString refreshToken = tokens.value(QStringLiteral("refresh_token")).toString();
    const QString oldAccess = tokens.value(QStringLiteral("access_token")).toString();

    const qint64 before = QDateTime::currentSecsSinceEpoch();
    const Reply refreshed = api(
        "GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", "refresh_token=" + refreshToken.toLatin1()}});
    QCOMPARE(refreshed.status, 200);
    const QJsonObject answer = refreshed.json();
    QVERIFY(!answer.contains(QStringLiteral("accessToken")));
    QVERIFY(!answer.contains(QStringLiteral("refreshToken")));
    QCOMPARE(answer.value(QStringLiteral("expiresIn")).toInt(), 3600);
    const qint64 expiresAt = answer.value(QStringLiteral("expiresAt")).toInteger();
    QVERIFY2(expiresAt >= before + 3600 && expiresAt <= QDateTime::currentSecsSinceEpoch() + 3600,
             qPrintable(QString::number(expiresAt - before)));
    QCOMPARE(answer.value(QStringLiteral("installationIds")).toArray(),
             QJsonArray {m_server->tenant().githubOwnerId()});
    QVERIFY(answer.value(QStringLiteral("isTriaged")).isBool());
    QVERIFY(answer.value(QStringLiteral("isNullifyDev")).isBool());
    QCOMPARE(
        answer.value(QStringLiteral("queryParameters")).toObject().value(QStringLiteral("githubOwnerId")).toString(),
        m_server->tenant().githubOwnerId());
    QCOMPARE(refreshed.header("Cache-Control"), QByteArrayLiteral("no-store"));

    const auto [newAccess, attributes] = setCookie(refreshed.header("Set-Cookie"), "access_token");
    QVERIFY(!newAccess.isEmpty());
    QVERIFY(newAccess != oldAccess.toLatin1());
    QCOMPARE(attributes, QByteArrayLiteral("Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=None"));
    QVERIFY(setCookie(refreshed.header("Set-Cookie"), "refresh_token").first.isEmpty()); // not rotated
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(QString::fromLatin1(newAccess))).status, 200);

    // Without rotation the refresh token keeps working.
    QCOMPARE(api("GET",
                 QStringLiteral("/auth/refresh_token"),
                 {},
                 {{"Cookie", "a=b; refresh_token=" + refreshToken.toLatin1()}})
                 .status,
             200);
    Reply missing = api("GET", QStringLiteral("/auth/refresh_token"));
    QCOMPARE(missing.status, 401);
    QVERIFY(!missing.json().value(QStringLiteral("error")).toString().isEmpty());
    QCOMPARE(api("GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", "refresh_token=bogus"}}).status, 401);
}

// --legacy-refresh-body: the shape older servers sent, the access token in the body, no cookie.
void TestSandboxServer::refreshLegacyBody()
{
    ServerOptions options;
    options.auth.legacyRefreshBody = true;
    m_server = startServer(options);
    QVERIFY(m_server);
    const QJsonObject tokens = signIn();
    const QString refreshToken = tokens.value(QStringLiteral("refresh_token")).toString();

    const Reply refreshed = api(
        "GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", "refresh_token=" + refreshToken.toLatin1()}});
    QCOMPARE(refreshed.status, 200);
    const QJsonObject answer = refreshed.json();
    const QString newAccess = answer.value(QStringLiteral("accessToken")).toString();
    QVERIFY(!newAccess.isEmpty());
    QVERIFY(newAccess != tokens.value(QStringLiteral("access_token")).toString());
    QCOMPARE(answer.value(QStringLiteral("expiresIn")).toInt(), 3600);
    QCOMPARE(
        answer.value(QStringLiteral("queryParameters")).toObject().value(QStringLiteral("githubOwnerId")).toString(),
        m_server->tenant().githubOwnerId());
    QVERIFY(!answer.contains(QStringLiteral("refreshToken")));
    QVERIFY(refreshed.header("Set-Cookie").isEmpty());
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(newAccess)).status, 200);
}

void TestSandboxServer::refreshTokenRotation_data()
{
    QTest::addColumn<bool>("legacyBody");
    QTest::newRow("cookie") << false;
    QTest::newRow("legacy body") << true;
}

void TestSandboxServer::refreshTokenRotation()
{
    QFETCH(bool, legacyBody);
    ServerOptions options;
    options.auth.rotateRefreshTokens = true;
    options.auth.legacyRefreshBody = legacyBody;
    m_server = startServer(options);
    QVERIFY(m_server);
    const QByteArray first = signIn().value(QStringLiteral("refresh_token")).toString().toLatin1();

    const Reply rotated = api("GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", "refresh_token=" + first}});
    QCOMPARE(rotated.status, 200);
    const auto [second, attributes] = setCookie(rotated.header("Set-Cookie"), "refresh_token");
    QVERIFY(!second.isEmpty());
    QVERIFY(second != first);
    QCOMPARE(attributes, QByteArrayLiteral("HttpOnly; Path=/"));
    // The legacy body names it too; the real shape only in the cookie, beside the access token's.
    QCOMPARE(rotated.json().value(QStringLiteral("refreshToken")).toString().toLatin1(),
             legacyBody ? second : QByteArray());
    QCOMPARE(setCookie(rotated.header("Set-Cookie"), "access_token").first.isEmpty(), legacyBody);

    const Reply old = api("GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", "refresh_token=" + first}});
    QCOMPARE(old.status, 401);
    QVERIFY(!old.json().value(QStringLiteral("error")).toString().isEmpty());
    QCOMPARE(api("GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", "refresh_token=" + second}}).status,
             200);
}

void TestSandboxServer::accessTokenExpires()
{
    ServerOptions options;
    options.auth.tokenLifetimeSeconds = 1;
    m_server = startServer(options);
    QVERIFY(m_server);
    const QJsonObject tokens = signIn();
    QCOMPARE(tokens.value(QStringLiteral("expires_in")).toInt(), 1);
    const QString access = tokens.value(QStringLiteral("access_token")).toString();
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(access)).status, 200);

    Reply expired;
    QTRY_VERIFY_WITH_TIMEOUT(
        (expired = api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(access))).status == 401, TimeoutMs);
    QVERIFY(expired.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("expired")));
    QVERIFY(expired.header("WWW-Authenticate").startsWith("Bearer"));

    const Reply refreshed
        = api("GET",
              QStringLiteral("/auth/refresh_token"),
              {},
              {{"Cookie", "refresh_token=" + tokens.value(QStringLiteral("refresh_token")).toString().toLatin1()}});
    QCOMPARE(refreshed.status, 200);
    QCOMPARE(refreshed.json().value(QStringLiteral("expiresIn")).toInt(), 1);
}

void TestSandboxServer::revocationThroughControl()
{
    ServerOptions options;
    options.auth.serviceTokens = {QStringLiteral("svc-one")};
    m_server = startServer(options);
    QVERIFY(m_server);
    const QJsonObject tokens = signIn();
    const QString access = tokens.value(QStringLiteral("access_token")).toString();
    const QByteArray cookie = "refresh_token=" + tokens.value(QStringLiteral("refresh_token")).toString().toLatin1();

    // One principal: the service token survives.
    Reply revoked = control("POST", QStringLiteral("/revoke"), R"({"principal": "user:demo"})");
    QCOMPARE(revoked.status, 200);
    QCOMPARE(revoked.json().value(QStringLiteral("revoked")).toInt(), 1);
    const Reply rejected = api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(access));
    QCOMPARE(rejected.status, 401);
    QVERIFY(rejected.header("WWW-Authenticate").startsWith("Bearer"));
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(QStringLiteral("svc-one"))).status, 200);

    // The refresh token still works, so a client recovers by refreshing.
    const Reply refreshed = api("GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", cookie}});
    QCOMPARE(refreshed.status, 200);
    const QString renewed = QString::fromLatin1(setCookie(refreshed.header("Set-Cookie"), "access_token").first);
    QVERIFY(!renewed.isEmpty());
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(renewed)).status, 200);

    // Everything, refresh tokens included: the user has to sign in again.
    revoked = control("POST", QStringLiteral("/revoke"), R"({"refreshTokens": true})");
    QCOMPARE(revoked.status, 200);
    QCOMPARE(revoked.json().value(QStringLiteral("revoked")).toInt(), 3); // renewed, svc-one, refresh token
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(renewed)).status, 401);
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(QStringLiteral("svc-one"))).status, 401);
    QCOMPARE(api("GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", cookie}}).status, 401);

    // An empty body revokes all access tokens.
    const QString fresh = signIn().value(QStringLiteral("access_token")).toString();
    QCOMPARE(control("POST", QStringLiteral("/revoke")).json().value(QStringLiteral("revoked")).toInt(), 1);
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(fresh)).status, 401);
}

void TestSandboxServer::serviceTokens()
{
    ServerOptions options;
    options.auth.serviceTokens = {QStringLiteral("svc-one"), QStringLiteral("svc-two")};
    options.auth.tokenLifetimeSeconds = 1; // service tokens do not expire with user tokens
    m_server = startServer(options);
    QVERIFY(m_server);
    Reply reply = api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(QStringLiteral("svc-two")));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value(QStringLiteral("principal")).toString(), QStringLiteral("service:2"));
    reply = api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(QStringLiteral("svc-one")));
    QCOMPARE(reply.json().value(QStringLiteral("principal")).toString(), QStringLiteral("service:1"));
    // Not a refresh token.
    QCOMPARE(api("GET", QStringLiteral("/auth/refresh_token"), {}, {{"Cookie", "refresh_token=svc-one"}}).status, 401);
}

void TestSandboxServer::scopeAndBearerChecks()
{
    m_server = startServer();
    QVERIFY(m_server);
    const QString access = signIn().value(QStringLiteral("access_token")).toString();

    Reply reply = api("GET", QStringLiteral("/test/echo"), {}, bearer(access));
    QCOMPARE(reply.status, 400);
    QVERIFY(reply.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("githubOwnerId")));
    reply = api("GET", QStringLiteral("/test/echo?githubOwnerId=someone-else"), {}, bearer(access));
    QCOMPARE(reply.status, 403);
    QVERIFY(reply.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("githubOwnerId")));

    reply = api("GET", scoped(QStringLiteral("/test/echo")));
    QCOMPARE(reply.status, 401);
    QVERIFY(reply.header("WWW-Authenticate").startsWith("Bearer"));
    QVERIFY(!reply.json().value(QStringLiteral("error")).toString().isEmpty());
    reply = api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(QStringLiteral("made-up")));
    QCOMPARE(reply.status, 401);
    reply = api("GET", scoped(QStringLiteral("/test/echo")), {}, {{"Authorization", "Basic " + access.toLatin1()}});
    QCOMPARE(reply.status, 401);
}

void TestSandboxServer::faultStatusWithRetryAfterSeconds()
{
    m_server = startServer();
    QVERIFY(m_server);
    const QString access = signIn().value(QStringLiteral("access_token")).toString();
    const Reply added = control("POST",
                                QStringLiteral("/faults"),
                                R"({"method": "GET", "path": "/test/*", "fault": "status", "status": 503,
                                    "retryAfter": 2, "count": 2})");
    QCOMPARE(added.status, 200);
    QCOMPARE(added.json().value(QStringLiteral("added")).toInt(), 1);

    // A POST to the same path is not matched by a GET rule.
    QCOMPARE(api("POST", scoped(QStringLiteral("/test/echo")), "{}", bearer(access)).status, 200);
    for (int i = 0; i < 2; ++i) {
        const Reply reply = api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(access));
        QCOMPARE(reply.status, 503);
        QCOMPARE(reply.header("Retry-After"), QByteArrayLiteral("2"));
        QCOMPARE(reply.header("Content-Type"), QByteArrayLiteral("application/json"));
        QVERIFY(!reply.json().value(QStringLiteral("error")).toString().isEmpty());
    }
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(access)).status, 200);

    const QJsonObject rule
        = control("GET", QStringLiteral("/faults")).json().value(QStringLiteral("faults")).toArray().at(0).toObject();
    QCOMPARE(rule.value(QStringLiteral("fired")).toInt(), 2);
    QCOMPARE(rule.value(QStringLiteral("matched")).toInt(), 2);
}

// "echo": the error text quotes the request's Authorization and Cookie headers, secrets and all
// (what a careless server does; the client's scrubbing is tested against it).
void TestSandboxServer::faultStatusEchoesCredentials()
{
    m_server = startServer();
    QVERIFY(m_server);
    const QString access = signIn().value(QStringLiteral("access_token")).toString();
    QString error;
    QVERIFY2(m_server->faultPlan().addJsonText(
                 R"({"path": "/test/echo", "fault": "status", "status": 500, "echo": true})", &error),
             qPrintable(error));
    QList<QPair<QByteArray, QByteArray>> headers = bearer(access);
    headers.append({QByteArrayLiteral("Cookie"), QByteArrayLiteral("refresh_token=cookie-secret-value")});
    const Reply reply = api("GET", scoped(QStringLiteral("/test/echo")), {}, headers);
    QCOMPARE(reply.status, 500);
    const QString said = reply.json().value(QStringLiteral("error")).toString();
    QVERIFY2(said.contains(QStringLiteral("Authorization: Bearer ") + access), qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("Cookie: refresh_token=cookie-secret-value")), qPrintable(said));
    const QJsonObject rule
        = control("GET", QStringLiteral("/faults")).json().value(QStringLiteral("faults")).toArray().at(0).toObject();
    QCOMPARE(rule.value(QStringLiteral("echo")).toBool(), true);
}

void TestSandboxServer::faultStatusWithRetryAfterDateAndSkew()
{
    m_server = startServer();
    QVERIFY(m_server);
    QString error;
    QVERIFY2(m_server->faultPlan().addJsonText(
                 R"({"method": "POST", "path": "/auth/cli/session", "fault": "status", "status": 429,
                     "retryAfterDate": 30, "dateSkew": -3600})",
                 &error),
             qPrintable(error));
    const QDateTime before = QDateTime::currentDateTimeUtc();
    const Reply reply = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})");
    QCOMPARE(reply.status, 429);
    const QDateTime date = parseHttpDate(reply.header("Date"));
    const QDateTime retryAt = parseHttpDate(reply.header("Retry-After"));
    QVERIFY2(date.isValid() && retryAt.isValid(), reply.header("Retry-After").constData());
    QCOMPARE(date.secsTo(retryAt), 30);
    // The server's clock runs an hour behind.
    QVERIFY(qAbs(before.secsTo(date) + 3600) <= 5);

    // A verbatim Retry-After string.
    QVERIFY(m_server->faultPlan().addJsonText(
        QByteArrayLiteral(R"({"path": "/auth/cli/session", "fault": "status", "status": 503, "retryAfter": ")")
            + httpDate(nullify::utcDateTime(QDate(2030, 1, 2), QTime(3, 4, 5))) + "\"}",
        &error));
    QCOMPARE(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").header("Retry-After"),
             QByteArrayLiteral("Wed, 02 Jan 2030 03:04:05 GMT"));
}

void TestSandboxServer::faultRevocation()
{
    m_server = startServer();
    QVERIFY(m_server);
    const QJsonObject tokens = signIn();
    const QString access = tokens.value(QStringLiteral("access_token")).toString();
    QVERIFY(control("POST", QStringLiteral("/faults"), R"({"path": "/test/echo", "fault": "revoke"})").status == 200);

    const Reply revoked = api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(access));
    QCOMPARE(revoked.status, 401);
    QVERIFY(revoked.header("WWW-Authenticate").contains("invalid_token"));
    // The rule is spent, but the token stays revoked.
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(access)).status, 401);
    const Reply refreshed
        = api("GET",
              QStringLiteral("/auth/refresh_token"),
              {},
              {{"Cookie", "refresh_token=" + tokens.value(QStringLiteral("refresh_token")).toString().toLatin1()}});
    QCOMPARE(refreshed.status, 200);
    QCOMPARE(api("GET",
                 scoped(QStringLiteral("/test/echo")),
                 {},
                 bearer(QString::fromLatin1(setCookie(refreshed.header("Set-Cookie"), "access_token").first)))
                 .status,
             200);
}

void TestSandboxServer::faultLatency()
{
    m_server = startServer();
    QVERIFY(m_server);
    QVERIFY(control("POST",
                    QStringLiteral("/faults"),
                    R"({"path": "/auth/cli/session", "fault": "latency", "latencyMs": 300})")
                .status
            == 200);
    const Reply slow = api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})");
    QCOMPARE(slow.status, 200);
    QVERIFY2(slow.elapsedMs >= 290, QByteArray::number(slow.elapsedMs).constData());
    const QJsonObject entry = m_server->logEntries().constLast();
    QVERIFY(entry.value(QStringLiteral("durationMs")).toInt() >= 290);
    QCOMPARE(entry.value(QStringLiteral("fault")).toObject().value(QStringLiteral("fault")).toString(),
             QStringLiteral("latency"));
    // Spent: the next one is quick and has no fault.
    QCOMPARE(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status, 200);
    QVERIFY(m_server->logEntries().constLast().value(QStringLiteral("fault")).isNull());
}

void TestSandboxServer::faultCloseBeforeAnswering()
{
    m_server = startServer();
    QVERIFY(m_server);
    QString error;
    QVERIFY(m_server->faultPlan().addJsonText(R"({"method": "GET", "path": "/auth/*", "fault": "close"})", &error));
    RawClient client(m_server->apiPort());
    client.socket.write("GET /auth/sign-in?session_id=x&redemption_secret=y&approve=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
    QCOMPARE(client.received, QByteArray());
    const QJsonObject entry = m_server->logEntries().constLast();
    QVERIFY(entry.value(QStringLiteral("status")).isNull());
    QCOMPARE(entry.value(QStringLiteral("fault")).toObject().value(QStringLiteral("fault")).toString(),
             QStringLiteral("close"));
    // The session id and the redemption secret in the query are secrets and are not logged.
    QCOMPARE(entry.value(QStringLiteral("query")).toString(),
             QStringLiteral("session_id=REDACTED&redemption_secret=REDACTED&approve=1"));
}

void TestSandboxServer::faultResetMidBody()
{
    m_server = startServer();
    QVERIFY(m_server);
    QVERIFY(m_server->faultPlan().addJsonText(R"({"fault": "reset", "path": "/test/big"})", nullptr));
    const QString access = signIn().value(QStringLiteral("access_token")).toString();

    RawClient client(m_server->apiPort());
    client.socket.write("GET " + scoped(QStringLiteral("/test/big")).toLatin1()
                        + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + access.toLatin1() + "\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
    const qsizetype headEnd = client.received.indexOf("\r\n\r\n");
    QVERIFY(headEnd > 0);
    const QByteArray head = client.received.left(headEnd);
    QVERIFY(head.startsWith("HTTP/1.1 200 "));
    const qsizetype lengthAt = head.indexOf("Content-Length: ");
    QVERIFY(lengthAt > 0);
    const qint64 announced = head.mid(lengthAt + 16, head.indexOf("\r\n", lengthAt) - lengthAt - 16).toLongLong();
    const qint64 got = client.received.size() - headEnd - 4;
    QVERIFY(announced > 20000);
    QCOMPARE(got, announced / 2);

    // Through QNetworkAccessManager it is a network error, not a short success.
    QVERIFY(m_server->faultPlan().addJsonText(R"({"fault": "reset", "path": "/test/big"})", nullptr));
    const Reply reply = api("GET", scoped(QStringLiteral("/test/big")), {}, bearer(access));
    QVERIFY(reply.error != QNetworkReply::NoError);
}

void TestSandboxServer::faultStall()
{
    m_server = startServer();
    QVERIFY(m_server);
    QVERIFY(m_server->faultPlan().addJsonText(R"({"fault": "stall", "path": "/auth/cli/session"})", nullptr));
    RawClient client(m_server->apiPort());
    const QByteArray body = R"({"port": 1})";
    const QByteArray post = "POST /auth/cli/session HTTP/1.1\r\nHost: t\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    // Pipelined behind the stalled one: it must not be answered either.
    client.socket.write(post + post);
    QTRY_VERIFY_WITH_TIMEOUT(!m_server->logEntries().isEmpty(), TimeoutMs);
    const QJsonObject entry = m_server->logEntries().constLast();
    QCOMPARE(entry.value(QStringLiteral("fault")).toObject().value(QStringLiteral("fault")).toString(),
             QStringLiteral("stall"));
    QVERIFY(entry.value(QStringLiteral("status")).isNull());

    // Another connection is served meanwhile; by then the stalled one would have had its answer.
    QCOMPARE(api("POST", QStringLiteral("/auth/cli/session"), body).status, 200);
    QCoreApplication::processEvents();
    QCOMPARE(client.received, QByteArray());
    QVERIFY(!client.disconnected);
    QCOMPARE(m_server->requestCount(), 2); // the pipelined request was never read
    QCOMPARE(m_server->openConnectionCount(), 2);

    // The client giving up ends it.
    client.socket.abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->openConnectionCount(), 1, TimeoutMs);
}

void TestSandboxServer::faultRateModeIsDeterministic()
{
    constexpr int Requests = 40;
    constexpr double Rate = 0.3;
    constexpr quint32 Seed = 42;
    // The same draws the server makes: one per matching request.
    QRandomGenerator expectedDraws(Seed);
    QList<int> expected;
    for (int i = 0; i < Requests; ++i) {
        expected.append(expectedDraws.generateDouble() < Rate ? 503 : 200);
    }
    const int expectedFaults = static_cast<int>(expected.count(503));
    QVERIFY(expectedFaults > 0 && expectedFaults < Requests);

    for (int run = 0; run < 2; ++run) {
        m_server = startServer();
        QVERIFY(m_server);
        QVERIFY(control("POST",
                        QStringLiteral("/faults"),
                        R"({"faults": [{"method": "POST", "path": "/auth/cli/session", "fault": "status",
                                        "status": 503, "rate": 0.3, "seed": 42}]})")
                    .status
                == 200);
        QList<int> statuses;
        for (int i = 0; i < Requests; ++i) {
            statuses.append(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status);
        }
        QCOMPARE(statuses, expected);
        const QJsonObject state = control("GET", QStringLiteral("/state")).json();
        QCOMPARE(state.value(QStringLiteral("faultsApplied")).toInt(), expectedFaults);
    }

    // "count" caps a rate rule.
    m_server = startServer();
    QVERIFY(m_server->faultPlan().addJsonText(
        R"({"path": "/auth/cli/session", "fault": "status", "status": 500, "rate": 1, "count": 3})", nullptr));
    int failures = 0;
    for (int i = 0; i < 6; ++i) {
        failures += api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status == 500 ? 1 : 0;
    }
    QCOMPARE(failures, 3);
}

void TestSandboxServer::faultAfterSkipsRequests()
{
    m_server = startServer();
    QVERIFY(m_server);
    // The third and fourth POST fail; rules are tried in order and the first that fires wins.
    QVERIFY(m_server->faultPlan().addJsonText(
        R"([{"method": "POST", "path": "*", "fault": "status", "status": 502, "after": 2, "count": 2},
            {"method": "*", "path": "/auth/cli/*", "fault": "status", "status": 504}])",
        nullptr));
    QList<int> statuses;
    for (int i = 0; i < 5; ++i) {
        statuses.append(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status);
    }
    QCOMPARE(statuses, (QList<int> {504, 200, 502, 502, 200}));
}

void TestSandboxServer::faultPlanValidationAndControl()
{
    m_server = startServer();
    QVERIFY(m_server);
    const QList<QByteArray> invalid {
        R"({"fault": "explode"})",
        R"({"fault": "status", "statsu": 503})",
        R"({"fault": "status", "rate": 1.5})",
        R"({"fault": "latency"})",
        R"({"fault": "status", "count": 1.5})",
        R"({"fault": "status", "status": 42})",
        R"({"fault": "status", "echo": "yes"})",
        R"({"fault": "close", "echo": true})",
        R"({"faults": {"fault": "close"}})",
        R"([{"fault": "close"}, 3])",
        R"({"fault": )",
    };
    for (const QByteArray& plan : invalid) {
        const Reply reply = control("POST", QStringLiteral("/faults"), plan);
        QVERIFY2(reply.status == 400, plan.constData());
        QVERIFY(!reply.json().value(QStringLiteral("error")).toString().isEmpty());
    }
    // All or nothing: the valid first rule of a bad plan was not added.
    QCOMPARE(control("GET", QStringLiteral("/faults")).json().value(QStringLiteral("faults")).toArray().size(), 0);

    QCOMPARE(control("POST",
                     QStringLiteral("/faults"),
                     R"([{"fault": "close", "path": "/a"}, {"fault": "stall", "method": "get", "path": "/b"}])")
                 .json()
                 .value(QStringLiteral("added"))
                 .toInt(),
             2);
    const QJsonArray rules = control("GET", QStringLiteral("/faults")).json().value(QStringLiteral("faults")).toArray();
    QCOMPARE(rules.size(), 2);
    QCOMPARE(rules.at(1).toObject().value(QStringLiteral("method")).toString(), QStringLiteral("GET"));
    QCOMPARE(rules.at(1).toObject().value(QStringLiteral("fault")).toString(), QStringLiteral("stall"));
    QCOMPARE(control("DELETE", QStringLiteral("/faults")).json().value(QStringLiteral("removed")).toInt(), 2);
    QCOMPARE(control("GET", QStringLiteral("/faults")).json().value(QStringLiteral("faults")).toArray().size(), 0);

    QVERIFY(
        globMatches(QStringLiteral("/sast/findings/*/autofix/*"), QStringLiteral("/sast/findings/12/autofix/status")));
    QVERIFY(globMatches(QStringLiteral("*"), QStringLiteral("/anything/at/all")));
    QVERIFY(!globMatches(QStringLiteral("/sast/*/x"), QStringLiteral("/sast/a/y")));
    QVERIFY(globMatches(QStringLiteral("/a*b*c"), QStringLiteral("/aXXbYYbZc")));
}

// The tests' fault builder: what it builds is the typed rule its words say, and the JSON it hands
// the control port reads back as the same rule.
void TestSandboxServer::faultRuleBuilderMakesTheRuleItSays()
{
    const FaultRuleBuilder throttled = FaultRule::on("get", "/context/*").status(429).retryAfter(2).times(3).after(1);
    QCOMPARE(throttled.rule().method, QByteArrayLiteral("GET"));
    QCOMPARE(throttled.rule().pathPattern, QStringLiteral("/context/*"));
    QCOMPARE(throttled.rule().fault.kind, Fault::Kind::Status);
    QCOMPARE(throttled.rule().fault.status, 429);
    QCOMPARE(throttled.rule().fault.retryAfterSeconds, 2);
    QCOMPARE(throttled.rule().count, 3);
    QCOMPARE(throttled.rule().after, 1);

    // The defaults: a 503 without Retry-After, on the next matching request only.
    const FaultRule plain = FaultRule::on("POST", QStringLiteral("/a")).rule();
    QCOMPARE(plain.fault.kind, Fault::Kind::Status);
    QCOMPARE(plain.fault.status, 503);
    QCOMPARE(plain.fault.retryAfterSeconds, -1);
    QCOMPARE(plain.count, 1);
    QVERIFY(!plain.rate);

    const FaultRule sampled = FaultRule::on("*", "*").stall().rate(0.25, 9).rule();
    QCOMPARE(sampled.fault.kind, Fault::Kind::Stall);
    QCOMPARE(sampled.count, -1); // a rate rule keeps firing...
    QCOMPARE(FaultRule::on("*", "*").stall().rate(0.25, 9).times(4).rule().count, 4); // ...unless capped

    const QList<FaultRuleBuilder> rules {
        throttled,
        FaultRule::on(QStringLiteral("POST"), QStringLiteral("/admin/findings")).status(500).always(),
        FaultRule::on("GET", "/b").status(503).retryAfterDate(5).dateSkew(-30).message(QStringLiteral("busy")),
        FaultRule::on("GET", "/c").status(503).retryAfterRaw("soon"),
        FaultRule::on("GET", "/d").status(401).echoingCredentials().always(),
        FaultRule::on("GET", "/e").revoke(),
        FaultRule::on("*", "*").latency(100).always(),
        FaultRule::on("POST", "/f").close(),
        FaultRule::on("GET", "/g").resetMidBody().times(2),
        FaultRule::on("*", "/h/*").stall().rate(0.5, 7),
    };
    for (const FaultRuleBuilder& builder : rules) {
        const QByteArray text = QJsonDocument(builder.toJson()).toJson(QJsonDocument::Compact);
        QString error;
        const auto parsed = FaultRule::fromJson(builder.toJson(), &error);
        QVERIFY2(parsed, qPrintable(error + QStringLiteral(": ") + QString::fromUtf8(text)));
        QVERIFY2(parsed->toControlJson() == builder.toJson(), text.constData());
    }

    // A braced list of rules is a fault plan.
    FaultPlan plan;
    QString error;
    QVERIFY2(plan.add(QJsonArray {FaultRule::on("GET", "/x").close(), FaultRule::on("GET", "/x").status(502)}, &error),
             qPrintable(error));
    QCOMPARE(plan.take("GET", QStringLiteral("/x"))->kind, Fault::Kind::Close);
    QCOMPARE(plan.take("GET", QStringLiteral("/x"))->status, 502);
    QVERIFY(!plan.take("GET", QStringLiteral("/x")));
}

void TestSandboxServer::requestLogLines()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ServerOptions options;
    options.logPath = dir.filePath(QStringLiteral("requests.jsonl"));
    options.auth.serviceTokens = {QStringLiteral("svc-secret-token")};
    m_server = startServer(options);
    QVERIFY(m_server);

    const QByteArray body = R"({"hello": "world"})";
    QCOMPARE(api("POST", scoped(QStringLiteral("/test/echo")), body, bearer(QStringLiteral("svc-secret-token"))).status,
             200);
    QCOMPARE(api("GET", scoped(QStringLiteral("/test/echo")), {}, bearer(QStringLiteral("svc-secret-token"))).status,
             200);
    QCOMPARE(api("GET", QStringLiteral("/nowhere")).status, 401);

    QFile file(options.logPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray contents = file.readAll();
    QVERIFY(!contents.contains("svc-secret-token"));
    const QList<QByteArray> lines = contents.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    const QJsonObject first = QJsonDocument::fromJson(lines.at(0)).object();
    QCOMPARE(first.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(first.value(QStringLiteral("path")).toString(), QStringLiteral("/test/echo"));
    QCOMPARE(first.value(QStringLiteral("query")).toString(),
             QStringLiteral("githubOwnerId=") + m_server->auth().githubOwnerId());
    QCOMPARE(first.value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(first.value(QStringLiteral("tokenHash")).toString(), shortHash("svc-secret-token"));
    QCOMPARE(first.value(QStringLiteral("tokenHash")).toString().size(), 12);
    QCOMPARE(first.value(QStringLiteral("bodyHash")).toString(), shortHash(body));
    QCOMPARE(first.value(QStringLiteral("bodySize")).toInt(), body.size());
    QVERIFY(first.value(QStringLiteral("connection")).toInt() >= 1);
    QVERIFY(first.value(QStringLiteral("fault")).isNull());
    QVERIFY(first.contains(QStringLiteral("durationMs")));
    const QDateTime time = QDateTime::fromString(first.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
    QVERIFY(time.isValid());
    QVERIFY(first.value(QStringLiteral("time")).toString().contains(QLatin1Char('.')));
    QCOMPARE(first.value(QStringLiteral("seq")).toInt(), 1);

    const QJsonObject third = QJsonDocument::fromJson(lines.at(2)).object();
    QCOMPARE(third.value(QStringLiteral("status")).toInt(), 401);
    QVERIFY(third.value(QStringLiteral("tokenHash")).isNull());
    QVERIFY(third.value(QStringLiteral("bodyHash")).isNull());
    // The same lines are in memory.
    QCOMPARE(m_server->logEntries().size(), 3);
    QCOMPARE(QJsonDocument(m_server->logEntries().at(1)).toJson(QJsonDocument::Compact), lines.at(1));
}

void TestSandboxServer::controlStateAndLog()
{
    m_server = startServer();
    QVERIFY(m_server);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status, 200);
    }
    QJsonObject state = control("GET", QStringLiteral("/state")).json();
    QCOMPARE(state.value(QStringLiteral("requests")).toInt(), 3);
    QCOMPARE(state.value(QStringLiteral("connections")).toInt(), 1); // keep-alive
    QCOMPARE(state.value(QStringLiteral("cloudScansStarted")).toInt(), m_server->tenant().cloudScansStarted());
    QVERIFY(state.contains(QStringLiteral("pentestsStarted")));
    QVERIFY(state.contains(QStringLiteral("autofixesStarted")));

    // Control requests are not in the API log.
    Reply log = control("GET", QStringLiteral("/log"));
    QCOMPARE(log.status, 200);
    QCOMPARE(log.header("Content-Type"), QByteArrayLiteral("application/json"));
    QCOMPARE(log.json().value(QStringLiteral("entries")).toArray().size(), 3);
    QCOMPARE(log.json().value(QStringLiteral("last")).toInt(), 3);
    log = control("GET", QStringLiteral("/log?since=2"));
    QCOMPARE(log.json().value(QStringLiteral("entries")).toArray().size(), 1);
    QCOMPARE(
        log.json().value(QStringLiteral("entries")).toArray().at(0).toObject().value(QStringLiteral("seq")).toInt(), 3);
    QCOMPARE(control("GET", QStringLiteral("/log?since=x")).status, 400);

    QCOMPARE(control("POST", QStringLiteral("/reset-log")).status, 200);
    QCOMPARE(control("GET", QStringLiteral("/log")).json().value(QStringLiteral("entries")).toArray().size(), 0);
    state = control("GET", QStringLiteral("/state")).json();
    QCOMPARE(state.value(QStringLiteral("requests")).toInt(), 0);
    QCOMPARE(state.value(QStringLiteral("connections")).toInt(), 0);
    // Sequence numbers go on after a reset, so "since" stays meaningful.
    QCOMPARE(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status, 200);
    QCOMPARE(m_server->logEntries().constFirst().value(QStringLiteral("seq")).toInt(), 4);

    QCOMPARE(control("GET", QStringLiteral("/nope")).status, 404);
    QCOMPARE(control("PUT", QStringLiteral("/faults")).status, 405);
}

// POST /admin/events over the wire, and the control endpoint that reports a finding as new: the
// reader at the feed's end sees exactly that event, once.
void TestSandboxServer::eventFeedOverHttpAndControl()
{
    ServerOptions options;
    options.auth.serviceTokens = {QStringLiteral("svc-events")};
    m_server = startServer(options);
    QVERIFY(m_server);
    const auto token = bearer(QStringLiteral("svc-events"));
    Reply reply = api("POST", scoped(QStringLiteral("/admin/events")), R"({"limit": 200})", token);
    QCOMPARE(reply.status, 200);
    const int history = int(reply.json().value(QStringLiteral("events")).toArray().size());
    QVERIFY(history > 0);
    QCOMPARE(control("GET", QStringLiteral("/state")).json().value(QStringLiteral("events")).toInt(), history);
    const QString end = reply.json().value(QStringLiteral("nextCursorId")).toString();
    QVERIFY(!end.isEmpty());

    Reply reported = control("POST", QStringLiteral("/events/new-finding"));
    QCOMPARE(reported.status, 200);
    const QJsonObject event = reported.json().value(QStringLiteral("event")).toObject();
    QVERIFY(event.value(QStringLiteral("type")).toString().endsWith(QLatin1String("-new-finding")));
    QCOMPARE(control("POST", QStringLiteral("/events/new-finding"), R"({"findingId": "nope"})").status, 404);
    QCOMPARE(control("POST", QStringLiteral("/events/new-finding"), "not json").status, 400);

    const QByteArray after = QJsonDocument(QJsonObject {{QStringLiteral("afterId"), end}}).toJson();
    reply = api("POST", scoped(QStringLiteral("/admin/events")), after, token);
    QCOMPARE(reply.status, 200);
    const QJsonArray events = reply.json().value(QStringLiteral("events")).toArray();
    QCOMPARE(events.size(), 1);
    QCOMPARE(events.first().toObject().value(QStringLiteral("id")), event.value(QStringLiteral("id")));
    QCOMPARE(api("POST", scoped(QStringLiteral("/admin/events")), R"({"limit": "ten"})", token).status, 400);
}

void TestSandboxServer::keepAliveChunkedAndPipelining()
{
    m_server = startServer();
    QVERIFY(m_server);
    RawClient client(m_server->apiPort());
    // A chunked body and a pipelined second request in one write.
    client.socket.write("POST /auth/cli/session HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\n{\"por\r\n7\r\nt\": 42}\r\n0\r\n\r\n"
                        "POST /auth/cli/session HTTP/1.1\r\nHost: t\r\nContent-Length: 12\r\n\r\n{\"port\": 43}");
    QTRY_COMPARE_WITH_TIMEOUT(client.received.count("HTTP/1.1 200 OK"), 2, TimeoutMs);
    QVERIFY(!client.disconnected);
    QCOMPARE(m_server->connectionCount(), 1);
    QCOMPARE(m_server->logEntries().at(0).value(QStringLiteral("bodySize")).toInt(), 12);

    // Expect: 100-continue gets the interim answer before the body is sent.
    client.received.clear();
    client.socket.write(
        "POST /auth/cli/session HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.received.startsWith("HTTP/1.1 100 Continue\r\n\r\n"), TimeoutMs);
    client.socket.write("{\"port\": 4}");
    QTRY_VERIFY_WITH_TIMEOUT(client.received.contains("HTTP/1.1 200 OK"), TimeoutMs);

    // Connection: close is honoured.
    client.received.clear();
    client.socket.write("GET /auth/refresh_token HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
    QVERIFY(client.received.startsWith("HTTP/1.1 401 "));
    QVERIFY(client.received.contains("Connection: close\r\n"));
}

void TestSandboxServer::malformedRequests()
{
    m_server = startServer();
    QVERIFY(m_server);
    {
        RawClient client(m_server->apiPort());
        client.socket.write("THIS IS NOT HTTP\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
        QVERIFY(client.received.startsWith("HTTP/1.1 400 "));
        QVERIFY(client.received.contains("Content-Type: application/json"));
        const QByteArray body = client.received.mid(client.received.indexOf("\r\n\r\n") + 4);
        QVERIFY(!QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toString().isEmpty());
    }
    {
        RawClient client(m_server->apiPort());
        client.socket.write("POST /auth/cli/session HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
        QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
        QVERIFY(client.received.startsWith("HTTP/1.1 400 "));
    }
    {
        RawClient client(m_server->apiPort());
        client.socket.write("POST /auth/cli/session HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
        QVERIFY(client.received.startsWith("HTTP/1.1 400 "));
    }
    // The server keeps serving.
    QCOMPARE(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status, 200);

    const QString access = signIn().value(QStringLiteral("access_token")).toString();
    Reply reply = api("GET", scoped(QStringLiteral("/no/such/path")), {}, bearer(access));
    QCOMPARE(reply.status, 404);
    QVERIFY(!reply.json().value(QStringLiteral("error")).toString().isEmpty());
    reply = api("GET", QStringLiteral("/auth/nothing-here"));
    QCOMPARE(reply.status, 404);
    reply = api("DELETE", scoped(QStringLiteral("/test/echo")), {}, bearer(access));
    QCOMPARE(reply.status, 405);
    QCOMPARE(reply.header("Allow"), QByteArrayLiteral("GET, POST"));
    QVERIFY(!reply.json().value(QStringLiteral("error")).toString().isEmpty());
    reply = api("GET", QStringLiteral("/auth/cli/session"));
    QCOMPARE(reply.status, 405);
    reply = api("POST", scoped(QStringLiteral("/test/echo")), "{not json", bearer(access));
    QCOMPARE(reply.status, 400);
    QVERIFY(reply.json().value(QStringLiteral("error")).toString().contains(QStringLiteral("malformed JSON")));
    reply = api("POST", scoped(QStringLiteral("/test/echo")), "[1, 2]", bearer(access));
    QCOMPARE(reply.status, 400);
}

void TestSandboxServer::oversizedBodies()
{
    ServerOptions options;
    options.maxBodyBytes = 1024;
    m_server = startServer(options);
    QVERIFY(m_server);
    {
        // Refused from the announced length, before the body arrives.
        RawClient client(m_server->apiPort());
        client.socket.write("POST /auth/cli/session HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.received.startsWith("HTTP/1.1 413 "), TimeoutMs);
        // The rest of the body is read and dropped; then the connection closes.
        QVERIFY(!client.disconnected);
        client.socket.write(QByteArray(1025, 'a'));
        QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
        const QByteArray body = client.received.mid(client.received.indexOf("\r\n\r\n") + 4);
        QVERIFY(!QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toString().isEmpty());
    }
    {
        RawClient client(m_server->apiPort());
        client.socket.write("POST /auth/cli/session HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "400\r\n"
                            + QByteArray(1024, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.disconnected, TimeoutMs);
        QVERIFY(client.received.startsWith("HTTP/1.1 413 "));
    }
    const QJsonObject entry = m_server->logEntries().constLast();
    QCOMPARE(entry.value(QStringLiteral("status")).toInt(), 413);
    QCOMPARE(entry.value(QStringLiteral("path")).toString(), QStringLiteral("/auth/cli/session"));

    // Through QNAM with the default limit of 8 MiB.
    m_server = startServer();
    QVERIFY(m_server);
    const Reply reply = api("POST", QStringLiteral("/auth/cli/session"), QByteArray(8 * 1024 * 1024 + 1, ' '));
    QCOMPARE(reply.status, 413);
    QCOMPARE(api("POST", QStringLiteral("/auth/cli/session"), R"({"port": 1})").status, 200);
}

void TestSandboxServer::executableStartsAndStops()
{
    QProcess process;
    process.setProgram(QStringLiteral(NULLIFY_SANDBOX_EXECUTABLE));
    process.setArguments({QStringLiteral("--auto-approve"),
                          QStringLiteral("--service-token"),
                          QStringLiteral("cli-token"),
                          QStringLiteral("--fault"),
                          QStringLiteral(R"({"path": "/auth/cli/session", "fault": "status", "status": 503})")});
    process.start();
    QVERIFY(process.waitForStarted(TimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine() || process.state() != QProcess::Running, TimeoutMs);
    const QJsonObject ports = QJsonDocument::fromJson(process.readLine()).object();
    const QUrl apiUrl(ports.value(QStringLiteral("api")).toString());
    const QUrl controlUrl(ports.value(QStringLiteral("control")).toString());
    QCOMPARE(apiUrl.host(), QStringLiteral("127.0.0.1"));
    QVERIFY(apiUrl.port() > 0 && controlUrl.port() > 0);

    QCOMPARE(request("POST", apiUrl.resolved(QUrl(QStringLiteral("/auth/cli/session"))), R"({"port": 1})").status, 503);
    QCOMPARE(request("POST", apiUrl.resolved(QUrl(QStringLiteral("/auth/cli/session"))), R"({"port": 1})").status, 200);
    QCOMPARE(request("GET", controlUrl.resolved(QUrl(QStringLiteral("/state"))))
                 .json()
                 .value(QStringLiteral("requests"))
                 .toInt(),
             2);

    process.terminate(); // SIGTERM: a clean exit
    QVERIFY(process.waitForFinished(TimeoutMs));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);

    // A bad option is refused with a message.
    QProcess bad;
    bad.start(QStringLiteral(NULLIFY_SANDBOX_EXECUTABLE),
              {QStringLiteral("--fault"), QStringLiteral(R"({"fault": "nope"})")});
    QVERIFY(bad.waitForFinished(TimeoutMs));
    QVERIFY(bad.exitCode() != 0);
    QVERIFY(bad.readAllStandardError().contains("fault"));
}

QTEST_GUILESS_MAIN(TestSandboxServer)
#include "tst_sandboxserver.moc"
