#include "polldriver.h"

#include "apierror.h"
#include "connectionstate.h"
#include "poller.h"
#include "requesttracker.h" // connectionstate.h holds a QPointer to it: the full type is needed

#include <QLoggingCategory>

#include <limits>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiPoll, "nullify.ui.poll", QtInfoMsg)

PollDriver::PollDriver(api::Poller* poller, ConnectionState* connection, QObject* parent)
    : QObject(parent)
    , m_poller(poller)
    , m_connection(connection)
{
    m_waitTimer.setSingleShot(true);
    connect(&m_waitTimer, &QTimer::timeout, this, [this] {
        m_until = QDateTime();
        resume();
        emit holdChanged();
    });
    if (connection)
        connect(connection, &ConnectionState::pausedChanged, this, &PollDriver::onPausedChanged);
    connect(poller, &api::Poller::pollFailed, this, &PollDriver::onPollFailed);
    // Over by itself (a final status or a final error): nothing to resume later.
    connect(poller, &api::Poller::failed, this, [this] { stop(); });
    connect(poller, &api::Poller::stopped, this, [this] {
        if (m_poller && !m_poller->isActive() && !isHeldForConnection() && !m_until.isValid())
            m_wanted = false;
    });
}

bool PollDriver::isHeldForConnection() const
{
    return m_wanted && m_connection && m_connection->isPaused();
}

void PollDriver::start()
{
    m_wanted = true;
    resume();
}

void PollDriver::stop()
{
    m_wanted = false;
    m_waitTimer.stop();
    m_until = QDateTime();
    if (m_poller)
        m_poller->stop();
}

void PollDriver::resume()
{
    if (!m_wanted || !m_poller || m_until.isValid())
        return;
    if (m_connection && m_connection->isPaused()) {
        qCDebug(lcUiPoll) << "offline: polling held";
        return;
    }
    m_poller->start();
}

void PollDriver::onPausedChanged(bool paused)
{
    if (!m_wanted || !m_poller)
        return;
    if (paused) {
        // Mark the hold before stop(): the poller's stopped() must not read as "over".
        qCDebug(lcUiPoll) << "offline: holding the poll";
        m_poller->stop();
    } else {
        resume();
    }
    emit holdChanged();
}

void PollDriver::onPollFailed(const api::ApiError& error)
{
    if (error.kind != api::ApiError::Kind::RetryAfterTooLong || !error.retryAfterUntil.isValid() || !m_poller)
        return;
    // The server named a time: asking again at the next tick would only be refused again.
    const qint64 waitMs = std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(error.retryAfterUntil));
    m_until = error.retryAfterUntil;
    m_poller->stop();
    m_waitTimer.start(int(std::min<qint64>(waitMs, std::numeric_limits<int>::max())));
    qCDebug(lcUiPoll) << "the server asks to wait" << waitMs << "ms";
    emit holdChanged();
}

} // namespace nullify::ui
