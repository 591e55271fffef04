#pragma once

#include "apierror.h"
#include "networkaccessmanager.h"
#include "types.h"

#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <optional>

class QNetworkReply;

namespace nullify::api {

// A result is handed to a callback bound to a context QObject, the way QObject::connect binds a
// functor: when the context is destroyed first, the call is aborted and the callback never runs.
// Why not a job object with a finished signal: the caller already holds the QNetworkReply (for
// retry signals, retryNow() and abort()), so a job would be a second handle on the same request;
// a signal cannot carry a different Result<T> per call without a job class per type; and a
// callback keeps the decoded value typed from the server to the view.
template <typename T> using Callback = std::function<void(const Result<T>&)>;

// One HTTP exchange with the API, before the base URL and scope are applied.
struct ApiRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QString path; // "/context/repositories"; ids inside must already be percent-encoded (see pathSegment)
    QueryParameters query; // the call's own parameters; the scope is added by the client
    std::optional<QByteArray> body; // JSON; Content-Type is sent only when there is one
    // Extra headers, e.g. the refresh-token Cookie, or an explicit Authorization for a token being
    // checked (the network core injects the session's token only when none is set).
    QList<QPair<QByteArray, QByteArray>> headers;
    // A POST that only reads (a query) and may be replayed after a 5xx. Never for calls that start
    // work (scans, pentests, autofix, pull requests): a 5xx after the server committed would
    // become a duplicate.
    bool idempotent = false;
    // Qt sends at most six requests per host at once and queues the rest in order; a high priority
    // request goes out on the next free connection, ahead of the queue (the token refresh).
    QNetworkRequest::Priority priority = QNetworkRequest::NormalPriority;
};

// The transport of the typed API: base URL, tenant scope on every call, JSON headers and the
// mapping of every failure to an ApiError (a body over the manager's response cap included). It
// knows no endpoint; see NullifyApi.
class ApiClient : public QObject
{
    Q_OBJECT

public:
    explicit ApiClient(NetworkAccessManager* manager, QObject* parent = nullptr);

    // The API's base, e.g. https://api.acme.nullify.ai or http://127.0.0.1:PORT. This does not
    // change the manager's apiOrigin: which origin gets the token is the session's decision.
    void setBaseUrl(const QUrl& baseUrl) { m_baseUrl = baseUrl; }
    QUrl baseUrl() const { return m_baseUrl; }

    // What a user types ("acme", "acme.nullify.ai", "api.acme.nullify.ai", or an explicit
    // http(s) URL on loopback) as a base URL; nullopt with a reason for anything else.
    static std::optional<QUrl> resolveBaseUrl(const QString& input, QString* whyNot = nullptr);
    // "localhost" or a loopback address: the only hosts that may be reached over plain http.
    static bool isLoopbackHost(const QString& host);

    // The token response's query_parameters (e.g. githubOwnerId=123), added to every call.
    void setScope(const QueryParameters& scope) { m_scope = scope; }
    QueryParameters scope() const { return m_scope; }

    NetworkAccessManager* manager() const { return m_manager; }

    QUrl urlFor(const ApiRequest& request) const;

    // Sends request and hands the 2xx body to done; every failure arrives as an ApiError. Returns
    // the reply (a RetryingReply) for retry signals, retryNow() and abort(); it is deleted after it
    // finishes. done runs once, unless context was destroyed first (which aborts the request).
    QNetworkReply* sendRaw(const ApiRequest& request, QObject* context, Callback<QByteArray> done);

    template <typename T>
    QNetworkReply* send(const ApiRequest& request,
                        std::function<Result<T>(const QByteArray&)> decode,
                        QObject* context,
                        Callback<T> done)
    {
        return sendRaw(
            request, context, [decode = std::move(decode), done = std::move(done)](const Result<QByteArray>& raw) {
                if (!raw) {
                    done(Result<T>::failure(raw.error()));
                    return;
                }
                done(decode(raw.value()));
            });
    }

    // Reports error to done on the next event-loop turn (never from inside the caller) and returns
    // nullptr: for calls refused before sending, such as a missing required parameter.
    template <typename T> QNetworkReply* refuse(const ApiError& error, QObject* context, Callback<T> done)
    {
        QTimer::singleShot(
            0, context ? context : this, [error, done = std::move(done)] { done(Result<T>::failure(error)); });
        return nullptr;
    }

    // The error a finished reply stands for, or nullopt for a 2xx. body is what was read of it.
    static std::optional<ApiError> errorOf(QNetworkReply* reply, const QByteArray& body);

    // A path segment for an id: percent-encoded, so "a/b" cannot change the path.
    static QString pathSegment(const QString& id);

private:
    QPointer<NetworkAccessManager> m_manager;
    QUrl m_baseUrl;
    QueryParameters m_scope;
};

} // namespace nullify::api
