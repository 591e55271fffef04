#include "authapi.h"

#include "jsonreader.h"
#include "retryafter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QPointer>

#include <memory>

namespace nullify::session {

namespace {

using api::ApiError;
using api::JsonReader;
using api::Result;
using R = api::JsonReader;

QByteArray compactJson(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// The longest token lifetime taken from a server: a century, far beyond any real token, and short
// enough that now + expires_in stays inside QDateTime's ISO 8601 range (year 9999), the form the
// keychain entry keeps the expiry in. A larger value used to be accepted here and then made the
// stored entry unreadable at the next start (found by fuzz_api_decoders).
constexpr qint64 maxExpiresInSeconds = qint64(100) * 366 * 24 * 60 * 60;

// A 2xx (or an error body) whose "error" says no: the server's words, as Rejected.
std::optional<ApiError> rejection(const QByteArray& body, int httpStatus)
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (!document.isObject())
        return std::nullopt;
    const QJsonValue error = document.object().value(QStringLiteral("error"));
    if (!error.isString() || error.toString().isEmpty())
        return std::nullopt;
    ApiError rejected;
    rejected.kind = ApiError::Kind::Rejected;
    rejected.httpStatus = httpStatus;
    rejected.message = error.toString();
    return rejected;
}

// A token is handed back to the server in a header; one that could break the header (or that a
// header could not carry unchanged) is refused rather than sent. RFC 6265 cookie-octets.
bool isCookieSafe(const QByteArray& value)
{
    if (value.isEmpty())
        return false;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
            return false;
    }
    return true;
}

// The access token of an answer: present, a string, not empty. A 2xx without one is a broken
// answer, never an empty session.
QByteArray requiredToken(R& r, const QString& key)
{
    const QString token = r.string(key, R::Required);
    if (r.ok() && token.isEmpty())
        r.fail(r.childPath(key), QStringLiteral("the token is empty"));
    return token.toUtf8();
}

// A refresh token is sent back in a Cookie header, so one that a cookie cannot carry is refused
// here, not when the session first needs it.
QByteArray optionalRefreshToken(R& r, const QString& key)
{
    const QByteArray token = r.string(key).toUtf8();
    if (r.ok() && !token.isEmpty() && !isCookieSafe(token))
        r.fail(r.childPath(key), QStringLiteral("not a valid cookie value"));
    return token;
}

// One cookie of a Set-Cookie header, with the two attributes that say how long it lives.
struct SetCookie
{
    QByteArray value; // unquoted
    std::optional<qint64> maxAgeSeconds;
    std::optional<QDateTime> expires;

    // Seconds it lives from `now`: Max-Age wins over Expires (RFC 6265 section 5.3); nullopt when
    // it carries neither (a session cookie).
    std::optional<qint64> lifetimeSeconds(const QDateTime& now) const
    {
        if (maxAgeSeconds)
            return maxAgeSeconds;
        if (expires)
            return now.secsTo(*expires);
        return std::nullopt;
    }

    // A server deletes a cookie with an empty value, a Max-Age <= 0 or an Expires in the past.
    bool isDeletion(const QDateTime& now) const
    {
        const std::optional<qint64> lifetime = lifetimeSeconds(now);
        return value.isEmpty() || (lifetime && *lifetime <= 0);
    }
};

// "name=value; Max-Age=3600; Path=/" -> the value and its lifetime attributes; nullopt for another
// name. The name is case-sensitive, attribute names are not, and spaces around '=' and ';' are
// dropped (RFC 6265 section 5.2). An attribute that does not parse is ignored, as a browser does.
std::optional<SetCookie> parseSetCookie(const QByteArray& line, QByteArrayView name, const QDateTime& now)
{
    const QList<QByteArray> parts = line.split(';');
    const QByteArray pair = parts.first().trimmed();
    const qsizetype equals = pair.indexOf('=');
    if (equals <= 0 || pair.left(equals).trimmed() != name)
        return std::nullopt;
    SetCookie cookie;
    cookie.value = pair.mid(equals + 1).trimmed();
    if (cookie.value.size() >= 2 && cookie.value.startsWith('"') && cookie.value.endsWith('"'))
        cookie.value = cookie.value.mid(1, cookie.value.size() - 2);
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray attribute = parts.at(i);
        const qsizetype at = attribute.indexOf('=');
        if (at < 0)
            continue;
        const QByteArray key = attribute.left(at).trimmed();
        const QByteArray value = attribute.mid(at + 1).trimmed();
        if (key.compare("max-age", Qt::CaseInsensitive) == 0) {
            bool ok = false;
            const qint64 seconds = value.toLongLong(&ok);
            if (ok)
                cookie.maxAgeSeconds = seconds;
        } else if (key.compare("expires", Qt::CaseInsensitive) == 0) {
            if (const std::optional<QDateTime> date = RetryAfter::parseHttpDate(value, now))
                cookie.expires = date;
        }
    }
    return cookie;
}

// The live cookie called `name` among the Set-Cookie headers; nullopt when there is none. Qt folds
// several Set-Cookie headers into one value separated by '\n', so every line is one cookie. A
// deletion (ahead of the live one or after it) is skipped: it says "forget yours", not "here is a
// new one". The value goes back to a server in a header, so one that a cookie cannot carry is
// skipped too. Of several live ones the last wins, as in a browser's cookie store.
std::optional<SetCookie> liveCookie(const QList<QByteArray>& headers, QByteArrayView name, const QDateTime& now)
{
    std::optional<SetCookie> found;
    for (const QByteArray& header : headers) {
        for (const QByteArray& line : header.split('\n')) {
            std::optional<SetCookie> cookie = parseSetCookie(line, name, now);
            if (cookie && !cookie->isDeletion(now) && isCookieSafe(cookie->value))
                found = std::move(cookie);
        }
    }
    return found;
}

// A lifetime from the server (expiresIn, or an access_token cookie's Max-Age or Expires) that the
// session can store; a broken one fails the answer at `field`.
void checkLifetime(R& r, const QString& field, qint64 seconds)
{
    if (seconds < 0)
        r.fail(field, QStringLiteral("negative"));
    else if (seconds > maxExpiresInSeconds)
        r.fail(field, QStringLiteral("more than a century"));
}

} // namespace

AuthApi::AuthApi(NetworkAccessManager* manager, const QUrl& apiBase, QObject* parent)
    : QObject(parent)
    , m_client(manager, this)
{
    // No scope: the auth endpoints belong to no tenant scope, and the session has none yet.
    m_client.setBaseUrl(apiBase);
}

QNetworkReply* AuthApi::createCliSession(quint16 port, QObject* context, api::Callback<CliSession> done)
{
    api::ApiRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/auth/cli/session");
    request.body = compactJson(QJsonObject {{QStringLiteral("port"), int(port)}});
    return m_client.send<CliSession>(request, &AuthApi::decodeCliSession, context, std::move(done));
}

QNetworkReply* AuthApi::exchangeCliToken(const QString& sessionId,
                                         const QString& redemptionSecret,
                                         QObject* context,
                                         api::Callback<Credentials> done)
{
    QJsonObject body {{QStringLiteral("session_id"), sessionId}};
    if (!redemptionSecret.isEmpty())
        body.insert(QStringLiteral("redemption_secret"), redemptionSecret);
    api::ApiRequest request;
    request.method = QByteArrayLiteral("POST");
    request.path = QStringLiteral("/auth/cli/token");
    request.body = compactJson(body);
    return m_client.sendRaw(request, context, [done = std::move(done)](const Result<QByteArray>& raw) {
        if (!raw) {
            // The server may say why in an error status too ({"error": "authorization_pending"}
            // with a 400): that is still the server's answer, in its own words.
            const ApiError& error = raw.error();
            if (error.kind == ApiError::Kind::Http) {
                if (auto rejected = rejection(error.body, error.httpStatus)) {
                    rejected->body = error.body;
                    done(Result<Credentials>::failure(*rejected));
                    return;
                }
            }
            done(Result<Credentials>::failure(error));
            return;
        }
        done(decodeCliToken(raw.value(), QDateTime::currentDateTimeUtc()));
    });
}

bool AuthApi::isAuthorizationPending(const ApiError& error)
{
    return error.kind == ApiError::Kind::Rejected && error.message == QLatin1String("authorization_pending");
}

QNetworkReply* AuthApi::refresh(const QByteArray& refreshToken, QObject* context, api::Callback<RefreshAnswer> done)
{
    if (!isCookieSafe(refreshToken)) {
        return m_client.refuse<RefreshAnswer>(
            ApiError::invalidRequest(QStringLiteral("refresh_token"),
                                     QStringLiteral("The stored refresh token is empty or damaged.")),
            context,
            std::move(done));
    }
    api::ApiRequest request;
    request.path = QStringLiteral("/auth/refresh_token");
    request.headers.append({QByteArrayLiteral("Cookie"), QByteArrayLiteral("refresh_token=") + refreshToken});
    // Every call that got a 401 waits for this one: behind a storm of queued calls (all of them
    // bound for a 401 with the old token) it would wait for all of them first, long enough for its
    // attempt timeout under a large storm. Measured by tests/bench/bench_storm.cpp.
    request.priority = QNetworkRequest::HighPriority;

    // The rotated refresh token may come as a Set-Cookie, which the body callback does not see:
    // the reply is still alive (deleted later) when the callback runs, so its headers are read
    // there. The holder is filled right after sending, long before any answer can arrive.
    auto replyHolder = std::make_shared<QPointer<QNetworkReply>>();
    QNetworkReply* reply
        = m_client.sendRaw(request, context, [replyHolder, done = std::move(done)](const Result<QByteArray>& raw) {
              if (!raw) {
                  done(Result<RefreshAnswer>::failure(raw.error()));
                  return;
              }
              QList<QByteArray> setCookies;
              if (QNetworkReply* finished = replyHolder->data()) {
                  const QByteArray header = finished->rawHeader("Set-Cookie");
                  if (!header.isEmpty())
                      setCookies.append(header);
              }
              done(decodeRefresh(raw.value(), setCookies, QDateTime::currentDateTimeUtc()));
          });
    *replyHolder = reply;
    return reply;
}

api::Result<CliSession> AuthApi::decodeCliSession(const QByteArray& body)
{
    return api::decodeJson<CliSession>(body, [](R& r) {
        CliSession session;
        session.sessionId = r.string(QStringLiteral("session_id"), R::Required);
        if (r.ok() && session.sessionId.isEmpty())
            r.fail(QStringLiteral("session_id"), QStringLiteral("empty"));
        const QString authUrl = r.string(QStringLiteral("auth_url"), R::Required);
        if (!r.ok())
            return session;
        // Handed to the system browser: a file:, javascript: or custom-scheme URL from a broken
        // or hostile server must never be opened.
        const QUrl url(authUrl, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (!url.isValid() || url.host().isEmpty()
            || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            r.fail(QStringLiteral("auth_url"), QStringLiteral("not an http or https URL"));
            return session;
        }
        session.authUrl = url;
        return session;
    });
}

api::Result<Credentials> AuthApi::decodeCliToken(const QByteArray& body, const QDateTime& now)
{
    if (auto rejected = rejection(body, 200)) {
        rejected->body = body;
        return Result<Credentials>::failure(*rejected);
    }
    return api::decodeJson<Credentials>(body, [&now](R& r) {
        Credentials credentials;
        credentials.kind = Credentials::Kind::UserSession;
        credentials.accessToken = requiredToken(r, QStringLiteral("access_token"));
        credentials.refreshToken = optionalRefreshToken(r, QStringLiteral("refresh_token"));
        const std::optional<qint64> expiresIn = r.integer(QStringLiteral("expires_in"));
        if (expiresIn && *expiresIn < 0)
            r.fail(QStringLiteral("expires_in"), QStringLiteral("negative"));
        else if (expiresIn && *expiresIn > maxExpiresInSeconds)
            r.fail(QStringLiteral("expires_in"), QStringLiteral("more than a century"));
        else if (expiresIn)
            credentials.expiresAt = now.toUTC().addSecs(*expiresIn);
        credentials.scope = r.stringMap(QStringLiteral("query_parameters"));
        return credentials;
    });
}

api::Result<RefreshAnswer>
AuthApi::decodeRefresh(const QByteArray& body, const QList<QByteArray>& setCookieHeaders, const QDateTime& now)
{
    if (auto rejected = rejection(body, 200)) {
        rejected->body = body;
        return Result<RefreshAnswer>::failure(*rejected);
    }
    return api::decodeJson<RefreshAnswer>(body, [&setCookieHeaders, &now](R& r) {
        RefreshAnswer answer;
        // The real endpoint sends the new access token only as a cookie; a body that carries one
        // (older servers, the sandbox's --legacy-refresh-body) wins.
        const std::optional<SetCookie> cookie
            = liveCookie(setCookieHeaders, QByteArrayLiteral("access_token"), now.toUTC());
        answer.accessToken = r.string(QStringLiteral("accessToken")).toUtf8();
        if (answer.accessToken.isEmpty() && cookie)
            answer.accessToken = cookie->value;
        if (r.ok() && answer.accessToken.isEmpty())
            r.fail(QStringLiteral("accessToken"),
                   QStringLiteral("no access token, neither in the body nor in a Set-Cookie access_token"));

        // Lifetime: expiresIn, else the cookie's Max-Age, else its Expires; none of them: unknown
        // (0), and the session renews after the next 401 instead of ahead of time.
        if (const std::optional<qint64> expiresIn = r.integer(QStringLiteral("expiresIn"))) {
            checkLifetime(r, QStringLiteral("expiresIn"), *expiresIn);
            answer.expiresInSeconds = *expiresIn;
        } else if (const std::optional<qint64> lifetime
                   = cookie ? cookie->lifetimeSeconds(now.toUTC()) : std::nullopt) {
            checkLifetime(r, QStringLiteral("Set-Cookie access_token"), *lifetime);
            answer.expiresInSeconds = *lifetime;
        }

        // Missing, null or empty: keep the old scope (the CLI wipes it here, and then every call
        // fails for want of the tenant parameters).
        const api::QueryParameters scope = r.stringMap(QStringLiteral("queryParameters"));
        if (!scope.isEmpty())
            answer.scope = scope;
        // Not rotated unless a new one comes: keep the stored refresh token.
        const QByteArray fromJson = optionalRefreshToken(r, QStringLiteral("refreshToken"));
        if (!fromJson.isEmpty())
            answer.refreshToken = fromJson;
        else if (const std::optional<SetCookie> rotated
                 = liveCookie(setCookieHeaders, QByteArrayLiteral("refresh_token"), now.toUTC()))
            answer.refreshToken = rotated->value;
        return answer;
    });
}

} // namespace nullify::session
