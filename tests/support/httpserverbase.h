#pragma once

#include "httprequestparser.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTcpServer>

class QTcpSocket;

namespace nullify::test {

// Writes a complete HTTP/1.1 response. Adds "Date: <now>" unless headers has one, "Content-Length"
// unless headers has Content-Length or Transfer-Encoding (never for 1xx/204/304, which have no
// body) and "Connection: close" when closeAfter. An empty reason means the standard phrase.
// headersOnly leaves out the body (HEAD, or a caller that sends its own part of it).
// announceLength false leaves out the added Content-Length: a body ended by closing the connection.
QByteArray serializeHttpResponse(int status,
                                 const QByteArray& reason,
                                 const HeaderList& headers,
                                 const QByteArray& body,
                                 bool closeAfter,
                                 bool headersOnly = false,
                                 bool announceLength = true);
bool statusAllowsBody(int status);
// The response's own headers ask for the connection to be closed after it.
bool responseAsksToClose(const HeaderList& headers);

// The connection layer shared by the scripted test server and the sandbox's HttpEndpoint: a
// QTcpServer, the accepted sockets with their per-connection parser, and the ways a connection
// ends (graceful close, optionally after draining a refused body, or a reset after a partial
// write). What is done with parsed requests is up to the subclass; it gets each read through
// received() and adds its own per-connection state by subclassing Connection.
class HttpServerBase : public QObject
{
    Q_OBJECT

public:
    ~HttpServerBase() override;

protected:
    // A QObject child of its socket, so it and any timer that uses it as context die with the
    // socket.
    struct Connection : QObject
    {
        using QObject::QObject;

        int id = 0; // 1 for the first accepted connection, 2 for the next, ...; never reused
        HttpRequestParser parser;
        bool closing = false; // we are closing; input is discarded
        qint64 drainRemaining = 0; // body bytes of a refused request still to be read and dropped
        bool draining = false;
    };

    // Servers that see many connections at once need a deeper queue than Qt's defaults (30 pending,
    // backlog 50), or the kernel drops SYNs and the client waits a second for the retransmit.
    HttpServerBase(int maxPendingConnections, int listenBacklog, QObject* parent);

    // Creates the per-connection state for a newly accepted socket (parented to it).
    virtual Connection* createConnection(QTcpSocket* socket) = 0;
    // Bytes read from a connection that is neither closing nor draining.
    virtual void received(QTcpSocket* socket, Connection* connection, const QByteArray& incoming) = 0;

    Connection* connection(QTcpSocket* socket) const { return m_connections.value(socket); }
    QList<QTcpSocket*> sockets() const { return m_connections.keys(); }
    int connectionCount() const { return m_connectionCount; } // accepted since start/reset
    int openConnectionCount() const { return m_connections.size(); }
    void resetConnectionCount() { m_connectionCount = 0; }

    // Flushes what is queued, then closes (after draining drainRemaining bytes, if any). A peer
    // that never reads would keep the socket in ClosingState forever, hence a reset after a while.
    void closeGracefully(QTcpSocket* socket);
    // Writes data, then resets the connection once it reached the kernel; nothing else is sent.
    void resetAfterWrite(QTcpSocket* socket, const QByteArray& data);

    QTcpServer m_server;

private:
    void acceptConnections();
    void readFromSocket(QTcpSocket* socket);
    void forget(QTcpSocket* socket);

    QHash<QTcpSocket*, Connection*> m_connections;
    int m_connectionCount = 0;
    int m_nextConnectionId = 0; // never reset, so ids stay unique in logs and records
};

} // namespace nullify::test
