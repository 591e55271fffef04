#pragma once

#include <QObject>

#include <chrono>

namespace nullify::ui {

// What the system says about the network, behind a small interface so tests (and a future
// "work offline" switch) can drive it. Only "definitely no network" counts as offline: a machine
// with only a local network may still reach an API on it, and failed requests say the rest.
class ReachabilitySource : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    virtual bool isOnline() const = 0;

signals:
    void onlineChanged(bool online);
};

// QNetworkInformation with the platform's default backend (any backend with reachability when
// that fails), loaded from the event loop. Without a backend (a headless machine), always online.
class SystemReachability : public ReachabilitySource
{
    Q_OBJECT

public:
    static constexpr std::chrono::milliseconds backendLoadDelay {1000};

    explicit SystemReachability(QObject* parent = nullptr);

    bool isOnline() const override { return m_online; }
    bool hasBackend() const { return m_hasBackend; } // known once the event loop has run

private:
    void loadBackend();

    bool m_online = true;
    bool m_hasBackend = false;
};

// Set by hand: tests, or a source that something else decides.
class ManualReachability : public ReachabilitySource
{
    Q_OBJECT

public:
    explicit ManualReachability(bool online = true, QObject* parent = nullptr)
        : ReachabilitySource(parent)
        , m_online(online)
    { }

    bool isOnline() const override { return m_online; }
    void setOnline(bool online)
    {
        if (online == m_online)
            return;
        m_online = online;
        emit onlineChanged(online);
    }

private:
    bool m_online;
};

} // namespace nullify::ui
