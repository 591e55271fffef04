#pragma once

#include "httpserverbase.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QUrl>
#include <QUrlQuery>

#include <functional>

class QTcpSocket;

namespace nullify::test {

// One scripted answer. Built fluently: ScriptedResponse::status(503).header("Retry-After", "1").
struct ScriptedResponse
{
    enum class Action {
        Respond, // status line, headers, body; the connection stays open (keep-alive)
        CloseBeforeResponse, // read the request, then close the connection without a byte
        ResetMidBody, // send headers with the full Content-Length and half the body, then reset
        Stall, // read the request and never answer
        RespondAndClose, // answer with "Connection: close" and close afterwards
    };

    int statusCode = 200;
    QByteArray reasonPhrase; // empty: the standard phrase for statusCode
    // Sent as given. The server adds "Date: <now>" unless a Date header is here (so a test can pin
    // it), "Content-Length: <body size>" unless Content-Length or Transfer-Encoding is here (none
    // for 1xx/204/304, which have no body), and "Connection: close" when it will close afterwards.
    HeaderList headers;
    QByteArray body;
    int delayMs = 0; // wait this long before the action
    Action action = Action::Respond;

    static ScriptedResponse status(int code, const QByteArray& body = {});
    static ScriptedResponse json(int code, const QByteArray& json);
    static ScriptedResponse closeBeforeResponse();
    static ScriptedResponse resetMidBody(const QByteArray& body);
    static ScriptedResponse stall();

    ScriptedResponse& header(const QByteArray& name, const QByteArray& value);
    ScriptedResponse& delay(int milliseconds);
    ScriptedResponse& withAction(Action newAction);
};

// What the server received, exactly as it came over the wire.
struct RecordedRequest
{
    QByteArray method;
    QByteArray target; // request target as sent: path and query
    QString path; // decoded path, no query
    QUrlQuery query;
    // Sent as given. The server adds "Date: <now>" unless a Date header is here (so a test can pin
    // it), "Content-Length: <body size>" unless Content-Length or Transfer-Encoding is here (none
    // for 1xx/204/304, which have no body), and "Connection: close" when it will close afterwards.
    HeaderList headers;
    QByteArray body; // empty when body recording is off
    qint64 bodySize = 0;
    QByteArray bodySha256; // hex, always computed
    int connectionId = 0; // 1 for the first accepted connection, 2 for the next, ...
    qint64 receivedAtMs = 0; // monotonic, since the server was created

    QByteArray header(const QByteArray& name) const; // case-insensitive; empty when absent
    bool hasHeader(const QByteArray& name) const;
};

// A QTcpServer on loopback that answers HTTP/1.1 from a script and records every request.
// Responses queued for a route (method + path, "*" for any method) are used first in, first out;
// when a route's queue is empty the fallback handler answers, and without one a 404.
class ScriptedHttpServer : public HttpServerBase
{
    Q_OBJECT

public:
    using Handler = std::function<ScriptedResponse(const RecordedRequest&)>;

    explicit ScriptedHttpServer(QObject* parent = nullptr);
    ~ScriptedHttpServer() override;

    bool listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const;
    // http://127.0.0.1:<port><path>; host may be "localhost" for a second origin on the same server.
    QUrl url(const QString& path = QStringLiteral("/"), const QString& host = QStringLiteral("127.0.0.1")) const;

    void enqueue(const QByteArray& method, const QString& path, const ScriptedResponse& response, int times = 1);
    void setFallback(Handler handler);
    void setRecordBodies(bool record); // default on; off for very large uploads

    QList<RecordedRequest> requests() const { return m_requests; }
    int requestCount() const { return m_requests.size(); }
    int requestCount(const QByteArray& method, const QString& path) const;
    using HttpServerBase::connectionCount; // accepted since construction or the last clearRecords()
    // Connections currently open (accepted and not yet closed by either side). A Stall ends only
    // when the client gives up, so tests can QTRY_COMPARE(openConnectionCount(), 0) to see that.
    using HttpServerBase::openConnectionCount;
    // Forgets requests and resets the connection count, keeps the script. Connection ids are never
    // reused, so ids of requests after this continue from where they were (connections that are
    // still open keep their ids and must not collide with new ones).
    void clearRecords();

    // Closes every open client connection (for tests that want a fresh connection).
    void closeAllConnections();

signals:
    void requestReceived(const nullify::test::RecordedRequest& request);

private:
    struct ScriptedConnection;
    Connection* createConnection(QTcpSocket* socket) override;
    void received(QTcpSocket* socket, Connection* connection, const QByteArray& incoming) override;
    void answer(QTcpSocket* socket, const RecordedRequest& request);
    ScriptedResponse responseFor(const RecordedRequest& request);
    void performAction(QTcpSocket* socket, const ScriptedResponse& response);
    ScriptedConnection* scriptedConnection(QTcpSocket* socket) const;

    void finishRequest(QTcpSocket* socket, ScriptedConnection* connection);
    void failConnection(QTcpSocket* socket, ScriptedConnection* connection, int statusCode);
    void sendContinueIfDue(QTcpSocket* socket, ScriptedConnection* connection);
    void processQueue(QTcpSocket* socket, ScriptedConnection* connection);

    QElapsedTimer m_clock;
    QHash<QByteArray, QList<ScriptedResponse>> m_script; // key: method + ' ' + path
    Handler m_fallback;
    QList<RecordedRequest> m_requests;
    bool m_recordBodies = true;
};

} // namespace nullify::test

Q_DECLARE_METATYPE(nullify::test::RecordedRequest)
