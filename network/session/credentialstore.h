#pragma once

#include "credentials.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace nullify::session {

// The OS keychain (qtkeychain: Secret Service on Linux, Credential Manager on Windows, Keychain on
// macOS), one entry per app + tenant. The insecure plaintext fallback stays off: when no keychain
// can take the secret, the answer is an error, and nothing is written anywhere else.
// Every call is asynchronous and answers once, on the event loop, bound to a context object like
// QObject::connect: no answer after the context is destroyed.
class CredentialStore : public QObject
{
    Q_OBJECT

public:
    enum class Status {
        Ok,
        NotFound, // nothing stored for this tenant (a locked Secret Service also reads as this)
        Unavailable, // no keychain service: no D-Bus session, no Secret Service provider
        Denied, // the keychain is locked or the user refused access
        Failed, // anything else, including a damaged entry
    };

    struct Outcome
    {
        Status status = Status::Ok;
        QString message; // for people: what went wrong, and what to do; empty when Ok
        bool ok() const { return status == Status::Ok; }
    };

    using ReadCallback = std::function<void(const Outcome&, const std::optional<Credentials>&)>;
    using WriteCallback = std::function<void(const Outcome&)>;

    static constexpr const char* defaultServiceName = "ai.nullify.Desktop";

    explicit CredentialStore(const QString& serviceName = QString::fromLatin1(defaultServiceName),
                             QObject* parent = nullptr);

    QString serviceName() const { return m_serviceName; }

    void read(const QString& key, QObject* context, ReadCallback done);
    void write(const QString& key, const Credentials& credentials, QObject* context, WriteCallback done);
    // Removing an entry that does not exist is Ok: sign-out must always be able to finish.
    void remove(const QString& key, QObject* context, WriteCallback done);

    static QString statusName(Status status);

private:
    QString m_serviceName;
};

} // namespace nullify::session
