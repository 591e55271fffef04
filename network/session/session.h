#pragma once

#include "accesstokenprovider.h"
#include "authapi.h"
#include "credentials.h"
#include "credentialstore.h"
#include "secretscrubber.h"
#include "tenant.h"

#include <QBasicTimer>
#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <functional>

class QNetworkReply;

namespace nullify::session {

// The signed-in session for one tenant, and the network core's token provider.
//
// - Owns the tenant wiring: the manager's API origin and token provider, the API client's base
//   URL and scope (the token's query parameters, on every call).
// - Keeps the credentials in the keychain (CredentialStore) and restores them at start-up; when
//   the keychain cannot take them, the session still works for this run and says so once.
// - Renews the access token before it expires (the smaller of 120 s and 20% of its lifetime,
//   with jitter), re-checks after a wall-clock jump (the machine slept), and on a 401 makes one
//   real GET /auth/refresh_token (the manager's coordinator guarantees single flight).
// - Classifies refresh failures: 401/400 first re-reads the keychain (another instance may have
//   rotated the refresh token) and retries once with a newer one, then ends the session with one
//   sessionExpired(); a 5xx, timeout, no network or a 2xx without an access token (AuthApi's
//   decoding error) keeps everything and tries again later.
class Session : public AccessTokenProvider
{
    Q_OBJECT

public:
    enum class State { SignedOut, Restoring, SignedIn };
    Q_ENUM(State)

    struct Timing
    {
        std::chrono::milliseconds keychainRetryDelay {3000}; // a keychain not ready at login
        std::chrono::milliseconds wallClockCheckInterval {30000}; // how often sleep is detected
        std::chrono::milliseconds wallClockJumpThreshold {10000}; // wall vs monotonic drift = slept
        std::chrono::milliseconds refreshRetryMin {5000}; // backoff after a passing refresh failure
        std::chrono::milliseconds refreshRetryMax {300000};
    };

    Session(NetworkAccessManager* manager, api::ApiClient* api, CredentialStore* store, QObject* parent = nullptr);
    ~Session() override;

    void setTiming(const Timing& timing) { m_timing = timing; }

    // The wall clock that token expiry is measured on; a test moves it to play a machine that slept.
    using WallClock = std::function<QDateTime()>;
    void setWallClock(WallClock clock) { m_wallClock = std::move(clock); }

    State state() const { return m_state; }
    Tenant tenant() const { return m_tenant; }
    // A copy for display and tests; the tokens stay inside the app.
    Credentials credentials() const { return m_credentials; }
    bool isServiceAccount() const { return m_credentials.kind == Credentials::Kind::ServiceAccount; }
    // False when the keychain refused the credentials: they live only until the app quits.
    bool isPersisted() const { return m_persisted; }

    // Reads the tenant's keychain entry: SignedIn when found (refreshing at once when due),
    // SignedOut otherwise. A keychain that is not ready is asked once more after a few seconds.
    // While Restoring there is no token: callers wait for signedIn() before sending requests.
    void restore(const Tenant& tenant);

    // Adopts the result of a sign-in (browser, service token, CLI import) and stores it.
    void signIn(const Tenant& tenant, const Credentials& credentials);

    // Forgets the session and removes everything this tenant stored in the keychain.
    void signOut();

    // When the proactive refresh is due for a token of `lifetime`, counted back from its expiry:
    // min(120 s, 20% of lifetime), before jitter. Public for the tests.
    static std::chrono::milliseconds refreshLead(std::chrono::milliseconds lifetime);

    // AccessTokenProvider
    QByteArray accessToken() const override;
    void refreshAccessToken() override;

signals:
    void stateChanged(nullify::session::Session::State state);
    void signedIn(const nullify::session::Tenant& tenant);
    void signedOut();
    // Once per ended session, however many requests were waiting: the user must sign in again.
    // For a service token: "this token was rejected, paste a new one".
    void sessionExpired(const QString& reason);
    // The keychain could not store or read the credentials; the session goes on for this run.
    void storageProblem(const QString& message);
    void tokenRefreshed(); // after a successful refresh is stored (proactive or after a 401)

protected:
    void timerEvent(QTimerEvent* event) override;

private:
    void applyTenant(const Tenant& tenant);
    void adopt(const Credentials& credentials);
    void setCredentials(const Credentials& credentials);
    void stopWork();
    void setState(State state);
    void readStored();
    void onStoredRead(const CredentialStore::Outcome& outcome, const std::optional<Credentials>& stored);
    void persist(std::function<void()> then);
    void startRefresh();
    void sendRefresh();
    void onRefreshAnswer(const api::Result<RefreshAnswer>& result);
    void onRefreshRejected(const api::ApiError& error);
    void onRefreshPassingFailure(const api::ApiError& error);
    void endSession(const QString& reason);
    void scheduleProactiveRefresh();
    void checkWallClock();
    QString expiredMessage() const;

    QPointer<NetworkAccessManager> m_manager;
    QPointer<api::ApiClient> m_api;
    QPointer<CredentialStore> m_store;
    AuthApi* m_auth = nullptr; // for the current tenant
    Timing m_timing;
    WallClock m_wallClock = [] { return QDateTime::currentDateTimeUtc(); };

    State m_state = State::SignedOut;
    Tenant m_tenant;
    Credentials m_credentials; // changed only through setCredentials()
    SecretScrubber::Registration m_registeredSecrets; // m_credentials' tokens, while they are held
    std::chrono::milliseconds m_tokenLifetime {0}; // of the current access token, when known
    bool m_persisted = false;
    bool m_storageProblemSaid = false; // storageProblem() once per session, not once per refresh
    bool m_restoreRetried = false;

    QPointer<QNetworkReply> m_refreshReply;
    bool m_refreshing = false;
    bool m_triedStoredRefreshToken = false; // the one retry with a keychain-rotated refresh token
    bool m_expiredSaid = false;
    int m_passingFailures = 0;

    QBasicTimer m_proactiveTimer; // the proactive refresh is due
    QBasicTimer m_retryTimer; // a passing refresh failure's backoff, or the keychain at start-up
    QBasicTimer m_wallClockTimer; // compares the wall clock with the monotonic one (sleep)
    QDateTime m_lastWallClock;
    QElapsedTimer m_sinceWallClockCheck;
};

} // namespace nullify::session
