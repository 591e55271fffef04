// Session end to end: the real Session (keychain through qtkeychain and the test's own
// gnome-keyring, refresh through the real manager) against an in-process nullify-sandbox, with
// faults and revocations set over its control port. Each case checks both sides: what the client
// saw and what the server's request log holds.
//
// Run by CTest twice: inside with-test-keyring.sh (a real, unlocked Secret Service), and with no
// D-Bus session at all (NULLIFY_TEST_NO_KEYCHAIN=1), where only the "keychain unavailable" case runs.

#include "apiclient.h"
#include "authservice.h"
#include "credentialstore.h"
#include "environmentskip.h"
#include "faultplan.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "replyhelpers.h"
#include "sandboxharness.h"
#include "scriptedhttpserver.h"
#include "session.h"

#include <QDirIterator>
#include <QSignalSpy>
#include <QtTest>

#include <memory>
#include <optional>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::api::ApiClient;
using nullify::api::ApiError;
using nullify::api::CurrentUser;
using nullify::api::NullifyApi;
using nullify::api::Result;
using nullify::sandbox::FaultRule;
using nullify::sandbox::shortHash;
using nullify::session::Credentials;
using nullify::session::CredentialStore;
using nullify::session::Session;
using nullify::session::Tenant;
using nullify::test::SandboxHarness;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;

namespace {

constexpr int kTimeoutMs = 15'000;

bool keychainExpected()
{
    return qEnvironmentVariableIntValue("NULLIFY_TEST_NO_KEYCHAIN") == 0;
}

// Every file below dir that contains needle: a secret must never reach the disk in the clear.
QStringList filesContaining(const QString& dir, const QByteArray& needle)
{
    QStringList found;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile file(it.next());
        if (file.size() < 64 * 1024 * 1024 && file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
            found.append(file.fileName());
    }
    return found;
}

// A session with a scripted server: its tokens, an hour left by the client's clock, scope 4242.
Credentials scriptedSession(const QByteArray& accessToken, const QByteArray& refreshToken)
{
    Credentials credentials;
    credentials.accessToken = accessToken;
    credentials.refreshToken = refreshToken;
    credentials.expiresAt = QDateTime::currentDateTimeUtc().addSecs(3600);
    credentials.scope = {{QStringLiteral("githubOwnerId"), QStringLiteral("4242")}};
    return credentials;
}

// One client stack, as the app builds it: manager, API client, typed API, store, session.
struct Client
{
    explicit Client(const QString& keychainService)
        : store(keychainService)
    {
        manager.setRetryPolicy(nullify::test::fastRetryPolicy(20ms));
        session = std::make_unique<Session>(&manager, &client, &store);
        Session::Timing timing;
        timing.keychainRetryDelay = 200ms;
        timing.refreshRetryMin = 200ms;
        timing.refreshRetryMax = 400ms;
        session->setTiming(timing);
    }
    ~Client() { session.reset(); }

    NetworkAccessManager manager;
    ApiClient client {&manager};
    NullifyApi api {&client};
    CredentialStore store;
    std::unique_ptr<Session> session;
};

// The outcome of GET /admin/user/current; also the call's context.
class UserCall : public QObject
{
public:
    std::optional<Result<CurrentUser>> result;
    void send(NullifyApi& api)
    {
        api.currentUser(this, [this](const Result<CurrentUser>& r) { result = r; });
    }
    bool done() const { return result.has_value(); }
    bool ok() const { return result && result->isOk(); }
    QString describe() const
    {
        return !result ? QStringLiteral("no answer") : ok() ? QStringLiteral("ok") : result->error().toString();
    }
};

} // namespace

class TestSession : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void refreshLeadIsTheSmallerOf120sAnd20Percent();
    void signInIsStoredAndRestoredAfterRestart();
    void revocationUnderConcurrentRequestsRefreshesOnce();
    void rotatedRefreshTokenIsStoredBeforeRequestsGoOn();
    void missingQueryParametersKeepTheScope();
    void expiredTokenIsRenewedFromEitherRefreshShape_data();
    void expiredTokenIsRenewedFromEitherRefreshShape();
    void refreshAnswerWithoutTokenKeepsTheSession();
    void refreshServerErrorKeepsTheSession();
    void rejectedRefreshEndsTheSessionOnce();
    void newerRefreshTokenFromAnotherInstanceIsTried();
    void proactiveRefreshHappensBeforeExpiry();
    void wallClockJumpRefreshesAtOnce();
    void rejectedServiceTokenIsSaidOnce();
    void signOutRemovesTheKeychainEntry();
    void keychainUnavailableKeepsTheSessionForThisRun();

private:
    void startSandbox(int tokenLifetimeSeconds = 3600, bool rotate = false, bool legacyRefreshBody = false);
    std::unique_ptr<Client> newClient();
    // The browser flow without a browser: the auth API, the sandbox's auto-approving page.
    std::optional<Credentials> browserSignIn(Client& client);
    Tenant sandboxTenant() const;
    int refreshCalls();
    bool allSucceed(Client& client, int count, QString* firstError);

    std::unique_ptr<SandboxHarness> m_sandbox;
    QString m_keychainService; // a fresh service name per test: tests never see each other's entries
};

void TestSession::init()
{
    if (!keychainExpected()
        && QByteArray(QTest::currentTestFunction()) != "keychainUnavailableKeepsTheSessionForThisRun")
        // Not an environment skip: tst_session_nokeychain runs this binary without a keychain on
        // purpose, for that one case; every other case runs in the tst_session entry.
        QSKIP("only the keychain-unavailable case runs without a keychain");
    if (keychainExpected() && qEnvironmentVariableIntValue("NULLIFY_TEST_KEYRING") == 0)
        NULLIFY_SKIP_ENV("needs the throwaway keyring: run through CTest or tests/support/with-test-keyring.sh");
    m_keychainService
        = QStringLiteral("ai.nullify.Desktop.test.%1").arg(QString::fromLatin1(QTest::currentTestFunction()));
}

void TestSession::cleanup()
{
    m_sandbox.reset();
}

void TestSession::startSandbox(int tokenLifetimeSeconds, bool rotate, bool legacyRefreshBody)
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = 20;
    options.auth.autoApprove = true;
    options.auth.tokenLifetimeSeconds = tokenLifetimeSeconds;
    options.auth.rotateRefreshTokens = rotate;
    options.auth.legacyRefreshBody = legacyRefreshBody;
    options.auth.serviceTokens = {QStringLiteral("nsbx_service_token_for_tests")};
    m_sandbox = std::make_unique<SandboxHarness>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
}

std::unique_ptr<Client> TestSession::newClient()
{
    return std::make_unique<Client>(m_keychainService);
}

Tenant TestSession::sandboxTenant() const
{
    QString why;
    const auto tenant = Tenant::fromInput(m_sandbox->apiUrl().toString(QUrl::StripTrailingSlash), &why);
    if (!tenant)
        qFatal("sandbox URL refused: %s", qPrintable(why));
    return *tenant;
}

std::optional<Credentials> TestSession::browserSignIn(Client& client)
{
    QString why;
    auto credentials = m_sandbox->signIn(&client.manager, &why);
    if (!credentials)
        qWarning() << "browser sign-in failed:" << why;
    return credentials;
}

int TestSession::refreshCalls()
{
    return int(SandboxHarness::entriesFor(
                   m_sandbox->requestLog(), QStringLiteral("GET"), QStringLiteral("/auth/refresh_token"))
                   .size());
}

bool TestSession::allSucceed(Client& client, int count, QString* firstError)
{
    std::vector<std::unique_ptr<UserCall>> calls;
    for (int i = 0; i < count; ++i) {
        calls.push_back(std::make_unique<UserCall>());
        calls.back()->send(client.api);
    }
    const bool finished = QTest::qWaitFor(
        [&] { return std::all_of(calls.begin(), calls.end(), [](const auto& c) { return c->done(); }); }, kTimeoutMs);
    if (!finished) {
        *firstError = QStringLiteral("not every request finished");
        return false;
    }
    for (const auto& call : calls) {
        if (!call->ok()) {
            *firstError = call->describe();
            return false;
        }
    }
    return true;
}

void TestSession::refreshLeadIsTheSmallerOf120sAnd20Percent()
{
    QCOMPARE(Session::refreshLead(60s), 12s);
    QCOMPARE(Session::refreshLead(600s), 120s);
    QCOMPARE(Session::refreshLead(3600s), 120s);
    QCOMPARE(Session::refreshLead(5s), 1s);
}

void TestSession::signInIsStoredAndRestoredAfterRestart()
{
    startSandbox();
    QByteArray accessToken;
    {
        auto client = newClient();
        const auto credentials = browserSignIn(*client);
        QVERIFY(credentials);
        QVERIFY(!credentials->scope.isEmpty());
        client->session->signIn(sandboxTenant(), *credentials);
        QCOMPARE(client->session->state(), Session::State::SignedIn);
        QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);
        accessToken = credentials->accessToken;
        QString error;
        QVERIFY2(allSucceed(*client, 1, &error), qPrintable(error));
    }

    // The app restarts: a new stack, the same keychain.
    auto client = newClient();
    QSignalSpy signedIn(client->session.get(), &Session::signedIn);
    client->session->restore(sandboxTenant());
    QCOMPARE(client->session->state(), Session::State::Restoring);
    QTRY_COMPARE_WITH_TIMEOUT(client->session->state(), Session::State::SignedIn, kTimeoutMs);
    QCOMPARE(signedIn.count(), 1);
    QCOMPARE(client->session->credentials().accessToken, accessToken);
    QVERIFY(!client->client.scope().isEmpty());
    QString error;
    QVERIFY2(allSucceed(*client, 1, &error), qPrintable(error));
    QCOMPARE(refreshCalls(), 0);

    // Nothing secret in any file of the throwaway home (the keyring file is encrypted).
    QVERIFY2(filesContaining(QDir::homePath(), accessToken).isEmpty(),
             qPrintable(filesContaining(QDir::homePath(), accessToken).join(u',')));
}

void TestSession::revocationUnderConcurrentRequestsRefreshesOnce()
{
    startSandbox();
    auto client = newClient();
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);
    QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);
    QVERIFY(m_sandbox->resetLog());
    QVERIFY2(m_sandbox->revoke(), qPrintable(m_sandbox->lastError()));

    QSignalSpy refreshed(client->session.get(), &Session::tokenRefreshed);
    QSignalSpy expired(client->session.get(), &Session::sessionExpired);
    QString error;
    QVERIFY2(allSucceed(*client, 200, &error), qPrintable(error));
    QCOMPARE(refreshCalls(), 1);
    QCOMPARE(refreshed.count(), 1);
    QCOMPARE(expired.count(), 0);
    QVERIFY(client->session->credentials().accessToken != credentials->accessToken);
}

void TestSession::rotatedRefreshTokenIsStoredBeforeRequestsGoOn()
{
    startSandbox(3600, /*rotate=*/true);
    auto client = newClient();
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);
    QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);
    QVERIFY(m_sandbox->revoke());

    // When the replayed request's answer arrives, the keychain must already hold the new one.
    std::optional<QByteArray> storedWhenAnswered;
    UserCall call;
    client->api.currentUser(&call, [&](const Result<CurrentUser>& r) {
        call.result = r;
        client->store.read(sandboxTenant().storageKey(), &call, [&](const auto&, const std::optional<Credentials>& c) {
            storedWhenAnswered = c ? c->refreshToken : QByteArray();
        });
    });
    QTRY_VERIFY_WITH_TIMEOUT(storedWhenAnswered.has_value(), kTimeoutMs);
    QVERIFY2(call.ok(), qPrintable(call.describe()));
    const QByteArray rotated = client->session->credentials().refreshToken;
    QVERIFY(rotated != credentials->refreshToken);
    QCOMPARE(*storedWhenAnswered, rotated);
}

void TestSession::missingQueryParametersKeepTheScope()
{
    // The sandbox always sends queryParameters; a scripted server leaves them out.
    ScriptedHttpServer server;
    QVERIFY(server.listen());
    server.enqueue("GET", QStringLiteral("/admin/user/current"), ScriptedResponse::json(401, R"({"error":"expired"})"));
    server.enqueue("GET",
                   QStringLiteral("/auth/refresh_token"),
                   ScriptedResponse::json(200, R"({"accessToken":"at-2","expiresIn":3600})"));
    server.enqueue("GET", QStringLiteral("/admin/user/current"), ScriptedResponse::json(200, R"({"username":"demo"})"));

    auto client = newClient();
    const auto tenant = Tenant::fromInput(server.url().toString(QUrl::StripTrailingSlash));
    QVERIFY(tenant);
    const Credentials credentials = scriptedSession("at-1", "rt-1");
    client->session->signIn(*tenant, credentials);

    UserCall call;
    call.send(client->api);
    QTRY_VERIFY_WITH_TIMEOUT(call.done(), kTimeoutMs);
    QCOMPARE(client->session->credentials().scope, credentials.scope);
    QCOMPARE(client->session->credentials().refreshToken, QByteArray("rt-1")); // none came back: kept
    QCOMPARE(server.requestCount(), 3);
    const auto requests = server.requests();
    QCOMPARE(requests[1].header("Cookie"), QByteArray("refresh_token=rt-1"));
    QVERIFY(!requests[1].hasHeader("Authorization"));
    QCOMPARE(requests[2].query.queryItemValue(QStringLiteral("githubOwnerId")), QStringLiteral("4242"));
    QCOMPARE(requests[2].header("Authorization"), QByteArray("Bearer at-2"));
}

// The whole loop as a user meets it: signed in, the access token runs out on the server while the
// client still holds it, the next call gets a 401, one real refresh, the call is replayed with the
// new token. The sandbox answers the refresh as the real server does (the token only in
// Set-Cookie) or, with --legacy-refresh-body, in the body; with and without rotation.
void TestSession::expiredTokenIsRenewedFromEitherRefreshShape_data()
{
    QTest::addColumn<bool>("legacyBody");
    QTest::addColumn<bool>("rotate");
    QTest::newRow("cookie (the real server)") << false << false;
    QTest::newRow("cookie, refresh token rotated") << false << true;
    QTest::newRow("legacy body") << true << false;
    QTest::newRow("legacy body, refresh token rotated") << true << true;
}

void TestSession::expiredTokenIsRenewedFromEitherRefreshShape()
{
    QFETCH(bool, legacyBody);
    QFETCH(bool, rotate);
    constexpr int lifetimeSeconds = 2;
    startSandbox(lifetimeSeconds, rotate, legacyBody);
    auto client = newClient();
    auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    // The client believes the token is good for an hour (its clock is behind, say), so no
    // proactive refresh comes first: the server's 401 is what starts the refresh.
    credentials->expiresAt = QDateTime::currentDateTimeUtc().addSecs(3600);
    client->session->signIn(sandboxTenant(), *credentials);
    QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);
    // Expired on the server: of its live access tokens only the configured service token is left.
    QTRY_COMPARE_WITH_TIMEOUT(m_sandbox->server().auth().liveAccessTokens(), 1, lifetimeSeconds * 1000 + kTimeoutMs);
    QVERIFY(m_sandbox->resetLog());

    QSignalSpy refreshed(client->session.get(), &Session::tokenRefreshed);
    QSignalSpy expired(client->session.get(), &Session::sessionExpired);
    UserCall call;
    call.send(client->api);
    QTRY_VERIFY_WITH_TIMEOUT(call.done(), kTimeoutMs);
    QVERIFY2(call.ok(), qPrintable(call.describe()));
    QCOMPARE(refreshed.count(), 1);
    QCOMPARE(expired.count(), 0);

    const Credentials now = client->session->credentials();
    QVERIFY(!now.accessToken.isEmpty());
    QVERIFY(now.accessToken != credentials->accessToken);
    QCOMPARE(now.refreshToken != credentials->refreshToken, rotate); // kept unless a new one came
    QCOMPARE(now.scope, credentials->scope);
    QVERIFY(QDateTime::currentDateTimeUtc().secsTo(now.expiresAt) <= lifetimeSeconds); // the new lifetime

    // The server's side: the 401, one refresh (with the refresh cookie, no bearer), the replay with
    // exactly the token the refresh answer carried.
    const QList<QJsonObject> log = m_sandbox->requestLog();
    QCOMPARE(log.size(), 3);
    QCOMPARE(log.at(0).value(QStringLiteral("path")).toString(), QStringLiteral("/admin/user/current"));
    QCOMPARE(log.at(0).value(QStringLiteral("status")).toInt(), 401);
    QCOMPARE(log.at(0).value(QStringLiteral("tokenHash")).toString(), shortHash(credentials->accessToken));
    QCOMPARE(log.at(1).value(QStringLiteral("path")).toString(), QStringLiteral("/auth/refresh_token"));
    QCOMPARE(log.at(1).value(QStringLiteral("status")).toInt(), 200);
    QVERIFY(log.at(1).value(QStringLiteral("tokenHash")).isNull());
    QCOMPARE(log.at(1).value(QStringLiteral("refreshTokenHash")).toString(), shortHash(credentials->refreshToken));
    QCOMPARE(log.at(2).value(QStringLiteral("path")).toString(), QStringLiteral("/admin/user/current"));
    QCOMPARE(log.at(2).value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(log.at(2).value(QStringLiteral("tokenHash")).toString(), shortHash(now.accessToken));

    // What the keychain holds is what a restart would use: the new tokens.
    std::optional<Credentials> stored;
    client->store.read(sandboxTenant().storageKey(), this, [&](const auto&, const std::optional<Credentials>& c) {
        stored = c.value_or(Credentials());
    });
    QTRY_VERIFY_WITH_TIMEOUT(stored.has_value(), kTimeoutMs);
    QCOMPARE(stored->accessToken, now.accessToken);
    QCOMPARE(stored->refreshToken, now.refreshToken);
}

// A 2xx refresh answer with no access token anywhere (the metadata body without its cookie) is a
// failed refresh the user hears of, not an empty token and not a sign-out: the session, its
// tokens and the keychain entry stay, and the next refresh, answered properly, recovers. The
// sandbox's fault plan cannot script a 200 with a chosen body, so a scripted server answers.
void TestSession::refreshAnswerWithoutTokenKeepsTheSession()
{
    ScriptedHttpServer server;
    QVERIFY(server.listen());
    const QByteArray metadata = R"({"expiresIn":3600,"expiresAt":1748786400,"installationIds":["4242"],)"
                                R"("queryParameters":{"githubOwnerId":"4242"},"isTriaged":true,"isNullifyDev":false})";
    server.enqueue("GET", QStringLiteral("/admin/user/current"), ScriptedResponse::json(401, R"({"error":"expired"})"));
    ScriptedResponse noToken = ScriptedResponse::json(200, metadata);
    noToken.header("Set-Cookie", "access_token=; Max-Age=0; Path=/"); // a deletion is no token either
    server.enqueue("GET", QStringLiteral("/auth/refresh_token"), noToken);
    ScriptedResponse good = ScriptedResponse::json(200, metadata);
    good.header("Set-Cookie", "access_token=at-second-from-cookie; Max-Age=3600; Path=/; Secure; HttpOnly");
    server.enqueue("GET", QStringLiteral("/auth/refresh_token"), good);
    server.enqueue("GET",
                   QStringLiteral("/admin/user/current"),
                   ScriptedResponse::json(
                       200, R"({"username":"demo","userMapping":{"id":"u-1","createdAt":"2025-01-01T00:00:00Z"}})"));

    auto client = newClient();
    const auto tenant = Tenant::fromInput(server.url().toString(QUrl::StripTrailingSlash));
    QVERIFY(tenant);
    const Credentials credentials = scriptedSession("at-first-expired", "rt-long-lived");
    client->session->signIn(*tenant, credentials);
    QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);

    QSignalSpy expired(client->session.get(), &Session::sessionExpired);
    QSignalSpy reauth(&client->manager, &NetworkAccessManager::reauthenticationRequired);
    QSignalSpy refreshed(client->session.get(), &Session::tokenRefreshed);
    UserCall call;
    call.send(client->api);
    QTRY_VERIFY_WITH_TIMEOUT(call.done(), kTimeoutMs);
    QVERIFY(!call.ok());
    QVERIFY2(call.result->error().kind != ApiError::Kind::AuthenticationRequired, qPrintable(call.describe()));
    QVERIFY2(!call.result->error().isFinal(), qPrintable(call.describe()));
    QVERIFY2(call.describe().contains(QStringLiteral("no access token")), qPrintable(call.describe()));
    QCOMPARE(client->session->state(), Session::State::SignedIn);
    QCOMPARE(client->session->credentials().accessToken, credentials.accessToken);
    QCOMPARE(client->session->credentials().refreshToken, credentials.refreshToken);
    QCOMPARE(expired.count(), 0);
    QCOMPARE(reauth.count(), 0);
    std::optional<Credentials> stored;
    client->store.read(tenant->storageKey(), this, [&](const auto&, const std::optional<Credentials>& c) {
        stored = c.value_or(Credentials());
    });
    QTRY_VERIFY_WITH_TIMEOUT(stored.has_value(), kTimeoutMs);
    QCOMPARE(stored->refreshToken, credentials.refreshToken); // still signed in after a restart too

    // The session's own backoff asks again; this answer carries the token, and calls work again.
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.count(), 1, kTimeoutMs);
    QCOMPARE(client->session->credentials().accessToken, QByteArray("at-second-from-cookie"));
    UserCall next;
    next.send(client->api);
    QTRY_VERIFY_WITH_TIMEOUT(next.done(), kTimeoutMs);
    QVERIFY2(next.ok(), qPrintable(next.describe()));
    const auto requests = server.requests();
    QCOMPARE(requests.size(), 4);
    QCOMPARE(requests.at(2).header("Cookie"), QByteArray("refresh_token=rt-long-lived"));
    QCOMPARE(requests.at(3).header("Authorization"), QByteArray("Bearer at-second-from-cookie"));
    QCOMPARE(expired.count(), 0);
}

void TestSession::refreshServerErrorKeepsTheSession()
{
    startSandbox();
    auto client = newClient();
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);
    QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);
    QVERIFY2(m_sandbox->addFaults({FaultRule::on("GET", "/auth/refresh_token").status(503).times(100)}),
             qPrintable(m_sandbox->lastError()));
    QVERIFY(m_sandbox->revoke());

    QSignalSpy expired(client->session.get(), &Session::sessionExpired);
    UserCall call;
    call.send(client->api);
    QTRY_VERIFY_WITH_TIMEOUT(call.done(), kTimeoutMs);
    QVERIFY(!call.ok());
    QVERIFY2(call.result->error().kind != ApiError::Kind::AuthenticationRequired, qPrintable(call.describe()));
    QVERIFY2(!call.result->error().isFinal(), qPrintable(call.describe())); // retryable, not a sign-out
    QCOMPARE(client->session->state(), Session::State::SignedIn);
    QCOMPARE(client->session->credentials().refreshToken, credentials->refreshToken);
    QCOMPARE(expired.count(), 0);

    // The server recovers; the session's own backoff retries and the next request just works.
    QVERIFY(m_sandbox->clearFaults());
    QSignalSpy refreshed(client->session.get(), &Session::tokenRefreshed);
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.count(), 1, kTimeoutMs);
    QString error;
    QVERIFY2(allSucceed(*client, 1, &error), qPrintable(error));
}

void TestSession::rejectedRefreshEndsTheSessionOnce()
{
    startSandbox();
    auto client = newClient();
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);
    QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);
    QVERIFY(m_sandbox->resetLog());
    QVERIFY(m_sandbox->revoke({}, /*refreshTokensToo=*/true));

    QSignalSpy expired(client->session.get(), &Session::sessionExpired);
    QSignalSpy reauth(&client->manager, &NetworkAccessManager::reauthenticationRequired);
    std::vector<std::unique_ptr<UserCall>> calls;
    for (int i = 0; i < 20; ++i) {
        calls.push_back(std::make_unique<UserCall>());
        calls.back()->send(client->api);
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(calls.begin(), calls.end(), [](const auto& c) { return c->done(); }),
                             kTimeoutMs);
    for (const auto& call : calls) {
        QVERIFY(!call->ok());
        QCOMPARE(call->result->error().kind, ApiError::Kind::AuthenticationRequired);
    }
    QCOMPARE(expired.count(), 1);
    QCOMPARE(reauth.count(), 1);
    QCOMPARE(client->session->state(), Session::State::SignedOut);
    QCOMPARE(refreshCalls(), 1); // the keychain held nothing newer, so no second try

    // Signed out cleanly: the keychain entry is gone.
    std::optional<CredentialStore::Status> status;
    client->store.read(
        sandboxTenant().storageKey(), this, [&](const auto& outcome, const auto&) { status = outcome.status; });
    QTRY_VERIFY_WITH_TIMEOUT(status.has_value(), kTimeoutMs);
    QCOMPARE(*status, CredentialStore::Status::NotFound);
}

void TestSession::newerRefreshTokenFromAnotherInstanceIsTried()
{
    startSandbox(3600, /*rotate=*/true);
    auto first = newClient();
    const auto credentials = browserSignIn(*first);
    QVERIFY(credentials);
    first->session->signIn(sandboxTenant(), *credentials);
    QTRY_VERIFY_WITH_TIMEOUT(first->session->isPersisted(), kTimeoutMs);

    // A second instance restores the same session and refreshes it: the refresh token rotates,
    // the first instance's copy is spent, the keychain holds the new one.
    auto second = newClient();
    second->session->restore(sandboxTenant());
    QTRY_COMPARE_WITH_TIMEOUT(second->session->state(), Session::State::SignedIn, kTimeoutMs);
    QSignalSpy secondRefreshed(second->session.get(), &Session::tokenRefreshed);
    second->session->refreshAccessToken();
    QTRY_COMPARE_WITH_TIMEOUT(secondRefreshed.count(), 1, kTimeoutMs);

    // The first instance's token is revoked; its refresh token is dead, the keychain's is not.
    QVERIFY(m_sandbox->revoke());
    QVERIFY(m_sandbox->resetLog());
    QSignalSpy expired(first->session.get(), &Session::sessionExpired);
    QString error;
    QVERIFY2(allSucceed(*first, 5, &error), qPrintable(error));
    QCOMPARE(expired.count(), 0);
    QCOMPARE(refreshCalls(), 2); // the dead one, then the keychain's
    QCOMPARE(first->session->state(), Session::State::SignedIn);
}

void TestSession::proactiveRefreshHappensBeforeExpiry()
{
    startSandbox(/*tokenLifetimeSeconds=*/3);
    auto client = newClient();
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);
    QVERIFY(m_sandbox->resetLog());

    // 6 s of steady use with 3 s tokens: renewed ahead of time, never seen expired, and no loop
    // (a refresh about every 2.3 s: two or three, not dozens).
    QSignalSpy refreshed(client->session.get(), &Session::tokenRefreshed);
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 6000) {
        QString error;
        QVERIFY2(allSucceed(*client, 1, &error), qPrintable(error));
        QTest::qWait(200); // pacing, not a proof: steady use, a call every 200 ms for 6 s
    }
    QVERIFY2(refreshed.count() >= 2 && refreshed.count() <= 4, qPrintable(QString::number(refreshed.count())));
    const auto log = m_sandbox->requestLog();
    for (const QJsonObject& entry : log)
        QVERIFY2(entry.value(QStringLiteral("status")).toInt() != 401, "a request met an expired token");
}

void TestSession::wallClockJumpRefreshesAtOnce()
{
    startSandbox(/*tokenLifetimeSeconds=*/3600);
    auto client = newClient();
    Session::Timing timing;
    timing.wallClockCheckInterval = 100ms;
    client->session->setTiming(timing);
    qint64 skewSeconds = 0;
    client->session->setWallClock([&skewSeconds] { return QDateTime::currentDateTimeUtc().addSecs(skewSeconds); });
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);

    // The machine "sleeps" for 59 minutes 50 seconds: monotonic timers stood still, the token has
    // 10 s left. The session notices at its next check and renews at once, not in ~58 minutes.
    QSignalSpy refreshed(client->session.get(), &Session::tokenRefreshed);
    QTest::qWait(300); // negative: three wall-clock checks (100 ms apart) without a jump renew nothing
    QCOMPARE(refreshed.count(), 0);
    skewSeconds = 3590;
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.count(), 1, 5000);
    QVERIFY(client->session->credentials().accessToken != credentials->accessToken);
}

void TestSession::rejectedServiceTokenIsSaidOnce()
{
    startSandbox();
    auto client = newClient();
    const auto user = browserSignIn(*client); // only to learn the tenant's scope
    QVERIFY(user);
    Credentials credentials;
    credentials.kind = Credentials::Kind::ServiceAccount;
    credentials.accessToken = "nsbx_service_token_for_tests";
    credentials.scope = user->scope;
    client->session->signIn(sandboxTenant(), credentials);
    QString error;
    QVERIFY2(allSucceed(*client, 1, &error), qPrintable(error));

    QVERIFY(m_sandbox->revoke(QStringLiteral("service:1")));
    QVERIFY(m_sandbox->resetLog());
    QSignalSpy expired(client->session.get(), &Session::sessionExpired);
    QVERIFY(!allSucceed(*client, 10, &error));
    QCOMPARE(expired.count(), 1);
    QVERIFY2(expired.first().first().toString().contains(QStringLiteral("service token")),
             qPrintable(expired.first().first().toString()));
    QCOMPARE(refreshCalls(), 0);
}

void TestSession::signOutRemovesTheKeychainEntry()
{
    startSandbox();
    auto client = newClient();
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);
    QTRY_VERIFY_WITH_TIMEOUT(client->session->isPersisted(), kTimeoutMs);

    QSignalSpy signedOut(client->session.get(), &Session::signedOut);
    client->session->signOut();
    QCOMPARE(signedOut.count(), 1);
    QCOMPARE(client->session->state(), Session::State::SignedOut);
    QVERIFY(client->session->accessToken().isEmpty());

    auto restarted = newClient();
    restarted->session->restore(sandboxTenant());
    QTRY_COMPARE_WITH_TIMEOUT(restarted->session->state(), Session::State::SignedOut, kTimeoutMs);
}

void TestSession::keychainUnavailableKeepsTheSessionForThisRun()
{
    if (keychainExpected())
        // Not an environment skip: this case needs no keychain at all, so it runs only in the
        // tst_session_nokeychain entry (the tst_session entry covers the rest).
        QSKIP("runs in the CTest entry without a D-Bus session (tst_session_nokeychain)");
    // CTest points HOME at a folder of the build tree; start it empty so the scan below means something.
    const QString home = QDir::homePath();
    QVERIFY2(home.endsWith(QLatin1String("nokeychain-home")), qPrintable(home));
    QDir(home).removeRecursively();
    QVERIFY(QDir().mkpath(home));
    startSandbox();
    auto client = newClient();
    QSignalSpy problem(client->session.get(), &Session::storageProblem);
    const auto credentials = browserSignIn(*client);
    QVERIFY(credentials);
    client->session->signIn(sandboxTenant(), *credentials);
    QTRY_COMPARE_WITH_TIMEOUT(problem.count(), 1, kTimeoutMs);
    QVERIFY(!problem.first().first().toString().isEmpty());
    QVERIFY(!client->session->isPersisted());
    QString error;
    QVERIFY2(allSucceed(*client, 3, &error), qPrintable(error)); // the session works for this run

    // A revocation still recovers; the failed save is not said again.
    QVERIFY(m_sandbox->revoke());
    QVERIFY2(allSucceed(*client, 3, &error), qPrintable(error));
    QCOMPARE(problem.count(), 1);

    // Nothing was written anywhere instead (no plaintext fallback).
    QVERIFY2(filesContaining(QDir::homePath(), credentials->refreshToken).isEmpty(), "refresh token on disk");
    QVERIFY2(filesContaining(QDir::homePath(), client->session->credentials().accessToken).isEmpty(),
             "access token on disk");

    // A restart finds nothing, after asking the keychain twice; it says why.
    auto restarted = newClient();
    QSignalSpy restartedProblem(restarted->session.get(), &Session::storageProblem);
    restarted->session->restore(sandboxTenant());
    QTRY_COMPARE_WITH_TIMEOUT(restarted->session->state(), Session::State::SignedOut, kTimeoutMs);
    QCOMPARE(restartedProblem.count(), 1);
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
