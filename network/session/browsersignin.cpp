#include "browsersignin.h"

#include "callbackrequest.h"
#include "logging.h"
#include "secretscrubber.h"

#include <QNetworkReply>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QTimerEvent>

#include <algorithm>
#include <limits>

namespace nullify::session {

namespace {

using api::ApiError;

QString hostOf(const QUrl& url)
{
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

// For people: what went wrong with an auth call, without the machinery's words where possible.
QString describe(const ApiError& error, const QUrl& apiBase, const QString& step)
{
    const QString host = hostOf(apiBase);
    switch (error.kind) {
    case ApiError::Kind::Rejected:
        return QStringLiteral("%1 refused the sign-in: %2").arg(host, error.message);
    case ApiError::Kind::Network:
        return QStringLiteral("Could not reach %1 to %2: %3").arg(host, step, error.message);
    case ApiError::Kind::TimedOut:
        return QStringLiteral("%1 did not answer in time (%2).").arg(host, step);
    case ApiError::Kind::Decoding:
        return QStringLiteral("%1 sent an answer this app does not understand (%2): %3").arg(host, step, error.message);
    default:
        return QStringLiteral("Could not %1 at %2: %3").arg(step, host, error.toString());
    }
}

QString describeDuration(std::chrono::milliseconds duration)
{
    using namespace std::chrono;
    if (duration >= minutes(1) && duration % minutes(1) == milliseconds(0)) {
        const auto count = duration_cast<minutes>(duration).count();
        return count == 1 ? QStringLiteral("1 minute") : QStringLiteral("%1 minutes").arg(count);
    }
    if (duration >= seconds(1))
        return QStringLiteral("%1 s").arg(duration_cast<seconds>(duration).count());
    return QStringLiteral("%1 ms").arg(duration.count());
}

// Constant time for equal lengths: the id is the only thing a local process would have to guess.
bool sameId(const QString& a, const QString& b)
{
    const QByteArray left = a.toUtf8();
    const QByteArray right = b.toUtf8();
    if (left.size() != right.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < left.size(); ++i)
        difference |= static_cast<unsigned char>(left.at(i) ^ right.at(i));
    return difference == 0;
}

QByteArray page(const QString& title, const QString& message)
{
    // Everything that is shown is escaped, even text this class wrote: a path from the request
    // can end up in a message.
    return QStringLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%1</title></head>\n"
                          "<body style=\"font-family: sans-serif; margin: 3em\">\n<h1>%1</h1>\n<p>%2</p>\n"
                          "</body></html>\n")
        .arg(title.toHtmlEscaped(), message.toHtmlEscaped())
        .toUtf8();
}

} // namespace

BrowserSignIn::BrowserSignIn(NetworkAccessManager* manager, const QUrl& apiBase, QObject* parent)
    : QObject(parent)
    , m_auth(manager, apiBase, this)
{ }

BrowserSignIn::~BrowserSignIn()
{
    // No signal from a destructor: whoever destroys the flow knows it is over.
    m_running = false;
    if (m_pending)
        m_pending->abort();
    if (m_server)
        m_server->close();
    // Spent with the flow; nothing that outlives it can carry them.
    SecretScrubber::remove(m_sessionId);
    SecretScrubber::remove(m_redemptionSecret);
}

quint16 BrowserSignIn::callbackPort() const
{
    return m_server && m_server->isListening() ? m_server->serverPort() : 0;
}

QHostAddress BrowserSignIn::callbackAddress() const
{
    return m_server && m_server->isListening() ? m_server->serverAddress() : QHostAddress();
}

void BrowserSignIn::start()
{
    if (m_started)
        return; // one flow per object
    m_started = true;
    m_running = true;

    m_server = new QTcpServer(this);
    m_server->setMaxPendingConnections(maxConnections);
    // 127.0.0.1 only, never Any: the callback carries the session id, and nothing beyond this
    // machine may deliver (or read) it.
    if (!m_server->listen(QHostAddress::LocalHost, 0)) {
        const QString reason = m_server->errorString();
        // Reported on the next turn, so a caller that connects right after start() still hears it.
        QTimer::singleShot(0, this, [this, reason] {
            fail(QStringLiteral("Could not listen on 127.0.0.1 for the browser's answer: %1").arg(reason), false);
        });
        return;
    }
    connect(m_server, &QTcpServer::newConnection, this, &BrowserSignIn::onNewConnection);
    const qint64 timeoutMs = std::clamp<qint64>(m_timeout.count(), 1, std::numeric_limits<int>::max());
    m_timeoutTimer.start(int(timeoutMs), this);
    qCInfo(lcSignIn) << "browser sign-in: listening on 127.0.0.1 port" << m_server->serverPort();

    const QUrl apiBase = m_auth.apiBase();
    m_pending
        = m_auth.createCliSession(m_server->serverPort(), this, [this, apiBase](const api::Result<CliSession>& result) {
              m_pending = nullptr;
              if (!m_running)
                  return;
              if (!result) {
                  fail(describe(result.error(), apiBase, QStringLiteral("start the sign-in")), false);
                  return;
              }
              m_sessionId = result.value().sessionId;
              SecretScrubber::add(m_sessionId);
              m_authUrl = result.value().authUrl;
              qCInfo(lcSignIn) << "browser sign-in: session created; waiting for the browser";
              emit authUrlReady(m_authUrl);
          });
}

void BrowserSignIn::cancel()
{
    fail(QStringLiteral("Sign-in cancelled."), true);
}

void BrowserSignIn::timerEvent(QTimerEvent* event)
{
    if (event->timerId() == m_pollTimer.timerId()) {
        m_pollTimer.stop();
        if (m_running)
            exchangeToken();
        return;
    }
    if (event->timerId() != m_timeoutTimer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    m_timeoutTimer.stop();
    fail(QStringLiteral("Sign-in timed out: the browser did not come back within %1. Try again.")
             .arg(describeDuration(m_timeout)),
         false);
}

void BrowserSignIn::onNewConnection()
{
    while (m_server && m_server->hasPendingConnections()) {
        QTcpSocket* socket = m_server->nextPendingConnection();
        if (!m_running) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        // Full: the oldest connection goes, not the new one. The browser sends its request the
        // moment it connects, so it is answered long before it could become the oldest; what gets
        // old is a connection that holds a slot without asking anything.
        if (m_unanswered.size() >= size_t(maxConnections))
            drop(m_unanswered.front().socket);
        m_unanswered.push_back({socket, QByteArray()});
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            forget(socket);
            socket->deleteLater();
        });
        // The whole head has to arrive in time, not just some byte: a trickle must not keep a slot.
        QTimer::singleShot(m_readDeadline, socket, [this, socket] {
            if (unanswered(socket))
                drop(socket);
        });
    }
}

BrowserSignIn::Unanswered* BrowserSignIn::unanswered(QTcpSocket* socket)
{
    const auto found = std::find_if(
        m_unanswered.begin(), m_unanswered.end(), [socket](const Unanswered& entry) { return entry.socket == socket; });
    return found == m_unanswered.end() ? nullptr : &*found;
}

void BrowserSignIn::forget(QTcpSocket* socket)
{
    if (Unanswered* entry = unanswered(socket))
        m_unanswered.erase(m_unanswered.begin() + (entry - m_unanswered.data()));
}

void BrowserSignIn::drop(QTcpSocket* socket)
{
    forget(socket);
    socket->abort();
    socket->deleteLater();
}

void BrowserSignIn::onReadyRead(QTcpSocket* socket)
{
    Unanswered* entry = unanswered(socket);
    if (!entry) {
        socket->readAll(); // answered already: whatever else comes is not read into memory
        return;
    }
    QByteArray& head = entry->head;
    const qint64 room = CallbackRequest::maxHeadBytes + 1 - head.size();
    if (room > 0)
        head += socket->read(room);
    socket->readAll(); // beyond the limit: the parser already knows the head is too large

    const CallbackRequest request = CallbackRequest::parse(head);
    switch (request.status) {
    case CallbackRequest::Status::Incomplete:
        return;
    case CallbackRequest::Status::Malformed:
        respond(socket, 400, "Bad Request", QStringLiteral("This is not a request the sign-in understands."));
        return;
    case CallbackRequest::Status::TooLarge:
        respond(socket,
                431,
                "Request Header Fields Too Large",
                QStringLiteral("The request was too large for the sign-in callback."));
        return;
    case CallbackRequest::Status::WrongMethod:
        respond(socket, 405, "Method Not Allowed", QStringLiteral("The sign-in callback only answers GET."));
        return;
    case CallbackRequest::Status::Ok:
        onCallback(socket, request);
        return;
    }
}

void BrowserSignIn::onCallback(QTcpSocket* socket, const CallbackRequest& request)
{
    if (request.path != QLatin1String("/callback")) {
        respond(socket, 404, "Not Found", QStringLiteral("Nothing here: %1").arg(request.path.left(200)));
        return;
    }
    // Exactly one id, and ours: two ids are no id, since which one to believe is exactly the
    // ambiguity an attacker would use.
    if (m_sessionId.isEmpty() || request.sessionIds.size() != 1 || !sameId(request.sessionIds.first(), m_sessionId)) {
        // A stale tab of an earlier attempt, or somebody guessing: refused, and the flow goes on.
        qCInfo(lcSignIn) << "browser sign-in: callback with a missing or wrong session id refused";
        respond(socket,
                403,
                "Forbidden",
                QStringLiteral("This sign-in link does not belong to the sign-in Nullify Desktop is waiting for. "
                               "Start the sign-in again from the app."));
        return;
    }
    // No secret at all is an older server's callback; a damaged or doubled one is refused.
    const QStringList& secrets = request.redemptionSecrets;
    if (secrets.size() > 1 || (secrets.size() == 1 && !CallbackRequest::isWellFormedSecret(secrets.first()))) {
        qCInfo(lcSignIn) << "browser sign-in: callback with a malformed or repeated redemption secret refused";
        respond(socket,
                400,
                "Bad Request",
                QStringLiteral("This sign-in link is damaged. Start the sign-in again from the app."));
        return;
    }
    if (m_callbackAccepted || !m_running) {
        respond(socket,
                200,
                "OK",
                QStringLiteral("This sign-in link was already used. Nullify Desktop shows whether the sign-in "
                               "worked. You can close this tab."));
        return;
    }
    m_callbackAccepted = true;
    m_redemptionSecret = secrets.value(0);
    SecretScrubber::add(m_redemptionSecret);
    // From here each token request is bounded by the network core's deadline and the polling by
    // the pending limit; the browser has done its part, so the wait for it is over.
    m_timeoutTimer.stop();
    m_exchangeClock.start();
    // Not "signed in": that is only known once the exchange has worked, and the app says so.
    respond(socket,
            200,
            "OK",
            QStringLiteral("Return to Nullify Desktop to finish signing in: the app shows whether it worked. "
                           "You can close this tab."));
    qCInfo(lcSignIn).noquote() << "browser sign-in: callback accepted"
                               << (m_redemptionSecret.isEmpty()
                                       ? QStringLiteral("without a redemption secret (an older server);")
                                       : QStringLiteral("with a redemption secret;"))
                               << "exchanging the session for tokens";
    emit callbackReceived();
    exchangeToken();
}

void BrowserSignIn::respond(QTcpSocket* socket, int status, const QByteArray& reason, const QString& message)
{
    forget(socket);
    const QString title = status == 200 ? QStringLiteral("Nullify Desktop") : QStringLiteral("Nullify Desktop sign-in");
    const QByteArray body = page(title, message);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    response += "Content-Type: text/html; charset=utf-8\r\n";
    response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    response += "Cache-Control: no-store\r\n";
    // The page loads nothing and leaks nothing: the address bar holds the session id and secret.
    response += "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n";
    response += "Referrer-Policy: no-referrer\r\n";
    response += "X-Content-Type-Options: nosniff\r\n";
    if (status == 405)
        response += "Allow: GET\r\n";
    response += "Connection: close\r\n\r\n";
    response += body;
    socket->write(response);
    socket->disconnectFromHost(); // after the bytes are written
}

void BrowserSignIn::exchangeToken()
{
    const QUrl apiBase = m_auth.apiBase();
    m_pending = m_auth.exchangeCliToken(
        m_sessionId, m_redemptionSecret, this, [this, apiBase](const api::Result<Credentials>& result) {
            m_pending = nullptr;
            if (!m_running)
                return;
            if (!result && AuthApi::isAuthorizationPending(result.error())) {
                askAgainLater();
                return;
            }
            if (!result) {
                fail(describe(result.error(), apiBase, QStringLiteral("finish the sign-in")), false);
                return;
            }
            qCInfo(lcSignIn) << "browser sign-in: signed in";
            finish();
            emit succeeded(result.value());
        });
}

void BrowserSignIn::askAgainLater()
{
    using namespace std::chrono;
    if (milliseconds(m_exchangeClock.elapsed()) >= m_pendingLimit) {
        fail(QStringLiteral("%1 did not confirm the sign-in within %2: it still answers \"authorization pending\". "
                            "Try again.")
                 .arg(hostOf(m_auth.apiBase()), describeDuration(m_pendingLimit)),
             false);
        return;
    }
    qCDebug(lcSignIn) << "browser sign-in: not approved yet; asking again in" << m_pendingInterval.count() << "ms";
    m_pollTimer.start(int(std::clamp<qint64>(m_pendingInterval.count(), 0, std::numeric_limits<int>::max())), this);
}

void BrowserSignIn::finish()
{
    m_running = false;
    m_timeoutTimer.stop();
    m_pollTimer.stop();
    if (m_pending) {
        // Its callback sees m_running == false and stays silent.
        QNetworkReply* pending = m_pending;
        m_pending = nullptr;
        pending->abort();
    }
    if (m_server)
        m_server->close();
    // Connections still waiting for an answer get none; answered ones finish writing and close.
    while (!m_unanswered.empty())
        drop(m_unanswered.front().socket);
}

void BrowserSignIn::fail(const QString& message, bool cancelled)
{
    if (!m_running)
        return; // once, and never after succeeded()
    finish();
    // The message may carry the server's words (which may echo a request): debug only.
    qCInfo(lcSignIn) << "browser sign-in ended:" << (cancelled ? "cancelled" : "failed");
    qCDebug(lcSignIn) << "browser sign-in ended:" << message;
    emit failed(message, cancelled);
}

} // namespace nullify::session
