#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace nullify::session {

// The browser's hit on the sign-in listener:
// "GET /callback?session_id=...&redemption_secret=... HTTP/1.1" and headers.
// Parsed by hand from untrusted bytes (anything on this machine can connect), so it is strict,
// bounded and fuzzed: a head over maxHeadBytes, a bad request line or a non-GET is refused.
// The parser only reports what the query holds; whether that is one id and one secret, and the
// right ones, is the listener's call (403 or 400).
struct CallbackRequest
{
    static constexpr int maxHeadBytes = 8 * 1024;

    enum class Status {
        Incomplete, // no blank line yet: read more
        Ok, // a GET of a complete head
        Malformed, // answer 400 and close
        TooLarge, // answer 431 and close
        WrongMethod, // answer 405 and close
    };

    Status status = Status::Incomplete;
    QString path; // "/callback"
    // Every decoded value of the parameter, in order: two of them are as bad as a wrong one.
    QStringList sessionIds;
    QStringList redemptionSecrets;

    // The form Nullify's servers send: 64 lowercase hex digits (256 random bits).
    static bool isWellFormedSecret(const QString& secret);

    // head: the bytes received so far on one connection.
    static CallbackRequest parse(const QByteArray& head);
};

} // namespace nullify::session
