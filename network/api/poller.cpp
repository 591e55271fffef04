#include "poller.h"

#include <QNetworkReply>

namespace nullify::api {

Poller::Poller(NullifyApi* api, QObject* parent)
    : QObject(parent)
    , m_api(api)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Poller::tick);
}

void Poller::start()
{
    if (m_active)
        return;
    m_active = true;
    m_clock.start();
    tick();
}

void Poller::stop()
{
    if (!m_active)
        return;
    end();
    if (QNetworkReply* reply = m_reply) {
        m_reply = nullptr;
        reply->abort(); // its answer finds the poller inactive and is dropped
    }
}

void Poller::tick()
{
    if (!m_active)
        return;
    if (!m_api) {
        ApiError error;
        error.kind = ApiError::Kind::Cancelled;
        error.message = QStringLiteral("The API is no longer available.");
        end();
        emit failed(error);
        return;
    }
    m_reply = poll();
}

void Poller::pollSucceeded()
{
    m_reply = nullptr;
    if (m_active)
        m_timer.start(m_interval);
}

void Poller::pollEnded()
{
    m_reply = nullptr;
    if (m_active)
        end();
}

void Poller::pollError(const ApiError& error)
{
    m_reply = nullptr;
    if (!m_active)
        return;
    if (error.isFinal()) {
        m_active = false;
        m_timer.stop();
        emit failed(error);
        emit stopped();
        return;
    }
    emit pollFailed(error);
    if (m_active) // a slot may have stopped us
        m_timer.start(m_interval);
}

void Poller::end()
{
    m_active = false;
    m_timer.stop();
    emit stopped();
}

AutofixPoller::AutofixPoller(NullifyApi* api, FindingService service, const QString& findingId, QObject* parent)
    : Poller(api, parent)
    , m_service(service)
    , m_findingId(findingId)
{
    setInterval(std::chrono::seconds(3));
}

QNetworkReply* AutofixPoller::poll()
{
    return api()->autofixStatus(m_service, m_findingId, this, [this](const Result<AutofixStatus>& result) {
        if (!isActive())
            return;
        if (!result) {
            pollError(result.error());
            return;
        }
        m_last = result.value();
        emit statusUpdated(m_last);
        if (!isActive())
            return; // stopped from a slot
        if (m_last.terminal) {
            emit finished(m_last);
            pollEnded();
            return;
        }
        if (!m_stillRunningReported && elapsedMs() >= m_stillRunningAfter.count()) {
            m_stillRunningReported = true;
            setInterval(std::max(interval(), m_slowInterval));
            emit stillRunning(elapsedMs());
        }
        pollSucceeded();
    });
}

CloudScanPoller::CloudScanPoller(NullifyApi* api, const QString& scanId, QObject* parent)
    : Poller(api, parent)
    , m_scanId(scanId)
{ }

QNetworkReply* CloudScanPoller::poll()
{
    return api()->cloudScanStatus(m_scanId, this, [this](const Result<CloudScanStatus>& result) {
        if (!isActive())
            return;
        if (!result) {
            pollError(result.error());
            return;
        }
        const CloudScanStatus& status = result.value();
        emit statusUpdated(status);
        if (!isActive())
            return;
        if (status.isFinal()) {
            emit finished(status);
            pollEnded();
            return;
        }
        pollSucceeded();
    });
}

PentestScanPoller::PentestScanPoller(NullifyApi* api, const QString& scanId, QObject* parent)
    : Poller(api, parent)
    , m_scanId(scanId)
{ }

QNetworkReply* PentestScanPoller::poll()
{
    return api()->pentestScan(m_scanId, this, [this](const Result<PentestScan>& result) {
        if (!isActive())
            return;
        if (!result) {
            pollError(result.error());
            return;
        }
        const PentestScan& scan = result.value();
        emit scanUpdated(scan);
        if (!isActive())
            return;
        if (scan.isFinal()) {
            emit finished(scan);
            pollEnded();
            return;
        }
        pollSucceeded();
    });
}

} // namespace nullify::api
