#include "scriptedhttpserver.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <utility>

namespace nullify::test {

namespace {

// How long closeAllConnections() lets a graceful close flush before it resets the socket, so a
// client that never reads cannot keep a connection alive forever.
constexpr int GracefulCloseTimeoutMs = 5000;

bool statusAllowsBody(int code)
{
    return !(code < 200 || code == 204 || code == 304);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// ScriptedResponse

ScriptedResponse ScriptedResponse::status(int code, const QByteArray& body)
{
    ScriptedResponse response;
    response.statusCode = code;
    response.body = body;
    return response;
}

ScriptedResponse ScriptedResponse::json(int code, const QByteArray& json)
{
    ScriptedResponse response = status(code, json);
    response.header(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json"));
    return response;
}

ScriptedResponse ScriptedResponse::closeBeforeResponse()
{
    ScriptedResponse response;
    response.action = Action::CloseBeforeResponse;
    return response;
}

ScriptedResponse ScriptedResponse::resetMidBody(const QByteArray& body)
{
    ScriptedResponse response = status(200, body);
    response.action = Action::ResetMidBody;
    return response;
}

ScriptedResponse ScriptedResponse::stall()
{
    ScriptedResponse response;
    response.action = Action::Stall;
    return response;
}

ScriptedResponse& ScriptedResponse::header(const QByteArray& name, const QByteArray& value)
{
    headers.append({name, value});
    return *this;
}

ScriptedResponse& ScriptedResponse::delay(int milliseconds)
{
    delayMs = milliseconds;
    return *this;
}

ScriptedResponse& ScriptedResponse::withAction(Action newAction)
{
    action = newAction;
    return *this;
}

// ---------------------------------------------------------------------------------------------
// RecordedRequest

QByteArray RecordedRequest::header(const QByteArray& name) const
{
    const QByteArray* value = findHeader(headers, name);
    return value ? *value : QByteArray();
}

bool RecordedRequest::hasHeader(const QByteArray& name) const
{
    return findHeader(headers, name) != nullptr;
}

// ---------------------------------------------------------------------------------------------
// Per-connection state

// A QObject child of its socket, so it dies with the socket and so timers that use it as their
// context are cancelled automatically when the connection goes away.
struct ScriptedHttpServer::Connection : QObject
{
    // A fully received request and the response the script chose for it, waiting its turn.
    struct Pending
    {
        RecordedRequest request;
        ScriptedResponse response;
        bool closeAfter = false; // the request asked for "Connection: close" (or was HTTP/1.0)
    };

    using QObject::QObject;

    int id = 0;
    HttpRequestParser parser;
    bool currentWantsClose = false; // of the request being answered next
    bool answeringHead = false; // the request being answered was HEAD: headers only
    bool answeringWantsClose = false; // ... and asked for the connection to be closed
    bool continueOwed = false; // "100 Continue" must go out once earlier responses are done

    QList<Pending> queue;
    bool busy = false; // a delayed response is waiting for its timer
    bool stalled = false; // a Stall response: nothing more is ever sent
    bool closing = false; // the connection is being closed by us; input is discarded
};

// ---------------------------------------------------------------------------------------------
// ScriptedHttpServer

ScriptedHttpServer::ScriptedHttpServer(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<RecordedRequest>();
    m_clock.start();
    // Tests open hundreds of connections at once; Qt's defaults (30 pending, backlog 50) would make
    // the kernel drop SYNs and the client wait a second for the retransmit.
    m_server.setMaxPendingConnections(4096);
    m_server.setListenBacklogSize(1024);
    connect(&m_server, &QTcpServer::newConnection, this, &ScriptedHttpServer::acceptConnections);
}

ScriptedHttpServer::~ScriptedHttpServer()
{
    m_server.close();
    // Disconnect first: abort() emits disconnected() synchronously and we must not react to it
    // while being destroyed. Deleting the socket also deletes its Connection and pending timers.
    const auto sockets = m_connections.keys();
    m_connections.clear();
    for (QTcpSocket* socket : sockets) {
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        delete socket;
    }
    // Sockets that were already forgotten and await deleteLater() are children of m_server and
    // go away with it; they no longer have connections to us.
}

bool ScriptedHttpServer::listen(const QHostAddress& address, quint16 port)
{
    return m_server.listen(address, port);
}

quint16 ScriptedHttpServer::port() const
{
    return m_server.serverPort();
}

QUrl ScriptedHttpServer::url(const QString& path, const QString& host) const
{
    // Built as text so a path with a query ("/items?page=2") stays a query instead of being
    // percent-encoded into the path by QUrl::setPath().
    const QString hostPart = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return QUrl(QLatin1String("http://") + hostPart + QLatin1Char(':') + QString::number(port()) + path);
}

void ScriptedHttpServer::enqueue(const QByteArray& method,
                                 const QString& path,
                                 const ScriptedResponse& response,
                                 int times)
{
    auto& queue = m_script[method + ' ' + path.toUtf8()];
    for (int i = 0; i < times; ++i) {
        queue.append(response);
    }
}

void ScriptedHttpServer::setFallback(Handler handler)
{
    m_fallback = std::move(handler);
}

void ScriptedHttpServer::setRecordBodies(bool record)
{
    m_recordBodies = record;
}

int ScriptedHttpServer::requestCount(const QByteArray& method, const QString& path) const
{
    const bool anyMethod = method == QByteArrayLiteral("*");
    int count = 0;
    for (const auto& request : m_requests) {
        if ((anyMethod || request.method == method) && request.path == path) {
            ++count;
        }
    }
    return count;
}

int ScriptedHttpServer::openConnectionCount() const
{
    return m_connections.size();
}

void ScriptedHttpServer::clearRecords()
{
    m_requests.clear();
    m_connectionCount = 0;
}

void ScriptedHttpServer::closeAllConnections()
{
    const auto sockets = m_connections.keys();
    for (QTcpSocket* socket : sockets) {
        closeGracefully(socket);
    }
}

void ScriptedHttpServer::acceptConnections()
{
    while (m_server.hasPendingConnections()) {
        QTcpSocket* socket = m_server.nextPendingConnection();
        if (!socket) {
            break;
        }
        auto* connection = new Connection(socket);
        connection->id = ++m_nextConnectionId;
        ++m_connectionCount;
        m_connections.insert(socket, connection);

        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readFromConnection(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] { forgetConnection(socket); });
        // Data can arrive before the readyRead connection exists.
        if (socket->bytesAvailable() > 0) {
            readFromConnection(socket);
        }
    }
}

void ScriptedHttpServer::forgetConnection(QTcpSocket* socket)
{
    Connection* connection = m_connections.take(socket);
    if (!connection) {
        return;
    }
    connection->closing = true;
    connection->queue.clear();
    QObject::disconnect(socket, nullptr, this, nullptr);
    // Not deleted here: this may run inside one of the socket's own signals.
    socket->deleteLater();
}

void ScriptedHttpServer::closeGracefully(QTcpSocket* socket)
{
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->closing) {
        return;
    }
    connection->closing = true;
    connection->queue.clear();
    // disconnectFromHost() flushes what is queued (a response being written) and only then
    // closes; disconnected() then forgets the connection. A peer that never reads would keep it
    // in ClosingState forever, hence the reset after a while.
    QPointer<QTcpSocket> guard(socket);
    QTimer::singleShot(GracefulCloseTimeoutMs, connection, [guard] {
        if (guard) {
            guard->abort();
        }
    });
    socket->disconnectFromHost();
}

void ScriptedHttpServer::readFromConnection(QTcpSocket* socket)
{
    Connection* connection = m_connections.value(socket);
    if (!connection) {
        return;
    }
    const QByteArray incoming = socket->readAll();
    if (connection->closing || connection->parser.isBroken()) {
        return; // the answer is already decided; whatever else the client sends is irrelevant
    }
    connection->parser.setRecordBodies(m_recordBodies);
    connection->parser.append(incoming);

    // Guards against the connection going away while requestReceived handlers run.
    QPointer<Connection> alive(connection);
    while (alive && !connection->closing) {
        switch (connection->parser.next()) {
        case HttpRequestParser::Event::NeedMoreData:
            return;
        case HttpRequestParser::Event::HeadReceived:
            if (connection->parser.current().expectsContinue) {
                // An interim response must not overtake final responses still owed on this
                // connection.
                connection->continueOwed = true;
                sendContinueIfDue(socket, connection);
            }
            break;
        case HttpRequestParser::Event::RequestComplete:
            finishRequest(socket, connection);
            break;
        case HttpRequestParser::Event::Error:
            failConnection(socket, connection, connection->parser.errorStatus());
            return;
        }
    }
}

void ScriptedHttpServer::failConnection(QTcpSocket* socket, Connection* connection, int statusCode)
{
    // Not a request, so nothing is recorded; the error still waits behind responses owed for
    // earlier requests, then the connection is closed because its framing can no longer be trusted.
    connection->continueOwed = false;
    Connection::Pending pending;
    pending.response = ScriptedResponse::status(statusCode, QByteArrayLiteral("malformed request\n"))
                           .withAction(ScriptedResponse::Action::RespondAndClose);
    pending.closeAfter = true;
    connection->queue.append(std::move(pending));
    processQueue(socket, connection);
}

void ScriptedHttpServer::sendContinueIfDue(QTcpSocket* socket, Connection* connection)
{
    if (!connection->continueOwed || connection->busy || connection->stalled || connection->closing
        || !connection->queue.isEmpty()) {
        return;
    }
    connection->continueOwed = false;
    socket->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
}

void ScriptedHttpServer::finishRequest(QTcpSocket* socket, Connection* connection)
{
    ParsedHttpRequest parsed = connection->parser.takeRequest();
    RecordedRequest request;
    request.method = std::move(parsed.method);
    request.target = std::move(parsed.target);
    request.path = std::move(parsed.path);
    request.query = std::move(parsed.query);
    request.headers = std::move(parsed.headers);
    request.body = std::move(parsed.body);
    request.bodySize = parsed.bodySize;
    request.bodySha256 = std::move(parsed.bodySha256);
    request.connectionId = connection->id;
    request.receivedAtMs = m_clock.elapsed();
    connection->currentWantsClose = parsed.wantsClose;
    // The 100 Continue was never sent if the whole body came along anyway; it is moot now.
    connection->continueOwed = false;
    answer(socket, request);
}

void ScriptedHttpServer::answer(QTcpSocket* socket, const RecordedRequest& request)
{
    Connection* connection = m_connections.value(socket);
    if (!connection) {
        return;
    }
    const bool closeAfter = connection->currentWantsClose;
    m_requests.append(request);

    QPointer<Connection> alive(connection);
    // Emitted before the response is chosen, so a handler may still enqueue() the answer to this
    // very request.
    emit requestReceived(request);
    if (!alive || connection->closing) {
        return;
    }

    // The response is picked on arrival, not when the connection gets to it, so script order
    // follows arrival order even when another connection is still busy with a delayed answer.
    Connection::Pending pending {request, responseFor(request), closeAfter};
    if (!alive || connection->closing) {
        return;
    }
    connection->queue.append(std::move(pending));
    processQueue(socket, connection);
}

ScriptedResponse ScriptedHttpServer::responseFor(const RecordedRequest& request)
{
    const QByteArray path = request.path.toUtf8();
    for (const QByteArray& key : {request.method + ' ' + path, QByteArrayLiteral("* ") + path}) {
        auto it = m_script.find(key);
        if (it != m_script.end() && !it->isEmpty()) {
            return it->takeFirst();
        }
    }
    if (m_fallback) {
        return m_fallback(request);
    }
    return ScriptedResponse::status(404, QByteArrayLiteral("no scripted response for ") + request.method + ' ' + path);
}

void ScriptedHttpServer::processQueue(QTcpSocket* socket, Connection* connection)
{
    QPointer<Connection> alive(connection);
    while (alive && !connection->busy && !connection->stalled && !connection->closing && !connection->queue.isEmpty()) {
        Connection::Pending& next = connection->queue.first();
        if (next.response.delayMs > 0) {
            connection->busy = true;
            const int delayMs = next.response.delayMs;
            next.response.delayMs = 0; // the delay is spent once the timer fires
            // The connection is the timer's context: if the connection goes away the timer does too.
            QTimer::singleShot(delayMs, connection, [this, socket, connection] {
                connection->busy = false;
                processQueue(socket, connection);
            });
            return;
        }
        const Connection::Pending pending = connection->queue.takeFirst();
        connection->answeringHead = pending.request.method == QByteArrayLiteral("HEAD");
        connection->answeringWantsClose = pending.closeAfter;
        performAction(socket, pending.response);
    }
    if (alive) {
        sendContinueIfDue(socket, connection);
    }
}

void ScriptedHttpServer::performAction(QTcpSocket* socket, const ScriptedResponse& response)
{
    using Action = ScriptedResponse::Action;
    Connection* connection = m_connections.value(socket);
    if (!connection || connection->closing) {
        return;
    }

    switch (response.action) {
    case Action::CloseBeforeResponse:
        closeGracefully(socket);
        return;
    case Action::Stall:
        // Never answer, and therefore never answer anything after this on the connection either;
        // it stays open until the client gives up or closeAllConnections()/the destructor.
        connection->stalled = true;
        return;
    case Action::Respond:
    case Action::RespondAndClose:
    case Action::ResetMidBody:
        break;
    }

    const bool headRequest = connection->answeringHead;
    const bool bodyAllowed = statusAllowsBody(response.statusCode);
    const bool scriptClose = findHeader(response.headers, QByteArrayLiteral("Connection"))
        && headerListContains(*findHeader(response.headers, QByteArrayLiteral("Connection")),
                              QByteArrayLiteral("close"));
    const bool closeAfter
        = response.action == Action::RespondAndClose || connection->answeringWantsClose || scriptClose;

    QByteArray out;
    out.reserve(256 + (headRequest ? 0 : response.body.size()));
    out += QByteArrayLiteral("HTTP/1.1 ") + QByteArray::number(response.statusCode) + ' '
        + (response.reasonPhrase.isEmpty() ? reasonPhraseFor(response.statusCode) : response.reasonPhrase)
        + QByteArrayLiteral("\r\n");
    for (const auto& header : response.headers) {
        out += header.first + QByteArrayLiteral(": ") + header.second + QByteArrayLiteral("\r\n");
    }
    if (!findHeader(response.headers, QByteArrayLiteral("Date"))) {
        out += QByteArrayLiteral("Date: ") + httpDateNow() + QByteArrayLiteral("\r\n");
    }
    // 1xx, 204 and 304 have no body by definition and must not announce one (RFC 9110 8.6). A
    // script that sets Transfer-Encoding writes its own framing into the body.
    if (bodyAllowed && !findHeader(response.headers, QByteArrayLiteral("Content-Length"))
        && !findHeader(response.headers, QByteArrayLiteral("Transfer-Encoding"))) {
        out += QByteArrayLiteral("Content-Length: ") + QByteArray::number(response.body.size())
            + QByteArrayLiteral("\r\n");
    }
    if (closeAfter && !findHeader(response.headers, QByteArrayLiteral("Connection"))) {
        out += QByteArrayLiteral("Connection: close\r\n");
    }
    out += QByteArrayLiteral("\r\n");

    const bool sendBody = bodyAllowed && !headRequest;
    if (response.action == Action::ResetMidBody) {
        if (sendBody) {
            out += response.body.left(response.body.size() / 2);
        }
        resetAfterFlush(socket, out);
        return;
    }

    if (sendBody) {
        out += response.body;
    }
    socket->write(out);
    if (closeAfter) {
        closeGracefully(socket);
    }
}

void ScriptedHttpServer::resetAfterFlush(QTcpSocket* socket, const QByteArray& data)
{
    Connection* connection = m_connections.value(socket);
    if (!connection) {
        return;
    }
    // Nothing else may be sent on this connection; later requests die with it.
    connection->closing = true;
    connection->queue.clear();
    socket->write(data);
    // abort() throws away unsent data, so the partial body has to reach the kernel first. The
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
