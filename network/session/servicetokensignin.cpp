#include "servicetokensignin.h"

#include "logging.h"

#include <QNetworkReply>
#include <QTimer>

namespace nullify::session {

namespace {

using api::ApiError;

// "api.acme.nullify.ai" -> "acme.nullify.ai" (what the user typed, more or less); a loopback
// sandbox keeps its port.
QString tenantName(const QUrl& apiBase)
{
    QString host = apiBase.host();
    if (host.startsWith(QLatin1String("api.")) && host.endsWith(QLatin1String(".nullify.ai")))
        host = host.mid(4);
    return apiBase.port() > 0 ? QStringLiteral("%1:%2").arg(host).arg(apiBase.port()) : host;
}

QString describe(const ApiError& error, const QUrl& apiBase)
{
    const QString tenant = tenantName(apiBase);
    if (error.httpStatus == 401 || error.httpStatus == 403) {
        const QString said = error.message.isEmpty() ? QStringLiteral("HTTP %1").arg(error.httpStatus) : error.message;
        return QStringLiteral("The token was rejected by %1: %2").arg(tenant, said);
    }
    switch (error.kind) {
    case ApiError::Kind::Network:
        return QStringLiteral("Could not reach %1 to check the token: %2").arg(tenant, error.message);
    case ApiError::Kind::TimedOut:
        return QStringLiteral("%1 did not answer in time while the token was being checked.").arg(tenant);
    case ApiError::Kind::Decoding:
        return QStringLiteral("%1 sent an answer this app does not understand while the token was being checked: %2")
            .arg(tenant, error.message);
    default:
        return QStringLiteral("Could not check the token with %1: %2").arg(tenant, error.toString());
    }
}

// What a user pastes: the token, perhaps with "Bearer " in front or a line break after it.
QByteArray cleanToken(const QByteArray& pasted)
{
    QByteArray token = pasted.trimmed();
    if (token.size() > 7 && token.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
        token = token.mid(7).trimmed();
    return token;
}

// A token goes into a header: anything a header cannot carry unchanged is refused up front.
bool isHeaderSafe(const QByteArray& token)
{
    for (const char c : token) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f)
            return false;
    }
    return !token.isEmpty();
}

} // namespace

ServiceTokenSignIn::ServiceTokenSignIn(NetworkAccessManager* manager, const QUrl& apiBase, QObject* parent)
    : QObject(parent)
    , m_client(manager, this)
{
    m_client.setBaseUrl(apiBase);
}

void ServiceTokenSignIn::start(const QByteArray& token)
{
    const int attempt = ++m_attempt;
    if (m_pending) {
        QNetworkReply* previous = m_pending;
        m_pending = nullptr;
        previous->abort(); // its callback belongs to an older attempt and stays silent
    }
    m_token = cleanToken(token);
    // Registered while this flow lives (the session registers it too once it takes it over).
    m_registeredToken = SecretScrubber::Registration({m_token});
    m_client.setScope({});
    if (!isHeaderSafe(m_token)) {
        const QString message = m_token.isEmpty() ? QStringLiteral("Paste a token first.")
                                                  : QStringLiteral("That is not a token: it contains spaces or "
                                                                   "characters a token cannot have.");
        m_token.clear();
        QTimer::singleShot(0, this, [this, message, attempt] {
            if (attempt == m_attempt)
                emit failed(message, false);
        });
        return;
    }

    api::ApiRequest request;
    request.path = QStringLiteral("/admin/installations");
    request.headers.append({QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_token});
    qCInfo(lcSignIn) << "service token: checking which installations it may use";
    const QUrl apiBase = m_client.baseUrl();
    QNetworkReply* reply = m_client.send<QList<api::Installation>>(
        request,
        &api::decodeInstallations,
        this,
        [this, apiBase, attempt](const api::Result<QList<api::Installation>>& result) {
            if (attempt != m_attempt)
                return; // cancelled or replaced
            m_pending = nullptr;
            if (!result) {
                m_token.clear();
                emit failed(describe(result.error(), apiBase), result.error().kind == ApiError::Kind::Cancelled);
                return;
            }
            const QList<api::Installation>& installations = result.value();
            if (installations.isEmpty() || installations.first().queryParameters.isEmpty()) {
                m_token.clear();
                emit failed(QStringLiteral("The token works, but %1 lists no installation it may use, so there is "
                                           "nothing to sign in to.")
                                .arg(tenantName(apiBase)),
                            false);
                return;
            }
            checkUser(installations.first().queryParameters, attempt);
        });
    m_pending = reply;
}

void ServiceTokenSignIn::checkUser(const api::QueryParameters& scope, int attempt)
{
    m_client.setScope(scope);
    api::ApiRequest request;
    request.path = QStringLiteral("/admin/user/current");
    request.headers.append({QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_token});
    const QUrl apiBase = m_client.baseUrl();
    m_pending = m_client.send<api::CurrentUser>(
        request,
        &api::decodeCurrentUser,
        this,
        [this, apiBase, scope, attempt](const api::Result<api::CurrentUser>& result) {
            if (attempt != m_attempt)
                return; // cancelled or replaced
            m_pending = nullptr;
            const QByteArray token = m_token;
            m_token.clear();
            if (!result) {
                emit failed(describe(result.error(), apiBase), result.error().kind == ApiError::Kind::Cancelled);
                return;
            }
            Credentials credentials;
            credentials.kind = Credentials::Kind::ServiceAccount;
            credentials.accessToken = token;
            credentials.scope = scope;
            credentials.account = result.value().username;
            qCInfo(lcSignIn) << "service token: accepted";
            emit succeeded(credentials);
        });
}

void ServiceTokenSignIn::cancel()
{
    if (!m_pending)
        return;
    ++m_attempt; // the callbacks see this and stay silent
    QNetworkReply* pending = m_pending;
    m_pending = nullptr;
    m_token.clear();
    pending->abort();
    emit failed(QStringLiteral("Cancelled."), true);
}

} // namespace nullify::session
