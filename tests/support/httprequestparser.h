#pragma once

#include <QByteArray>
#include <QCryptographicHash>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace nullify::test {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// Case-insensitive lookup shared by the test servers; nullptr when the header is absent.
const QByteArray* findHeader(const HeaderList& headers, const QByteArray& name);
// Comma-separated header values ("keep-alive, Upgrade") compared element by element.
bool headerListContains(const QByteArray& value, const QByteArray& element);
// The standard reason phrase for a status code ("Unknown" for codes without one).
QByteArray reasonPhraseFor(int code);
// RFC 9110 IMF-fixdate of now, always in English regardless of the machine's locale.
QByteArray httpDateNow();

// One HTTP/1.x request as it came over the wire.
struct ParsedHttpRequest
{
    QByteArray method;
    QByteArray target; // request target as sent: path and query
    QByteArray version; // "HTTP/1.1" or "HTTP/1.0"
    QString path; // decoded path, no query
    QUrlQuery query;
    HeaderList headers;
    QByteArray body; // empty when body recording is off
    qint64 bodySize = 0;
    QByteArray bodySha256; // hex, always computed once the request is complete
    bool chunked = false;
    qint64 contentLength = 0; // announced length; 0 for chunked bodies
    bool wantsClose = false; // "Connection: close", or HTTP/1.0 without keep-alive
    bool expectsContinue = false; // "Expect: 100-continue" with a body to come

    QByteArray header(const QByteArray& name) const; // case-insensitive; empty when absent
};

// An incremental HTTP/1.1 request parser for test servers: feed it bytes as they arrive and pull
// events. Handles Content-Length and chunked bodies, pipelined requests and stray CRLFs between
// them. It never answers anything itself; the server decides what a protocol error looks like.
class HttpRequestParser
{
public:
    enum class Event {
        NeedMoreData, // everything buffered is consumed (or incomplete)
        HeadReceived, // current() has the request line and headers; the body (if any) follows
        RequestComplete, // takeRequest() returns the whole request
        Error, // errorStatus() says which (400, 413, 431); the parser stays broken
    };

    // A header section growing past this without ending is an error (431); a client that never
    // sends CRLFCRLF must not grow the buffer without bound.
    void setMaxHeaderBytes(qsizetype bytes) { m_maxHeaderBytes = bytes; }
    // Bodies larger than this are an error (413); -1 is unlimited.
    void setMaxBodyBytes(qint64 bytes) { m_maxBodyBytes = bytes; }
    void setRecordBodies(bool record) { m_recordBodies = record; }

    // Takes the bytes; when nothing is left over from before they are adopted without a copy,
    // which matters when hundreds of MiB stream through.
    void append(const QByteArray& data);
    Event next();

    const ParsedHttpRequest& current() const { return m_current; }
    ParsedHttpRequest takeRequest();
    bool isBroken() const { return m_state == State::Broken; }
    int errorStatus() const { return m_errorStatus; }
    QByteArray errorMessage() const { return m_errorMessage; }
    // Input that was buffered but not parsed when the error struck (it is dropped): lets a server
    // that drains a refused body know how much of it already arrived.
    qint64 discardedBytes() const { return m_discardedBytes; }

private:
    enum class State {
        RequestHead, // request line and headers, up to CRLFCRLF
        FixedBody, // Content-Length bytes
        ChunkSize, // "<hex>[;ext]\r\n"
        ChunkData, // the chunk's bytes
        ChunkDataEnd, // the CRLF after a chunk
        Trailers, // trailer lines up to an empty line
        Complete, // a request is ready for takeRequest()
        Broken, // a protocol error was reported; the rest of the input is ignored
    };

    bool parseHead(const QByteArray& head);
    void consumeBody(qint64 count);
    Event fail(int status, const char* message);
    void compact();

    QByteArray m_buffer;
    qsizetype m_readPos = 0; // unparsed input starts here
    qsizetype m_headScanPos = 0; // where to resume the CRLFCRLF search when a head arrives in pieces
    State m_state = State::RequestHead;
    ParsedHttpRequest m_current;
    QCryptographicHash m_bodyHash {QCryptographicHash::Sha256};
    qint64 m_bodyRemaining = 0; // of Content-Length, or of the current chunk
    qsizetype m_maxHeaderBytes = 1024 * 1024;
    qint64 m_maxBodyBytes = -1;
    bool m_recordBodies = true;
    int m_errorStatus = 0;
    QByteArray m_errorMessage;
    qint64 m_discardedBytes = 0;
};

} // namespace nullify::test
