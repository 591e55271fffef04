#pragma once

// Every place where RetryingReply works around what Qt's HTTP layer does, in one unit. Each entry
// says which Qt versions it was verified on and which test notices when Qt changes. Verified on
// Qt 6.4.2 (Debian 12, this machine); Debian 13 ships 6.8.2, where the canaries
// (tests/unit/tst_qtresendcanary.cpp) run as well.

#include <QIODevice>
#include <QNetworkReply>
#include <QPointer>

#include <optional>

namespace nullify::qtworkarounds {

// Qt's HTTP layer sends a request again by itself, once, when the server closes the connection
// after reading the request and before answering: on a fresh connection and on a reused keep-alive
// one, whatever the method. The retry layer never sees such a send. For a request that may run
// again it is accepted, as curl and Go accept it: it is what keeps a GET on a keep-alive connection
// the server closed while idle from failing, it costs nothing when no connection closes, and the
// soak counts these resends apart from the policy's retries. For a request whose repetition could
// repeat an effect (POST, PATCH or another verb that is not idempotent, none marked idempotent) it
// would be a duplicate outside the attempt limit and the retry budget. Such a request is sent with
// a custom verb and a body, even an empty one, that refuses the rewind Qt needs for a resend: Qt
// then reports ContentReSendError, which resendRefusedError() turns back into the connection loss
// it was, and the retry policy decides.
// Verified on Qt 6.4.2; Qt 6.8 has the same resend path. Canary: tst_qtresendcanary (earlyClose,
// resendRewindsTheBody).
class SendOnceDevice : public QIODevice
{
public:
    // `source` is positioned at the start of the body; nullptr sends an empty body.
    SendOnceDevice(QIODevice* source, QObject* parent);

    bool isSequential() const override { return false; }
    qint64 size() const override { return m_size; }
    bool seek(qint64 position) override;
    void markSent() { m_sent = true; }
    bool rewindRefused() const { return m_rewindRefused; }

protected:
    qint64 readData(char* data, qint64 maxSize) override;
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QPointer<QIODevice> m_source;
    qint64 m_size;
    bool m_sent;
    bool m_rewindRefused = false;
};

// Qt wanted to send the request again after the connection closed and the send-once body refused:
// what happened on the wire is a closed connection, not a problem with the body.
// Verified on Qt 6.4.2. Canary: tst_qtresendcanary::resendRewindsTheBody.
inline QNetworkReply::NetworkError resendRefusedError()
{
    return QNetworkReply::RemoteHostClosedError;
}

// Qt 6.4 emits no requestSent() for a request whose body is empty (an upload device with no
// byte to write: a send-once POST without a body, a cloud-scan start); a request without any
// body device (a GET) does get it. For an empty body only an answer, or Qt's own attempt to send it
// again, proves that the request went out. A send-once request with an empty body therefore counts
// as sent from the start (SendOnceDevice), on an inactivity timeout and on a connection closed
// before any answer (AttemptReport::countsAsSent below).
// Verified on Qt 6.4.2. Canary: tst_qtresendcanary::noRequestSentWithoutBody.
constexpr bool emptyBodyGetsNoRequestSent = true;

// Qt 6.4 starts a request with a body from the event loop and tells its HTTP thread only of
// read-buffer changes made after that start: the limit set before the start is stated again
// once the attempt is under way (a queued call), or Qt's HTTP thread reads without a limit.
// Verified on Qt 6.4.2. No canary: what Qt's HTTP thread buffers can not be observed from outside
// without timing; tst_responsecap's bounded-memory cases would notice a regression.
void restateReadBufferSizeOnceStarted(QNetworkReply* attempt, qint64 limit);

// The error Qt gives a finished HTTP reply with this status (QHttpThreadDelegate's
// statusCodeFromHttp()); needed when we cut an attempt short and Qt then reports a cancel.
// Verified on Qt 6.4.2. Canary: tst_qtresendcanary::statusErrors.
QNetworkReply::NetworkError errorForStatus(int status);

// Whether a response whose body is read as it arrives was cut short although Qt reported no
// error: Qt 6.4 can finish a response cut off by a closed connection that way. Qt drops
// Content-Length when it decompresses a body itself, so a length that is present counts the bytes
// as delivered (`contentLength` is std::nullopt without one).
// Verified on Qt 6.4.2 (tst_retries covers the cut body). No canary: whether Qt reports the cut
// depends on when the close is read relative to the last body bytes, so a canary could not fail
// reliably.
constexpr bool isCutShort(qint64 bodyBytesReceived, std::optional<qint64> contentLength)
{
    return contentLength && bodyBytesReceived < *contentLength;
}

// Qt's report of an HTTP/2 RST_STREAM(INTERNAL_ERROR), which a gateway sends when its upstream
// failed in the middle of an answer (nghttpx does when the server resets the connection). Qt 6.4
// gives it the error code of an HTTP 500 (qt_error() in qhttp2protocolhandler.cpp), so only the
// status tells them apart: an answer that is not a 500 and ends this way was cut, like a reset
// connection over HTTP/1.1.
// Verified on Qt 6.4.2 through nghttpx (tst_e2e_faults_tls, resetMidBodyOnReadIsRetried, is the
// canary: it needs the proxy, so it lives with the TLS end-to-end tests).
constexpr bool isStreamResetByServer(QNetworkReply::NetworkError error, int status)
{
    return error == QNetworkReply::InternalServerError && status != 500;
}

// What Qt reported about one finished attempt, as plain values, and what really happened.
struct AttemptReport
{
    QNetworkReply::NetworkError qtError = QNetworkReply::NoError;
    int status = 0; // 0: no HTTP answer
    bool sendOnce = false; // the attempt's body was a SendOnceDevice
    bool rewindRefused = false; // ... which refused Qt's rewind for a resend of its own
    bool abortedByUs = false; // we aborted the attempt (a held body too large, or cut loose)
    bool timedOutByUs = false; // ... because no data moved for the attempt timeout
    bool hasBody = false; // the status and method carry a body (not HEAD, 204, 304, 1xx)
    qint64 bodyBytes = 0; // body bytes received
    std::optional<qint64> contentLength;
};

struct AttemptEnd
{
    enum class Reason {
        AsReported, // Qt's error (possibly mapped) stands; its errorString() describes it
        ResendRefused, // Qt wanted to resend a send-once request: the connection closed after it went out
        CutShort, // the body ended before its Content-Length
        StreamReset, // an HTTP/2 stream reset mid-answer
    };
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    Reason reason = Reason::AsReported;
    bool countsAsSent = false; // the attempt must count as having reached the server
};

// Turns Qt's report of an attempt into what happened: the workarounds above, applied in order.
AttemptEnd correctedAttemptEnd(const AttemptReport& report);

} // namespace nullify::qtworkarounds
