// The app's wiring (AppController) driven through its real windows, offscreen, against an
// in-process nullify-sandbox and the real Secret Service (a throwaway keyring: the test runs under
// tests/support/with-test-keyring.sh). Sign in, restart without signing in, sign out, an expired
// session, and no token anywhere on disk or in the log.

#include "appcontroller.h"
#include "appsettings.h"
#include "autofixview.h"
#include "connectionstate.h"
#include "connectionstatuswidget.h"
#include "credentialstore.h"
#include "diffview.h"
#include "displaytext.h"
#include "environmentskip.h"
#include "eventfeedpoller.h"
#include "eventnoticebar.h"
#include "eventnotifier.h"
#include "faultplan.h"
#include "findingsfilterproxy.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "loglevel.h"
#include "mainwindow.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "operationrow.h"
#include "overviewview.h"
#include "repositoriesmodel.h"
#include "repositoriesview.h"
#include "requesttracker.h"
#include "sandboxserver.h"
#include "secretscrubber.h"
#include "session.h"
#include "signinwindow.h"
#include "startdialogs.h"
#include "tenant.h"
#include "testbrowser.h"
#include "traynotifier.h"
#include "triagedialog.h"
#include "triagepanel.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDirIterator>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QMutex>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QTextEdit>
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

using nullify::MainWindow;
using nullify::app::AppController;
using nullify::sandbox::FaultRule;
using nullify::sandbox::FaultRuleBuilder;
using nullify::sandbox::SandboxServer;
using nullify::session::Credentials;
using nullify::session::CredentialStore;
using nullify::session::Session;
using nullify::session::Tenant;
using nullify::ui::SignInWindow;

namespace {

constexpr int kFlowTimeoutMs = 20'000; // generous: a slow CI machine must not fail a passing case
const QString kKeychainService = QStringLiteral("ai.nullify.Desktop.widget-test");

// Every message of the process, as "category: text", for the no-token-in-the-log check.
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    {
        QMutexLocker locker(&g_logMutex);
        g_log.append(QString::fromLatin1(context.category ? context.category : "default")
                     + (type == QtDebugMsg ? QStringLiteral(" [debug]: ") : QStringLiteral(": ")) + message);
    }
    // Debug lines are only collected (they are many); anything louder is shown as usual.
    if (type != QtDebugMsg && type != QtInfoMsg && g_previousHandler)
        g_previousHandler(type, context, message);
}

QStringList capturedLog()
{
    QMutexLocker locker(&g_logMutex);
    return g_log;
}

// The same messages before the SecretScrubber's handler sees them: what the code itself wrote.
QStringList g_rawLog; // guarded by g_logMutex
QtMessageHandler g_scrubbingHandler = nullptr;

void captureRawMessage(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    {
        QMutexLocker locker(&g_logMutex);
        g_rawLog.append(QString::fromLatin1(context.category ? context.category : "default") + QStringLiteral(": ")
                        + message);
    }
    if (g_scrubbingHandler)
        g_scrubbingHandler(type, context, message);
}

// A token of the sandbox's service account, signed in with in the echo test.
const QByteArray kServiceToken = QByteArrayLiteral("nsbx_svc_scrub_echo_test_0123456789abcdef");

// Every text the app's widgets carry: labels, fields (as displayed: a password field shows dots),
// text views, buttons, window titles, tooltips, status tips, actions, status bars and the cells
// of item views. Hidden widgets too: a text that is only a click away counts.
QStringList widgetTexts()
{
    QStringList texts;
    const auto addModel = [&texts](const QAbstractItemModel* model) {
        if (!model)
            return;
        for (int row = 0; row < std::min(model->rowCount(), 500); ++row) {
            for (int column = 0; column < model->columnCount(); ++column) {
                const QModelIndex index = model->index(row, column);
                for (int role : {int(Qt::DisplayRole), int(Qt::ToolTipRole), int(Qt::StatusTipRole)})
                    texts << index.data(role).toString();
            }
        }
    };
    const QWidgetList widgets = QApplication::allWidgets();
    for (QWidget* widget : widgets) {
        texts << widget->windowTitle() << widget->toolTip() << widget->statusTip() << widget->whatsThis()
              << widget->accessibleName() << widget->accessibleDescription();
        if (auto* label = qobject_cast<QLabel*>(widget))
            texts << label->text();
        if (auto* edit = qobject_cast<QLineEdit*>(widget))
            texts << edit->displayText() << edit->placeholderText();
        if (auto* edit = qobject_cast<QTextEdit*>(widget))
            texts << edit->toPlainText();
        if (auto* edit = qobject_cast<QPlainTextEdit*>(widget))
            texts << edit->toPlainText();
        if (auto* button = qobject_cast<QAbstractButton*>(widget))
            texts << button->text();
        if (auto* bar = qobject_cast<QStatusBar*>(widget))
            texts << bar->currentMessage();
        if (auto* view = qobject_cast<QAbstractItemView*>(widget))
            addModel(view->model());
        const QList<QAction*> actions = widget->actions();
        for (const QAction* action : actions)
            texts << action->text() << action->toolTip() << action->statusTip();
    }
    texts.removeAll(QString());
    return texts;
}

// Where the app could have written a file: the settings' folder, and the throwaway HOME and XDG
// directories the launcher made (the keyring's own file is encrypted).
QStringList writablePlaces(const QSettings& settings)
{
    QStringList places {QFileInfo(settings.fileName()).absolutePath(), QDir::homePath()};
    for (const char* variable : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"}) {
        if (!qEnvironmentVariableIsEmpty(variable))
            places << qEnvironmentVariable(variable);
    }
    return places;
}

// Which files under dir hold needle (as bytes); dir is walked recursively.
QStringList filesContaining(const QString& dir, const QByteArray& needle)
{
    QStringList hits;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
            hits << path;
    }
    return hits;
}

} // namespace

class TestAppController : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void signInShowsMainWindowAndRestartNeedsNoSignIn();
    void sessionMissingAtStartFallsBackToSignIn();
    void signOutReturnsToSignInAndForgetsTheSession();
    void noTokenInSettingsFilesOrLog();
    void expiredSessionPromptsOnceAndWorkGoesOn();
    void settingsAndConnectionStateAreWired();
    void autofixIsTheServersAfterARestart();
    void eventNotificationOpensItsItem();
    void clickThroughOpensFilteredFindingsKeptAcrossRestarts();
    void triageUpdatesTheOverview();
    void echoedSecretsAppearNowhere_data();
    void echoedSecretsAppearNowhere();

private:
    std::unique_ptr<AppController> makeController();
    void signInWithBrowser(AppController* controller);
    void verifyRepositoriesLoad(MainWindow* main);
    std::optional<CredentialStore::Status> keychainStatus(const Tenant& tenant);
    Tenant sandboxTenant() const { return *Tenant::fromInput(m_sandbox->apiUrl().toString()); }

    std::unique_ptr<SandboxServer> m_sandbox;
    std::unique_ptr<TestBrowser> m_browser;
};

void TestAppController::initTestCase()
{
    if (qEnvironmentVariableIsEmpty("NULLIFY_TEST_KEYRING"))
        NULLIFY_SKIP_ENV(
            "needs an unlocked Secret Service and a throwaway HOME: run under tests/support/with-test-keyring.sh");
    // The app's QSettings live in the throwaway XDG_CONFIG_HOME the launcher made.
    QCoreApplication::setOrganizationName(QStringLiteral("Nullify"));
    QCoreApplication::setApplicationName(QStringLiteral("nullify-desktop-widget-test"));
    // Everything the app can log, so the no-token check reads the loudest possible log.
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.debug=true"));
    g_previousHandler = qInstallMessageHandler(captureMessage);
    // As main() does: every line passes the scrubber first, so the capture sees what a log shows.
    nullify::SecretScrubber::installMessageHandler();
}

void TestAppController::init()
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = 20;
    options.auth.autoApprove = true;
    options.auth.serviceTokens = {QString::fromLatin1(kServiceToken)};
    options.tenant.autofixSeconds = 1;
    m_sandbox = std::make_unique<SandboxServer>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_browser = std::make_unique<TestBrowser>();
}

void TestAppController::cleanup()
{
    m_browser.reset();
    m_sandbox.reset();
    nullify::ui::AppSettings().reset(
        nullify::ui::AppSettings::Key::FindingsFilter); // each test's Findings page starts anew
}

std::unique_ptr<AppController> TestAppController::makeController()
{
    AppController::Options options;
    options.apiUrl = m_sandbox->apiUrl(QString()); // as --api-url would give it
    options.keychainService = kKeychainService;
    auto controller = std::make_unique<AppController>(options);
    // Never a real browser in a test: the test is the browser.
    controller->signInWindow()->setUrlOpener(
        [browser = m_browser.get()](const QUrl& url) { return browser->open(url); });
    return controller;
}

void TestAppController::signInWithBrowser(AppController* controller)
{
    SignInWindow* signIn = controller->signInWindow();
    QTRY_VERIFY_WITH_TIMEOUT(signIn->isVisible(), kFlowTimeoutMs);
    QCOMPARE(signIn->tenantText(), m_sandbox->apiUrl(QString()).toString()); // prefilled from --api-url
    auto* button = signIn->findChild<QPushButton*>(QStringLiteral("browserButton"));
    QVERIFY(button);
    QTRY_VERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(controller->mainWindow()->isVisible(), kFlowTimeoutMs);
    QVERIFY(!signIn->isVisible());
}

// Something real loads with the session: the Repositories page, brought up and asked to load,
// lists the tenant's repositories from the server.
void TestAppController::verifyRepositoriesLoad(MainWindow* main)
{
    nullify::ui::RepositoriesView* repositories = nullptr;
    for (nullify::ui::View* view : main->views()) {
        if (auto* candidate = qobject_cast<nullify::ui::RepositoriesView*>(view))
            repositories = candidate;
    }
    QVERIFY(repositories);
    main->showView(repositories);
    QSignalSpy arrived(repositories->repositoriesModel(), &QAbstractItemModel::rowsInserted);
    repositories->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!arrived.isEmpty() && repositories->repositoriesModel()->rowCount() > 0, kFlowTimeoutMs);
}

std::optional<CredentialStore::Status> TestAppController::keychainStatus(const Tenant& tenant)
{
    CredentialStore store(kKeychainService);
    std::optional<CredentialStore::Status> status;
    store.read(tenant.storageKey(), this, [&status](const CredentialStore::Outcome& outcome, const auto&) {
        status = outcome.status;
    });
    if (!QTest::qWaitFor([&] { return status.has_value(); }, 10'000))
        return std::nullopt;
    return status;
}

void TestAppController::signInShowsMainWindowAndRestartNeedsNoSignIn()
{
    Credentials signedInWith;
    {
        auto controller = makeController();
        QList<QWidget*> firstShown;
        connect(controller.get(), &AppController::firstWindowShown, this, [&](QWidget* w) { firstShown << w; });
        controller->start();
        QTRY_COMPARE_WITH_TIMEOUT(firstShown.size(), 1, kFlowTimeoutMs);
        QCOMPARE(firstShown.constFirst(), controller->signInWindow()); // nothing in the keychain yet

        signInWithBrowser(controller.get());
        MainWindow* main = controller->mainWindow();
        QCOMPARE(controller->session()->state(), Session::State::SignedIn);
        QCOMPARE(main->apiUrl(), sandboxTenant().apiBase);

        // Something real was loaded with the session: who is signed in, and the repositories.
        QTRY_VERIFY_WITH_TIMEOUT(main->signedInAs().contains(QStringLiteral("demo")), kFlowTimeoutMs);
        verifyRepositoriesLoad(main);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(main->signOutAction()->isEnabled());
        auto* session = main->statusBar()->findChild<QLabel*>(QStringLiteral("sessionLabel"));
        QVERIFY(session && session->text().contains(QStringLiteral("demo")));

        QTRY_VERIFY_WITH_TIMEOUT(controller->session()->isPersisted(), kFlowTimeoutMs);
        signedInWith = controller->session()->credentials();
        QVERIFY(main->notice().isEmpty()); // the keychain took it: nothing to warn about
    }

    // Restart: the same keychain and settings; the main window comes up without a sign-in.
    auto controller = makeController();
    QList<QWidget*> firstShown;
    connect(controller.get(), &AppController::firstWindowShown, this, [&](QWidget* w) { firstShown << w; });
    controller->start();
    QTRY_COMPARE_WITH_TIMEOUT(firstShown.size(), 1, kFlowTimeoutMs);
    QCOMPARE(firstShown.constFirst(), controller->mainWindow());
    QVERIFY(controller->mainWindow()->isVisible());
    // A session was open at exit, so the window came up at once, before the keychain answered;
    // its pages wait for the session.
    QCOMPARE(controller->session()->state(), Session::State::Restoring);
    QVERIFY(controller->mainWindow()->isSessionOpening());
    QCOMPARE(controller->mainWindow()->statusBar()->findChild<QLabel*>(QStringLiteral("sessionLabel"))->text(),
             QStringLiteral("Opening your saved session…"));
    QTRY_COMPARE_WITH_TIMEOUT(controller->session()->state(), Session::State::SignedIn, kFlowTimeoutMs);
    QVERIFY(!controller->mainWindow()->isSessionOpening());
    QVERIFY(!controller->signInWindow()->isVisible());
    QCOMPARE(m_browser->openCount(), 1); // only the first run's sign-in
    QCOMPARE(controller->session()->credentials().accessToken, signedInWith.accessToken);
    verifyRepositoriesLoad(controller->mainWindow());
    if (QTest::currentTestFailed())
        return;
}

void TestAppController::sessionMissingAtStartFallsBackToSignIn()
{
    // The last run ended signed in, but the keychain no longer has the session (removed by hand,
    // another machine's settings): the main window that came up expecting it gives way to the
    // sign-in window, and the next start does not expect a session.
    {
        nullify::ui::AppSettings settings;
        settings.setValue(nullify::ui::AppSettings::Key::SignedInAtExit, true);
    }
    QCOMPARE(keychainStatus(sandboxTenant()), CredentialStore::Status::NotFound);
    const int requestsBefore = m_sandbox->requestCount();
    QStringList requests;
    connect(m_sandbox.get(), &SandboxServer::requestLogged, this, [&requests](const QJsonObject& entry) {
        requests << QString::fromUtf8(QJsonDocument(entry).toJson(QJsonDocument::Compact));
    });
    auto controller = makeController();
    QList<QWidget*> firstShown;
    connect(controller.get(), &AppController::firstWindowShown, this, [&](QWidget* w) { firstShown << w; });
    controller->start();
    QCOMPARE(firstShown.size(), 1);
    QCOMPARE(firstShown.constFirst(), controller->mainWindow());
    QTRY_VERIFY_WITH_TIMEOUT(controller->signInWindow()->isVisible(), kFlowTimeoutMs);
    QVERIFY(!controller->mainWindow()->isVisible());
    QVERIFY(!controller->mainWindow()->isSessionOpening());
    QCOMPARE(controller->session()->state(), Session::State::SignedOut);
    QVERIFY(!controller->settings()->value(nullify::ui::AppSettings::Key::SignedInAtExit).toBool());
    // The page it showed asked the server for nothing without a session.
    QCOMPARE(controller->mainWindow()->builtViews().size(), 1);
    QTest::qWait(200); // negative: a load would be sent as the page showed, and reach the in-process sandbox by now
    QVERIFY2(m_sandbox->requestCount() == requestsBefore, qPrintable(requests.join(QLatin1Char('\n'))));
}

void TestAppController::signOutReturnsToSignInAndForgetsTheSession()
{
    {
        auto controller = makeController();
        controller->start();
        signInWithBrowser(controller.get());
        QTRY_VERIFY_WITH_TIMEOUT(controller->session()->isPersisted(), kFlowTimeoutMs);
        QCOMPARE(keychainStatus(sandboxTenant()), CredentialStore::Status::Ok);

        QAction* signOut = controller->mainWindow()->signOutAction();
        QCOMPARE(signOut->text().remove(QLatin1Char('&')), QStringLiteral("Sign out"));
        QVERIFY(signOut->shortcut().isEmpty());
        signOut->trigger();

        QTRY_VERIFY_WITH_TIMEOUT(controller->signInWindow()->isVisible(), kFlowTimeoutMs);
        QVERIFY(!controller->mainWindow()->isVisible());
        QCOMPARE(controller->signInWindow()->mode(), SignInWindow::Mode::Idle);
        QCOMPARE(controller->signInWindow()->tenantText(), m_sandbox->apiUrl(QString()).toString());
        QTRY_COMPARE_WITH_TIMEOUT(controller->session()->state(), Session::State::SignedOut, kFlowTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(keychainStatus(sandboxTenant()), CredentialStore::Status::NotFound, kFlowTimeoutMs);
    }

    // And a restart asks for a sign-in again.
    auto controller = makeController();
    QList<QWidget*> firstShown;
    connect(controller.get(), &AppController::firstWindowShown, this, [&](QWidget* w) { firstShown << w; });
    controller->start();
    QTRY_COMPARE_WITH_TIMEOUT(firstShown.size(), 1, kFlowTimeoutMs);
    QCOMPARE(firstShown.constFirst(), controller->signInWindow());
    QTRY_COMPARE_WITH_TIMEOUT(controller->signInWindow()->mode(), SignInWindow::Mode::Idle, kFlowTimeoutMs);
    QVERIFY(!controller->mainWindow()->isVisible());
}

void TestAppController::noTokenInSettingsFilesOrLog()
{
    auto controller = makeController();
    controller->start();
    signInWithBrowser(controller.get());
    QTRY_VERIFY_WITH_TIMEOUT(controller->session()->isPersisted(), kFlowTimeoutMs);
    verifyRepositoriesLoad(controller->mainWindow());
    if (QTest::currentTestFailed())
        return;
    const Credentials credentials = controller->session()->credentials();
    QVERIFY(!credentials.accessToken.isEmpty());
    QVERIFY(!credentials.refreshToken.isEmpty());

    // The settings were written, and hold the tenant the user typed.
    QSettings settings;
    settings.sync();
    QCOMPARE(settings.status(), QSettings::NoError);
    QVERIFY2(QFile::exists(settings.fileName()), qPrintable(settings.fileName()));
    QCOMPARE(settings.value(QLatin1String(AppController::tenantSettingsKey)).toString(),
             m_sandbox->apiUrl(QString()).toString());

    // No token in any file the app could have written: the settings file itself, and everything
    // under the throwaway HOME and XDG directories (the keyring's own file is encrypted).
    const QStringList places = writablePlaces(settings);
    for (const QString& place : std::as_const(places)) {
        for (const QByteArray& token : {credentials.accessToken, credentials.refreshToken}) {
            const QStringList hits = filesContaining(place, token);
            QVERIFY2(hits.isEmpty(), qPrintable(QStringLiteral("a token is in: ") + hits.join(QStringLiteral(", "))));
        }
    }

    // The search itself works: it finds what the settings do hold.
    QVERIFY(!filesContaining(QFileInfo(settings.fileName()).absolutePath(),
                             m_sandbox->apiUrl(QString()).toString().toUtf8())
                 .isEmpty());

    // No token in the log, with every nullify.* category at debug level.
    const QStringList log = capturedLog();
    const auto debugLines = std::count_if(log.cbegin(), log.cend(), [](const QString& line) {
        return line.startsWith(QLatin1String("nullify.")) && line.contains(QLatin1String(" [debug]: "));
    });
    QVERIFY2(debugLines > 0, "no nullify.* debug line was captured: the check would prove nothing");
    for (const QString& line : log) {
        QVERIFY2(!line.contains(QString::fromLatin1(credentials.accessToken)), qPrintable(line.left(200)));
        QVERIFY2(!line.contains(QString::fromLatin1(credentials.refreshToken)), qPrintable(line.left(200)));
    }
    std::fprintf(stderr,
                 "checked %lld log lines (%lld nullify.* debug) and %lld places\n",
                 qlonglong(log.size()),
                 qlonglong(debugLines),
                 qlonglong(places.size()));
}

void TestAppController::expiredSessionPromptsOnceAndWorkGoesOn()
{
    auto controller = makeController();
    controller->start();
    signInWithBrowser(controller.get());
    MainWindow* main = controller->mainWindow();
    SignInWindow* signIn = controller->signInWindow();
    verifyRepositoriesLoad(main);
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(controller->session()->isPersisted(), kFlowTimeoutMs);

    int expired = 0;
    connect(controller->session(), &Session::sessionExpired, this, [&expired] { ++expired; });
    int signInShows = 0;
    struct ShowCounter : QObject
    {
        int* count;
        explicit ShowCounter(int* c)
            : count(c)
        { }
        bool eventFilter(QObject*, QEvent* event) override
        {
            if (event->type() == QEvent::Show)
                ++*count;
            return false;
        }
    } counter(&signInShows);
    signIn->installEventFilter(&counter);

    // The server forgets every token, refresh tokens too: the next calls get 401, the refresh
    // gets 401, and the session is over, however many requests were waiting.
    QVERIFY(m_sandbox->auth().revoke(QString(), true) > 0);
    int answered = 0;
    QObject context;
    for (int i = 0; i < 5; ++i) {
        controller->api()->currentUser(&context, [&answered](const auto&) { ++answered; });
    }
    QTRY_COMPARE_WITH_TIMEOUT(answered, 5, kFlowTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(signIn->isVisible(), kFlowTimeoutMs);
    QTest::qWait(200); // negative: a second expiry would come from the same round of 401s, already answered
    QCOMPARE(expired, 1);
    QCOMPARE(signInShows, 1); // one prompt
    QVERIFY(!signIn->notice().isEmpty());
    QCOMPARE(signIn->tenantText(), m_sandbox->apiUrl(QString()).toString()); // prefilled
    QVERIFY(main->isVisible()); // the work stays where it was

    // Signing in again: the prompt goes, the main window carries on and loads again.
    auto* button = signIn->findChild<QPushButton*>(QStringLiteral("browserButton"));
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!signIn->isVisible(), kFlowTimeoutMs);
    QVERIFY(main->isVisible());
    QCOMPARE(controller->session()->state(), Session::State::SignedIn);
    QTRY_VERIFY_WITH_TIMEOUT(main->signedInAs().contains(QStringLiteral("demo")), kFlowTimeoutMs);
    verifyRepositoriesLoad(main);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(main->notice().isEmpty());
    signIn->removeEventFilter(&counter);
}

void TestAppController::settingsAndConnectionStateAreWired()
{
    using nullify::ui::AppSettings;
    using nullify::ui::ConnectionState;
    auto controller = makeController();
    AppSettings* settings = controller->settings();
    QVERIFY(settings);

    // The retry limits of the settings table reach the one manager, at once.
    QVERIFY(settings->setValue(AppSettings::Key::RetryCapSeconds, 9));
    QVERIFY(settings->setValue(AppSettings::Key::MaxAttempts, 3));
    QCOMPARE(controller->networkManager()->retryPolicy().retryAfterCap, std::chrono::milliseconds(9000));
    QCOMPARE(controller->networkManager()->retryPolicy().maxAttempts, 3);

    // The log level chosen in the settings is applied.
    QLoggingCategory probe("nullify.app.controller");
    QVERIFY(settings->setValue(AppSettings::Key::LogLevel, QStringLiteral("warning")));
    QVERIFY(!probe.isInfoEnabled());
    QVERIFY(settings->setValue(AppSettings::Key::LogLevel, QStringLiteral("info")));
    QVERIFY(probe.isInfoEnabled());

    // Signed out until the session says otherwise; then online, with a probe URL on the API that
    // carries no token.
    ConnectionState* connection = controller->connectionState();
    QCOMPARE(connection->state(), ConnectionState::State::SignedOut);
    QCOMPARE(controller->mainWindow()->connectionStatusWidget()->text(), QStringLiteral("Signed out"));
    controller->start();
    signInWithBrowser(controller.get());
    QVERIFY(connection->isSignedIn());
    QCOMPARE(connection->probeUrl().path(), QStringLiteral("/admin/user/current"));
    QCOMPARE(connection->probeUrl().host(), m_sandbox->apiUrl(QString()).host());
    QVERIFY(!connection->probeUrl().toString().contains(QStringLiteral("Bearer")));
    QTRY_COMPARE_WITH_TIMEOUT(
        controller->mainWindow()->connectionStatusWidget()->text(), QStringLiteral("Online"), kFlowTimeoutMs);

    controller->mainWindow()->signOutAction()->trigger();
    QCOMPARE(connection->state(), ConnectionState::State::SignedOut);

    // Leave the throwaway settings as the other tests expect them.
    settings->reset(AppSettings::Key::RetryCapSeconds);
    settings->reset(AppSettings::Key::MaxAttempts);
    settings->reset(AppSettings::Key::LogLevel);
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.debug=true"));
}

namespace {

template <typename ViewType> ViewType* pageOf(MainWindow* main)
{
    for (nullify::ui::View* view : main->views()) {
        if (auto* page = qobject_cast<ViewType*>(view))
            return page;
    }
    return nullptr;
}

// Shows Findings filtered to code findings and selects the one with the id (the first when empty);
// its id, or empty when it is not listed.
QString selectCodeFinding(MainWindow* main, const QString& id)
{
    auto* findings = pageOf<nullify::ui::FindingsView>(main);
    main->showView(findings);
    QComboBox* type = findings->typeFilter();
    type->setCurrentIndex(type->findData(int(nullify::api::FindingType::Code)));
    if (!QTest::qWaitFor(
            [findings] {
                return !findings->query().types.isEmpty() && findings->pager()->pagesLoaded() > 0
                    && !findings->pager()->isLoading();
            },
            kFlowTimeoutMs))
        return {};
    for (int row = 0; row < findings->proxy()->rowCount(); ++row) {
        const QString rowId = findings->findingsModel()->finding(findings->proxy()->sourceRow(row)).id;
        if (id.isEmpty() || rowId == id) {
            findings->findingsTable()->selectRow(row);
            return rowId;
        }
    }
    return {};
}

} // namespace

// Issue 17, triage: allowlisting a finding on the Findings page takes it out of the Overview's
// open count at once (the app asks the Overview again), as the sandbox now counts it.
void TestAppController::triageUpdatesTheOverview()
{
    auto controller = makeController();
    controller->start();
    signInWithBrowser(controller.get());
    MainWindow* main = controller->mainWindow();
    auto* overview = pageOf<nullify::ui::OverviewView>(main);
    QVERIFY(overview);
    main->showView(overview);
    QTRY_VERIFY_WITH_TIMEOUT(overview->hasData(), kFlowTimeoutMs);
    const QString before = overview->figureText(QStringLiteral("open.total"));
    bool ok = false;
    const int open = QLocale().toInt(before, &ok);
    QVERIFY2(ok && open > 0, qPrintable(before));

    const QString id = selectCodeFinding(main, QString());
    QVERIFY(!id.isEmpty());
    auto* findings = pageOf<nullify::ui::FindingsView>(main);
    nullify::ui::TriagePanel* panel = findings->triagePanel();
    QTRY_VERIFY_WITH_TIMEOUT(panel->allowlistButton()->isEnabled(), kFlowTimeoutMs);
    QTest::mouseClick(panel->allowlistButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(panel->activeDialog() && panel->activeDialog()->isVisible(), kFlowTimeoutMs);
    auto* dialog = qobject_cast<nullify::ui::AllowlistDialog*>(panel->activeDialog());
    QVERIFY(dialog);
    QTest::keyClicks(dialog->reasonEdit(), QStringLiteral("Sample code in the docs"));
    QTest::mouseClick(dialog->submitButton(), Qt::LeftButton);

    QTRY_COMPARE_WITH_TIMEOUT(overview->figureText(QStringLiteral("open.total")),
                              nullify::ui::OverviewView::countText(open - 1),
                              kFlowTimeoutMs);
}

// Bug 1 of issue 17: start an autofix, wait for "Fix ready", quit, relaunch. The relaunched app
// finds the fix on the server: the Autofix page lists it with "Show fix", the finding's details say
// the same and offer "Show fix", and nothing starts a second, billable fix.
void TestAppController::autofixIsTheServersAfterARestart()
{
    QString findingId;
    {
        auto controller = makeController();
        controller->start();
        signInWithBrowser(controller.get());
        QTRY_VERIFY_WITH_TIMEOUT(controller->session()->isPersisted(), kFlowTimeoutMs);
        MainWindow* main = controller->mainWindow();
        findingId = selectCodeFinding(main, QString());
        QVERIFY(!findingId.isEmpty());
        auto* findings = pageOf<nullify::ui::FindingsView>(main);
        QTRY_VERIFY_WITH_TIMEOUT(findings->autofixButton()->isEnabled(), kFlowTimeoutMs);
        QTest::mouseClick(findings->autofixButton(), Qt::LeftButton);
        QVERIFY(nullify::test::answerStart(true));
        auto* autofix = pageOf<nullify::ui::AutofixView>(main);
        QCOMPARE(main->currentView(), static_cast<nullify::ui::View*>(autofix));
        QTRY_VERIFY_WITH_TIMEOUT(autofix->diffView()->addedCount() > 0, kFlowTimeoutMs);
        nullify::ui::OperationRow* row = autofix->rowFor(nullify::api::FindingService::Sast, findingId);
        QVERIFY(row);
        QCOMPARE(row->status(), QStringLiteral("Fix ready"));
    } // quit
    QCOMPARE(m_sandbox->tenant().autofixRequests(), 1);

    auto controller = makeController();
    controller->start();
    QTRY_COMPARE_WITH_TIMEOUT(controller->session()->state(), Session::State::SignedIn, kFlowTimeoutMs);
    MainWindow* main = controller->mainWindow();
    auto* autofix = pageOf<nullify::ui::AutofixView>(main);
    main->showView(autofix);
    QTRY_VERIFY_WITH_TIMEOUT(autofix->rowFor(nullify::api::FindingService::Sast, findingId), kFlowTimeoutMs);
    nullify::ui::OperationRow* row = autofix->rowFor(nullify::api::FindingService::Sast, findingId);
    QTRY_COMPARE_WITH_TIMEOUT(row->status(), QStringLiteral("Fix ready"), kFlowTimeoutMs);
    auto* showFix = row->findChild<QPushButton*>(QStringLiteral("showDiffButton"));
    QVERIFY(showFix && showFix->isVisible());

    // The finding's details agree, and offer the fix rather than a new one.
    QCOMPARE(selectCodeFinding(main, findingId), findingId);
    auto* findings = pageOf<nullify::ui::FindingsView>(main);
    QTRY_COMPARE_WITH_TIMEOUT(findings->autofixButton()->text(), QStringLiteral("Show fix"), kFlowTimeoutMs);
    QVERIFY2(findings->detailField(QStringLiteral("autofix"))->text().startsWith(QStringLiteral("Fix ready")),
             qPrintable(findings->detailField(QStringLiteral("autofix"))->text()));
    QTest::mouseClick(findings->autofixButton(), Qt::LeftButton);
    QCOMPARE(main->currentView(), static_cast<nullify::ui::View*>(autofix));
    QTRY_VERIFY_WITH_TIMEOUT(autofix->diffView()->addedCount() > 0, kFlowTimeoutMs);
    QVERIFY(!nullify::test::openBox("startConfirmation", 500)); // nothing to confirm: nothing starts
    QCOMPARE(m_sandbox->tenant().autofixRequests(), 1);
    QCOMPARE(m_sandbox->tenant().autofixesStarted(), 1);
}

// The event feed's notifications in the running app: a critical finding reported by a scanner is
// notified once (in the tray, or in the window where there is none, as offscreen), and its click
// brings up Findings with the finding selected; a fix ready opens the Autofix page on that fix.
void TestAppController::eventNotificationOpensItsItem()
{
    using nullify::ui::EventNotification;
    using nullify::ui::EventNotifier;
    using namespace std::chrono_literals;
    auto controller = makeController();
    controller->start();
    signInWithBrowser(controller.get());
    EventNotifier* events = controller->eventNotifier();
    QVERIFY(events->isPolling());
    // Quicker than the app's 30 s, and each notification at once.
    events->stop();
    events->poller()->setIntervals(50ms, 100ms, 400ms);
    events->setDeliveryGap(0ms);
    QSignalSpy reads(events->poller(), &nullify::api::EventFeedPoller::polled);
    QSignalSpy shown(events, &EventNotifier::notificationShown);
    events->start();
    QTRY_VERIFY_WITH_TIMEOUT(reads.count() >= 1, kFlowTimeoutMs);

    // An open critical finding of this tenant, reported as new.
    nullify::api::FindingsQuery criticals;
    criticals.pageSize = 5;
    criticals.severities = {nullify::api::Severity::Critical};
    criticals.isResolved = false;
    std::optional<nullify::api::Result<nullify::api::Page<nullify::api::Finding>>> page;
    controller->api()->findings(criticals, this, [&page](const auto& result) { page = result; });
    QTRY_VERIFY_WITH_TIMEOUT(page.has_value(), kFlowTimeoutMs);
    QVERIFY(page->isOk());
    if (page->value().items.isEmpty())
        QSKIP("this seed has no open critical finding");
    const QString findingId = page->value().items.first().id;
    QString error;
    QVERIFY2(!m_sandbox->tenant().reportNewFinding(findingId, &error).isEmpty(), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kFlowTimeoutMs);
    QCOMPARE(shown.first().at(0).value<EventNotification>().title, QStringLiteral("New critical finding"));

    MainWindow* main = controller->mainWindow();
    nullify::ui::EventNoticeBar* notice = main->eventNoticeBar();
    if (controller->trayNotifier()->isAvailable()) {
        controller->trayNotifier()->onMessageClicked(); // what the tray's messageClicked reaches
    } else {
        // No system tray (offscreen): the window shows it, and its Open does what a click would.
        QVERIFY(notice->isVisibleTo(main));
        QVERIFY(notice->textLabel()->text().startsWith(QStringLiteral("New critical finding")));
        QTest::mouseClick(notice->openButton(), Qt::LeftButton);
    }
    auto* findings = pageOf<nullify::ui::FindingsView>(main);
    QCOMPARE(main->currentView(), static_cast<nullify::ui::View*>(findings));
    QTRY_COMPARE_WITH_TIMEOUT(findings->selectedFindingId(), findingId, kFlowTimeoutMs);

    // A fix becoming ready on the server (started elsewhere): once, and it opens the Autofix page.
    std::optional<nullify::api::Result<nullify::api::AutofixStart>> started;
    controller->api()->startAutofix(nullify::api::FindingService::Sast,
                                    selectCodeFinding(main, QString()),
                                    this,
                                    [&started](const auto& result) { started = result; });
    QTRY_VERIFY_WITH_TIMEOUT(started.has_value(), kFlowTimeoutMs);
    QVERIFY(started->isOk());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, kFlowTimeoutMs);
    const EventNotification fix = shown.last().at(0).value<EventNotification>();
    QCOMPARE(fix.title, QStringLiteral("Fix ready"));
    events->openCurrent(); // the tray's click handler
    auto* autofix = pageOf<nullify::ui::AutofixView>(main);
    QCOMPARE(main->currentView(), static_cast<nullify::ui::View*>(autofix));
    QTRY_VERIFY_WITH_TIMEOUT(autofix->rowFor(nullify::api::FindingService::Sast, fix.target.findingId), kFlowTimeoutMs);
    const int reads0 = int(reads.count());
    QTRY_VERIFY_WITH_TIMEOUT(reads.count() >= reads0 + 3, kFlowTimeoutMs);
    QCOMPARE(shown.count(), 2);
}

// Issue 17, "Findings at scale": in the app as wired, an Overview tile and a repository row open
// the Findings page with the matching filter, and the last filter is there again after a restart.
void TestAppController::clickThroughOpensFilteredFindingsKeptAcrossRestarts()
{
    QString repository;
    {
        auto controller = makeController();
        controller->start();
        signInWithBrowser(controller.get());
        QTRY_VERIFY_WITH_TIMEOUT(controller->session()->isPersisted(), kFlowTimeoutMs);
        MainWindow* main = controller->mainWindow();
        auto* overview = pageOf<nullify::ui::OverviewView>(main);
        auto* findings = pageOf<nullify::ui::FindingsView>(main);
        main->showView(overview);
        QTRY_VERIFY_WITH_TIMEOUT(overview->hasData(), kFlowTimeoutMs);
        QWidget* tile = overview->clickThroughTile(QStringLiteral("open.high"));
        QVERIFY(tile);
        QTest::mouseClick(tile, Qt::LeftButton);
        QCOMPARE(main->currentView(), static_cast<nullify::ui::View*>(findings));
        QTRY_VERIFY_WITH_TIMEOUT(findings->pager() && findings->pager()->pagesLoaded() > 0
                                     && !findings->pager()->isLoading(),
                                 kFlowTimeoutMs);
        QCOMPARE(findings->query().severities, QList<nullify::api::Severity> {nullify::api::Severity::High});
        QCOMPARE(findings->query().isResolved, std::optional<bool>(false));
        QCOMPARE(findings->pager()->totalCount().value_or(-1),
                 overview->figureText(QStringLiteral("open.high")).toInt());

        auto* repositories = pageOf<nullify::ui::RepositoriesView>(main);
        main->showView(repositories);
        QTRY_VERIFY_WITH_TIMEOUT(repositories->repositoriesModel()->rowCount() > 0, kFlowTimeoutMs);
        repositories->repositoriesTable()->selectRow(0);
        repository = repositories->repositoriesTable()->model()->index(0, 0).data().toString();
        QVERIFY(!repository.isEmpty());
        QTest::mouseClick(repositories->showFindingsButton(), Qt::LeftButton);
        QCOMPARE(main->currentView(), static_cast<nullify::ui::View*>(findings));
        QTRY_VERIFY_WITH_TIMEOUT(findings->query().repositories == QStringList {repository}
                                     && !findings->pager()->isLoading(),
                                 kFlowTimeoutMs);
        QVERIFY(findings->query().severities.isEmpty()); // the repository's open findings, not only High
    } // quit

    auto controller = makeController();
    controller->start();
    QTRY_COMPARE_WITH_TIMEOUT(controller->session()->state(), Session::State::SignedIn, kFlowTimeoutMs);
    auto* findings = pageOf<nullify::ui::FindingsView>(controller->mainWindow());
    QCOMPARE(findings->query().repositories, QStringList {repository});
    QCOMPARE(findings->query().isResolved, std::optional<bool>(false));
    QCOMPARE(findings->repositoryFilter()->selectedTexts(), QStringList {repository});
}

void TestAppController::echoedSecretsAppearNowhere_data()
{
    QTest::addColumn<QString>("level");
    QTest::addColumn<bool>("serviceToken");
    for (const char* level : {"debug", "info", "warning"}) {
        QTest::addRow("%s, browser sign-in", level) << QString::fromLatin1(level) << false;
        QTest::addRow("%s, service token", level) << QString::fromLatin1(level) << true;
    }
}

// Issue 14, item 4: a server whose error text echoes the request's Authorization and Cookie
// headers (the sandbox's "echo" fault), hit by a service-token check, a view load and both kinds
// of failed refresh, at every log level. No secret may show in any log line (before or after the
// scrubbing handler, Qt's own categories included), in any widget's text, or in any file the app
// wrote. The server's words reach the log at debug level only.
void TestAppController::echoedSecretsAppearNowhere()
{
    QFETCH(QString, level);
    QFETCH(bool, serviceToken);
    QVERIFY(nullify::ui::applyLogLevel(level)); // what --log-level does
    {
        QMutexLocker locker(&g_logMutex);
        g_log.clear();
        g_rawLog.clear();
    }
    g_scrubbingHandler = qInstallMessageHandler(captureRawMessage);
    const auto restore = qScopeGuard([] {
        qInstallMessageHandler(g_scrubbingHandler);
        g_scrubbingHandler = nullptr;
        QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.debug=true"));
    });
    const auto addFault = [this](const FaultRuleBuilder& rule) {
        QString error;
        QVERIFY2(m_sandbox->faultPlan().add(rule.toJson(), &error), qPrintable(error));
    };

    auto controller = makeController();
    controller->start();
    SignInWindow* signIn = controller->signInWindow();
    QTRY_VERIFY_WITH_TIMEOUT(signIn->isVisible(), kFlowTimeoutMs);
    if (serviceToken) {
        // The token check itself meets the echo first: the sign-in window shows the server's words.
        addFault(FaultRule::on("*", "/admin/installations").status(401).echoingCredentials());
        QTest::mouseClick(signIn->findChild<QPushButton*>(QStringLiteral("tokenToggle")), Qt::LeftButton);
        auto* tokenEdit = signIn->findChild<QLineEdit*>(QStringLiteral("tokenEdit"));
        QVERIFY(tokenEdit);
        tokenEdit->setText(QString::fromLatin1(kServiceToken));
        auto* tokenButton = signIn->findChild<QPushButton*>(QStringLiteral("tokenSignInButton"));
        QTest::mouseClick(tokenButton, Qt::LeftButton);
        auto* errorLabel = signIn->findChild<QLabel*>(QStringLiteral("errorLabel"));
        QTRY_VERIFY_WITH_TIMEOUT(errorLabel && errorLabel->text().contains(QLatin1String("request headers:")),
                                 kFlowTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(tokenButton->isEnabled(), kFlowTimeoutMs);
        QTest::mouseClick(tokenButton, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(controller->mainWindow()->isVisible(), kFlowTimeoutMs);
    } else {
        signInWithBrowser(controller.get());
    }
    MainWindow* main = controller->mainWindow();
    QTRY_VERIFY_WITH_TIMEOUT(main->signedInAs().contains(QStringLiteral("demo")) || serviceToken, kFlowTimeoutMs);
    const Credentials credentials = controller->session()->credentials();
    QList<QByteArray> secrets {credentials.accessToken};
    if (serviceToken) {
        QCOMPARE(credentials.accessToken, kServiceToken);
    } else {
        secrets << credentials.refreshToken;
        QVERIFY(!credentials.refreshToken.isEmpty());
    }

    // A view load: the overview's POST meets the echo; the page says what the server said.
    nullify::ui::OverviewView* overview = nullptr;
    for (nullify::ui::View* view : main->views()) {
        if (auto* candidate = qobject_cast<nullify::ui::OverviewView*>(view))
            overview = candidate;
    }
    QVERIFY(overview);
    addFault(FaultRule::on("*", "/admin/metrics/overview").status(500).echoingCredentials().always());
    main->showView(overview);
    overview->refresh();
    auto* overviewState = overview->findChild<QWidget*>(QStringLiteral("overviewState"));
    QVERIFY(overviewState);
    const auto overviewFailed = [&] {
        const QStringList texts = widgetTexts();
        return std::any_of(texts.begin(), texts.end(), [](const QString& text) {
            return text.contains(QLatin1String("Could not load the overview"))
                && text.contains(QLatin1String("request headers: Authorization:"));
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(overviewFailed(), kFlowTimeoutMs);

    if (!serviceToken) {
        // A refresh that fails for now (403: not a rejection), then one that is rejected (401):
        // both answers quote the refresh token's cookie. A revoked access token sets each off.
        QTRY_VERIFY_WITH_TIMEOUT(controller->session()->isPersisted(), kFlowTimeoutMs);
        QSignalSpy failed(controller->session(), &Session::refreshFailed);
        addFault(FaultRule::on("*", "/auth/refresh_token").status(403).echoingCredentials());
        addFault(FaultRule::on("*", "/admin/user/current").revoke());
        int answered = 0;
        QObject context;
        controller->api()->currentUser(&context, [&answered](const auto&) { ++answered; });
        QTRY_COMPARE_WITH_TIMEOUT(answered, 1, kFlowTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kFlowTimeoutMs);
        QCOMPARE(failed.first().at(1).toBool(), false); // for now: the session goes on

        addFault(FaultRule::on("*", "/auth/refresh_token").status(401).echoingCredentials().always());
        addFault(FaultRule::on("*", "/admin/user/current").revoke());
        controller->api()->currentUser(&context, [&answered](const auto&) { ++answered; });
        QTRY_COMPARE_WITH_TIMEOUT(answered, 2, kFlowTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(signIn->isVisible(), kFlowTimeoutMs); // the session was ended
        QTRY_COMPARE_WITH_TIMEOUT(keychainStatus(sandboxTenant()), CredentialStore::Status::NotFound, kFlowTimeoutMs);
    }
    // Negative: no log line of the last answers, however late, may hold a secret. They are written
    // as the answers are handled, which is over; 200 ms for any queued after.
    QTest::qWait(200);

    // Windows: every text of every widget, hidden ones included.
    const QStringList texts = widgetTexts();
    QVERIFY(texts.size() > 50);
    // Logs: after the scrubbing handler (what the user's terminal or journal gets) and before it
    // (what the code wrote: the scrubbing at the source, without the handler's help).
    QStringList log;
    QStringList rawLog;
    {
        QMutexLocker locker(&g_logMutex);
        log = g_log;
        rawLog = g_rawLog;
    }
    if (level != QLatin1String("warning")) // a quiet run may have next to nothing to warn about
        QVERIFY(log.size() > 10);
    QCOMPARE(log.size(), rawLog.size());
    for (const QByteArray& secret : std::as_const(secrets)) {
        QVERIFY(secret.size() >= 20);
        const QString text = QString::fromLatin1(secret);
        for (const QString& line : std::as_const(texts))
            QVERIFY2(!line.contains(text), qPrintable(QStringLiteral("a widget shows a secret: ") + line));
        for (const QString& line : std::as_const(log))
            QVERIFY2(!line.contains(text), qPrintable(QStringLiteral("the log shows a secret: ") + line));
        for (const QString& line : std::as_const(rawLog))
            QVERIFY2(!line.contains(text), qPrintable(QStringLiteral("a secret was logged: ") + line));
    }
    static const QRegularExpression bareCredential(QStringLiteral("(Bearer|refresh_token=)(?!<redacted>)\\S"));
    for (const QString& line : std::as_const(texts) + log)
        QVERIFY2(!bareCredential.match(line).hasMatch(), qPrintable(line));

    // The server's words (and with them anything it echoes) are logged at debug level only.
    const auto echoed
        = [](const QString& line) { return line.contains(QLatin1String("request headers: Authorization:")); };
    const qsizetype echoedLines = std::count_if(log.cbegin(), log.cend(), echoed);
    if (level == QLatin1String("debug"))
        QVERIFY2(echoedLines > 0, "the echo never reached the debug log: the check above would prove nothing");
    else
        QCOMPARE(echoedLines, 0);

    // Files: the settings and everything else under the throwaway HOME and XDG directories.
    QSettings settings;
    settings.sync();
    const QStringList places = writablePlaces(settings);
    for (const QString& place : std::as_const(places)) {
        for (const QByteArray& secret : std::as_const(secrets)) {
            const QStringList hits = filesContaining(place, secret);
            QVERIFY2(hits.isEmpty(), qPrintable(QStringLiteral("a secret is in: ") + hits.join(QStringLiteral(", "))));
        }
    }
    std::fprintf(stderr,
                 "%s: checked %lld widget texts, %lld log lines (%lld with the server's echo), %lld places\n",
                 qPrintable(level),
                 qlonglong(texts.size()),
                 qlonglong(log.size()),
                 qlonglong(echoedLines),
                 qlonglong(places.size()));
}

int main(int argc, char* argv[])
{
    // ctest sets QT_LOGGING_RULES (nullify.*.debug=false), and the environment outranks
    // QLoggingCategory::setFilterRules(); the test sets its own rules in initTestCase().
    qunsetenv("QT_LOGGING_RULES");
    QApplication app(argc, argv);
    TestAppController test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_appcontroller.moc"
