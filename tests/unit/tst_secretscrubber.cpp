// Unit tests for SecretScrubber (network/secretscrubber): registered secrets, as is and
// percent-encoded; credential shapes it knows without registration; what it leaves alone; counted
// registrations and their owners (the session); the message handler; the ApiError door; threads.
#include "apiclient.h"
#include "apierror.h"
#include "networkaccessmanager.h"
#include "secretscrubber.h"
#include "session.h"
#include "tenant.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using nullify::SecretScrubber;
using nullify::api::ApiError;
using nullify::api::Result;

Q_LOGGING_CATEGORY(lcScrubTest, "nullify.test.scrubber", QtInfoMsg)

namespace {

const QByteArray kAccess = QByteArrayLiteral("nsbx_at_3f9a8c7d6e5b4a39281706f5e4d3c2b1");
const QByteArray kRefresh = QByteArrayLiteral("nsbx_rt_0a1b2c3d4e5f60718293a4b5c6d7e8f9");

QMutex g_mutex;
QStringList g_lines;

void capture(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    QMutexLocker lock(&g_mutex);
    g_lines << QStringLiteral("%1 %2").arg(type == QtDebugMsg ? QStringLiteral("debug") : QStringLiteral("other"),
                                           message);
}

QStringList takeLines()
{
    QMutexLocker lock(&g_mutex);
    return std::exchange(g_lines, {});
}

} // namespace

class TestSecretScrubber : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();

    void registeredSecretIsReplacedEverywhere();
    void percentEncodedSecretIsReplaced();
    void longerSecretIsReplacedWhole();
    void credentialShapes_data();
    void credentialShapes();
    void ordinaryTextIsLeftAlone_data();
    void ordinaryTextIsLeftAlone();
    void shortValuesAreNotRegistered();
    void registrationsAreCounted();
    void registrationLivesWithItsOwner();
    void bytesWithNothingToScrubComeBackUnchanged();
    void sessionRegistersTheTokensItHolds();
    void everyApiErrorIsScrubbedAndItsWordsLoggedAtDebugOnly();
    void messageHandlerScrubsEveryLine();
    void threadSafetySmoke();
    void costOfATypicalLine();
};

void TestSecretScrubber::cleanup()
{
    SecretScrubber::clear();
}

void TestSecretScrubber::registeredSecretIsReplacedEverywhere()
{
    const QString text = QStringLiteral("token %1 again %1 and glued:x%1x").arg(QString::fromLatin1(kAccess));
    QCOMPARE(SecretScrubber::scrub(text), text); // not registered, no known shape: unchanged
    SecretScrubber::add(kAccess);
    QVERIFY(SecretScrubber::isRegistered(kAccess));
    QCOMPARE(SecretScrubber::scrub(text), QStringLiteral("token <redacted> again <redacted> and glued:x<redacted>x"));
    SecretScrubber::remove(kAccess);
    QVERIFY(!SecretScrubber::isRegistered(kAccess));
    QCOMPARE(SecretScrubber::scrub(text), text);
}

void TestSecretScrubber::percentEncodedSecretIsReplaced()
{
    const QByteArray secret = QByteArrayLiteral("a+b/c=d e&f~0123456789");
    SecretScrubber::add(secret);
    const QString encoded = QString::fromLatin1(secret.toPercentEncoding());
    QVERIFY(encoded != QString::fromLatin1(secret));
    QCOMPARE(SecretScrubber::scrub(QStringLiteral("GET /x?v=%1 HTTP/1.1").arg(encoded)),
             QStringLiteral("GET /x?v=<redacted> HTTP/1.1"));
    QCOMPARE(SecretScrubber::scrub(QStringLiteral("[%1]").arg(QString::fromLatin1(secret))),
             QStringLiteral("[<redacted>]"));
}

void TestSecretScrubber::longerSecretIsReplacedWhole()
{
    SecretScrubber::add(QByteArrayLiteral("abcdefgh12"));
    SecretScrubber::add(QByteArrayLiteral("abcdefgh1234567890"));
    // Had the shorter one gone first, "34567890" would be left standing.
    QCOMPARE(SecretScrubber::scrub(QStringLiteral("<abcdefgh1234567890>")), QStringLiteral("<<redacted>>"));
}

void TestSecretScrubber::credentialShapes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("bearer") << "overview failed: \"Bearer nsbx_at_unknown_token_1\" was refused"
                            << "overview failed: \"Bearer <redacted>\" was refused";
    QTest::newRow("basic") << "sent Basic dXNlcjpwYXNzd29yZA== to it"
                           << "sent Basic <redacted> to it";
    QTest::newRow("authorization header") << "Authorization: Negotiate YIIabc def\nnext line"
                                          << "Authorization: <redacted>\nnext line";
    QTest::newRow("cookie header") << "you sent Cookie: refresh_token=abc123456; other=xyz987654"
                                   << "you sent Cookie: <redacted>";
    QTest::newRow("set-cookie header") << "Set-Cookie: access_token=tok987654; Max-Age=3600"
                                       << "Set-Cookie: <redacted>";
    QTest::newRow("query") << "https://h/cb?session_id=s3ss10n-42&redemption_secret=ab12cd34&x=1"
                           << "https://h/cb?session_id=<redacted>&redemption_secret=<redacted>&x=1";
    QTest::newRow("form") << "refresh_token=rt-value-1&grant_type=refresh_token"
                          << "refresh_token=<redacted>&grant_type=refresh_token";
    QTest::newRow("json") << R"({"access_token": "at-value-2", "refreshToken":"rt-value-3", "n": 1})"
                          << R"({"access_token": "<redacted>", "refreshToken":"<redacted>", "n": 1})";
    QTest::newRow("case") << "ACCESS_TOKEN=AT-VALUE-4"
                          << "ACCESS_TOKEN=<redacted>";
}

void TestSecretScrubber::credentialShapes()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QCOMPARE(SecretScrubber::scrub(text), expected);
}

void TestSecretScrubber::ordinaryTextIsLeftAlone_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("prose") << "the refresh token was rejected: unknown or revoked refresh token";
    QTest::newRow("cookie prose") << "missing refresh_token cookie";
    QTest::newRow("paging") << "GET /context/repositories?limit=50&nextToken=eyJwYWdlIjoyfQ";
    QTest::newRow("decoding error") << "unexpected response [accessToken]: 'accessToken': no access token";
    QTest::newRow("challenge") << "WWW-Authenticate: Bearer realm";
    QTest::newRow("status") << "server error (HTTP 503): injected fault: HTTP 503";
    QTest::newRow("empty") << "";
}

void TestSecretScrubber::ordinaryTextIsLeftAlone()
{
    QFETCH(QString, text);
    SecretScrubber::add(kAccess); // a registered secret that is not there changes nothing
    QCOMPARE(SecretScrubber::scrub(text), text);
}

void TestSecretScrubber::shortValuesAreNotRegistered()
{
    // Short values would mangle every message ("HTTP", "1234") and hide nothing worth hiding.
    for (const QByteArray& value : {QByteArray("a"), QByteArray("HTTP"), QByteArray("1234567"), QByteArray()}) {
        SecretScrubber::add(value);
        QVERIFY(!SecretScrubber::isRegistered(value));
    }
    QCOMPARE(SecretScrubber::scrub(QStringLiteral("HTTP 1234567 a")), QStringLiteral("HTTP 1234567 a"));
    SecretScrubber::add(QByteArray(SecretScrubber::minimumLength, 'z'));
    QVERIFY(SecretScrubber::isRegistered(QByteArray(SecretScrubber::minimumLength, 'z')));
}

void TestSecretScrubber::registrationsAreCounted()
{
    // Two owners (the flow that produced a token, the session that took it over): the first one
    // letting go must not uncover it for the other.
    SecretScrubber::add(kAccess);
    SecretScrubber::add(kAccess);
    SecretScrubber::remove(kAccess);
    QVERIFY(SecretScrubber::isRegistered(kAccess));
    QCOMPARE(SecretScrubber::scrub(QString::fromLatin1(kAccess)), QStringLiteral("<redacted>"));
    SecretScrubber::remove(kAccess);
    QVERIFY(!SecretScrubber::isRegistered(kAccess));
    SecretScrubber::remove(kAccess); // one too many: harmless
    QVERIFY(!SecretScrubber::isRegistered(kAccess));
}

void TestSecretScrubber::registrationLivesWithItsOwner()
{
    {
        SecretScrubber::Registration first({kAccess, kRefresh, QByteArray("short")});
        QVERIFY(SecretScrubber::isRegistered(kAccess) && SecretScrubber::isRegistered(kRefresh));
        SecretScrubber::Registration moved(std::move(first));
        QVERIFY(SecretScrubber::isRegistered(kAccess));
        SecretScrubber::Registration replaced({kRefresh});
        replaced = std::move(moved); // lets go of its own kRefresh, takes over both
        QVERIFY(SecretScrubber::isRegistered(kAccess) && SecretScrubber::isRegistered(kRefresh));
        replaced = SecretScrubber::Registration({kRefresh});
        QVERIFY(!SecretScrubber::isRegistered(kAccess));
        QVERIFY(SecretScrubber::isRegistered(kRefresh));
    }
    QVERIFY(!SecretScrubber::isRegistered(kAccess));
    QVERIFY(!SecretScrubber::isRegistered(kRefresh));
}

void TestSecretScrubber::bytesWithNothingToScrubComeBackUnchanged()
{
    const QByteArray notUtf8("\xff\xfe body \x80");
    QCOMPARE(SecretScrubber::scrub(notUtf8), notUtf8);
    SecretScrubber::add(kAccess);
    QCOMPARE(SecretScrubber::scrub(QByteArray("x " + kAccess)), QByteArray("x <redacted>"));
}

// The session is the one place its tokens change: it registers what it holds, swaps them on a
// change, and lets go when it signs out or goes away.
void TestSecretScrubber::sessionRegistersTheTokensItHolds()
{
    nullify::NetworkAccessManager manager;
    nullify::api::ApiClient client(&manager);
    const auto tenant = nullify::session::Tenant::fromInput(QStringLiteral("http://127.0.0.1:9"));
    QVERIFY(tenant);
    nullify::session::Credentials credentials;
    credentials.accessToken = kAccess;
    credentials.refreshToken = kRefresh;
    credentials.expiresAt = QDateTime::currentDateTimeUtc().addSecs(3600);
    {
        nullify::session::Session session(&manager, &client, nullptr);
        session.signIn(*tenant, credentials);
        QVERIFY(SecretScrubber::isRegistered(kAccess));
        QVERIFY(SecretScrubber::isRegistered(kRefresh));
        session.signOut();
        QVERIFY(!SecretScrubber::isRegistered(kAccess));
        QVERIFY(!SecretScrubber::isRegistered(kRefresh));
        session.signIn(*tenant, credentials);
        QVERIFY(SecretScrubber::isRegistered(kAccess));
    }
    QVERIFY(!SecretScrubber::isRegistered(kAccess)); // the session is gone, and with it its tokens
    QVERIFY(!SecretScrubber::isRegistered(kRefresh));
}

void TestSecretScrubber::everyApiErrorIsScrubbedAndItsWordsLoggedAtDebugOnly()
{
    SecretScrubber::add(kAccess);
    ApiError error;
    error.kind = ApiError::Kind::Http;
    error.httpStatus = 500;
    error.message = QStringLiteral("you sent %1 (Cookie: refresh_token=%2)")
                        .arg(QString::fromLatin1(kAccess), QString::fromLatin1(kRefresh));
    error.body = R"({"error": "you sent )" + kAccess + R"("})";
    const Result<int> result = Result<int>::failure(error);
    // A header value runs to the end of the line: the scrubber cannot know where a cookie ends.
    QCOMPARE(result.error().message, QStringLiteral("you sent <redacted> (Cookie: <redacted>"));
    QCOMPARE(result.error().body, QByteArray(R"({"error": "you sent <redacted>"})"));
    QCOMPARE(result.error().summary(), QStringLiteral("server error (HTTP 500)"));
    QCOMPARE(result.error().toString(),
             QStringLiteral("server error (HTTP 500): you sent <redacted> (Cookie: <redacted>"));

    // logFailure: what failed at info, the server's words at debug only.
    const QtMessageHandler previous = qInstallMessageHandler(capture);
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.test.scrubber.debug=false"));
    nullify::api::logFailure(lcScrubTest(), "overview", error); // the unscrubbed one: words must not show
    QStringList lines = takeLines();
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.test.scrubber.debug=true"));
    nullify::api::logFailure(lcScrubTest(), "overview", result.error());
    const QStringList debugLines = takeLines();
    qInstallMessageHandler(previous);
    QLoggingCategory::setFilterRules(QString());
    QCOMPARE(lines, QStringList {QStringLiteral("other overview failed: server error (HTTP 500)")});
    QCOMPARE(debugLines.size(), 2);
    QVERIFY2(debugLines.at(1).startsWith(QStringLiteral("debug overview failed; the answer said: you sent <redacted>")),
             qPrintable(debugLines.at(1)));
}

void TestSecretScrubber::messageHandlerScrubsEveryLine()
{
    const QtMessageHandler previous = qInstallMessageHandler(capture);
    SecretScrubber::installMessageHandler();
    SecretScrubber::installMessageHandler(); // twice: still one pass, no loop
    SecretScrubber::add(kRefresh);
    qWarning() << "refresh" << kRefresh << "with" << QByteArrayLiteral("Bearer nsbx_at_never_registered_1");
    qCInfo(lcScrubTest).noquote() << QStringLiteral("cookie %1").arg(QString::fromLatin1(kRefresh.toPercentEncoding()));
    const QStringList lines = takeLines();
    qInstallMessageHandler(previous);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0), QStringLiteral("other refresh \"<redacted>\" with \"Bearer <redacted>\""));
    QCOMPARE(lines.at(1), QStringLiteral("other cookie <redacted>"));
}

// Secrets come and go on the GUI thread while Qt's HTTP thread logs: several threads add,
// remove, scrub and log at once; a secret registered throughout is scrubbed in every result.
void TestSecretScrubber::threadSafetySmoke()
{
    const QtMessageHandler previous = qInstallMessageHandler(capture);
    SecretScrubber::installMessageHandler();
    SecretScrubber::add(kAccess);
    std::atomic<int> leaks {0};
    std::vector<std::thread> threads;
    constexpr int kThreads = 4;
    constexpr int kRounds = 300;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &leaks] {
            for (int i = 0; i < kRounds; ++i) {
                const QByteArray own = QByteArray("thread-secret-%1-%2")
                                           .replace("%1", QByteArray::number(t))
                                           .replace("%2", QByteArray::number(i));
                SecretScrubber::Registration registration({own});
                const QString text = QStringLiteral("%1 %2 Bearer abcdefgh%3")
                                         .arg(QString::fromLatin1(kAccess), QString::fromLatin1(own))
                                         .arg(i);
                const QString clean = SecretScrubber::scrub(text);
                if (clean != QStringLiteral("<redacted> <redacted> Bearer <redacted>"))
                    ++leaks;
                if (i % 50 == 0)
                    qCInfo(lcScrubTest) << "thread" << t << own;
            }
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    qInstallMessageHandler(previous);
    QCOMPARE(leaks.load(), 0);
    const QStringList lines = takeLines();
    QCOMPARE(lines.size(), kThreads * kRounds / 50);
    for (const QString& line : lines)
        QVERIFY2(!line.contains(QStringLiteral("thread-secret")), qPrintable(line));
}

// What the handler adds to every log line: a line of typical length with a session's secrets
// registered (an access token, a refresh token, a service token).
void TestSecretScrubber::costOfATypicalLine()
{
    const SecretScrubber::Registration secrets({kAccess, kRefresh, QByteArrayLiteral("nsbx_svc_0123456789abcdef")});
    const QString line = QStringLiteral(
        "nullify.network.retry: retry 2 of GET http://127.0.0.1:40123/context/repositories?githubOwnerId=123 "
        "in 250 ms (HTTP 503)");
    QString clean;
    QBENCHMARK
    {
        clean = SecretScrubber::scrub(line);
    }
    QCOMPARE(clean, line);
}

int main(int argc, char* argv[])
{
    // ctest sets QT_LOGGING_RULES (nullify.*.debug=false), and the environment outranks
    // QLoggingCategory::setFilterRules(): the debug-line checks set their own rules.
    qunsetenv("QT_LOGGING_RULES");
    QCoreApplication app(argc, argv);
    TestSecretScrubber test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_secretscrubber.moc"
