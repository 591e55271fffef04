#pragma once

#include "retrypolicy.h"

#include <QHash>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QUrl>

#include <algorithm>
#include <memory>

namespace nullify {

class AccessTokenProvider;
class RetryBudget;
class RetryingReply;
class TokenRefreshCoordinator;
struct RetryInfo;

// The one QNetworkAccessManager of the app. Every reply it returns is a RetryingReply that lives
// across attempts: callers use it like any QNetworkReply and get safe retries, Retry-After,
// per-attempt timeouts, a request deadline, origin-safe redirects and one token refresh on 401.
class NetworkAccessManager : public QNetworkAccessManager
{
    Q_OBJECT

public:
    explicit NetworkAccessManager(QObject* parent = nullptr);
    ~NetworkAccessManager() override;

    void setRetryPolicy(const RetryPolicy& policy);
    RetryPolicy retryPolicy() const { return m_policy; }

    // Authorization is injected only for requests to this origin (scheme, host, port).
    void setApiOrigin(const QUrl& origin);
    QUrl apiOrigin() const { return m_apiOrigin; }

    void setTokenProvider(AccessTokenProvider* provider);
    AccessTokenProvider* tokenProvider() const;

    // Paths on the API origin that never get Authorization or the 401 flow (the token endpoints).
    void setUnauthenticatedPathPrefixes(const QStringList& prefixes);

    // The largest response body a reply takes in: counted as it arrives (after Qt decompressed it),
    // refused from its Content-Length when that says more. A larger one ends the reply with
    // ProtocolFailure and ReplyAttribute::ResponseTooLarge, never retried. The default is the cap
    // of the Nullify CLI and the API gateway. RequestAttribute::MaxResponseBytes overrides it.
    static constexpr qint64 defaultMaxResponseBytes = 10 * 1024 * 1024;
    void setMaxResponseBytes(qint64 bytes) { m_maxResponseBytes = std::max<qint64>(bytes, 0); }
    qint64 maxResponseBytes() const { return m_maxResponseBytes; }

    void setUserAgent(const QByteArray& userAgent) { m_userAgent = userAgent; }
    QByteArray userAgent() const { return m_userAgent; }

    bool isRefreshingToken() const;
    double retryBudgetTokens(const QUrl& url) const; // tokens left for the host of url
    static QString budgetKey(const QUrl& url); // host:port

signals:
    // The first attempt's is emitted from inside get()/post(), before the caller holds the reply.
    void attemptStarted(QNetworkReply* reply, int attempt);
    void retryScheduled(QNetworkReply* reply, const nullify::RetryInfo& info);
    void hostThrottled(const QString& host);
    // One per failed refresh that ended the session, however many requests were waiting.
    void reauthenticationRequired(const QString& reason);

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request, QIODevice* outgoingData) override;

private:
    friend class RetryingReply;

    // Settings of this manager every attempt of a request carries, applied once per request.
    void prepareForAttempts(QNetworkRequest& request) const;
    QNetworkReply* sendAttempt(Operation op, const QNetworkRequest& request, QIODevice* body);
    bool needsAuthentication(const QNetworkRequest& request) const;
    RetryBudget& budgetFor(const QString& key);
    void recordSuccess(const QUrl& url, bool afterRetry);
    TokenRefreshCoordinator* refreshCoordinator() const { return m_refresh.get(); }

    RetryPolicy m_policy;
    QUrl m_apiOrigin;
    QStringList m_unauthenticatedPrefixes;
    QByteArray m_userAgent;
    qint64 m_maxResponseBytes = defaultMaxResponseBytes;
    std::unique_ptr<TokenRefreshCoordinator> m_refresh;
    QHash<QString, std::shared_ptr<RetryBudget>> m_budgets;
};

} // namespace nullify
