#pragma once

#include "authapi.h"
#include "credentials.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <chrono>
#include <vector>

class QTcpServer;
class QTcpSocket;

namespace nullify::session {

struct CallbackRequest;

// The browser handshake (../shared/api/README.md "Auth", steps 1-4):
// listen on 127.0.0.1 (never another interface) on a free port, POST /auth/cli/session, hand the
// auth_url out to be opened in the system browser and shown for copying, wait for the browser's
// GET /callback?session_id=<id>&redemption_secret=<64 hex> (exactly one id, ours, else 403;
// exactly one well-formed secret, else 400; no secret at all is the form of older servers), then
// POST /auth/cli/token with both, asking again while the server says "authorization_pending".
// The first good hit wins and gets a page that sends the user back to the app, which shows the
// outcome; later hits change nothing. Gives up after timeout(); cancel() stops at any moment.
// The listener is closed as soon as the flow ends, whichever way. One object runs one flow; start
// a new object for a new attempt.
//
// Anything on this machine can connect to the listener, so it keeps at most maxConnections
// unanswered connections, drops one that has not sent its whole request head within the read
// deadline, and makes room for a new connection by dropping the oldest unanswered one: a local
// process holding idle connections cannot keep the browser out.
class BrowserSignIn : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::minutes defaultTimeout {10};
    // A connection must deliver its whole request head within this, or it is dropped. A browser
    // sends it at once; a local process that connects and stays silent (or trickles) must not
    // hold a slot.
    static constexpr std::chrono::seconds defaultReadDeadline {5};
    // Unanswered connections kept at the same time; a new one beyond that evicts the oldest.
    static constexpr int maxConnections = 16;
    // "authorization_pending" from the token endpoint: ask again this often, for this long.
    static constexpr std::chrono::seconds defaultPendingInterval {2};
    static constexpr std::chrono::minutes defaultPendingLimit {1};

    BrowserSignIn(NetworkAccessManager* manager, const QUrl& apiBase, QObject* parent = nullptr);
    ~BrowserSignIn() override;

    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }
    void setReadDeadline(std::chrono::milliseconds deadline) { m_readDeadline = deadline; }
    void setPendingPolling(std::chrono::milliseconds interval, std::chrono::milliseconds limit)
    {
        m_pendingInterval = interval;
        m_pendingLimit = limit;
    }

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
    // A connection not answered yet and the bytes of its request head so far.
    struct Unanswered
    {
        QTcpSocket* socket = nullptr;
        QByteArray head;
    };

    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void onCallback(QTcpSocket* socket, const CallbackRequest& request);
    void respond(QTcpSocket* socket, int status, const QByteArray& reason, const QString& message);
    Unanswered* unanswered(QTcpSocket* socket);
    void forget(QTcpSocket* socket); // no longer waits for an answer
    void drop(QTcpSocket* socket); // closed without an answer
    void exchangeToken();
    void askAgainLater();
    void finish();
    void fail(const QString& message, bool cancelled);

    AuthApi m_auth;
    QTcpServer* m_server = nullptr;
    QPointer<QNetworkReply> m_pending; // the auth call in flight, aborted by cancel()
    QBasicTimer m_timeoutTimer;
    QBasicTimer m_pollTimer; // the next token request while the server says "authorization_pending"
    QElapsedTimer m_exchangeClock; // since the callback was accepted
    std::chrono::milliseconds m_timeout = defaultTimeout;
    std::chrono::milliseconds m_readDeadline = defaultReadDeadline;
    std::chrono::milliseconds m_pendingInterval = defaultPendingInterval;
    std::chrono::milliseconds m_pendingLimit = defaultPendingLimit;
    std::vector<Unanswered> m_unanswered; // oldest first
    QString m_sessionId;
    QString m_redemptionSecret; // empty for the callback of an older server
    QUrl m_authUrl;
    bool m_running = false;
    bool m_started = false; // start() ran: one flow per object
    bool m_callbackAccepted = false;
};

} // namespace nullify::session
