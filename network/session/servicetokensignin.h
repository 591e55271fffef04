#pragma once

#include "apiclient.h"
#include "credentials.h"
#include "secretscrubber.h"

#include <QObject>
#include <QPointer>
#include <QUrl>

namespace nullify::session {

// A pasted service-account token is checked before it is kept: GET /admin/installations with it
// (which scopes it may use; the first one is taken) and GET /admin/user/current in that scope
// (that the token works, and whose it is). The token goes in an explicit Authorization header,
// so the network core neither replaces it nor runs the session's 401 refresh for it.
class ServiceTokenSignIn : public QObject
{
    Q_OBJECT

public:
    ServiceTokenSignIn(NetworkAccessManager* manager, const QUrl& apiBase, QObject* parent = nullptr);

    // A second start() replaces a check in progress (without a signal for the first).
    void start(const QByteArray& token);
    void cancel();
    bool isRunning() const { return !m_pending.isNull(); }

signals:
    void succeeded(const nullify::session::Credentials& credentials);
    // A 401/403 says "this token was rejected"; a network failure says so, in words.
    void failed(const QString& message, bool cancelled);

private:
    void checkUser(const api::QueryParameters& scope, int attempt);

    api::ApiClient m_client;
    QByteArray m_token;
    SecretScrubber::Registration m_registeredToken;
    QPointer<QNetworkReply> m_pending;
    int m_attempt = 0; // callbacks of an attempt that was cancelled or replaced stay silent
};

} // namespace nullify::session
