#include "credentialstore.h"

#include "logging.h"
#include "secretscrubber.h"

#include <QPointer>
#include <qt6keychain/keychain.h>

#include <memory>

namespace nullify::session {

namespace {

using Status = CredentialStore::Status;
using Outcome = CredentialStore::Outcome;

enum class Operation { Read, Write, Remove };

QString unavailableMessage()
{
    return QStringLiteral(
        "No system keychain is available (Secret Service). Install and start one, for example GNOME "
        "Keyring or KWallet, to stay signed in after a restart; until then you stay signed in only while "
        "the app runs.");
}

QString lockedMessage()
{
    return QStringLiteral(
        "The system keychain is locked. Unlock it (for example with your desktop's password manager, or "
        "by signing in to your desktop again) to stay signed in after a restart; until then you stay signed "
        "in only while the app runs.");
}

QString noKeyringMessage()
{
    return QStringLiteral(
        "The system keychain has no keyring to keep your sign-in in. Create a default keyring (for example "
        "with your desktop's password manager) to stay signed in after a restart; until then you stay signed "
        "in only while the app runs.");
}

QString deniedMessage()
{
    return QStringLiteral(
        "Access to the system keychain was refused. Allow Nullify Desktop to use it to stay signed in after "
        "a restart; until then you stay signed in only while the app runs.");
}

// qtkeychain reports many Secret Service failures as OtherError with the D-Bus or libsecret text;
// the text is all there is to tell them apart. Seen on Debian bookworm, qtkeychain 0.13.2, with
// gnome-keyring: a locked keyring, AccessDenied "Cannot create an item in a locked collection";
// no keyring created yet, OtherError "Object does not exist at path
// “/org/freedesktop/secrets/collection/login”"; no session bus, OtherError "Cannot autolaunch
// D-Bus without X11 $DISPLAY" or "Could not connect: No such file or directory".
Outcome outcomeOf(QKeychain::Error error, const QString& detail, Operation operation)
{
    switch (error) {
    case QKeychain::NoError:
        return {Status::Ok, QString()};
    case QKeychain::EntryNotFound:
        // Sign-out must always be able to finish: a missing entry is already removed.
        if (operation == Operation::Remove)
            return {Status::Ok, QString()};
        return {Status::NotFound, QStringLiteral("Nothing is stored in the system keychain for this tenant.")};
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return {Status::Unavailable, unavailableMessage()};
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return {Status::Denied,
                detail.contains(QLatin1String("lock"), Qt::CaseInsensitive) ? lockedMessage() : deniedMessage()};
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        break;
    }
    if (detail.contains(QLatin1String("locked"), Qt::CaseInsensitive)
        || detail.contains(QLatin1String("IsLocked"), Qt::CaseInsensitive))
        return {Status::Denied, lockedMessage()};
    // No default collection to write to: on a desktop the keyring would offer to create one.
    if (detail.contains(QLatin1String("does not exist"), Qt::CaseInsensitive)
        && detail.contains(QLatin1String("/org/freedesktop/secrets/collection/")))
        return {Status::Denied, noKeyringMessage()};
    if (detail.contains(QLatin1String("AccessDenied"), Qt::CaseInsensitive))
        return {Status::Denied, deniedMessage()};
    // "Cannot autolaunch D-Bus ...", "org.freedesktop.DBus.Error.ServiceUnknown/NoServer/...",
    // "D-Bus is not running", "Could not connect: No such file or directory" (a dead bus address),
    // "The given address is empty" (DBUS_SESSION_BUS_ADDRESS set to nothing).
    if (detail.contains(QLatin1String("D-Bus"), Qt::CaseInsensitive)
        || detail.contains(QLatin1String("DBus"), Qt::CaseInsensitive)
        || detail.contains(QLatin1String("Could not connect"), Qt::CaseInsensitive)
        || detail.contains(QLatin1String("address is empty"), Qt::CaseInsensitive))
        return {Status::Unavailable, unavailableMessage()};
    // The keychain's own words are shown to the user: scrubbed like every foreign text.
    return {Status::Failed,
            QStringLiteral("The system keychain reported an error: %1").arg(SecretScrubber::scrub(detail))};
}

// Each job answers once, and only while its context lives (like a QObject::connect with a
// context): the caller may be gone by the time the keychain answers, which can take a while (a
// password prompt).
template <typename Job, typename Handler> void start(Job* job, const QString& key, QObject* context, Handler handler)
{
    job->setAutoDelete(true); // deleted after finished()
    // Never the plaintext QSettings file: no keychain means not stored, not stored elsewhere.
    job->setInsecureFallback(false);
    job->setKey(key);
    const bool hasContext = context != nullptr;
    QPointer<QObject> guard(context);
    auto answered = std::make_shared<bool>(false);
    QObject::connect(job, &QKeychain::Job::finished, job, [=](QKeychain::Job* finished) {
        if (*answered || (hasContext && !guard))
            return;
        *answered = true;
        handler(finished);
    });
    job->start();
}

const char* operationName(Operation operation)
{
    switch (operation) {
    case Operation::Read:
        return "read";
    case Operation::Write:
        return "write";
    case Operation::Remove:
        return "remove";
    }
    return "?";
}

// What a log line may say about a job: the key (a tenant host), the status and the error code,
// never the payload; the keychain's own error text at debug only.
void logOutcome(Operation operation, const QString& key, QKeychain::Job* job, const Outcome& outcome)
{
    if (outcome.ok() || outcome.status == Status::NotFound) {
        qCDebug(lcKeychain) << "keychain" << operationName(operation) << key
                            << CredentialStore::statusName(outcome.status);
        return;
    }
    qCWarning(lcKeychain) << "keychain" << operationName(operation) << key
                          << "failed:" << CredentialStore::statusName(outcome.status) << "- error" << int(job->error());
    qCDebug(lcKeychain) << "keychain" << operationName(operation) << key << "failed:" << job->errorString();
}

} // namespace

CredentialStore::CredentialStore(const QString& serviceName, QObject* parent)
    : QObject(parent)
    , m_serviceName(serviceName)
{ }

void CredentialStore::read(const QString& key, QObject* context, ReadCallback done)
{
    // No parent: a job outlives this store and still answers its context (autoDelete cleans up).
    auto* job = new QKeychain::ReadPasswordJob(m_serviceName);
    start(job, key, context, [key, done = std::move(done)](QKeychain::Job* finished) {
        auto* readJob = static_cast<QKeychain::ReadPasswordJob*>(finished);
        Outcome outcome = outcomeOf(readJob->error(), readJob->errorString(), Operation::Read);
        logOutcome(Operation::Read, key, readJob, outcome);
        if (!outcome.ok()) {
            if (done)
                done(outcome, std::nullopt);
            return;
        }
        QString whyNot;
        std::optional<Credentials> credentials = fromKeychainPayload(readJob->binaryData(), &whyNot);
        if (!credentials) {
            // whyNot describes the damage, never the content.
            qCWarning(lcKeychain) << "keychain entry for" << key << "is not usable:" << whyNot;
            outcome = {Status::Failed,
                       QStringLiteral("The sign-in stored in the system keychain could not be read (%1). Sign in "
                                      "again.")
                           .arg(whyNot)};
        }
        // Registered from the moment they are read: whoever takes them over (the session)
        // registers them for as long as it holds them.
        const SecretScrubber::Registration loaded(credentials ? credentials->secrets() : QList<QByteArray>());
        if (done)
            done(outcome, credentials);
    });
}

void CredentialStore::write(const QString& key, const Credentials& credentials, QObject* context, WriteCallback done)
{
    auto* job = new QKeychain::WritePasswordJob(m_serviceName);
    // Stored as text (the payload is JSON): one Secret Service item, looked up in one round trip.
    job->setTextData(QString::fromUtf8(toKeychainPayload(credentials)));
    start(job, key, context, [key, done = std::move(done)](QKeychain::Job* finished) {
        const Outcome outcome = outcomeOf(finished->error(), finished->errorString(), Operation::Write);
        logOutcome(Operation::Write, key, finished, outcome);
        if (done)
            done(outcome);
    });
}

void CredentialStore::remove(const QString& key, QObject* context, WriteCallback done)
{
    auto* job = new QKeychain::DeletePasswordJob(m_serviceName);
    start(job, key, context, [key, done = std::move(done)](QKeychain::Job* finished) {
        const Outcome outcome = outcomeOf(finished->error(), finished->errorString(), Operation::Remove);
        logOutcome(Operation::Remove, key, finished, outcome);
        if (done)
            done(outcome);
    });
}

QString CredentialStore::statusName(Status status)
{
    switch (status) {
    case Status::Ok:
        return QStringLiteral("Ok");
    case Status::NotFound:
        return QStringLiteral("NotFound");
    case Status::Unavailable:
        return QStringLiteral("Unavailable");
    case Status::Denied:
        return QStringLiteral("Denied");
    case Status::Failed:
        return QStringLiteral("Failed");
    }
    return QStringLiteral("Unknown");
}

} // namespace nullify::session
