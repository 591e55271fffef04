#pragma once

#include "httpserverbase.h"
#include "sandboxhttp.h"

#include <QObject>
#include <QPointer>

#include <functional>

class QTcpSocket;

namespace nullify::sandbox {

class HttpEndpoint;

// The one answer owed for a request. A handler may use it at once or later (after a latency
// fault's timer); the connection reads no further request until it is used, so responses keep
// the order of the requests on a keep-alive connection. Harmless to use after the connection died.
class ReplyHandle
{
public:
    ReplyHandle() = default;

    void respond(const SandboxResponse& response);
    // Headers with the full Content-Length and half the body, then the socket is aborted.
    void resetMidBody(const SandboxResponse& response);
    // Closes the connection without sending a byte.
    void close();
    // Never answers; the connection stays open (and reads nothing more) until the client leaves.
    void stall();
    bool isConnected() const;

private:
    friend class HttpEndpoint;
    ReplyHandle(HttpEndpoint* endpoint, QTcpSocket* socket);
    QPointer<HttpEndpoint> m_endpoint;
    QPointer<QTcpSocket> m_socket;
};

// A QTcpServer on 127.0.0.1 speaking HTTP/1.1 with keep-alive, Content-Length and chunked request
// bodies and a body size limit. Used for the API port and the control port. A request is handed to
// the handler only once the one before it on its connection was answered.
class HttpEndpoint : public nullify::test::HttpServerBase
{
    Q_OBJECT

public:
    using ParsedRequest = nullify::test::ParsedHttpRequest;
    using Handler = std::function<void(const ParsedRequest& request, int connectionId, ReplyHandle reply)>;
    // A request that could not be parsed (400, 413, 431): what is known of it, for the log.
    using ProtocolErrorHook
        = std::function<void(const ParsedRequest& partial, int connectionId, const SandboxResponse& response)>;

    explicit HttpEndpoint(Handler handler, QObject* parent = nullptr);
    ~HttpEndpoint() override;

    // Loopback only: the sandbox must never be reachable from another machine.
    bool listen(quint16 port, QString* error);
    quint16 port() const { return m_server.serverPort(); }
    QHostAddress address() const { return m_server.serverAddress(); }

    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    void setProtocolErrorHook(ProtocolErrorHook hook) { m_protocolErrorHook = std::move(hook); }

    using HttpServerBase::connectionCount; // accepted since start/reset
    using HttpServerBase::openConnectionCount;
    using HttpServerBase::resetConnectionCount;

    static QByteArray serialize(const SandboxResponse& response, bool closeAfter, bool headersOnly = false);

private:
    friend class ReplyHandle;
    struct EndpointConnection;

    HttpServerBase::Connection* createConnection(QTcpSocket* socket) override;
    void received(QTcpSocket* socket, HttpServerBase::Connection* connection, const QByteArray& incoming) override;
    EndpointConnection* endpointConnection(QTcpSocket* socket) const;
    void pump(QTcpSocket* socket);
    void send(QTcpSocket* socket, const SandboxResponse& response);
    void sendAndReset(QTcpSocket* socket, const SandboxResponse& response);
    void stall(QTcpSocket* socket);

    Handler m_handler;
    ProtocolErrorHook m_protocolErrorHook;
    qint64 m_maxBodyBytes = 8 * 1024 * 1024;
};

} // namespace nullify::sandbox
