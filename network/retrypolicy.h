#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QNetworkReply>

#include <chrono>

namespace nullify {

// Every retry rule in one value. The manager has one; a request may carry its own through
// RequestAttribute::RetryPolicyOverride.
struct RetryPolicy
{
    int maxAttempts = 4; // first attempt included
    std::chrono::milliseconds initialBackoff {500};
    std::chrono::milliseconds maxBackoff {30'000};
    double jitter = 0.2; // each computed delay is scaled by a random factor in [1 - jitter, 1 + jitter]
    std::chrono::milliseconds retryAfterCap {30'000}; // a longer Retry-After ends the reply instead
    std::chrono::milliseconds attemptTimeout {30'000}; // per attempt, no bytes moving
    std::chrono::milliseconds deadline {120'000}; // whole request, waits included
    qint64 maxDrainBytes = 64 * 1024; // error bodies up to this are read so the connection is reused
    qint64 maxSpoolBytes = 64 * 1024 * 1024; // sequential upload bodies kept on disk for replay
    int maxRedirects = 10;
    // Per-host retry budget (token bucket in the style of the AWS SDKs' retry quota): a retry
    // costs one token, returned when that retry succeeds; a first-attempt success adds
    // refillPerSuccess. Read from the manager's policy only.
    double budgetCapacity = 20.0;
    double budgetRefillPerSuccess = 0.5;

    static bool isIdempotentMethod(const QByteArray& verb);

    // The network failed (connection refused, closed, reset, timed out, ...), as opposed to a
    // definite answer (an HTTP status, a TLS or protocol error, a cancel by the caller).
    static bool isTransportError(QNetworkReply::NetworkError error);

    // 429 for any method; 500, 502, 503, 504 only for idempotent methods or a marked request.
    bool isRetryableStatus(int httpStatus, const QByteArray& verb, bool markedIdempotent) const;

    // A failure before the request was sent is safe for any method; after it only when idempotent.
    bool isRetryableTransportError(QNetworkReply::NetworkError error,
                                   bool requestWasSent,
                                   const QByteArray& verb,
                                   bool markedIdempotent) const;

    // Qt's report that an HTTP/2 server never processed the request (RFC 9113 section 8.7), so
    // it is safe to send again whatever the method: a GOAWAY whose last-stream-id is below the
    // stream, a RST_STREAM(REFUSED_STREAM), or a request still queued on the connection when the
    // GOAWAY came. `qtErrorText` is the failed attempt's errorString(), unchanged.
    static bool wasNeverProcessed(QNetworkReply::NetworkError error, const QString& qtErrorText);

    // Delay before retry number `retry` (1 for the first retry): initialBackoff doubled per retry,
    // capped at maxBackoff, scaled by jitter. `unitRandom` is in [0, 1).
    std::chrono::milliseconds backoff(int retry, double unitRandom) const;
};

} // namespace nullify

Q_DECLARE_METATYPE(nullify::RetryPolicy)
