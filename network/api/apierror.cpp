#include "apierror.h"

#include "secretscrubber.h"

namespace nullify::api {

bool ApiError::isFinal() const
{
    switch (kind) {
    case Kind::AuthenticationRequired:
    case Kind::Cancelled:
    case Kind::InvalidRequest:
    case Kind::Rejected:
        return true;
    case Kind::Http:
        // 401: the core already refreshed once and still got it; 403: no access to this thing;
        // 404: it does not exist (or no longer). None of these change by asking again.
        return httpStatus == 401 || httpStatus == 403 || httpStatus == 404;
    default:
        // Network trouble, timeouts, 5xx after retries, a long Retry-After, an odd body: the next
        // tick may well succeed.
        return false;
    }
}

QString ApiError::summary() const
{
    QString text = kindName(kind);
    if (httpStatus != 0)
        text += QStringLiteral(" (HTTP %1)").arg(httpStatus);
    if (!field.isEmpty())
        text += QStringLiteral(" [%1]").arg(field);
    return text;
}

QString ApiError::toString() const
{
    return message.isEmpty() ? summary() : summary() + QStringLiteral(": ") + message;
}

void ApiError::scrubSecrets()
{
    message = SecretScrubber::scrub(message);
    if (!body.isEmpty())
        body = SecretScrubber::scrub(body);
}

ApiError ApiError::decoding(const QString& field, const QString& message)
{
    ApiError error;
    error.kind = Kind::Decoding;
    error.field = field;
    error.message = message;
    return error;
}

ApiError ApiError::invalidRequest(const QString& field, const QString& message)
{
    ApiError error;
    error.kind = Kind::InvalidRequest;
    error.field = field;
    error.message = message;
    return error;
}

QString kindName(ApiError::Kind kind)
{
    switch (kind) {
    case ApiError::Kind::Http:
        return QStringLiteral("server error");
    case ApiError::Kind::Network:
        return QStringLiteral("network error");
    case ApiError::Kind::TimedOut:
        return QStringLiteral("timed out");
    case ApiError::Kind::Cancelled:
        return QStringLiteral("cancelled");
    case ApiError::Kind::RetryAfterTooLong:
        return QStringLiteral("server busy");
    case ApiError::Kind::ResponseTooLarge:
        return QStringLiteral("response too large");
    case ApiError::Kind::Decoding:
        return QStringLiteral("unexpected response");
    case ApiError::Kind::Rejected:
        return QStringLiteral("rejected");
    case ApiError::Kind::AuthenticationRequired:
        return QStringLiteral("sign-in required");
    case ApiError::Kind::InvalidRequest:
        return QStringLiteral("invalid request");
    }
    return QString();
}

void logFailure(const QLoggingCategory& category, const char* what, const ApiError& error)
{
    qCInfo(category).noquote() << what << "failed:" << error.summary();
    if (!error.message.isEmpty())
        qCDebug(category).noquote() << what << "failed; the answer said:" << error.message;
}

} // namespace nullify::api
