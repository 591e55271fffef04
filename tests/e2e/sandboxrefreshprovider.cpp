#include "sandboxrefreshprovider.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace nullify::test {

SandboxRefreshProvider::SandboxRefreshProvider(QNetworkAccessManager* manager,
                                               const QUrl& apiBase,
                                               const QByteArray& accessToken,
                                               const QByteArray& refreshToken,
                                               QObject* parent)
    : AccessTokenProvider(parent)
    , m_manager(manager)
    , m_apiBase(apiBase)
    , m_accessToken(accessToken)
    , m_refreshToken(refreshToken)
{ }

void SandboxRefreshProvider::refreshAccessToken()
{
    ++m_refreshCount;
    if (!m_manager) {
        // Reported from the event loop: the manager is waiting for an answer it has not yet armed for.
        QMetaObject::invokeMethod(
            this, [this] { emit refreshFailed(QStringLiteral("no network manager"), false); }, Qt::QueuedConnection);
        return;
    }
    QUrl url = m_apiBase;
    url.setPath(QStringLiteral("/auth/refresh_token"));
    QNetworkRequest request(url);
    request.setRawHeader("Cookie", QByteArrayLiteral("refresh_token=") + m_refreshToken);
    request.setRawHeader("Accept", "application/json");
    QNetworkReply* reply = m_manager->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        // The refresh answer is camelCase, unlike the snake_case of /auth/cli/token.
        const QByteArray token = answer.value(QStringLiteral("accessToken")).toString().toUtf8();
        if (status == 200 && !token.isEmpty()) {
            m_accessToken = token;
            const QByteArray rotated = answer.value(QStringLiteral("refreshToken")).toString().toUtf8();
            if (!rotated.isEmpty())
                m_refreshToken = rotated;
            emit refreshSucceeded();
            return;
        }
        const QString reason = answer.value(QStringLiteral("error")).toString(reply->errorString());
        // Only a refused refresh token ends the session; anything else may pass.
        emit refreshFailed(reason, status == 401);
    });
}

} // namespace nullify::test
