#pragma once

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace nullify::api {
class Poller;
struct ApiError;
} // namespace nullify::api

namespace nullify::ui {

class ConnectionState;

// Runs a poller the way a view should: not while the connection is paused (offline), and not
// before the time a server asked for with a Retry-After longer than the network core waits.
// Both holds end by themselves. The poller's own finished/failed signals still say when it is over.
class PollDriver : public QObject
{
    Q_OBJECT

public:
    PollDriver(api::Poller* poller, ConnectionState* connection, QObject* parent = nullptr);

    void start(); // polls now, or once the connection is back
    void stop(); // for good: no hold brings it back
    bool isRunning() const { return m_wanted; }
    bool isHeldForConnection() const;
    QDateTime heldUntil() const { return m_until; } // valid while the server's wait is held

signals:
    void holdChanged(); // paused or resumed; a view updates its status text

private:
    void onPausedChanged(bool paused);
    void onPollFailed(const api::ApiError& error);
    void resume();

    QPointer<api::Poller> m_poller;
    QPointer<ConnectionState> m_connection;
    QTimer m_waitTimer;
    QDateTime m_until;
    bool m_wanted = false;
};

} // namespace nullify::ui
