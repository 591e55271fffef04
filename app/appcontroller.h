#pragma once

#include "credentialstore.h"
#include "session.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <memory>

class QWidget;

namespace nullify {
class MainWindow;
class NetworkAccessManager;
namespace api {
enum class FindingService;
class ApiClient;
class NullifyApi;
} // namespace api
namespace ui {
class AppSettings;
class AutofixView;
class ConnectionState;
class EventNotifier;
class FindingsView;
struct FindingsFilter;
class RequestTracker;
class SignInWindow;
class TrayNotifier;
class View;
struct NotificationTarget;
struct ViewContext;
} // namespace ui
} // namespace nullify

namespace nullify::app {

// The wiring of the running app: one network manager, the typed API over it, the keychain, the
// session, and the windows, with the rules that decide which window is up:
// - start-up restores the last tenant's session from the keychain: signed in → main window,
//   otherwise the sign-in window (prefilled with the last tenant, or --api-url). When a session
//   was open at the last exit, the main window comes up at once and its pages wait for the
//   keychain's answer (the sign-in window replaces it if the session is not there after all);
// - the main window's pages are built when first shown;
// - a sign-in hands the credentials to the Session (which keeps them) and brings up the main window;
// - an expired session brings up the sign-in window once, over the main window, which goes on
//   after the user signs in again;
// - "Sign out" ends the session (the keychain entry goes with it) and returns to the sign-in window.
// Only the tenant the user typed and whether a session was open at exit are remembered in
// QSettings ("session/tenant", "session/signedInAtExit"), never a token.
// The settings table (ui::AppSettings) is applied here: retry limits to the manager's policy, the
// log level, notifications through the tray.
class AppController : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QUrl apiUrl; // --api-url: the tenant to restore and prefill, instead of the last one
        QString keychainService = QString::fromLatin1(session::CredentialStore::defaultServiceName);
        // --log-level: used for this run instead of the stored level (until the user changes it).
        QString logLevelOverride;
    };

    static constexpr const char* tenantSettingsKey = "session/tenant";
    // How long a keychain read may keep the screen empty before the sign-in window says so.
    static constexpr int restoreNoticeDelayMs = 700;

    explicit AppController(QObject* parent = nullptr);
    explicit AppController(const Options& options, QObject* parent = nullptr);
    ~AppController() override;

    // Reads the last tenant and starts restoring its session, then builds the main window a piece
    // per event-loop turn; shows a window as soon as the outcome is known.
    void start();

    NetworkAccessManager* networkManager() const { return m_manager.get(); }
    api::NullifyApi* api() const { return m_api.get(); }
    session::CredentialStore* credentialStore() const { return m_store.get(); }
    session::Session* session() const { return m_session.get(); }
    // Both windows are built on first use (the sign-in window only when it is needed at all).
    ui::SignInWindow* signInWindow();
    MainWindow* mainWindow();
    ui::AppSettings* settings() const { return m_settings.get(); }
    ui::RequestTracker* requestTracker() const { return m_tracker.get(); }
    ui::ConnectionState* connectionState() const { return m_connection.get(); }
    ui::TrayNotifier* trayNotifier() const { return m_tray.get(); }
    ui::EventNotifier* eventNotifier() const { return m_events.get(); }

    // What a click on a notification does: the main window comes up with the item it names (the
    // finding selected, the autofix shown, the pentest's report opened).
    void openNotificationTarget(const ui::NotificationTarget& target);

signals:
    // Once, for the first window the controller shows (for --exit-when-shown and start-up timing).
    void firstWindowShown(QWidget* window);

private:
    enum class Phase { Idle, Restoring, SignedIn, Expired, SigningOut };

    void onSignInWindowSignedIn(const session::Tenant& tenant, const session::Credentials& credentials);
    ui::ViewContext viewContext() const;
    template <typename ViewType> int addPage();
    void addPages();
    ui::AutofixView* autofixView();
    void linkAutofixStatus(ui::AutofixView* autofix, ui::FindingsView* findings);
    void showFindings(const ui::FindingsFilter& filter);
    void startAutofix(api::FindingService service,
                      const QString& findingId,
                      const QString& findingTitle,
                      const QString& repository);
    void showAutofix(api::FindingService service, const QString& findingId, const QString& findingTitle);
    void onSessionSignedIn();
    void onSessionSignedOut();
    void onSessionExpired(const QString& reason);
    void onStorageProblem(const QString& message);
    void onSignOutRequested();
    void showSignInWindow();
    void showMainWindow();
    void showWindow(QWidget* window);
    void loadAccount();
    void cancelLoads();
    QString accountText() const;
    void onSettingChanged(int key);
    void updateProbeUrl();

    Options m_options;
    Phase m_phase = Phase::Idle;
    bool m_anyWindowShown = false;

    // Declared in the order they are built; destroyed in reverse (windows first, manager last).
    std::unique_ptr<ui::AppSettings> m_settings;
    std::unique_ptr<NetworkAccessManager> m_manager;
    std::unique_ptr<ui::RequestTracker> m_tracker;
    std::unique_ptr<ui::ConnectionState> m_connection;
    std::unique_ptr<api::ApiClient> m_client;
    std::unique_ptr<api::NullifyApi> m_api;
    std::unique_ptr<session::CredentialStore> m_store;
    std::unique_ptr<session::Session> m_session;
    std::unique_ptr<ui::TrayNotifier> m_tray;
    std::unique_ptr<ui::EventNotifier> m_events; // notifications from the event feed
    std::unique_ptr<ui::SignInWindow> m_signInWindow; // built on first use
    std::unique_ptr<MainWindow> m_mainWindow; // built on first use, or step by step after start()

    int m_autofixPage = -1; // the main window's page index of the Autofix view
    int m_findingsPage = -1;
    int m_scansPage = -1;
    int m_repositoriesPage = -1;
    QString m_tenantText; // what the sign-in window's tenant field shows: --api-url or the last tenant
    QTimer m_restoreNoticeTimer;
    QPointer<QObject> m_loadContext; // the context of the account request: deleting it aborts it
    QString m_username; // from /admin/user/current
    QString m_viewsTenant; // the tenant (host) the views' data belongs to
    QString m_storageNotice; // the keychain problem of this session, if any: shown until it ends
};

} // namespace nullify::app
