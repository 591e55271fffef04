#pragma once

#include <QHostAddress>

#include <chrono>

namespace nullify::test {

// A loopback port nothing listens on: bound, read and released (0 if none could be bound). Also
// serves as a free port to hand to a server started afterwards.
quint16 closedPort();

// Whether a TCP connection to address:port is accepted within timeout.
bool acceptsConnection(const QHostAddress& address,
                       quint16 port,
                       std::chrono::milliseconds timeout = std::chrono::seconds(3));

} // namespace nullify::test
