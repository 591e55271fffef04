#include "connectionstate.h"

#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "reachability.h"
#include "requesttracker.h"
#include "retrypolicy.h"

#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiConnection, "nullify.ui.connection", QtInfoMsg)

ConnectionState::ConnectionState(RequestTracker* tracker, ReachabilitySource* reachability, QObject* parent)
    : QObject(parent)
    , m_tracker(tracker)
    , m_reachability(reachability ? reachability : new SystemReachability(this))
{
    Q_ASSERT(tracker);
    m_systemOffline = !m_reachability->isOnline();
    connect(m_reachability, &ReachabilitySource::onlineChanged, this, &ConnectionState::onReachabilityChanged);
    connect(tracker, &RequestTracker::attemptEnded, this, &ConnectionState::onAttemptEnded);
    connect(tracker, &RequestTracker::requestFinished, this, &ConnectionState::onRequestFinished);
    connect(tracker, &RequestTracker::retryPending, this, &ConnectionState::update);
    connect(tracker, &RequestTracker::retryCleared, this, &ConnectionState::update);
    connect(tracker, &RequestTracker::hostWaitPending, this, &ConnectionState::update);
    connect(tracker, &RequestTracker::hostWaitCleared, this, &ConnectionState::update);

    m_probeTimer.setSingleShot(true);
    connect(&m_probeTimer, &QTimer::timeout, this, &ConnectionState::onProbeDue);
    update();
}

ConnectionState::~ConnectionState() = default;

bool ConnectionState::isUnreachableError(int networkError)
{
    switch (QNetworkReply::NetworkError(networkError)) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError: // "network unreachable" and friends
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyNotFoundError:
        return true;
    default:
        return false;
    }
}

std::optional<RetryInfo> ConnectionState::soonestRetryInfo() const
{
    if (!m_soonestRetry || !m_tracker)
        return std::nullopt;
    return m_tracker->pendingRetry(m_soonestRetry);
}

void ConnectionState::setSignedIn(bool signedIn)
{
    if (signedIn == m_signedIn)
        return;
    m_signedIn = signedIn;
    update();
}

void ConnectionState::setOfflineAfterFailures(int attempts)
{
    m_offlineAfter = std::max(attempts, 1);
}

void ConnectionState::setProbeInterval(std::chrono::milliseconds first, std::chrono::milliseconds longest)
{
    m_probeFirst = std::max(first, std::chrono::milliseconds(1));
    m_probeLongest = std::max(longest, m_probeFirst);
    m_probeNext = m_probeFirst;
}

void ConnectionState::onAttemptEnded(quint64 id, int attempt)
{
    const RequestRecord* record = m_tracker ? m_tracker->record(id) : nullptr;
    if (!record || attempt < 1 || attempt > record->attempts.size())
        return;
    const AttemptRecord& ended = record->attempts.at(attempt - 1);
    if (ended.httpStatus != 0) {
        // The server answered: whatever the status, the network and the host are there.
        m_unreachableInARow = 0;
        if (m_transportOffline || m_systemOffline)
            qCInfo(lcUiConnection) << "the server answered; back online";
        m_transportOffline = false;
        m_systemOffline = false; // an answer beats the system's guess
    } else if (isUnreachableError(ended.error)) {
        ++m_unreachableInARow;
        if (!m_transportOffline && m_unreachableInARow >= m_offlineAfter) {
            qCInfo(lcUiConnection) << m_unreachableInARow << "attempts in a row did not reach the server; offline";
            m_transportOffline = true;
        }
    }
    update();
}

void ConnectionState::onRequestFinished(quint64 id)
{
    const RequestRecord* record = m_tracker ? m_tracker->record(id) : nullptr;
    if (record && record->outcome == RequestRecord::Outcome::Succeeded)
        m_dataAsOf = record->finishedAt;
    update();
}

void ConnectionState::onReachabilityChanged(bool online)
{
    qCInfo(lcUiConnection) << "the system reports" << (online ? "online" : "offline");
    m_systemOffline = !online;
    if (online) {
        // A new network: earlier failures say nothing about it.
        m_transportOffline = false;
        m_unreachableInARow = 0;
    }
    update();
}

void ConnectionState::onProbeDue()
{
    if (!m_paused)
        return;
    qCDebug(lcUiConnection) << "probe due";
    emit probeRequested();
    NetworkAccessManager* manager = m_tracker ? m_tracker->manager() : nullptr;
    if (m_probeUrl.isValid() && manager) {
        QNetworkRequest request(m_probeUrl);
        RetryPolicy once = manager->retryPolicy();
        once.maxAttempts = 1;
        once.attemptTimeout = std::min(once.attemptTimeout, std::chrono::milliseconds(10000));
        once.deadline = std::min(once.deadline, std::chrono::milliseconds(15000));
        request.setAttribute(toAttribute(RequestAttribute::RetryPolicyOverride), QVariant::fromValue(once));
        // A GET: the API declares no HEAD for it (a spec-following server answers 405).
        m_probe = manager->get(request);
        connect(m_probe, &QNetworkReply::finished, m_probe, &QObject::deleteLater);
        // The next probe is timed from this one's end: on a slow link, probes never pile up.
        connect(m_probe, &QNetworkReply::finished, this, &ConnectionState::scheduleNextProbe);
        return;
    }
    scheduleNextProbe();
}

void ConnectionState::scheduleNextProbe()
{
    if (m_paused) {
        m_probeNext = std::min(m_probeNext * 2, m_probeLongest);
        m_probeTimer.start(m_probeNext);
    }
}

void ConnectionState::update()
{
    // The soonest pending retry.
    QNetworkReply* soonest = m_tracker ? m_tracker->soonestPendingRetry() : nullptr;
    const std::optional<RetryInfo> info = soonest ? m_tracker->pendingRetry(soonest) : std::nullopt;
    const QDateTime due = info ? info->dueAt : QDateTime();
    const QString waitingHost = m_tracker ? m_tracker->soonestHostWait() : QString();
    const QDateTime hostDue = waitingHost.isEmpty() ? QDateTime() : m_tracker->hostWaits().value(waitingHost).dueAt;
    const bool soonestChanged = soonest != m_soonestRetry.data() || due != m_soonestDue || waitingHost != m_waitingHost
        || hostDue != m_waitingHostDue;
    m_soonestRetry = soonest;
    m_soonestDue = due;
    m_waitingHost = waitingHost;
    m_waitingHostDue = hostDue;

    const bool offline = m_systemOffline || m_transportOffline;
    State state = State::Online;
    if (!m_signedIn)
        state = State::SignedOut;
    else if (offline)
        state = State::Offline;
    else if (soonest || !waitingHost.isEmpty())
        state = State::Retrying;

    const bool pauseFlipped = offline != m_paused;
    m_paused = offline;
    if (pauseFlipped) {
        if (offline) {
            m_probeNext = m_probeFirst;
            m_probeTimer.start(m_probeNext);
        } else {
            m_probeTimer.stop();
        }
    }
    const bool stateFlipped = state != m_state;
    m_state = state;

    if (stateFlipped)
        qCInfo(lcUiConnection) << "state" << state;
    if (pauseFlipped)
        emit pausedChanged(offline);
    if (soonestChanged)
        emit soonestRetryChanged();
    if (stateFlipped)
        emit stateChanged(state);
}

} // namespace nullify::ui
