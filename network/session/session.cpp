#include "session.h"

#include "apiclient.h"
#include "logging.h"
#include "networkaccessmanager.h"
#include "secretscrubber.h"

#include <QMetaEnum>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTimer>
#include <QTimerEvent>

#include <algorithm>
#include <limits>

namespace nullify::session {

using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// Earlier than due by up to a quarter of the lead: many app instances signed in at the same
// moment (a team after an outage) should not refresh in the same second.
milliseconds withJitter(milliseconds lead)
{
    const auto extra = static_cast<qint64>(QRandomGenerator::global()->bounded(qint64(lead.count() / 4 + 1)));
    return lead + milliseconds(extra);
}

// A token that lives less than this is refreshed no sooner than this after it was issued, so
// a server handing out absurdly short tokens cannot make the app refresh in a tight loop.
constexpr milliseconds minimumRefreshInterval = 1s;

// QBasicTimer takes int milliseconds in Qt 6.4.
int timerInterval(milliseconds interval)
{
    return static_cast<int>(std::clamp<qint64>(interval.count(), 0, std::numeric_limits<int>::max()));
}

} // namespace

Session::Session(NetworkAccessManager* manager, api::ApiClient* api, CredentialStore* store, QObject* parent)
    : AccessTokenProvider(parent)
    , m_manager(manager)
    , m_api(api)
    , m_store(store)
{ }

Session::~Session()
{
    stopWork();
    if (m_manager && m_manager->tokenProvider() == this)
        m_manager->setTokenProvider(nullptr);
}

milliseconds Session::refreshLead(milliseconds lifetime)
{
    return std::min<milliseconds>(120s, lifetime / 5);
}

QByteArray Session::accessToken() const
{
    return m_state == State::SignedIn ? m_credentials.accessToken : QByteArray();
}

// --- Signing in, restoring, signing out ---------------------------------------------------------

void Session::applyTenant(const Tenant& tenant)
{
    m_tenant = tenant;
    delete m_auth;
    m_auth = new AuthApi(m_manager, tenant.apiBase, this);
    if (m_manager) {
        m_manager->setApiOrigin(tenant.apiBase);
        m_manager->setTokenProvider(this);
    }
    if (m_api) {
        m_api->setBaseUrl(tenant.apiBase);
        m_api->setScope({});
    }
}

void Session::adopt(const Credentials& credentials)
{
    const QDateTime now = m_wallClock();
    setCredentials(credentials);
    const std::optional<qint64> left = credentials.secondsLeft(now);
    // For a token read back from the keychain, what is left is the best estimate of its lifetime.
    m_tokenLifetime = left && *left > 0 ? milliseconds(*left * 1000) : 0ms;
    if (m_api)
        m_api->setScope(credentials.scope);
    m_expiredSaid = false;
    m_triedStoredRefreshToken = false;
    m_passingFailures = 0;
    setState(State::SignedIn);
    m_lastWallClock = now;
    m_sinceWallClockCheck.start();
    m_wallClockTimer.start(timerInterval(m_timing.wallClockCheckInterval), this);
    scheduleProactiveRefresh();
}

// Every change of the tokens passes here: the ones held are registered with the SecretScrubber
// (so no log line or message can show them) for exactly as long as they are held.
void Session::setCredentials(const Credentials& credentials)
{
    // The new ones are registered before the old ones are let go: a token both hold (the refresh
    // token across a refresh) stays registered throughout.
    SecretScrubber::Registration next(credentials.secrets());
    m_credentials = credentials;
    m_registeredSecrets = std::move(next);
}

void Session::stopWork()
{
    m_proactiveTimer.stop();
    m_retryTimer.stop();
    m_wallClockTimer.stop();
    m_refreshing = false;
    if (m_refreshReply) {
        QNetworkReply* reply = m_refreshReply;
        m_refreshReply = nullptr;
        reply->abort(); // its callback still runs, and finds no refresh in flight
    }
}

void Session::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCInfo(lcSession).noquote() << "session" << QMetaEnum::fromType<State>().valueToKey(int(state)) << "for"
                                << m_tenant.name;
    emit stateChanged(state);
}

void Session::restore(const Tenant& tenant)
{
    stopWork();
    applyTenant(tenant);
    setCredentials({});
    m_persisted = false;
    m_storageProblemSaid = false;
    m_restoreRetried = false;
    setState(State::Restoring);
    readStored();
}

void Session::readStored()
{
    if (!m_store) {
        onStoredRead({CredentialStore::Status::Unavailable, tr("No keychain is configured.")}, std::nullopt);
        return;
    }
    m_store->read(m_tenant.storageKey(), this, [this](const auto& outcome, const auto& stored) {
        onStoredRead(outcome, stored);
    });
}

void Session::onStoredRead(const CredentialStore::Outcome& outcome, const std::optional<Credentials>& stored)
{
    if (m_state != State::Restoring)
        return; // a sign-in or sign-out overtook the read
    if (outcome.ok() && stored && !stored->isEmpty()) {
        qCInfo(lcSession) << "restored the session from the keychain";
        m_persisted = true;
        adopt(*stored);
        emit signedIn(m_tenant);
        return;
    }
    const bool notReady
        = outcome.status == CredentialStore::Status::Unavailable || outcome.status == CredentialStore::Status::Denied;
    if (notReady && !m_restoreRetried) {
        // At login the keychain daemon may start after the app: ask once more a little later.
        qCInfo(lcSession) << "keychain not ready:" << CredentialStore::statusName(outcome.status)
                          << "- asking again shortly";
        qCDebug(lcSession) << "keychain not ready:" << outcome.message;
        m_restoreRetried = true;
        m_retryTimer.start(timerInterval(m_timing.keychainRetryDelay), this);
        return;
    }
    if (!outcome.ok() && outcome.status != CredentialStore::Status::NotFound)
        emit storageProblem(outcome.message);
    setState(State::SignedOut);
}

void Session::signIn(const Tenant& tenant, const Credentials& credentials)
{
    stopWork();
    applyTenant(tenant);
    m_persisted = false;
    m_storageProblemSaid = false;
    adopt(credentials);
    qCInfo(lcSession) << "signed in to" << tenant.name
                      << (credentials.kind == Credentials::Kind::ServiceAccount ? "with a service token" : "");
    emit signedIn(tenant);
    persist(nullptr);
}

void Session::signOut()
{
    const QString key = m_tenant.storageKey();
    const bool refreshWasWaiting = m_refreshing;
    stopWork();
    setCredentials({});
    m_persisted = false;
    if (m_api)
        m_api->setScope({});
    setState(State::SignedOut);
    if (refreshWasWaiting)
        emit refreshFailed(tr("You signed out."), true);
    emit signedOut();
    if (m_store && !key.isEmpty()) {
        m_store->remove(key, this, [this](const CredentialStore::Outcome& outcome) {
            if (!outcome.ok())
                emit storageProblem(
                    tr("Signed out, but the keychain entry could not be removed: %1").arg(outcome.message));
        });
    }
}

void Session::persist(std::function<void()> then)
{
    const auto finish = [this, then = std::move(then)](const CredentialStore::Outcome& outcome) {
        m_persisted = outcome.ok();
        if (!outcome.ok() && !m_storageProblemSaid) {
            // The session goes on from memory; there is no other place the secret may go.
            m_storageProblemSaid = true;
            qCWarning(lcSession) << "credentials kept for this run only: the keychain answered"
                                 << CredentialStore::statusName(outcome.status);
            qCDebug(lcSession) << "credentials kept for this run only:" << outcome.message;
            emit storageProblem(outcome.message);
        }
        if (then)
            then();
    };
    if (!m_store) {
        finish({CredentialStore::Status::Unavailable, tr("No keychain is configured.")});
        return;
    }
    m_store->write(m_tenant.storageKey(), m_credentials, this, finish);
}

// --- Renewing -------------------------------------------------------------------------------------

void Session::refreshAccessToken()
{
    if (m_state != State::SignedIn) {
        // Answered from the event loop, like every other refresh outcome.
        QTimer::singleShot(0, this, [this] { emit refreshFailed(tr("You are not signed in."), true); });
        return;
    }
    if (!m_credentials.canRefresh()) {
        QTimer::singleShot(0, this, [this] {
            if (m_state == State::SignedIn)
                endSession(expiredMessage());
            else
                emit refreshFailed(tr("You are not signed in."), true);
        });
        return;
    }
    if (m_refreshing)
        return; // a proactive refresh is already under way: its outcome answers this one too
    startRefresh();
}

void Session::startRefresh()
{
    m_proactiveTimer.stop();
    m_retryTimer.stop();
    m_refreshing = true;
    m_triedStoredRefreshToken = false;
    sendRefresh();
}

void Session::sendRefresh()
{
    qCInfo(lcSession) << "refreshing the access token";
    m_refreshReply
        = m_auth->refresh(m_credentials.refreshToken, this, [this](const auto& result) { onRefreshAnswer(result); });
}

void Session::onRefreshAnswer(const api::Result<RefreshAnswer>& result)
{
    m_refreshReply = nullptr;
    if (!m_refreshing)
        return; // signed out or superseded meanwhile
    if (!result) {
        const api::ApiError& error = result.error();
        // Only the server refusing the refresh token ends the session. A 2xx it could not be read
        // from (no access token in the body nor in a cookie: Decoding) says nothing about the
        // session, like a 5xx: keep it, let the waiting calls fail, and try again later.
        const bool rejected = error.kind == api::ApiError::Kind::AuthenticationRequired
            || (error.kind == api::ApiError::Kind::Http && (error.httpStatus == 401 || error.httpStatus == 400));
        if (rejected)
            onRefreshRejected(error);
        else
            onRefreshPassingFailure(error);
        return;
    }

    const RefreshAnswer& answer = result.value();
    const QDateTime now = m_wallClock();
    Credentials renewed = m_credentials;
    renewed.accessToken = answer.accessToken;
    renewed.expiresAt = answer.expiresInSeconds > 0 ? now.addSecs(answer.expiresInSeconds) : QDateTime();
    m_tokenLifetime = milliseconds(std::max<qint64>(answer.expiresInSeconds, 0) * 1000);
    if (answer.refreshToken)
        renewed.refreshToken = *answer.refreshToken; // rotated: the old one may be dead now
    if (answer.scope) {
        renewed.scope = *answer.scope;
        if (m_api)
            m_api->setScope(renewed.scope);
    } // no queryParameters: keep the old scope (the CLI wipes it; that is its bug)
    setCredentials(renewed);
    m_passingFailures = 0;
    if (answer.expiresInSeconds > 0)
        qCInfo(lcSession) << "access token refreshed; valid for" << answer.expiresInSeconds << "s"
                          << (answer.refreshToken ? "(refresh token rotated)" : "");
    else
        qCInfo(lcSession) << "access token refreshed; the server did not say for how long (renewed after a 401)"
                          << (answer.refreshToken ? "(refresh token rotated)" : "");

    // A rotated refresh token must be in the keychain before any waiting request goes on: if the
    // app died right after, the next start would hold only the dead one.
    persist([this] {
        if (m_state != State::SignedIn || !m_refreshing)
            return;
        m_refreshing = false;
        scheduleProactiveRefresh();
        emit tokenRefreshed();
        emit refreshSucceeded();
    });
}

void Session::onRefreshRejected(const api::ApiError& error)
{
    // The server's words may echo the refresh token's cookie: debug only.
    qCWarning(lcSession).noquote() << "the refresh token was rejected:" << error.summary();
    qCDebug(lcSession).noquote() << "the refresh token was rejected; the server said:" << error.message;
    if (m_triedStoredRefreshToken || !m_store) {
        endSession(expiredMessage());
        return;
    }
    // Another running instance may have rotated the refresh token and stored the new one: the one
    // we hold is then dead, but the session is not.
    m_triedStoredRefreshToken = true;
    m_store->read(m_tenant.storageKey(), this, [this](const auto& outcome, const std::optional<Credentials>& stored) {
        if (m_state != State::SignedIn || !m_refreshing)
            return;
        if (outcome.ok() && stored && stored->canRefresh() && stored->refreshToken != m_credentials.refreshToken) {
            qCInfo(lcSession) << "the keychain holds a newer refresh token; trying it once";
            Credentials newer = m_credentials;
            newer.refreshToken = stored->refreshToken;
            setCredentials(newer);
            sendRefresh();
            return;
        }
        endSession(expiredMessage());
    });
}

void Session::onRefreshPassingFailure(const api::ApiError& error)
{
    // No answer, a timeout or a 5xx says nothing about the session: keep it and the tokens.
    m_refreshing = false;
    ++m_passingFailures;
    const int exponent = std::min(m_passingFailures - 1, 16);
    const milliseconds base
        = std::min<milliseconds>(m_timing.refreshRetryMax, m_timing.refreshRetryMin * (qint64(1) << exponent));
    const milliseconds delay
        = base / 2 + milliseconds(QRandomGenerator::global()->bounded(qint64(base.count() / 2 + 1)));
    qCWarning(lcSession).noquote() << "token refresh failed for now:" << error.summary() << "- trying again in"
                                   << delay.count() << "ms";
    qCDebug(lcSession).noquote() << "token refresh failed for now:" << error.toString();
    m_retryTimer.start(timerInterval(delay), this);
    emit refreshFailed(tr("Could not renew the session: %1").arg(error.toString()), false);
}

void Session::endSession(const QString& reason)
{
    const QString key = m_tenant.storageKey();
    stopWork();
    // The token is cleared before the coordinator hears of it: a 401 that trails in for the old
    // token then finds the session already ended instead of asking for another refresh.
    setCredentials({});
    m_persisted = false;
    setState(State::SignedOut);
    emit refreshFailed(reason, true);
    if (!m_expiredSaid) {
        m_expiredSaid = true;
        qCWarning(lcSession) << "session ended:" << reason;
        emit sessionExpired(reason);
    }
    if (m_store && !key.isEmpty())
        m_store->remove(key, this, [](const CredentialStore::Outcome&) {});
}

QString Session::expiredMessage() const
{
    if (m_credentials.kind == Credentials::Kind::ServiceAccount)
        return tr("%1 rejected the service token. Paste a new one to go on.").arg(m_tenant.name);
    return tr("Your session with %1 has expired. Sign in again to go on.").arg(m_tenant.name);
}

void Session::scheduleProactiveRefresh()
{
    m_proactiveTimer.stop();
    if (m_state != State::SignedIn || !m_credentials.canRefresh() || !m_credentials.expiresAt.isValid())
        return;
    const QDateTime now = m_wallClock();
    const milliseconds left(now.msecsTo(m_credentials.expiresAt));
    const milliseconds lifetime = m_tokenLifetime > 0ms ? m_tokenLifetime : std::max(left, 0ms);
    const milliseconds due = left - withJitter(refreshLead(lifetime));
    const milliseconds floor = std::min(minimumRefreshInterval, std::max(left, 0ms));
    const milliseconds delay = std::max(due, floor);
    qCDebug(lcSession) << "next proactive refresh in" << delay.count() << "ms; token expires in" << left.count()
                       << "ms";
    m_proactiveTimer.start(timerInterval(delay), this);
}

void Session::checkWallClock()
{
    const QDateTime now = m_wallClock();
    const qint64 wallElapsed = m_lastWallClock.msecsTo(now);
    const qint64 monotonicElapsed = m_sinceWallClockCheck.restart();
    m_lastWallClock = now;
    // Timers stand still while the machine sleeps; the wall clock does not. After a jump the token
    // may be close to expiry (or past it) although the proactive timer has not fired.
    if (std::abs(wallElapsed - monotonicElapsed) < m_timing.wallClockJumpThreshold.count())
        return;
    qCInfo(lcSession) << "the wall clock moved" << (wallElapsed - monotonicElapsed)
                      << "ms against the monotonic clock (sleep or clock change); re-checking expiry";
    if (!m_refreshing)
        scheduleProactiveRefresh();
}

void Session::timerEvent(QTimerEvent* event)
{
    if (event->timerId() == m_proactiveTimer.timerId()) {
        m_proactiveTimer.stop();
        if (!m_refreshing && m_state == State::SignedIn)
            startRefresh();
    } else if (event->timerId() == m_retryTimer.timerId()) {
        m_retryTimer.stop();
        if (m_state == State::Restoring)
            readStored();
        else if (!m_refreshing && m_state == State::SignedIn)
            startRefresh();
    } else if (event->timerId() == m_wallClockTimer.timerId()) {
        checkWallClock();
    } else {
        AccessTokenProvider::timerEvent(event);
    }
}

} // namespace nullify::session
