#include "callbackrequest.h"

#include <QUrl>
#include <QUrlQuery>

namespace nullify::session {

namespace {

using Status = CallbackRequest::Status;

CallbackRequest with(Status status)
{
    CallbackRequest request;
    request.status = status;
    return request;
}

// Anything on this machine can connect, so bytes a browser never sends in a request head (NUL,
// other controls, 8-bit) end the exchange at once instead of being buffered up to the limit. TLS
// hellos and other binary protocols stop here with their first bytes.
bool isHeadByte(char c)
{
    const auto byte = static_cast<unsigned char>(c);
    return (byte >= 0x20 && byte < 0x7f) || c == '\r' || c == '\n' || c == '\t';
}

// RFC 9110 tchar: the characters of a method or a header name.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(const QByteArray& text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

QByteArray withoutCr(const QByteArray& line)
{
    return line.endsWith('\r') ? line.chopped(1) : line;
}

// Where the head ends (just past the blank line), or -1. A blank line is "\r\n" or a bare "\n":
// the grammar says CRLF, but a lenient reading of the line ends costs nothing here.
qsizetype headEnd(const QByteArray& head)
{
    qsizetype lineStart = 0;
    while (true) {
        const qsizetype newline = head.indexOf('\n', lineStart);
        if (newline < 0)
            return -1;
        const qsizetype length = newline - lineStart;
        const bool blank = length == 0 || (length == 1 && head.at(lineStart) == '\r');
        if (blank && lineStart > 0)
            return newline + 1;
        lineStart = newline + 1;
    }
}

// "GET /callback?session_id=x HTTP/1.1": Ok, Malformed or WrongMethod; target is filled on Ok.
Status parseRequestLine(const QByteArray& line, QByteArray* target)
{
    const QList<QByteArray> parts = line.split(' ');
    if (parts.size() != 3 || !isToken(parts.at(0)))
        return Status::Malformed;
    const QByteArray& version = parts.at(2);
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return Status::Malformed;
    // Origin form only: an absolute URL or "*" is not what a browser sends to a loopback callback.
    const QByteArray& requestTarget = parts.at(1);
    if (!requestTarget.startsWith('/') || requestTarget.startsWith("//") || requestTarget.contains('#'))
        return Status::Malformed;
    for (const char c : requestTarget) {
        if (c <= 0x20 || c >= 0x7f)
            return Status::Malformed;
    }
    // The method is checked last: a well-formed POST is told 405, garbage is told 400.
    if (parts.at(0) != "GET")
        return Status::WrongMethod;
    *target = requestTarget;
    return Status::Ok;
}

bool isHeaderLine(const QByteArray& line)
{
    // No obsolete line folding (a leading space or tab): RFC 9112 lets a server refuse it.
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || !isToken(line.left(colon)))
        return false;
    for (qsizetype i = colon + 1; i < line.size(); ++i) {
        const char c = line.at(i);
        if (c == '\r' || c == '\n')
            return false;
    }
    return true;
}

} // namespace

bool CallbackRequest::isWellFormedSecret(const QString& secret)
{
    if (secret.size() != 64)
        return false;
    for (const QChar c : secret) {
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f'))))
            return false;
    }
    return true;
}

CallbackRequest CallbackRequest::parse(const QByteArray& head)
{
    // Every decision depends on the first maxHeadBytes + 1 bytes only, so a caller handing in more
    // costs no more work than one that stops reading at the limit.
    if (head.size() > maxHeadBytes + 1)
        return parse(head.left(maxHeadBytes + 1));

    // Only what can belong to the head is looked at; anything after the blank line is ignored.
    const qsizetype end = headEnd(head);
    const qsizetype scanned = end >= 0 ? end : head.size();
    for (qsizetype i = 0; i < scanned; ++i) {
        if (!isHeadByte(head.at(i)))
            return with(Status::Malformed);
    }

    // The request line is judged as soon as it is complete, so a wrong request is answered without
    // waiting for (or buffering) the rest of its head.
    const qsizetype firstNewline = head.indexOf('\n');
    if (firstNewline < 0 || firstNewline > maxHeadBytes)
        return with(head.size() > maxHeadBytes ? Status::TooLarge : Status::Incomplete);
    QByteArray target;
    const Status lineStatus = parseRequestLine(withoutCr(head.left(firstNewline)), &target);
    if (lineStatus != Status::Ok)
        return with(lineStatus);

    if (end < 0)
        return with(head.size() > maxHeadBytes ? Status::TooLarge : Status::Incomplete);
    if (end > maxHeadBytes)
        return with(Status::TooLarge);

    // Header lines: well-formed is all that matters; none of them changes the answer.
    const QByteArray headerBlock = head.mid(firstNewline + 1, end - firstNewline - 1);
    const QList<QByteArray> lines = headerBlock.split('\n');
    for (const QByteArray& rawLine : lines) {
        const QByteArray line = withoutCr(rawLine);
        if (line.isEmpty())
            break; // the blank line that ends the head
        if (line.contains('\r') || !isHeaderLine(line))
            return with(Status::Malformed);
    }

    CallbackRequest request;
    const qsizetype question = target.indexOf('?');
    const QByteArray encodedPath = question < 0 ? target : target.left(question);
    request.path = QUrl::fromPercentEncoding(encodedPath);
    if (question >= 0) {
        const QUrlQuery query(QString::fromLatin1(target.mid(question + 1)));
        request.sessionIds = query.allQueryItemValues(QStringLiteral("session_id"), QUrl::FullyDecoded);
        request.redemptionSecrets = query.allQueryItemValues(QStringLiteral("redemption_secret"), QUrl::FullyDecoded);
    }
    request.status = Status::Ok;
    return request;
}

} // namespace nullify::session
