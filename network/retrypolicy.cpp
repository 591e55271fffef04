#include "retrypolicy.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace nullify {

namespace {

// Registered by name as well, so QMetaType::fromName("nullify::RetryPolicy") and string-based
// queued connections work; QVariant::fromValue alone would only need Q_DECLARE_METATYPE.
[[maybe_unused]] const int kRetryPolicyMetaTypeId = qRegisterMetaType<nullify::RetryPolicy>();

bool isServerBusyStatus(int httpStatus)
{
    // 501 Not Implemented is a definite answer ("this will never work"), so it is not here.
    return httpStatus == 500 || httpStatus == 502 || httpStatus == 503 || httpStatus == 504;
}

// Errors meaning "the network failed, we never got an answer", as opposed to a definite answer
// (content/server errors mirror an HTTP status, which isRetryableStatus judges on the number),
// a local decision (user abort, background policy, redirect policy) or a failure that repeats
// identically (TLS handshake / certificates, protocol errors, proxy credentials, body replay).
bool isNetworkFailure(QNetworkReply::NetworkError error)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError: // server restarting or overloaded listen queue
    case QNetworkReply::RemoteHostClosedError: // typically a stale keep-alive connection
    case QNetworkReply::HostNotFoundError: // DNS outages are transient more often than not
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError: // e.g. roaming between networks
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError: // the proxy's DNS lookup; same reasoning as the host
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::UnknownProxyError: // e.g. the proxy's CONNECT answered 502/503
        return true;
    default:
        return false;
    }
}

// Qt 6.4 (qhttp2protocolhandler.cpp, qhttpnetworkconnectionchannel.cpp) reports the three
// never-processed cases with error codes that other failures share: ContentReSendError is also
// the HTTP/1 "could not rewind the body to resend it" (maybe processed), ProtocolFailure covers
// real protocol errors such as a reset with CANCEL, ProtocolUnknownError an unsupported scheme. No
// attribute tells them apart either (Http2WasUsedAttribute is unset on these error replies).
// Only Qt's error text identifies them, which is fragile: Qt may reword it in another version, and
// the GOAWAY one passes through tr(). A text that no longer matches fails safe (the request ends
// with the error, as before, and nothing is sent twice); tst_http2retries pins these texts
// against the running Qt so an upgrade that changes them is noticed.
struct NeverProcessedReport
{
    QNetworkReply::NetworkError error;
    QLatin1String text;
};

constexpr NeverProcessedReport kNeverProcessedReports[] = {
    // GOAWAY(NO_ERROR) with a last-stream-id below ours.
    {QNetworkReply::ContentReSendError,
     QLatin1String("Server stopped accepting new streams before this stream was established")},
    // RST_STREAM(REFUSED_STREAM).
    {QNetworkReply::ProtocolFailure, QLatin1String("Server refused a stream")},
    // A GOAWAY came while the request waited on the connection for a stream.
    {QNetworkReply::ProtocolUnknownError, QLatin1String("GOAWAY received, cannot start a request")},
};

} // namespace

bool RetryPolicy::wasNeverProcessed(QNetworkReply::NetworkError error, const QString& qtErrorText)
{
    return std::any_of(
        std::begin(kNeverProcessedReports), std::end(kNeverProcessedReports), [&](const NeverProcessedReport& report) {
            return report.error == error && qtErrorText == report.text;
        });
}

bool RetryPolicy::isIdempotentMethod(const QByteArray& verb)
{
    // RFC 9110 section 9.2.2. Method names are case-sensitive, so "get" is an unknown method.
    return verb == QByteArrayLiteral("GET") || verb == QByteArrayLiteral("HEAD") || verb == QByteArrayLiteral("PUT")
        || verb == QByteArrayLiteral("DELETE") || verb == QByteArrayLiteral("OPTIONS")
        || verb == QByteArrayLiteral("TRACE");
}

bool RetryPolicy::isRetryableStatus(int httpStatus, const QByteArray& verb, bool markedIdempotent) const
{
    // 429 means the server rejected the request before acting on it, so replaying is safe for any
    // method. A 5xx may have come after side effects, so only replayable requests retry.
    if (httpStatus == 429)
        return true;
    return isServerBusyStatus(httpStatus) && (markedIdempotent || isIdempotentMethod(verb));
}

bool RetryPolicy::isTransportError(QNetworkReply::NetworkError error)
{
    return isNetworkFailure(error);
}

bool RetryPolicy::isRetryableTransportError(QNetworkReply::NetworkError error,
                                            bool requestWasSent,
                                            const QByteArray& verb,
                                            bool markedIdempotent) const
{
    if (!isNetworkFailure(error))
        return false;
    // Nothing reached the server, so nothing can have happened twice.
    if (!requestWasSent)
        return true;
    return markedIdempotent || isIdempotentMethod(verb);
}

std::chrono::milliseconds RetryPolicy::backoff(int retry, double unitRandom) const
{
    using std::chrono::milliseconds;
    const qint64 cap = std::max<qint64>(maxBackoff.count(), 1);
    const qint64 initial = std::clamp<qint64>(initialBackoff.count(), 1, cap);

    // Double until the cap; at most ~63 steps whatever `retry` is, and no multiplication can
    // overflow because we stop once the next doubling would pass the cap.
    qint64 base = initial;
    for (int i = 1; i < retry && base < cap; ++i)
        base = base > cap / 2 ? cap : base * 2;

    // Out-of-range inputs (NaN, negative, > 1) are pinned so the result stays inside the bounds.
    const double spread = std::isfinite(jitter) ? std::clamp(jitter, 0.0, 1.0) : 0.0;
    const double u = std::isfinite(unitRandom) ? std::clamp(unitRandom, 0.0, 1.0) : 0.5;
    const double factor = 1.0 - spread + 2.0 * spread * u;
    const double scaled = std::round(static_cast<double>(base) * factor);
    // Compare in double before converting, so the cast back to an integer is always in range.
    const qint64 result = scaled >= static_cast<double>(cap) ? cap : static_cast<qint64>(scaled);
    return milliseconds(std::max<qint64>(result, 1));
}

} // namespace nullify
