#include "httpendpoint.h"

#include <QTcpSocket>
#include <QTimer>

namespace nullify::sandbox {

using nullify::test::findHeader;
using nullify::test::headerListContains;
using nullify::test::HttpRequestParser;

namespace {

// A peer that never reads would keep a gracefully closing socket alive forever.
constexpr int GracefulCloseTimeoutMs = 5000;
// After a 413 the rest of the body is read and dropped (up to this much, for up to this long), so a
// client still uploading sees the answer instead of a connection reset.
constexpr qint64 MaxDrainBytes = 64 * 1024 * 1024;
constexpr int DrainTimeoutMs = 3000;

bool statusAllowsBody(int code)
{
    return !(code < 200 || code == 204 || code == 304);
}

} // namespace

// A QObject child of its socket, so it and its timers die with the socket.
struct HttpEndpoint::Connection : QObject
{
    using QObject::QObject;

    int id = 0;
    HttpRequestParser parser;
    bool busy = false; // a request is being answered; the next one waits in the parser
    bool pumping = false; // inside pump(): a synchronous reply must not re-enter it
    bool wantsClose = false; // the request being answered asked for "Connection: close"
    bool headRequest = false;
    bool closing = false; // we are closing; input is discarded
    qint64 drainRemaining = 0; // body bytes of a refused request still to be read and dropped
    bool draining = false;
};

// ---------------------------------------------------------------------------------------------
// ReplyHandle

ReplyHandle::ReplyHandle(HttpEndpoint* endpoint, QTcpSocket* socket)
    : m_endpoint(endpoint)
    , m_socket(socket)
{ }

bool ReplyHandle::isConnected() const
{
    return m_endpoint && m_socket && m_endpoint->m_connections.contains(m_socket.data());
}

void ReplyHandle::respond(const SandboxResponse& response)
{
    if (isConnected()) {
        m_endpoint->send(m_socket, response);
    }
}

void ReplyHandle::resetMidBody(const SandboxResponse& response)
{
    if (isConnected()) {
        m_endpoint->sendAndReset(m_socket, response);
    }
}

void ReplyHandle::close()
{
    if (isConnected()) {
        m_endpoint->closeGracefully(m_socket);
    }
}

void ReplyHandle::stall()
{
    if (isConnected()) {
        m_endpoint->stall(m_socket);
    }
}

// ---------------------------------------------------------------------------------------------
// HttpEndpoint

HttpEndpoint::HttpEndpoint(Handler handler, QObject* parent)
    : QObject(parent)
    , m_handler(std::move(handler))
{
    // Soak tests open many connections at once; Qt's default backlog would drop SYNs.
    m_server.setMaxPendingConnections(1024);
    m_server.setListenBacklogSize(512);
    connect(&m_server, &QTcpServer::newConnection, this, &HttpEndpoint::acceptConnections);
}

HttpEndpoint::~HttpEndpoint()
{
    m_server.close();
    const auto sockets = m_connections.keys();
    m_connections.clear();
    for (QTcpSocket* socket : sockets) {
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        delete socket;
    }
}

bool HttpEndpoint::listen(quint16 port, QString* error)
{
    if (!m_server.listen(QHostAddress::LocalHost, port)) {
        if (error) {
            *error = m_server.errorString();
        }
        return false;
    }
    return true;
}

void HttpEndpoint::acceptConnections()
{
    while (m_server.hasPendingConnections()) {
        QTcpSocket* socket = m_server.nextPendingConnection();
        if (!socket) {
            break;
        }
        auto* connection = new Connection(socket);
        connection->id = ++m_nextConnectionId;
        connection->parser.setMaxBodyBytes(m_maxBodyBytes);
        ++m_connectionCount;
        m_connections.insert(socket, connection);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readFromSocket(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forget(socket); });
        if (socket->bytesAvailable() > 0) {
            readFromSocket(socket);
        }
    }
}

void HttpEndpoint::forget(QTcpSocket* socket)
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

void HttpEndpoint::readFromSocket(QTcpSocket* socket)
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
    connection->parser.append(incoming);
    pump(socket);
}

void HttpEndpoint::pump(QTcpSocket* socket)
{
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->pumping) {
        return;
    }
    QPointer<Connection> alive(connection);
    connection->pumping = true;
    while (alive && !connection->busy && !connection->closing) {
        switch (connection->parser.next()) {
        case HttpRequestParser::Event::NeedMoreData:
            connection->pumping = false;
            return;
        case HttpRequestParser::Event::HeadReceived:
            // Nothing is owed on this connection (it is not busy), so the interim response
            // cannot overtake a final one.
            if (connection->parser.current().expectsContinue) {
                socket->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
            }
            break;
        case HttpRequestParser::Event::RequestComplete: {
            const ParsedRequest request = connection->parser.takeRequest();
            connection->busy = true;
            connection->wantsClose = request.wantsClose;
            connection->headRequest = request.method == QByteArrayLiteral("HEAD");
            m_handler(request, connection->id, ReplyHandle(this, socket));
            break;
        }
        case HttpRequestParser::Event::Error: {
            const int status = connection->parser.errorStatus();
            SandboxResponse response
                = SandboxResponse::error(status, QString::fromLatin1(connection->parser.errorMessage()));
            connection->busy = true;
            // The framing can no longer be trusted, so the connection ends with this answer.
            connection->wantsClose = true;
            connection->headRequest = false;
            if (status == 413 && !connection->parser.current().chunked) {
                // Only an announced length can be drained exactly; a refused chunked body ends
                // the connection at once.
                const ParsedRequest& refused = connection->parser.current();
                connection->drainRemaining
                    = qMin(MaxDrainBytes, refused.contentLength - connection->parser.discardedBytes());
            }
            if (m_protocolErrorHook) {
                m_protocolErrorHook(connection->parser.current(), connection->id, response);
            }
            if (alive) {
                send(socket, response);
            }
            break;
        }
        }
    }
    if (alive) {
        connection->pumping = false;
    }
}

QByteArray HttpEndpoint::serialize(const SandboxResponse& response, bool closeAfter, bool headersOnly)
{
    const bool bodyAllowed = statusAllowsBody(response.status);
    QByteArray out;
    out.reserve(256 + response.body.size());
    out += QByteArrayLiteral("HTTP/1.1 ") + QByteArray::number(response.status) + ' '
        + nullify::test::reasonPhraseFor(response.status) + QByteArrayLiteral("\r\n");
    for (const auto& header : response.headers) {
        out += header.first + QByteArrayLiteral(": ") + header.second + QByteArrayLiteral("\r\n");
    }
    if (!findHeader(response.headers, QByteArrayLiteral("Date"))) {
        out += QByteArrayLiteral("Date: ") + nullify::test::httpDateNow() + QByteArrayLiteral("\r\n");
    }
    if (bodyAllowed && !findHeader(response.headers, QByteArrayLiteral("Content-Length"))) {
        out += QByteArrayLiteral("Content-Length: ") + QByteArray::number(response.body.size())
            + QByteArrayLiteral("\r\n");
    }
    if (closeAfter && !findHeader(response.headers, QByteArrayLiteral("Connection"))) {
        out += QByteArrayLiteral("Connection: close\r\n");
    }
    out += QByteArrayLiteral("\r\n");
    if (bodyAllowed && !headersOnly) {
        out += response.body;
    }
    return out;
}

void HttpEndpoint::send(QTcpSocket* socket, const SandboxResponse& response)
{
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->closing || !connection->busy) {
        return;
    }
    const QByteArray* connectionHeader = findHeader(response.headers, QByteArrayLiteral("Connection"));
    const bool closeAfter = connection->wantsClose
        || (connectionHeader && headerListContains(*connectionHeader, QByteArrayLiteral("close")));
    socket->write(serialize(response, closeAfter, connection->headRequest));
    if (closeAfter) {
        closeGracefully(socket);
        return;
    }
    connection->busy = false;
    // A reply from inside the handler returns to pump()'s loop; a later one starts it again for
    // requests that were pipelined behind this one.
    pump(socket);
}

void HttpEndpoint::sendAndReset(QTcpSocket* socket, const SandboxResponse& response)
{
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->closing) {
        return;
    }
    connection->closing = true;
    QByteArray out = serialize(response, false, true);
    if (statusAllowsBody(response.status) && !connection->headRequest) {
        out += response.body.left(response.body.size() / 2);
    }
    socket->write(out);
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

void HttpEndpoint::closeGracefully(QTcpSocket* socket)
{
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->closing) {
        return;
    }
    connection->closing = true;
    QPointer<QTcpSocket> guard(socket);
    if (connection->drainRemaining > 0) {
        // The answer is written; the socket stays open while the refused body is drained.
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
        // Flushes what is queued (a response being written) and only then closes.
        socket->disconnectFromHost();
    }
}

void HttpEndpoint::stall(QTcpSocket* socket)
{
    // Nothing to do: the connection stays busy, so no answer and no further request ever goes out.
    Q_UNUSED(socket);
}

} // namespace nullify::sandbox
