#include "scriptedhttpserver.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QLocale>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <utility>

namespace nullify::test {

namespace {

// A request whose header section grows past this without ending is answered with 431 and dropped;
// it keeps a client that never sends CRLFCRLF from growing the buffer without bound.
constexpr qsizetype MaxHeaderSectionBytes = 1024 * 1024;
// Chunk-size lines are short ("1f4;ext=x"); anything longer is garbage.
constexpr qsizetype MaxChunkLineBytes = 4096;
// How long closeAllConnections() lets a graceful close flush before it resets the socket, so a
// client that never reads cannot keep a connection alive forever.
constexpr int GracefulCloseTimeoutMs = 5000;
// Upper bound for reserving body memory from Content-Length: a bogus huge value must not make us
// allocate gigabytes up front; bigger bodies still work, they just grow as they arrive.
constexpr qint64 MaxBodyReserve = 64 * 1024 * 1024;

QByteArray reasonPhraseFor(int code)
{
    switch (code) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 101:
        return QByteArrayLiteral("Switching Protocols");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 203:
        return QByteArrayLiteral("Non-Authoritative Information");
    case 204:
        return QByteArrayLiteral("No Content");
    case 205:
        return QByteArrayLiteral("Reset Content");
    case 206:
        return QByteArrayLiteral("Partial Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 303:
        return QByteArrayLiteral("See Other");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 307:
        return QByteArrayLiteral("Temporary Redirect");
    case 308:
        return QByteArrayLiteral("Permanent Redirect");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 406:
        return QByteArrayLiteral("Not Acceptable");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 410:
        return QByteArrayLiteral("Gone");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 412:
        return QByteArrayLiteral("Precondition Failed");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 422:
        return QByteArrayLiteral("Unprocessable Content");
    case 425:
        return QByteArrayLiteral("Too Early");
    case 428:
        return QByteArrayLiteral("Precondition Required");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        break;
    }
    // Clients must not depend on the phrase, but an empty one looks like a server bug in logs.
    return QByteArrayLiteral("Unknown");
}

// RFC 9110 IMF-fixdate, always in English regardless of the test machine's locale.
QByteArray httpDateNow()
{
    return QLocale::c()
        .toString(QDateTime::currentDateTimeUtc(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

const QByteArray* findHeader(const HeaderList& headers, const QByteArray& name)
{
    for (const auto& header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0) {
            return &header.second;
        }
    }
    return nullptr;
}

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(const QByteArray& value)
{
    if (value.isEmpty()) {
        return false;
    }
    for (char c : value) {
        if (!isTokenChar(c)) {
            return false;
        }
    }
    return true;
}

// Comma-separated header values ("keep-alive, Upgrade") compared element by element.
bool headerListContains(const QByteArray& value, const QByteArray& element)
{
    const auto parts = value.split(',');
    for (const auto& part : parts) {
        if (part.trimmed().compare(element, Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

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
    enum class ParseState {
        RequestHead, // request line and headers, up to CRLFCRLF
        FixedBody, // Content-Length bytes
        ChunkSize, // "<hex>[;ext]\r\n"
        ChunkData, // the chunk's bytes
        ChunkDataEnd, // the CRLF after a chunk
        Trailers, // trailer lines up to an empty line
        Broken, // a protocol error was answered; the rest of the input is ignored
    };

    // A fully received request and the response the script chose for it, waiting its turn.
    struct Pending
    {
        RecordedRequest request;
        ScriptedResponse response;
        bool closeAfter = false; // the request asked for "Connection: close" (or was HTTP/1.0)
    };

    using QObject::QObject;

    int id = 0;
    // Unparsed input starts at `readPos`; consumed bytes are dropped once per readyRead, so the
    // cost of the buffer is proportional to what is left over, not to what went through it.
    QByteArray buffer;
    qsizetype readPos = 0;
    qsizetype headScanPos = 0; // where to resume the CRLFCRLF search when a head arrives in pieces

    ParseState state = ParseState::RequestHead;
    RecordedRequest current; // the request being received
    QCryptographicHash bodyHash {QCryptographicHash::Sha256};
    qint64 bodyRemaining = 0; // of Content-Length, or of the current chunk
    bool currentWantsClose = false; // of the request being received
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
    if (connection->closing || connection->state == Connection::ParseState::Broken) {
        return; // the answer is already decided; whatever else the client sends is irrelevant
    }
    // Usually nothing is left over from the last read; then the new data is adopted without a
    // copy, which matters when hundreds of MiB stream through.
    if (connection->buffer.isEmpty()) {
        connection->buffer = incoming;
    } else {
        connection->buffer.append(incoming);
    }

    // Guards against the connection going away while requestReceived handlers run.
    QPointer<Connection> alive(connection);
    parseBuffer(socket, connection);
    if (!alive) {
        return;
    }

    // Drop what was consumed. What is left is at most one incomplete head or chunk-size line, so
    // this copy is small; bodies are consumed as they arrive and never linger here.
    if (connection->readPos >= connection->buffer.size()) {
        connection->buffer.clear();
    } else if (connection->readPos > 0) {
        connection->buffer.remove(0, connection->readPos);
    }
    connection->headScanPos = qMax<qsizetype>(0, connection->headScanPos - connection->readPos);
    connection->readPos = 0;
}

void ScriptedHttpServer::parseBuffer(QTcpSocket* socket, Connection* connection)
{
    using State = Connection::ParseState;
    QPointer<Connection> alive(connection);
    QByteArray& buffer = connection->buffer;

    while (alive && !connection->closing && connection->state != State::Broken) {
        const qsizetype available = buffer.size() - connection->readPos;
        if (available <= 0) {
            return;
        }

        switch (connection->state) {
        case State::RequestHead: {
            // RFC 9112 2.2: a server should ignore empty lines before the request line (some
            // clients send a stray CRLF after a body).
            while (connection->readPos + 1 < buffer.size() && buffer.at(connection->readPos) == '\r'
                   && buffer.at(connection->readPos + 1) == '\n') {
                connection->readPos += 2;
            }
            const qsizetype scanFrom = qMax(connection->readPos, connection->headScanPos - 3);
            const qsizetype end = buffer.indexOf("\r\n\r\n", scanFrom);
            if (end < 0) {
                connection->headScanPos = buffer.size();
                if (buffer.size() - connection->readPos > MaxHeaderSectionBytes) {
                    failConnection(socket, connection, 431);
                }
                return;
            }
            const QByteArray head = buffer.mid(connection->readPos, end - connection->readPos);
            connection->readPos = end + 4;
            connection->headScanPos = connection->readPos;
            if (!startRequest(socket, connection, head)) {
                failConnection(socket, connection, 400);
                return;
            }
            break;
        }
        case State::FixedBody: {
            const qint64 take = qMin<qint64>(available, connection->bodyRemaining);
            consumeBody(connection, take);
            connection->bodyRemaining -= take;
            if (connection->bodyRemaining == 0) {
                finishRequest(socket, connection);
            }
            break;
        }
        case State::ChunkSize: {
            const qsizetype lineEnd = buffer.indexOf("\r\n", connection->readPos);
            if (lineEnd < 0) {
                if (available > MaxChunkLineBytes) {
                    failConnection(socket, connection, 400);
                }
                return;
            }
            QByteArray line = buffer.mid(connection->readPos, lineEnd - connection->readPos);
            connection->readPos = lineEnd + 2;
            const qsizetype semicolon = line.indexOf(';');
            if (semicolon >= 0) {
                line.truncate(semicolon); // chunk extensions carry nothing we record
            }
            line = line.trimmed();
            bool ok = false;
            const qint64 size = line.toLongLong(&ok, 16);
            if (!ok || size < 0 || line.isEmpty() || line.startsWith('+') || line.startsWith('-')) {
                failConnection(socket, connection, 400);
                return;
            }
            if (size == 0) {
                connection->state = State::Trailers;
            } else {
                connection->bodyRemaining = size;
                connection->state = State::ChunkData;
            }
            break;
        }
        case State::ChunkData: {
            const qint64 take = qMin<qint64>(available, connection->bodyRemaining);
            consumeBody(connection, take);
            connection->bodyRemaining -= take;
            if (connection->bodyRemaining == 0) {
                connection->state = State::ChunkDataEnd;
            }
            break;
        }
        case State::ChunkDataEnd: {
            if (available < 2) {
                return;
            }
            if (buffer.at(connection->readPos) != '\r' || buffer.at(connection->readPos + 1) != '\n') {
                failConnection(socket, connection, 400);
                return;
            }
            connection->readPos += 2;
            connection->state = State::ChunkSize;
            break;
        }
        case State::Trailers: {
            const qsizetype lineEnd = buffer.indexOf("\r\n", connection->readPos);
            if (lineEnd < 0) {
                if (available > MaxHeaderSectionBytes) {
                    failConnection(socket, connection, 431);
                }
                return;
            }
            // Trailer fields are accepted and dropped: the tests look at headers and bodies.
            const bool emptyLine = lineEnd == connection->readPos;
            connection->readPos = lineEnd + 2;
            if (emptyLine) {
                finishRequest(socket, connection);
            }
            break;
        }
        case State::Broken:
            return;
        }
    }
}

void ScriptedHttpServer::failConnection(QTcpSocket* socket, Connection* connection, int statusCode)
{
    // Not a request, so nothing is recorded; the error still waits behind responses owed for
    // earlier requests, then the connection is closed because its framing can no longer be trusted.
    connection->state = Connection::ParseState::Broken;
    connection->buffer.clear();
    connection->readPos = 0;
    connection->headScanPos = 0;
    connection->continueOwed = false;
    Connection::Pending pending;
    pending.response = ScriptedResponse::status(statusCode, QByteArrayLiteral("malformed request\n"))
                           .withAction(ScriptedResponse::Action::RespondAndClose);
    pending.closeAfter = true;
    connection->queue.append(std::move(pending));
    processQueue(socket, connection);
}

void ScriptedHttpServer::consumeBody(Connection* connection, qint64 count)
{
    if (count <= 0) {
        return;
    }
    const char* data = connection->buffer.constData() + connection->readPos;
    connection->bodyHash.addData(QByteArrayView(data, count));
    if (m_recordBodies) {
        connection->current.body.append(data, count);
    }
    connection->current.bodySize += count;
    connection->readPos += count;
}

bool ScriptedHttpServer::startRequest(QTcpSocket* socket, Connection* connection, const QByteArray& head)
{
    using State = Connection::ParseState;

    const auto lines = head.split('\n');
    auto stripCr = [](QByteArray line) {
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        return line;
    };

    // Request line: exactly "METHOD SP target SP HTTP/1.x".
    const QByteArray requestLine = stripCr(lines.first());
    const auto parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts.at(0)) || parts.at(1).isEmpty()) {
        return false;
    }
    const QByteArray& version = parts.at(2);
    if (version != QByteArrayLiteral("HTTP/1.1") && version != QByteArrayLiteral("HTTP/1.0")) {
        return false;
    }
    for (char c : parts.at(1)) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return false;
        }
    }

    RecordedRequest request;
    request.method = parts.at(0);
    request.target = parts.at(1);

    // Origin form ("/a?b") is what clients send to a server; absolute form only goes to proxies,
    // but accept it so a misconfigured client still produces a readable record.
    QByteArray pathAndQuery = request.target;
    if (pathAndQuery.startsWith("http://") || pathAndQuery.startsWith("https://")) {
        const QUrl absolute = QUrl::fromEncoded(pathAndQuery);
        pathAndQuery = absolute.path(QUrl::FullyEncoded).toLatin1();
        if (pathAndQuery.isEmpty()) {
            pathAndQuery = QByteArrayLiteral("/");
        }
        if (absolute.hasQuery()) {
            pathAndQuery += '?' + absolute.query(QUrl::FullyEncoded).toLatin1();
        }
    }
    const qsizetype questionMark = pathAndQuery.indexOf('?');
    const QByteArray rawPath = questionMark < 0 ? pathAndQuery : pathAndQuery.left(questionMark);
    request.path = QUrl::fromPercentEncoding(rawPath);
    if (questionMark >= 0) {
        request.query = QUrlQuery(QString::fromLatin1(pathAndQuery.mid(questionMark + 1)));
    }

    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = stripCr(lines.at(i));
        const qsizetype colon = line.indexOf(':');
        // Obsolete line folding (a line starting with whitespace) and names with whitespace before
        // the colon are rejected, as RFC 9112 tells servers to.
        if (colon <= 0 || !isToken(line.left(colon))) {
            return false;
        }
        request.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
    }

    // Body framing. Transfer-Encoding wins over Content-Length (RFC 9112 6.3).
    bool chunked = false;
    qint64 contentLength = 0;
    if (const QByteArray* te = findHeader(request.headers, QByteArrayLiteral("Transfer-Encoding"))) {
        const auto codings = te->split(',');
        if (codings.last().trimmed().compare(QByteArrayLiteral("chunked"), Qt::CaseInsensitive) != 0) {
            return false; // a request body must end with chunked to have a knowable length
        }
        chunked = true;
    } else {
        bool seen = false;
        for (const auto& header : std::as_const(request.headers)) {
            if (header.first.compare(QByteArrayLiteral("Content-Length"), Qt::CaseInsensitive) != 0) {
                continue;
            }
            bool ok = false;
            const qint64 value = header.second.toLongLong(&ok);
            if (!ok || value < 0 || header.second.startsWith('+') || (seen && value != contentLength)) {
                return false;
            }
            contentLength = value;
            seen = true;
        }
    }

    const QByteArray connectionHeader = request.header(QByteArrayLiteral("Connection"));
    if (version == QByteArrayLiteral("HTTP/1.0")) {
        connection->currentWantsClose = !headerListContains(connectionHeader, QByteArrayLiteral("keep-alive"));
    } else {
        connection->currentWantsClose = headerListContains(connectionHeader, QByteArrayLiteral("close"));
    }

    request.connectionId = connection->id;
    connection->current = std::move(request);
    connection->bodyHash.reset();
    if (m_recordBodies && contentLength > 0) {
        connection->current.body.reserve(qMin(contentLength, MaxBodyReserve));
    }

    const bool expectsBody = chunked || contentLength > 0;
    if (expectsBody
        && connection->current.header(QByteArrayLiteral("Expect"))
                .compare(QByteArrayLiteral("100-continue"), Qt::CaseInsensitive)
            == 0) {
        // An interim response must not overtake final responses still owed on this connection.
        connection->continueOwed = true;
        sendContinueIfDue(socket, connection);
    }

    if (chunked) {
        connection->state = State::ChunkSize;
    } else if (contentLength > 0) {
        connection->bodyRemaining = contentLength;
        connection->state = State::FixedBody;
    } else {
        finishRequest(socket, connection);
    }
    return true;
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
    RecordedRequest request = std::move(connection->current);
    connection->current = RecordedRequest();
    request.bodySha256 = connection->bodyHash.result().toHex();
    request.receivedAtMs = m_clock.elapsed();
    connection->state = Connection::ParseState::RequestHead;
    connection->bodyRemaining = 0;
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
