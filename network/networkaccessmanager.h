#pragma once

#include "retryinfo.h"
#include "retrypolicy.h"

#include <QHash>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QUrl>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

namespace nullify {

class AccessTokenProvider;
class HostQueue;
class RetryBudget;
class RetryingReply;
class TokenRefreshCoordinator;
struct RetryInfo;

// The one QNetworkAccessManager of the app. Every reply it returns is a RetryingReply that lives
// across attempts: callers use it like any QNetworkReply and get safe retries, Retry-After,
// per-attempt timeouts, a request deadline, origin-safe redirects and one token refresh on 401.
//
// Requests wait here, one queue per host, never inside Qt: beyond the attempts Qt can send to the
// host at once (HostQueue), while the host waits out a 429 or 503 Retry-After (every request to it,
// new or retried, goes when that ends), and, for requests that carry the access token, while the
// token is being refreshed (they leave with the new one). Nothing waits otherwise.
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

    // A host's wait, by hostKey(): "api.nullify.ai:443".
    static QString hostKey(const QUrl& url);
    bool isHostWaiting(const QString& host) const; // a Retry-After holds every request to it
    std::optional<RetryInfo> hostWait(const QString& host) const; // the wait's reason and end
    int waitingRequests(const QString& host) const; // requests waiting in the manager for host

public slots:
    // Ends the host's wait now: every request waiting for it goes (Retry now).
    void retryHostNow(const QString& host);
    // Cancels every request waiting for the host (each finishes with OperationCanceledError,
    // never sent) and ends the wait.
    void cancelWaiting(const QString& host);

signals:
    // The first attempt's is emitted from inside get()/post(), before the caller holds the reply.
    void attemptStarted(QNetworkReply* reply, int attempt);
    void retryScheduled(QNetworkReply* reply, const nullify::RetryInfo& info);
    void hostThrottled(const QString& host); // its retry budget is empty
    // The host asked to be left alone (429/503 with Retry-After, capped at the policy's
    // retryAfterCap): once per wait, again only when a later answer makes it a second or more
    // longer. info.dueAt is when it ends; info.host is `host`.
    void hostWaitStarted(const QString& host, const nullify::RetryInfo& info);
    void hostWaitEnded(const QString& host);
    // One per failed refresh that ended the session, however many requests were waiting.
    void reauthenticationRequired(const QString& reason);

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request, QIODevice* outgoingData) override;

private:
    friend class RetryingReply;

    // Settings of this manager every attempt of a request carries, applied once per request.
    void prepareForAttempts(QNetworkRequest& request) const;
    QNetworkReply* sendAttempt(Operation op, const QNetworkRequest& request, QIODevice* body);
    // Whether the reply's next attempt may go to Qt now. When not, the reply waits in its host's
    // queue and gets resumeFromQueue() when it may.
    // `first`: a retry or a high-priority request; `leftQueue`: resumeFromQueue() is sending it.
    bool admit(RetryingReply* reply, bool first, bool leftQueue);
    // When the reply's host waits out a Retry-After, the reply's retry waits with it (in the
    // queue, resumed when the wait ends): the host's wait is returned.
    std::optional<RetryInfo> waitForHost(RetryingReply* reply);
    void attemptEnded(HostQueue* host, bool usedHttp2);
    void leaveQueue(RetryingReply* reply);
    // A 429/503 with Retry-After from the host of url.
    void throttleHost(const QUrl& url, int status, std::chrono::milliseconds delay);
    HostQueue* hostQueue(const QString& key);
    // The reply's host queue, looked up once per URL: a host key is a few string allocations.
    HostQueue* hostQueueOf(RetryingReply* reply);
    void dispatch(HostQueue* host);
    void dispatchWaiting();
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
    QHash<QString, std::shared_ptr<HostQueue>> m_hosts;
    HostQueue* m_lastHost = nullptr; // hostQueueOf()'s latest answer, for a URL like m_lastHostUrl
    QUrl m_lastHostUrl;
    bool m_dispatchScheduled = false;
};

} // namespace nullify
