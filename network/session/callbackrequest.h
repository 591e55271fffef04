#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace nullify::session {

// The browser's hit on the sign-in listener: "GET /callback?session_id=... HTTP/1.1" and headers.
// Parsed by hand from untrusted bytes (anything on this machine can connect), so it is strict,
// bounded and fuzzed: a head over maxHeadBytes, a bad request line or a non-GET is refused.
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
    std::optional<QString> sessionId; // the decoded session_id query value, when present

    // head: the bytes received so far on one connection.
    static CallbackRequest parse(const QByteArray& head);
};

} // namespace nullify::session
