#include "apiclient.h"

#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "origin.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>

#include <memory>

namespace nullify::api {

namespace {

// What a person can read of an error body: the API's {"error": "..."} message, else the body.
QString serverMessage(const QByteArray& body)
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (document.isObject()) {
        const QJsonValue error = document.object().value(QStringLiteral("error"));
        if (error.isString() && !error.toString().isEmpty())
            return error.toString();
    }
    constexpr qsizetype maxShown = 2000;
    const QString text = QString::fromUtf8(body.left(maxShown)).trimmed();
    return body.size() > maxShown ? text + QStringLiteral("…") : text;
}

// Everything one call keeps while its reply runs.
struct CallState
{
    bool hasContext = false;
    QPointer<QObject> context;
    Callback<QByteArray> done;
};

} // namespace

ApiClient::ApiClient(NetworkAccessManager* manager, QObject* parent)
    : QObject(parent)
    , m_manager(manager)
{ }

bool ApiClient::isLoopbackHost(const QString& host)
{
    return nullify::isLoopbackHost(host); // one rule for the tenant and the network core
}

std::optional<QUrl> ApiClient::resolveBaseUrl(const QString& input, QString* whyNot)
{
    const auto refuse = [whyNot](const QString& reason) -> std::optional<QUrl> {
        if (whyNot)
            *whyNot = reason;
        return std::nullopt;
    };
    const QString text = input.trimmed();
    if (text.isEmpty())
        return refuse(QStringLiteral("Enter your tenant, for example acme."));

    if (text.contains(QLatin1String("://"))) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty())
            return refuse(QStringLiteral("%1 is not a valid URL.").arg(text));
        const QString scheme = url.scheme().toLower();
        const QString host = url.host().toLower();
        if (isLoopbackHost(host) && (scheme == QLatin1String("http") || scheme == QLatin1String("https")))
            return url.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::StripTrailingSlash);
        if (scheme != QLatin1String("https"))
            return refuse(QStringLiteral("Only https is allowed, except for a local sandbox on 127.0.0.1."));
        if (!host.endsWith(QLatin1String(".nullify.ai")))
            return refuse(QStringLiteral("%1 is not a Nullify tenant (it must end in .nullify.ai).").arg(host));
        return resolveBaseUrl(host, whyNot);
    }

    QString host = text.toLower();
    if (host.endsWith(QLatin1Char('/')))
        host.chop(1);
    static const QLatin1String suffix(".nullify.ai");
    QString tenant = host;
    if (host.endsWith(suffix)) {
        tenant = host.left(host.size() - suffix.size());
        if (tenant.startsWith(QLatin1String("api.")))
            tenant = tenant.mid(4);
    }
    // A tenant is one DNS label. Anchored with \A...\z, not ^...$: "$" also matches before a final
    // newline, which let "acme\n/" through as a tenant with an invalid host (found by fuzz_tenant).
    static const QRegularExpression label(
        QRegularExpression::anchoredPattern(QStringLiteral("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")));
    if (!label.match(tenant).hasMatch())
        return refuse(QStringLiteral("%1 is not a Nullify tenant.").arg(text));
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(QStringLiteral("api.%1.nullify.ai").arg(tenant));
    return url;
}

QString ApiClient::pathSegment(const QString& id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}

QUrl ApiClient::urlFor(const ApiRequest& request) const
{
    QUrl url = m_baseUrl;
    QString basePath = url.path(QUrl::FullyEncoded);
    while (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + request.path, QUrl::TolerantMode);

    // Encoded by hand: QUrlQuery leaves '+' alone, which servers read as a space.
    QStringList pairs;
    const auto add = [&pairs](const QPair<QString, QString>& item) {
        pairs.append(QString::fromLatin1(QUrl::toPercentEncoding(item.first)) + QLatin1Char('=')
                     + QString::fromLatin1(QUrl::toPercentEncoding(item.second)));
    };
    for (const auto& item : m_scope)
        add(item);
    for (const auto& item : request.query)
        add(item);
    if (!pairs.isEmpty())
        url.setQuery(pairs.join(QLatin1Char('&')), QUrl::TolerantMode);
    else
        url.setQuery(QString());
    return url;
}

std::optional<ApiError> ApiClient::errorOf(QNetworkReply* reply, const QByteArray& body)
{
    ApiError error;
    error.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    error.networkError = reply->error();

    if (reply->attribute(toAttribute(ReplyAttribute::ResponseTooLarge)).toBool()) {
        error.kind = ApiError::Kind::ResponseTooLarge;
        error.message = reply->errorString();
        return error;
    }

    const QVariant until = reply->attribute(toAttribute(ReplyAttribute::RetryAfterUntil));
    if (until.isValid() && until.toDateTime().isValid()) {
        error.kind = ApiError::Kind::RetryAfterTooLong;
        error.retryAfterUntil = until.toDateTime().toUTC();
        error.message = reply->errorString();
        error.body = body;
        return error;
    }
    if (reply->error() == QNetworkReply::OperationCanceledError) {
        error.kind = ApiError::Kind::Cancelled;
        error.message = reply->errorString();
        return error;
    }
    if (reply->attribute(toAttribute(ReplyAttribute::TimedOut)).toBool()
        || reply->error() == QNetworkReply::TimeoutError) {
        error.kind = ApiError::Kind::TimedOut;
        error.message = reply->errorString();
        return error;
    }
    if (error.httpStatus == 401 && reply->error() == QNetworkReply::TemporaryNetworkFailureError) {
        // The token was refused and the refresh failed for now (5xx, timeout, no network), not
        // refused: the session goes on, and this call may be tried again.
        error.kind = ApiError::Kind::Network;
        error.message = reply->errorString();
        return error;
    }
    if (error.httpStatus == 401
        || (error.httpStatus == 0 && reply->error() == QNetworkReply::AuthenticationRequiredError)) {
        // Either the replay after a refresh was refused too, or the refresh said the session is over.
        error.kind = ApiError::Kind::AuthenticationRequired;
        error.message = error.httpStatus ? serverMessage(body) : reply->errorString();
        error.body = body;
        return error;
    }
    if (error.httpStatus != 0 && (error.httpStatus < 200 || error.httpStatus > 299)) {
        error.kind = ApiError::Kind::Http;
        error.body = body;
        error.message = serverMessage(body);
        if (error.message.isEmpty()) {
            error.message = QStringLiteral("HTTP %1 %2")
                                .arg(error.httpStatus)
                                .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
        }
        return error;
    }
    if (reply->error() != QNetworkReply::NoError) {
        error.kind = ApiError::Kind::Network;
        error.message = reply->errorString();
        return error;
    }
    return std::nullopt;
}

QNetworkReply* ApiClient::sendRaw(const ApiRequest& request, QObject* context, Callback<QByteArray> done)
{
    if (!m_manager) {
        ApiError error;
        error.kind = ApiError::Kind::Network;
        error.message = QStringLiteral("The network is not available (no access manager).");
        return refuse<QByteArray>(error, context, std::move(done));
    }
    if (!m_baseUrl.isValid() || m_baseUrl.host().isEmpty())
        return refuse<QByteArray>(
            ApiError::invalidRequest(QStringLiteral("baseUrl"), QStringLiteral("No tenant is set.")),
            context,
            std::move(done));

    QNetworkRequest networkRequest(urlFor(request));
    networkRequest.setRawHeader("Accept", "application/json");
    for (const auto& [name, value] : request.headers)
        networkRequest.setRawHeader(name, value);
    if (request.body)
        networkRequest.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (request.idempotent)
        networkRequest.setAttribute(toAttribute(RequestAttribute::MarkedIdempotent), true);
    networkRequest.setPriority(request.priority);

    QNetworkReply* reply = nullptr;
    if (request.body) {
        reply = m_manager->sendCustomRequest(networkRequest, request.method, *request.body);
    } else if (request.method == "GET") {
        reply = m_manager->get(networkRequest);
    } else {
        // No body at all: no Content-Type, and no upload device (with one, Qt would invent a
        // form Content-Type for a POST). An explicit zero length keeps strict servers happy.
        networkRequest.setHeader(QNetworkRequest::ContentLengthHeader, 0);
        reply = m_manager->sendCustomRequest(networkRequest, request.method);
    }

    auto state = std::make_shared<CallState>();
    state->hasContext = context != nullptr;
    state->context = context;
    state->done = std::move(done);
    // The body is read only at the end: the network core retries a read whose connection drops
    // mid-body only while the caller has taken none of it, and it holds the body under the
    // manager's response cap until then.
    connect(reply, &QNetworkReply::finished, reply, [reply, state] {
        QByteArray body = reply->readAll();
        reply->deleteLater();
        if (state->hasContext && !state->context)
            return; // the context went away: nobody to tell
        Callback<QByteArray> done = std::move(state->done);
        if (!done)
            return;
        if (const auto error = errorOf(reply, body)) {
            done(Result<QByteArray>::failure(*error));
            return;
        }
        done(Result<QByteArray>::success(std::move(body)));
    });
    if (context) {
        // The one who wanted the answer is gone: stop the work. The finished handler above then
        // sees the cleared pointer and stays silent.
        connect(context, &QObject::destroyed, reply, &QNetworkReply::abort);
    }
    return reply;
}

} // namespace nullify::api
