#pragma once

#include "apiclient.h"
#include "credentials.h"

#include <QObject>
#include <QUrl>

#include <optional>

namespace nullify::session {

// POST /auth/cli/session
struct CliSession
{
    QString sessionId;
    QUrl authUrl; // http(s) only; anything else is a decoding error (it is handed to a browser)
};

// GET /auth/refresh_token (camelCase, unlike /auth/cli/token)
// The new access token comes from the body's "accessToken" or, as the real server sends it, from
// "Set-Cookie: access_token=..." (../shared/api/README.md "Auth", Refresh).
struct RefreshAnswer
{
    QByteArray accessToken;
    qint64 expiresInSeconds = 0; // expiresIn, else the cookie's Max-Age, else its Expires; 0: unknown
    std::optional<QByteArray> refreshToken; // rotated: from the JSON field or Set-Cookie refresh_token=
    std::optional<api::QueryParameters> scope; // nullopt when queryParameters is missing: keep the old one
};

// The auth endpoints, which the OpenAPI bundle does not describe (../shared/api/README.md "Auth").
// They carry no Authorization and no tenant scope, so they go through an ApiClient of their own.
// Every answer is decoded strictly: a missing token is a decoding error, never an empty session.
class AuthApi : public QObject
{
    Q_OBJECT

public:
    AuthApi(NetworkAccessManager* manager, const QUrl& apiBase, QObject* parent = nullptr);

    QUrl apiBase() const { return m_client.baseUrl(); }

    // {"port": port} -> {"session_id", "auth_url"}
    QNetworkReply* createCliSession(quint16 port, QObject* context, api::Callback<CliSession> done);

    // {"session_id", "redemption_secret"} -> {"access_token", "refresh_token", "expires_in", "error",
    // "query_parameters"}. An empty redemptionSecret sends {"session_id"} alone: the form of older
    // servers, whose callback carried no secret. A non-empty "error" (in a 2xx or an error status)
    // is ApiError::Kind::Rejected; isAuthorizationPending() tells "not approved yet" apart.
    // expiresAt is computed from the local clock.
    QNetworkReply* exchangeCliToken(const QString& sessionId,
                                    const QString& redemptionSecret,
                                    QObject* context,
                                    api::Callback<Credentials> done);

    // The token endpoint's "not approved yet, ask again" ({"error": "authorization_pending"}).
    static bool isAuthorizationPending(const api::ApiError& error);

    // GET with "Cookie: refresh_token=<rt>". Never retried after a 401/400 by the network core.
    QNetworkReply* refresh(const QByteArray& refreshToken, QObject* context, api::Callback<RefreshAnswer> done);

    // Pure decoders, public for the unit tests and the fuzzers.
    static api::Result<CliSession> decodeCliSession(const QByteArray& body);
    static api::Result<Credentials> decodeCliToken(const QByteArray& body, const QDateTime& now);
    // setCookieHeaders: each a Set-Cookie value, or several folded with '\n' as Qt does. `now` turns
    // a cookie's Expires into a lifetime. No access token in the body nor in a cookie is a decoding
    // error, never an answer with an empty token.
    static api::Result<RefreshAnswer>
    decodeRefresh(const QByteArray& body, const QList<QByteArray>& setCookieHeaders, const QDateTime& now);

private:
    api::ApiClient m_client;
};

} // namespace nullify::session
