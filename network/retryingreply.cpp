#include "retryingreply.h"

#include "hostqueue.h"
#include "logging.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "origin.h"
#include "replayablebody.h"
#include "retryafter.h"
#include "retrybudget.h"
#include "tokenrefreshcoordinator.h"

#include <QLocale>
#include <QMetaMethod>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QTimerEvent>

#include <algorithm>
#include <utility>

namespace nullify {

namespace {

QByteArray verbOf(QNetworkAccessManager::Operation operation, const QNetworkRequest& request)
{
    switch (operation) {
    case QNetworkAccessManager::HeadOperation:
        return QByteArrayLiteral("HEAD");
    case QNetworkAccessManager::GetOperation:
        return QByteArrayLiteral("GET");
    case QNetworkAccessManager::PutOperation:
        return QByteArrayLiteral("PUT");
    case QNetworkAccessManager::PostOperation:
        return QByteArrayLiteral("POST");
    case QNetworkAccessManager::DeleteOperation:
        return QByteArrayLiteral("DELETE");
    case QNetworkAccessManager::CustomOperation:
        return request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
    default:
        return QByteArrayLiteral("UNKNOWN");
    }
}

// The operation Qt knows for this verb, so the request goes out the way QNetworkAccessManager sends
// it (a GET with no body and no Content-Length); a verb Qt has no operation for stays custom. An
// empty body counts as none: sendCustomRequest() wraps even an empty QByteArray in a device.
QNetworkAccessManager::Operation qtOperationFor(const QByteArray& verb, const QIODevice* body)
{
    const bool hasBody = body && (body->isSequential() || body->size() > body->pos());
    if (verb == "GET" && !hasBody)
        return QNetworkAccessManager::GetOperation;
    if (verb == "HEAD" && !hasBody)
        return QNetworkAccessManager::HeadOperation;
    if (verb == "DELETE" && !hasBody)
        return QNetworkAccessManager::DeleteOperation;
    if (verb == "PUT" && body)
        return QNetworkAccessManager::PutOperation;
    if (verb == "POST" && body)
        return QNetworkAccessManager::PostOperation;
    return QNetworkAccessManager::CustomOperation;
}

bool sendsNoBody(QNetworkAccessManager::Operation operation)
{
    return operation == QNetworkAccessManager::GetOperation || operation == QNetworkAccessManager::HeadOperation
        || operation == QNetworkAccessManager::DeleteOperation;
}

// Qt's report of an HTTP/2 RST_STREAM(INTERNAL_ERROR), which a gateway sends when its upstream
// failed in the middle of an answer (nghttpx does when the server resets the connection). Qt 6.4
// gives it the error code of an HTTP 500 (qt_error() in qhttp2protocolhandler.cpp), so only the
// status tells them apart: an answer that is not a 500 and ends this way was cut, like a reset
// connection over HTTP/1.1 (tst_e2e_faults_tls, resetMidBodyOnReadIsRetried).
bool isStreamResetByServer(QNetworkReply::NetworkError error, int status)
{
    return error == QNetworkReply::InternalServerError && status != 500;
}

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The error Qt gives a finished reply with this status; needed when we cut an attempt short.
QNetworkReply::NetworkError errorForStatus(int status)
{
    switch (status) {
    case 401:
        return QNetworkReply::AuthenticationRequiredError;
    case 403:
        return QNetworkReply::ContentAccessDenied;
    case 404:
        return QNetworkReply::ContentNotFoundError;
    case 405:
        return QNetworkReply::ContentOperationNotPermittedError;
    case 409:
        return QNetworkReply::ContentConflictError;
    case 410:
        return QNetworkReply::ContentGoneError;
    case 500:
        return QNetworkReply::InternalServerError;
    case 501:
        return QNetworkReply::OperationNotImplementedError;
    case 503:
        return QNetworkReply::ServiceUnavailableError;
    default:
        if (status >= 500)
            return QNetworkReply::UnknownServerError;
        return status >= 400 ? QNetworkReply::UnknownContentError : QNetworkReply::NoError;
    }
}

// How far Qt's HTTP thread may read ahead of this thread once the body is the caller's. Without a
// limit it reads as fast as the server sends and queues every piece for this thread, so hundreds of
// MiB could be in memory before the response cap had seen the first of them (a 400 MB chunked body
// took the app from 46 to 547 MB). Bounded, the rest waits in the socket and TCP slows the server
// down to the pace this thread takes the body in. Not in every run, though: BENCHMARKS.md ("Large
// responses") has runs where Qt 6.4 read a whole body ahead all the same.
constexpr qint64 deliverReadAheadBytes = 1024 * 1024;

// The request's own response cap when it carries one, else the manager's.
qint64 responseCap(const QNetworkRequest& request, qint64 managerCap)
{
    bool ok = false;
    const qint64 own = request.attribute(toAttribute(RequestAttribute::MaxResponseBytes)).toLongLong(&ok);
    return ok ? std::max<qint64>(own, 0) : managerCap;
}

} // namespace

// Qt's HTTP layer sends a request again by itself, once, when the server closes the connection
// after reading the request and before answering: on a fresh connection and on a reused keep-alive
// one, whatever the method (tst_qtresendcanary pins this on the running Qt). The retry layer never
// sees such a send. For a request that may run again it is accepted, as curl and Go accept it: it
// is what keeps a GET on a keep-alive connection the server closed while idle from failing, it
// costs nothing when no connection closes, and the soak counts these resends apart from the
// policy's retries. For a request whose repetition could repeat an effect (POST, PATCH or another
// verb that is not idempotent, none marked idempotent) it would be a duplicate outside the attempt
// limit and the retry budget. Such a request is sent with a custom verb and a body, even an empty
// one, that refuses the rewind Qt needs for a resend: Qt then reports ContentReSendError, which the
// reply turns back into the connection loss it was, and the retry policy decides.
class SendOnceDevice : public QIODevice
{
public:
    // `source` is positioned at the start of the body; nullptr sends an empty body.
    SendOnceDevice(QIODevice* source, QObject* parent)
        : QIODevice(parent)
        , m_source(source)
        , m_size(source ? std::max<qint64>(source->size() - source->pos(), 0) : 0)
        // An empty body has no byte whose reading would say it went out, and Qt 6.4 emits no
        // requestSent() for it: count it as sent, so Qt can not send the request again by itself.
        , m_sent(m_size == 0)
    {
        open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }

    bool isSequential() const override { return false; }
    qint64 size() const override { return m_size; }
    bool seek(qint64 position) override
    {
        if (!m_sent && position == pos())
            return QIODevice::seek(position);
        if (!m_sent && position == 0 && m_source && m_source->seek(m_source->pos() - pos()))
            return QIODevice::seek(0);
        m_rewindRefused = true;
        return false;
    }
    void markSent() { m_sent = true; }
    bool rewindRefused() const { return m_rewindRefused; }

protected:
    qint64 readData(char* data, qint64 maxSize) override
    {
        const qint64 wanted = std::min(maxSize, m_size - pos());
        if (!m_source || wanted <= 0)
            return -1;
        const qint64 read = m_source->read(data, wanted);
        if (read > 0)
            m_sent = true;
        return read;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QPointer<QIODevice> m_source;
    qint64 m_size;
    bool m_sent;
    bool m_rewindRefused = false;
};

namespace {

QString describeError(QNetworkReply::NetworkError error, const QString& fallback)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("connection refused");
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("connection closed");
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("host not found");
    case QNetworkReply::TimeoutError:
        return QStringLiteral("timed out");
    default:
        return fallback;
    }
}

} // namespace

RetryingReply::RetryingReply(NetworkAccessManager* manager,
                             QNetworkAccessManager::Operation operation,
                             const QNetworkRequest& request,
                             QIODevice* body,
                             const RetryPolicy& policy)
    : QNetworkReply(manager)
    , m_manager(manager)
    , m_operation(operation)
    , m_request(request)
    , m_verb(verbOf(operation, request))
    , m_hasBody(body != nullptr)
    , m_policy(policy)
    , m_markedIdempotent(request.attribute(toAttribute(RequestAttribute::MarkedIdempotent)).toBool())
    , m_maxResponseBytes(responseCap(request, manager->maxResponseBytes()))
    , m_requestedRedirectPolicy(request.attribute(QNetworkRequest::RedirectPolicyAttribute))
{
    setRequest(request);
    setUrl(request.url());
    setOperation(operation);
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);

    // What every attempt carries, set once: an attempt without a token then shares this request
    // instead of copying it (a copy per attempt showed up in the overhead benchmark). Redirects are
    // ours: Qt would forward Authorization to another host.
    m_request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    manager->prepareForAttempts(m_request);

    if (body)
        m_body = new ReplayableBody(body, m_policy.maxSpoolBytes, this);

    // The first attempt goes to Qt right away (Qt itself starts it from the event loop): a queued
    // start of our own cost a measurable share of a request. Nothing the caller could connect to
    // is emitted from here: finish() defers its signals, and attemptStarted(1) reaches the reply's
    // listeners through connectNotify().
    m_constructing = true;
    start();
    m_constructing = false;
}

RetryingReply::~RetryingReply()
{
    if (m_manager)
        m_manager->leaveQueue(this);
    releaseSlot();
    discardAttempt();
}

void RetryingReply::start()
{
    if (m_state == State::Finished)
        return;
    m_sinceStart.start();
    m_watchdog.start(int(std::min(m_policy.deadline, m_policy.attemptTimeout).count()), Qt::CoarseTimer, this);
    if (!m_body || m_body->isReady()) {
        sendAttempt();
        return;
    }
    connect(m_body, &ReplayableBody::ready, this, &RetryingReply::sendAttempt);
    connect(m_body, &ReplayableBody::failed, this, [this](const QString& reason) {
        finishWithError(QNetworkReply::ContentReSendError, reason);
    });
    m_body->prepare();
}

void RetryingReply::sendAttempt()
{
    if (m_state == State::Finished || !m_manager)
        return;
    // Checked here, before Qt sees the request, so nothing (no connection, no DNS lookup) happens:
    // plain http is for a sandbox on this machine only. Here rather than in createRequest(), so a
    // redirect to such a URL is refused the same way.
    if (isCleartextToNetwork(m_request.url())) {
        qCWarning(lcRetry) << "refused plain http to a host that is not this machine:" << redactedUrl(m_request.url());
        finishWithError(m_redirects > 0 ? QNetworkReply::InsecureRedirectError : QNetworkReply::ProtocolUnknownError,
                        tr("Refused to send a request over plain http to %1: only https is allowed, except to this "
                           "computer (127.0.0.1, localhost).")
                            .arg(m_request.url().host()));
        return;
    }

    const bool leftQueue = std::exchange(m_leftQueue, false);
    const bool withToken = m_manager->needsAuthentication(m_request);
    TokenRefreshCoordinator* refresh = m_manager->refreshCoordinator();
    if (withToken && refresh->isRefreshing()) {
        // A token is being replaced: send with the new one only.
        m_state = State::WaitingForToken;
        waitForTokenRefresh();
        return;
    }
    // The host's queue: while Qt's connections to it are busy or it waits out a Retry-After.
    releaseSlot();
    const bool first = m_attemptsSent > 0 || m_request.priority() == QNetworkRequest::HighPriority;
    if (!m_manager->admit(this, first, leftQueue)) {
        m_state = State::Queued;
        return;
    }

    QIODevice* bodyDevice = nullptr;
    if (m_hasBody) {
        bodyDevice = m_body->deviceForAttempt();
        if (!bodyDevice) {
            finishWithAttempt(QNetworkReply::ContentReSendError, m_body->errorString());
            return;
        }
    }
    discardAttempt();

    QNetworkRequest attemptRequest = m_request;
    m_attemptHadToken = false;
    if (withToken) {
        const QByteArray token = refresh->currentToken();
        m_attemptTokenGeneration = refresh->generation();
        if (!token.isEmpty()) {
            attemptRequest.setRawHeader("Authorization", QByteArrayLiteral("Bearer ") + token);
            m_attemptHadToken = true;
        }
    }

    // A request that must not run twice gets a body Qt can send only once (see SendOnceDevice),
    // unless its body is sequential (one too large to keep for replay): that has no size to
    // promise, and Qt buffers it and could still resend it. Any other request goes out as itself.
    m_sendOnce = nullptr;
    QNetworkAccessManager::Operation operation;
    const bool mayRunTwice = m_markedIdempotent || RetryPolicy::isIdempotentMethod(m_verb);
    if (!mayRunTwice && !(bodyDevice && bodyDevice->isSequential())) {
        m_sendOnce = new SendOnceDevice(bodyDevice, this);
        bodyDevice = m_sendOnce;
        operation = QNetworkAccessManager::CustomOperation;
    } else {
        operation = qtOperationFor(m_verb, bodyDevice);
        if (sendsNoBody(operation))
            bodyDevice = nullptr;
    }
    if (operation == QNetworkAccessManager::CustomOperation)
        attemptRequest.setAttribute(QNetworkRequest::CustomVerbAttribute, m_verb);

    m_state = State::Sending;
    m_bodyMode = BodyMode::Undecided;
    m_attemptBodyBytes = 0;
    m_buffer.clear(); // only reached when the caller has read nothing of an earlier attempt
    m_bufferOffset = 0;
    m_heldBody.clear();
    m_heldBodyTruncated = false;
    m_attemptSent = false;
    m_attemptAbortedByUs = false;
    m_attemptTimedOut = false;
    noteActivity();
    ++m_attemptsSent;

    QNetworkReply* attempt = m_manager->sendAttempt(operation, attemptRequest, bodyDevice);
    m_attempt = attempt;
    // Until we know the body is the caller's, let Qt's HTTP thread read only this far ahead of us,
    // so that an error body too large to drain can still be cut off instead of arriving in full.
    attempt->setReadBufferSize(m_policy.maxDrainBytes);
    if (bodyDevice) {
        // Qt 6.4 starts a request with a body from the event loop and tells its HTTP thread only
        // of read-buffer changes made after that start: say it again once the attempt is under way.
        QMetaObject::invokeMethod(
            attempt,
            [attempt, limit = m_policy.maxDrainBytes] {
                if (attempt->readBufferSize() == limit)
                    attempt->setReadBufferSize(limit);
            },
            Qt::QueuedConnection);
    }
    if (m_sendOnce)
        m_sendOnce->setParent(attempt); // Qt reads it for as long as the attempt lives
    if (m_ignoreAllSslErrors)
        attempt->ignoreSslErrors();
    else if (!m_ignoredSslErrors.isEmpty())
        attempt->ignoreSslErrors(m_ignoredSslErrors);

    // Whether the attempt went out decides only about requests that must not run twice.
    if (!mayRunTwice) {
        connect(attempt, &QNetworkReply::requestSent, this, [this] {
            noteActivity();
            m_attemptSent = true;
            if (m_sendOnce)
                m_sendOnce->markSent();
        });
    }
    connect(attempt, &QNetworkReply::metaDataChanged, this, &RetryingReply::onMetaDataChanged);
    connect(attempt, &QNetworkReply::readyRead, this, &RetryingReply::onAttemptReadyRead);
    connect(attempt, &QNetworkReply::finished, this, &RetryingReply::onAttemptFinished);
    // Only the connections a request can use: each one costs, on every attempt.
    if (m_relayDownloadProgress)
        relayDownloadProgress(attempt);
    if (bodyDevice)
        connect(attempt, &QNetworkReply::uploadProgress, this, [this](qint64 sent, qint64 total) {
            noteActivity();
            emit uploadProgress(sent, total);
        });
    if (m_request.url().scheme() == QLatin1String("https")) {
        connect(attempt, &QNetworkReply::encrypted, this, &QNetworkReply::encrypted);
        connect(attempt, &QNetworkReply::sslErrors, this, &QNetworkReply::sslErrors);
    }

    qCDebug(lcRetry) << "attempt" << m_attemptsSent << m_verb << redactedUrl(m_request.url());
    if (m_constructing)
        m_firstAttemptUnannounced = true;
    else
        emit attemptStarted(m_attemptsSent);
    emit m_manager->attemptStarted(this, m_attemptsSent);
}

void RetryingReply::resumeFromQueue()
{
    if (m_state == State::WaitingToRetry)
        retryNow();
    else if (m_state == State::Queued)
        sendAttempt();
}

void RetryingReply::releaseSlot(bool usedHttp2)
{
    HostQueue* host = std::exchange(m_slotHost, nullptr);
    if (host && m_manager)
        m_manager->attemptEnded(host, usedHttp2);
}

void RetryingReply::relayDownloadProgress(QNetworkReply* attempt)
{
    connect(attempt, &QNetworkReply::downloadProgress, this, [this](qint64 received, qint64 total) {
        if (m_bodyMode == BodyMode::Deliver)
            emit downloadProgress(received, total);
    });
}

void RetryingReply::connectNotify(const QMetaMethod& signal)
{
    static const QMetaMethod downloadProgressSignal = QMetaMethod::fromSignal(&QNetworkReply::downloadProgress);
    static const QMetaMethod attemptStartedSignal = QMetaMethod::fromSignal(&RetryingReply::attemptStarted);
    // Most callers never look at download progress; relay it only to those who do.
    if (!m_relayDownloadProgress && signal == downloadProgressSignal) {
        m_relayDownloadProgress = true;
        if (m_attempt && !m_attempt->isFinished())
            relayDownloadProgress(m_attempt);
    }
    // Somebody connects to attemptStarted right after get()/post(), while the first attempt,
    // started inside that call, is still under way: tell them about it, from the event loop.
    if (m_firstAttemptUnannounced && signal == attemptStartedSignal) {
        m_firstAttemptUnannounced = false;
        QMetaObject::invokeMethod(
            this,
            [this] {
                // Only while attempt 1 is still the live one: once it failed and a retry is
                // pending, "attempt 1 started" would be news from the past.
                const bool firstAttemptLive
                    = m_state == State::Preparing || m_state == State::WaitingForToken || m_state == State::Sending;
                if (m_attemptsSent == 1 && firstAttemptLive)
                    emit attemptStarted(1);
            },
            Qt::QueuedConnection);
    }
    QNetworkReply::connectNotify(signal);
}

bool RetryingReply::mightRetryStatus(int status) const
{
    if (isRedirectStatus(status))
        return true; // its body is never the result when the redirect is followed
    if (status == 401)
        return m_attemptHadToken && !m_unauthorizedReplayUsed;
    return m_policy.isRetryableStatus(status, m_verb, m_markedIdempotent)
        && m_retriesScheduled + 1 < m_policy.maxAttempts;
}

void RetryingReply::onMetaDataChanged()
{
    if (sender() != m_attempt || m_bodyMode != BodyMode::Undecided)
        return;
    const int status = m_attempt->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return;
    // A body that may be followed by another attempt is held back (and drained so the connection
    // can be reused); any other body belongs to the caller from the first byte.
    if (mightRetryStatus(status)) {
        m_bodyMode = BodyMode::Hold;
        // Reading a large error body costs more than a new connection: when its announced length
        // is above the drain limit, close now rather than after Qt has read it all.
        const qint64 announced = m_attempt->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        if (announced > heldBodyLimit() && !m_attempt->isFinished()) {
            m_heldBodyTruncated = true;
            m_attemptAbortedByUs = true;
            m_attempt->abort();
        }
        return;
    }
    m_bodyMode = BodyMode::Deliver;
    adoptAttemptMetaData();
    const qint64 announced = m_attempt->header(QNetworkRequest::ContentLengthHeader).toLongLong();
    if (announced > m_maxResponseBytes && hasBody(status)) {
        finishTooLarge(); // no reason to read what will be refused
        return;
    }
    // The caller's body: a longer read-ahead, unless the whole body fits under the current one.
    if (announced <= 0 || announced > m_policy.maxDrainBytes)
        m_attempt->setReadBufferSize(deliverReadAheadBytes);
    emit metaDataChanged();
}

void RetryingReply::onAttemptReadyRead()
{
    if (sender() != m_attempt)
        return;
    noteActivity();
    if (m_bodyMode == BodyMode::Undecided) {
        QNetworkReply* attempt = m_attempt;
        onMetaDataChanged();
        if (m_attempt != attempt || m_state != State::Sending)
            return; // deciding ended this attempt (an error body too large to drain)
    }
    if (m_bodyMode == BodyMode::Deliver) {
        const QByteArray chunk = m_attempt->readAll();
        m_attemptBodyBytes += chunk.size();
        // Counted here for every body: one without Content-Length (chunked, or ended by closing
        // the connection) and one Qt decompressed (the cap is on what the caller would hold).
        if (m_attemptBodyBytes > m_maxResponseBytes) {
            finishTooLarge();
            return;
        }
        m_buffer.append(chunk);
        emit readyRead();
        return;
    }
    const QByteArray chunk = m_attempt->readAll();
    m_attemptBodyBytes += chunk.size();
    if (m_heldBody.size() + chunk.size() > heldBodyLimit()) {
        // Reading a large error body costs more than a new connection.
        m_heldBody.append(chunk.left(heldBodyLimit() - m_heldBody.size()));
        m_heldBodyTruncated = true;
        qCDebug(lcRetry) << "error body above" << heldBodyLimit() << "bytes; closing the connection";
        m_attemptAbortedByUs = true;
        m_attempt->abort();
        return;
    }
    m_heldBody.append(chunk);
}

bool RetryingReply::hasBody(int status) const
{
    return m_verb != "HEAD" && status >= 200 && status != 204 && status != 304;
}

bool RetryingReply::isTruncated(int status) const
{
    if (!m_attempt || m_attemptAbortedByUs || !hasBody(status))
        return false;
    // Qt drops Content-Length when it decompresses a body itself, so a length that is present
    // counts the bytes as delivered.
    bool ok = false;
    const qint64 expected = m_attempt->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
    return ok && m_attemptBodyBytes < expected;
}

QNetworkReply::NetworkError RetryingReply::attemptError() const
{
    if (!m_attempt)
        return QNetworkReply::NoError;
    const auto error = m_attempt->error();
    // Qt wanted to send the request again after the connection closed and SendOnceDevice refused.
    if (error == QNetworkReply::ContentReSendError && m_sendOnce && m_sendOnce->rewindRefused())
        return QNetworkReply::RemoteHostClosedError;
    if (error != QNetworkReply::OperationCanceledError)
        return error;
    if (m_attemptTimedOut)
        return QNetworkReply::TimeoutError;
    // Qt reports an expired transfer timeout as a cancel; we know whether we cancelled, and why.
    if (!m_attemptAbortedByUs)
        return QNetworkReply::TimeoutError;
    return errorForStatus(m_attempt->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
}

void RetryingReply::onAttemptFinished()
{
    if (sender() != m_attempt || m_state != State::Sending)
        return;
    if (m_slotHost)
        releaseSlot(m_attempt->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool());
    const int status = m_attempt->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // An answer proves the request went out, whatever requestSent() said: Qt 6.4 emits it only
    // once a body byte was written, so never for a POST without a body (a cloud-scan start).
    if (status != 0)
        m_attemptSent = true;
    if (m_bodyMode == BodyMode::Undecided && status != 0)
        onMetaDataChanged();
    if (m_state == State::Sending && !m_attemptAbortedByUs && m_attempt->bytesAvailable() > 0)
        onAttemptReadyRead();
    if (m_state != State::Sending)
        return; // the body was too large

    QNetworkReply::NetworkError error = attemptError();
    QString errorText;
    if (m_sendOnce && m_sendOnce->rewindRefused()) {
        m_attemptSent = true; // Qt had sent it and wanted to send it again
        errorText = tr("The connection closed after the request was sent; a %1 request is not sent again "
                       "automatically.")
                        .arg(QString::fromLatin1(m_verb));
    } else if (error == QNetworkReply::NoError && isTruncated(status)) {
        // Qt 6.4 can finish a response cut short by a closed connection without an error when
        // its body is read as it arrives. Half a body is not a success.
        error = QNetworkReply::RemoteHostClosedError;
        errorText = tr("The connection closed after %1 of %2 bytes of the response.")
                        .arg(m_attemptBodyBytes)
                        .arg(QString::fromLatin1(m_attempt->rawHeader("Content-Length")));
    } else if (isStreamResetByServer(error, status)) {
        error = QNetworkReply::RemoteHostClosedError;
        errorText = tr("The server reset the HTTP/2 stream after %1 bytes of the response (%2).")
                        .arg(m_attemptBodyBytes)
                        .arg(m_attempt->errorString());
    }
    // What normally proves that a request without a body went out is Qt's own attempt to send it
    // again, which the send-once device refuses (above): requestSent() needs a body byte. When the
    // server closes the connection after reading the head and Qt reports it at once, without that
    // attempt, nothing says whether the head was written, so a request that must not run twice
    // counts as sent (the soak saw a cloud-scan start reach the server twice under load).
    if (status == 0 && error == QNetworkReply::RemoteHostClosedError && m_sendOnce)
        m_attemptSent = true;
    const bool cutMidBody = status != 0 && m_bodyMode == BodyMode::Deliver && RetryPolicy::isTransportError(error);
    if (status == 0 || cutMidBody) {
        // A body already handed to the caller can not be taken back, so a failure mid-body is only
        // retried when the caller has not read any of it.
        if (m_bytesRead == 0 && scheduleRetry(0, error))
            return;
        finishWithAttempt(error, errorText);
        return;
    }

    if (m_manager && status != 429 && status < 500) // the host is answering; a retry gets its token back
        m_manager->recordSuccess(m_request.url(), std::exchange(m_attemptHoldsRetryToken, false));
    if (m_manager && (status == 429 || status == 503)) {
        // The host asks every request to wait, not only this one.
        const auto wait = RetryAfter::delay(
            m_attempt->rawHeader("Retry-After"), m_attempt->rawHeader("Date"), QDateTime::currentDateTimeUtc());
        if (wait)
            m_manager->throttleHost(m_request.url(), status, *wait);
    }
    if (isRedirectStatus(status) && followRedirect(status))
        return;
    if (status == 401 && replayAfterUnauthorized())
        return;
    if (scheduleRetry(status, error))
        return;
    finishWithAttempt(error, QString());
}

bool RetryingReply::followRedirect(int status)
{
    // A caller (or the manager's owner) that asked for manual redirects gets the 3xx itself.
    const int policy
        = m_requestedRedirectPolicy.isValid() ? m_requestedRedirectPolicy.toInt() : int(m_manager->redirectPolicy());
    if (policy == QNetworkRequest::ManualRedirectPolicy)
        return false;

    const QUrl from = m_request.url();
    const QUrl location = m_attempt->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (location.isEmpty())
        return false;
    const QUrl to = from.resolved(location);

    if (++m_redirects > m_policy.maxRedirects) {
        finishWithAttempt(QNetworkReply::TooManyRedirectsError,
                          tr("Too many redirects (more than %1).").arg(m_policy.maxRedirects));
        return true;
    }
    if (to.scheme() != QLatin1String("http") && to.scheme() != QLatin1String("https")) {
        finishWithAttempt(QNetworkReply::ProtocolUnknownError, tr("Redirect to an unsupported scheme refused."));
        return true;
    }
    if (from.scheme() == QLatin1String("https") && to.scheme() == QLatin1String("http")) {
        finishWithAttempt(QNetworkReply::InsecureRedirectError, tr("Redirect from https to http refused."));
        return true;
    }

    if (!isSameOrigin(from, to)) {
        // Credentials stay with the origin they were meant for.
        m_request.setRawHeader("Authorization", QByteArray());
        m_request.setRawHeader("Cookie", QByteArray());
        m_request.setRawHeader("Proxy-Authorization", QByteArray());
        qCInfo(lcRedirect) << "cross-origin redirect; credentials not forwarded:" << redactedUrl(to);
    }
    const bool keepsMethod = status == 307 || status == 308
        || (m_operation != QNetworkAccessManager::PostOperation && status != 303)
        || m_operation == QNetworkAccessManager::HeadOperation;
    if (!keepsMethod) {
        m_operation = QNetworkAccessManager::GetOperation;
        m_verb = QByteArrayLiteral("GET");
        m_hasBody = false;
        m_request.setHeader(QNetworkRequest::ContentTypeHeader, QVariant());
        m_request.setHeader(QNetworkRequest::ContentLengthHeader, QVariant());
    }
    qCDebug(lcRedirect) << status << redactedUrl(from) << "->" << redactedUrl(to);
    m_request.setUrl(to);
    setUrl(to);
    emit redirected(to);
    sendAttempt();
    return true;
}

bool RetryingReply::replayAfterUnauthorized()
{
    if (!m_attemptHadToken || m_unauthorizedReplayUsed || !m_manager)
        return false;
    m_unauthorizedReplayUsed = true;
    // Wait first: a provider may report back before unauthorized() returns.
    m_state = State::WaitingForToken;
    waitForTokenRefresh();
    switch (m_manager->refreshCoordinator()->unauthorized(m_attemptTokenGeneration)) {
    case TokenRefreshCoordinator::Outcome::ReplayNow:
        stopWaitingForTokenRefresh();
        sendAttempt();
        return true;
    case TokenRefreshCoordinator::Outcome::WaitForRefresh:
        return true;
    case TokenRefreshCoordinator::Outcome::SessionEnded:
        // Same ending as the replies that waited for the failed refresh, without a new one.
        stopWaitingForTokenRefresh();
        onRefreshFinished(false, m_manager->refreshCoordinator()->sessionEndedReason(), true);
        return true;
    case TokenRefreshCoordinator::Outcome::CannotRefresh:
        break;
    }
    stopWaitingForTokenRefresh();
    m_state = State::Sending;
    return false;
}

void RetryingReply::waitForTokenRefresh()
{
    stopWaitingForTokenRefresh();
    m_refreshConnection = connect(m_manager->refreshCoordinator(),
                                  &TokenRefreshCoordinator::refreshFinished,
                                  this,
                                  &RetryingReply::onRefreshFinished);
}

void RetryingReply::stopWaitingForTokenRefresh()
{
    if (m_refreshConnection)
        disconnect(m_refreshConnection);
    m_refreshConnection = {};
}

void RetryingReply::onRefreshFinished(bool succeeded, const QString& reason, bool signInRequired)
{
    stopWaitingForTokenRefresh();
    if (m_state == State::Finished)
        return;
    if (succeeded) {
        sendAttempt();
        return;
    }
    const QString text = signInRequired ? tr("Your session has ended; sign in again. (%1)").arg(reason)
                                        : tr("The access token could not be renewed: %1").arg(reason);
    finishWithAttempt(signInRequired ? QNetworkReply::AuthenticationRequiredError
                                     : QNetworkReply::TemporaryNetworkFailureError,
                      text);
}

bool RetryingReply::scheduleRetry(int status, QNetworkReply::NetworkError error)
{
    // An HTTP/2 stream the server never processed is safe to send again whatever the method. Qt's
    // own error, not `error`: that one may be our send-once guard's report of a closed connection.
    const bool neverProcessed
        = status == 0 && m_attempt && RetryPolicy::wasNeverProcessed(m_attempt->error(), m_attempt->errorString());
    const bool retryable = status != 0
        ? m_policy.isRetryableStatus(status, m_verb, m_markedIdempotent)
        : neverProcessed || m_policy.isRetryableTransportError(error, m_attemptSent, m_verb, m_markedIdempotent);
    if (!retryable || !m_manager)
        return false;
    if (m_retriesScheduled + 1 >= m_policy.maxAttempts) {
        qCInfo(lcRetry) << "giving up after" << m_attemptsSent << "attempts:" << redactedUrl(m_request.url());
        return false;
    }
    if (m_hasBody && !m_body->canReplay()) {
        finishWithAttempt(error, tr("Not retried: %1").arg(m_body->errorString()));
        return true;
    }

    const QDateTime now = QDateTime::currentDateTimeUtc();
    const std::chrono::milliseconds backoff
        = m_policy.backoff(m_retriesScheduled + 1, QRandomGenerator::global()->generateDouble());
    std::optional<std::chrono::milliseconds> serverDelay;
    if (status != 0) {
        serverDelay = RetryAfter::delay(m_attempt->rawHeader("Retry-After"), m_attempt->rawHeader("Date"), now);
    }
    const bool fromRetryAfter = serverDelay && *serverDelay >= backoff;
    const std::chrono::milliseconds delay = fromRetryAfter ? *serverDelay : backoff;

    if (serverDelay && *serverDelay > m_policy.retryAfterCap) {
        const QDateTime until = now.addMSecs(serverDelay->count());
        setAttribute(toAttribute(ReplyAttribute::RetryAfterUntil), until);
        finishWithAttempt(error,
                          tr("The server asks to wait until %1, longer than this app waits on its own.")
                              .arg(until.toLocalTime().toString(QStringLiteral("HH:mm:ss"))));
        return true;
    }
    const qint64 remaining = m_policy.deadline.count() - m_sinceStart.elapsed();
    if (delay.count() >= remaining) {
        if (fromRetryAfter)
            setAttribute(toAttribute(ReplyAttribute::RetryAfterUntil), now.addMSecs(delay.count()));
        qCInfo(lcRetry) << "not retrying: the wait would pass the request deadline";
        return false;
    }
    const QString host = m_request.url().host();
    if (!m_manager->budgetFor(NetworkAccessManager::budgetKey(m_request.url())).tryAcquire()) {
        qCWarning(lcRetry) << "retry budget for" << host << "is empty; not retrying";
        emit m_manager->hostThrottled(host);
        return false;
    }
    m_attemptHoldsRetryToken = true; // returned if the retry succeeds, spent if it fails

    ++m_retriesScheduled;
    RetryInfo info;
    info.nextAttempt = m_attemptsSent + 1;
    info.delay = delay;
    info.dueAt = now.addMSecs(delay.count());
    info.httpStatus = status;
    info.networkError = status == 0 ? error : QNetworkReply::NoError;
    info.fromRetryAfter = fromRetryAfter;
    info.reason = status != 0 ? QStringLiteral("HTTP %1").arg(status) : describeError(error, m_attempt->errorString());

    qCInfo(lcRetry).nospace() << "retry " << info.nextAttempt << " of " << m_verb << ' ' << redactedUrl(m_request.url())
                              << " in " << delay.count() << " ms (" << info.reason
                              << (fromRetryAfter ? ", Retry-After)" : ")");
    m_state = State::WaitingToRetry;
    m_waitClock.start();
    const std::optional<RetryInfo> hostWait = fromRetryAfter ? m_manager->waitForHost(this) : std::nullopt;
    if (hostWait) {
        // The host's wait (the same Retry-After, or a longer one) is this retry's: it goes when
        // the host's ends, with the requests that wait for it. The same answer started both
        // waits a moment apart: only a longer one counts as the host's.
        if (hostWait->dueAt > info.dueAt) {
            info.delay = std::chrono::milliseconds(now.msecsTo(hostWait->dueAt));
            info.dueAt = hostWait->dueAt;
        }
        info.host = hostWait->host;
    } else {
        m_retryTimer.start(int(delay.count()), Qt::PreciseTimer, this);
    }
    m_nextAttemptAt = info.dueAt;
    emit retryScheduled(info);
    emit m_manager->retryScheduled(this, info);
    return true;
}

void RetryingReply::timerEvent(QTimerEvent* event)
{
    if (event->timerId() == m_retryTimer.timerId()) {
        m_retryTimer.stop();
        retryNow();
    } else if (event->timerId() == m_watchdog.timerId()) {
        onWatchdog();
    } else {
        QNetworkReply::timerEvent(event);
    }
}

void RetryingReply::retryNow()
{
    if (m_state != State::WaitingToRetry)
        return;
    if (m_waitingIn && m_manager) {
        m_manager->retryHostNow(m_waitingIn->key()); // resumes this one too
        return;
    }
    m_retryTimer.stop();
    m_totalWaitedMs += m_waitClock.elapsed();
    m_nextAttemptAt = QDateTime();
    sendAttempt();
}

void RetryingReply::onWatchdog()
{
    const qint64 now = m_sinceStart.elapsed();
    const qint64 deadline = m_policy.deadline.count();
    if (now >= deadline) {
        m_watchdog.stop();
        onDeadline();
        return;
    }
    qint64 next = deadline;
    if (m_state == State::Sending && m_attempt && !m_attempt->isFinished()) {
        const qint64 quietUntil = m_lastActivityMs + m_policy.attemptTimeout.count();
        if (now >= quietUntil) {
            qCInfo(lcRetry) << "no data moved for" << m_policy.attemptTimeout.count() << "ms; attempt timed out";
            m_attemptTimedOut = true;
            m_attemptAbortedByUs = true;
            // Qt 6.4 gives no sign that a request without a body went out (requestSent() needs a
            // body byte): a request that must not run twice may have reached a server that is
            // still working on it, so it counts as sent. Found by the soak (a stalled cloud-scan
            // start was sent again).
            if (m_sendOnce)
                m_attemptSent = true;
            m_attempt->abort(); // finishes the attempt, which decides about a retry
            if (m_state == State::Finished)
                return;
            next = std::min(deadline, m_sinceStart.elapsed() + m_policy.attemptTimeout.count());
        } else {
            next = std::min(deadline, quietUntil);
        }
    } else {
        next = std::min(deadline, now + m_policy.attemptTimeout.count());
    }
    m_watchdog.start(int(std::max<qint64>(next - m_sinceStart.elapsed(), 1)), Qt::CoarseTimer, this);
}

void RetryingReply::onDeadline()
{
    if (m_state == State::Finished)
        return;
    m_timedOut = true;
    qCInfo(lcRetry) << "request deadline of" << m_policy.deadline.count() << "ms passed:" << redactedUrl(url());
    finishWithError(QNetworkReply::TimeoutError,
                    tr("The request did not complete within %1 seconds.").arg(m_policy.deadline.count() / 1000.0));
}

void RetryingReply::adoptAttemptMetaData()
{
    for (const auto& header : rawHeaderList())
        setRawHeader(header, QByteArray());
    for (const auto& [name, value] : m_attempt->rawHeaderPairs())
        setRawHeader(name, value);
    // The attributes a finished HTTP reply carries (the rest describe requests). Not
    // DownloadBufferAttribute: the body the caller reads is ours, not Qt's buffer.
    static constexpr QNetworkRequest::Attribute replyAttributes[] = {
        QNetworkRequest::HttpStatusCodeAttribute,
        QNetworkRequest::HttpReasonPhraseAttribute,
        QNetworkRequest::RedirectionTargetAttribute,
        QNetworkRequest::ConnectionEncryptedAttribute,
        QNetworkRequest::SourceIsFromCacheAttribute,
        QNetworkRequest::HttpPipeliningWasUsedAttribute,
        QNetworkRequest::Http2WasUsedAttribute,
        QNetworkRequest::OriginalContentLengthAttribute,
    };
    for (const auto attribute : replyAttributes)
        setAttribute(attribute, m_attempt->attribute(attribute));
    setUrl(m_attempt->url());
}

void RetryingReply::finishWithAttempt(QNetworkReply::NetworkError error, const QString& errorText)
{
    if (m_attempt && m_bodyMode != BodyMode::Deliver) {
        adoptAttemptMetaData();
        m_buffer = m_heldBody;
        m_heldBody.clear();
    }
    QString text = errorText;
    if (text.isEmpty() && m_attempt)
        text = error == QNetworkReply::TimeoutError
            ? tr("No data moved for %1 seconds.").arg(m_policy.attemptTimeout.count() / 1000.0)
            : m_attempt->errorString();
    if (error == QNetworkReply::TimeoutError)
        m_timedOut = true;
    setError(error, text);
    finish();
}

void RetryingReply::finishTooLarge()
{
    qCInfo(lcRetry) << "response body above the cap of" << m_maxResponseBytes << "bytes:" << redactedUrl(url());
    // Never retried: the same request gets the same answer. What arrived of the body is not the
    // answer, and keeping it would spend the memory the cap is there to save.
    m_buffer.clear();
    m_bufferOffset = 0;
    setAttribute(toAttribute(ReplyAttribute::ResponseTooLarge), true);
    finishWithAttempt(QNetworkReply::ProtocolFailure,
                      tr("The server's answer is larger than the %1 this app accepts.")
                          .arg(QLocale().formattedDataSize(m_maxResponseBytes, 0)));
}

void RetryingReply::finishWithError(QNetworkReply::NetworkError error, const QString& errorText)
{
    discardAttempt();
    setError(error, errorText);
    finish();
}

void RetryingReply::finish()
{
    if (m_state == State::Finished)
        return;
    if (m_state == State::WaitingToRetry)
        m_totalWaitedMs += m_waitClock.elapsed();
    m_state = State::Finished;
    m_retryTimer.stop();
    m_watchdog.stop();
    stopWaitingForTokenRefresh();
    if (m_manager)
        m_manager->leaveQueue(this);
    releaseSlot();
    discardAttempt();

    setAttribute(toAttribute(ReplyAttribute::AttemptCount), m_attemptsSent);
    setAttribute(toAttribute(ReplyAttribute::TotalWaitMs), m_totalWaitedMs);
    setAttribute(toAttribute(ReplyAttribute::TimedOut), m_timedOut);
    setFinished(true);
    if (m_constructing) // the caller can not have connected yet
        QMetaObject::invokeMethod(this, &RetryingReply::emitFinished, Qt::QueuedConnection);
    else
        emitFinished();
}

void RetryingReply::emitFinished()
{
    if (error() != QNetworkReply::NoError) {
        qCDebug(lcRetry) << "finished with error" << error() << redactedUrl(url());
        emit errorOccurred(error());
    }
    if (!m_buffer.isEmpty() && m_bodyMode != BodyMode::Deliver)
        emit readyRead();
    emit readChannelFinished();
    emit finished();
}

void RetryingReply::discardAttempt()
{
    if (!m_attempt)
        return;
    QNetworkReply* attempt = m_attempt;
    m_attempt = nullptr;
    // A finished attempt emits nothing more, so only a running one needs cutting loose.
    if (!attempt->isFinished()) {
        attempt->disconnect(this);
        m_attemptAbortedByUs = true;
        attempt->abort();
    }
    attempt->deleteLater();
}

void RetryingReply::abort()
{
    if (m_state == State::Finished)
        return;
    qCDebug(lcRetry) << "aborted by the caller:" << redactedUrl(url());
    finishWithError(QNetworkReply::OperationCanceledError, tr("Operation canceled"));
}

void RetryingReply::close()
{
    abort();
    QNetworkReply::close();
}

qint64 RetryingReply::bytesAvailable() const
{
    return m_buffer.size() - m_bufferOffset + QNetworkReply::bytesAvailable();
}

qint64 RetryingReply::readData(char* data, qint64 maxSize)
{
    const qint64 unread = m_buffer.size() - m_bufferOffset;
    if (unread <= 0)
        return m_state == State::Finished ? -1 : 0;
    const qint64 count = std::min(maxSize, unread);
    std::copy_n(m_buffer.constData() + m_bufferOffset, count, data);
    m_bufferOffset += count;
    m_bytesRead += count;
    if (m_bufferOffset == m_buffer.size()) {
        m_buffer.clear();
        m_bufferOffset = 0;
    }
    return count;
}

void RetryingReply::ignoreSslErrors()
{
    m_ignoreAllSslErrors = true;
    if (m_attempt)
        m_attempt->ignoreSslErrors();
}

void RetryingReply::ignoreSslErrorsImplementation(const QList<QSslError>& errors)
{
    m_ignoredSslErrors = errors;
    if (m_attempt)
        m_attempt->ignoreSslErrors(errors);
}

void RetryingReply::setSslConfigurationImplementation(const QSslConfiguration& configuration)
{
    m_request.setSslConfiguration(configuration);
}

void RetryingReply::sslConfigurationImplementation(QSslConfiguration& configuration) const
{
    configuration = m_attempt ? m_attempt->sslConfiguration() : m_request.sslConfiguration();
}

} // namespace nullify
