#include "networkaccessmanager.h"

#include "accesstokenprovider.h"
#include "networkattributes.h"
#include "origin.h"
#include "retrybudget.h"
#include "retryingreply.h"
#include "tokenrefreshcoordinator.h"

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

NetworkAccessManager::~NetworkAccessManager() = default;

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
    if (!m_userAgent.isEmpty() && !request.hasRawHeader("User-Agent"))
        request.setRawHeader("User-Agent", m_userAgent);
}

QNetworkReply* NetworkAccessManager::sendAttempt(Operation op, const QNetworkRequest& request, QIODevice* body)
{
    return QNetworkAccessManager::createRequest(op, request, body);
}

} // namespace nullify
