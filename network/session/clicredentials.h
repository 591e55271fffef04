#pragma once

#include "credentials.h"
#include "tenant.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace nullify::session {

// The Nullify CLI's session file, ~/.nullify/credentials.json, keyed by bare host
// ("acme.nullify.ai"): {access_token, refresh_token, expires_at (unix s), query_parameters}.
// Read only, never written: importing it is a convenience, the app's own storage is the keychain.
class CliCredentials
{
public:
    // Why find() has no session to give. Only Unsafe is for the user to act on: the CLI did sign
    // in, but the file is not read until they fix it.
    enum class Refusal {
        NoSession, // no file, no entry for the tenant, or an entry that cannot be used
        Unsafe, // the file or its directory could hold what someone else wrote; whyNot says the fix
    };

    // ~/.nullify/credentials.json (QDir::homePath()).
    static QString defaultPath();

    // The CLI's session for this tenant, or nullopt (no file, no entry, unreadable, or expired
    // with no refresh token). whyNot says which, for a log line; it never holds a token.
    // On POSIX systems the file is read only if it can only be the user's own: a regular file,
    // not a symbolic link, owned by the user and not writable by group or others, in a directory
    // that is the same (its parent, ~/.nullify); otherwise whyNot names the file and the fix, and
    // refusal is Unsafe.
    static std::optional<Credentials> find(const Tenant& tenant,
                                           const QString& path = defaultPath(),
                                           QString* whyNot = nullptr,
                                           const QDateTime& now = QDateTime::currentDateTimeUtc(),
                                           Refusal* refusal = nullptr);

    // The same, from the file's bytes (for tests and the fuzzer).
    static std::optional<Credentials> findIn(const QByteArray& json,
                                             const Tenant& tenant,
                                             QString* whyNot = nullptr,
                                             const QDateTime& now = QDateTime::currentDateTimeUtc());
};

} // namespace nullify::session
