#pragma once

#include "retrydecisions.h"
#include "retryinfo.h"
#include "retrypolicy.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>

#include <algorithm>

namespace nullify {

class HostQueue;
class NetworkAccessManager;
class ReplayableBody;
namespace qtworkarounds {
class SendOnceDevice;
}

// The reply a caller holds while the manager makes as many attempts as the policy allows.
// It finishes once, with the final attempt's status, headers and body, or with a clear error.
// Two jobs live here: the QNetworkReply the caller reads (headers, body, signals) and the state
// machine that runs the attempts (State). What to do after an attempt, whether and when to retry,
// where a redirect leads: retrydecisions.h, pure functions of plain values. What Qt reports and
// what really happened on the wire: qtworkarounds.h.
class RetryingReply : public QNetworkReply
{
    Q_OBJECT

public:
    RetryingReply(NetworkAccessManager* manager,
                  QNetworkAccessManager::Operation operation,
                  const QNetworkRequest& request,
                  QIODevice* body,
                  const RetryPolicy& policy);
    ~RetryingReply() override;

    int attemptCount() const { return m_attemptCount; }
    qint64 totalWaitedMs() const { return m_totalWaitedMs; }
    bool isWaitingToRetry() const { return m_state == State::WaitingToRetry; }
    QDateTime nextAttemptAt() const { return m_nextAttemptAt; }
    QByteArray verb() const { return m_verb; }

    void abort() override;
    void close() override;
    void ignoreSslErrors() override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }

public slots:
    // Skips the rest of a retry wait and sends the next attempt now. When the wait is the host's
    // (its Retry-After), ends the host's wait: every request waiting for it goes.
    void retryNow();

signals:
    // For every attempt. The first one starts inside the caller's get()/post(); a connection made
    // right after that call still hears about it, from the event loop.
    void attemptStarted(int attempt);
    void retryScheduled(const nullify::RetryInfo& info);

protected:
    qint64 readData(char* data, qint64 maxSize) override;
    void timerEvent(QTimerEvent* event) override;
    void connectNotify(const QMetaMethod& signal) override;
    void ignoreSslErrorsImplementation(const QList<QSslError>& errors) override;
    void setSslConfigurationImplementation(const QSslConfiguration& configuration) override;
    void sslConfigurationImplementation(QSslConfiguration& configuration) const override;

private:
    friend class NetworkAccessManager; // its host queues hold replies and resume them

    // Queued: waiting in the manager's queue for its host (see NetworkAccessManager).
    enum class State { Preparing, WaitingForToken, Queued, Sending, WaitingToRetry, Finished };
    // How the current attempt's body is treated once its headers are known.
    enum class BodyMode { Undecided, Deliver, Hold };

    void start();
    void sendAttempt();
    void resumeFromQueue();
    void releaseSlot(bool usedHttp2 = false);
    void onMetaDataChanged();
    void onAttemptReadyRead();
    void onAttemptFinished();
    void onRefreshFinished(bool succeeded, const QString& reason, bool signInRequired);
    void onDeadline();
    void onWatchdog();
    void noteActivity() { m_attempt.lastActivityMs = m_sinceStart.elapsed(); }

    bool followRedirect(int status);
    bool replayAfterUnauthorized();
    bool scheduleRetry(int status, QNetworkReply::NetworkError error);
    RetryHistory history() const;
    qint64 heldBodyLimit() const { return std::min(m_policy.maxDrainBytes, m_maxResponseBytes); }
    void waitForTokenRefresh();
    void stopWaitingForTokenRefresh();

    void adoptAttemptMetaData();
    void finishWithAttempt(QNetworkReply::NetworkError error, const QString& errorText);
    void finishWithError(QNetworkReply::NetworkError error, const QString& errorText);
    void finish();
    void emitFinished();
    void relayDownloadProgress(QNetworkReply* attempt);
    void discardAttempt();
    void finishTooLarge();

    // Everything about the attempt under way. A new attempt starts from a fresh one, assigned whole
    // (sendAttempt()); what outlives an attempt is a member of the reply.
    struct Attempt
    {
        QPointer<QNetworkReply> reply;
        // Its body when Qt must not send it again by itself (qtworkarounds::SendOnceDevice).
        QPointer<qtworkarounds::SendOnceDevice> sendOnce;
        BodyMode bodyMode = BodyMode::Undecided;
        qint64 bodyBytes = 0; // body bytes received, held or delivered
        QByteArray heldBody; // an error body held while deciding, up to heldBodyLimit()
        bool heldBodyTruncated = false;
        bool mayHaveReachedServer = false; // decides a retry for requests that must not run twice
        bool abortedByUs = false;
        bool timedOut = false; // we aborted it: no data moved for the policy's attempt timeout
        bool hadToken = false; // it carries an access token of ours
        quint64 tokenGeneration = 0; // ... of this generation
        qint64 lastActivityMs = 0; // on m_sinceStart's clock
    };

    QPointer<NetworkAccessManager> m_manager;
    HostQueue* m_hostQueue = nullptr; // the manager's queue for the request's host, looked up once per URL
    HostQueue* m_slotHost = nullptr; // the host the current attempt counts against while in Qt
    HostQueue* m_waitingIn = nullptr; // the host queue this reply waits in
    bool m_leftQueue = false; // resumeFromQueue() is sending it: ahead of the rest of the queue
    QNetworkAccessManager::Operation m_operation;
    QNetworkRequest m_request; // the request as it stands now: redirects change URL, method, headers
    QByteArray m_verb;
    ReplayableBody* m_body = nullptr;
    bool m_hasBody = false;
    RetryPolicy m_policy;
    bool m_markedIdempotent = false;
    qint64 m_maxResponseBytes; // the largest body taken in (RequestAttribute::MaxResponseBytes)
    QVariant m_requestedRedirectPolicy; // the caller's; every attempt goes out with manual redirects

    State m_state = State::Preparing;
    Attempt m_attempt;
    QByteArray m_buffer; // delivered body bytes; the caller has read up to m_bufferOffset
    qint64 m_bufferOffset = 0;
    qint64 m_bytesRead = 0; // how many body bytes the caller has taken, across the final attempt

    int m_attemptCount = 0; // attempts handed to Qt so far
    int m_retriesScheduled = 0;
    bool m_retryHoldsBudgetToken = false; // the latest retry was paid from the host's budget
    int m_redirects = 0;
    bool m_unauthorizedReplayUsed = false;
    bool m_timedOut = false;
    bool m_constructing = false; // the first attempt starts inside the caller's get()/post()
    bool m_firstAttemptUnannounced = false;
    bool m_relayDownloadProgress = false; // somebody listens to downloadProgress

    // QBasicTimer rather than QTimer: a reply is made per request, and QObjects per reply showed
    // up in the overhead benchmark. One watchdog serves both the request deadline and the attempt's
    // inactivity timeout, so progress only records a time and never restarts a timer.
    QBasicTimer m_retryTimer;
    QBasicTimer m_watchdog;
    QElapsedTimer m_sinceStart;
    QElapsedTimer m_waitClock;
    qint64 m_totalWaitedMs = 0;
    QDateTime m_nextAttemptAt;
    QMetaObject::Connection m_refreshConnection;

    QList<QSslError> m_ignoredSslErrors;
    bool m_ignoreAllSslErrors = false;
};

} // namespace nullify
