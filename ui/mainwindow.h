#pragma once

#include <QIcon>
#include <QList>
#include <QMainWindow>
#include <QPointer>
#include <QUrl>

#include <functional>

class QAction;
class QDockWidget;
class QLabel;
class QListWidget;
class QMenu;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace nullify {

namespace ui {
class ActivityModel;
class AppSettings;
class ConnectionState;
class ConnectionStatusWidget;
class EventNoticeBar;
class SettingsDialog;
class View;
} // namespace ui

// The application's main window: a navigation list of views on the left and the current view on
// the right, the menus and window-wide shortcuts, the connection state in the status bar and the
// activity panel (a dock). It knows views only through ui::View and nothing about sessions:
// AppController adds the views and fills in who is signed in. Geometry, dock state and the last
// page are kept in the AppSettings table.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // settings: nullptr for the application's own (owned); else not owned and must outlive it.
    explicit MainWindow(ui::AppSettings* settings = nullptr, QWidget* parent = nullptr);
    ~MainWindow() override;

    // The resource path of the application icon (an SVG; needs the Qt SVG plugins at run time).
    static QString iconPath();

    ui::AppSettings* settings() const { return m_settings; }

    // Appends a page (the window takes ownership). The first five get Ctrl+1..Ctrl+5. The page
    // remembered from the last run becomes current when it is added.
    void addView(ui::View* view);
    // The same for a page built on first use: when it is shown, or asked for with view() or
    // views(). Start-up then builds only the page the user sees.
    using ViewFactory = std::function<ui::View*()>;
    int addPage(const QString& title, const QIcon& icon, ViewFactory build);
    // Every page's view; builds those not built yet.
    QList<ui::View*> views();
    ui::View* view(int index); // builds it if needed; nullptr when out of range
    QList<ui::View*> builtViews() const;
    ui::View* currentView() const;
    int currentPage() const;
    void setCurrentPage(int index);
    void showView(ui::View* view);

    // The status bar's connection state and the activity panel's requests (the state's tracker).
    // Not owned.
    void setConnectionState(ui::ConnectionState* state);
    ui::ConnectionStatusWidget* connectionStatusWidget() const { return m_connectionWidget; }

    // The API base URL chosen on the command line (--api-url), shown in the status bar.
    QUrl apiUrl() const { return m_apiUrl; }
    void setApiUrl(const QUrl& url);

    // Who is signed in, for the status bar and the Account menu; empty: nobody (Sign out disabled).
    void setSignedInAs(const QString& who);
    QString signedInAs() const { return m_signedInAs; }

    // While a saved session is being opened: the status bar says so and no page loads anything
    // (they would only meet a missing token); the current page loads once it is over.
    void setSessionOpening(bool opening);
    bool isSessionOpening() const { return m_sessionOpening; }

    // A calm, lasting note in the status bar (e.g. the keychain could not keep the session);
    // empty hides it.
    void setNotice(const QString& text);
    QString notice() const;

    QAction* signOutAction() const { return m_signOutAction; }
    QAction* settingsAction() const { return m_settingsAction; }
    QAction* quitAction() const { return m_quitAction; }
    QAction* refreshAction() const { return m_refreshAction; }
    QAction* findAction() const { return m_findAction; }
    QAction* startAction() const { return m_startAction; }
    QAction* activityAction() const;
    QDockWidget* activityDock() const { return m_activityDock; }
    QTableView* activityTable() const { return m_activityTable; }
    ui::SettingsDialog* settingsDialog() const { return m_settingsDialog; }
    // An event notification shown in the window (no system tray); hidden until one comes.
    ui::EventNoticeBar* eventNoticeBar() const { return m_eventNotice; }

    // Writes geometry, dock state and the current page to the settings (also on close).
    // Keeps the window (default or restored) and its minimum size within the available screen.
    void fitToScreen(bool restored);
    void saveWindowState();

public slots:
    void showSettings();

signals:
    void signOutRequested();
    void signInRequested();
    void quitRequested();
    // A view asked to be heard (View::notificationRequested), for the tray.
    void notificationRequested(const QString& title, const QString& message);

protected:
    void showEvent(QShowEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildActivityDock();
    void onPageChanged(int row);
    void presentCurrentPage();
    void activateCurrent();
    void updateEmptyState();

    ui::AppSettings* m_settings = nullptr;
    QUrl m_apiUrl;
    QString m_signedInAs;
    QListWidget* m_navigation = nullptr;
    QStackedWidget* m_stack = nullptr;
    QWidget* m_startPage = nullptr; // built when the window is shown without pages
    struct Page
    {
        ViewFactory build; // empty once built
        ui::View* view = nullptr;
    };
    QList<Page> m_pages;
    QList<QAction*> m_pageActions;
    QPointer<ui::View> m_activated; // the view last activated while shown
    int m_restorePage = 0;
    bool m_everShown = false; // a window never shown has no geometry of its own to keep
    QLabel* m_apiLabel = nullptr;
    QLabel* m_sessionLabel = nullptr;
    bool m_sessionOpening = false;
    QLabel* m_noticeLabel = nullptr;
    QMenu* m_viewMenu = nullptr;
    QAction* m_pagesSeparator = nullptr;
    QAction* m_accountAction = nullptr;
    QAction* m_signOutAction = nullptr;
    QAction* m_settingsAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_refreshAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_startAction = nullptr;
    QDockWidget* m_activityDock = nullptr;
    QTableView* m_activityTable = nullptr;
    QSortFilterProxyModel* m_activityProxy = nullptr;
    ui::ActivityModel* m_activityModel = nullptr;
    ui::ConnectionStatusWidget* m_connectionWidget = nullptr;
    ui::SettingsDialog* m_settingsDialog = nullptr; // a child, made on first use
    ui::EventNoticeBar* m_eventNotice = nullptr;
};

} // namespace nullify
