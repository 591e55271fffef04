#include "appcontroller.h"

#include "apiclient.h"
#include "appsettings.h"
#include "autofixview.h"
#include "connectionstate.h"
#include "eventnoticebar.h"
#include "eventnotifier.h"
#include "findingsview.h"
#include "itemreveal.h"
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
    , m_tray(std::make_unique<ui::TrayNotifier>(m_settings.get()))
    , m_events(std::make_unique<ui::EventNotifier>(m_api.get(), m_connection.get(), m_settings.get(), m_tray.get()))
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
    connect(m_tray.get(), &ui::TrayNotifier::quitRequested, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    connect(m_events.get(), &ui::EventNotifier::openRequested, this, &AppController::openNotificationTarget);
    connect(m_tray.get(), &ui::TrayNotifier::showRequested, this, [this] {
        QWidget* window = (m_mainWindow && m_mainWindow->isVisible()) || m_phase == Phase::SignedIn
            ? static_cast<QWidget*>(mainWindow())
            : static_cast<QWidget*>(signInWindow());
        window->showNormal();
        window->raise();
        window->activateWindow();
    });

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
        signInWindow()->setPending(tr("Opening your saved session…"));
        showSignInWindow();
    });
}

ui::SignInWindow* AppController::signInWindow()
{
    if (m_signInWindow)
        return m_signInWindow.get();
    // Built on first use: a user whose session comes back from the keychain never sees it.
    m_signInWindow = std::make_unique<ui::SignInWindow>(m_manager.get());
    m_signInWindow->setTenantText(m_tenantText);
    if (!m_storageNotice.isEmpty())
        m_signInWindow->setNotice(m_storageNotice);
    connect(m_signInWindow.get(), &ui::SignInWindow::signedIn, this, &AppController::onSignInWindowSignedIn);
    return m_signInWindow.get();
}

MainWindow* AppController::mainWindow()
{
    if (!m_mainWindow) {
        m_mainWindow = std::make_unique<MainWindow>(m_settings.get());
        m_mainWindow->setConnectionState(m_connection.get());
        m_mainWindow->setNotice(m_storageNotice);
        connect(m_mainWindow.get(), &MainWindow::signInRequested, this, &AppController::showSignInWindow);
        connect(m_mainWindow.get(), &MainWindow::quitRequested, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
        // A view's own "finished" notice, unless the event feed tells the same (it covers every
        // scan and autofix, the ones started here included): one notification per event.
        connect(m_mainWindow.get(),
                &MainWindow::notificationRequested,
                this,
                [this](const QString& title, const QString& message) {
                    if (m_events->isCovering())
                        m_events->readNow(); // its event, without waiting for the next tick
                    else
                        m_tray->notify(title, message);
                });
        // No system tray: the feed's notifications show in the window (EventNoticeBar).
        connect(m_events.get(),
                &ui::EventNotifier::inAppNotice,
                m_mainWindow->eventNoticeBar(),
                &ui::EventNoticeBar::showNotification);
        connect(m_mainWindow->eventNoticeBar(),
                &ui::EventNoticeBar::openRequested,
                this,
                &AppController::openNotificationTarget);
        connect(m_mainWindow.get(), &MainWindow::signOutRequested, this, &AppController::onSignOutRequested);
        addPages();
    }
    return m_mainWindow.get();
}

AppController::~AppController()
{
    // Requests first, while the manager that runs them is still alive.
    cancelLoads();
    m_events.reset();
    m_restoreNoticeTimer.stop();
    if (m_mainWindow) {
        m_mainWindow->saveWindowState();
        m_mainWindow->disconnect(this);
    }
    if (m_signInWindow)
        m_signInWindow->disconnect(this);
    m_settings->disconnect(this);
    m_session->disconnect(this);
}

void AppController::start()
{
    if (!m_options.apiUrl.isEmpty())
        m_tenantText = m_options.apiUrl.toString();
    else
        m_tenantText = m_settings->tenant();
    if (m_signInWindow)
        m_signInWindow->setTenantText(m_tenantText);

    const std::optional<session::Tenant> tenant = session::Tenant::fromInput(m_tenantText);
    if (!tenant) {
        qCInfo(lcController) << "no usable tenant remembered; showing the sign-in window";
        m_phase = Phase::Idle;
        showSignInWindow();
        return;
    }
    qCInfo(lcController).noquote() << "restoring the session for" << tenant->name;
    m_phase = Phase::Restoring;
    if (m_settings->value(ui::AppSettings::Key::SignedInAtExit).toBool()) {
        // Signed in when the app last closed, so most likely still: the main window comes up at
        // once, its pages waiting, while the keychain (another process, several D-Bus round
        // trips) gives the session back.
        mainWindow()->setApiUrl(tenant->apiBase);
        m_mainWindow->setSessionOpening(true);
        showWindow(m_mainWindow.get());
        m_session->restore(*tenant);
        return;
    }
    // The keychain answers in the background; the sign-in window says so if it takes long.
    m_restoreNoticeTimer.start();
    m_session->restore(*tenant);
}

ui::ViewContext AppController::viewContext() const
{
    // The views reach the server only through the typed API, and learn about retries and offline
    // from the tracker and the connection state.
    return {m_api.get(), m_tracker.get(), m_connection.get()};
}

template <typename ViewType> int AppController::addPage()
{
    // Built when first shown: a start builds only the page the user sees.
    return m_mainWindow->addPage(
        ViewType::pageTitle(), ViewType::pageIcon(), [this] { return new ViewType(viewContext()); });
}

void AppController::addPages()
{
    // The Overview's tiles and the repositories' rows open the Findings page, filtered.
    m_mainWindow->addPage(ui::OverviewView::pageTitle(), ui::OverviewView::pageIcon(), [this] {
        auto* overview = new ui::OverviewView(viewContext());
        connect(overview, &ui::OverviewView::findingsRequested, this, &AppController::showFindings);
        return overview;
    });
    m_repositoriesPage
        = m_mainWindow->addPage(ui::RepositoriesView::pageTitle(), ui::RepositoriesView::pageIcon(), [this] {
              auto* repositories = new ui::RepositoriesView(viewContext());
              connect(repositories, &ui::RepositoriesView::findingsRequested, this, &AppController::showFindings);
              return repositories;
          });
    m_findingsPage = m_mainWindow->addPage(ui::FindingsView::pageTitle(), ui::FindingsView::pageIcon(), [this] {
        auto* findings = new ui::FindingsView(viewContext());
        findings->setSettings(m_settings.get()); // the last filter and order, kept across restarts
        connect(findings, &ui::FindingsView::autofixRequested, this, &AppController::startAutofix);
        connect(findings, &ui::FindingsView::autofixShowRequested, this, &AppController::showAutofix);
        // A triage write changes what the Overview counts (allowlisted findings are not open): it asks again.
        connect(findings, &ui::FindingsView::findingsTriaged, this, [this] {
            for (ui::View* view : m_mainWindow->builtViews()) {
                if (auto* overview = qobject_cast<ui::OverviewView*>(view))
                    overview->refresh();
            }
        });
        for (ui::View* view : m_mainWindow->builtViews()) {
            if (auto* autofix = qobject_cast<ui::AutofixView*>(view))
                linkAutofixStatus(autofix, findings);
        }
        return findings;
    });
    m_scansPage = addPage<ui::ScansView>();
    m_autofixPage = m_mainWindow->addPage(ui::AutofixView::pageTitle(), ui::AutofixView::pageIcon(), [this] {
        auto* autofix = new ui::AutofixView(viewContext());
        for (ui::View* view : m_mainWindow->builtViews()) {
            if (auto* findings = qobject_cast<ui::FindingsView*>(view))
                linkAutofixStatus(autofix, findings);
        }
        return autofix;
    });
}

void AppController::linkAutofixStatus(ui::AutofixView* autofix, ui::FindingsView* findings)
{
    // What the Autofix page learns about a finding's fix, the finding's details show too.
    connect(autofix, &ui::AutofixView::autofixStatusChanged, findings, &ui::FindingsView::showAutofixStatus);
}

void AppController::showFindings(const ui::FindingsFilter& filter)
{
    auto* findings = qobject_cast<ui::FindingsView*>(m_mainWindow->view(m_findingsPage));
    if (!findings)
        return;
    findings->showFiltered(filter); // before it is shown, so a first activation lists these
    m_mainWindow->showView(findings);
}

ui::AutofixView* AppController::autofixView()
{
    return qobject_cast<ui::AutofixView*>(m_mainWindow->view(m_autofixPage));
}

void AppController::startAutofix(api::FindingService service,
                                 const QString& findingId,
                                 const QString& findingTitle,
                                 const QString& repository)
{
    // "Autofix" on a finding: the Autofix page asks the server, and the user, in front.
    ui::AutofixView* autofix = autofixView();
    m_mainWindow->showView(autofix);
    autofix->startAutofix(service, findingId, findingTitle, repository);
}

void AppController::showAutofix(api::FindingService service, const QString& findingId, const QString& findingTitle)
{
    ui::AutofixView* autofix = autofixView();
    m_mainWindow->showView(autofix);
    autofix->showAutofix(service, findingId, findingTitle);
}

void AppController::openNotificationTarget(const ui::NotificationTarget& target)
{
    if (m_phase != Phase::SignedIn)
        return;
    MainWindow* window = mainWindow();
    window->showNormal();
    window->raise();
    window->activateWindow();
    using Kind = ui::NotificationTarget::Kind;
    switch (target.kind) {
    case Kind::Finding:
        if (auto* findings = qobject_cast<ui::FindingsView*>(window->view(m_findingsPage))) {
            window->showView(findings);
            ui::revealFinding(findings, target.findingId);
        }
        break;
    case Kind::Autofix:
        if (target.service)
            showAutofix(*target.service, target.findingId, target.title);
        break;
    case Kind::Scan:
        if (target.scan == api::EventScan::Code) {
            window->setCurrentPage(m_repositoriesPage);
        } else if (auto* scans = qobject_cast<ui::ScansView*>(window->view(m_scansPage))) {
            window->showView(scans);
            if (target.scan == api::EventScan::Pentest)
                ui::revealPentest(scans, target.scanId);
        }
        break;
    case Kind::None:
        break;
    }
}

void AppController::onSignInWindowSignedIn(const session::Tenant& tenant, const session::Credentials& credentials)
{
    m_storageNotice.clear(); // a new attempt at keeping the credentials; it reports its own problem
    // What the user typed (e.g. "acme", or the sandbox's URL), to prefill next time. Not a secret.
    m_tenantText = m_signInWindow->tenantText();
    m_settings->setValue(ui::AppSettings::Key::Tenant, m_tenantText);
    qCInfo(lcController).noquote() << "signed in to" << tenant.name << "; handing the session over";
    m_session->signIn(tenant, credentials);
}

void AppController::onSessionSignedIn()
{
    if (m_phase == Phase::SignedIn)
        return;
    // Signed in to another tenant than the views last showed (after a sign-out): what they show
    // belongs to the old one. After an expiry and a sign-in to the same tenant, the work goes on.
    const QString tenantHost = m_session->tenant().host;
    if (m_mainWindow && !m_viewsTenant.isEmpty() && m_viewsTenant != tenantHost) {
        for (ui::View* view : m_mainWindow->builtViews())
            view->refresh(); // the others load the new tenant's data when they are first shown
    }
    m_viewsTenant = tenantHost;
    m_phase = Phase::SignedIn;
    m_restoreNoticeTimer.stop();
    if (m_session->isPersisted())
        m_storageNotice.clear(); // e.g. the keychain was not ready at first, and then it was
    if (m_signInWindow) {
        m_signInWindow->clearPending();
        m_signInWindow->setNotice(QString());
    }
    m_connection->setSignedIn(true);
    m_settings->setValue(ui::AppSettings::Key::SignedInAtExit, true);
    updateProbeUrl();
    m_events->setTenant(tenantHost);
    m_events->start();
    showMainWindow();
    if (m_signInWindow)
        m_signInWindow->hide();
    loadAccount();
}

void AppController::onSessionSignedOut()
{
    switch (m_phase) {
    case Phase::Restoring:
        // Nothing usable in the keychain for this tenant: sign in.
        m_phase = Phase::Idle;
        m_restoreNoticeTimer.stop();
        m_settings->setValue(ui::AppSettings::Key::SignedInAtExit, false);
        signInWindow()->clearPending();
        showSignInWindow();
        if (m_mainWindow && m_mainWindow->isSessionOpening()) {
            // It came up expecting the session; without one, the sign-in window is the way on.
            m_mainWindow->hide(); // first: a shown page would load as soon as the session stops opening
            m_mainWindow->setSessionOpening(false);
        }
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
            signInWindow()->setNotice(notice);
        return;
    }
    if (m_phase != Phase::SignedIn)
        return; // nothing was going on: the sign-in window is already the way forward
    qCInfo(lcController) << "the session expired; asking the user to sign in again";
    m_phase = Phase::Expired;
    m_settings->setValue(ui::AppSettings::Key::SignedInAtExit, false);
    cancelLoads();
    m_events->stop();
    // The main window stays up with what it shows; it goes on once the user is back.
    m_connection->setSignedIn(false);
    m_mainWindow->setSignedInAs(QString());
    m_mainWindow->setNotice(tr("Session expired: sign in again."));
    signInWindow()->setNotice(notice);
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
    // The message may quote the keychain's own words: debug only.
    qCWarning(lcController) << "keychain problem; told the user";
    qCDebug(lcController).noquote() << "keychain problem:" << message;
    m_storageNotice = text; // windows built later show it too
    if (m_mainWindow)
        m_mainWindow->setNotice(text);
    if (m_signInWindow)
        m_signInWindow->setNotice(text);
}

void AppController::onSignOutRequested()
{
    if (m_phase != Phase::SignedIn && m_phase != Phase::Expired)
        return;
    qCInfo(lcController) << "signing out at the user's request";
    m_phase = Phase::SigningOut;
    m_settings->setValue(ui::AppSettings::Key::SignedInAtExit, false);
    cancelLoads();
    m_events->stop();
    m_session->signOut();
    // Switch at once: the keychain entry is removed in the background and needs nothing from the user.
    m_connection->setSignedIn(false);
    m_storageNotice.clear();
    m_mainWindow->setSignedInAs(QString());
    m_mainWindow->setNotice(QString());
    signInWindow()->setNotice(QString());
    showSignInWindow(); // before hiding the main window, so there is never no window at all
    m_mainWindow->hide();
    m_phase = Phase::Idle;
}

void AppController::showSignInWindow()
{
    showWindow(signInWindow());
}

void AppController::showMainWindow()
{
    const session::Tenant tenant = m_session->tenant();
    mainWindow()->setSessionOpening(false);
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
    // Who am I: the cheapest authenticated read the API has, and a GET (it declares no HEAD). Any
    // HTTP answer to it proves the API is back. The token is injected per attempt by the manager;
    // it is never part of the URL.
    api::ApiRequest request;
    request.path = QStringLiteral("/admin/user/current");
    m_connection->setProbeUrl(m_client->urlFor(request));
}

void AppController::cancelLoads()
{
    delete m_loadContext; // aborts its requests; their callbacks never run
}

void AppController::loadAccount()
{
    cancelLoads();
    m_loadContext = new QObject(this);
    m_username.clear();
    // Who is signed in, for the status bar and the Account menu (the token alone may not say).
    m_api->currentUser(m_loadContext, [this](const api::Result<api::CurrentUser>& result) {
        if (result) {
            m_username = result.value().username;
            m_mainWindow->setSignedInAs(accountText());
        } else {
            api::logFailure(lcController(), "loading the current user", result.error());
        }
    });
}

} // namespace nullify::app
