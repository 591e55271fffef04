#include "retryingreply.h"

#include "hostqueue.h"
#include "logging.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "origin.h"
#include "qtworkarounds.h"
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
    const bool first = m_attemptCount > 0 || m_request.priority() == QNetworkRequest::HighPriority;
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
    m_attempt = Attempt {};

    QNetworkRequest attemptRequest = m_request;
    if (withToken) {
        const QByteArray token = refresh->currentToken();
        m_attempt.tokenGeneration = refresh->generation();
        if (!token.isEmpty()) {
            attemptRequest.setRawHeader("Authorization", QByteArrayLiteral("Bearer ") + token);
            m_attempt.hadToken = true;
        }
    }

    // A request that must not run twice gets a body Qt can send only once (see SendOnceDevice),
    // unless its body is sequential (one too large to keep for replay): that has no size to
    // promise, and Qt buffers it and could still resend it. Any other request goes out as itself.
    QNetworkAccessManager::Operation operation;
    const bool mayRunTwice = m_markedIdempotent || RetryPolicy::isIdempotentMethod(m_verb);
    if (!mayRunTwice && !(bodyDevice && bodyDevice->isSequential())) {
        m_attempt.sendOnce = new qtworkarounds::SendOnceDevice(bodyDevice, this);
        bodyDevice = m_attempt.sendOnce;
        operation = QNetworkAccessManager::CustomOperation;
    } else {
        operation = qtOperationFor(m_verb, bodyDevice);
        if (sendsNoBody(operation))
            bodyDevice = nullptr;
    }
    if (operation == QNetworkAccessManager::CustomOperation)
        attemptRequest.setAttribute(QNetworkRequest::CustomVerbAttribute, m_verb);

    m_state = State::Sending;
    m_buffer.clear(); // only reached when the caller has read nothing of an earlier attempt
    m_bufferOffset = 0;
    noteActivity();
    ++m_attemptCount;

    QNetworkReply* attempt = m_manager->sendAttempt(operation, attemptRequest, bodyDevice);
    m_attempt.reply = attempt;
    // Until we know the body is the caller's, let Qt's HTTP thread read only this far ahead of us,
    // so that an error body too large to drain can still be cut off instead of arriving in full.
    attempt->setReadBufferSize(m_policy.maxDrainBytes);
    if (bodyDevice)
        qtworkarounds::restateReadBufferSizeOnceStarted(attempt, m_policy.maxDrainBytes);
    if (m_attempt.sendOnce)
        m_attempt.sendOnce->setParent(attempt); // Qt reads it for as long as the attempt lives
    if (m_ignoreAllSslErrors)
        attempt->ignoreSslErrors();
    else if (!m_ignoredSslErrors.isEmpty())
        attempt->ignoreSslErrors(m_ignoredSslErrors);

    // Whether the attempt went out decides only about requests that must not run twice.
    if (!mayRunTwice) {
        connect(attempt, &QNetworkReply::requestSent, this, [this] {
            noteActivity();
            m_attempt.mayHaveReachedServer = true;
            if (m_attempt.sendOnce)
                m_attempt.sendOnce->markSent();
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

    qCDebug(lcRetry) << "attempt" << m_attemptCount << m_verb << redactedUrl(m_request.url());
    if (m_constructing)
        m_firstAttemptUnannounced = true;
    else
        emit attemptStarted(m_attemptCount);
    emit m_manager->attemptStarted(this, m_attemptCount);
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
        if (m_attempt.bodyMode == BodyMode::Deliver)
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
        if (m_attempt.reply && !m_attempt.reply->isFinished())
            relayDownloadProgress(m_attempt.reply);
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
                if (m_attemptCount == 1 && firstAttemptLive)
                    emit attemptStarted(1);
            },
            Qt::QueuedConnection);
    }
    QNetworkReply::connectNotify(signal);
}

RetryHistory RetryingReply::history() const
{
    RetryHistory history;
    history.verb = m_verb;
    history.markedIdempotent = m_markedIdempotent;
    history.retriesScheduled = m_retriesScheduled;
    history.attemptHadToken = m_attempt.hadToken;
    history.unauthorizedReplayUsed = m_unauthorizedReplayUsed;
    return history;
}

void RetryingReply::onMetaDataChanged()
{
    QNetworkReply* attempt = m_attempt.reply;
    if (sender() != attempt || m_attempt.bodyMode != BodyMode::Undecided)
        return;
    const int status = attempt->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return;
    // A body that may be followed by another attempt is held back (and drained so the connection
    // can be reused); any other body belongs to the caller from the first byte.
    if (mightRetryStatus(m_policy, history(), status)) {
        m_attempt.bodyMode = BodyMode::Hold;
        // Reading a large error body costs more than a new connection: when its announced length
        // is above the drain limit, close now rather than after Qt has read it all.
        const qint64 announced = attempt->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        if (announced > heldBodyLimit() && !attempt->isFinished()) {
            m_attempt.heldBodyTruncated = true;
            m_attempt.abortedByUs = true;
            attempt->abort();
        }
        return;
    }
    m_attempt.bodyMode = BodyMode::Deliver;
    adoptAttemptMetaData();
    const qint64 announced = attempt->header(QNetworkRequest::ContentLengthHeader).toLongLong();
    if (announced > m_maxResponseBytes && responseHasBody(m_verb, status)) {
        finishTooLarge(); // no reason to read what will be refused
        return;
    }
    // The caller's body: a longer read-ahead, unless the whole body fits under the current one.
    if (announced <= 0 || announced > m_policy.maxDrainBytes)
        attempt->setReadBufferSize(deliverReadAheadBytes);
    emit metaDataChanged();
}

void RetryingReply::onAttemptReadyRead()
{
    QNetworkReply* attempt = m_attempt.reply;
    if (sender() != attempt)
        return;
    noteActivity();
    if (m_attempt.bodyMode == BodyMode::Undecided) {
        onMetaDataChanged();
        if (m_attempt.reply != attempt || m_state != State::Sending)
            return; // deciding ended this attempt (an error body too large to drain)
    }
    if (m_attempt.bodyMode == BodyMode::Deliver) {
        const QByteArray chunk = attempt->readAll();
        m_attempt.bodyBytes += chunk.size();
        // Counted here for every body: one without Content-Length (chunked, or ended by closing
        // the connection) and one Qt decompressed (the cap is on what the caller would hold).
        if (m_attempt.bodyBytes > m_maxResponseBytes) {
            finishTooLarge();
            return;
        }
        m_buffer.append(chunk);
        emit readyRead();
        return;
    }
    const QByteArray chunk = attempt->readAll();
    m_attempt.bodyBytes += chunk.size();
    QByteArray& held = m_attempt.heldBody;
    if (held.size() + chunk.size() > heldBodyLimit()) {
        // Reading a large error body costs more than a new connection.
        held.append(chunk.left(heldBodyLimit() - held.size()));
        m_attempt.heldBodyTruncated = true;
        qCDebug(lcRetry) << "error body above" << heldBodyLimit() << "bytes; closing the connection";
        m_attempt.abortedByUs = true;
        attempt->abort();
        return;
    }
    held.append(chunk);
}

void RetryingReply::onAttemptFinished()
{
    QNetworkReply* attempt = m_attempt.reply;
    if (sender() != attempt || m_state != State::Sending)
        return;
    if (m_slotHost)
        releaseSlot(attempt->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool());
    const int status = attempt->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (m_attempt.bodyMode == BodyMode::Undecided && status != 0)
        onMetaDataChanged();
    if (m_state == State::Sending && !m_attempt.abortedByUs && attempt->bytesAvailable() > 0)
        onAttemptReadyRead();
    if (m_state != State::Sending)
        return; // the body was too large

    // What happened, from what Qt reported (qtworkarounds.h).
    qtworkarounds::AttemptReport report;
    report.qtError = attempt->error();
    report.status = status;
    report.sendOnce = m_attempt.sendOnce != nullptr;
    report.rewindRefused = m_attempt.sendOnce && m_attempt.sendOnce->rewindRefused();
    report.abortedByUs = m_attempt.abortedByUs;
    report.timedOutByUs = m_attempt.timedOut;
    report.hasBody = responseHasBody(m_verb, status);
    report.bodyBytes = m_attempt.bodyBytes;
    if (report.qtError == QNetworkReply::NoError && report.hasBody && !report.abortedByUs) {
        bool known = false;
        const qint64 length = attempt->header(QNetworkRequest::ContentLengthHeader).toLongLong(&known);
        if (known)
            report.contentLength = length;
    }
    const qtworkarounds::AttemptEnd end = qtworkarounds::correctedAttemptEnd(report);
    const QNetworkReply::NetworkError error = end.error;
    if (end.countsAsSent)
        m_attempt.mayHaveReachedServer = true;
    QString errorText;
    switch (end.reason) {
    case qtworkarounds::AttemptEnd::Reason::AsReported:
        break;
    case qtworkarounds::AttemptEnd::Reason::ResendRefused:
        errorText = tr("The connection closed after the request was sent; a %1 request is not sent again "
                       "automatically.")
                        .arg(QString::fromLatin1(m_verb));
        break;
    case qtworkarounds::AttemptEnd::Reason::CutShort:
        errorText = tr("The connection closed after %1 of %2 bytes of the response.")
                        .arg(m_attempt.bodyBytes)
                        .arg(QString::fromLatin1(attempt->rawHeader("Content-Length")));
        break;
    case qtworkarounds::AttemptEnd::Reason::StreamReset:
        errorText = tr("The server reset the HTTP/2 stream after %1 bytes of the response (%2).")
                        .arg(m_attempt.bodyBytes)
                        .arg(attempt->errorString());
        break;
    }

    AttemptResult result;
    result.status = status;
    result.error = error;
    result.bodyDelivered = m_attempt.bodyMode == BodyMode::Deliver;
    result.callerHasRead = m_bytesRead > 0;
    result.attemptHadToken = m_attempt.hadToken;
    result.unauthorizedReplayUsed = m_unauthorizedReplayUsed;
    const AfterAttempt next = decideAfterAttempt(result);
    switch (next.action) {
    case AfterAttempt::Action::RetryFailure:
        if (scheduleRetry(0, error))
            return;
        finishWithAttempt(error, errorText);
        return;
    case AfterAttempt::Action::Finish:
        finishWithAttempt(error, errorText);
        return;
    case AfterAttempt::Action::HandleAnswer:
        break;
    }

    if (m_manager && next.hostAnswered) // a retry gets its token back
        m_manager->recordSuccess(m_request.url(), std::exchange(m_retryHoldsBudgetToken, false));
    if (m_manager && next.hostAsksToWait) {
        // The host asks every request to wait, not only this one.
        const auto wait = RetryAfter::delay(
            attempt->rawHeader("Retry-After"), attempt->rawHeader("Date"), QDateTime::currentDateTimeUtc());
        if (wait)
            m_manager->throttleHost(m_request.url(), status, *wait);
    }
    if (next.tryRedirect && followRedirect(status))
        return;
    if (next.tryUnauthorizedReplay && replayAfterUnauthorized())
        return;
    if (scheduleRetry(status, error))
        return;
    finishWithAttempt(error, QString());
}

bool RetryingReply::followRedirect(int status)
{
    if (!m_manager)
        return false;
    RedirectQuestion question;
    question.status = status;
    // A caller (or the manager's owner) that asked for manual redirects gets the 3xx itself.
    question.manualPolicy
        = (m_requestedRedirectPolicy.isValid() ? m_requestedRedirectPolicy.toInt() : int(m_manager->redirectPolicy()))
        == QNetworkRequest::ManualRedirectPolicy;
    question.from = m_request.url();
    question.location = m_attempt.reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    question.redirectsSoFar = m_redirects;
    question.maxRedirects = m_policy.maxRedirects;
    question.operation = m_operation;
    const RedirectDecision decision = decideRedirect(question);
    if (decision.counts())
        ++m_redirects;

    switch (decision.kind) {
    case RedirectDecision::Kind::NotFollowed:
        return false;
    case RedirectDecision::Kind::TooMany:
        finishWithAttempt(QNetworkReply::TooManyRedirectsError,
                          tr("Too many redirects (more than %1).").arg(m_policy.maxRedirects));
        return true;
    case RedirectDecision::Kind::UnsupportedScheme:
        finishWithAttempt(QNetworkReply::ProtocolUnknownError, tr("Redirect to an unsupported scheme refused."));
        return true;
    case RedirectDecision::Kind::InsecureDowngrade:
        finishWithAttempt(QNetworkReply::InsecureRedirectError, tr("Redirect from https to http refused."));
        return true;
    case RedirectDecision::Kind::Follow:
        break;
    }

    const QUrl& to = decision.to;
    if (decision.dropCredentials) {
        // Credentials stay with the origin they were meant for.
        m_request.setRawHeader("Authorization", QByteArray());
        m_request.setRawHeader("Cookie", QByteArray());
        m_request.setRawHeader("Proxy-Authorization", QByteArray());
        qCInfo(lcRedirect) << "cross-origin redirect; credentials not forwarded:" << redactedUrl(to);
    }
    if (decision.becomesGet) {
        m_operation = QNetworkAccessManager::GetOperation;
        m_verb = QByteArrayLiteral("GET");
        m_hasBody = false;
        m_request.setHeader(QNetworkRequest::ContentTypeHeader, QVariant());
        m_request.setHeader(QNetworkRequest::ContentLengthHeader, QVariant());
    }
    qCDebug(lcRedirect) << status << redactedUrl(question.from) << "->" << redactedUrl(to);
    m_request.setUrl(to);
    m_hostQueue = nullptr; // the new URL's host is looked up on the next attempt
    setUrl(to);
    emit redirected(to);
    sendAttempt();
    return true;
}

bool RetryingReply::replayAfterUnauthorized()
{
    if (!m_attempt.hadToken || m_unauthorizedReplayUsed || !m_manager)
        return false;
    m_unauthorizedReplayUsed = true;
    // Wait first: a provider may report back before unauthorized() returns.
    m_state = State::WaitingForToken;
    waitForTokenRefresh();
    switch (m_manager->refreshCoordinator()->unauthorized(m_attempt.tokenGeneration)) {
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
    const RetryHistory facts = history();
    RetryQuestion question;
    question.status = status;
    question.error = error;
    // Qt's own error, not `error`: that one may be our send-once guard's report of a closed
    // connection.
    question.neverProcessed = status == 0 && m_attempt.reply
        && RetryPolicy::wasNeverProcessed(m_attempt.reply->error(), m_attempt.reply->errorString());
    question.attemptSent = m_attempt.mayHaveReachedServer;
    // Most answers (every success) end here: nothing below is worth computing for them.
    if (!isRetryable(m_policy, facts, question) || !m_manager)
        return false;

    const QDateTime now = QDateTime::currentDateTimeUtc();
    RetryTiming timing;
    timing.bodyCanReplay = !m_hasBody || m_body->canReplay();
    timing.unitRandom = QRandomGenerator::global()->generateDouble();
    if (status != 0)
        timing.serverDelay
            = RetryAfter::delay(m_attempt.reply->rawHeader("Retry-After"), m_attempt.reply->rawHeader("Date"), now);
    timing.elapsedMs = m_sinceStart.elapsed();
    const RetryDecision decision = decideRetry(m_policy, facts, question, timing);
    const std::chrono::milliseconds delay = decision.delay;
    const bool fromRetryAfter = decision.fromRetryAfter;
    switch (decision.kind) {
    case RetryDecision::Kind::NotRetryable:
        return false;
    case RetryDecision::Kind::OutOfAttempts:
        qCInfo(lcRetry) << "giving up after" << m_attemptCount << "attempts:" << redactedUrl(m_request.url());
        return false;
    case RetryDecision::Kind::BodyNotReplayable:
        finishWithAttempt(error, tr("Not retried: %1").arg(m_body->errorString()));
        return true;
    case RetryDecision::Kind::RetryAfterTooLong: {
        const QDateTime until = now.addMSecs(delay.count());
        setAttribute(toAttribute(ReplyAttribute::RetryAfterUntil), until);
        finishWithAttempt(error,
                          tr("The server asks to wait until %1, longer than this app waits on its own.")
                              .arg(until.toLocalTime().toString(QStringLiteral("HH:mm:ss"))));
        return true;
    }
    case RetryDecision::Kind::PastDeadline:
        if (fromRetryAfter)
            setAttribute(toAttribute(ReplyAttribute::RetryAfterUntil), now.addMSecs(delay.count()));
        qCInfo(lcRetry) << "not retrying: the wait would pass the request deadline";
        return false;
    case RetryDecision::Kind::Retry:
        break;
    }
    const QString host = m_request.url().host();
    if (!m_manager->budgetFor(NetworkAccessManager::budgetKey(m_request.url())).tryAcquire()) {
        qCWarning(lcRetry) << "retry budget for" << host << "is empty; not retrying";
        emit m_manager->hostThrottled(host);
        return false;
    }
    m_retryHoldsBudgetToken = true; // returned if the retry succeeds, spent if it fails

    ++m_retriesScheduled;
    RetryInfo info;
    info.nextAttempt = m_attemptCount + 1;
    info.delay = delay;
    info.dueAt = now.addMSecs(delay.count());
    info.httpStatus = status;
    info.networkError = status == 0 ? error : QNetworkReply::NoError;
    info.fromRetryAfter = fromRetryAfter;
    info.reason
        = status != 0 ? QStringLiteral("HTTP %1").arg(status) : describeError(error, m_attempt.reply->errorString());

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
    if (m_state == State::Sending && m_attempt.reply && !m_attempt.reply->isFinished()) {
        const qint64 quietUntil = m_attempt.lastActivityMs + m_policy.attemptTimeout.count();
        if (now >= quietUntil) {
            qCInfo(lcRetry) << "no data moved for" << m_policy.attemptTimeout.count() << "ms; attempt timed out";
            m_attempt.timedOut = true;
            m_attempt.abortedByUs = true;
            // Qt may not have said yet that the request went out, and for an empty body it never
            // does (qtworkarounds::emptyBodyGetsNoRequestSent): a request that must not run twice
            // may have reached a server that is still working on it, so it counts as sent. Found
            // by the soak (a stalled cloud-scan start was sent again).
            if (m_attempt.sendOnce)
                m_attempt.mayHaveReachedServer = true;
            m_attempt.reply->abort(); // finishes the attempt, which decides about a retry
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
    if (!rawHeaderPairs().isEmpty()) { // an earlier attempt's, adopted when its body was the caller's
        for (const auto& header : rawHeaderList())
            setRawHeader(header, QByteArray());
    }
    QNetworkReply* attempt = m_attempt.reply;
    for (const auto& [name, value] : attempt->rawHeaderPairs())
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
        setAttribute(attribute, attempt->attribute(attribute));
    setUrl(attempt->url());
}

void RetryingReply::finishWithAttempt(QNetworkReply::NetworkError error, const QString& errorText)
{
    if (m_attempt.reply && m_attempt.bodyMode != BodyMode::Deliver) {
        adoptAttemptMetaData();
        m_buffer = std::exchange(m_attempt.heldBody, QByteArray());
    }
    QString text = errorText;
    if (text.isEmpty() && m_attempt.reply)
        text = error == QNetworkReply::TimeoutError
            ? tr("No data moved for %1 seconds.").arg(m_policy.attemptTimeout.count() / 1000.0)
            : m_attempt.reply->errorString();
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

    setAttribute(toAttribute(ReplyAttribute::AttemptCount), m_attemptCount);
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
    if (!m_buffer.isEmpty() && m_attempt.bodyMode != BodyMode::Deliver)
        emit readyRead();
    emit readChannelFinished();
    emit finished();
}

void RetryingReply::discardAttempt()
{
    QNetworkReply* attempt = std::exchange(m_attempt.reply, nullptr);
    if (!attempt)
        return;
    // A finished attempt emits nothing more, so only a running one needs cutting loose.
    if (!attempt->isFinished()) {
        attempt->disconnect(this);
        m_attempt.abortedByUs = true;
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
    if (m_attempt.reply)
        m_attempt.reply->ignoreSslErrors();
}

void RetryingReply::ignoreSslErrorsImplementation(const QList<QSslError>& errors)
{
    m_ignoredSslErrors = errors;
    if (m_attempt.reply)
        m_attempt.reply->ignoreSslErrors(errors);
}

void RetryingReply::setSslConfigurationImplementation(const QSslConfiguration& configuration)
{
    m_request.setSslConfiguration(configuration);
}

void RetryingReply::sslConfigurationImplementation(QSslConfiguration& configuration) const
{
    configuration = m_attempt.reply ? m_attempt.reply->sslConfiguration() : m_request.sslConfiguration();
}

} // namespace nullify
