#pragma once

#include "sandboxhttp.h"

#include <QElapsedTimer>
#include <QHash>
#include <QString>
#include <QStringList>

namespace nullify::sandbox {

struct AuthOptions
{
    int tokenLifetimeSeconds = 3600; // --token-lifetime
    bool rotateRefreshTokens = false; // --rotate-refresh-tokens
    // --legacy-refresh-body: /auth/refresh_token answers with the access token in the JSON body
    // (the shape older servers and the v0.25.0 CLI expect) instead of the real server's
    // "Set-Cookie: access_token=..." beside a metadata body.
    bool legacyRefreshBody = false;
    bool autoApprove = false; // --auto-approve: the sign-in page approves at once
    // --legacy-callback: an older server: the approval redirect carries no redemption_secret and
    // /auth/cli/token takes {"session_id"} alone.
    bool legacyCallback = false;
    // --approval-delay-ms: after the approval redirect, /auth/cli/token still answers
    // "authorization_pending" this long (a server whose approval lands after the browser's redirect).
    int approvalDelayMs = 0;
    QStringList serviceTokens; // --service-token, principal "service:<n>" (1-based)
    QString userPrincipal = QStringLiteral("user:demo"); // who signs in through the browser flow
};

// The auth endpoints (outside the OpenAPI bundle, see ../shared/api/README.md "Auth") and the
// bearer-token check the server runs before any tenant route.
class AuthService
{
public:
    AuthService(const AuthOptions& options, const QString& githubOwnerId);

    // The sign-in page and the 302 to the client's callback need the API's own origin.
    void setApiPort(quint16 port) { m_apiPort = port; }

    // /auth/cli/session, /auth/sign-in (GET page, GET ?approve=1, POST form), /auth/cli/token,
    // /auth/refresh_token.
    void registerRoutes(Router& router);

    // Checks "Authorization: Bearer" and the githubOwnerId scope; on success sets
    // request.principal and returns nullopt, otherwise the 401/400/403 to send. GET
    // /admin/installations and GET /admin/user/current need no scope (a given one must match):
    // that is how a service token, which comes without one, learns its scope.
    std::optional<SandboxResponse> authenticate(SandboxRequest& request) const;

    // Fault "revoke": the presented token stops working. Returns whether it was a live token.
    bool revokeAccessToken(const QByteArray& token);
    // Control endpoint: revokes all access tokens (principal empty) or one principal's; refresh
    // tokens too when asked. Returns how many tokens were revoked.
    int revoke(const QString& principal, bool refreshTokensToo);

    int liveAccessTokens() const;
    QString githubOwnerId() const { return m_githubOwnerId; }

private:
    struct Session
    {
        int callbackPort = 0;
        bool approved = false;
        qint64 approvedAtMs = 0; // on m_clock
        QByteArray redemptionSecret; // 64 lowercase hex; empty with legacyCallback
    };
    struct AccessToken
    {
        QString principal;
        qint64 expiresAtMs = -1; // on m_clock; -1 never (service tokens)
    };

    SandboxResponse createSession(const SandboxRequest& request);
    SandboxResponse signInPage(const SandboxRequest& request);
    SandboxResponse approve(const QString& sessionId);
    SandboxResponse exchangeToken(const SandboxRequest& request);
    SandboxResponse refresh(const SandboxRequest& request);
    SandboxResponse refreshAnswer(const QByteArray& accessToken, const QByteArray& newRefreshToken) const;
    QByteArray issueAccessToken(const QString& principal);
    QByteArray issueRefreshToken(const QString& principal);
    QJsonObject scope() const;

    AuthOptions m_options;
    QString m_githubOwnerId;
    quint16 m_apiPort = 0;
    QElapsedTimer m_clock;
    QHash<QString, Session> m_sessions;
    QHash<QByteArray, AccessToken> m_accessTokens;
    QHash<QByteArray, QString> m_refreshTokens; // token -> principal
};

// A random token (QRandomGenerator::system()), URL- and header-safe.
QByteArray randomToken(const char* prefix, int bytes = 32);
// A short hash for logs: the first 12 hex digits of SHA-256, never the token itself.
QString shortHash(const QByteArray& data);

} // namespace nullify::sandbox
