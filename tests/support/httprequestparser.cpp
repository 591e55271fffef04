#include "httprequestparser.h"

#include <QDateTime>
#include <QLocale>
#include <QUrl>

#include <utility>

namespace nullify::test {

namespace {

// Chunk-size lines are short ("1f4;ext=x"); anything longer is garbage.
constexpr qsizetype MaxChunkLineBytes = 4096;
// Upper bound for reserving body memory from Content-Length: a bogus huge value must not make us
// allocate gigabytes up front; bigger bodies still work, they just grow as they arrive.
constexpr qint64 MaxBodyReserve = 64 * 1024 * 1024;

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

QByteArray stripCr(QByteArray line)
{
    if (line.endsWith('\r')) {
        line.chop(1);
    }
    return line;
}

} // namespace

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

QByteArray ParsedHttpRequest::header(const QByteArray& name) const
{
    const QByteArray* value = findHeader(headers, name);
    return value ? *value : QByteArray();
}

// ---------------------------------------------------------------------------------------------
// HttpRequestParser

void HttpRequestParser::append(const QByteArray& data)
{
    if (m_state == State::Broken) {
        return; // the error is already reported; whatever else the client sends is irrelevant
    }
    if (m_buffer.isEmpty()) {
        m_buffer = data;
    } else {
        m_buffer.append(data);
    }
}

ParsedHttpRequest HttpRequestParser::takeRequest()
{
    ParsedHttpRequest request = std::move(m_current);
    m_current = ParsedHttpRequest();
    if (m_state == State::Complete) {
        m_state = State::RequestHead;
    }
    return request;
}

HttpRequestParser::Event HttpRequestParser::fail(int status, const char* message)
{
    m_state = State::Broken;
    m_errorStatus = status;
    m_errorMessage = QByteArray(message);
    m_discardedBytes = m_buffer.size() - m_readPos;
    m_buffer.clear();
    m_readPos = 0;
    m_headScanPos = 0;
    return Event::Error;
}

void HttpRequestParser::compact()
{
    // What is left is at most one incomplete head or chunk-size line, so this copy is small;
    // bodies are consumed as they arrive and never linger here.
    if (m_readPos >= m_buffer.size()) {
        m_buffer.clear();
    } else if (m_readPos > 0) {
        m_buffer.remove(0, m_readPos);
    }
    m_headScanPos = qMax<qsizetype>(0, m_headScanPos - m_readPos);
    m_readPos = 0;
}

void HttpRequestParser::consumeBody(qint64 count)
{
    if (count <= 0) {
        return;
    }
    const char* data = m_buffer.constData() + m_readPos;
    m_bodyHash.addData(QByteArrayView(data, count));
    if (m_recordBodies) {
        m_current.body.append(data, count);
    }
    m_current.bodySize += count;
    m_readPos += count;
}

HttpRequestParser::Event HttpRequestParser::next()
{
    for (;;) {
        switch (m_state) {
        case State::Broken:
            return Event::Error;
        case State::Complete:
            // The caller has not taken the last request yet; nothing new until it does.
            return Event::RequestComplete;
        default:
            break;
        }

        const qsizetype available = m_buffer.size() - m_readPos;
        if (available <= 0) {
            compact();
            return Event::NeedMoreData;
        }

        switch (m_state) {
        case State::RequestHead: {
            // RFC 9112 2.2: a server should ignore empty lines before the request line (some
            // clients send a stray CRLF after a body).
            while (m_readPos + 1 < m_buffer.size() && m_buffer.at(m_readPos) == '\r'
                   && m_buffer.at(m_readPos + 1) == '\n') {
                m_readPos += 2;
            }
            const qsizetype scanFrom = qMax(m_readPos, m_headScanPos - 3);
            const qsizetype end = m_buffer.indexOf("\r\n\r\n", scanFrom);
            if (end < 0) {
                m_headScanPos = m_buffer.size();
                if (m_buffer.size() - m_readPos > m_maxHeaderBytes) {
                    return fail(431, "request header section too large");
                }
                compact();
                return Event::NeedMoreData;
            }
            const QByteArray head = m_buffer.mid(m_readPos, end - m_readPos);
            m_readPos = end + 4;
            m_headScanPos = m_readPos;
            if (!parseHead(head)) {
                return fail(400, "malformed request");
            }
            if (m_maxBodyBytes >= 0 && m_current.contentLength > m_maxBodyBytes) {
                return fail(413, "request body too large");
            }
            m_bodyHash.reset();
            if (m_current.chunked) {
                m_state = State::ChunkSize;
            } else if (m_current.contentLength > 0) {
                if (m_recordBodies) {
                    m_current.body.reserve(qMin(m_current.contentLength, MaxBodyReserve));
                }
                m_bodyRemaining = m_current.contentLength;
                m_state = State::FixedBody;
            } else {
                m_current.bodySha256 = m_bodyHash.result().toHex();
                m_state = State::Complete;
            }
            return Event::HeadReceived;
        }
        case State::FixedBody: {
            const qint64 take = qMin<qint64>(available, m_bodyRemaining);
            consumeBody(take);
            m_bodyRemaining -= take;
            if (m_bodyRemaining == 0) {
                m_current.bodySha256 = m_bodyHash.result().toHex();
                m_state = State::Complete;
            }
            break;
        }
        case State::ChunkSize: {
            const qsizetype lineEnd = m_buffer.indexOf("\r\n", m_readPos);
            if (lineEnd < 0) {
                if (available > MaxChunkLineBytes) {
                    return fail(400, "malformed chunk size");
                }
                compact();
                return Event::NeedMoreData;
            }
            QByteArray line = m_buffer.mid(m_readPos, lineEnd - m_readPos);
            m_readPos = lineEnd + 2;
            const qsizetype semicolon = line.indexOf(';');
            if (semicolon >= 0) {
                line.truncate(semicolon); // chunk extensions carry nothing we need
            }
            line = line.trimmed();
            bool ok = false;
            const qint64 size = line.toLongLong(&ok, 16);
            if (!ok || size < 0 || line.isEmpty() || line.startsWith('+') || line.startsWith('-')) {
                return fail(400, "malformed chunk size");
            }
            if (m_maxBodyBytes >= 0 && m_current.bodySize + size > m_maxBodyBytes) {
                return fail(413, "request body too large");
            }
            if (size == 0) {
                m_state = State::Trailers;
            } else {
                m_bodyRemaining = size;
                m_state = State::ChunkData;
            }
            break;
        }
        case State::ChunkData: {
            const qint64 take = qMin<qint64>(available, m_bodyRemaining);
            consumeBody(take);
            m_bodyRemaining -= take;
            if (m_bodyRemaining == 0) {
                m_state = State::ChunkDataEnd;
            }
            break;
        }
        case State::ChunkDataEnd: {
            if (available < 2) {
                compact();
                return Event::NeedMoreData;
            }
            if (m_buffer.at(m_readPos) != '\r' || m_buffer.at(m_readPos + 1) != '\n') {
                return fail(400, "malformed chunk framing");
            }
            m_readPos += 2;
            m_state = State::ChunkSize;
            break;
        }
        case State::Trailers: {
            const qsizetype lineEnd = m_buffer.indexOf("\r\n", m_readPos);
            if (lineEnd < 0) {
                if (available > m_maxHeaderBytes) {
                    return fail(431, "request trailer section too large");
                }
                compact();
                return Event::NeedMoreData;
            }
            // Trailer fields are accepted and dropped: nothing downstream looks at them.
            const bool emptyLine = lineEnd == m_readPos;
            m_readPos = lineEnd + 2;
            if (emptyLine) {
                m_current.bodySha256 = m_bodyHash.result().toHex();
                m_state = State::Complete;
            }
            break;
        }
        case State::Complete:
        case State::Broken:
            break;
        }
        if (m_state == State::Complete) {
            return Event::RequestComplete;
        }
    }
}

bool HttpRequestParser::parseHead(const QByteArray& head)
{
    const auto lines = head.split('\n');

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

    ParsedHttpRequest request;
    request.method = parts.at(0);
    request.target = parts.at(1);
    request.version = version;

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
    if (const QByteArray* te = findHeader(request.headers, QByteArrayLiteral("Transfer-Encoding"))) {
        const auto codings = te->split(',');
        if (codings.last().trimmed().compare(QByteArrayLiteral("chunked"), Qt::CaseInsensitive) != 0) {
            return false; // a request body must end with chunked to have a knowable length
        }
        request.chunked = true;
    } else {
        bool seen = false;
        for (const auto& header : std::as_const(request.headers)) {
            if (header.first.compare(QByteArrayLiteral("Content-Length"), Qt::CaseInsensitive) != 0) {
                continue;
            }
            bool ok = false;
            const qint64 value = header.second.toLongLong(&ok);
            if (!ok || value < 0 || header.second.startsWith('+') || (seen && value != request.contentLength)) {
                return false;
            }
            request.contentLength = value;
            seen = true;
        }
    }

    const QByteArray connectionHeader = request.header(QByteArrayLiteral("Connection"));
    if (version == QByteArrayLiteral("HTTP/1.0")) {
        request.wantsClose = !headerListContains(connectionHeader, QByteArrayLiteral("keep-alive"));
    } else {
        request.wantsClose = headerListContains(connectionHeader, QByteArrayLiteral("close"));
    }
    request.expectsContinue = (request.chunked || request.contentLength > 0)
        && request.header(QByteArrayLiteral("Expect")).compare(QByteArrayLiteral("100-continue"), Qt::CaseInsensitive)
            == 0;

    m_current = std::move(request);
    return true;
}

} // namespace nullify::test
