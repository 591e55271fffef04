#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QNetworkReply>
#include <QString>

#include <chrono>

namespace nullify {

// What the UI needs to show a retry countdown ("HTTP 503 · retrying in 4 s").
struct RetryInfo
{
    int nextAttempt = 0; // 2 for the first retry
    std::chrono::milliseconds delay {0};
    QDateTime dueAt; // UTC, when the next attempt starts unless retryNow() or abort()
    int httpStatus = 0; // 0 when the reason is a transport error
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    bool fromRetryAfter = false; // the delay is the server's Retry-After, not computed backoff
    QString reason; // short, human readable: "HTTP 503", "connection refused", "timed out"
    // Not empty: the wait is the host's (NetworkAccessManager::hostKey()), after its Retry-After;
    // every request to it waits until dueAt, and the UI shows one countdown for them all.
    QString host;
};

} // namespace nullify

Q_DECLARE_METATYPE(nullify::RetryInfo)
