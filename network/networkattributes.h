#pragma once

#include <QNetworkRequest>

namespace nullify {

// Request attributes understood by NetworkAccessManager. Values live in the user range of
// QNetworkRequest::Attribute so they travel on an ordinary QNetworkRequest.
namespace RequestAttribute {
enum : int {
    // QVariant holding a nullify::RetryPolicy that replaces the manager's policy for this request.
    RetryPolicyOverride = QNetworkRequest::User + 1,
    // bool: this POST/PATCH is safe to replay after a 5xx or a post-send failure (for example it
    // carries an idempotency key). GET, HEAD, PUT, DELETE, OPTIONS and TRACE are idempotent anyway.
    MarkedIdempotent,
    // bool: never inject Authorization and never run the 401 refresh flow (token endpoints).
    SkipAuthentication,
    // qint64: the largest response body this request accepts, in bytes, instead of the manager's
    // NetworkAccessManager::maxResponseBytes() (a known large download).
    MaxResponseBytes,
};
} // namespace RequestAttribute

// Attributes that a reply returned by NetworkAccessManager carries once it has finished.
namespace ReplyAttribute {
enum : int {
    // int: how many attempts were sent (1 when the first one was final).
    AttemptCount = QNetworkRequest::User + 20,
    // qint64: milliseconds spent waiting between attempts, in total.
    TotalWaitMs,
    // QDateTime (UTC): the server asked to wait until then, which the policy did not allow
    // (Retry-After above the cap or past the request deadline).
    RetryAfterUntil,
    // bool: the reply ended because an attempt's transfer timeout or the request deadline ran out,
    // not because somebody called abort().
    TimedOut,
    // bool: the reply ended (with ProtocolFailure) because the response body was larger than the
    // request's cap; what had arrived of it was dropped.
    ResponseTooLarge,
};
} // namespace ReplyAttribute

inline QNetworkRequest::Attribute toAttribute(int value)
{
    return static_cast<QNetworkRequest::Attribute>(value);
}

} // namespace nullify
