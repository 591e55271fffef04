#include "httpendpoint.h"

#include <QTcpSocket>

namespace nullify::sandbox {

using nullify::test::HttpRequestParser;

namespace {

// After a 413 the rest of the body is read and dropped (up to this much), so a client still
// uploading sees the answer instead of a connection reset.
constexpr qint64 MaxDrainBytes = 64 * 1024 * 1024;

} // namespace

struct HttpEndpoint::EndpointConnection : HttpServerBase::Connection
{
    using Connection::Connection;

    bool busy = false; // a request is being answered; the next one waits in the parser
    bool pumping = false; // inside pump(): a synchronous reply must not re-enter it
    bool wantsClose = false; // the request being answered asked for "Connection: close"
    bool headRequest = false;
};

// ---------------------------------------------------------------------------------------------
// ReplyHandle

ReplyHandle::ReplyHandle(HttpEndpoint* endpoint, QTcpSocket* socket)
    : m_endpoint(endpoint)
    , m_socket(socket)
{ }

bool ReplyHandle::isConnected() const
{
    return m_endpoint && m_socket && m_endpoint->connection(m_socket.data());
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
    // Soak tests open many connections at once.
    : HttpServerBase(1024, 512, parent)
    , m_handler(std::move(handler))
{ }

HttpEndpoint::~HttpEndpoint() = default;

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

nullify::test::HttpServerBase::Connection* HttpEndpoint::createConnection(QTcpSocket* socket)
{
    auto* connection = new EndpointConnection(socket);
    connection->parser.setMaxBodyBytes(m_maxBodyBytes);
    return connection;
}

HttpEndpoint::EndpointConnection* HttpEndpoint::endpointConnection(QTcpSocket* socket) const
{
    return static_cast<EndpointConnection*>(connection(socket));
}

void HttpEndpoint::received(QTcpSocket* socket, HttpServerBase::Connection* connection, const QByteArray& incoming)
{
    connection->parser.append(incoming);
    pump(socket);
}

void HttpEndpoint::pump(QTcpSocket* socket)
{
    EndpointConnection* connection = endpointConnection(socket);
    if (!connection || connection->pumping) {
        return;
    }
    QPointer<EndpointConnection> alive(connection);
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
    return nullify::test::serializeHttpResponse(
        response.status, {}, response.headers, response.body, closeAfter, headersOnly);
}

void HttpEndpoint::send(QTcpSocket* socket, const SandboxResponse& response)
{
    EndpointConnection* connection = endpointConnection(socket);
    if (!connection || connection->closing || !connection->busy) {
        return;
    }
    const bool closeAfter = connection->wantsClose || nullify::test::responseAsksToClose(response.headers);
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
    EndpointConnection* connection = endpointConnection(socket);
    if (!connection || connection->closing) {
        return;
    }
    QByteArray out = serialize(response, false, true);
    if (nullify::test::statusAllowsBody(response.status) && !connection->headRequest) {
        out += response.body.left(response.body.size() / 2);
    }
    resetAfterWrite(socket, out);
}

void HttpEndpoint::stall(QTcpSocket* socket)
{
    // Nothing to do: the connection stays busy, so no answer and no further request ever goes out.
    Q_UNUSED(socket);
}

} // namespace nullify::sandbox
