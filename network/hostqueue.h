#pragma once

#include "retryinfo.h"

#include <QDeadlineTimer>
#include <QList>
#include <QPointer>
#include <QString>
#include <QTimer>

namespace nullify {

class RetryingReply;

// The requests to one host (host and port) that wait in the manager rather than inside Qt: while
// every connection Qt would use for the host is busy, and while the host asked to be left alone
// for a while (a 429 or 503 with Retry-After). Kept here, a waiting request can still leave with a
// token renewed in the meantime, be cancelled without Qt ever seeing it, and start the moment the
// host's wait ends. Owned by NetworkAccessManager, which decides when the next one goes.
class HostQueue
{
public:
    // Qt's own limits: 6 connections per host for HTTP/1.1 (QHttpNetworkConnection's channel
    // count), 100 concurrent streams on the one HTTP/2 connection (its default
    // SETTINGS_MAX_CONCURRENT_STREAMS). More in Qt would only wait in Qt's queue.
    static constexpr int http1Limit = 6;
    static constexpr int http2Limit = 100;

    explicit HostQueue(const QString& key)
        : m_key(key)
    {
        m_throttleTimer.setSingleShot(true);
        m_throttleTimer.setTimerType(Qt::PreciseTimer);
    }

    QString key() const { return m_key; }

    // Attempts handed to Qt and not finished yet.
    bool hasRoom() const { return m_inFlight < m_limit; }
    void attemptStarted() { ++m_inFlight; }
    void attemptEnded() { --m_inFlight; }
    void setSpeaksHttp2() { m_limit = http2Limit; }
    int inFlight() const { return m_inFlight; }

    // Waiting replies, in the order they go: retries and high-priority requests first (the
    // token refresh call must not queue behind the calls it is about to unblock), then the rest.
    void enqueue(RetryingReply* reply, bool first) { (first ? m_first : m_rest).append(reply); }
    bool remove(RetryingReply* reply) { return m_first.removeOne(reply) || m_rest.removeOne(reply); }
    RetryingReply* takeNext() { return !m_first.isEmpty() ? m_first.takeFirst() : m_rest.takeFirst(); }
    QList<RetryingReply*> takeAll();
    bool isEmpty() const { return m_first.isEmpty() && m_rest.isEmpty(); }
    bool hasWaitingAhead(bool first) const { return first ? !m_first.isEmpty() : !isEmpty(); }
    int waitingCount() const { return int(m_first.size() + m_rest.size()); }

    // The host's wait after a Retry-After: nothing goes to it until the timer fires.
    bool isThrottled() const { return m_throttleTimer.isActive(); }
    RetryInfo throttle() const { return m_throttle; }
    // Starts the wait or makes it longer. True when that is news for a countdown: the wait
    // started, or it ends a second or more later than throttle() said so far.
    bool throttleUntil(const RetryInfo& info);
    void endThrottle();
    QTimer& throttleTimer() { return m_throttleTimer; }

private:
    QString m_key;
    int m_inFlight = 0;
    int m_limit = http1Limit;
    QList<RetryingReply*> m_first;
    QList<RetryingReply*> m_rest;
    QTimer m_throttleTimer;
    QDeadlineTimer m_throttleEnd;
    RetryInfo m_throttle;
};

} // namespace nullify
