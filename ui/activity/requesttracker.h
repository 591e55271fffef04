#pragma once

#include "networkaccessmanager.h"
#include "retryinfo.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QString>

#include <optional>

namespace nullify::ui {

// One attempt of a request, as the activity panel shows it. Never holds headers, bodies or
// Qt's errorString() (which quotes the full URL, query and all).
struct AttemptRecord
{
    int number = 0; // 1 for the first attempt
    QDateTime startedAt; // UTC
    bool ended = false; // its outcome is known (the fields below are filled in)
    int httpStatus = 0; // 0: no HTTP answer (see error)
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString reason; // short and human: "HTTP 503", "connection refused", "redirected"
    qint64 waitMs = 0; // the wait scheduled after this attempt, 0 when none followed
    bool waitFromRetryAfter = false; // that wait was the server's Retry-After
};

// One logical request (one reply, however many attempts it took).
struct RequestRecord
{
    enum class Outcome {
        InFlight, // an attempt is under way
        WaitingToRetry, // between attempts; see RequestTracker::pendingRetry()
        Succeeded, // finished with a 1xx-3xx status
        Failed, // finished with an HTTP error status or a transport error
        Cancelled, // abort() (Cancel) or the reply was deleted before it finished
        TimedOut, // an attempt's transfer timeout or the request deadline ran out
    };

    quint64 id = 0; // unique for the tracker's lifetime, increasing
    QByteArray method;
    // The URL without user info or fragment, secret-looking query values replaced (redactedUrl),
    // and `path` the same without scheme and host, decoded for reading ("/scans?token=<redacted>").
    QString url;
    QString path;
    QDateTime startedAt; // UTC
    QDateTime finishedAt; // UTC; invalid while in flight
    QList<AttemptRecord> attempts;
    Outcome outcome = Outcome::InFlight;
    int finalStatus = 0; // the final attempt's HTTP status, 0 when none
    QNetworkReply::NetworkError finalError = QNetworkReply::NoError;
    qint64 totalWaitMs = 0; // once finished: milliseconds spent waiting between attempts
    QDateTime retryAfterUntil; // UTC: the server asked to wait until then, longer than the app waits

    bool isFinished() const { return outcome != Outcome::InFlight && outcome != Outcome::WaitingToRetry; }
    qint64 durationMs() const; // start to finish, or to now while in flight
    const AttemptRecord* lastAttempt() const { return attempts.isEmpty() ? nullptr : &attempts.constLast(); }
};

// Watches one NetworkAccessManager and keeps a bounded history of its requests for the activity
// panel, the retry countdowns and the connection state. Only the UI thread, like the manager.
//
// The history is ordered by id (oldest first). When it grows past capacity(), the oldest
// finished records are dropped; requests still in flight are never dropped.
class RequestTracker : public QObject
{
    Q_OBJECT

public:
    explicit RequestTracker(NetworkAccessManager* manager, QObject* parent = nullptr);
    ~RequestTracker() override;

    NetworkAccessManager* manager() const { return m_manager; }

    void setCapacity(int capacity); // at least 1; default 500
    int capacity() const { return m_capacity; }

    // Oldest first. References and pointers into it stay valid only until the next signal.
    const QList<RequestRecord>& records() const { return m_records; }
    const RequestRecord* record(quint64 id) const; // nullptr once dropped

    // The live reply behind a record and back; nullptr / 0 once the request finished.
    QNetworkReply* reply(quint64 id) const;
    quint64 requestId(const QNetworkReply* reply) const;

    // Requests waiting between attempts, and the wait of one of them.
    QList<QNetworkReply*> pendingRetries() const;
    std::optional<RetryInfo> pendingRetry(const QNetworkReply* reply) const;
    // The pending retry due first; nullptr when none.
    QNetworkReply* soonestPendingRetry() const;

    // Act on a tracked, unfinished request (RetryingReply::retryNow() / abort()). False when the
    // reply is not one the tracker knows as unfinished (or, for retryNow, is not waiting).
    bool retryNow(QNetworkReply* reply);
    bool abort(QNetworkReply* reply);

    // Hosts that wait out a Retry-After (NetworkAccessManager::hostKey() -> the wait): every
    // request to such a host waits for the one countdown of the host, which ends the soonest.
    QHash<QString, RetryInfo> hostWaits() const { return m_hostWaits; }
    QString soonestHostWait() const; // empty when no host waits
    int requestsWaitingFor(const QString& host) const; // in the manager, not yet sent or retried
    // Ends the host's wait (all its requests go) / cancels every request waiting for it.
    bool retryHostNow(const QString& host);
    bool cancelHost(const QString& host);

    // Words for a transport error, never Qt's errorString() (which quotes the URL).
    static QString describeError(QNetworkReply::NetworkError error);

signals:
    void requestStarted(quint64 id); // appended to records()
    void requestUpdated(quint64 id); // an attempt started or ended, a wait was scheduled
    void requestFinished(quint64 id);
    void requestDropped(quint64 id); // removed from records() to keep within capacity()
    // An attempt's outcome became known (records()[..].attempts[attempt - 1]).
    void attemptEnded(quint64 id, int attempt);
    void retryPending(QNetworkReply* reply, const nullify::RetryInfo& info);
    void retryCleared(QNetworkReply* reply); // the wait ended: next attempt, finished or deleted
    void hostThrottled(const QString& host);
    void hostWaitPending(const QString& host, const nullify::RetryInfo& info); // once per wait
    void hostWaitCleared(const QString& host);

private:
    struct Live
    {
        QPointer<QNetworkReply> reply;
        QNetworkReply* identity = nullptr; // the same pointer, kept for retryCleared() after deletion
        std::optional<RetryInfo> pending;
    };

    RequestRecord* mutableRecord(quint64 id);
    void onAttemptStarted(QNetworkReply* reply, int attempt);
    void onRetryScheduled(QNetworkReply* reply, const RetryInfo& info);
    void onRedirected(QNetworkReply* reply);
    void onFinished(QNetworkReply* reply);
    void onDestroyed(QObject* object);
    quint64 startRecord(QNetworkReply* reply);
    void clearPending(quint64 id, QNetworkReply* reply);
    void trim();

    QPointer<NetworkAccessManager> m_manager;
    int m_capacity = 500;
    quint64 m_nextId = 1;
    QList<RequestRecord> m_records; // sorted by id
    QHash<quint64, Live> m_live; // unfinished requests
    QHash<const QObject*, quint64> m_idByReply; // unfinished requests; QObject* so destroyed() can look up
    QHash<QString, RetryInfo> m_hostWaits;
};

} // namespace nullify::ui

Q_DECLARE_METATYPE(nullify::ui::RequestRecord)
