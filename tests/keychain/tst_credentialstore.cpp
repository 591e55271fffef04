// CredentialStore against the real Secret Service: a private D-Bus session with a throwaway
// gnome-keyring (tests/support/with-test-keyring.sh). One binary, three CTest entries, chosen by
// NULLIFY_TEST_KEYRING_MODE:
//   unlocked     write/read/remove round trip, tenants kept apart, overwrite, a damaged entry,
//                answers bound to their context;
//   locked       a keyring exists but nobody unlocked it: Denied with the "locked" message;
//   nokeyring    the daemon runs but no keyring was ever created: Denied, "no keyring";
//   none         no session bus at all: Unavailable with a clear message.
// In every mode the whole throwaway HOME and XDG directories are searched afterwards: the tokens
// must not be in any file (the keyring file is encrypted; the plaintext fallback stays off).

#include "credentials.h"
#include "credentialstore.h"
#include "environmentskip.h"
#include "tenant.h"

#include <QDirIterator>
#include <QFile>
#include <QPointer>
#include <QRandomGenerator>
#include <QtTest>
#include <qt6keychain/keychain.h>

#include <memory>

using namespace Qt::StringLiterals;
using nullify::session::Credentials;
using nullify::session::CredentialStore;
using nullify::session::Tenant;
using Status = CredentialStore::Status;

namespace {

constexpr int answerTimeoutMs = 20000;

// What one call answered, and how often.
struct Answer
{
    int calls = 0;
    CredentialStore::Outcome outcome;
    std::optional<Credentials> credentials;
};

CredentialStore::ReadCallback readInto(const std::shared_ptr<Answer>& answer)
{
    return [answer](const CredentialStore::Outcome& outcome, const std::optional<Credentials>& credentials) {
        ++answer->calls;
        answer->outcome = outcome;
        answer->credentials = credentials;
    };
}

CredentialStore::WriteCallback writeInto(const std::shared_ptr<Answer>& answer)
{
    return [answer](const CredentialStore::Outcome& outcome) {
        ++answer->calls;
        answer->outcome = outcome;
    };
}

// Tokens made for this run, so a hit in a file can only come from this run.
QByteArray freshToken(const char* prefix)
{
    return QByteArray(prefix) + QByteArray::number(QRandomGenerator::global()->generate64(), 16)
        + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
}

Credentials credentialsFor(const char* who)
{
    Credentials credentials;
    credentials.kind = Credentials::Kind::UserSession;
    credentials.accessToken = freshToken("at-") + who;
    credentials.refreshToken = freshToken("rt-") + who;
    credentials.expiresAt = QDateTime::currentDateTimeUtc().addSecs(3600);
    credentials.scope = {{u"githubOwnerId"_s, u"123"_s}, {u"azureTenant"_s, u"x y"_s}};
    credentials.account = QString::fromLatin1(who) + u"@example.com"_s;
    return credentials;
}

// What a read answered is exactly these credentials (false, not a crash, when it found none).
bool holds(const std::shared_ptr<Answer>& answer, const Credentials& credentials)
{
    return answer && answer->credentials && *answer->credentials == credentials;
}

QString statusText(Status status)
{
    return CredentialStore::statusName(status);
}

// The throwaway directories the launcher made (HOME and XDG_*), each once.
QStringList throwawayRoots()
{
    QStringList roots;
    for (const char* name :
         {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"}) {
        const QString root = qEnvironmentVariable(name);
        if (!root.isEmpty() && !roots.contains(root))
            roots.append(root);
    }
    return roots;
}

// Every regular file below the throwaway roots (sockets and links are not files anyone reads).
QStringList throwawayFiles()
{
    QStringList files;
    for (const QString& root : throwawayRoots()) {
        QDirIterator it(
            root, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (it.fileInfo().isFile() && !files.contains(path))
                files.append(path);
        }
    }
    return files;
}

// The files that hold any of the needles, byte for byte.
QStringList filesContaining(const QList<QByteArray>& needles)
{
    QStringList hits;
    for (const QString& path : throwawayFiles()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QByteArray content = file.read(64 * 1024 * 1024);
        for (const QByteArray& needle : needles) {
            // An empty needle is in every file (a service account has no refresh token).
            if (!needle.isEmpty() && content.contains(needle)) {
                hits.append(path);
                break;
            }
        }
    }
    return hits;
}

QList<QByteArray> secretsOf(const Credentials& credentials)
{
    return {credentials.accessToken, credentials.refreshToken, nullify::session::toKeychainPayload(credentials)};
}

// The launcher, not the developer's own keyring: a keychain test run outside it must not touch
// (or fill) the real one.
bool inThrowawayKeyring()
{
    return qEnvironmentVariableIsSet("NULLIFY_TEST_KEYRING");
}

const char* const notInLauncher = "Needs the private D-Bus session and throwaway keyring: run it through ctest, or as "
                                  "tests/support/with-test-keyring.sh <test binary> (NULLIFY_TEST_KEYRING is not set)";

} // namespace

// What every mode shares: the store, the calls, and the search of the disk.
class KeychainTestBase : public QObject
{
    Q_OBJECT

protected:
    std::shared_ptr<Answer> write(CredentialStore& store, const QString& key, const Credentials& credentials)
    {
        auto answer = std::make_shared<Answer>();
        store.write(key, credentials, this, writeInto(answer));
        waitFor(answer);
        return answer;
    }

    std::shared_ptr<Answer> read(CredentialStore& store, const QString& key)
    {
        auto answer = std::make_shared<Answer>();
        store.read(key, this, readInto(answer));
        waitFor(answer);
        return answer;
    }

    std::shared_ptr<Answer> remove(CredentialStore& store, const QString& key)
    {
        auto answer = std::make_shared<Answer>();
        store.remove(key, this, writeInto(answer));
        waitFor(answer);
        return answer;
    }

    static void waitFor(const std::shared_ptr<Answer>& answer)
    {
        QTRY_VERIFY_WITH_TIMEOUT(answer->calls > 0, answerTimeoutMs);
        // Answered once: give a second answer the chance to arrive, then make sure none did.
        QCoreApplication::processEvents();
        QCOMPARE(answer->calls, 1);
    }

    // The search must be able to find a token on disk, or its "nothing found" proves nothing.
    static void checkSearchFindsPlaintext()
    {
        const QByteArray marker = freshToken("plaintext-marker-");
        QFile file(qEnvironmentVariable("HOME") + u"/.search-self-check"_s);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("prefix " + marker + " suffix");
        file.close();
        const QStringList hits = filesContaining({marker});
        QVERIFY(file.remove());
        QCOMPARE(hits, QStringList {file.fileName()});
    }

    Tenant acme = *Tenant::fromInput(u"acme"_s);
    Tenant sandbox = *Tenant::fromInput(u"http://127.0.0.1:8080"_s);
};

class TestUnlockedKeychain : public KeychainTestBase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTrip();
    void tenantsKeptApart();
    void overwrite();
    void serviceAccountWithoutExpiry();
    void removeMissingIsOk();
    void damagedEntryFails();
    void noAnswerAfterContextIsGone();
    void answersAfterStoreIsGone();
    void nothingOnDiskInPlainText();

private:
    QList<QByteArray> m_written; // every secret written, for the disk search at the end
};

void TestUnlockedKeychain::initTestCase()
{
    if (!inThrowawayKeyring())
        NULLIFY_SKIP_ENV(notInLauncher);
    QCOMPARE(qEnvironmentVariable("NULLIFY_TEST_KEYRING_MODE", u"unlocked"_s), u"unlocked"_s);
}

void TestUnlockedKeychain::roundTrip()
{
    const Credentials credentials = credentialsFor("ada");
    m_written += secretsOf(credentials);
    {
        CredentialStore store;
        QCOMPARE(store.serviceName(), u"ai.nullify.Desktop"_s);
        const auto written = write(store, acme.storageKey(), credentials);
        QVERIFY2(written->outcome.ok(), qPrintable(written->outcome.message));
        QVERIFY(written->outcome.message.isEmpty());
    }
    // Another store (a restart) reads what the first wrote.
    CredentialStore store;
    const auto found = read(store, acme.storageKey());
    QVERIFY2(found->outcome.ok(), qPrintable(found->outcome.message));
    QVERIFY(holds(found, credentials));

    const auto removed = remove(store, acme.storageKey());
    QVERIFY2(removed->outcome.ok(), qPrintable(removed->outcome.message));
    const auto gone = read(store, acme.storageKey());
    QCOMPARE(statusText(gone->outcome.status), statusText(Status::NotFound));
    QVERIFY(!gone->credentials);
    QVERIFY(!gone->outcome.message.isEmpty());
}

void TestUnlockedKeychain::tenantsKeptApart()
{
    CredentialStore store;
    const Credentials forAcme = credentialsFor("acme");
    const Credentials forSandbox = credentialsFor("sandbox");
    m_written += secretsOf(forAcme) + secretsOf(forSandbox);
    QVERIFY(write(store, acme.storageKey(), forAcme)->outcome.ok());
    QVERIFY(write(store, sandbox.storageKey(), forSandbox)->outcome.ok());

    QVERIFY(holds(read(store, acme.storageKey()), forAcme));
    QVERIFY(holds(read(store, sandbox.storageKey()), forSandbox));

    // Another app (service name) with the same key sees nothing of ours.
    CredentialStore otherApp(u"ai.nullify.Desktop.other"_s);
    QCOMPARE(statusText(read(otherApp, acme.storageKey())->outcome.status), statusText(Status::NotFound));

    // Signing out of one tenant leaves the other alone.
    QVERIFY(remove(store, acme.storageKey())->outcome.ok());
    QCOMPARE(statusText(read(store, acme.storageKey())->outcome.status), statusText(Status::NotFound));
    QVERIFY(holds(read(store, sandbox.storageKey()), forSandbox));
    QVERIFY(remove(store, sandbox.storageKey())->outcome.ok());
}

void TestUnlockedKeychain::overwrite()
{
    CredentialStore store;
    const Credentials first = credentialsFor("first");
    Credentials rotated = first;
    rotated.accessToken = freshToken("at-rotated-");
    rotated.refreshToken = freshToken("rt-rotated-");
    rotated.scope.append({u"extra"_s, u"1"_s});
    m_written += secretsOf(first) + secretsOf(rotated);

    QVERIFY(write(store, acme.storageKey(), first)->outcome.ok());
    QVERIFY(write(store, acme.storageKey(), rotated)->outcome.ok());
    QVERIFY(holds(read(store, acme.storageKey()), rotated));
    // One entry, not two: after one remove nothing is left.
    QVERIFY(remove(store, acme.storageKey())->outcome.ok());
    QCOMPARE(statusText(read(store, acme.storageKey())->outcome.status), statusText(Status::NotFound));
}

void TestUnlockedKeychain::serviceAccountWithoutExpiry()
{
    CredentialStore store;
    Credentials service;
    service.kind = Credentials::Kind::ServiceAccount;
    service.accessToken = freshToken("svc-");
    m_written += secretsOf(service);
    QVERIFY(write(store, sandbox.storageKey(), service)->outcome.ok());
    const auto found = read(store, sandbox.storageKey());
    QVERIFY(holds(found, service));
    QVERIFY(!found->credentials->expiresAt.isValid());
    QVERIFY(!found->credentials->canRefresh());
    QVERIFY(remove(store, sandbox.storageKey())->outcome.ok());
}

void TestUnlockedKeychain::removeMissingIsOk()
{
    CredentialStore store;
    const auto removed = remove(store, u"never-written.nullify.ai"_s);
    QVERIFY2(removed->outcome.ok(), qPrintable(removed->outcome.message));
    // Twice in a row (sign-out pressed twice) is fine too.
    QVERIFY(remove(store, u"never-written.nullify.ai"_s)->outcome.ok());
}

void TestUnlockedKeychain::damagedEntryFails()
{
    // Another program (or an older version) left something that is not our payload.
    const QString key = u"damaged.nullify.ai"_s;
    auto job = std::make_unique<QKeychain::WritePasswordJob>(QString::fromLatin1(CredentialStore::defaultServiceName));
    job->setAutoDelete(false);
    job->setKey(key);
    job->setTextData(u"{\"v\":1,\"kind\":\"user\",\"access_token\":"_s);
    QSignalSpy finished(job.get(), &QKeychain::Job::finished);
    job->start();
    QVERIFY(finished.wait(answerTimeoutMs));
    QCOMPARE(job->error(), QKeychain::NoError);

    CredentialStore store;
    const auto found = read(store, key);
    QCOMPARE(statusText(found->outcome.status), statusText(Status::Failed));
    QVERIFY(!found->credentials);
    QVERIFY2(found->outcome.message.contains(u"Sign in again"_s), qPrintable(found->outcome.message));
    QVERIFY(remove(store, key)->outcome.ok());
}

void TestUnlockedKeychain::noAnswerAfterContextIsGone()
{
    CredentialStore store;
    const Credentials credentials = credentialsFor("context");
    m_written += secretsOf(credentials);
    auto orphan = std::make_shared<Answer>();
    {
        QObject context;
        store.write(acme.storageKey(), credentials, &context, writeInto(orphan));
        store.read(acme.storageKey(), &context, readInto(orphan));
    }
    // Jobs run one after another: once a later one answered, the orphaned ones have finished.
    const auto later = read(store, acme.storageKey());
    QVERIFY2(later->outcome.ok(), qPrintable(later->outcome.message));
    QVERIFY2(holds(later, credentials), "the write still happened; only its answer was dropped");
    QCOMPARE(orphan->calls, 0);
    QVERIFY(remove(store, acme.storageKey())->outcome.ok());

    // Never an answer inside the call: always later, on the event loop.
    auto immediate = std::make_shared<Answer>();
    store.read(acme.storageKey(), this, readInto(immediate));
    QCOMPARE(immediate->calls, 0);
    waitFor(immediate);
}

void TestUnlockedKeychain::answersAfterStoreIsGone()
{
    // A call outlives its store (the session shutting down) and still answers its context.
    auto answer = std::make_shared<Answer>();
    {
        CredentialStore store;
        store.remove(acme.storageKey(), this, writeInto(answer));
    }
    waitFor(answer);
    QVERIFY(answer->outcome.ok());
}

void TestUnlockedKeychain::nothingOnDiskInPlainText()
{
    // Something to find in an encrypted keyring: one entry stays for the search.
    CredentialStore store;
    const Credentials kept = credentialsFor("kept");
    m_written += secretsOf(kept);
    QVERIFY(write(store, acme.storageKey(), kept)->outcome.ok());

    checkSearchFindsPlaintext();
    // The keyring did write its file, encrypted: the search covers the place where secrets live.
    const QString keyring = qEnvironmentVariable("XDG_DATA_HOME") + u"/keyrings/login.keyring"_s;
    QTRY_VERIFY2_WITH_TIMEOUT(QFileInfo(keyring).size() > 0, qPrintable(keyring), answerTimeoutMs);
    QVERIFY(throwawayFiles().contains(keyring));

    QVERIFY(!m_written.isEmpty());
    const QStringList hits = filesContaining(m_written);
    QVERIFY2(hits.isEmpty(), qPrintable(u"tokens in plain text: "_s + hits.join(u", "_s)));
    QVERIFY(remove(store, acme.storageKey())->outcome.ok());
}

class TestLockedKeychain : public KeychainTestBase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void writeIsDenied();
    void readFindsNothing();
    void removeFinishes();
    void nothingOnDisk();

private:
    QString m_mode; // locked: a keyring nobody unlocked; nokeyring: no keyring created yet
    Credentials m_credentials = credentialsFor("locked");
};

void TestLockedKeychain::initTestCase()
{
    if (!inThrowawayKeyring())
        NULLIFY_SKIP_ENV(notInLauncher);
    m_mode = qEnvironmentVariable("NULLIFY_TEST_KEYRING_MODE");
    QVERIFY(m_mode == u"locked"_s || m_mode == u"nokeyring"_s);
    // The locked keyring exists on disk (encrypted); with none, there is nothing yet.
    const QString keyring = qEnvironmentVariable("XDG_DATA_HOME") + u"/keyrings/login.keyring"_s;
    QCOMPARE(QFileInfo::exists(keyring), m_mode == u"locked"_s);
}

void TestLockedKeychain::writeIsDenied()
{
    CredentialStore store;
    const auto written = write(store, acme.storageKey(), m_credentials);
    qInfo() << m_mode << "keychain, write:" << statusText(written->outcome.status) << written->outcome.message;
    QCOMPARE(statusText(written->outcome.status), statusText(Status::Denied));
    const QString expected = m_mode == u"locked"_s ? u"The system keychain is locked."_s
                                                   : u"The system keychain has no keyring to keep your sign-in in."_s;
    QVERIFY2(written->outcome.message.startsWith(expected), qPrintable(written->outcome.message));
}

void TestLockedKeychain::readFindsNothing()
{
    CredentialStore store;
    const auto found = read(store, acme.storageKey());
    qInfo() << m_mode << "keychain, read:" << statusText(found->outcome.status) << found->outcome.message;
    // A locked Secret Service does not show its items: it reads as "nothing stored".
    QCOMPARE(statusText(found->outcome.status), statusText(Status::NotFound));
    QVERIFY(!found->credentials);
}

void TestLockedKeychain::removeFinishes()
{
    CredentialStore store;
    const auto removed = remove(store, acme.storageKey());
    qInfo() << m_mode << "keychain, remove:" << statusText(removed->outcome.status) << removed->outcome.message;
    // Nothing visible to remove: sign-out finishes.
    QVERIFY2(removed->outcome.ok(), qPrintable(removed->outcome.message));
}

void TestLockedKeychain::nothingOnDisk()
{
    checkSearchFindsPlaintext();
    const QStringList hits = filesContaining(secretsOf(m_credentials));
    QVERIFY2(hits.isEmpty(), qPrintable(u"tokens in plain text: "_s + hits.join(u", "_s)));
    // In particular no qtkeychain plaintext fallback (~/.config/<service>.conf or similar).
    for (const QString& path : throwawayFiles())
        QVERIFY2(!path.endsWith(u".conf"_s) && !path.endsWith(u".ini"_s), qPrintable(path));
}

class TestNoKeychain : public KeychainTestBase
{
    Q_OBJECT

private slots:
    void initTestCase();
    void everyCallIsUnavailable_data();
    void everyCallIsUnavailable();
    void nothingWrittenUnderHome();

private:
    QStringList m_filesBefore;
    Credentials m_credentials = credentialsFor("nobus");
};

void TestNoKeychain::initTestCase()
{
    if (!inThrowawayKeyring())
        NULLIFY_SKIP_ENV(notInLauncher);
    // The launcher's promise, checked: no bus to reach and no display to autolaunch one with.
    // (Unset works too: then GDBus tries to autolaunch a bus, which needs a display.)
    const QString bus = qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS");
    QVERIFY2(bus.isEmpty() || bus.contains(u"no-such-bus"_s), qPrintable(bus));
    QVERIFY(!qEnvironmentVariableIsSet("DISPLAY"));
    QVERIFY(qEnvironmentVariable("HOME").contains(u"nullify-keyring."_s));
    m_filesBefore = throwawayFiles();
}

void TestNoKeychain::everyCallIsUnavailable_data()
{
    QTest::addColumn<QString>("call");
    QTest::newRow("write") << u"write"_s;
    QTest::newRow("read") << u"read"_s;
    QTest::newRow("remove") << u"remove"_s;
}

void TestNoKeychain::everyCallIsUnavailable()
{
    QFETCH(QString, call);
    CredentialStore store;
    std::shared_ptr<Answer> answer;
    if (call == u"write"_s)
        answer = write(store, acme.storageKey(), m_credentials);
    else if (call == u"read"_s)
        answer = read(store, acme.storageKey());
    else
        answer = remove(store, acme.storageKey());
    QVERIFY(answer);
    qInfo() << "no D-Bus," << call << ':' << statusText(answer->outcome.status) << answer->outcome.message;
    QCOMPARE(statusText(answer->outcome.status), statusText(Status::Unavailable));
    QVERIFY2(answer->outcome.message.startsWith(u"No system keychain is available (Secret Service)."_s),
             qPrintable(answer->outcome.message));
    QVERIFY(!answer->credentials);
}

void TestNoKeychain::nothingWrittenUnderHome()
{
    // Not a file more than before: no plaintext fallback, no settings, no cache.
    QCOMPARE(throwawayFiles(), m_filesBefore);
    checkSearchFindsPlaintext();
    QVERIFY(filesContaining(secretsOf(m_credentials)).isEmpty());
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QString mode = qEnvironmentVariable("NULLIFY_TEST_KEYRING_MODE", u"unlocked"_s);
    if (mode == u"locked"_s || mode == u"nokeyring"_s) {
        TestLockedKeychain test;
        return QTest::qExec(&test, argc, argv);
    }
    if (mode == u"none"_s) {
        TestNoKeychain test;
        return QTest::qExec(&test, argc, argv);
    }
    TestUnlockedKeychain test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_credentialstore.moc"
