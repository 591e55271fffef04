#include "hostqueue.h"

#include <utility>

namespace nullify {

QList<RetryingReply*> HostQueue::takeAll()
{
    QList<RetryingReply*> all = std::exchange(m_first, {});
    all.append(std::exchange(m_rest, {}));
    return all;
}

bool HostQueue::throttleUntil(const RetryInfo& info)
{
    const QDeadlineTimer end(info.delay.count(), Qt::PreciseTimer);
    if (isThrottled() && end.deadline() <= m_throttleEnd.deadline())
        return false;
    const bool started = !isThrottled();
    m_throttleEnd = end;
    m_throttleTimer.start(int(info.delay.count()));
    // A countdown shows whole seconds: answers a moment apart make one wait, told once.
    if (!started && info.dueAt < m_throttle.dueAt.addMSecs(1000))
        return false;
    m_throttle = info;
    return true;
}

void HostQueue::endThrottle()
{
    m_throttleTimer.stop();
    m_throttle = RetryInfo();
}

} // namespace nullify
