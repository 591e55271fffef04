#pragma once

#include "requesttracker.h"
#include "retryinfo.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <chrono>
#include <optional>

class QNetworkReply;

namespace nullify::ui {

class ReachabilitySource;
class RequestTracker;

// The one connection state the status bar shows, from the system's reachability, the outcome
// of every attempt the tracker sees, the pending retries and whether somebody is signed in.
//
// Offline when the system says there is no network, or when attempts in a row (offlineAfter-
// Failures(), default 2) failed without reaching the server (connection refused, host not found,
// network unavailable). Any HTTP answer (whatever its status) proves the server is reachable and
// ends it, and so does the system reporting online after it had said offline. While offline,
// isPaused() is true so pollers hold off, and a probe is due every now and then (probeRequested(),
// plus a GET of probeUrl() when one is set) so the state comes back by itself.
class ConnectionState : public QObject
{
    Q_OBJECT

public:
    enum class State {
        Online,
        Retrying, // online, and at least one request waits to retry (soonestRetry())
        Offline,
        SignedOut,
    };
    Q_ENUM(State)

    // reachability: nullptr for the system's (SystemReachability, owned); else not owned.
    explicit ConnectionState(RequestTracker* tracker,
                             ReachabilitySource* reachability = nullptr,
                             QObject* parent = nullptr);
    ~ConnectionState() override;

    State state() const { return m_state; }
    bool isPaused() const { return m_paused; } // offline: pollers should not poll

    // Defaults to signed in, so the state says only what the network says until told otherwise.
    void setSignedIn(bool signedIn);
    bool isSignedIn() const { return m_signedIn; }

    // When the last request succeeded (UTC): what "showing data as of 12:34" refers to.
    QDateTime dataAsOf() const { return m_dataAsOf; }

    // The pending retry due first; nullptr / nothing when none.
    QNetworkReply* soonestRetry() const { return m_soonestRetry; }
    // The host whose wait (after its Retry-After) ends first: one countdown for every request to
    // it, shown before any single request's. Empty when no host waits.
    QString waitingHost() const { return m_waitingHost; }
    std::optional<RetryInfo> soonestRetryInfo() const;

    ReachabilitySource* reachability() const { return m_reachability; }
    RequestTracker* tracker() const { return m_tracker; }

    void setOfflineAfterFailures(int attempts); // at least 1
    int offlineAfterFailures() const { return m_offlineAfter; }
    // First probe this long after going offline, then doubling up to `longest`. Default 5 s, 60 s.
    void setProbeInterval(std::chrono::milliseconds first, std::chrono::milliseconds longest);
    // A URL to GET (one attempt, through the tracker's manager) when a probe is due: a cheap read the
    // API declares for GET. Any HTTP answer brings the state back online. Empty (default): only
    // probeRequested() is emitted.
    void setProbeUrl(const QUrl& url) { m_probeUrl = url; }
    QUrl probeUrl() const { return m_probeUrl; }

    // Attempts in a row that failed without reaching the server.
    int consecutiveUnreachable() const { return m_unreachableInARow; }
    static bool isUnreachableError(int networkError);

signals:
    void stateChanged(nullify::ui::ConnectionState::State state);
    void pausedChanged(bool paused);
    void soonestRetryChanged();
    void probeRequested();

private:
    void onAttemptEnded(quint64 id, int attempt);
    void onRequestFinished(quint64 id);
    void onReachabilityChanged(bool online);
    void onProbeDue();
    void scheduleNextProbe();
    void update();

    QPointer<RequestTracker> m_tracker;
    ReachabilitySource* m_reachability = nullptr;
    State m_state = State::Online;
    bool m_paused = false;
    bool m_signedIn = true;
    bool m_systemOffline = false;
    bool m_transportOffline = false;
    int m_unreachableInARow = 0;
    int m_offlineAfter = 2;
    QDateTime m_dataAsOf;
    QPointer<QNetworkReply> m_soonestRetry;
    QDateTime m_soonestDue;
    QString m_waitingHost;
    QDateTime m_waitingHostDue; // a later Retry-After makes a host's wait longer

    QTimer m_probeTimer;
    std::chrono::milliseconds m_probeFirst {5000};
    std::chrono::milliseconds m_probeLongest {60000};
    std::chrono::milliseconds m_probeNext {5000};
    QUrl m_probeUrl;
    QPointer<QNetworkReply> m_probe; // the probe on its way: the next one waits until it ends
};

} // namespace nullify::ui
