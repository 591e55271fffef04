#pragma once

#include "authapi.h"
#include "credentials.h"

#include <QBasicTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <chrono>

class QTcpServer;
class QTcpSocket;

namespace nullify::session {

// The browser handshake (../shared/api/README.md "Auth", steps 1-4):
// listen on 127.0.0.1 (never another interface) on a free port, POST /auth/cli/session, hand the
// auth_url out to be opened in the system browser and shown for copying, wait for the browser's
// GET /callback?session_id=<id> (403 for any other id; the first good hit wins and gets a small
// "signed in" page; later hits get a page saying so and change nothing), then POST /auth/cli/token.
// Gives up after timeout(); cancel() stops at any moment. The listener is closed as soon as the
// flow ends, whichever way. One object runs one flow; start a new object for a new attempt.
class BrowserSignIn : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::minutes defaultTimeout {10};
    // A connection must deliver its request head within this, or it is dropped: a local process
    // that connects and stays silent must not hold a slot until the flow times out.
    static constexpr std::chrono::seconds headTimeout {10};
    // Connections answered at the same time; more are closed at once.
    static constexpr int maxConnections = 16;

    BrowserSignIn(NetworkAccessManager* manager, const QUrl& apiBase, QObject* parent = nullptr);
    ~BrowserSignIn() override;

    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

    void start();
    void cancel();

    bool isRunning() const { return m_running; }
    quint16 callbackPort() const; // 0 until listening and after the flow ended
    QHostAddress callbackAddress() const; // 127.0.0.1 while listening, null otherwise
    QUrl authUrl() const { return m_authUrl; }

signals:
    // Open this with QDesktopServices and show it for copying; the network library has no GUI.
    void authUrlReady(const QUrl& authUrl);
    void callbackReceived(); // the browser came back; exchanging the session for tokens
    void succeeded(const nullify::session::Credentials& credentials);
    // cancelled: the user asked (no error to show). Emitted once; never after succeeded().
    void failed(const QString& message, bool cancelled);

protected:
    void timerEvent(QTimerEvent* event) override;

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void respond(QTcpSocket* socket, int status, const QByteArray& reason, const QString& message);
    void exchangeToken();
    void finish();
    void fail(const QString& message, bool cancelled);

    AuthApi m_auth;
    QTcpServer* m_server = nullptr;
    QPointer<QNetworkReply> m_pending; // the auth call in flight, aborted by cancel()
    QBasicTimer m_timeoutTimer;
    std::chrono::milliseconds m_timeout = defaultTimeout;
    QHash<QTcpSocket*, QByteArray> m_heads; // connections not answered yet: the bytes so far
    QString m_sessionId;
    QUrl m_authUrl;
    bool m_running = false;
    bool m_started = false; // start() ran: one flow per object
    bool m_callbackAccepted = false;
};

} // namespace nullify::session
