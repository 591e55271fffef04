#include "signinwindow.h"

#include "browsersignin.h"
#include "clicredentials.h"
#include "mainwindow.h"
#include "networkaccessmanager.h"
#include "servicetokensignin.h"

#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace nullify::ui {

namespace {

Q_LOGGING_CATEGORY(lcSignInWindow, "nullify.ui.signin", QtInfoMsg)

// Long enough that typing "acme.nullify.ai" reads the CLI's file once, not once per key.
constexpr int kCliCheckDelayMs = 300;

QLabel* wrappedLabel(const QString& objectName, QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setVisible(false);
    return label;
}

} // namespace

SignInWindow::SignInWindow(NetworkAccessManager* manager, QWidget* parent)
    : QWidget(parent)
    , m_manager(manager)
    , m_urlOpener([](const QUrl& url) { return QDesktopServices::openUrl(url); })
    , m_cliPath(session::CliCredentials::defaultPath())
{
    setObjectName(QStringLiteral("signInWindow"));
    setWindowTitle(tr("Sign in to Nullify"));
    setWindowIcon(QIcon(MainWindow::iconPath()));
    setMinimumWidth(420);
    // Room for the waiting state's address and the word-wrapped messages without a resize.
    resize(480, 460);

    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(32, 32, 32, 32);
    outer->setSpacing(12);

    auto* heading = new QLabel(tr("Sign in to Nullify"), this);
    heading->setObjectName(QStringLiteral("signInHeading"));
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.4);
    headingFont.setBold(true);
    heading->setFont(headingFont);
    outer->addWidget(heading);

    m_noticeLabel = wrappedLabel(QStringLiteral("noticeLabel"), this);
    m_noticeLabel->setAccessibleName(tr("Notice"));
    outer->addWidget(m_noticeLabel);

    auto* tenantLabel = new QLabel(tr("&Tenant"), this);
    m_tenantEdit = new QLineEdit(this);
    m_tenantEdit->setObjectName(QStringLiteral("tenantEdit"));
    m_tenantEdit->setPlaceholderText(tr("acme or acme.nullify.ai"));
    m_tenantEdit->setAccessibleName(tr("Tenant"));
    m_tenantEdit->setAccessibleDescription(tr("Your Nullify tenant, for example acme or acme.nullify.ai"));
    tenantLabel->setBuddy(m_tenantEdit);
    outer->addWidget(tenantLabel);
    outer->addWidget(m_tenantEdit);

    m_browserButton = new QPushButton(tr("Sign in with &browser"), this);
    m_browserButton->setObjectName(QStringLiteral("browserButton"));
    m_browserButton->setAccessibleName(tr("Sign in with browser"));
    outer->addWidget(m_browserButton);

    // What is happening now, with the one way out of it.
    auto* statusRow = new QHBoxLayout;
    m_statusLabel = wrappedLabel(QStringLiteral("statusLabel"), this);
    m_statusLabel->setAccessibleName(tr("Sign-in status"));
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setAccessibleName(tr("Cancel sign-in"));
    m_cancelButton->setVisible(false);
    statusRow->addWidget(m_statusLabel, 1);
    statusRow->addWidget(m_cancelButton, 0, Qt::AlignTop);
    outer->addLayout(statusRow);

    // Shown while the browser handshake waits: the address for copying, in case no browser opened.
    m_browserPanel = new QWidget(this);
    m_browserPanel->setObjectName(QStringLiteral("browserPanel"));
    auto* browserRow = new QHBoxLayout(m_browserPanel);
    browserRow->setContentsMargins(0, 0, 0, 0);
    m_authUrlEdit = new QLineEdit(m_browserPanel);
    m_authUrlEdit->setObjectName(QStringLiteral("authUrlEdit"));
    m_authUrlEdit->setReadOnly(true);
    m_authUrlEdit->setAccessibleName(tr("Sign-in address"));
    m_copyButton = new QPushButton(tr("&Copy"), m_browserPanel);
    m_copyButton->setObjectName(QStringLiteral("copyButton"));
    m_copyButton->setAccessibleName(tr("Copy sign-in address"));
    browserRow->addWidget(m_authUrlEdit, 1);
    browserRow->addWidget(m_copyButton);
    m_browserPanel->setVisible(false);
    outer->addWidget(m_browserPanel);

    m_tokenToggle = new QPushButton(tr("Use a service &token"), this);
    m_tokenToggle->setObjectName(QStringLiteral("tokenToggle"));
    m_tokenToggle->setAccessibleName(tr("Use a service token"));
    m_tokenToggle->setCheckable(true);
    m_tokenToggle->setFlat(true);
    outer->addWidget(m_tokenToggle);

    m_tokenPanel = new QWidget(this);
    m_tokenPanel->setObjectName(QStringLiteral("tokenPanel"));
    auto* tokenRow = new QHBoxLayout(m_tokenPanel);
    tokenRow->setContentsMargins(0, 0, 0, 0);
    m_tokenEdit = new QLineEdit(m_tokenPanel);
    m_tokenEdit->setObjectName(QStringLiteral("tokenEdit"));
    m_tokenEdit->setEchoMode(QLineEdit::Password);
    m_tokenEdit->setPlaceholderText(tr("Paste a service-account token"));
    m_tokenEdit->setAccessibleName(tr("Service token"));
    m_tokenSignInButton = new QPushButton(tr("&Sign in"), m_tokenPanel);
    m_tokenSignInButton->setObjectName(QStringLiteral("tokenSignInButton"));
    m_tokenSignInButton->setAccessibleName(tr("Sign in with service token"));
    tokenRow->addWidget(m_tokenEdit, 1);
    tokenRow->addWidget(m_tokenSignInButton);
    m_tokenPanel->setVisible(false);
    outer->addWidget(m_tokenPanel);

    m_cliButton = new QPushButton(tr("Use the Nullify &CLI session"), this);
    m_cliButton->setObjectName(QStringLiteral("cliButton"));
    m_cliButton->setAccessibleName(tr("Use the Nullify CLI session"));
    m_cliButton->setVisible(false);
    outer->addWidget(m_cliButton);

    // In the button's place when the CLI's file is there but not read: the user signed in with the
    // CLI and would otherwise never learn why it is not offered. Selectable, for the command; no
    // full stop after it, so a copied command ends with the file name.
    m_cliWarningLabel = wrappedLabel(QStringLiteral("cliWarningLabel"), this);
    m_cliWarningLabel->setAccessibleName(tr("Nullify CLI session not used"));
    m_cliWarningLabel->setTextFormat(Qt::PlainText); // a file name, never markup
    outer->addWidget(m_cliWarningLabel);

    m_errorLabel = wrappedLabel(QStringLiteral("errorLabel"), this);
    m_errorLabel->setAccessibleName(tr("Sign-in error"));
    QPalette errorPalette = m_errorLabel->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x28)); // readable on light and dark
    m_errorLabel->setPalette(errorPalette);
    outer->addWidget(m_errorLabel);
    outer->addStretch(1);

    m_cliCheckTimer = new QTimer(this);
    m_cliCheckTimer->setObjectName(QStringLiteral("cliCheckTimer")); // tests wait for the check
    m_cliCheckTimer->setSingleShot(true);
    m_cliCheckTimer->setInterval(kCliCheckDelayMs);

    connect(m_tenantEdit, &QLineEdit::textChanged, this, [this] {
        setError(QString());
        m_cliCheckTimer->start();
    });
    connect(m_tenantEdit, &QLineEdit::returnPressed, this, &SignInWindow::startBrowser);
    connect(m_cliCheckTimer, &QTimer::timeout, this, &SignInWindow::checkCliSession);
    connect(m_browserButton, &QPushButton::clicked, this, &SignInWindow::startBrowser);
    connect(m_copyButton, &QPushButton::clicked, this, &SignInWindow::copyAuthUrl);
    connect(m_tokenToggle, &QPushButton::toggled, this, [this](bool on) {
        m_tokenPanel->setVisible(on);
        if (on)
            m_tokenEdit->setFocus();
    });
    connect(m_tokenEdit, &QLineEdit::textChanged, this, &SignInWindow::updateControls);
    connect(m_tokenEdit, &QLineEdit::returnPressed, this, &SignInWindow::startServiceToken);
    connect(m_tokenSignInButton, &QPushButton::clicked, this, &SignInWindow::startServiceToken);
    connect(m_cliButton, &QPushButton::clicked, this, &SignInWindow::useCliSession);
    connect(m_cancelButton, &QPushButton::clicked, this, &SignInWindow::cancel);

    updateControls();
}

SignInWindow::~SignInWindow()
{
    // The flows are children and die with the window; stopping them first closes the listener
    // without a failed() arriving at a half-destroyed window.
    cancel();
}

void SignInWindow::setUrlOpener(UrlOpener opener)
{
    m_urlOpener = std::move(opener);
}

void SignInWindow::setCliCredentialsPath(const QString& path)
{
    m_cliPath = path;
    checkCliSession();
}

QString SignInWindow::tenantText() const
{
    return m_tenantEdit->text().trimmed();
}

void SignInWindow::setTenantText(const QString& text)
{
    m_tenantEdit->setText(text);
    // Prefilled: say at once whether the CLI has a session, without waiting for the debounce.
    m_cliCheckTimer->stop();
    checkCliSession();
}

void SignInWindow::setNotice(const QString& text)
{
    m_noticeLabel->setText(text);
    m_noticeLabel->setVisible(!text.isEmpty());
}

QString SignInWindow::notice() const
{
    return m_noticeLabel->text();
}

QString SignInWindow::errorText() const
{
    return m_errorLabel->text();
}

void SignInWindow::setPending(const QString& message)
{
    if (m_mode == Mode::Browser || m_mode == Mode::ServiceToken)
        cancel();
    setStatus(message);
    setMode(Mode::Pending);
}

void SignInWindow::clearPending()
{
    if (m_mode != Mode::Pending)
        return;
    setStatus(QString());
    setMode(Mode::Idle);
}

void SignInWindow::cancel()
{
    if (m_mode != Mode::Browser && m_mode != Mode::ServiceToken)
        return;
    // Quietly: no failed(cancelled) is needed, the window goes back to idle by itself. The flow
    // closes its listener or aborts its request at once; the object goes in endFlow().
    if (m_browser) {
        m_browser->disconnect(this);
        m_browser->cancel();
    }
    if (m_serviceToken) {
        m_serviceToken->disconnect(this);
        m_serviceToken->cancel();
    }
    qCInfo(lcSignInWindow) << "sign-in cancelled";
    endFlow();
    setStatus(QString());
}

void SignInWindow::closeEvent(QCloseEvent* event)
{
    // A closed window must not leave a listener waiting for a browser for ten minutes.
    cancel();
    QWidget::closeEvent(event);
}

std::optional<session::Tenant> SignInWindow::resolveTenant()
{
    QString whyNot;
    std::optional<session::Tenant> tenant = session::Tenant::fromInput(tenantText(), &whyNot);
    if (!tenant) {
        setError(whyNot.isEmpty() ? tr("Enter your Nullify tenant, for example acme or acme.nullify.ai.") : whyNot);
        m_tenantEdit->setFocus();
    }
    return tenant;
}

void SignInWindow::startBrowser()
{
    if (m_mode != Mode::Idle || !m_manager)
        return;
    setError(QString());
    const std::optional<session::Tenant> tenant = resolveTenant();
    if (!tenant)
        return;

    m_flowTenant = *tenant;
    m_authUrlEdit->clear();
    m_browser = new session::BrowserSignIn(m_manager, tenant->apiBase, this);
    connect(m_browser, &session::BrowserSignIn::authUrlReady, this, &SignInWindow::onAuthUrlReady);
    connect(m_browser, &session::BrowserSignIn::callbackReceived, this, [this] {
        setStatus(tr("Your browser says you signed in. Finishing…"));
    });
    connect(m_browser, &session::BrowserSignIn::succeeded, this, &SignInWindow::onFlowSucceeded);
    connect(m_browser, &session::BrowserSignIn::failed, this, &SignInWindow::onFlowFailed);
    qCInfo(lcSignInWindow).noquote() << "browser sign-in started for" << tenant->name;
    setStatus(tr("Starting sign-in with %1…").arg(tenant->name));
    setMode(Mode::Browser);
    m_browser->start();
}

void SignInWindow::onAuthUrlReady(const QUrl& url)
{
    m_authUrlEdit->setText(url.toString());
    m_authUrlEdit->setCursorPosition(0);
    updateControls();
    if (m_urlOpener && m_urlOpener(url)) {
        setStatus(tr("Finish signing in in your browser. If it did not open, copy this address into one:"));
    } else {
        qCInfo(lcSignInWindow) << "no browser could be opened; the address is shown for copying";
        setStatus(tr("No browser could be opened. Copy this address into a browser to sign in:"));
    }
}

void SignInWindow::startServiceToken()
{
    if (m_mode != Mode::Idle || !m_manager)
        return;
    setError(QString());
    const QByteArray token = m_tokenEdit->text().trimmed().toUtf8();
    if (token.isEmpty()) {
        setError(tr("Paste a service-account token first."));
        m_tokenEdit->setFocus();
        return;
    }
    const std::optional<session::Tenant> tenant = resolveTenant();
    if (!tenant)
        return;

    m_flowTenant = *tenant;
    m_serviceToken = new session::ServiceTokenSignIn(m_manager, tenant->apiBase, this);
    connect(m_serviceToken, &session::ServiceTokenSignIn::succeeded, this, &SignInWindow::onFlowSucceeded);
    connect(m_serviceToken, &session::ServiceTokenSignIn::failed, this, &SignInWindow::onFlowFailed);
    qCInfo(lcSignInWindow).noquote() << "checking a service token for" << tenant->name;
    setStatus(tr("Checking the token with %1…").arg(tenant->name));
    setMode(Mode::ServiceToken);
    m_serviceToken->start(token);
}

void SignInWindow::useCliSession()
{
    if (m_mode != Mode::Idle)
        return;
    setError(QString());
    const std::optional<session::Tenant> tenant = resolveTenant();
    if (!tenant)
        return;
    // Read again: the file may have changed since the button appeared, or the tenant text with it.
    QString whyNot;
    auto refusal = session::CliCredentials::Refusal::NoSession;
    const std::optional<session::Credentials> credentials
        = session::CliCredentials::find(*tenant, m_cliPath, &whyNot, QDateTime::currentDateTimeUtc(), &refusal);
    if (!credentials) {
        qCInfo(lcSignInWindow).noquote() << "no usable CLI session:" << whyNot;
        m_cliButton->setVisible(false);
        if (refusal == session::CliCredentials::Refusal::Unsafe) {
            setCliWarning(whyNot);
            return;
        }
        setError(tr("The Nullify CLI has no usable session for %1 any more. Sign in with the browser instead.")
                     .arg(tenant->name));
        return;
    }
    qCInfo(lcSignInWindow).noquote() << "using the Nullify CLI session for" << tenant->name;
    emit signedIn(*tenant, *credentials);
}

void SignInWindow::copyAuthUrl()
{
    if (m_authUrlEdit->text().isEmpty())
        return;
    QGuiApplication::clipboard()->setText(m_authUrlEdit->text());
    m_authUrlEdit->selectAll();
}

void SignInWindow::checkCliSession()
{
    bool found = false;
    QString whyUnsafe;
    const std::optional<session::Tenant> tenant = session::Tenant::fromInput(tenantText());
    if (tenant) {
        QString whyNot;
        auto refusal = session::CliCredentials::Refusal::NoSession;
        found = session::CliCredentials::find(*tenant, m_cliPath, &whyNot, QDateTime::currentDateTimeUtc(), &refusal)
                    .has_value();
        if (!found)
            qCDebug(lcSignInWindow).noquote() << "no CLI session offered for" << tenant->name << ":" << whyNot;
        // Absent or without this tenant: nothing to say. Unsafe: the user has a fix to make.
        if (!found && refusal == session::CliCredentials::Refusal::Unsafe)
            whyUnsafe = whyNot;
    }
    m_cliButton->setVisible(found);
    setCliWarning(whyUnsafe);
}

void SignInWindow::setCliWarning(const QString& whyUnsafe)
{
    m_cliWarningLabel->setText(whyUnsafe.isEmpty() ? QString()
                                                   : tr("The Nullify CLI session is not offered: %1").arg(whyUnsafe));
    m_cliWarningLabel->setVisible(!whyUnsafe.isEmpty());
}

void SignInWindow::onFlowSucceeded(const session::Credentials& credentials)
{
    const session::Tenant tenant = m_flowTenant;
    qCInfo(lcSignInWindow).noquote() << "signed in to" << tenant.name;
    endFlow();
    m_tokenEdit->clear();
    setStatus(QString());
    emit signedIn(tenant, credentials);
}

void SignInWindow::onFlowFailed(const QString& message, bool cancelled)
{
    endFlow();
    setStatus(QString());
    if (!cancelled)
        setError(message.isEmpty() ? tr("Signing in did not work. Please try again.") : message);
}

void SignInWindow::endFlow()
{
    if (m_browser) {
        m_browser->disconnect(this);
        m_browser->deleteLater(); // not delete: this may run inside one of its signals
        m_browser = nullptr;
    }
    if (m_serviceToken) {
        m_serviceToken->disconnect(this);
        m_serviceToken->deleteLater();
        m_serviceToken = nullptr;
    }
    m_authUrlEdit->clear();
    setMode(Mode::Idle);
}

void SignInWindow::setMode(Mode mode)
{
    if (m_mode == mode) {
        updateControls();
        return;
    }
    m_mode = mode;
    updateControls();
    emit modeChanged(mode);
}

void SignInWindow::setError(const QString& text)
{
    m_errorLabel->setText(text);
    m_errorLabel->setVisible(!text.isEmpty());
}

void SignInWindow::setStatus(const QString& text)
{
    m_statusLabel->setText(text);
    m_statusLabel->setVisible(!text.isEmpty());
}

void SignInWindow::updateControls()
{
    const bool idle = m_mode == Mode::Idle;
    m_tenantEdit->setEnabled(idle);
    m_browserButton->setEnabled(idle);
    m_tokenToggle->setEnabled(idle);
    m_tokenEdit->setEnabled(idle);
    m_tokenSignInButton->setEnabled(idle && !m_tokenEdit->text().trimmed().isEmpty());
    m_cliButton->setEnabled(idle);

    const bool browser = m_mode == Mode::Browser;
    m_browserPanel->setVisible(browser);
    m_copyButton->setEnabled(browser && !m_authUrlEdit->text().isEmpty());
    m_cancelButton->setVisible(browser || m_mode == Mode::ServiceToken);
}

} // namespace nullify::ui
