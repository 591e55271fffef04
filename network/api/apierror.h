#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QLoggingCategory>
#include <QMetaType>
#include <QNetworkReply>
#include <QString>

#include <utility>
#include <variant>

namespace nullify::api {

// Why a call did not produce its typed result. One value the UI can switch on: each kind needs a
// different message or action (sign in again, wait until a time, retry, report a bug).
struct ApiError
{
    enum class Kind {
        Http, // the server answered with a non-2xx status; message is its {"error"} or raw body
        Network, // no usable answer: connection refused, reset, TLS, DNS, ...
        TimedOut, // an attempt moved no data for too long, or the whole request's deadline passed
        Cancelled, // abort() on the reply, or the context went away
        RetryAfterTooLong, // the server asked to wait until retryAfterUntil, longer than the app waits
        ResponseTooLarge, // the body passed the client's cap and was cut off
        Decoding, // 2xx, but the body is not JSON or not the spec's shape; field names the place
        Rejected, // 2xx with a non-empty "error" field (autofix start and create_pr)
        AuthenticationRequired, // the session is over; the user has to sign in again
        InvalidRequest, // refused before sending: a parameter the spec requires is missing
    };

    Kind kind = Kind::Network;
    int httpStatus = 0; // 0 when no HTTP answer was received
    // For people: the server's message or a description. The server's words may echo anything a
    // request carried; every error a caller receives has been through SecretScrubber (see
    // Result::failure()), but the words still go to debug logs only (logFailure()).
    QString message;
    QString field; // Decoding/InvalidRequest: the JSON path or parameter at fault ("findings[2].severity")
    QByteArray body; // Http: the raw body (capped by the network core for errors)
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QDateTime retryAfterUntil; // RetryAfterTooLong: UTC time the server asked to wait until

    // Pollers stop on these: asking again on the next tick cannot succeed.
    bool isFinal() const;
    QString summary() const; // what failed, without the server's words: kind, status, field
    QString toString() const; // the summary and the message: one line for tooltips and debug logs

    // Replaces live secrets and credential-shaped text in message and body (SecretScrubber).
    void scrubSecrets();

    static ApiError decoding(const QString& field, const QString& message);
    static ApiError invalidRequest(const QString& field, const QString& message);
};

// The outcome of one call: the decoded value or the error, never both.
template <typename T> class Result
{
public:
    static Result success(T value) { return Result(std::move(value)); }
    // The one door every error passes on its way to a caller: the server's words (and Qt's,
    // which quote the URL) are scrubbed of secrets here, so no view, log or dialog has to.
    static Result failure(ApiError error)
    {
        error.scrubSecrets();
        return Result(std::move(error));
    }

    bool isOk() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return isOk(); }
    const T& value() const { return std::get<T>(m_data); }
    T& value() { return std::get<T>(m_data); }
    const ApiError& error() const { return std::get<ApiError>(m_data); }

private:
    explicit Result(T value)
        : m_data(std::move(value))
    { }
    explicit Result(ApiError error)
        : m_data(std::move(error))
    { }

    std::variant<T, ApiError> m_data;
};

QString kindName(ApiError::Kind kind);

// Logs that `what` ("overview", "findings page") failed: the summary at info, the server's own
// words at debug only. A server that echoes a request back must not put it in an everyday log.
void logFailure(const QLoggingCategory& category, const char* what, const ApiError& error);

} // namespace nullify::api

Q_DECLARE_METATYPE(nullify::api::ApiError)
