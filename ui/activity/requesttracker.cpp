#include "requesttracker.h"

#include "logging.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "retryingreply.h"

#include <QLoggingCategory>
#include <QUrl>

#include <algorithm>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiActivity, "nullify.ui.activity", QtInfoMsg)

namespace {

QByteArray verbOf(QNetworkReply* reply)
{
    if (auto* retrying = qobject_cast<RetryingReply*>(reply))
        return retrying->verb();
    switch (reply->operation()) {
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
    default:
        return reply->request().attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
    }
}

// Path and query of an already redacted URL, decoded for reading. Decoding happens after the
// redaction, so nothing the redaction removed can come back.
QString readablePath(const QString& redacted)
{
    const QUrl url(redacted, QUrl::TolerantMode);
    QString path = url.path(QUrl::PrettyDecoded);
    if (path.isEmpty())
        path = QStringLiteral("/");
    if (url.hasQuery())
        path += QLatin1Char('?') + url.query(QUrl::PrettyDecoded);
    return path;
}

QString reasonFor(int status, QNetworkReply::NetworkError error)
{
    if (status != 0)
        return QStringLiteral("HTTP %1").arg(status);
    if (error == QNetworkReply::NoError)
        return QString();
    return RequestTracker::describeError(error);
}

} // namespace

qint64 RequestRecord::durationMs() const
{
    const QDateTime end = finishedAt.isValid() ? finishedAt : QDateTime::currentDateTimeUtc();
    return startedAt.isValid() ? startedAt.msecsTo(end) : 0;
}

RequestTracker::RequestTracker(NetworkAccessManager* manager, QObject* parent)
    : QObject(parent)
    , m_manager(manager)
{
    Q_ASSERT(manager);
    // Direct connections: attemptStarted(1) comes from inside get()/post(), and the record must
    // exist before the caller can ask the tracker about the reply it just got.
    connect(manager, &NetworkAccessManager::attemptStarted, this, &RequestTracker::onAttemptStarted);
    connect(manager, &NetworkAccessManager::retryScheduled, this, &RequestTracker::onRetryScheduled);
    connect(manager, &NetworkAccessManager::hostThrottled, this, &RequestTracker::hostThrottled);
    connect(manager, &NetworkAccessManager::hostWaitStarted, this, [this](const QString& host, const RetryInfo& info) {
        m_hostWaits.insert(host, info);
        emit hostWaitPending(host, info);
    });
    connect(manager, &NetworkAccessManager::hostWaitEnded, this, [this](const QString& host) {
        if (m_hostWaits.remove(host) > 0)
            emit hostWaitCleared(host);
    });
}

RequestTracker::~RequestTracker()
{
    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it) {
        if (it->reply)
            it->reply->disconnect(this);
    }
}

void RequestTracker::setCapacity(int capacity)
{
    m_capacity = std::max(capacity, 1);
    trim();
}

const RequestRecord* RequestTracker::record(quint64 id) const
{
    auto it
        = std::lower_bound(m_records.cbegin(), m_records.cend(), id, [](const RequestRecord& record, quint64 value) {
              return record.id < value;
          });
    return it != m_records.cend() && it->id == id ? &*it : nullptr;
}

RequestRecord* RequestTracker::mutableRecord(quint64 id)
{
    return const_cast<RequestRecord*>(record(id));
}

QNetworkReply* RequestTracker::reply(quint64 id) const
{
    auto it = m_live.constFind(id);
    return it == m_live.cend() ? nullptr : it->reply.data();
}

quint64 RequestTracker::requestId(const QNetworkReply* reply) const
{
    return m_idByReply.value(reply, 0);
}

QList<QNetworkReply*> RequestTracker::pendingRetries() const
{
    QList<QNetworkReply*> replies;
    for (const auto& live : m_live) {
        if (live.pending && live.reply)
            replies.append(live.reply);
    }
    return replies;
}

std::optional<RetryInfo> RequestTracker::pendingRetry(const QNetworkReply* reply) const
{
    const quint64 id = requestId(reply);
    if (id == 0)
        return std::nullopt;
    return m_live.value(id).pending;
}

QNetworkReply* RequestTracker::soonestPendingRetry() const
{
    QNetworkReply* soonest = nullptr;
    QDateTime soonestDue;
    for (const auto& live : m_live) {
        if (!live.pending || !live.reply)
            continue;
        if (!soonest || live.pending->dueAt < soonestDue) {
            soonest = live.reply;
            soonestDue = live.pending->dueAt;
        }
    }
    return soonest;
}

bool RequestTracker::retryNow(QNetworkReply* reply)
{
    auto* retrying = qobject_cast<RetryingReply*>(reply);
    if (!retrying || requestId(reply) == 0 || !retrying->isWaitingToRetry())
        return false;
    qCDebug(lcUiActivity) << "retry now requested for request" << requestId(reply);
    retrying->retryNow();
    return true;
}

QString RequestTracker::soonestHostWait() const
{
    QString soonest;
    for (auto it = m_hostWaits.cbegin(); it != m_hostWaits.cend(); ++it) {
        if (soonest.isEmpty() || it->dueAt < m_hostWaits.value(soonest).dueAt)
            soonest = it.key();
    }
    return soonest;
}

int RequestTracker::requestsWaitingFor(const QString& host) const
{
    return m_manager ? m_manager->waitingRequests(host) : 0;
}

bool RequestTracker::retryHostNow(const QString& host)
{
    if (!m_manager || !m_hostWaits.contains(host))
        return false;
    qCDebug(lcUiActivity) << "retry now requested for every request waiting for" << host;
    m_manager->retryHostNow(host);
    return true;
}

bool RequestTracker::cancelHost(const QString& host)
{
    if (!m_manager || !m_hostWaits.contains(host))
        return false;
    qCDebug(lcUiActivity) << "cancel requested for every request waiting for" << host;
    m_manager->cancelWaiting(host);
    return true;
}

bool RequestTracker::abort(QNetworkReply* reply)
{
    if (!reply || requestId(reply) == 0 || reply->isFinished())
        return false;
    qCDebug(lcUiActivity) << "cancel requested for request" << requestId(reply);
    reply->abort();
    return true;
}

QString RequestTracker::describeError(QNetworkReply::NetworkError error)
{
    switch (error) {
    case QNetworkReply::NoError:
        return QString();
    case QNetworkReply::ConnectionRefusedError:
        return tr("connection refused");
    case QNetworkReply::RemoteHostClosedError:
        return tr("connection closed");
    case QNetworkReply::HostNotFoundError:
        return tr("host not found");
    case QNetworkReply::TimeoutError:
        return tr("timed out");
    case QNetworkReply::OperationCanceledError:
        return tr("cancelled");
    case QNetworkReply::SslHandshakeFailedError:
        return tr("secure connection failed");
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
        return tr("network unavailable");
    case QNetworkReply::TemporaryNetworkFailureError:
        return tr("temporary failure");
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
    case QNetworkReply::UnknownProxyError:
        return tr("proxy error");
    case QNetworkReply::AuthenticationRequiredError:
        return tr("sign-in required");
    case QNetworkReply::ContentReSendError:
        return tr("not sent again");
    case QNetworkReply::TooManyRedirectsError:
    case QNetworkReply::InsecureRedirectError:
        return tr("redirect refused");
    default:
        return tr("network error %1").arg(int(error));
    }
}

quint64 RequestTracker::startRecord(QNetworkReply* reply)
{
    RequestRecord record;
    record.id = m_nextId++;
    record.method = verbOf(reply);
    record.url = redactedUrl(reply->url());
    record.path = readablePath(record.url);
    record.startedAt = QDateTime::currentDateTimeUtc();
    m_records.append(record);
    m_live.insert(record.id, Live {reply, reply, std::nullopt});
    m_idByReply.insert(reply, record.id);

    connect(reply, &QNetworkReply::finished, this, [this, reply] { onFinished(reply); });
    connect(reply, &QNetworkReply::redirected, this, [this, reply] { onRedirected(reply); });
    connect(reply, &QObject::destroyed, this, &RequestTracker::onDestroyed);
    return record.id;
}

void RequestTracker::onAttemptStarted(QNetworkReply* reply, int attempt)
{
    quint64 id = requestId(reply);
    const bool isNew = id == 0;
    if (isNew)
        id = startRecord(reply);
    RequestRecord* record = mutableRecord(id);
    if (!record)
        return;
    if (!isNew) {
        clearPending(id, reply);
        AttemptRecord* previous = record->attempts.isEmpty() ? nullptr : &record->attempts.last();
        if (previous && !previous->ended) {
            // Neither a scheduled retry nor a redirect ended it: the one replay after a 401 with a
            // renewed token.
            previous->ended = true;
            previous->httpStatus = 401;
            previous->error = QNetworkReply::AuthenticationRequiredError;
            previous->reason = tr("HTTP 401 · token renewed");
            emit attemptEnded(id, previous->number);
        }
    }
    AttemptRecord next;
    next.number = attempt;
    next.startedAt = QDateTime::currentDateTimeUtc();
    record->attempts.append(next);
    record->outcome = RequestRecord::Outcome::InFlight;
    if (isNew) {
        emit requestStarted(id);
        trim();
    } else {
        emit requestUpdated(id);
    }
}

void RequestTracker::onRetryScheduled(QNetworkReply* reply, const RetryInfo& info)
{
    const quint64 id = requestId(reply);
    RequestRecord* record = mutableRecord(id);
    if (!record)
        return;
    if (!record->attempts.isEmpty()) {
        AttemptRecord& last = record->attempts.last();
        last.ended = true;
        last.httpStatus = info.httpStatus;
        last.error = info.networkError;
        // info.reason is ours and short ("HTTP 503", "connection refused"), never Qt's text.
        last.reason = info.reason;
        last.waitMs = info.delay.count();
        last.waitFromRetryAfter = info.fromRetryAfter;
        emit attemptEnded(id, last.number);
    }
    record->outcome = RequestRecord::Outcome::WaitingToRetry;
    m_live[id].pending = info;
    emit requestUpdated(id);
    emit retryPending(reply, info);
}

void RequestTracker::onRedirected(QNetworkReply* reply)
{
    const quint64 id = requestId(reply);
    RequestRecord* record = mutableRecord(id);
    if (!record || record->attempts.isEmpty() || record->attempts.constLast().ended)
        return;
    AttemptRecord& last = record->attempts.last();
    last.ended = true;
    last.reason = tr("redirected");
    emit attemptEnded(id, last.number);
    emit requestUpdated(id);
}

void RequestTracker::onFinished(QNetworkReply* reply)
{
    const quint64 id = requestId(reply);
    RequestRecord* record = mutableRecord(id);
    if (!record)
        return;
    reply->disconnect(this);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    const bool timedOut = reply->attribute(toAttribute(ReplyAttribute::TimedOut)).toBool();

    record->finishedAt = QDateTime::currentDateTimeUtc();
    record->finalStatus = status;
    record->finalError = error;
    record->totalWaitMs = reply->attribute(toAttribute(ReplyAttribute::TotalWaitMs)).toLongLong();
    record->retryAfterUntil = reply->attribute(toAttribute(ReplyAttribute::RetryAfterUntil)).toDateTime();
    if (error == QNetworkReply::NoError)
        record->outcome = RequestRecord::Outcome::Succeeded;
    else if (timedOut || error == QNetworkReply::TimeoutError)
        record->outcome = RequestRecord::Outcome::TimedOut;
    else if (error == QNetworkReply::OperationCanceledError)
        record->outcome = RequestRecord::Outcome::Cancelled;
    else
        record->outcome = RequestRecord::Outcome::Failed;

    int endedAttempt = 0;
    if (!record->attempts.isEmpty() && !record->attempts.constLast().ended) {
        AttemptRecord& last = record->attempts.last();
        last.ended = true;
        last.httpStatus = status;
        last.error = error;
        last.reason = reasonFor(status, error);
        endedAttempt = last.number;
    }
    qCDebug(lcUiActivity).nospace() << "request " << id << ' ' << record->method << ' ' << record->url
                                    << " finished: " << int(record->outcome) << " after " << record->attempts.size()
                                    << " attempt(s)";

    clearPending(id, reply);
    m_live.remove(id);
    m_idByReply.remove(reply);
    if (endedAttempt != 0)
        emit attemptEnded(id, endedAttempt);
    emit requestFinished(id);
    trim();
}

void RequestTracker::onDestroyed(QObject* object)
{
    // Deleted before it finished (a finished reply is no longer in m_idByReply).
    const quint64 id = m_idByReply.take(object);
    if (id == 0)
        return;
    const Live live = m_live.take(id);
    if (RequestRecord* record = mutableRecord(id)) {
        record->finishedAt = QDateTime::currentDateTimeUtc();
        record->outcome = RequestRecord::Outcome::Cancelled;
        if (!record->attempts.isEmpty() && !record->attempts.constLast().ended) {
            AttemptRecord& last = record->attempts.last();
            last.ended = true;
            last.error = QNetworkReply::OperationCanceledError;
            last.reason = tr("discarded");
        }
    }
    // The pointer is only an identity now; listeners must not dereference it.
    if (live.pending)
        emit retryCleared(live.identity);
    emit requestFinished(id);
    trim();
}

void RequestTracker::clearPending(quint64 id, QNetworkReply* reply)
{
    auto it = m_live.find(id);
    if (it == m_live.end() || !it->pending)
        return;
    it->pending.reset();
    emit retryCleared(reply);
}

void RequestTracker::trim()
{
    while (m_records.size() > m_capacity) {
        auto it = std::find_if(
            m_records.begin(), m_records.end(), [](const RequestRecord& record) { return record.isFinished(); });
        if (it == m_records.end())
            return; // everything left is in flight; those are never dropped
        const quint64 id = it->id;
        m_records.erase(it);
        emit requestDropped(id);
    }
}

} // namespace nullify::ui
