#include "scriptedhttpserver.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <memory>
#include <utility>

namespace nullify::test {

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

ScriptedResponse ScriptedResponse::generated(int code, qint64 size, Framing framing)
{
    ScriptedResponse response = status(code);
    response.generatedSize = size;
    response.framing = framing;
    return response;
}

QByteArray ScriptedResponse::generatedBytes(qint64 offset, qint64 size)
{
    // Letters in a cycle of 26: any slice is a cheap copy out of one block, and a byte that came
    // out of place (lost or doubled) shows.
    constexpr int Cycle = 26;
    static const QByteArray block = [] {
        QByteArray letters(64 * 1024 + Cycle, Qt::Uninitialized);
        for (qsizetype i = 0; i < letters.size(); ++i)
            letters[i] = char('a' + i % Cycle);
        return letters;
    }();
    QByteArray out;
    out.reserve(size);
    while (size > 0) {
        const qint64 piece = std::min<qint64>(size, block.size() - Cycle);
        out.append(block.constData() + offset % Cycle, piece);
        offset += piece;
        size -= piece;
    }
    return out;
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

// Timers that use it as their context are cancelled when the connection goes away.
struct ScriptedHttpServer::ScriptedConnection : HttpServerBase::Connection
{
    // A fully received request and the response the script chose for it, waiting its turn.
    struct Pending
    {
        RecordedRequest request;
        ScriptedResponse response;
        bool closeAfter = false; // the request asked for "Connection: close" (or was HTTP/1.0)
    };

    using Connection::Connection;

    bool currentWantsClose = false; // of the request being answered next
    bool answeringHead = false; // the request being answered was HEAD: headers only
    bool answeringWantsClose = false; // ... and asked for the connection to be closed
    bool continueOwed = false; // "100 Continue" must go out once earlier responses are done

    QList<Pending> queue;
    bool busy = false; // a delayed response is waiting for its timer
    bool stalled = false; // a Stall response: nothing more is ever sent
};

// ---------------------------------------------------------------------------------------------
// ScriptedHttpServer

ScriptedHttpServer::ScriptedHttpServer(QObject* parent)
    // Tests open hundreds of connections at once.
    : HttpServerBase(4096, 1024, parent)
{
    qRegisterMetaType<RecordedRequest>();
    m_clock.start();
}

ScriptedHttpServer::~ScriptedHttpServer() = default;

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

void ScriptedHttpServer::clearRecords()
{
    m_requests.clear();
    resetConnectionCount();
}

void ScriptedHttpServer::closeAllConnections()
{
    for (QTcpSocket* socket : sockets()) {
        closeGracefully(socket);
    }
}

HttpServerBase::Connection* ScriptedHttpServer::createConnection(QTcpSocket* socket)
{
    return new ScriptedConnection(socket);
}

ScriptedHttpServer::ScriptedConnection* ScriptedHttpServer::scriptedConnection(QTcpSocket* socket) const
{
    return static_cast<ScriptedConnection*>(connection(socket));
}

void ScriptedHttpServer::received(QTcpSocket* socket, Connection* baseConnection, const QByteArray& incoming)
{
    auto* connection = static_cast<ScriptedConnection*>(baseConnection);
    if (connection->parser.isBroken()) {
        return; // the answer is already decided; whatever else the client sends is irrelevant
    }
    connection->parser.setRecordBodies(m_recordBodies);
    connection->parser.append(incoming);

    // Guards against the connection going away while requestReceived handlers run.
    QPointer<ScriptedConnection> alive(connection);
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

void ScriptedHttpServer::failConnection(QTcpSocket* socket, ScriptedConnection* connection, int statusCode)
{
    // Not a request, so nothing is recorded; the error still waits behind responses owed for
    // earlier requests, then the connection is closed because its framing can no longer be trusted.
    connection->continueOwed = false;
    ScriptedConnection::Pending pending;
    pending.response = ScriptedResponse::status(statusCode, QByteArrayLiteral("malformed request\n"))
                           .withAction(ScriptedResponse::Action::RespondAndClose);
    pending.closeAfter = true;
    connection->queue.append(std::move(pending));
    processQueue(socket, connection);
}

void ScriptedHttpServer::sendContinueIfDue(QTcpSocket* socket, ScriptedConnection* connection)
{
    if (!connection->continueOwed || connection->busy || connection->stalled || connection->closing
        || !connection->queue.isEmpty()) {
        return;
    }
    connection->continueOwed = false;
    socket->write(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
}

void ScriptedHttpServer::finishRequest(QTcpSocket* socket, ScriptedConnection* connection)
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
    ScriptedConnection* connection = scriptedConnection(socket);
    if (!connection) {
        return;
    }
    const bool closeAfter = connection->currentWantsClose;
    m_requests.append(request);

    QPointer<ScriptedConnection> alive(connection);
    // Emitted before the response is chosen, so a handler may still enqueue() the answer to this
    // very request.
    emit requestReceived(request);
    if (!alive || connection->closing) {
        return;
    }

    // The response is picked on arrival, not when the connection gets to it, so script order
    // follows arrival order even when another connection is still busy with a delayed answer.
    ScriptedConnection::Pending pending {request, responseFor(request), closeAfter};
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

void ScriptedHttpServer::processQueue(QTcpSocket* socket, ScriptedConnection* connection)
{
    QPointer<ScriptedConnection> alive(connection);
    while (alive && !connection->busy && !connection->stalled && !connection->closing && !connection->queue.isEmpty()) {
        ScriptedConnection::Pending& next = connection->queue.first();
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
        const ScriptedConnection::Pending pending = connection->queue.takeFirst();
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
    ScriptedConnection* connection = scriptedConnection(socket);
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
    const bool closeAfter = response.action == Action::RespondAndClose || connection->answeringWantsClose
        || responseAsksToClose(response.headers);
    if (response.action == Action::ResetMidBody) {
        QByteArray out = serializeHttpResponse(
            response.statusCode, response.reasonPhrase, response.headers, response.body, closeAfter, true);
        if (statusAllowsBody(response.statusCode) && !headRequest) {
            out += response.body.left(response.body.size() / 2);
        }
        // Later requests on this connection die with it.
        connection->queue.clear();
        resetAfterWrite(socket, out);
        return;
    }
    if (response.generatedSize >= 0 && statusAllowsBody(response.statusCode) && !headRequest) {
        streamGeneratedBody(socket, response, closeAfter);
        return;
    }
    socket->write(serializeHttpResponse(
        response.statusCode, response.reasonPhrase, response.headers, response.body, closeAfter, headRequest));
    if (closeAfter) {
        closeGracefully(socket);
    }
}

void ScriptedHttpServer::streamGeneratedBody(QTcpSocket* socket, const ScriptedResponse& response, bool closeAfter)
{
    using Framing = ScriptedResponse::Framing;
    ScriptedConnection* connection = scriptedConnection(socket);
    HeaderList headers = response.headers;
    if (response.framing == Framing::ContentLength)
        headers.append({QByteArrayLiteral("Content-Length"), QByteArray::number(response.generatedSize)});
    else if (response.framing == Framing::Chunked)
        headers.append({QByteArrayLiteral("Transfer-Encoding"), QByteArrayLiteral("chunked")});
    const bool closeDelimited = response.framing == Framing::CloseDelimited;
    closeAfter = closeAfter || closeDelimited;
    socket->write(serializeHttpResponse(
        response.statusCode, response.reasonPhrase, headers, {}, closeAfter, true, !closeDelimited));

    // Later responses on this connection wait until the body is out. Pieces are written only
    // while little is queued, so the server holds about one piece however large the body.
    static constexpr qint64 Piece = 64 * 1024;
    connection->busy = true;
    struct Stream
    {
        qint64 sent = 0;
        QMetaObject::Connection feeding;
    };
    auto stream = std::make_shared<Stream>();
    const auto feed = [this, socket, connection, stream, closeAfter, response] {
        while (stream->sent < response.generatedSize && socket->bytesToWrite() < 4 * Piece) {
            const qint64 size = std::min(Piece, response.generatedSize - stream->sent);
            const QByteArray bytes = ScriptedResponse::generatedBytes(stream->sent, size);
            if (response.framing == Framing::Chunked)
                socket->write(QByteArray::number(size, 16) + "\r\n" + bytes + "\r\n");
            else
                socket->write(bytes);
            stream->sent += size;
        }
        if (stream->sent < response.generatedSize)
            return;
        QObject::disconnect(stream->feeding);
        if (response.framing == Framing::Chunked)
            socket->write(QByteArrayLiteral("0\r\n\r\n"));
        connection->busy = false;
        if (closeAfter)
            closeGracefully(socket);
        else
            processQueue(socket, connection);
    };
    // The connection is the context: when the client goes away, so does the feeding.
    stream->feeding = connect(socket, &QTcpSocket::bytesWritten, connection, feed);
    feed();
}

} // namespace nullify::test
