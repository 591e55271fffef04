#include "networkaccessmanager.h"

#include "accesstokenprovider.h"
#include "hostqueue.h"
#include "logging.h"
#include "networkattributes.h"
#include "origin.h"
#include "retrybudget.h"
#include "retryingreply.h"
#include "tokenrefreshcoordinator.h"

#include <algorithm>

namespace nullify {

NetworkAccessManager::NetworkAccessManager(QObject* parent)
    : QNetworkAccessManager(parent)
    , m_unauthenticatedPrefixes {QStringLiteral("/auth/")}
    , m_userAgent(QByteArrayLiteral("Nullify-Desktop/" NULLIFY_VERSION))
    , m_refresh(std::make_unique<TokenRefreshCoordinator>())
{
    qRegisterMetaType<nullify::RetryInfo>();
    connect(m_refresh.get(),
            &TokenRefreshCoordinator::refreshFinished,
            this,
            [this](bool succeeded, const QString& reason, bool signInRequired) {
                if (!succeeded && signInRequired)
                    emit reauthenticationRequired(reason);
            });
}

NetworkAccessManager::~NetworkAccessManager()
{
    // Qt's own destructor deletes the replies still alive, but by then this class's part (the host
    // queues they wait in or hold a slot of) is gone, and their destructors reach into it. Deleted
    // here, they leave their queues while those still exist.
    const QList<RetryingReply*> replies = findChildren<RetryingReply*>(Qt::FindDirectChildrenOnly);
    qDeleteAll(replies);
}

void NetworkAccessManager::setRetryPolicy(const RetryPolicy& policy)
{
    m_policy = policy;
}

void NetworkAccessManager::setApiOrigin(const QUrl& origin)
{
    m_apiOrigin = origin.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo);
}

void NetworkAccessManager::setTokenProvider(AccessTokenProvider* provider)
{
    m_refresh->setProvider(provider);
}

AccessTokenProvider* NetworkAccessManager::tokenProvider() const
{
    return m_refresh->provider();
}

void NetworkAccessManager::setUnauthenticatedPathPrefixes(const QStringList& prefixes)
{
    m_unauthenticatedPrefixes = prefixes;
}

bool NetworkAccessManager::isRefreshingToken() const
{
    return m_refresh->isRefreshing();
}

double NetworkAccessManager::retryBudgetTokens(const QUrl& url) const
{
    const auto found = m_budgets.constFind(budgetKey(url));
    return found == m_budgets.cend() ? m_policy.budgetCapacity : found.value()->tokens();
}

QString NetworkAccessManager::budgetKey(const QUrl& url)
{
    return url.host().toLower() + QLatin1Char(':') + QString::number(url.port(-1));
}

RetryBudget& NetworkAccessManager::budgetFor(const QString& key)
{
    auto& budget = m_budgets[key];
    if (!budget)
        budget = std::make_shared<RetryBudget>(m_policy.budgetCapacity, m_policy.budgetRefillPerSuccess);
    return *budget;
}

void NetworkAccessManager::recordSuccess(const QUrl& url, bool afterRetry)
{
    // Buckets exist only for hosts that needed a retry; most requests skip the lookup.
    if (m_budgets.isEmpty())
        return;
    const auto found = m_budgets.constFind(budgetKey(url));
    if (found == m_budgets.cend())
        return;
    if (afterRetry)
        found.value()->refundRetry();
    else
        found.value()->recordSuccess();
}

bool NetworkAccessManager::needsAuthentication(const QNetworkRequest& request) const
{
    if (!m_refresh->provider() || m_apiOrigin.isEmpty() || !isSameOrigin(request.url(), m_apiOrigin))
        return false;
    if (request.attribute(toAttribute(RequestAttribute::SkipAuthentication)).toBool())
        return false;
    if (request.hasRawHeader("Authorization"))
        return false; // the caller chose its own credentials
    const QString path = request.url().path();
    for (const auto& prefix : m_unauthenticatedPrefixes) {
        if (path.startsWith(prefix))
            return false;
    }
    return true;
}

QNetworkReply*
NetworkAccessManager::createRequest(Operation op, const QNetworkRequest& request, QIODevice* outgoingData)
{
    const QString scheme = request.url().scheme();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return QNetworkAccessManager::createRequest(op, request, outgoingData);

    RetryPolicy policy = m_policy;
    const QVariant override = request.attribute(toAttribute(RequestAttribute::RetryPolicyOverride));
    if (override.canConvert<RetryPolicy>())
        policy = override.value<RetryPolicy>();
    // QNetworkAccessManager applies setAutoDeleteReplies() inside its own createRequest(), to the
    // request of the reply it creates there; the caller's reply is ours, and Qt deletes it on
    // finished() only when ITS request() carries the attribute. So apply the default here too.
    QNetworkRequest callerRequest = request;
    if (autoDeleteReplies() && callerRequest.attribute(QNetworkRequest::AutoDeleteReplyOnFinishAttribute).isNull())
        callerRequest.setAttribute(QNetworkRequest::AutoDeleteReplyOnFinishAttribute, true);
    return new RetryingReply(this, op, callerRequest, outgoingData, policy);
}

void NetworkAccessManager::prepareForAttempts(QNetworkRequest& request) const
{
    // Qt's cookie jar is off: it would keep every Set-Cookie (the rotated refresh token among
    // them) in memory, send it with every later call, and replace the Cookie header the session
    // sets on its refresh call with whatever it stored last. Cookies are the session's business.
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    // The name as a literal: a QByteArray made from a char pointer is an allocation per call.
    static const QByteArray userAgent = QByteArrayLiteral("User-Agent");
    if (!m_userAgent.isEmpty() && !request.hasRawHeader(userAgent))
        request.setRawHeader(userAgent, m_userAgent);
}

QNetworkReply* NetworkAccessManager::sendAttempt(Operation op, const QNetworkRequest& request, QIODevice* body)
{
    return QNetworkAccessManager::createRequest(op, request, body);
}

QString NetworkAccessManager::hostKey(const QUrl& url)
{
    const int defaultPort = url.scheme() == QLatin1String("https") ? 443 : 80;
    return url.host().toLower() + QLatin1Char(':') + QString::number(url.port(defaultPort));
}

HostQueue* NetworkAccessManager::hostQueue(const QString& key)
{
    auto& host = m_hosts[key];
    if (!host) {
        host = std::make_shared<HostQueue>(key);
        HostQueue* queue = host.get();
        connect(&queue->throttleTimer(), &QTimer::timeout, this, [this, queue] {
            qCInfo(lcRetry) << "the wait for" << queue->key() << "is over";
            queue->endThrottle();
            emit hostWaitEnded(queue->key());
            dispatch(queue);
        });
    }
    return host.get();
}

bool NetworkAccessManager::isHostWaiting(const QString& host) const
{
    const auto found = m_hosts.constFind(host);
    return found != m_hosts.cend() && found.value()->isThrottled();
}

std::optional<RetryInfo> NetworkAccessManager::hostWait(const QString& host) const
{
    if (!isHostWaiting(host))
        return std::nullopt;
    return m_hosts.value(host)->throttle();
}

int NetworkAccessManager::waitingRequests(const QString& host) const
{
    const auto found = m_hosts.constFind(host);
    return found == m_hosts.cend() ? 0 : found.value()->waitingCount();
}

HostQueue* NetworkAccessManager::hostQueueOf(RetryingReply* reply)
{
    // Host queues live as long as the manager, so the pointer stays good; a redirect clears it.
    if (reply->m_hostQueue)
        return reply->m_hostQueue;
    // Most requests go where the one before went: a URL with the same scheme, host and port has
    // the same queue, found without building its key (a miss only costs the look-up).
    const QUrl& url = reply->m_request.url();
    const QUrl::FormattingOptions originOnly
        = QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo;
    if (!m_lastHost || !url.matches(m_lastHostUrl, originOnly)) {
        m_lastHost = hostQueue(hostKey(url));
        m_lastHostUrl = url;
    }
    reply->m_hostQueue = m_lastHost;
    return m_lastHost;
}

bool NetworkAccessManager::admit(RetryingReply* reply, bool first, bool leftQueue)
{
    HostQueue* host = hostQueueOf(reply);
    // A reply just taken from the queue goes ahead of the ones still in it; any other waits
    // behind them.
    if (!host->isThrottled() && host->hasRoom() && (leftQueue || !host->hasWaitingAhead(first))) {
        host->attemptStarted();
        reply->m_slotHost = host;
        return true;
    }
    host->enqueue(reply, first || leftQueue);
    reply->m_waitingIn = host;
    return false;
}

std::optional<RetryInfo> NetworkAccessManager::waitForHost(RetryingReply* reply)
{
    HostQueue* host = hostQueueOf(reply);
    if (!host->isThrottled())
        return std::nullopt;
    host->enqueue(reply, true);
    reply->m_waitingIn = host;
    return host->throttle();
}

void NetworkAccessManager::leaveQueue(RetryingReply* reply)
{
    if (HostQueue* host = std::exchange(reply->m_waitingIn, nullptr))
        host->remove(reply);
}

void NetworkAccessManager::attemptEnded(HostQueue* host, bool usedHttp2)
{
    host->attemptEnded();
    if (usedHttp2)
        host->setSpeaksHttp2();
    // From the event loop: the reply whose attempt ended decides first what comes next (a 401
    // starts the refresh, and the next request must then wait for its token, not go with the old).
    if (!host->isEmpty() && !m_dispatchScheduled) {
        m_dispatchScheduled = true;
        QMetaObject::invokeMethod(this, &NetworkAccessManager::dispatchWaiting, Qt::QueuedConnection);
    }
}

void NetworkAccessManager::dispatchWaiting()
{
    m_dispatchScheduled = false;
    const auto hosts = m_hosts;
    for (const auto& host : hosts)
        dispatch(host.get());
}

void NetworkAccessManager::dispatch(HostQueue* host)
{
    // Each reply taken may finish at once (and its owner react), so the queue is looked at anew
    // every time.
    while (!host->isThrottled() && host->hasRoom() && !host->isEmpty()) {
        RetryingReply* next = host->takeNext();
        next->m_waitingIn = nullptr;
        next->m_leftQueue = true;
        next->resumeFromQueue();
    }
}

void NetworkAccessManager::throttleHost(const QUrl& url, int status, std::chrono::milliseconds delay)
{
    delay = std::min(delay, m_policy.retryAfterCap);
    if (delay.count() <= 0)
        return;
    HostQueue* host = hostQueue(hostKey(url));
    RetryInfo info;
    info.delay = delay;
    info.dueAt = QDateTime::currentDateTimeUtc().addMSecs(delay.count());
    info.httpStatus = status;
    info.fromRetryAfter = true;
    info.reason = QStringLiteral("HTTP %1").arg(status);
    info.host = host->key();
    if (!host->throttleUntil(info))
        return;
    qCInfo(lcRetry) << "HTTP" << status << "from" << host->key() << "with Retry-After: every request to it waits"
                    << delay.count() << "ms";
    emit hostWaitStarted(host->key(), info);
}

void NetworkAccessManager::retryHostNow(const QString& key)
{
    const auto found = m_hosts.constFind(key);
    if (found == m_hosts.cend())
        return;
    HostQueue* host = found.value().get();
    if (host->isThrottled()) {
        qCInfo(lcRetry) << "the wait for" << key << "ended early (retry now)";
        host->endThrottle();
        emit hostWaitEnded(key);
    }
    dispatch(host);
}

void NetworkAccessManager::cancelWaiting(const QString& key)
{
    const auto found = m_hosts.constFind(key);
    if (found == m_hosts.cend())
        return;
    HostQueue* host = found.value().get();
    QList<QPointer<RetryingReply>> waiting;
    for (RetryingReply* reply : host->takeAll()) {
        reply->m_waitingIn = nullptr;
        waiting.append(reply);
    }
    qCInfo(lcRetry) << "cancelling" << waiting.size() << "request(s) waiting for" << key;
    if (host->isThrottled()) {
        host->endThrottle();
        emit hostWaitEnded(key);
    }
    // Each abort finishes a reply, whose owner may delete others of the list.
    for (const QPointer<RetryingReply>& reply : waiting) {
        if (reply)
            reply->abort();
    }
}

} // namespace nullify
