#pragma once

#include "credentials.h"
#include "tenant.h"

#include <QPointer>
#include <QUrl>
#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace nullify {
class NetworkAccessManager;
}

namespace nullify::session {
class BrowserSignIn;
class ServiceTokenSignIn;
} // namespace nullify::session

namespace nullify::ui {

// The sign-in screen: a tenant, then one of three ways in (the browser handshake, a pasted
// service-account token, or the Nullify CLI's session when it has one for that tenant).
// It runs the flows and says what went wrong in words; it stores nothing. The owner gets
// signedIn() and decides what to keep (Session::signIn keeps the credentials in the keychain).
class SignInWindow : public QWidget
{
    Q_OBJECT

public:
    // Opens the auth URL in a browser; false when none could be started. A seam for the tests,
    // which play the browser themselves instead of launching one.
    using UrlOpener = std::function<bool(const QUrl&)>;

    enum class Mode {
        Idle,
        Browser, // waiting for the browser handshake
        ServiceToken, // checking a pasted token
        Pending, // the owner is busy (e.g. reading the keychain at start-up): nothing to click
    };
    Q_ENUM(Mode)

    explicit SignInWindow(NetworkAccessManager* manager, QWidget* parent = nullptr);
    ~SignInWindow() override;

    void setUrlOpener(UrlOpener opener);
    // Where the Nullify CLI keeps its session; CliCredentials::defaultPath() unless a test says.
    void setCliCredentialsPath(const QString& path);

    QString tenantText() const;
    void setTenantText(const QString& text);

    Mode mode() const { return m_mode; }
    bool isBusy() const { return m_mode != Mode::Idle; }

    // A calm note above the buttons ("Your session has expired…", a keychain problem); empty hides it.
    void setNotice(const QString& text);
    QString notice() const;
    QString errorText() const;

    // The owner is doing something the user must wait for; the controls are disabled meanwhile.
    void setPending(const QString& message);
    void clearPending();

    // Stops a running flow quietly and returns to the idle state.
    void cancel();

signals:
    // A flow succeeded. tenantText() still holds what the user typed for this tenant (the field
    // is locked while a flow runs), which is what the app may remember to prefill next time.
    void signedIn(const nullify::session::Tenant& tenant, const nullify::session::Credentials& credentials);
    void modeChanged(nullify::ui::SignInWindow::Mode mode);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    std::optional<session::Tenant> resolveTenant();
    void startBrowser();
    void startServiceToken();
    void useCliSession();
    void copyAuthUrl();
    void checkCliSession();
    // Says why the CLI's file is not read and how to fix it; empty hides it.
    void setCliWarning(const QString& whyUnsafe);
    void onAuthUrlReady(const QUrl& url);
    void onFlowSucceeded(const session::Credentials& credentials);
    void onFlowFailed(const QString& message, bool cancelled);
    void endFlow();
    void setMode(Mode mode);
    void setError(const QString& text);
    void setStatus(const QString& text);
    void updateControls();

    QPointer<NetworkAccessManager> m_manager;
    UrlOpener m_urlOpener;
    QString m_cliPath;
    Mode m_mode = Mode::Idle;
    session::Tenant m_flowTenant;
    QPointer<session::BrowserSignIn> m_browser;
    QPointer<session::ServiceTokenSignIn> m_serviceToken;

    QLineEdit* m_tenantEdit = nullptr;
    QLabel* m_noticeLabel = nullptr;
    QLabel* m_errorLabel = nullptr;
    QPushButton* m_browserButton = nullptr;
    QWidget* m_browserPanel = nullptr;
    QLineEdit* m_authUrlEdit = nullptr;
    QPushButton* m_copyButton = nullptr;
    QPushButton* m_tokenToggle = nullptr;
    QWidget* m_tokenPanel = nullptr;
    QLineEdit* m_tokenEdit = nullptr;
    QPushButton* m_tokenSignInButton = nullptr;
    QPushButton* m_cliButton = nullptr;
    QLabel* m_cliWarningLabel = nullptr;
    QLabel* m_statusLabel = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QTimer* m_cliCheckTimer = nullptr;
};

} // namespace nullify::ui
