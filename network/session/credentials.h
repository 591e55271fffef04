#pragma once

#include "types.h" // api::QueryParameters

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>

namespace nullify::session {

// What a signed-in session holds. Lives in memory and in the OS keychain, nowhere else.
struct Credentials
{
    enum class Kind { UserSession, ServiceAccount };

    Kind kind = Kind::UserSession;
    QByteArray accessToken;
    QByteArray refreshToken; // empty for a service-account token (it cannot be refreshed)
    QDateTime expiresAt; // UTC; invalid when the server did not say (service tokens)
    api::QueryParameters scope; // the token response's query_parameters, added to every API call
    QString account; // who signed in, for people (from /admin/user/current); may be empty

    bool isEmpty() const { return accessToken.isEmpty(); }
    bool canRefresh() const { return kind == Kind::UserSession && !refreshToken.isEmpty(); }
    // What must never appear in a message while these credentials live (SecretScrubber).
    QList<QByteArray> secrets() const { return {accessToken, refreshToken}; }
    // Seconds from `now` until expiry; nullopt when the expiry is unknown.
    std::optional<qint64> secondsLeft(const QDateTime& now) const;

    friend bool operator==(const Credentials& a, const Credentials& b);
};

// The keychain entry's payload: a small JSON object (versioned, so a later format can read it).
QByteArray toKeychainPayload(const Credentials& credentials);
// nullopt with a reason when the entry is not one this app wrote (or is damaged).
std::optional<Credentials> fromKeychainPayload(const QByteArray& payload, QString* whyNot = nullptr);

// A token as it may appear in a log line: its length and a short hash, never the token.
QString redactedToken(const QByteArray& token);

} // namespace nullify::session
