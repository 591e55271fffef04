// Credentials as they are kept: the keychain payload (round trip, damaged entries refused with a
// reason and never quoted), redactedToken(), and the read-only import of the Nullify CLI's
// ~/.nullify/credentials.json (found, missing, other host, expired, malformed, numbers in
// query_parameters, a file too big to be real), read only when it can only be the user's own:
// no symbolic link, no FIFO or device, nothing another user owns or can write, file or directory.

#include "clicredentials.h"
#include "credentials.h"
#include "environmentskip.h"
#include "tenant.h"
#include "utctime.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace Qt::StringLiterals;

using nullify::session::CliCredentials;
using nullify::session::Credentials;
using nullify::session::fromKeychainPayload;
using nullify::session::redactedToken;
using nullify::session::Tenant;
using nullify::session::toKeychainPayload;

namespace {

const QByteArray accessToken = "eyJhbGciOiJSUzI1NiJ9.access-token-under-test.c2lnbmF0dXJl";
const QByteArray refreshToken = "refresh-token-under-test-6f1c";

Credentials userSession()
{
    Credentials credentials;
    credentials.kind = Credentials::Kind::UserSession;
    credentials.accessToken = accessToken;
    credentials.refreshToken = refreshToken;
    credentials.expiresAt = nullify::utcDateTime(QDate(2030, 5, 6), QTime(7, 8, 9, 123));
    // Out of alphabetical order on purpose: the order must survive.
    credentials.scope = {{QStringLiteral("githubOwnerId"), QStringLiteral("123")},
                         {QStringLiteral("azureOrganizationId"), QStringLiteral("a b&c=d")}};
    credentials.account = QStringLiteral("Ada Lovelace <ada@example.com>");
    return credentials;
}

Credentials serviceAccount()
{
    Credentials credentials;
    credentials.kind = Credentials::Kind::ServiceAccount;
    credentials.accessToken = QByteArrayLiteral("service-token-under-test");
    return credentials;
}

QByteArray json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject payloadObject(const Credentials& credentials)
{
    return QJsonDocument::fromJson(toKeychainPayload(credentials)).object();
}

Tenant acme()
{
    return *Tenant::fromInput(QStringLiteral("acme"));
}

const QDateTime now = nullify::utcDateTime(QDate(2025, 1, 1), QTime(12, 0));

// The object with one field set, or removed when the value is undefined.
QJsonObject withField(QJsonObject object, const char* key, const QJsonValue& value)
{
    if (value.isUndefined())
        object.remove(QLatin1String(key));
    else
        object.insert(QLatin1String(key), value);
    return object;
}

// A CLI session entry as the CLI writes it.
QJsonObject cliEntry(qint64 expiresAt)
{
    return QJsonObject {{u"access_token"_s, QString::fromLatin1(accessToken)},
                        {u"refresh_token"_s, QString::fromLatin1(refreshToken)},
                        {u"expires_at"_s, expiresAt},
                        {u"query_parameters"_s, QJsonObject {{u"githubOwnerId"_s, u"123"_s}}}};
}

// A session for acme at <dir>/.nullify/credentials.json as the CLI leaves it: the directory
// 0700, the file 0600. Empty if it could not be written.
QString writeCliFile(const QTemporaryDir& dir)
{
    const QString directory = dir.filePath(u".nullify"_s);
    const QString path = directory + u"/credentials.json"_s;
    QFile out(path);
    if (!QDir().mkpath(directory) || ::chmod(QFile::encodeName(directory).constData(), 0700) != 0
        || !out.open(QIODevice::WriteOnly)
        || out.write(json(QJsonObject {{u"acme.nullify.ai"_s, cliEntry(1893456000)}})) < 0 || !out.flush()
        || ::chmod(QFile::encodeName(path).constData(), 0600) != 0)
        return QString();
    return path;
}

int changeMode(const QString& path, mode_t mode)
{
    return ::chmod(QFile::encodeName(path).constData(), mode);
}

// A path as the refusals show it, for the user to paste into a shell.
QString shown(const QString& path)
{
    const QString home = QDir::homePath() + u'/';
    return path.startsWith(home) ? u"~/"_s + path.mid(home.size()) : path;
}

} // namespace

Q_DECLARE_METATYPE(nullify::session::Credentials)

class TestCredentials : public QObject
{
    Q_OBJECT

private slots:
    // Credentials
    void secondsLeft();
    void equality();

    // The keychain payload
    void payloadRoundTrip_data();
    void payloadRoundTrip();
    void payloadFormat();
    void payloadKeepsAnyTokenBytes();
    void payloadScopeAsObject();
    void payloadOffsetExpiryIsUtc();
    void damagedPayload_data();
    void damagedPayload();

    // redactedToken
    void redactedTokenNeverHoldsTheToken_data();
    void redactedTokenNeverHoldsTheToken();

    // The CLI's credentials
    void cliFound();
    void cliFoundLoopbackTenant();
    void cliNoFile();
    void cliOtherHost();
    void cliExpiredWithoutRefreshToken();
    void cliExpiredWithRefreshToken();
    void cliNoExpiry();
    void cliNumbersInQueryParameters();
    void cliMalformed_data();
    void cliMalformed();
    void cliTooBig();
    void cliNotARegularFile();
    void cliIsNeverWritten();
    void cliOwnFileIsRead();
    void cliSymlinkedFileIsRefused();
    void cliSymlinkedDirectoryIsRefused();
    void cliWritableFileIsRefused_data();
    void cliWritableFileIsRefused();
    void cliRefusalQuotesAPathForTheShell();
    void cliWritableDirectoryIsRefused_data();
    void cliWritableDirectoryIsRefused();
    void cliFifoIsRefusedWithoutWaiting();
    void cliAnotherUsersFileIsRefused();
};

void TestCredentials::secondsLeft()
{
    Credentials credentials = userSession();
    credentials.expiresAt = now.addSecs(90);
    QCOMPARE(credentials.secondsLeft(now), std::optional<qint64>(90));
    QCOMPARE(credentials.secondsLeft(now.addSecs(100)), std::optional<qint64>(-10));
    credentials.expiresAt = QDateTime();
    QVERIFY(!credentials.secondsLeft(now));
}

void TestCredentials::equality()
{
    QVERIFY(userSession() == userSession());
    QVERIFY(serviceAccount() == serviceAccount());
    QVERIFY(!(userSession() == serviceAccount()));
    Credentials other = userSession();
    other.scope.swapItemsAt(0, 1);
    QVERIFY2(!(other == userSession()), "scope order matters");
    other = userSession();
    other.expiresAt = QDateTime();
    QVERIFY(!(other == userSession()));
    QVERIFY(!(userSession() == other));
    other = userSession();
    other.refreshToken.clear();
    QVERIFY(!(other == userSession()));
    other = userSession();
    other.account.clear();
    QVERIFY(!(other == userSession()));
}

void TestCredentials::payloadRoundTrip_data()
{
    QTest::addColumn<Credentials>("credentials");
    QTest::newRow("user session") << userSession();
    QTest::newRow("service account") << serviceAccount();
    Credentials noScope = userSession();
    noScope.scope.clear();
    noScope.account.clear();
    QTest::newRow("no scope, no account") << noScope;
    Credentials unicode = userSession();
    unicode.account = QStringLiteral("Zoë Øster 東京");
    unicode.scope.append({QStringLiteral("ключ"), QStringLiteral("значение")});
    QTest::newRow("unicode account and scope") << unicode;
}

void TestCredentials::payloadRoundTrip()
{
    QFETCH(Credentials, credentials);
    const QByteArray payload = toKeychainPayload(credentials);
    QString whyNot;
    const std::optional<Credentials> back = fromKeychainPayload(payload, &whyNot);
    QVERIFY2(back, qPrintable(whyNot));
    QVERIFY(*back == credentials);
    QCOMPARE(back->scope, credentials.scope);
    QCOMPARE(back->expiresAt, credentials.expiresAt);
    QCOMPARE(back->expiresAt.timeSpec(), credentials.expiresAt.isValid() ? Qt::UTC : back->expiresAt.timeSpec());
}

void TestCredentials::payloadFormat()
{
    const QJsonObject user = payloadObject(userSession());
    QCOMPARE(user.value(u"v"_s).toInt(), 1);
    QCOMPARE(user.value(u"kind"_s).toString(), QStringLiteral("user"));
    QCOMPARE(user.value(u"access_token"_s).toString(), QString::fromLatin1(accessToken));
    QCOMPARE(user.value(u"refresh_token"_s).toString(), QString::fromLatin1(refreshToken));
    QCOMPARE(user.value(u"expires_at"_s).toString(), QStringLiteral("2030-05-06T07:08:09.123Z"));
    QCOMPARE(
        user.value(u"scope"_s).toArray(),
        (QJsonArray {QJsonArray {u"githubOwnerId"_s, u"123"_s}, QJsonArray {u"azureOrganizationId"_s, u"a b&c=d"_s}}));
    QCOMPARE(user.value(u"account"_s).toString(), userSession().account);

    const QJsonObject service = payloadObject(serviceAccount());
    QCOMPARE(service.value(u"kind"_s).toString(), QStringLiteral("service"));
    QVERIFY2(!service.contains("expires_at"_L1), "an unknown expiry is left out");

    // A local-time expiry is written as the same instant in UTC.
    Credentials local = userSession();
    local.expiresAt = userSession().expiresAt.toLocalTime();
    QCOMPARE(payloadObject(local).value(u"expires_at"_s).toString(), QStringLiteral("2030-05-06T07:08:09.123Z"));
}

void TestCredentials::payloadKeepsAnyTokenBytes()
{
    Credentials credentials = userSession();
    for (int i = 0; i < 256; ++i)
        credentials.accessToken.append(char(i));
    credentials.refreshToken = QByteArray("\xff\xfe\x00\"\\", 5);
    const std::optional<Credentials> back = fromKeychainPayload(toKeychainPayload(credentials));
    QVERIFY(back);
    QCOMPARE(back->accessToken, credentials.accessToken);
    QCOMPARE(back->refreshToken, credentials.refreshToken);
}

void TestCredentials::payloadScopeAsObject()
{
    QJsonObject object = payloadObject(userSession());
    object.insert(u"scope"_s, QJsonObject {{u"githubOwnerId"_s, u"123"_s}});
    const std::optional<Credentials> back = fromKeychainPayload(json(object));
    QVERIFY(back);
    QCOMPARE(back->scope, (nullify::api::QueryParameters {{u"githubOwnerId"_s, u"123"_s}}));
}

void TestCredentials::payloadOffsetExpiryIsUtc()
{
    QJsonObject object = payloadObject(userSession());
    object.insert(u"expires_at"_s, u"2030-05-06T09:08:09+02:00"_s);
    const std::optional<Credentials> back = fromKeychainPayload(json(object));
    QVERIFY(back);
    QCOMPARE(back->expiresAt, nullify::utcDateTime(QDate(2030, 5, 6), QTime(7, 8, 9)));
    QCOMPARE(back->expiresAt.timeSpec(), Qt::UTC);
}

void TestCredentials::damagedPayload_data()
{
    QTest::addColumn<QByteArray>("payload");
    const QJsonObject good = payloadObject(userSession());
    const auto with = [&good](const char* key, const QJsonValue& value) { return json(withField(good, key, value)); };

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not JSON") << QByteArray("hunter2");
    // A cut-off entry still holds the access token: the reason must not quote it.
    QTest::newRow("truncated") << toKeychainPayload(userSession()).left(80);
    QTest::newRow("array") << QByteArray("[1,2]");
    QTest::newRow("string") << QByteArray("\"" + accessToken + "\"");
    QTest::newRow("null") << QByteArray("null");
    QTest::newRow("no version") << with("v", QJsonValue::Undefined);
    QTest::newRow("version 2") << with("v", 2);
    QTest::newRow("version 1.5") << with("v", 1.5);
    QTest::newRow("version as text") << with("v", u"1"_s);
    QTest::newRow("no kind") << with("kind", QJsonValue::Undefined);
    QTest::newRow("unknown kind") << with("kind", u"admin"_s);
    QTest::newRow("kind not a string") << with("kind", 1);
    QTest::newRow("no access token") << with("access_token", QJsonValue::Undefined);
    QTest::newRow("empty access token") << with("access_token", u""_s);
    QTest::newRow("access token not a string") << with("access_token", 42);
    QTest::newRow("access token beyond Latin-1") << with("access_token", QStringLiteral("tok\u4e00en"));
    QTest::newRow("refresh token not a string") << with("refresh_token", QJsonArray {});
    QTest::newRow("expiry not a string") << with("expires_at", 1893456000);
    QTest::newRow("expiry not a date") << with("expires_at", u"tomorrow"_s);
    QTest::newRow("expiry without a zone") << with("expires_at", u"2030-05-06T07:08:09"_s);
    QTest::newRow("scope not a list") << with("scope", u"githubOwnerId=123"_s);
    QTest::newRow("scope item not a pair") << with("scope", QJsonArray {QJsonArray {u"a"_s}});
    QTest::newRow("scope item of three") << with("scope", QJsonArray {QJsonArray {u"a"_s, u"b"_s, u"c"_s}});
    QTest::newRow("scope value not a string") << with("scope", QJsonArray {QJsonArray {u"a"_s, 1}});
    QTest::newRow("scope object value not a string") << with("scope", QJsonObject {{u"a"_s, true}});
    QTest::newRow("account not a string") << with("account", QJsonObject {});
    QTest::newRow("too large") << QByteArray(1024 * 1024 + 1, ' ');
}

void TestCredentials::damagedPayload()
{
    QFETCH(QByteArray, payload);
    QString whyNot;
    QVERIFY(!fromKeychainPayload(payload, &whyNot));
    QVERIFY2(!whyNot.isEmpty(), "a damaged entry is refused with a reason");
    QVERIFY2(!whyNot.contains(QString::fromLatin1(accessToken.left(12))), qPrintable(whyNot));
    QVERIFY2(!whyNot.contains(QString::fromLatin1(refreshToken.left(12))), qPrintable(whyNot));
    QVERIFY(!fromKeychainPayload(payload));
}

void TestCredentials::redactedTokenNeverHoldsTheToken_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::newRow("jwt") << accessToken;
    QTest::newRow("short") << QByteArray("abc");
    QTest::newRow("one byte") << QByteArray("x");
    QTest::newRow("hex digits") << QByteArray("0123456789abcdef");
}

void TestCredentials::redactedTokenNeverHoldsTheToken()
{
    QFETCH(QByteArray, token);
    const QString redacted = redactedToken(token);
    QVERIFY(!redacted.isEmpty());
    if (token.size() >= 4)
        QVERIFY2(!redacted.contains(QString::fromLatin1(token)), qPrintable(redacted));
    QVERIFY(redacted.contains(QString::number(token.size())));
    const QByteArray hash = QCryptographicHash::hash(token, QCryptographicHash::Sha256).toHex();
    QVERIFY2(redacted.contains(QString::fromLatin1(hash.left(8))), "two tokens can be told apart in a log");
    QVERIFY(!redacted.contains(QString::fromLatin1(hash.left(9))));
    QVERIFY(redactedToken(token + "1") != redacted);
    QVERIFY(!redactedToken(QByteArray()).isEmpty());
}

void TestCredentials::cliFound()
{
    const QByteArray file
        = json(QJsonObject {{u"other.nullify.ai"_s, cliEntry(0)}, {u"acme.nullify.ai"_s, cliEntry(1893456000)}});
    QString whyNot;
    const std::optional<Credentials> credentials = CliCredentials::findIn(file, acme(), &whyNot, now);
    QVERIFY2(credentials, qPrintable(whyNot));
    QCOMPARE(credentials->kind, Credentials::Kind::UserSession);
    QCOMPARE(credentials->accessToken, accessToken);
    QCOMPARE(credentials->refreshToken, refreshToken);
    QCOMPARE(credentials->expiresAt, nullify::utcFromSecsSinceEpoch(1893456000));
    QCOMPARE(credentials->expiresAt.timeSpec(), Qt::UTC);
    QCOMPARE(credentials->scope, (nullify::api::QueryParameters {{u"githubOwnerId"_s, u"123"_s}}));
    QVERIFY(credentials->canRefresh());

    // The same through a file at a path.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"credentials.json"_s);
    QFile out(path);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(file);
    out.close();
    const std::optional<Credentials> fromFile = CliCredentials::find(acme(), path, &whyNot, now);
    QVERIFY2(fromFile, qPrintable(whyNot));
    QVERIFY(*fromFile == *credentials);
}

void TestCredentials::cliFoundLoopbackTenant()
{
    const Tenant sandbox = *Tenant::fromInput(QStringLiteral("http://127.0.0.1:8080"));
    const QByteArray file = json(QJsonObject {{u"127.0.0.1:8080"_s, cliEntry(1893456000)}});
    QVERIFY(CliCredentials::findIn(file, sandbox, nullptr, now));
    QVERIFY(!CliCredentials::findIn(file, *Tenant::fromInput(QStringLiteral("http://127.0.0.1:8081")), nullptr, now));
}

void TestCredentials::cliNoFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString whyNot;
    QVERIFY(!CliCredentials::find(acme(), dir.filePath(u"missing/credentials.json"_s), &whyNot, now));
    QVERIFY(whyNot.contains(QLatin1String("no Nullify CLI credentials")));
    QVERIFY(CliCredentials::defaultPath().endsWith(QLatin1String("/.nullify/credentials.json")));
    QVERIFY(CliCredentials::defaultPath().startsWith(QDir::homePath()));
}

void TestCredentials::cliOtherHost()
{
    const QByteArray file = json(QJsonObject {{u"other.nullify.ai"_s, cliEntry(1893456000)},
                                              {u"api.acme.nullify.ai"_s, cliEntry(1893456000)},
                                              {u"https://acme.nullify.ai"_s, cliEntry(1893456000)}});
    QString whyNot;
    QVERIFY(!CliCredentials::findIn(file, acme(), &whyNot, now));
    QVERIFY2(whyNot.contains(QLatin1String("no session for acme.nullify.ai")), qPrintable(whyNot));
}

void TestCredentials::cliExpiredWithoutRefreshToken()
{
    QJsonObject entry = cliEntry(now.toSecsSinceEpoch() - 1);
    entry.remove(u"refresh_token"_s);
    QString whyNot;
    QVERIFY(!CliCredentials::findIn(json(QJsonObject {{u"acme.nullify.ai"_s, entry}}), acme(), &whyNot, now));
    QVERIFY2(whyNot.contains(QLatin1String("expired")), qPrintable(whyNot));

    entry.insert(u"refresh_token"_s, u""_s);
    QVERIFY(!CliCredentials::findIn(json(QJsonObject {{u"acme.nullify.ai"_s, entry}}), acme(), nullptr, now));
    // Expiring exactly now is expired.
    entry.insert(u"expires_at"_s, now.toSecsSinceEpoch());
    QVERIFY(!CliCredentials::findIn(json(QJsonObject {{u"acme.nullify.ai"_s, entry}}), acme(), nullptr, now));
    // Not yet expired, without a refresh token: usable until it expires.
    entry.insert(u"expires_at"_s, now.toSecsSinceEpoch() + 60);
    const std::optional<Credentials> credentials
        = CliCredentials::findIn(json(QJsonObject {{u"acme.nullify.ai"_s, entry}}), acme(), nullptr, now);
    QVERIFY(credentials);
    QVERIFY(!credentials->canRefresh());
}

void TestCredentials::cliExpiredWithRefreshToken()
{
    // Expired, but the refresh token can renew it: offered, and the session refreshes at once.
    const QByteArray file = json(QJsonObject {{u"acme.nullify.ai"_s, cliEntry(now.toSecsSinceEpoch() - 3600)}});
    const std::optional<Credentials> credentials = CliCredentials::findIn(file, acme(), nullptr, now);
    QVERIFY(credentials);
    QVERIFY(credentials->canRefresh());
    QCOMPARE(credentials->secondsLeft(now), std::optional<qint64>(-3600));
}

void TestCredentials::cliNoExpiry()
{
    QJsonObject entry = cliEntry(0);
    entry.remove(u"expires_at"_s);
    entry.remove(u"query_parameters"_s);
    const std::optional<Credentials> credentials
        = CliCredentials::findIn(json(QJsonObject {{u"acme.nullify.ai"_s, entry}}), acme(), nullptr, now);
    QVERIFY(credentials);
    QVERIFY(!credentials->expiresAt.isValid());
    QVERIFY(credentials->scope.isEmpty());
}

void TestCredentials::cliNumbersInQueryParameters()
{
    QJsonObject entry = cliEntry(1893456000);
    entry.insert(u"query_parameters"_s,
                 QJsonObject {{u"githubOwnerId"_s, 123456789},
                              {u"big"_s, 9007199254740992.0},
                              {u"negative"_s, -42},
                              {u"fraction"_s, 1.5},
                              {u"text"_s, u"abc"_s}});
    QString whyNot;
    const std::optional<Credentials> credentials
        = CliCredentials::findIn(json(QJsonObject {{u"acme.nullify.ai"_s, entry}}), acme(), &whyNot, now);
    QVERIFY2(credentials, qPrintable(whyNot));
    // QJsonObject keeps keys sorted; the CLI's map has no order of its own.
    QCOMPARE(credentials->scope,
             (nullify::api::QueryParameters {{u"big"_s, u"9007199254740992"_s},
                                             {u"fraction"_s, u"1.5"_s},
                                             {u"githubOwnerId"_s, u"123456789"_s},
                                             {u"negative"_s, u"-42"_s},
                                             {u"text"_s, u"abc"_s}}));
    // The number as the CLI's file spells it, from raw text too.
    const QByteArray raw
        = R"({"acme.nullify.ai":{"access_token":"t","query_parameters":{"githubOwnerId":1234567890123}}})";
    const std::optional<Credentials> fromRaw = CliCredentials::findIn(raw, acme(), nullptr, now);
    QVERIFY(fromRaw);
    QCOMPARE(fromRaw->scope, (nullify::api::QueryParameters {{u"githubOwnerId"_s, u"1234567890123"_s}}));
}

void TestCredentials::cliMalformed_data()
{
    QTest::addColumn<QByteArray>("file");
    const auto withEntry = [](const QJsonValue& entry) { return json(QJsonObject {{u"acme.nullify.ai"_s, entry}}); };
    const auto with = [&withEntry](const char* key, const QJsonValue& value) {
        return withEntry(withField(cliEntry(1893456000), key, value));
    };

    QTest::newRow("empty file") << QByteArray();
    QTest::newRow("not JSON") << QByteArray("access_token=" + accessToken);
    QTest::newRow("truncated") << json(QJsonObject {{u"acme.nullify.ai"_s, cliEntry(1893456000)}}).left(60);
    QTest::newRow("array") << QByteArray("[]");
    QTest::newRow("entry is a string") << withEntry(QString::fromLatin1(accessToken));
    QTest::newRow("entry is null") << withEntry(QJsonValue::Null);
    QTest::newRow("no access token") << with("access_token", QJsonValue::Undefined);
    QTest::newRow("empty access token") << with("access_token", u""_s);
    QTest::newRow("access token a number") << with("access_token", 1);
    QTest::newRow("access token with a line break") << with("access_token", u"abc\r\nX-Evil: 1"_s);
    QTest::newRow("access token with a space") << with("access_token", u"abc def"_s);
    QTest::newRow("access token beyond ASCII") << with("access_token", QStringLiteral("abc\u00e9"));
    QTest::newRow("refresh token a number") << with("refresh_token", 7);
    QTest::newRow("refresh token with a line break") << with("refresh_token", u"r\nSet-Cookie: x"_s);
    QTest::newRow("expiry a string") << with("expires_at", u"1893456000"_s);
    QTest::newRow("expiry negative") << with("expires_at", -1);
    QTest::newRow("expiry beyond year 9999") << with("expires_at", 1e300);
    QTest::newRow("query parameters a list") << with("query_parameters", QJsonArray {u"a"_s});
    QTest::newRow("query parameter a bool") << with("query_parameters", QJsonObject {{u"a"_s, true}});
    QTest::newRow("query parameter null") << with("query_parameters", QJsonObject {{u"a"_s, QJsonValue::Null}});
    QTest::newRow("query parameter an object") << with("query_parameters", QJsonObject {{u"a"_s, QJsonObject {}}});
    QTest::newRow("deep nesting") << QByteArray(100000, '[') + QByteArray(100000, ']');
}

void TestCredentials::cliMalformed()
{
    QFETCH(QByteArray, file);
    QString whyNot;
    QVERIFY(!CliCredentials::findIn(file, acme(), &whyNot, now));
    QVERIFY2(!whyNot.isEmpty(), "refused with a reason");
    QVERIFY2(!whyNot.contains(QString::fromLatin1(accessToken.left(12))), qPrintable(whyNot));
    QVERIFY2(!whyNot.contains(QString::fromLatin1(refreshToken.left(12))), qPrintable(whyNot));
}

void TestCredentials::cliTooBig()
{
    // A real session for acme, padded past 1 MiB: refused without being parsed.
    QJsonObject object {{u"acme.nullify.ai"_s, cliEntry(1893456000)}};
    object.insert(u"padding"_s, QString(1024 * 1024, QLatin1Char('x')));
    const QByteArray file = json(object);
    QVERIFY(file.size() > 1024 * 1024);
    QString whyNot;
    QVERIFY(!CliCredentials::findIn(file, acme(), &whyNot, now));
    QVERIFY2(whyNot.contains(QLatin1String("too large")), qPrintable(whyNot));

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"credentials.json"_s);
    QFile out(path);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(file);
    out.close();
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    QVERIFY2(whyNot.contains(QLatin1String("too large")), qPrintable(whyNot));

    // Just under the cap is read.
    object.insert(u"padding"_s, QString());
    const QByteArray small = json(object);
    object.insert(u"padding"_s, QString(1024 * 1024 - small.size(), QLatin1Char('x')));
    QCOMPARE(json(object).size(), 1024 * 1024);
    QVERIFY(CliCredentials::findIn(json(object), acme(), &whyNot, now));
}

void TestCredentials::cliNotARegularFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString whyNot;
    // A directory where the file should be.
    QVERIFY(QDir(dir.path()).mkpath(u"credentials.json"_s));
    QVERIFY(!CliCredentials::find(acme(), dir.filePath(u"credentials.json"_s), &whyNot, now));
    QVERIFY2(whyNot.contains(QLatin1String("not a regular file")), qPrintable(whyNot));
    // An endless device behind a link: the link is not followed.
    const QString link = dir.filePath(u"zero.json"_s);
    QVERIFY(QFile::link(QStringLiteral("/dev/zero"), link));
    QVERIFY(!CliCredentials::find(acme(), link, &whyNot, now));
    QVERIFY2(whyNot.contains(QLatin1String("symbolic link")), qPrintable(whyNot));
    // The device itself: /dev is root's, so only root gets as far as the file.
    if (::geteuid() != 0)
        NULLIFY_SKIP_ENV("the device itself needs root: /dev belongs to root, and is refused as another user's first");
    QVERIFY(!CliCredentials::find(acme(), QStringLiteral("/dev/zero"), &whyNot, now));
    QCOMPARE(whyNot, u"/dev/zero is not a regular file; remove it and sign in with the Nullify CLI again"_s);
}

void TestCredentials::cliIsNeverWritten()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"credentials.json"_s);
    QJsonObject entry = cliEntry(now.toSecsSinceEpoch() - 10);
    entry.remove(u"refresh_token"_s);
    const QByteArray file = json(QJsonObject {{u"acme.nullify.ai"_s, entry}});
    QFile out(path);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(file);
    out.close();
    const QDateTime before = QFileInfo(path).lastModified();
    QVERIFY(!CliCredentials::find(acme(), path, nullptr, now));
    QVERIFY(CliCredentials::find(acme(), path, nullptr, now.addSecs(-3600)));
    QFile in(path);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QCOMPARE(in.readAll(), file);
    QCOMPARE(QFileInfo(path).lastModified(), before);
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList {u"credentials.json"_s});
}

void TestCredentials::cliOwnFileIsRead()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    QString whyNot;
    QVERIFY2(CliCredentials::find(acme(), path, &whyNot, now), qPrintable(whyNot));
    // Readable by others is the user's choice; only writing is checked.
    QCOMPARE(changeMode(path, 0644), 0);
    QCOMPARE(changeMode(QFileInfo(path).path(), 0755), 0);
    QVERIFY2(CliCredentials::find(acme(), path, &whyNot, now), qPrintable(whyNot));
    // A link higher up (the home directory may be one) is not the CLI's directory: still read.
    const QString linkedDir = dir.filePath(u"linked-home"_s);
    QVERIFY(QFile::link(dir.path(), linkedDir));
    QVERIFY2(CliCredentials::find(acme(), linkedDir + u"/.nullify/credentials.json"_s, &whyNot, now),
             qPrintable(whyNot));
}

void TestCredentials::cliSymlinkedFileIsRefused()
{
    // A good file elsewhere, and a link to it where the CLI's file is: another user able to make
    // that link could point it at a session of theirs.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    const QString target = dir.filePath(u"elsewhere.json"_s);
    QVERIFY(QFile::rename(path, target));
    QVERIFY(QFile::link(target, path));
    QString whyNot;
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    QCOMPARE(whyNot,
             shown(path)
                 + u" is a symbolic link, which is not followed; replace the link with the file or directory it "
                   "points to"_s);
}

void TestCredentials::cliSymlinkedDirectoryIsRefused()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    const QString directory = QFileInfo(path).path();
    const QString real = dir.filePath(u"real-nullify"_s);
    QVERIFY(QDir().rename(directory, real));
    QVERIFY(QFile::link(real, directory));
    QVERIFY(QFileInfo(path).isFile()); // through the link, the file is there
    QString whyNot;
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    QVERIFY2(whyNot.startsWith(shown(directory) + u" is a symbolic link"_s), qPrintable(whyNot));
}

void TestCredentials::cliWritableFileIsRefused_data()
{
    QTest::addColumn<int>("mode");
    QTest::newRow("group-writable") << 0620;
    QTest::newRow("world-writable") << 0602;
    QTest::newRow("writable by all") << 0666;
}

void TestCredentials::cliWritableFileIsRefused()
{
    QFETCH(int, mode);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    QCOMPARE(changeMode(path, mode), 0);
    QString whyNot;
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    QCOMPARE(whyNot, shown(path) + u" is writable by other users; run chmod 600 "_s + shown(path));
    // The fix in the message works.
    QCOMPARE(changeMode(path, 0600), 0);
    QVERIFY2(CliCredentials::find(acme(), path, &whyNot, now), qPrintable(whyNot));
}

void TestCredentials::cliRefusalQuotesAPathForTheShell()
{
    // The fix is a command to paste: a path with a space (or a quote) is quoted for the shell.
    QTemporaryDir base;
    QVERIFY(base.isValid());
    const QString home = base.filePath(u"Ada's home"_s);
    QVERIFY(QDir().mkpath(home));
    QTemporaryDir dir(home + u"/cli-XXXXXX"_s);
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    QCOMPARE(changeMode(path, 0666), 0);
    QString whyNot;
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    const QString quoted = u"'"_s + QString(path).replace(u"'"_s, u"'\\''"_s) + u"'"_s;
    QCOMPARE(whyNot, quoted + u" is writable by other users; run chmod 600 "_s + quoted);
    // And a shell reads it back as the path.
    QProcess shell;
    shell.start(u"sh"_s, {u"-c"_s, u"printf %s "_s + quoted});
    QVERIFY(shell.waitForFinished(10000));
    QCOMPARE(QString::fromLocal8Bit(shell.readAllStandardOutput()), path);
}

void TestCredentials::cliWritableDirectoryIsRefused_data()
{
    QTest::addColumn<int>("mode");
    QTest::newRow("group-writable") << 0770;
    QTest::newRow("world-writable") << 0707;
    QTest::newRow("sticky, like /tmp") << 01777;
}

void TestCredentials::cliWritableDirectoryIsRefused()
{
    // Anyone who can write to the directory can replace the file in it, whatever the file's mode.
    QFETCH(int, mode);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    const QString directory = QFileInfo(path).path();
    QCOMPARE(changeMode(directory, mode), 0);
    QString whyNot;
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    QCOMPARE(whyNot, shown(directory) + u" is writable by other users; run chmod 700 "_s + shown(directory));
    QCOMPARE(changeMode(directory, 0700), 0);
    QVERIFY2(CliCredentials::find(acme(), path, &whyNot, now), qPrintable(whyNot));
}

void TestCredentials::cliFifoIsRefusedWithoutWaiting()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    QVERIFY(QFile::remove(path));
    QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);

    // Opening a FIFO to read waits for a writer unless it is opened non-blocking. Should find()
    // wait, this thread becomes that writer after 5 s: the test then fails instead of hanging.
    std::atomic<bool> returned {false};
    std::atomic<bool> hadToWrite {false};
    std::thread watchdog([&] {
        for (int i = 0; i < 50 && !returned; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (returned)
            return;
        hadToWrite = true;
        const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0)
            ::close(fd);
    });
    QString whyNot;
    const bool found = CliCredentials::find(acme(), path, &whyNot, now).has_value();
    returned = true;
    watchdog.join();
    QVERIFY2(!hadToWrite, "find() waited on the FIFO for a writer");
    QVERIFY(!found);
    QCOMPARE(whyNot, shown(path) + u" is not a regular file; remove it and sign in with the Nullify CLI again"_s);
}

void TestCredentials::cliAnotherUsersFileIsRefused()
{
    if (::geteuid() != 0)
        NULLIFY_SKIP_ENV("giving the file to another user (chown) needs root; this machine's test runs are root");
    constexpr uid_t nobody = 65534;
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeCliFile(dir);
    QVERIFY(!path.isEmpty());
    const QString directory = QFileInfo(path).path();
    QString whyNot;

    // Mode 0600, but not the user's: someone else's session (or a plant) in the user's directory.
    QCOMPARE(::chown(QFile::encodeName(path).constData(), nobody, nobody), 0);
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    QCOMPARE(whyNot,
             shown(path)
                 + u" belongs to another user (uid 65534), so it may hold someone else's session; if it is yours, "
                   "run sudo chown $(id -u) "_s
                 + shown(path));

    // The file the user's again, the directory another user's: they could replace the file.
    QCOMPARE(::chown(QFile::encodeName(path).constData(), ::geteuid(), ::getegid()), 0);
    QVERIFY2(CliCredentials::find(acme(), path, &whyNot, now), qPrintable(whyNot));
    QCOMPARE(::chown(QFile::encodeName(directory).constData(), nobody, nobody), 0);
    QVERIFY(!CliCredentials::find(acme(), path, &whyNot, now));
    QVERIFY2(whyNot.startsWith(shown(directory) + u" belongs to another user (uid 65534)"_s), qPrintable(whyNot));
}

QTEST_GUILESS_MAIN(TestCredentials)
#include "tst_credentials.moc"
