// The auth endpoints' pure parts (network/session): the decoders of /auth/cli/session,
// /auth/cli/token (snake_case) and /auth/refresh_token (camelCase; the access token in the body or,
// as the real server sends it, in Set-Cookie, and the refresh token rotated by Set-Cookie), and
// the hand-written parser of the browser's callback request, which reads untrusted bytes.

#include "authapi.h"
#include "callbackrequest.h"
#include "credentials.h"
#include "utctime.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QtTest>

using nullify::api::ApiError;
using nullify::api::QueryParameters;
using nullify::session::AuthApi;
using nullify::session::CallbackRequest;
using nullify::session::Credentials;
using Status = nullify::session::CallbackRequest::Status;

Q_DECLARE_METATYPE(Status)

namespace {

QByteArray toJson(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject goodToken()
{
    return QJsonObject {
        {QStringLiteral("access_token"), QStringLiteral("at-123")},
        {QStringLiteral("refresh_token"), QStringLiteral("rt-456")},
        {QStringLiteral("expires_in"), 3600},
        {QStringLiteral("error"), QString()},
        {QStringLiteral("query_parameters"), QJsonObject {{QStringLiteral("githubOwnerId"), QStringLiteral("123")}}},
    };
}

QJsonObject goodRefresh()
{
    return QJsonObject {
        {QStringLiteral("accessToken"), QStringLiteral("at-new")},
        {QStringLiteral("expiresIn"), 900},
        {QStringLiteral("queryParameters"), QJsonObject {{QStringLiteral("githubOwnerId"), QStringLiteral("123")}}},
    };
}

// What the real server answers next to "Set-Cookie: access_token=...": metadata, no token.
QJsonObject realRefreshMetadata()
{
    return QJsonObject {
        {QStringLiteral("expiresIn"), 3600},
        {QStringLiteral("expiresAt"), 1748786400},
        {QStringLiteral("installationIds"), QJsonArray {QStringLiteral("123")}},
        {QStringLiteral("queryParameters"), QJsonObject {{QStringLiteral("githubOwnerId"), QStringLiteral("123")}}},
        {QStringLiteral("isTriaged"), true},
        {QStringLiteral("isNullifyDev"), false},
    };
}

// The instant every refresh decoding below happens at: Sunday 1 June 2025, 12:00 UTC.
const QDateTime& refreshNow()
{
    static const QDateTime now = nullify::utcDateTime(QDate(2025, 6, 1), QTime(12, 0));
    return now;
}

QJsonObject edited(QJsonObject object, const QString& key, const QJsonValue& value)
{
    if (value.isUndefined())
        object.remove(key);
    else
        object.insert(key, value);
    return object;
}

} // namespace

class TestAuthApi : public QObject
{
    Q_OBJECT

private slots:
    void cliSessionGood();
    void cliSessionBad_data();
    void cliSessionBad();

    void cliTokenGood();
    void cliTokenWithoutOptionalFields();
    void cliTokenNumbersInScope();
    void cliTokenErrorFieldIsRejected();
    void cliTokenLongestLifetimeIsStorable();
    void cliTokenBad_data();
    void cliTokenBad();

    void refreshGood();
    void refreshWithoutQueryParametersKeepsScope_data();
    void refreshWithoutQueryParametersKeepsScope();
    void refreshTokenFromJsonWinsOverCookie();
    void refreshSetCookie_data();
    void refreshSetCookie();
    void refreshAccessToken_data();
    void refreshAccessToken();
    void refreshWithoutAccessToken_data();
    void refreshWithoutAccessToken();
    void refreshBad_data();
    void refreshBad();

    void callbackParse_data();
    void callbackParse();
    void callbackParseByteByByte();
    void callbackRedemptionSecrets();
    void redemptionSecretForm_data();
    void redemptionSecretForm();
    void authorizationPendingIsRecognised();
    void callbackParseRandomBytes();
};

void TestAuthApi::cliSessionGood()
{
    const auto result = AuthApi::decodeCliSession(
        R"({"session_id":"abc-123","auth_url":"https://acme.nullify.ai/cli/login?session_id=abc-123","extra":1})");
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    QCOMPARE(result.value().sessionId, QStringLiteral("abc-123"));
    QCOMPARE(result.value().authUrl, QUrl(QStringLiteral("https://acme.nullify.ai/cli/login?session_id=abc-123")));

    const auto loopback = AuthApi::decodeCliSession(
        R"({"session_id":"x","auth_url":"http://127.0.0.1:4000/auth/sign-in?session_id=x"})");
    QVERIFY(loopback.isOk());
    QCOMPARE(loopback.value().authUrl.port(), 4000);
}

void TestAuthApi::cliSessionBad_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");

    QTest::newRow("not json") << QByteArray("<html>") << QString();
    QTest::newRow("array") << QByteArray("[]") << QString();
    QTest::newRow("no session_id") << QByteArray(R"({"auth_url":"https://a.nullify.ai/x"})")
                                   << QStringLiteral("session_id");
    QTest::newRow("empty session_id") << QByteArray(R"({"session_id":"","auth_url":"https://a.nullify.ai/x"})")
                                      << QStringLiteral("session_id");
    QTest::newRow("numeric session_id") << QByteArray(R"({"session_id":5,"auth_url":"https://a.nullify.ai/x"})")
                                        << QStringLiteral("session_id");
    QTest::newRow("no auth_url") << QByteArray(R"({"session_id":"s"})") << QStringLiteral("auth_url");
    QTest::newRow("null auth_url") << QByteArray(R"({"session_id":"s","auth_url":null})") << QStringLiteral("auth_url");
    QTest::newRow("file url") << QByteArray(R"({"session_id":"s","auth_url":"file:///etc/passwd"})")
                              << QStringLiteral("auth_url");
    QTest::newRow("javascript url") << QByteArray(R"j({"session_id":"s","auth_url":"javascript:alert(1)"})j")
                                    << QStringLiteral("auth_url");
    QTest::newRow("custom scheme") << QByteArray(R"({"session_id":"s","auth_url":"nullify://login"})")
                                   << QStringLiteral("auth_url");
    QTest::newRow("relative") << QByteArray(R"({"session_id":"s","auth_url":"/auth/sign-in"})")
                              << QStringLiteral("auth_url");
    QTest::newRow("no host") << QByteArray(R"({"session_id":"s","auth_url":"https:///x"})")
                             << QStringLiteral("auth_url");
}

void TestAuthApi::cliSessionBad()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const auto result = AuthApi::decodeCliSession(body);
    QVERIFY(!result.isOk());
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    if (!field.isEmpty())
        QCOMPARE(result.error().field, field);
}

void TestAuthApi::cliTokenGood()
{
    const QDateTime now = nullify::utcDateTime(QDate(2025, 3, 1), QTime(12, 0));
    const auto result = AuthApi::decodeCliToken(toJson(goodToken()), now);
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    const Credentials& credentials = result.value();
    QCOMPARE(credentials.kind, Credentials::Kind::UserSession);
    QCOMPARE(credentials.accessToken, QByteArray("at-123"));
    QCOMPARE(credentials.refreshToken, QByteArray("rt-456"));
    QCOMPARE(credentials.expiresAt, now.addSecs(3600));
    QCOMPARE(credentials.expiresAt.timeSpec(), Qt::UTC);
    QCOMPARE(credentials.scope, (QueryParameters {{QStringLiteral("githubOwnerId"), QStringLiteral("123")}}));
    QVERIFY(credentials.account.isEmpty());

    // The local clock's offset does not matter: the expiry is an absolute UTC time.
    const auto local = AuthApi::decodeCliToken(toJson(goodToken()), now.toOffsetFromUtc(3 * 3600));
    QVERIFY(local.isOk());
    QCOMPARE(local.value().expiresAt, now.addSecs(3600));
}

void TestAuthApi::cliTokenWithoutOptionalFields()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto result = AuthApi::decodeCliToken(R"({"access_token":"only"})", now);
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    QCOMPARE(result.value().accessToken, QByteArray("only"));
    QVERIFY(result.value().refreshToken.isEmpty());
    QVERIFY(!result.value().expiresAt.isValid()); // not said: unknown, not "now"
    QVERIFY(result.value().scope.isEmpty());

    const auto nulls = AuthApi::decodeCliToken(
        R"({"access_token":"a","refresh_token":null,"expires_in":null,"error":null,"query_parameters":null})", now);
    QVERIFY2(nulls.isOk(), qPrintable(nulls.isOk() ? QString() : nulls.error().toString()));
    QVERIFY(nulls.value().refreshToken.isEmpty());
}

void TestAuthApi::cliTokenNumbersInScope()
{
    QJsonObject body = goodToken();
    body.insert(QStringLiteral("query_parameters"),
                QJsonObject {{QStringLiteral("githubOwnerId"), 9007199254740991.0},
                             {QStringLiteral("installationId"), 42},
                             {QStringLiteral("org"), QStringLiteral("acme")}});
    const auto result = AuthApi::decodeCliToken(toJson(body), QDateTime::currentDateTimeUtc());
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    const QueryParameters expected {
        {QStringLiteral("githubOwnerId"), QStringLiteral("9007199254740991")},
        {QStringLiteral("installationId"), QStringLiteral("42")},
        {QStringLiteral("org"), QStringLiteral("acme")},
    };
    QCOMPARE(result.value().scope, expected);
}

void TestAuthApi::cliTokenErrorFieldIsRejected()
{
    // The shape a failed login has: empty tokens and a message.
    const QByteArray body = R"({"access_token":"","refresh_token":"","expires_in":0,"error":"authorization_pending"})";
    const auto result = AuthApi::decodeCliToken(body, QDateTime::currentDateTimeUtc());
    QVERIFY(!result.isOk());
    QCOMPARE(result.error().kind, ApiError::Kind::Rejected);
    QCOMPARE(result.error().message, QStringLiteral("authorization_pending"));

    // Even with a token: the server said the login failed.
    const auto withToken
        = AuthApi::decodeCliToken(toJson(edited(goodToken(), QStringLiteral("error"), QStringLiteral("denied"))),
                                  QDateTime::currentDateTimeUtc());
    QVERIFY(!withToken.isOk());
    QCOMPARE(withToken.error().kind, ApiError::Kind::Rejected);
    QCOMPARE(withToken.error().message, QStringLiteral("denied"));
}

void TestAuthApi::cliTokenLongestLifetimeIsStorable()
{
    // A century is the most a server may say; what it gives must survive the keychain round trip,
    // or the next start finds a damaged entry and signs the user out.
    const QDateTime now = nullify::utcDateTime(QDate(2025, 6, 1), QTime(12, 0));
    const qint64 century = qint64(100) * 366 * 24 * 60 * 60;
    const auto result
        = AuthApi::decodeCliToken(toJson(edited(goodToken(), QStringLiteral("expires_in"), double(century))), now);
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    QCOMPARE(result.value().expiresAt, now.addSecs(century));
    QString whyNot;
    const auto stored
        = nullify::session::fromKeychainPayload(nullify::session::toKeychainPayload(result.value()), &whyNot);
    QVERIFY2(stored, qPrintable(whyNot));
    QCOMPARE(*stored, result.value());

    const auto longer
        = AuthApi::decodeCliToken(toJson(edited(goodToken(), QStringLiteral("expires_in"), double(century + 1))), now);
    QVERIFY(!longer.isOk());
    QCOMPARE(longer.error().field, QStringLiteral("expires_in"));
}

void TestAuthApi::cliTokenBad_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");

    const auto row = [](const char* name, const QString& key, const QJsonValue& value) {
        QTest::newRow(name) << toJson(edited(goodToken(), key, value)) << key;
    };
    QTest::newRow("not json") << QByteArray("not json") << QString();
    QTest::newRow("empty body") << QByteArray() << QString();
    row("missing access_token", QStringLiteral("access_token"), QJsonValue::Undefined);
    row("empty access_token", QStringLiteral("access_token"), QString());
    row("null access_token", QStringLiteral("access_token"), QJsonValue::Null);
    row("numeric access_token", QStringLiteral("access_token"), 12);
    row("object access_token", QStringLiteral("access_token"), QJsonObject());
    row("numeric refresh_token", QStringLiteral("refresh_token"), 7);
    row("refresh_token with ;", QStringLiteral("refresh_token"), QStringLiteral("a;b"));
    row("refresh_token with newline", QStringLiteral("refresh_token"), QStringLiteral("a\r\nSet-Cookie: x"));
    row("string expires_in", QStringLiteral("expires_in"), QStringLiteral("3600"));
    row("fractional expires_in", QStringLiteral("expires_in"), 1.5);
    row("negative expires_in", QStringLiteral("expires_in"), -1);
    // Year 30,000-odd: no ISO 8601 time for the keychain entry, which then could not be read back.
    row("expires_in past year 9999", QStringLiteral("expires_in"), 900000000000.0);
    row("array query_parameters", QStringLiteral("query_parameters"), QJsonArray {1});
    row("string query_parameters", QStringLiteral("query_parameters"), QStringLiteral("githubOwnerId=1"));
    QTest::newRow("bool in query_parameters")
        << toJson(edited(goodToken(), QStringLiteral("query_parameters"), QJsonObject {{QStringLiteral("a"), true}}))
        << QStringLiteral("query_parameters.a");
    QTest::newRow("object in query_parameters") << toJson(
        edited(goodToken(), QStringLiteral("query_parameters"), QJsonObject {{QStringLiteral("a"), QJsonObject()}}))
                                                << QStringLiteral("query_parameters.a");
}

void TestAuthApi::cliTokenBad()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const auto result = AuthApi::decodeCliToken(body, QDateTime::currentDateTimeUtc());
    QVERIFY(!result.isOk());
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    if (!field.isEmpty())
        QCOMPARE(result.error().field, field);
}

void TestAuthApi::refreshGood()
{
    QJsonObject body = goodRefresh();
    body.insert(QStringLiteral("queryParameters"), QJsonObject {{QStringLiteral("githubOwnerId"), 123}});
    const auto result = AuthApi::decodeRefresh(toJson(body), {}, refreshNow());
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    QCOMPARE(result.value().accessToken, QByteArray("at-new"));
    QCOMPARE(result.value().expiresInSeconds, 900);
    QVERIFY(result.value().scope.has_value());
    QCOMPARE(*result.value().scope, (QueryParameters {{QStringLiteral("githubOwnerId"), QStringLiteral("123")}}));
    QVERIFY(!result.value().refreshToken.has_value()); // none came back: keep the old one

    // The snake_case names of the other endpoint are not accepted here.
    const auto snake = AuthApi::decodeRefresh(R"({"access_token":"a","expires_in":5})", {}, refreshNow());
    QVERIFY(!snake.isOk());
    QCOMPARE(snake.error().field, QStringLiteral("accessToken"));
}

void TestAuthApi::refreshWithoutQueryParametersKeepsScope_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("missing") << toJson(edited(goodRefresh(), QStringLiteral("queryParameters"), QJsonValue::Undefined));
    QTest::newRow("null") << toJson(edited(goodRefresh(), QStringLiteral("queryParameters"), QJsonValue::Null));
    QTest::newRow("empty") << toJson(edited(goodRefresh(), QStringLiteral("queryParameters"), QJsonObject()));
}

void TestAuthApi::refreshWithoutQueryParametersKeepsScope()
{
    QFETCH(QByteArray, body);
    const auto result = AuthApi::decodeRefresh(body, {}, refreshNow());
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    QVERIFY(!result.value().scope.has_value());
}

void TestAuthApi::refreshTokenFromJsonWinsOverCookie()
{
    QJsonObject body = goodRefresh();
    body.insert(QStringLiteral("refreshToken"), QStringLiteral("rt-json"));
    const auto result
        = AuthApi::decodeRefresh(toJson(body), {QByteArray("refresh_token=rt-cookie; Path=/")}, refreshNow());
    QVERIFY(result.isOk());
    QCOMPARE(result.value().refreshToken, std::optional<QByteArray>("rt-json"));

    // An empty JSON field is no rotation; the cookie still counts.
    body.insert(QStringLiteral("refreshToken"), QString());
    const auto empty
        = AuthApi::decodeRefresh(toJson(body), {QByteArray("refresh_token=rt-cookie; Path=/")}, refreshNow());
    QVERIFY(empty.isOk());
    QCOMPARE(empty.value().refreshToken, std::optional<QByteArray>("rt-cookie"));
}

void TestAuthApi::refreshSetCookie_data()
{
    QTest::addColumn<QList<QByteArray>>("headers");
    QTest::addColumn<QByteArray>("expected"); // empty: no rotation

    using L = QList<QByteArray>;
    QTest::newRow("none") << L {} << QByteArray();
    QTest::newRow("bare") << L {"refresh_token=rt-1"} << QByteArray("rt-1");
    QTest::newRow("attributes") << L {"refresh_token=rt-2; Path=/; HttpOnly; Secure; SameSite=Strict; "
                                      "Expires=Wed, 21 Oct 2099 07:28:00 GMT"}
                                << QByteArray("rt-2");
    QTest::newRow("spaces") << L {"  refresh_token = rt-3 ;Path=/"} << QByteArray("rt-3");
    QTest::newRow("quoted") << L {"refresh_token=\"rt-4\"; Path=/"} << QByteArray("rt-4");
    QTest::newRow("folded by Qt") << L {"session=abc; Path=/\nrefresh_token=rt-5; HttpOnly\nother=1"}
                                  << QByteArray("rt-5");
    QTest::newRow("several headers") << L {"session=abc", "refresh_token=rt-6; Path=/"} << QByteArray("rt-6");
    QTest::newRow("last wins") << L {"refresh_token=rt-old\nrefresh_token=rt-new"} << QByteArray("rt-new");
    QTest::newRow("other cookie only") << L {"session=abc; Path=/"} << QByteArray();
    QTest::newRow("similar name") << L {"refresh_token_v2=nope", "xrefresh_token=nope"} << QByteArray();
    QTest::newRow("name case matters") << L {"Refresh_Token=nope"} << QByteArray();
    QTest::newRow("deletion by empty value") << L {"refresh_token=; Max-Age=0"} << QByteArray();
    QTest::newRow("deletion by max-age") << L {"refresh_token=rt-7; Max-Age=0; Path=/"} << QByteArray();
    QTest::newRow("deletion by a past expires")
        << L {"refresh_token=rt-12; Expires=Thu, 01 Jan 1970 00:00:00 GMT"} << QByteArray();
    QTest::newRow("deletion before a good one")
        << L {"refresh_token=; Max-Age=0\nrefresh_token=rt-13; Path=/"} << QByteArray("rt-13");
    QTest::newRow("deletion after a good one")
        << L {"refresh_token=rt-8\nrefresh_token=; Max-Age=0"} << QByteArray("rt-8");
    QTest::newRow("max-age positive") << L {"refresh_token=rt-9; max-age=3600"} << QByteArray("rt-9");
    QTest::newRow("attribute only") << L {"Path=/; refresh_token=rt-10"} << QByteArray();
    QTest::newRow("CRLF folded") << L {"a=b\r\nrefresh_token=rt-11\r"} << QByteArray("rt-11");
    QTest::newRow("unsafe value") << L {"refresh_token=a\"b"} << QByteArray();
    QTest::newRow("8-bit value") << L {"refresh_token=caf\xc3\xa9"} << QByteArray();
}

void TestAuthApi::refreshSetCookie()
{
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QByteArray, expected);
    const auto result = AuthApi::decodeRefresh(toJson(goodRefresh()), headers, refreshNow());
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    if (expected.isEmpty())
        QVERIFY(!result.value().refreshToken.has_value());
    else
        QCOMPARE(result.value().refreshToken, std::optional<QByteArray>(expected));
}

// Where the new access token and its lifetime come from (../shared/api/README.md "Auth", Refresh):
// the body's accessToken wins, else the live access_token cookie; the lifetime is expiresIn, else
// the cookie's Max-Age, else its Expires, else unknown (0).
void TestAuthApi::refreshAccessToken_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QByteArray>>("headers");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<qint64>("lifetime");

    using L = QList<QByteArray>;
    const QByteArray metadata = toJson(realRefreshMetadata());
    const QByteArray noLifetime
        = toJson(edited(realRefreshMetadata(), QStringLiteral("expiresIn"), QJsonValue::Undefined));
    const QByteArray real = "access_token=at-cookie; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=None";

    QTest::newRow("body only") << toJson(goodRefresh()) << L {} << QByteArray("at-new") << qint64(900);
    QTest::newRow("body wins over the cookie")
        << toJson(goodRefresh()) << L {"access_token=at-cookie; Max-Age=60"} << QByteArray("at-new") << qint64(900);
    QTest::newRow("cookie only, as the real server") << metadata << L {real} << QByteArray("at-cookie") << qint64(3600);
    QTest::newRow("empty body token: the cookie")
        << toJson(edited(goodRefresh(), QStringLiteral("accessToken"), QString())) << L {real}
        << QByteArray("at-cookie") << qint64(900);
    QTest::newRow("null body token: the cookie")
        << toJson(edited(goodRefresh(), QStringLiteral("accessToken"), QJsonValue::Null)) << L {real}
        << QByteArray("at-cookie") << qint64(900);

    QTest::newRow("deletion by empty value first, then live")
        << noLifetime << L {"access_token=; Max-Age=0; Path=/\naccess_token=at-live; Max-Age=120"}
        << QByteArray("at-live") << qint64(120);
    QTest::newRow("deletion by max-age first, then live")
        << noLifetime << L {"access_token=at-old; Max-Age=0\naccess_token=at-live; Max-Age=120"}
        << QByteArray("at-live") << qint64(120);
    QTest::newRow("deletion by negative max-age first, then live")
        << noLifetime << L {"access_token=at-old; Max-Age=-1\naccess_token=at-live; Max-Age=120"}
        << QByteArray("at-live") << qint64(120);
    QTest::newRow("deletion by a past expires first, then live")
        << noLifetime << L {"access_token=at-old; Expires=Thu, 01 Jan 1970 00:00:00 GMT\naccess_token=at-live"}
        << QByteArray("at-live") << qint64(0);
    QTest::newRow("deletion in its own header first")
        << noLifetime << L {"access_token=; Max-Age=0", "access_token=at-live; Max-Age=120"} << QByteArray("at-live")
        << qint64(120);
    QTest::newRow("deletion after the live one")
        << noLifetime << L {"access_token=at-live; Max-Age=120\naccess_token=; Max-Age=0"} << QByteArray("at-live")
        << qint64(120);
    QTest::newRow("two live ones: the last")
        << noLifetime << L {"access_token=at-first; Max-Age=60\naccess_token=at-second; Max-Age=120"}
        << QByteArray("at-second") << qint64(120);

    QTest::newRow("expiresIn wins over max-age")
        << metadata << L {"access_token=at-c; Max-Age=60"} << QByteArray("at-c") << qint64(3600);
    QTest::newRow("max-age without expiresIn") << noLifetime << L {real} << QByteArray("at-cookie") << qint64(3600);
    QTest::newRow("max-age wins over expires")
        << noLifetime << L {"access_token=at-c; Expires=Sun, 01 Jun 2025 14:00:00 GMT; Max-Age=60"}
        << QByteArray("at-c") << qint64(60);
    QTest::newRow("expires without max-age")
        << noLifetime << L {"access_token=at-c; Path=/; Expires=Sun, 01 Jun 2025 14:00:00 GMT; Secure"}
        << QByteArray("at-c") << qint64(7200);
    QTest::newRow("expires in asctime form") << noLifetime << L {"access_token=at-c; Expires=Sun Jun  1 12:30:00 2025"}
                                             << QByteArray("at-c") << qint64(1800);
    QTest::newRow("past expires overruled by max-age")
        << noLifetime << L {"access_token=at-c; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=90"}
        << QByteArray("at-c") << qint64(90);
    QTest::newRow("malformed max-age ignored")
        << noLifetime << L {"access_token=at-c; Max-Age=soon; Expires=Sun, 01 Jun 2025 12:10:00 GMT"}
        << QByteArray("at-c") << qint64(600);
    QTest::newRow("malformed expires ignored")
        << noLifetime << L {"access_token=at-c; Expires=tomorrow"} << QByteArray("at-c") << qint64(0);
    QTest::newRow("no lifetime anywhere")
        << noLifetime << L {"access_token=at-c; Path=/"} << QByteArray("at-c") << qint64(0);

    QTest::newRow("attributes in odd case and spacing")
        << noLifetime << L {"  access_token = at-c ;  mAx-AgE = 120 ;path=/;HTTPONLY;  sameSITE=none"}
        << QByteArray("at-c") << qint64(120);
    QTest::newRow("EXPIRES in capitals") << noLifetime
                                         << L {"access_token=at-c;EXPIRES =  Sun, 01 Jun 2025 12:01:00 GMT"}
                                         << QByteArray("at-c") << qint64(60);
    QTest::newRow("quoted value") << noLifetime << L {"access_token=\"at-q\"; Max-Age=60"} << QByteArray("at-q")
                                  << qint64(60);
    QTest::newRow("several cookies folded by Qt")
        << noLifetime << L {"refresh_token=rt-r; HttpOnly\nsession=s; Path=/\naccess_token=at-f; Max-Age=30\nother=1"}
        << QByteArray("at-f") << qint64(30);
    QTest::newRow("CRLF folded") << noLifetime << L {"a=b\r\naccess_token=at-crlf; Max-Age=30\r"}
                                 << QByteArray("at-crlf") << qint64(30);
    QTest::newRow("similar names skipped")
        << noLifetime << L {"access_token_v2=nope\nxaccess_token=nope\naccess_token=at-real"} << QByteArray("at-real")
        << qint64(0);
}

void TestAuthApi::refreshAccessToken()
{
    QFETCH(QByteArray, body);
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QByteArray, token);
    QFETCH(qint64, lifetime);
    const auto result = AuthApi::decodeRefresh(body, headers, refreshNow());
    QVERIFY2(result.isOk(), qPrintable(result.isOk() ? QString() : result.error().toString()));
    QCOMPARE(result.value().accessToken, token);
    QCOMPARE(result.value().expiresInSeconds, lifetime);
    // Whatever carried the access token, the refresh token is not rotated by it.
    const bool rotated = headers.join('\n').contains("refresh_token=rt-r");
    QCOMPARE(result.value().refreshToken.has_value(), rotated);
}

// A 2xx with no usable access token anywhere is a clear decoding error at "accessToken", never an
// answer with an empty token (the session then keeps the old one and tries again later).
void TestAuthApi::refreshWithoutAccessToken_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QByteArray>>("headers");
    QTest::addColumn<QString>("field");

    using L = QList<QByteArray>;
    const QByteArray metadata = toJson(realRefreshMetadata());
    const QString accessToken = QStringLiteral("accessToken");
    QTest::newRow("metadata, no cookie") << metadata << L {} << accessToken;
    QTest::newRow("metadata, refresh cookie only") << metadata << L {"refresh_token=rt-r; HttpOnly"} << accessToken;
    QTest::newRow("empty body token, no cookie")
        << toJson(edited(goodRefresh(), QStringLiteral("accessToken"), QString())) << L {} << accessToken;
    QTest::newRow("deletion by empty value only") << metadata << L {"access_token=; Max-Age=0; Path=/"} << accessToken;
    QTest::newRow("deletion by max-age only") << metadata << L {"access_token=at-old; Max-Age=0"} << accessToken;
    QTest::newRow("deletion by past expires only")
        << metadata << L {"access_token=at-old; Expires=Sat, 31 May 2025 12:00:00 GMT"} << accessToken;
    QTest::newRow("name in other case") << metadata << L {"Access_Token=at-c; Max-Age=60"} << accessToken;
    QTest::newRow("unsafe cookie value") << metadata << L {"access_token=at\"c; Max-Age=60"} << accessToken;
    QTest::newRow("8-bit cookie value") << metadata << L {"access_token=caf\xc3\xa9; Max-Age=60"} << accessToken;
    QTest::newRow("snake_case body") << QByteArray(R"({"access_token":"at-snake","expires_in":60})") << L {}
                                     << accessToken;
    QTest::newRow("numeric body token, live cookie")
        << toJson(edited(goodRefresh(), QStringLiteral("accessToken"), 5)) << L {"access_token=at-c"} << accessToken;
    QTest::newRow("max-age over a century")
        << toJson(edited(realRefreshMetadata(), QStringLiteral("expiresIn"), QJsonValue::Undefined))
        << L {"access_token=at-c; Max-Age=9999999999"} << QStringLiteral("Set-Cookie access_token");
}

void TestAuthApi::refreshWithoutAccessToken()
{
    QFETCH(QByteArray, body);
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QString, field);
    const auto result = AuthApi::decodeRefresh(body, headers, refreshNow());
    QVERIFY(!result.isOk());
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QCOMPARE(result.error().field, field);
    QVERIFY2(!result.error().toString().contains(QStringLiteral("at-old")), qPrintable(result.error().toString()));
}

void TestAuthApi::refreshBad_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("field");

    const auto row = [](const char* name, const QString& key, const QJsonValue& value) {
        QTest::newRow(name) << toJson(edited(goodRefresh(), key, value)) << int(ApiError::Kind::Decoding) << key;
    };
    QTest::newRow("not json") << QByteArray("{") << int(ApiError::Kind::Decoding) << QString();
    row("missing accessToken", QStringLiteral("accessToken"), QJsonValue::Undefined);
    row("empty accessToken", QStringLiteral("accessToken"), QString());
    row("numeric accessToken", QStringLiteral("accessToken"), 1);
    row("string expiresIn", QStringLiteral("expiresIn"), QStringLiteral("900"));
    row("negative expiresIn", QStringLiteral("expiresIn"), -5);
    row("expiresIn past year 9999", QStringLiteral("expiresIn"), 900000000000.0);
    row("array queryParameters", QStringLiteral("queryParameters"), QJsonArray());
    row("numeric refreshToken", QStringLiteral("refreshToken"), 3);
    row("refreshToken with space", QStringLiteral("refreshToken"), QStringLiteral("a b"));
    QTest::newRow("error field") << toJson(edited(goodRefresh(), QStringLiteral("error"), QStringLiteral("revoked")))
                                 << int(ApiError::Kind::Rejected) << QString();
}

void TestAuthApi::refreshBad()
{
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    QFETCH(QString, field);
    const auto result = AuthApi::decodeRefresh(body, {QByteArray("refresh_token=rt-x")}, refreshNow());
    QVERIFY(!result.isOk());
    QCOMPARE(int(result.error().kind), kind);
    if (!field.isEmpty())
        QCOMPARE(result.error().field, field);
    if (result.error().kind == ApiError::Kind::Rejected)
        QCOMPARE(result.error().message, QStringLiteral("revoked"));
}

void TestAuthApi::callbackParse_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<Status>("status");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QStringList>("sessionIds");

    const QStringList none;
    const QByteArray browser = "Host: 127.0.0.1:5555\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                               "Accept: text/html,*/*;q=0.8\r\nAccept-Language: en\r\nConnection: keep-alive\r\n";
    const auto get
        = [&browser](const QByteArray& target) { return "GET " + target + " HTTP/1.1\r\n" + browser + "\r\n"; };

    // Incomplete: read more.
    QTest::newRow("empty") << QByteArray() << Status::Incomplete << QString() << none;
    QTest::newRow("partial method") << QByteArray("GE") << Status::Incomplete << QString() << none;
    QTest::newRow("partial line") << QByteArray("GET /callback?session_id=a") << Status::Incomplete << QString()
                                  << none;
    QTest::newRow("no blank line") << QByteArray("GET /callback HTTP/1.1\r\nHost: x\r\n") << Status::Incomplete
                                   << QString() << none;
    QTest::newRow("half blank line") << QByteArray("GET /callback HTTP/1.1\r\nHost: x\r\n\r") << Status::Incomplete
                                     << QString() << none;

    // Good.
    QTest::newRow("browser") << get("/callback?session_id=abc123") << Status::Ok << QStringLiteral("/callback")
                             << QStringList {QStringLiteral("abc123")};
    QTest::newRow("no headers") << QByteArray("GET /callback?session_id=s HTTP/1.1\r\n\r\n") << Status::Ok
                                << QStringLiteral("/callback") << QStringList {QStringLiteral("s")};
    QTest::newRow("HTTP/1.0") << QByteArray("GET /callback?session_id=s HTTP/1.0\r\n\r\n") << Status::Ok
                              << QStringLiteral("/callback") << QStringList {QStringLiteral("s")};
    QTest::newRow("bare LF") << QByteArray("GET /callback?session_id=s HTTP/1.1\nHost: x\n\n") << Status::Ok
                             << QStringLiteral("/callback") << QStringList {QStringLiteral("s")};
    QTest::newRow("mixed line ends") << QByteArray("GET /callback?session_id=s HTTP/1.1\r\nHost: x\n\r\n") << Status::Ok
                                     << QStringLiteral("/callback") << QStringList {QStringLiteral("s")};
    QTest::newRow("body after head ignored")
        << QByteArray("GET /callback?session_id=s HTTP/1.1\r\n\r\n\x01\x02garbage") << Status::Ok
        << QStringLiteral("/callback") << QStringList {QStringLiteral("s")};
    QTest::newRow("other params") << get("/callback?state=1&session_id=xyz&code=") << Status::Ok
                                  << QStringLiteral("/callback") << QStringList {QStringLiteral("xyz")};
    QTest::newRow("no query") << get("/callback") << Status::Ok << QStringLiteral("/callback") << none;
    QTest::newRow("empty query") << get("/callback?") << Status::Ok << QStringLiteral("/callback") << none;
    QTest::newRow("empty session_id") << get("/callback?session_id=") << Status::Ok << QStringLiteral("/callback")
                                      << QStringList {QString()};
    QTest::newRow("other path") << get("/favicon.ico") << Status::Ok << QStringLiteral("/favicon.ico") << none;
    QTest::newRow("root") << get("/") << Status::Ok << QStringLiteral("/") << none;
    QTest::newRow("encoded path") << get("/%63allback?session_id=a") << Status::Ok << QStringLiteral("/callback")
                                  << QStringList {QStringLiteral("a")};
    QTest::newRow("tab in header value") << QByteArray("GET /callback?session_id=a HTTP/1.1\r\nX: a\tb\r\n\r\n")
                                         << Status::Ok << QStringLiteral("/callback")
                                         << QStringList {QStringLiteral("a")};

    // Encoded session ids: fully decoded.
    QTest::newRow("percent-encoded id") << get("/callback?session_id=a%2Fb%3D%3D") << Status::Ok
                                        << QStringLiteral("/callback") << QStringList {QStringLiteral("a/b==")};
    QTest::newRow("plus stays plus") << get("/callback?session_id=a+b") << Status::Ok << QStringLiteral("/callback")
                                     << QStringList {QStringLiteral("a+b")};
    QTest::newRow("encoded plus") << get("/callback?session_id=a%2Bb") << Status::Ok << QStringLiteral("/callback")
                                  << QStringList {QStringLiteral("a+b")};
    QTest::newRow("utf-8 id") << get("/callback?session_id=caf%C3%A9") << Status::Ok << QStringLiteral("/callback")
                              << QStringList {QStringLiteral("caf\u00e9")};
    QTest::newRow("encoded ampersand") << get("/callback?session_id=a%26session_id%3Db") << Status::Ok
                                       << QStringLiteral("/callback") << QStringList {QStringLiteral("a&session_id=b")};

    // Duplicates: all reported, for the listener to refuse (no id is believed).
    QTest::newRow("duplicate id") << get("/callback?session_id=a&session_id=b") << Status::Ok
                                  << QStringLiteral("/callback")
                                  << QStringList {QStringLiteral("a"), QStringLiteral("b")};
    QTest::newRow("duplicate same id") << get("/callback?session_id=a&session_id=a") << Status::Ok
                                       << QStringLiteral("/callback")
                                       << QStringList {QStringLiteral("a"), QStringLiteral("a")};

    // Wrong method.
    QTest::newRow("POST") << QByteArray("POST /callback?session_id=a HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                          << Status::WrongMethod << QString() << none;
    QTest::newRow("HEAD") << QByteArray("HEAD /callback HTTP/1.1\r\n\r\n") << Status::WrongMethod << QString() << none;
    QTest::newRow("lowercase get") << QByteArray("get /callback HTTP/1.1\r\n\r\n") << Status::WrongMethod << QString()
                                   << none;
    QTest::newRow("method known early") << QByteArray("DELETE /callback HTTP/1.1\r\n") << Status::WrongMethod
                                        << QString() << none;

    // Bad request line or headers.
    QTest::newRow("blank first line") << QByteArray("\r\n\r\n") << Status::Malformed << QString() << none;
    QTest::newRow("two spaces") << QByteArray("GET  /callback HTTP/1.1\r\n\r\n") << Status::Malformed << QString()
                                << none;
    QTest::newRow("no version") << QByteArray("GET /callback\r\n\r\n") << Status::Malformed << QString() << none;
    QTest::newRow("HTTP/2") << QByteArray("GET /callback HTTP/2\r\n\r\n") << Status::Malformed << QString() << none;
    QTest::newRow("HTTP/1.1x") << QByteArray("GET /callback HTTP/1.12\r\n\r\n") << Status::Malformed << QString()
                               << none;
    QTest::newRow("absolute target") << QByteArray("GET http://127.0.0.1/callback HTTP/1.1\r\n\r\n")
                                     << Status::Malformed << QString() << none;
    QTest::newRow("asterisk") << QByteArray("GET * HTTP/1.1\r\n\r\n") << Status::Malformed << QString() << none;
    QTest::newRow("double slash") << QByteArray("GET //evil/callback HTTP/1.1\r\n\r\n") << Status::Malformed
                                  << QString() << none;
    QTest::newRow("fragment") << QByteArray("GET /callback#x HTTP/1.1\r\n\r\n") << Status::Malformed << QString()
                              << none;
    QTest::newRow("bad line known early") << QByteArray("HELLO\r\n") << Status::Malformed << QString() << none;
    QTest::newRow("header without colon")
        << QByteArray("GET /callback HTTP/1.1\r\nHost x\r\n\r\n") << Status::Malformed << QString() << none;
    QTest::newRow("space in header name")
        << QByteArray("GET /callback HTTP/1.1\r\nHo st: x\r\n\r\n") << Status::Malformed << QString() << none;
    QTest::newRow("obs-fold") << QByteArray("GET /callback HTTP/1.1\r\nHost: x\r\n continued\r\n\r\n")
                              << Status::Malformed << QString() << none;
    QTest::newRow("bare CR in header") << QByteArray("GET /callback HTTP/1.1\r\nA: b\rC: d\r\n\r\n")
                                       << Status::Malformed << QString() << none;

    // Garbage bytes: refused at once, not buffered.
    QTest::newRow("NUL") << QByteArray("GET /callback\0 HTTP/1.1\r\n\r\n", 27) << Status::Malformed << QString()
                         << none;
    QTest::newRow("TLS hello") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) << Status::Malformed
                               << QString() << none;
    QTest::newRow("8-bit in target") << QByteArray("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n") << Status::Malformed
                                     << QString() << none;
    QTest::newRow("8-bit in header") << QByteArray("GET /callback HTTP/1.1\r\nX: \xff\r\n\r\n") << Status::Malformed
                                     << QString() << none;
    QTest::newRow("escape in partial line") << QByteArray("GET /\x1b[2J") << Status::Malformed << QString() << none;

    // Too large.
    const QByteArray filler = "X-Filler: " + QByteArray(CallbackRequest::maxHeadBytes, 'a') + "\r\n";
    QTest::newRow("huge header") << ("GET /callback HTTP/1.1\r\n" + filler + "\r\n") << Status::TooLarge << QString()
                                 << none;
    QTest::newRow("huge incomplete header")
        << ("GET /callback HTTP/1.1\r\n" + filler) << Status::TooLarge << QString() << none;
    QTest::newRow("huge request line") << ("GET /" + QByteArray(CallbackRequest::maxHeadBytes, 'a')) << Status::TooLarge
                                       << QString() << none;
    const QByteArray exact = "GET /callback?session_id=a HTTP/1.1\r\nX: ";
    const QByteArray atLimit = exact + QByteArray(CallbackRequest::maxHeadBytes - exact.size() - 4, 'b') + "\r\n\r\n";
    QTest::newRow("exactly at the limit")
        << atLimit << Status::Ok << QStringLiteral("/callback") << QStringList {QStringLiteral("a")};
    const QByteArray overLimit = exact + QByteArray(CallbackRequest::maxHeadBytes - exact.size() - 3, 'b') + "\r\n\r\n";
    QTest::newRow("one over the limit") << overLimit << Status::TooLarge << QString() << none;
}

void TestAuthApi::callbackParse()
{
    QFETCH(QByteArray, head);
    QFETCH(Status, status);
    QFETCH(QString, path);
    QFETCH(QStringList, sessionIds);

    const CallbackRequest request = CallbackRequest::parse(head);
    QCOMPARE(request.status, status);
    if (status != Status::Ok) {
        QVERIFY(request.sessionIds.isEmpty());
        QVERIFY(request.redemptionSecrets.isEmpty());
        return;
    }
    QCOMPARE(request.path, path);
    QCOMPARE(request.sessionIds, sessionIds);
}

void TestAuthApi::callbackParseByteByByte()
{
    // A browser's request arriving in the smallest pieces: every prefix is Incomplete, the whole is Ok.
    const QByteArray head = "GET /callback?session_id=s%2D1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nAccept: */*\r\n\r\n";
    for (qsizetype size = 0; size < head.size(); ++size)
        QCOMPARE(CallbackRequest::parse(head.left(size)).status, Status::Incomplete);
    const CallbackRequest request = CallbackRequest::parse(head);
    QCOMPARE(request.status, Status::Ok);
    QCOMPARE(request.sessionIds, QStringList {QStringLiteral("s-1")});
}

void TestAuthApi::callbackRedemptionSecrets()
{
    const QString secret = QStringLiteral("0123456789abcdef").repeated(4);
    const auto parse = [](const QByteArray& target) {
        return CallbackRequest::parse("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n");
    };
    CallbackRequest request = parse("/callback?session_id=s&redemption_secret=" + secret.toLatin1());
    QCOMPARE(request.status, Status::Ok);
    QCOMPARE(request.sessionIds, QStringList {QStringLiteral("s")});
    QCOMPARE(request.redemptionSecrets, QStringList {secret});

    // An older server's callback: no secret at all.
    QVERIFY(parse("/callback?session_id=s").redemptionSecrets.isEmpty());
    // Every value is reported, in order, fully decoded, for the listener to judge.
    request = parse("/callback?redemption_secret=a&session_id=s&redemption_secret=%62");
    QCOMPARE(request.redemptionSecrets, (QStringList {QStringLiteral("a"), QStringLiteral("b")}));
    QCOMPARE(parse("/callback?session_id=s&redemption_secret=").redemptionSecrets, QStringList {QString()});
}

void TestAuthApi::redemptionSecretForm_data()
{
    QTest::addColumn<QString>("secret");
    QTest::addColumn<bool>("wellFormed");
    const QString good = QStringLiteral("0123456789abcdef").repeated(4);
    QTest::newRow("64 lowercase hex") << good << true;
    QTest::newRow("all zero") << QString(64, QLatin1Char('0')) << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("63 digits") << good.left(63) << false;
    QTest::newRow("65 digits") << good + QLatin1Char('0') << false;
    QTest::newRow("uppercase") << good.toUpper() << false;
    QTest::newRow("not hex") << good.left(63) + QLatin1Char('g') << false;
    QTest::newRow("space") << good.left(63) + QLatin1Char(' ') << false;
    QTest::newRow("non-ASCII digit") << good.left(63) + QChar(0x0661) << false; // ARABIC-INDIC DIGIT ONE
}

void TestAuthApi::redemptionSecretForm()
{
    QFETCH(QString, secret);
    QFETCH(bool, wellFormed);
    QCOMPARE(CallbackRequest::isWellFormedSecret(secret), wellFormed);
}

void TestAuthApi::authorizationPendingIsRecognised()
{
    // In a 2xx (decoded) and in an error status (as AuthApi::exchangeCliToken turns it).
    const auto pending = AuthApi::decodeCliToken(R"({"access_token":"","error":"authorization_pending"})",
                                                 QDateTime::currentDateTimeUtc());
    QVERIFY(!pending.isOk());
    QVERIFY(AuthApi::isAuthorizationPending(pending.error()));
    ApiError rejected;
    rejected.kind = ApiError::Kind::Rejected;
    rejected.httpStatus = 400;
    rejected.message = QStringLiteral("authorization_pending");
    QVERIFY(AuthApi::isAuthorizationPending(rejected));

    // Anything else is not "ask again".
    rejected.message = QStringLiteral("access_denied");
    QVERIFY(!AuthApi::isAuthorizationPending(rejected));
    ApiError http;
    http.kind = ApiError::Kind::Http;
    http.httpStatus = 400;
    http.message = QStringLiteral("authorization_pending");
    QVERIFY(!AuthApi::isAuthorizationPending(http));
}

void TestAuthApi::callbackParseRandomBytes()
{
    // No input crashes the parser or makes it say Ok without a valid request line.
    QRandomGenerator generator(20250301);
    static const char characters[] = "GET /callback?session_id=&%+ HTTP/1.1\r\n:\t\0\xff";
    const QByteArray alphabet(characters, sizeof(characters) - 1);
    for (int round = 0; round < 3000; ++round) {
        QByteArray bytes(generator.bounded(1, 200), Qt::Uninitialized);
        for (char& c : bytes) {
            c = round % 2 ? char(generator.bounded(256)) : alphabet.at(generator.bounded(int(alphabet.size())));
        }
        const CallbackRequest request = CallbackRequest::parse(bytes);
        if (request.status == Status::Ok)
            QVERIFY(bytes.startsWith("GET /"));
    }
}

QTEST_GUILESS_MAIN(TestAuthApi)
#include "tst_authapi.moc"
