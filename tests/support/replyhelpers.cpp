#include "replyhelpers.h"

#include "networkattributes.h"

#include <QEventLoop>
#include <QPointer>
#include <QTimer>

namespace nullify::test {

RetryPolicy fastRetryPolicy(std::chrono::milliseconds initialBackoff)
{
    RetryPolicy policy;
    policy.initialBackoff = initialBackoff;
    policy.maxBackoff = initialBackoff * 8;
    policy.jitter = 0.0; // deterministic waits make timing bounds meaningful
    return policy;
}

bool waitForFinished(QNetworkReply* reply, std::chrono::milliseconds timeout)
{
    if (!reply)
        return false;
    if (reply->isFinished())
        return true;
    QPointer<QNetworkReply> guard(reply);
    bool finished = false;
    QEventLoop loop;
    // Track finished() itself: an auto-deleted reply is gone by the time the loop returns.
    QObject::connect(reply, &QNetworkReply::finished, &loop, [&] {
        finished = true;
        loop.quit();
    });
    QObject::connect(reply, &QObject::destroyed, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
    loop.exec();
    return finished || (guard && guard->isFinished());
}

int attemptCount(const QNetworkReply* reply)
{
    return reply->attribute(toAttribute(ReplyAttribute::AttemptCount)).toInt();
}

} // namespace nullify::test
