#include "httpserverbase.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace nullify::test {

namespace {

// A peer that never reads would keep a gracefully closing socket alive forever.
constexpr int GracefulCloseTimeoutMs = 5000;
// How long a refused body may take to drain before the connection is closed anyway.
constexpr int DrainTimeoutMs = 3000;

} // namespace

bool statusAllowsBody(int status)
{
    return !(status < 200 || status == 204 || status == 304);
}

bool responseAsksToClose(const HeaderList& headers)
{
    const QByteArray* connection = findHeader(headers, QByteArrayLiteral("Connection"));
    return connection && headerListContains(*connection, QByteArrayLiteral("close"));
}

QByteArray serializeHttpResponse(int status,
                                 const QByteArray& reason,
                                 const HeaderList& headers,
                                 const QByteArray& body,
                                 bool closeAfter,
                                 bool headersOnly,
                                 bool announceLength)
{
    const bool bodyAllowed = statusAllowsBody(status);
    QByteArray out;
    out.reserve(256 + (headersOnly ? 0 : body.size()));
    out += QByteArrayLiteral("HTTP/1.1 ") + QByteArray::number(status) + ' '
        + (reason.isEmpty() ? reasonPhraseFor(status) : reason) + QByteArrayLiteral("\r\n");
    for (const auto& header : headers) {
        out += header.first + QByteArrayLiteral(": ") + header.second + QByteArrayLiteral("\r\n");
    }
    if (!findHeader(headers, QByteArrayLiteral("Date"))) {
        out += QByteArrayLiteral("Date: ") + httpDateNow() + QByteArrayLiteral("\r\n");
    }
    // 1xx, 204 and 304 have no body by definition and must not announce one (RFC 9110 8.6). A
    // response that sets Transfer-Encoding writes its own framing into the body.
    if (bodyAllowed && announceLength && !findHeader(headers, QByteArrayLiteral("Content-Length"))
        && !findHeader(headers, QByteArrayLiteral("Transfer-Encoding"))) {
        out += QByteArrayLiteral("Content-Length: ") + QByteArray::number(body.size()) + QByteArrayLiteral("\r\n");
    }
    if (closeAfter && !findHeader(headers, QByteArrayLiteral("Connection"))) {
        out += QByteArrayLiteral("Connection: close\r\n");
    }
    out += QByteArrayLiteral("\r\n");
    if (bodyAllowed && !headersOnly) {
        out += body;
    }
    return out;
}

HttpServerBase::HttpServerBase(int maxPendingConnections, int listenBacklog, QObject* parent)
    : QObject(parent)
{
    m_server.setMaxPendingConnections(maxPendingConnections);
    m_server.setListenBacklogSize(listenBacklog);
    connect(&m_server, &QTcpServer::newConnection, this, &HttpServerBase::acceptConnections);
}

HttpServerBase::~HttpServerBase()
{
    m_server.close();
    // Disconnect first: abort() emits disconnected() synchronously and we must not react to it
    // while being destroyed. Deleting the socket also deletes its Connection and pending timers.
    // Sockets already forgotten and awaiting deleteLater() are children of m_server and go with it.
    const auto sockets = m_connections.keys();
    m_connections.clear();
    for (QTcpSocket* socket : sockets) {
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        delete socket;
    }
}

void HttpServerBase::acceptConnections()
{
    while (m_server.hasPendingConnections()) {
        QTcpSocket* socket = m_server.nextPendingConnection();
        if (!socket) {
            break;
        }
        Connection* connection = createConnection(socket);
        connection->id = ++m_nextConnectionId;
        ++m_connectionCount;
        m_connections.insert(socket, connection);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readFromSocket(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
        // Data can arrive before the readyRead connection exists.
        if (socket->bytesAvailable() > 0) {
            readFromSocket(socket);
        }
    }
}

void HttpServerBase::forget(QTcpSocket* socket)
{
    Connection* connection = m_connections.take(socket);
    if (!connection) {
        return;
    }
    connection->closing = true;
    QObject::disconnect(socket, nullptr, this, nullptr);
    // Not deleted here: this may run inside one of the socket's own signals.
    socket->deleteLater();
}

void HttpServerBase::readFromSocket(QTcpSocket* socket)
{
    Connection* connection = m_connections.value(socket);
    if (!connection) {
        return;
    }
    const QByteArray incoming = socket->readAll();
    if (connection->draining) {
        connection->drainRemaining -= incoming.size();
        if (connection->drainRemaining <= 0) {
            connection->draining = false;
            socket->disconnectFromHost();
        }
        return;
    }
    if (connection->closing) {
        return;
    }
    received(socket, connection, incoming);
}

void HttpServerBase::closeGracefully(QTcpSocket* socket)
{
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->closing) {
        return;
    }
    connection->closing = true;
    QPointer<QTcpSocket> guard(socket);
    if (connection->drainRemaining > 0) {
        // The answer is written; the socket stays open while the refused body is drained, so a
        // client still uploading sees the answer instead of a connection reset.
        connection->draining = true;
        QTimer::singleShot(DrainTimeoutMs, connection, [guard, connection] {
            if (guard && connection->draining) {
                connection->draining = false;
                guard->disconnectFromHost();
            }
        });
    }
    QTimer::singleShot(GracefulCloseTimeoutMs + (connection->draining ? DrainTimeoutMs : 0), connection, [guard] {
        if (guard) {
            guard->abort();
        }
    });
    if (!connection->draining) {
        // Flushes what is queued (a response being written) and only then closes; disconnected()
        // then forgets the connection.
        socket->disconnectFromHost();
    }
}

void HttpServerBase::resetAfterWrite(QTcpSocket* socket, const QByteArray& data)
{
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->closing) {
        return;
    }
    // Nothing else may be sent on this connection; later requests die with it.
    connection->closing = true;
    socket->write(data);
    // abort() throws away unsent data, so the partial body has to reach the kernel first; the
    // client then sees the connection end before Content-Length bytes arrived.
    socket->flush();
    if (socket->bytesToWrite() == 0) {
        socket->abort();
        return;
    }
    connect(socket, &QTcpSocket::bytesWritten, connection, [socket] {
        if (socket->bytesToWrite() == 0) {
            socket->abort();
        }
    });
}

} // namespace nullify::test
