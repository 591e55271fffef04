#include "appcontroller.h"

#include "apiclient.h"
#include "appsettings.h"
#include "autofixview.h"
#include "connectionstate.h"
#include "findingsview.h"
#include "loglevel.h"
#include "mainwindow.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "overviewview.h"
#include "repositoriesview.h"
#include "requesttracker.h"
#include "scansview.h"
#include "signinwindow.h"
#include "traynotifier.h"

#include <QApplication>
#include <QLoggingCategory>
#include <QWidget>

namespace nullify::app {

namespace {

Q_LOGGING_CATEGORY(lcController, "nullify.app.controller", QtInfoMsg)

// The summary counts repositories page by page; a tenant with more than this many pages is
// shown as "at least". Issue 5's repository list replaces this count.
constexpr int kRepositoryPageSize = 100;
constexpr int kMaxRepositoryPages = 20;

// An API failure in words, for the summary line.
QString describe(const api::ApiError& error)
{
    using Kind = api::ApiError::Kind;
    switch (error.kind) {
    case Kind::Network:
        return AppController::tr("the server could not be reached (%1).").arg(error.message);
    case Kind::TimedOut:
        return AppController::tr("the server took too long to answer.");
    case Kind::AuthenticationRequired:
        return AppController::tr("you need to sign in again.");
    default:
        return error.message.isEmpty() ? error.toString() : error.message;
    }
}

} // namespace

AppController::AppController(QObject* parent)
    : AppController(Options(), parent)
{ }

AppController::AppController(const Options& options, QObject* parent)
    : QObject(parent)
    , m_options(options)
    , m_settings(std::make_unique<ui::AppSettings>())
    , m_manager(std::make_unique<NetworkAccessManager>())
    , m_tracker(std::make_unique<ui::RequestTracker>(m_manager.get()))
    , m_connection(std::make_unique<ui::ConnectionState>(m_tracker.get()))
    , m_client(std::make_unique<api::ApiClient>(m_manager.get()))
    , m_api(std::make_unique<api::NullifyApi>(m_client.get()))
    , m_store(std::make_unique<session::CredentialStore>(options.keychainService))
    , m_session(std::make_unique<session::Session>(m_manager.get(), m_client.get(), m_store.get()))
    , m_signInWindow(std::make_unique<ui::SignInWindow>(m_manager.get()))
    , m_mainWindow(std::make_unique<MainWindow>(m_settings.get()))
    , m_tray(std::make_unique<ui::TrayNotifier>(m_settings.get()))
{
    m_manager->setRetryPolicy(m_settings->applyTo(m_manager->retryPolicy()));
    // --log-level was applied by main() and wins for this run; "default" leaves the rules as they
    // are (QT_LOGGING_RULES, or whatever the embedding program set).
    if (options.logLevelOverride.isEmpty() && m_settings->logLevel() != QLatin1String("default"))
        ui::applyLogLevel(m_settings->logLevel());
    connect(m_settings.get(), &ui::AppSettings::changed, this, [this](ui::AppSettings::Key key) {
        onSettingChanged(int(key));
    });

    m_connection->setSignedIn(false);
    m_mainWindow->setConnectionState(m_connection.get());
    connect(m_mainWindow.get(), &MainWindow::signInRequested, this, &AppController::showSignInWindow);
    connect(m_mainWindow.get(), &MainWindow::quitRequested, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    connect(m_mainWindow.get(), &MainWindow::notificationRequested, m_tray.get(), &ui::TrayNotifier::notify);
    connect(m_tray.get(), &ui::TrayNotifier::quitRequested, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    connect(m_tray.get(), &ui::TrayNotifier::showRequested, this, [this] {
        QWidget* window = m_mainWindow->isVisible() || m_phase == Phase::SignedIn
            ? static_cast<QWidget*>(m_mainWindow.get())
            : static_cast<QWidget*>(m_signInWindow.get());
        window->showNormal();
        window->raise();
        window->activateWindow();
    });

    connect(m_signInWindow.get(), &ui::SignInWindow::signedIn, this, &AppController::onSignInWindowSignedIn);
    connect(m_mainWindow.get(), &MainWindow::signOutRequested, this, &AppController::onSignOutRequested);

    using session::Session;
    connect(m_session.get(), &Session::stateChanged, this, [this](Session::State state) {
        if (state == Session::State::SignedIn)
            onSessionSignedIn();
        else if (state == Session::State::SignedOut)
            onSessionSignedOut();
    });
    // The same transitions, for an implementation that says it with these (each handler is idempotent).
    connect(m_session.get(), &Session::signedIn, this, &AppController::onSessionSignedIn);
    connect(m_session.get(), &Session::signedOut, this, &AppController::onSessionSignedOut);
    connect(m_session.get(), &Session::sessionExpired, this, &AppController::onSessionExpired);
    connect(m_session.get(), &Session::storageProblem, this, &AppController::onStorageProblem);

    m_restoreNoticeTimer.setSingleShot(true);
    m_restoreNoticeTimer.setInterval(restoreNoticeDelayMs);
    connect(&m_restoreNoticeTimer, &QTimer::timeout, this, [this] {
        if (m_phase != Phase::Restoring)
            return;
        // The keychain is slow (or not ready yet, and the session asks again in a few seconds):
        // say so rather than show nothing at all.
        m_signInWindow->setPending(tr("Opening your saved session…"));
        showSignInWindow();
    });
}

AppController::~AppController()
{
    // Requests first, while the manager that runs them is still alive.
    cancelLoads();
    m_restoreNoticeTimer.stop();
    m_mainWindow->saveWindowState();
    m_signInWindow->disconnect(this);
    m_mainWindow->disconnect(this);
    m_settings->disconnect(this);
    m_session->disconnect(this);
}

void AppController::start()
{
    QString tenantText;
    if (!m_options.apiUrl.isEmpty())
        tenantText = m_options.apiUrl.toString();
    else
        tenantText = m_settings->tenant();
    m_signInWindow->setTenantText(tenantText);

    const std::optional<session::Tenant> tenant = session::Tenant::fromInput(tenantText);
    if (!tenant) {
        qCInfo(lcController) << "no usable tenant remembered; showing the sign-in window";
        m_phase = Phase::Idle;
        showSignInWindow();
        addViews();
        return;
    }
    qCInfo(lcController).noquote() << "restoring the session for" << tenant->name;
    m_phase = Phase::Restoring;
    m_restoreNoticeTimer.start();
    m_session->restore(*tenant);
    // Built while the keychain answers (it is another process): the views are most of the start-up
    // work, and the main window cannot show before the session is back anyway.
    addViews();
}

void AppController::onSignInWindowSignedIn(const session::Tenant& tenant, const session::Credentials& credentials)
{
    m_storageNotice.clear(); // a new attempt at keeping the credentials; it reports its own problem
    // What the user typed (e.g. "acme", or the sandbox's URL), to prefill next time. Not a secret.
    m_settings->setValue(ui::AppSettings::Key::Tenant, m_signInWindow->tenantText());
    qCInfo(lcController).noquote() << "signed in to" << tenant.name << "; handing the session over";
    m_session->signIn(tenant, credentials);
}

void AppController::addViews()
{
    if (!m_mainWindow->views().isEmpty())
        return;
    // The main window owns them (addView reparents); they reach the server only through the typed
    // API, and learn about retries and offline from the tracker and the connection state.
    const ui::ViewContext context {m_api.get(), m_tracker.get(), m_connection.get()};
    auto* findings = new ui::FindingsView(context);
    auto* autofix = new ui::AutofixView(context);
    m_mainWindow->addView(new ui::OverviewView(context));
    m_mainWindow->addView(new ui::RepositoriesView(context));
    m_mainWindow->addView(findings);
    m_mainWindow->addView(new ui::ScansView(context));
    m_mainWindow->addView(autofix);
    // "Autofix" on a finding: the Autofix page follows it from the start.
    connect(findings, &ui::FindingsView::autofixRequested, autofix, &ui::AutofixView::startAutofix);
    connect(findings, &ui::FindingsView::autofixRequested, m_mainWindow.get(), [this, autofix] {
        m_mainWindow->showView(autofix);
    });
}

void AppController::onSessionSignedIn()
{
    if (m_phase == Phase::SignedIn)
        return;
    // Signed in to another tenant than the views last showed (after a sign-out): what they show
    // belongs to the old one. After an expiry and a sign-in to the same tenant, the work goes on.
    const QString tenantHost = m_session->tenant().host;
    if (!m_viewsTenant.isEmpty() && m_viewsTenant != tenantHost) {
        for (ui::View* view : m_mainWindow->views())
            view->refresh();
    }
    m_viewsTenant = tenantHost;
    m_phase = Phase::SignedIn;
    m_restoreNoticeTimer.stop();
    if (m_session->isPersisted())
        m_storageNotice.clear(); // e.g. the keychain was not ready at first, and then it was
    m_signInWindow->clearPending();
    m_signInWindow->setNotice(QString());
    m_connection->setSignedIn(true);
    updateProbeUrl();
    showMainWindow();
    m_signInWindow->hide();
    loadSummary();
}

void AppController::onSessionSignedOut()
{
    switch (m_phase) {
    case Phase::Restoring:
        // Nothing usable in the keychain for this tenant: sign in.
        m_phase = Phase::Idle;
        m_restoreNoticeTimer.stop();
        m_signInWindow->clearPending();
        showSignInWindow();
        break;
    case Phase::SignedIn:
        // The session ended without the user asking: the same prompt as sessionExpired (which may
        // follow with its reason; it does not open a second prompt).
        onSessionExpired(QString());
        break;
    case Phase::Idle:
    case Phase::Expired:
    case Phase::SigningOut:
        break; // already showing what a signed-out app shows
    }
}

void AppController::onSessionExpired(const QString& reason)
{
    const QString notice = reason.isEmpty()
        ? tr("Your session has expired. Sign in again to go on where you left off.")
        : tr("Your session has ended: %1\nSign in again to go on where you left off.").arg(reason);
    if (m_phase == Phase::Expired) {
        // One prompt per ended session: a second signal only adds the reason to it.
        if (!reason.isEmpty())
            m_signInWindow->setNotice(notice);
        return;
    }
    if (m_phase != Phase::SignedIn)
        return; // nothing was going on: the sign-in window is already the way forward
    qCInfo(lcController) << "the session expired; asking the user to sign in again";
    m_phase = Phase::Expired;
    cancelLoads();
    // The main window stays up with what it shows; it goes on once the user is back.
    m_connection->setSignedIn(false);
    m_mainWindow->setSignedInAs(QString());
    m_mainWindow->setNotice(tr("Session expired: sign in again."));
    m_signInWindow->setNotice(notice);
    showSignInWindow();
}

void AppController::onStorageProblem(const QString& message)
{
    QString text;
    switch (m_phase) {
    case Phase::Restoring:
        text = tr("Your saved session could not be read from the system keychain: %1").arg(message);
        break;
    case Phase::SignedIn:
    case Phase::Expired:
        text = tr("Your credentials could not be saved to the system keychain: %1 "
                  "You will need to sign in again next time.")
                   .arg(message);
        break;
    case Phase::Idle:
    case Phase::SigningOut:
        text = message; // e.g. signed out, but the entry could not be removed: the session says it
        break;
    }
    qCWarning(lcController).noquote() << "keychain problem:" << message;
    m_storageNotice = text;
    m_mainWindow->setNotice(text);
    m_signInWindow->setNotice(text);
}

void AppController::onSignOutRequested()
{
    if (m_phase != Phase::SignedIn && m_phase != Phase::Expired)
        return;
    qCInfo(lcController) << "signing out at the user's request";
    m_phase = Phase::SigningOut;
    cancelLoads();
    m_session->signOut();
    // Switch at once: the keychain entry is removed in the background and needs nothing from the user.
    m_connection->setSignedIn(false);
    m_storageNotice.clear();
    m_mainWindow->setSignedInAs(QString());
    m_mainWindow->setNotice(QString());
    m_mainWindow->setSummary(tr("Once you are signed in, your repositories, scan runs and findings will appear here."));
    m_signInWindow->setNotice(QString());
    showSignInWindow(); // before hiding the main window, so there is never no window at all
    m_mainWindow->hide();
    m_phase = Phase::Idle;
}

void AppController::showSignInWindow()
{
    showWindow(m_signInWindow.get());
}

void AppController::showMainWindow()
{
    const session::Tenant tenant = m_session->tenant();
    m_mainWindow->setApiUrl(tenant.apiBase);
    m_mainWindow->setSignedInAs(accountText());
    m_mainWindow->setNotice(m_storageNotice);
    showWindow(m_mainWindow.get());
}

void AppController::showWindow(QWidget* window)
{
    window->show();
    window->raise();
    window->activateWindow();
    if (!m_anyWindowShown) {
        m_anyWindowShown = true;
        emit firstWindowShown(window);
    }
}

QString AppController::accountText() const
{
    const session::Tenant tenant = m_session->tenant();
    QString who = m_username;
    if (who.isEmpty())
        who = m_session->credentials().account;
    return who.isEmpty() ? tenant.name : tr("%1 at %2").arg(who, tenant.name);
}

void AppController::onSettingChanged(int key)
{
    switch (ui::AppSettings::Key(key)) {
    case ui::AppSettings::Key::RetryCapSeconds:
    case ui::AppSettings::Key::MaxAttempts:
        m_manager->setRetryPolicy(m_settings->applyTo(m_manager->retryPolicy()));
        qCInfo(lcController) << "retry limits changed:" << m_settings->maxAttempts() << "attempts, waits up to"
                             << m_settings->retryCapSeconds() << "s";
        break;
    case ui::AppSettings::Key::LogLevel:
        // The user chose it now: it wins over --log-level from here on.
        ui::applyLogLevel(m_settings->logLevel());
        break;
    default:
        break;
    }
}

void AppController::updateProbeUrl()
{
    // A cheap authenticated GET-able resource: any HTTP answer to its HEAD proves the API is back.
    // The token is injected per attempt by the manager; it is never part of the URL.
    api::ApiRequest request;
    request.path = QStringLiteral("/admin/user/current");
    m_connection->setProbeUrl(m_client->urlFor(request));
}

void AppController::cancelLoads()
{
    delete m_loadContext; // aborts its requests; their callbacks never run
}

void AppController::loadSummary()
{
    cancelLoads();
    m_loadContext = new QObject(this);
    m_username.clear();
    m_repositoriesText.clear();
    m_summaryError.clear();
    updateSummary();

    m_api->currentUser(m_loadContext, [this](const api::Result<api::CurrentUser>& result) {
        if (result) {
            m_username = result.value().username;
            m_mainWindow->setSignedInAs(accountText());
        } else {
            qCInfo(lcController).noquote() << "current user not loaded:" << result.error().toString();
        }
    });
    countRepositories(m_loadContext, QString(), 0, 0);
}

void AppController::countRepositories(QObject* context, const QString& nextToken, int countSoFar, int pagesSoFar)
{
    m_api->repositories(kRepositoryPageSize,
                        nextToken,
                        context,
                        [this, context, countSoFar, pagesSoFar](const api::Result<api::Page<api::Repository>>& result) {
                            if (!result) {
                                m_summaryError
                                    = tr("Your repositories could not be loaded: %1").arg(describe(result.error()));
                                updateSummary();
                                emit summaryLoaded(false);
                                return;
                            }
                            const int count = countSoFar + int(result.value().items.size());
                            const QString& next = result.value().nextToken;
                            if (!next.isEmpty() && pagesSoFar + 1 < kMaxRepositoryPages) {
                                countRepositories(context, next, count, pagesSoFar + 1);
                                return;
                            }
                            m_repositoriesText = next.isEmpty() ? tr("Repositories: %1").arg(count)
                                                                : tr("Repositories: at least %1").arg(count);
                            updateSummary();
                            emit summaryLoaded(true);
                        });
}

void AppController::updateSummary()
{
    QStringList lines;
    lines << tr("Signed in to %1.").arg(m_session->tenant().name);
    if (!m_summaryError.isEmpty())
        lines << m_summaryError;
    else if (m_repositoriesText.isEmpty())
        lines << tr("Loading your repositories…");
    else
        lines << m_repositoriesText;
    m_mainWindow->setSummary(lines.join(QLatin1Char('\n')));
}

} // namespace nullify::app
