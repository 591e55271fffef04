#include "authservice.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>

namespace nullify::sandbox {

namespace {

const QString InvalidSession = QStringLiteral("invalid_session");
const QString AuthorizationPending = QStringLiteral("authorization_pending");
const QString InvalidRedemptionSecret = QStringLiteral("invalid_redemption_secret");

QByteArray randomBytes(int count)
{
    QByteArray raw(count, Qt::Uninitialized);
    QRandomGenerator* generator = QRandomGenerator::system();
    for (char& byte : raw) {
        byte = static_cast<char>(generator->bounded(256));
    }
    return raw;
}

// 256 random bits as 64 lowercase hex digits: the form of Nullify's redemption_secret.
QByteArray randomRedemptionSecret()
{
    return randomBytes(32).toHex();
}

QByteArray bearerToken(const SandboxRequest& request)
{
    const QByteArray authorization = request.header(QByteArrayLiteral("Authorization")).trimmed();
    const qsizetype space = authorization.indexOf(' ');
    if (space <= 0 || authorization.left(space).compare(QByteArrayLiteral("Bearer"), Qt::CaseInsensitive) != 0) {
        return {};
    }
    return authorization.mid(space + 1).trimmed();
}

// "a=1; refresh_token=xyz; b=2" -> "xyz".
QByteArray cookieValue(const SandboxRequest& request, const QByteArray& name)
{
    for (const auto& header : request.headers) {
        if (header.first.compare(QByteArrayLiteral("Cookie"), Qt::CaseInsensitive) != 0) {
            continue;
        }
        const auto pairs = header.second.split(';');
        for (const QByteArray& pair : pairs) {
            const QByteArray trimmed = pair.trimmed();
            const qsizetype equals = trimmed.indexOf('=');
            if (equals > 0 && trimmed.left(equals) == name) {
                return trimmed.mid(equals + 1);
            }
        }
    }
    return {};
}

SandboxResponse unauthorized(const QString& message, const QByteArray& errorCode)
{
    // RFC 6750: the challenge tells the client that a bearer token is what is wanted.
    QByteArray challenge = QByteArrayLiteral("Bearer realm=\"nullify-sandbox\"");
    if (!errorCode.isEmpty()) {
        challenge += QByteArrayLiteral(", error=\"") + errorCode + '"';
    }
    return SandboxResponse::error(401, message).header(QByteArrayLiteral("WWW-Authenticate"), challenge);
}

// The routes a valid token may call without the githubOwnerId scope (a given one must still match).
bool isScopeFreeRoute(const SandboxRequest& request)
{
    return request.method == QByteArrayLiteral("GET")
        && (request.path == QStringLiteral("/admin/installations")
            || request.path == QStringLiteral("/admin/user/current"));
}

SandboxResponse noStore(SandboxResponse response)
{
    // Token responses must not be cached anywhere (RFC 6749 5.1).
    response.header(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    return response;
}

} // namespace

QByteArray randomToken(const char* prefix, int bytes)
{
    return QByteArray(prefix)
        + randomBytes(bytes).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QString shortHash(const QByteArray& data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex().left(12));
}

AuthService::AuthService(const AuthOptions& options, const QString& githubOwnerId)
    : m_options(options)
    , m_githubOwnerId(githubOwnerId)
{
    m_clock.start();
    for (qsizetype i = 0; i < m_options.serviceTokens.size(); ++i) {
        m_accessTokens.insert(m_options.serviceTokens.at(i).toUtf8(), {QStringLiteral("service:%1").arg(i + 1), -1});
    }
}

void AuthService::registerRoutes(Router& router)
{
    router.add(QByteArrayLiteral("POST"), QStringLiteral("/auth/cli/session"), [this](const SandboxRequest& request) {
        return createSession(request);
    });
    router.add(QByteArrayLiteral("GET"), QStringLiteral("/auth/sign-in"), [this](const SandboxRequest& request) {
        return signInPage(request);
    });
    router.add(QByteArrayLiteral("POST"), QStringLiteral("/auth/sign-in"), [this](const SandboxRequest& request) {
        // An HTML form posts application/x-www-form-urlencoded, where '+' is a space.
        QByteArray form = request.body;
        form.replace('+', ' ');
        const QUrlQuery fields(QString::fromUtf8(form));
        return approve(fields.queryItemValue(QStringLiteral("session_id"), QUrl::FullyDecoded));
    });
    router.add(QByteArrayLiteral("POST"), QStringLiteral("/auth/cli/token"), [this](const SandboxRequest& request) {
        return exchangeToken(request);
    });
    router.add(QByteArrayLiteral("GET"), QStringLiteral("/auth/refresh_token"), [this](const SandboxRequest& request) {
        return refresh(request);
    });
}

QJsonObject AuthService::scope() const
{
    return QJsonObject {{QStringLiteral("githubOwnerId"), m_githubOwnerId}};
}

SandboxResponse AuthService::createSession(const SandboxRequest& request)
{
    QString error;
    const auto body = request.jsonObject(&error);
    if (!body) {
        return SandboxResponse::error(400, error);
    }
    const QJsonValue port = body->value(QStringLiteral("port"));
    const double value = port.toDouble(-1);
    if (!port.isDouble() || value < 1 || value > 65535 || value != static_cast<double>(static_cast<int>(value))) {
        return SandboxResponse::error(400, QStringLiteral("\"port\" must be an integer from 1 to 65535"));
    }
    const QString sessionId = QString::fromLatin1(randomToken("", 18));
    Session session;
    session.callbackPort = static_cast<int>(value);
    if (!m_options.legacyCallback) {
        session.redemptionSecret = randomRedemptionSecret();
    }
    m_sessions.insert(sessionId, session);
    const QString authUrl
        = QStringLiteral("http://127.0.0.1:%1/auth/sign-in?session_id=%2").arg(m_apiPort).arg(sessionId);
    return noStore(SandboxResponse::json(
        200, QJsonObject {{QStringLiteral("session_id"), sessionId}, {QStringLiteral("auth_url"), authUrl}}));
}

SandboxResponse AuthService::signInPage(const SandboxRequest& request)
{
    const QString sessionId = request.query.queryItemValue(QStringLiteral("session_id"), QUrl::FullyDecoded);
    if (!m_sessions.contains(sessionId)) {
        return SandboxResponse::error(400, InvalidSession);
    }
    if (m_options.autoApprove || request.query.queryItemValue(QStringLiteral("approve")) == QStringLiteral("1")) {
        return approve(sessionId);
    }
    // Session ids are our own base64url strings, so they need no HTML escaping.
    const QString html
        = QStringLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Nullify sandbox sign-in</title>"
                         "</head>\n<body style=\"font-family: sans-serif; margin: 3em\">\n"
                         "<h1>Nullify sandbox</h1>\n<p>A desktop client asks to sign in to the sandbox tenant as "
                         "<b>%1</b>.</p>\n"
                         "<form method=\"post\" action=\"/auth/sign-in\">\n"
                         "<input type=\"hidden\" name=\"session_id\" value=\"%2\">\n"
                         "<button type=\"submit\" id=\"approve\">Approve</button>\n</form>\n</body></html>\n")
              .arg(m_options.userPrincipal, sessionId);
    SandboxResponse response;
    response.status = 200;
    response.body = html.toUtf8();
    response.header(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/html; charset=utf-8"));
    return noStore(response);
}

SandboxResponse AuthService::approve(const QString& sessionId)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end()) {
        return SandboxResponse::error(400, InvalidSession);
    }
    if (!it->approved) {
        it->approved = true;
        it->approvedAtMs = m_clock.elapsed();
    }
    QString callback
        = QStringLiteral("http://127.0.0.1:%1/callback?session_id=%2").arg(it->callbackPort).arg(sessionId);
    if (!it->redemptionSecret.isEmpty()) {
        callback += QStringLiteral("&redemption_secret=") + QString::fromLatin1(it->redemptionSecret);
    }
    SandboxResponse response = SandboxResponse::json(302, QJsonObject {{QStringLiteral("location"), callback}});
    response.header(QByteArrayLiteral("Location"), callback.toUtf8());
    return noStore(response);
}

SandboxResponse AuthService::exchangeToken(const SandboxRequest& request)
{
    auto failure = [](const QString& error) {
        return noStore(SandboxResponse::json(400,
                                             QJsonObject {
                                                 {QStringLiteral("access_token"), QString()},
                                                 {QStringLiteral("refresh_token"), QString()},
                                                 {QStringLiteral("expires_in"), 0},
                                                 {QStringLiteral("error"), error},
                                             }));
    };
    QString error;
    const auto body = request.jsonObject(&error);
    if (!body) {
        return SandboxResponse::error(400, error);
    }
    const QString sessionId = body->value(QStringLiteral("session_id")).toString();
    auto it = m_sessions.find(sessionId);
    if (sessionId.isEmpty() || it == m_sessions.end()) {
        return failure(InvalidSession);
    }
    if (!it->approved) {
        return failure(AuthorizationPending);
    }
    if (!m_options.legacyCallback) {
        // Only the browser that came through the approval has the secret: a session id alone
        // (seen by anything on the machine that reads the callback's URL) is not enough.
        const QJsonValue secret = body->value(QStringLiteral("redemption_secret"));
        if (!secret.isString() || secret.toString().toLatin1() != it->redemptionSecret) {
            return failure(InvalidRedemptionSecret);
        }
    }
    if (m_clock.elapsed() - it->approvedAtMs < m_options.approvalDelayMs) {
        return failure(AuthorizationPending);
    }
    // A session is exchanged once; a replayed session id is as good as an unknown one.
    m_sessions.erase(it);
    const QByteArray accessToken = issueAccessToken(m_options.userPrincipal);
    const QByteArray refreshToken = issueRefreshToken(m_options.userPrincipal);
    return noStore(SandboxResponse::json(200,
                                         QJsonObject {
                                             {QStringLiteral("access_token"), QString::fromLatin1(accessToken)},
                                             {QStringLiteral("refresh_token"), QString::fromLatin1(refreshToken)},
                                             {QStringLiteral("expires_in"), m_options.tokenLifetimeSeconds},
                                             {QStringLiteral("error"), QString()},
                                             {QStringLiteral("query_parameters"), scope()},
                                         }));
}

SandboxResponse AuthService::refresh(const SandboxRequest& request)
{
    const QByteArray refreshToken = cookieValue(request, QByteArrayLiteral("refresh_token"));
    if (refreshToken.isEmpty()) {
        return SandboxResponse::error(401, QStringLiteral("missing refresh_token cookie"));
    }
    auto it = m_refreshTokens.find(refreshToken);
    if (it == m_refreshTokens.end()) {
        return SandboxResponse::error(401, QStringLiteral("unknown or revoked refresh token"));
    }
    const QString principal = it.value();
    QByteArray newRefreshToken;
    if (m_options.rotateRefreshTokens) {
        // Rotation: the old refresh token is spent, so a client that keeps using it is caught.
        m_refreshTokens.erase(it);
        newRefreshToken = issueRefreshToken(principal);
    }
    return refreshAnswer(issueAccessToken(principal), newRefreshToken);
}

// The real server (../shared/api/README.md "Auth", Refresh) sends the access token only as a
// cookie, beside a camelCase metadata body; --legacy-refresh-body puts it in the body instead. A
// rotated refresh token comes as a cookie in both shapes, and in the legacy body too.
SandboxResponse AuthService::refreshAnswer(const QByteArray& accessToken, const QByteArray& newRefreshToken) const
{
    const int lifetime = m_options.tokenLifetimeSeconds;
    QJsonObject body {
        {QStringLiteral("expiresIn"), lifetime},
        {QStringLiteral("queryParameters"), scope()},
    };
    if (m_options.legacyRefreshBody) {
        body.insert(QStringLiteral("accessToken"), QString::fromLatin1(accessToken));
        if (!newRefreshToken.isEmpty()) {
            body.insert(QStringLiteral("refreshToken"), QString::fromLatin1(newRefreshToken));
        }
    } else {
        body.insert(QStringLiteral("expiresAt"), QDateTime::currentSecsSinceEpoch() + lifetime);
        body.insert(QStringLiteral("installationIds"), QJsonArray {m_githubOwnerId});
        body.insert(QStringLiteral("isTriaged"), true);
        body.insert(QStringLiteral("isNullifyDev"), false);
    }
    SandboxResponse response = noStore(SandboxResponse::json(200, body));
    if (!m_options.legacyRefreshBody) {
        response.header(QByteArrayLiteral("Set-Cookie"),
                        QByteArrayLiteral("access_token=") + accessToken + QByteArrayLiteral("; Max-Age=")
                            + QByteArray::number(lifetime)
                            + QByteArrayLiteral("; Path=/; Secure; HttpOnly; SameSite=None"));
    }
    if (!newRefreshToken.isEmpty()) {
        response.header(QByteArrayLiteral("Set-Cookie"),
                        QByteArrayLiteral("refresh_token=") + newRefreshToken
                            + QByteArrayLiteral("; HttpOnly; Path=/"));
    }
    return response;
}

QByteArray AuthService::issueAccessToken(const QString& principal)
{
    const QByteArray token = randomToken("nsbx_at_");
    m_accessTokens.insert(token, {principal, m_clock.elapsed() + qint64(m_options.tokenLifetimeSeconds) * 1000});
    return token;
}

QByteArray AuthService::issueRefreshToken(const QString& principal)
{
    const QByteArray token = randomToken("nsbx_rt_");
    m_refreshTokens.insert(token, principal);
    return token;
}

std::optional<SandboxResponse> AuthService::authenticate(SandboxRequest& request) const
{
    const QByteArray token = bearerToken(request);
    if (token.isEmpty()) {
        return unauthorized(QStringLiteral("missing bearer token (Authorization: Bearer <token>)"), {});
    }
    const auto it = m_accessTokens.constFind(token);
    if (it == m_accessTokens.constEnd()) {
        return unauthorized(QStringLiteral("invalid or revoked access token"), QByteArrayLiteral("invalid_token"));
    }
    if (it->expiresAtMs >= 0 && m_clock.elapsed() >= it->expiresAtMs) {
        return unauthorized(QStringLiteral("access token expired"), QByteArrayLiteral("invalid_token"));
    }
    request.principal = it->principal;

    if (!request.query.hasQueryItem(QStringLiteral("githubOwnerId"))) {
        // Who am I and which scopes may I use are asked before a scope is known: a pasted service
        // token comes without query_parameters and learns them from /admin/installations.
        if (isScopeFreeRoute(request)) {
            return std::nullopt;
        }
        return SandboxResponse::error(400, QStringLiteral("missing githubOwnerId query parameter (the token's scope)"));
    }
    const QString owner = request.query.queryItemValue(QStringLiteral("githubOwnerId"), QUrl::FullyDecoded);
    if (owner != m_githubOwnerId) {
        return SandboxResponse::error(403, QStringLiteral("githubOwnerId \"%1\" is not this token's scope").arg(owner));
    }
    return std::nullopt;
}

bool AuthService::revokeAccessToken(const QByteArray& token)
{
    return m_accessTokens.remove(token) > 0;
}

int AuthService::revoke(const QString& principal, bool refreshTokensToo)
{
    int revoked = 0;
    for (auto it = m_accessTokens.begin(); it != m_accessTokens.end();) {
        if (principal.isEmpty() || it->principal == principal) {
            it = m_accessTokens.erase(it);
            ++revoked;
        } else {
            ++it;
        }
    }
    if (refreshTokensToo) {
        for (auto it = m_refreshTokens.begin(); it != m_refreshTokens.end();) {
            if (principal.isEmpty() || it.value() == principal) {
                it = m_refreshTokens.erase(it);
                ++revoked;
            } else {
                ++it;
            }
        }
    }
    return revoked;
}

int AuthService::liveAccessTokens() const
{
    int live = 0;
    for (const auto& token : m_accessTokens) {
        if (token.expiresAtMs < 0 || m_clock.elapsed() < token.expiresAtMs) {
            ++live;
        }
    }
    return live;
}

} // namespace nullify::sandbox
