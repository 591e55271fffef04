#pragma once

#include "apierror.h"
#include "nullifyapi.h"
#include "types.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <chrono>

class QNetworkReply;

namespace nullify::api {

// Asks the server about long work on a timer until the work is over. One request at a time: the
// next tick is scheduled when the previous answer has arrived, so a slow server is never flooded.
// A failed poll (retries exhausted, a timeout, an odd body) is reported with pollFailed() and the
// next tick asks again; a final error (sign-in required, 401/403/404, a cancel) is reported with
// failed() and ends the polling. Aborting the reply in flight ends it too. A poller is usually
// the child of the view that shows the work: destroying it aborts the request in flight.
class Poller : public QObject
{
    Q_OBJECT

public:
    explicit Poller(NullifyApi* api, QObject* parent = nullptr);

    void setInterval(std::chrono::milliseconds interval) { m_interval = interval; }
    std::chrono::milliseconds interval() const { return m_interval; }

    bool isActive() const { return m_active; }
    qint64 elapsedMs() const { return m_clock.isValid() ? m_clock.elapsed() : 0; }
    // The reply of the poll in flight (for retry signals or abort()), or nullptr between polls.
    QNetworkReply* currentReply() const { return m_reply; }

public slots:
    void start(); // polls at once, then every interval()
    void stop(); // aborts the poll in flight; emits stopped()

signals:
    void pollFailed(const nullify::api::ApiError& error); // this poll failed; polling goes on
    void failed(const nullify::api::ApiError& error); // polling ended without a final status
    void stopped(); // polling ended, for whatever reason (after finished/failed, or stop())

protected:
    virtual QNetworkReply* poll() = 0;

    NullifyApi* api() const { return m_api; }
    // Subclasses report each answer: a status that is not yet final, the final one, or an error.
    void pollSucceeded();
    void pollEnded();
    void pollError(const ApiError& error);

private:
    void tick();
    void end();

    QPointer<NullifyApi> m_api;
    std::chrono::milliseconds m_interval {5000};
    QTimer m_timer;
    QElapsedTimer m_clock;
    QPointer<QNetworkReply> m_reply;
    bool m_active = false;
};

// Autofix: every 3 s until the server says `terminal` (the state string is not consulted: cached
// is terminal, pending_review is not, and new states appear). After stillRunningAfter (5 min) it
// emits stillRunning() once and keeps polling at slowInterval (15 s) instead of giving up: the
// fix keeps running on the server, and the view should still turn to "done" when it is.
class AutofixPoller : public Poller
{
    Q_OBJECT

public:
    AutofixPoller(NullifyApi* api, FindingService service, const QString& findingId, QObject* parent = nullptr);

    void setStillRunningAfter(std::chrono::milliseconds after) { m_stillRunningAfter = after; }
    void setSlowInterval(std::chrono::milliseconds interval) { m_slowInterval = interval; }
    AutofixStatus lastStatus() const { return m_last; }

signals:
    void statusUpdated(const nullify::api::AutofixStatus& status); // every answer, terminal included
    void finished(const nullify::api::AutofixStatus& status); // terminal
    void stillRunning(qint64 elapsedMs);

protected:
    QNetworkReply* poll() override;

private:
    FindingService m_service;
    QString m_findingId;
    std::chrono::milliseconds m_stillRunningAfter {std::chrono::minutes(5)};
    std::chrono::milliseconds m_slowInterval {std::chrono::seconds(15)};
    bool m_stillRunningReported = false;
    AutofixStatus m_last;
};

// A cloud scan until its overallStatus is final (completed, cancelled, failed,
// aborted_config_error, human_fallback).
class CloudScanPoller : public Poller
{
    Q_OBJECT

public:
    CloudScanPoller(NullifyApi* api, const QString& scanId, QObject* parent = nullptr);

signals:
    void statusUpdated(const nullify::api::CloudScanStatus& status);
    void finished(const nullify::api::CloudScanStatus& status);

protected:
    QNetworkReply* poll() override;

private:
    QString m_scanId;
};

// A pentest scan until its status is final; progress rises on the way.
class PentestScanPoller : public Poller
{
    Q_OBJECT

public:
    PentestScanPoller(NullifyApi* api, const QString& scanId, QObject* parent = nullptr);

signals:
    void scanUpdated(const nullify::api::PentestScan& scan);
    void finished(const nullify::api::PentestScan& scan);

protected:
    QNetworkReply* poll() override;

private:
    QString m_scanId;
};

} // namespace nullify::api
