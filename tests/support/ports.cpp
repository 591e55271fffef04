#include "ports.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace nullify::test {

quint16 closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

bool acceptsConnection(const QHostAddress& address, quint16 port, std::chrono::milliseconds timeout)
{
    QTcpSocket socket;
    socket.connectToHost(address, port);
    const bool connected = socket.waitForConnected(int(timeout.count()));
    socket.abort();
    return connected;
}

} // namespace nullify::test
