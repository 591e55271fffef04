// The sign-in window driven through its real widgets (offscreen) against an in-process
// nullify-sandbox: the test clicks and types like a person and plays the browser itself.

#include "credentials.h"
#include "environmentskip.h"
#include "networkaccessmanager.h"
#include "sandboxserver.h"
#include "signinwindow.h"
#include "tenant.h"
#include "testbrowser.h"

#include <QAbstractButton>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QTimer>
#include <QtTest>

#include <memory>
#include <optional>

using nullify::NetworkAccessManager;
using nullify::sandbox::SandboxServer;
using nullify::session::Credentials;
using nullify::session::Tenant;
using nullify::ui::SignInWindow;

namespace {

constexpr int kFlowTimeoutMs = 15'000; // generous: a slow CI machine must not fail a passing case
const QByteArray kServiceToken = QByteArrayLiteral("nst_widget-test-service-token-0123456789");

template <typename T> T* child(QWidget* parent, const char* name)
{
    return parent->findChild<T*>(QLatin1String(name));
}

} // namespace

class TestSignInWindow : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void everyControlHasAnAccessibleName();
    void refusedTenantIsExplained_data();
    void refusedTenantIsExplained();
    void browserFlowSignsIn();
    void cancelReturnsToIdleAndClosesTheListener();
    void serviceTokenIsChecked_data();
    void serviceTokenIsChecked();
    void cliSessionIsOfferedOnlyForItsTenant();
    void unsafeCliFileIsExplainedInsteadOfOffered();

private:
    void createWindow();
    QString writeCliFile(const QJsonObject& entry);
    QString sandboxTenantText() const { return m_sandbox->apiUrl(QString()).toString(); }
    QPushButton* button(const char* name) { return child<QPushButton>(m_window.get(), name); }
    QLineEdit* edit(const char* name) { return child<QLineEdit>(m_window.get(), name); }
    QLabel* label(const char* name) { return child<QLabel>(m_window.get(), name); }

    std::unique_ptr<SandboxServer> m_sandbox;
    std::unique_ptr<NetworkAccessManager> m_manager;
    std::unique_ptr<TestBrowser> m_browser;
    std::unique_ptr<SignInWindow> m_window;
    QList<std::pair<Tenant, Credentials>> m_signedIn;
};

void TestSignInWindow::init()
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = 20;
    options.auth.autoApprove = true;
    options.auth.serviceTokens = {QString::fromLatin1(kServiceToken)};
    m_sandbox = std::make_unique<SandboxServer>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));

    m_manager = std::make_unique<NetworkAccessManager>();
    m_browser = std::make_unique<TestBrowser>();
    m_signedIn.clear();
    createWindow();
}

void TestSignInWindow::cleanup()
{
    m_window.reset();
    m_browser.reset();
    m_manager.reset();
    m_sandbox.reset();
}

void TestSignInWindow::createWindow()
{
    m_window = std::make_unique<SignInWindow>(m_manager.get());
    // Never a real browser in a test: the test is the browser.
    m_window->setUrlOpener([browser = m_browser.get()](const QUrl& url) { return browser->open(url); });
    connect(
        m_window.get(), &SignInWindow::signedIn, this, [this](const Tenant& tenant, const Credentials& credentials) {
            m_signedIn.append({tenant, credentials});
        });
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestSignInWindow::everyControlHasAnAccessibleName()
{
    QCOMPARE(m_window->objectName(), QStringLiteral("signInWindow"));
    QCOMPARE(edit("tenantEdit")->placeholderText(), QStringLiteral("acme or acme.nullify.ai"));
    const auto buttons = m_window->findChildren<QAbstractButton*>();
    QVERIFY(buttons.size() >= 5);
    for (QAbstractButton* control : buttons)
        QVERIFY2(!control->accessibleName().isEmpty(), qPrintable(control->objectName()));
    const auto edits = m_window->findChildren<QLineEdit*>();
    QVERIFY(edits.size() >= 3);
    for (QLineEdit* control : edits)
        QVERIFY2(!control->accessibleName().isEmpty(), qPrintable(control->objectName()));
    QCOMPARE(edit("tokenEdit")->echoMode(), QLineEdit::Password);
    QVERIFY(edit("authUrlEdit")->isReadOnly());
}

void TestSignInWindow::refusedTenantIsExplained_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<bool>("withToken");
    QTest::newRow("other domain, browser") << QStringLiteral("example.com") << false;
    QTest::newRow("plain http, browser") << QStringLiteral("http://acme.nullify.ai") << false;
    QTest::newRow("other domain, token") << QStringLiteral("evil.example.org") << true;
}

void TestSignInWindow::refusedTenantIsExplained()
{
    QFETCH(QString, input);
    QFETCH(bool, withToken);
    QString reason;
    QVERIFY(!Tenant::fromInput(input, &reason));
    QVERIFY(!reason.isEmpty());

    QTest::keyClicks(edit("tenantEdit"), input);
    if (withToken) {
        QTest::mouseClick(button("tokenToggle"), Qt::LeftButton);
        QVERIFY(edit("tokenEdit")->isVisible());
        QTest::keyClicks(edit("tokenEdit"), QString::fromLatin1(kServiceToken));
        QTest::mouseClick(button("tokenSignInButton"), Qt::LeftButton);
    } else {
        QTest::mouseClick(button("browserButton"), Qt::LeftButton);
    }

    QVERIFY(label("errorLabel")->isVisible());
    QCOMPARE(label("errorLabel")->text(), reason);
    QCOMPARE(m_window->mode(), SignInWindow::Mode::Idle);
    QCOMPARE(m_browser->openCount(), 0);
    QCOMPARE(m_sandbox->requestCount(), 0); // refused before anything was sent

    // Editing the tenant clears the complaint about it.
    QTest::keyClick(edit("tenantEdit"), Qt::Key_Backspace);
    QVERIFY(!label("errorLabel")->isVisible());
}

void TestSignInWindow::browserFlowSignsIn()
{
    m_browser->setAutoVisit(false); // first look at the waiting state
    QTest::keyClicks(edit("tenantEdit"), sandboxTenantText());
    QTest::mouseClick(button("browserButton"), Qt::LeftButton);
    QCOMPARE(m_window->mode(), SignInWindow::Mode::Browser);

    QTRY_COMPARE_WITH_TIMEOUT(m_browser->openCount(), 1, kFlowTimeoutMs);
    const QUrl authUrl = m_browser->lastUrl();
    QCOMPARE(authUrl.host(), QStringLiteral("127.0.0.1"));
    QCOMPARE(authUrl.port(), int(m_sandbox->apiPort()));

    // Waiting: the address is shown for copying, Cancel is offered, nothing else can start.
    QVERIFY(edit("authUrlEdit")->isVisible());
    QCOMPARE(edit("authUrlEdit")->text(), authUrl.toString());
    QVERIFY(edit("authUrlEdit")->isReadOnly());
    QVERIFY(button("copyButton")->isEnabled());
    QVERIFY(button("cancelButton")->isVisible());
    QVERIFY(button("cancelButton")->isEnabled());
    QVERIFY(!edit("tenantEdit")->isEnabled());
    QVERIFY(!button("browserButton")->isEnabled());
    QVERIFY(!button("tokenToggle")->isEnabled());
    QVERIFY(label("statusLabel")->isVisible());

    // For people reviewing the layout (issue 5 turns this into a screenshot test).
    if (const QString dir = qEnvironmentVariable("NULLIFY_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(m_window->grab().save(dir + QStringLiteral("/signinwindow-waiting.png")));

    QTest::mouseClick(button("copyButton"), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), authUrl.toString());

    // The browser: the sign-in page approves at once and sends it to the app's callback.
    m_browser->visit(authUrl);
    QTRY_COMPARE_WITH_TIMEOUT(m_signedIn.size(), 1, kFlowTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_browser->finishedCount(), 1, kFlowTimeoutMs);
    QCOMPARE(m_browser->lastStatus(), 200); // the "signed in, you can close this tab" page
    QCOMPARE(m_browser->lastFinalUrl().path(), QStringLiteral("/callback"));

    const auto& [tenant, credentials] = m_signedIn.constFirst();
    QCOMPARE(tenant, *Tenant::fromInput(sandboxTenantText()));
    QCOMPARE(credentials.kind, Credentials::Kind::UserSession);
    QVERIFY(!credentials.accessToken.isEmpty());
    QVERIFY(credentials.canRefresh());
    QVERIFY(!credentials.scope.isEmpty());

    // Back to idle, ready for another attempt; the window stored nothing and shows no error.
    QCOMPARE(m_window->mode(), SignInWindow::Mode::Idle);
    QVERIFY(edit("tenantEdit")->isEnabled());
    QVERIFY(button("browserButton")->isEnabled());
    QVERIFY(!edit("authUrlEdit")->isVisible());
    QVERIFY(!button("cancelButton")->isVisible());
    QVERIFY(!label("errorLabel")->isVisible());
    QCOMPARE(m_window->tenantText(), sandboxTenantText());
}

void TestSignInWindow::cancelReturnsToIdleAndClosesTheListener()
{
    m_browser->setAutoVisit(false);
    m_window->setTenantText(sandboxTenantText());
    QTest::mouseClick(button("browserButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_browser->openCount(), 1, kFlowTimeoutMs);
    const QUrl authUrl = m_browser->lastUrl();

    QTest::mouseClick(button("cancelButton"), Qt::LeftButton);
    QCOMPARE(m_window->mode(), SignInWindow::Mode::Idle);
    QVERIFY(edit("tenantEdit")->isEnabled());
    QVERIFY(button("browserButton")->isEnabled());
    QVERIFY(!edit("authUrlEdit")->isVisible());
    QVERIFY(!button("cancelButton")->isVisible());
    QVERIFY(!label("errorLabel")->isVisible()); // the user asked: nothing to complain about

    // A browser arriving late finds nobody listening, and nothing signs in.
    m_browser->visit(authUrl);
    QTRY_COMPARE_WITH_TIMEOUT(m_browser->finishedCount(), 1, kFlowTimeoutMs);
    QCOMPARE(m_browser->lastError(), QNetworkReply::ConnectionRefusedError);
    QTest::qWait(100); // negative: refused, so nothing can follow; a stray sign-in would be queued at once
    QVERIFY(m_signedIn.isEmpty());

    // And a new attempt works.
    m_browser->setAutoVisit(true);
    QTest::mouseClick(button("browserButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_signedIn.size(), 1, kFlowTimeoutMs);
}

void TestSignInWindow::serviceTokenIsChecked_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("good") << kServiceToken << true;
    QTest::newRow("bad") << QByteArrayLiteral("nst_not-a-token-this-sandbox-knows") << false;
}

void TestSignInWindow::serviceTokenIsChecked()
{
    QFETCH(QByteArray, token);
    QFETCH(bool, accepted);

    QTest::keyClicks(edit("tenantEdit"), sandboxTenantText());
    QVERIFY(!edit("tokenEdit")->isVisible());
    QTest::mouseClick(button("tokenToggle"), Qt::LeftButton);
    QVERIFY(edit("tokenEdit")->isVisible());
    QVERIFY(!button("tokenSignInButton")->isEnabled()); // nothing pasted yet
    QTest::keyClicks(edit("tokenEdit"), QString::fromLatin1(token));
    QVERIFY(button("tokenSignInButton")->isEnabled());
    QTest::mouseClick(button("tokenSignInButton"), Qt::LeftButton);

    QCOMPARE(m_window->mode(), SignInWindow::Mode::ServiceToken);
    QVERIFY(!edit("tokenEdit")->isEnabled());
    QVERIFY(!button("tokenSignInButton")->isEnabled());
    QVERIFY(!button("browserButton")->isEnabled());
    QVERIFY(button("cancelButton")->isVisible());

    QTRY_COMPARE_WITH_TIMEOUT(m_window->mode(), SignInWindow::Mode::Idle, kFlowTimeoutMs);
    if (accepted) {
        QCOMPARE(m_signedIn.size(), 1);
        const Credentials& credentials = m_signedIn.constFirst().second;
        QCOMPARE(credentials.kind, Credentials::Kind::ServiceAccount);
        QCOMPARE(credentials.accessToken, token);
        QVERIFY(!credentials.canRefresh());
        QVERIFY(!label("errorLabel")->isVisible());
        QVERIFY(edit("tokenEdit")->text().isEmpty()); // not left lying in a widget
    } else {
        QVERIFY(m_signedIn.isEmpty());
        QVERIFY(label("errorLabel")->isVisible());
        const QString message = label("errorLabel")->text();
        QVERIFY(!message.isEmpty());
        QVERIFY2(!message.contains(QString::fromLatin1(token)), qPrintable(message));
        QVERIFY(edit("tokenEdit")->isEnabled()); // fix the typo and try again
    }
    QCOMPARE(m_browser->openCount(), 0);
}

// A CLI session for the sandbox in ~/.nullify/credentials.json, as the Nullify CLI writes it
// (keyed by bare host), readable and writable by the user alone.
QString TestSignInWindow::writeCliFile(const QJsonObject& entry)
{
    const Tenant sandboxTenant = *Tenant::fromInput(sandboxTenantText());
    const QString path = QDir::homePath() + QStringLiteral("/.nullify/credentials.json");
    // Private whatever the umask: the import refuses a directory others can write to.
    if (!QDir().mkpath(QFileInfo(path).absolutePath())
        || !QFile::setPermissions(QFileInfo(path).absolutePath(),
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner))
        return QString();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QString();
    file.write(QJsonDocument(QJsonObject {{sandboxTenant.host, entry}}).toJson());
    if (!file.commit() || !QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return QString();
    return path;
}

void TestSignInWindow::cliSessionIsOfferedOnlyForItsTenant()
{
    if (qEnvironmentVariableIsEmpty("NULLIFY_TEST_KEYRING"))
        NULLIFY_SKIP_ENV(
            "writes ~/.nullify/credentials.json: run under tests/support/with-test-keyring.sh (a throwaway HOME)");

    const Tenant sandboxTenant = *Tenant::fromInput(sandboxTenantText());
    const QJsonObject entry {
        {QStringLiteral("access_token"), QStringLiteral("cli-access-token-for-widget-test")},
        {QStringLiteral("refresh_token"), QStringLiteral("cli-refresh-token-for-widget-test")},
        {QStringLiteral("expires_at"), QDateTime::currentSecsSinceEpoch() + 3600},
        {QStringLiteral("query_parameters"), QJsonObject {{QStringLiteral("githubOwnerId"), QStringLiteral("1")}}},
    };
    const QString path = writeCliFile(entry);
    QVERIFY(!path.isEmpty());
    const auto removeFile = qScopeGuard([&] { QFile::remove(path); });

    createWindow(); // a fresh window, now that the file exists
    QVERIFY(!button("cliButton")->isVisible()); // no tenant typed yet

    QTest::keyClicks(edit("tenantEdit"), QStringLiteral("acme"));
    auto* cliCheck = m_window->findChild<QTimer*>(QStringLiteral("cliCheckTimer"));
    QVERIFY(cliCheck && cliCheck->isActive());
    QTRY_VERIFY(!cliCheck->isActive()); // past the debounce, the check has run: still nothing for acme
    QVERIFY(!button("cliButton")->isVisible());

    edit("tenantEdit")->clear();
    QTest::keyClicks(edit("tenantEdit"), sandboxTenantText());
    QTRY_VERIFY(button("cliButton")->isVisible());
    QVERIFY(!button("cliButton")->accessibleName().isEmpty());

    // Typed away from that tenant: the offer goes.
    QTest::keyClicks(edit("tenantEdit"), QStringLiteral("9"));
    QTRY_VERIFY(!button("cliButton")->isVisible());
    QTest::keyClick(edit("tenantEdit"), Qt::Key_Backspace);
    QTRY_VERIFY(button("cliButton")->isVisible());

    QTest::mouseClick(button("cliButton"), Qt::LeftButton);
    QCOMPARE(m_signedIn.size(), 1);
    QCOMPARE(m_signedIn.constFirst().first, sandboxTenant);
    QCOMPARE(m_signedIn.constFirst().second.accessToken, QByteArrayLiteral("cli-access-token-for-widget-test"));
    QCOMPARE(m_signedIn.constFirst().second.refreshToken, QByteArrayLiteral("cli-refresh-token-for-widget-test"));

    // Read only: the CLI's file is left exactly as it was.
    QFile reread(path);
    QVERIFY(reread.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(reread.readAll()).object().value(sandboxTenant.host).toObject(), entry);
}

void TestSignInWindow::unsafeCliFileIsExplainedInsteadOfOffered()
{
    if (qEnvironmentVariableIsEmpty("NULLIFY_TEST_KEYRING"))
        NULLIFY_SKIP_ENV(
            "writes ~/.nullify/credentials.json: run under tests/support/with-test-keyring.sh (a throwaway HOME)");

    const QString path = QDir::homePath() + QStringLiteral("/.nullify/credentials.json");
    QFile::remove(path);
    QLabel* warning = label("cliWarningLabel");
    QVERIFY(warning);
    QVERIFY(warning->wordWrap());
    QVERIFY(warning->textInteractionFlags() & Qt::TextSelectableByMouse);
    QVERIFY(!warning->accessibleName().isEmpty());

    // No file at all: neither an offer nor a warning.
    m_window->setTenantText(sandboxTenantText());
    QVERIFY(!button("cliButton")->isVisible());
    QVERIFY(!warning->isVisible());
    QVERIFY(warning->text().isEmpty());

    // A file that other users could have written: not offered, and the user is told why and how to fix it.
    const QJsonObject entry {
        {QStringLiteral("access_token"), QStringLiteral("cli-access-token-for-unsafe-file")},
        {QStringLiteral("refresh_token"), QStringLiteral("cli-refresh-token-for-unsafe-file")},
        {QStringLiteral("expires_at"), QDateTime::currentSecsSinceEpoch() + 3600},
    };
    QVERIFY(!writeCliFile(entry).isEmpty());
    const auto removeFile = qScopeGuard([&] { QFile::remove(path); });
    const QFileDevice::Permissions ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    QVERIFY(QFile::setPermissions(path, ownerOnly | QFileDevice::WriteGroup | QFileDevice::WriteOther));

    createWindow(); // a fresh window, now that the file exists
    warning = label("cliWarningLabel");
    QTest::keyClicks(edit("tenantEdit"), sandboxTenantText());
    QTRY_VERIFY(warning->isVisible());
    QVERIFY(!button("cliButton")->isVisible());
    const QString text = warning->text();
    QVERIFY2(text.contains(QLatin1String("~/.nullify/credentials.json is writable by other users")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("run chmod 600 ~/.nullify/credentials.json")), qPrintable(text));
    QVERIFY2(text.endsWith(QLatin1String("~/.nullify/credentials.json")), qPrintable(text)); // copyable as is
    QVERIFY(!text.contains(QLatin1String("cli-access-token-for-unsafe-file")));
    QVERIFY(m_window->errorText().isEmpty());

    // Fixed as told: the next check offers the import and the warning goes.
    QVERIFY(QFile::setPermissions(path, ownerOnly));
    m_window->setTenantText(sandboxTenantText());
    QVERIFY(button("cliButton")->isVisible());
    QVERIFY(!warning->isVisible());
    QVERIFY(warning->text().isEmpty());

    // Made unsafe between the offer and the click: nothing imported, and the reason shown.
    QVERIFY(QFile::setPermissions(path, ownerOnly | QFileDevice::WriteOther));
    QTest::mouseClick(button("cliButton"), Qt::LeftButton);
    QVERIFY(m_signedIn.isEmpty());
    QVERIFY(!button("cliButton")->isVisible());
    QVERIFY(warning->isVisible());
    QVERIFY2(warning->text().contains(QLatin1String("run chmod 600 ~/.nullify/credentials.json")),
             qPrintable(warning->text()));
    QVERIFY(QFile::setPermissions(path, ownerOnly));

    // A safe file with no entry for the tenant typed: nothing to offer, nothing to warn about.
    m_window->setTenantText(QStringLiteral("acme"));
    QVERIFY(!button("cliButton")->isVisible());
    QVERIFY(!warning->isVisible());

    // A link in the file's place, even to a private file: not followed, and said so.
    const QString target = QDir::homePath() + QStringLiteral("/cli-credentials-elsewhere.json");
    QFile::remove(target);
    QVERIFY(QFile::rename(path, target));
    const auto removeTarget = qScopeGuard([&] { QFile::remove(target); });
    QVERIFY(QFile::link(target, path));
    m_window->setTenantText(sandboxTenantText());
    QVERIFY(!button("cliButton")->isVisible());
    QVERIFY(warning->isVisible());
    QVERIFY2(warning->text().contains(QLatin1String("~/.nullify/credentials.json is a symbolic link")),
             qPrintable(warning->text()));

    // Gone again: nothing offered and nothing to warn about.
    QVERIFY(QFile::remove(path));
    m_window->setTenantText(sandboxTenantText());
    QVERIFY(!button("cliButton")->isVisible());
    QVERIFY(!warning->isVisible());
}

QTEST_MAIN(TestSignInWindow)
#include "tst_signinwindow.moc"
