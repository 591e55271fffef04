#include "tokenrefreshcoordinator.h"

#include "accesstokenprovider.h"
#include "logging.h"

namespace nullify {

void TokenRefreshCoordinator::setProvider(AccessTokenProvider* provider)
{
    if (m_provider)
        m_provider->disconnect(this);
    m_provider = provider;
    m_refreshing = false;
    m_sessionEnded = false;
    if (provider) {
        connect(provider, &AccessTokenProvider::refreshSucceeded, this, &TokenRefreshCoordinator::onSucceeded);
        connect(provider, &AccessTokenProvider::refreshFailed, this, &TokenRefreshCoordinator::onFailed);
    }
}

QByteArray TokenRefreshCoordinator::currentToken() const
{
    return m_provider ? m_provider->accessToken() : QByteArray();
}

TokenRefreshCoordinator::Outcome TokenRefreshCoordinator::unauthorized(quint64 usedGeneration)
{
    if (!m_provider)
        return Outcome::CannotRefresh;
    if (usedGeneration < m_generation) {
        qCDebug(lcAuth) << "401 for a token that was already replaced; replaying with the current one";
        return Outcome::ReplayNow;
    }
    // 401s that trail in after the refresh for the same token said "sign in again" must not ask
    // again: that would emit reauthenticationRequired once per late reply.
    if (!m_refreshing && m_sessionEnded && currentToken() == m_tokenAtSessionEnd)
        return Outcome::SessionEnded;
    if (!m_refreshing)
        startRefresh();
    return Outcome::WaitForRefresh;
}

void TokenRefreshCoordinator::startRefresh()
{
    qCInfo(lcAuth) << "access token rejected; refreshing once for every waiting request";
    m_refreshing = true;
    m_provider->refreshAccessToken();
}

void TokenRefreshCoordinator::onSucceeded()
{
    // A refresh the provider started on its own (before expiry) also replaces the token, so a 401
    // for the old one must replay rather than refresh again.
    ++m_generation;
    m_sessionEnded = false;
    qCInfo(lcAuth) << "token refreshed; generation" << m_generation;
    if (!m_refreshing)
        return;
    m_refreshing = false;
    emit refreshFinished(true, QString(), false);
}

void TokenRefreshCoordinator::onFailed(const QString& reason, bool signInRequired)
{
    if (!m_refreshing)
        return;
    m_refreshing = false;
    if (signInRequired) {
        m_sessionEnded = true;
        m_tokenAtSessionEnd = currentToken();
        m_sessionEndedReason = reason;
    }
    // The reason may carry the server's words (which may echo a request): debug only.
    qCWarning(lcAuth) << "token refresh failed" << (signInRequired ? "(sign-in required)" : "(for now)");
    qCDebug(lcAuth) << "token refresh failed:" << reason;
    emit refreshFinished(false, reason, signInRequired);
}

} // namespace nullify
