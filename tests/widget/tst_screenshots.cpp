// Screenshots of the main views, taken from the real app (AppController) signed in to an
// in-process sandbox, on a virtual X server (tests/support/with-xvfb.sh) so that fonts, styles and
// window sizes are what a user's X11 desktop gives. The PNGs are the test's artifacts: they land in
// $NULLIFY_SCREENSHOT_DIR (CTest sets <build>/screenshots), one per view, in the light palette and
// again in a dark one. main-window.png is the one packaging's AppStream metadata points at.
//
// What is checked is what makes a screenshot worth keeping: each view shows its loaded data (not a
// spinner or an error), and each image is the window's size and not blank.

#include "appcontroller.h"
#include "autofixview.h"
#include "diffview.h"
#include "environmentskip.h"
#include "eventfeedpoller.h"
#include "eventnoticebar.h"
#include "eventnotifier.h"
#include "findingsview.h"
#include "loadstatebanner.h"
#include "mainwindow.h"
#include "operationrow.h"
#include "overviewview.h"
#include "sandboxserver.h"
#include "scansview.h"
#include "signinwindow.h"
#include "startdialogs.h"
#include "testbrowser.h"
#include "traynotifier.h"
#include "triagedialog.h"
#include "triagepanel.h"
#include "view.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPainter>
#include <QPalette>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QTableView>
#include <QtTest>

#include <algorithm>
#include <memory>

using nullify::MainWindow;
using nullify::app::AppController;
using nullify::sandbox::SandboxServer;
using nullify::ui::View;

namespace {

constexpr int kTimeoutMs = 30'000;
const QString kKeychainService = QStringLiteral("ai.nullify.Desktop.screenshot-test");

QPalette darkPalette()
{
    QPalette palette;
    const QColor window(0x2b, 0x2d, 0x31);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, window);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, window);
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::ToolTipBase, base);
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
    palette.setColor(QPalette::Highlight, QColor(0x3d, 0x7e, 0xd8));
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xf0));
    palette.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    palette.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    palette.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    return palette;
}

// Enough distinct colours that the image shows text and widgets, not an empty window.
int distinctColours(const QImage& image)
{
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
        if (colours.size() > 200)
            break;
    }
    return int(colours.size());
}

} // namespace

class TestScreenshots : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void mainViews();

private:
    template <typename T> T* view() const;
    void capture(const QString& name);
    // The main window with a dialog of it drawn where the window manager puts it (centred): a
    // dialog is a window of its own, which the window's grab() leaves out.
    void captureWithDialog(const QString& name, QWidget* dialog);

    std::unique_ptr<SandboxServer> m_sandbox;
    TestBrowser m_browser;
    std::unique_ptr<AppController> m_controller;
    QDir m_dir;
    QStringList m_saved;
};

void TestScreenshots::initTestCase()
{
    if (qEnvironmentVariableIsEmpty("NULLIFY_TEST_KEYRING"))
        NULLIFY_SKIP_ENV(
            "needs an unlocked Secret Service and a throwaway HOME: run under tests/support/with-test-keyring.sh");
    if (QGuiApplication::platformName() == QLatin1String("offscreen"))
        qWarning("running on the offscreen platform: screenshots work, but fonts differ from a desktop's");
    QCoreApplication::setOrganizationName(QStringLiteral("Nullify"));
    QCoreApplication::setApplicationName(QStringLiteral("nullify-desktop-screenshot-test"));

    const QString dir
        = qEnvironmentVariable("NULLIFY_SCREENSHOT_DIR", QDir::temp().filePath(QStringLiteral("nullify-screenshots")));
    QVERIFY(QDir().mkpath(dir));
    m_dir = QDir(dir);

    nullify::sandbox::ServerOptions options;
    options.auth.autoApprove = true;
    options.tenant.findingCount = 400;
    options.tenant.workSeconds = 2;
    options.tenant.autofixSeconds = 2;
    m_sandbox = std::make_unique<SandboxServer>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
}

void TestScreenshots::cleanupTestCase()
{
    m_controller.reset();
    m_sandbox.reset();
    if (!m_saved.isEmpty())
        qInfo().noquote() << "screenshots:" << m_dir.absolutePath() << m_saved.join(QStringLiteral(", "));
}

template <typename T> T* TestScreenshots::view() const
{
    for (View* view : m_controller->mainWindow()->views()) {
        if (auto* typed = qobject_cast<T*>(view))
            return typed;
    }
    return nullptr;
}

void TestScreenshots::capture(const QString& name)
{
    MainWindow* window = m_controller->mainWindow();
    // A notice from the event feed (a fix ready, a pentest finished) is shown in its own picture.
    if (name != QLatin1String("notification"))
        window->eventNoticeBar()->hide();
    // Pictures, not assertions: item views lay out and fade in on timers, which a grab does not
    // run; 100 ms lets them. Everything a picture must show is waited for before capture().
    QTest::qWait(100);
    const QImage image = window->grab().toImage();
    QCOMPARE(image.size(), window->size() * window->devicePixelRatio());
    QVERIFY2(distinctColours(image) > 30, qPrintable(name + QStringLiteral(" looks blank")));
    const QString path = m_dir.filePath(name + QStringLiteral(".png"));
    QVERIFY2(image.save(path), qPrintable(QStringLiteral("could not write ") + path));
    m_saved << name + QStringLiteral(".png");
}

void TestScreenshots::captureWithDialog(const QString& name, QWidget* dialog)
{
    MainWindow* window = m_controller->mainWindow();
    QTest::qWait(300);
    QImage image = window->grab().toImage();
    const QPixmap over = dialog->grab();
    QVERIFY(!over.isNull());
    {
        QPainter painter(&image);
        const QSize logical = over.size() / over.devicePixelRatio();
        const QPoint topLeft((window->width() - logical.width()) / 2, (window->height() - logical.height()) / 3);
        painter.drawPixmap(topLeft, over);
    }
    QVERIFY2(distinctColours(image) > 30, qPrintable(name + QStringLiteral(" looks blank")));
    const QString path = m_dir.filePath(name + QStringLiteral(".png"));
    QVERIFY2(image.save(path), qPrintable(QStringLiteral("could not write ") + path));
    m_saved << name + QStringLiteral(".png");
}

void TestScreenshots::mainViews()
{
    AppController::Options options;
    options.apiUrl = m_sandbox->apiUrl(QString());
    options.keychainService = kKeychainService;
    m_controller = std::make_unique<AppController>(options);
    m_controller->signInWindow()->setUrlOpener([this](const QUrl& url) { return m_browser.open(url); });
    m_controller->start();

    nullify::ui::SignInWindow* signIn = m_controller->signInWindow();
    QTRY_VERIFY_WITH_TIMEOUT(signIn->isVisible(), kTimeoutMs);
    signIn->resize(560, 420);
    QTest::qWait(100); // a picture: as in capture()
    const QImage signInImage = signIn->grab().toImage();
    QVERIFY(distinctColours(signInImage) > 30);
    QVERIFY(signInImage.save(m_dir.filePath(QStringLiteral("sign-in.png"))));
    m_saved << QStringLiteral("sign-in.png");

    auto* browserButton = signIn->findChild<QPushButton*>(QStringLiteral("browserButton"));
    QVERIFY(browserButton);
    QTRY_VERIFY(browserButton->isEnabled());
    browserButton->click();
    MainWindow* window = m_controller->mainWindow();
    QTRY_VERIFY_WITH_TIMEOUT(window->isVisible(), kTimeoutMs);
    window->resize(1280, 800);

    // Overview: the posture figures are in.
    auto* overview = view<nullify::ui::OverviewView>();
    QVERIFY(overview);
    window->showView(overview);
    QTRY_VERIFY_WITH_TIMEOUT(!overview->findChildren<QLabel*>(QRegularExpression(QStringLiteral("^figure:"))).isEmpty(),
                             kTimeoutMs);
    capture(QStringLiteral("overview"));

    // Repositories: rows loaded.
    View* repositories = window->views().at(1);
    window->showView(repositories);
    auto* repositoryTable = repositories->findChild<QTableView*>();
    QVERIFY(repositoryTable);
    QTRY_VERIFY_WITH_TIMEOUT(repositoryTable->model()->rowCount() > 0, kTimeoutMs);
    repositoryTable->selectRow(0);
    // The selected repository's scan-run history.
    auto* runsTable = repositories->findChild<QTableView*>(QStringLiteral("scanRunsTable"));
    auto* runsState = repositories->findChild<nullify::ui::LoadStateBanner*>(QStringLiteral("historyState"));
    QVERIFY(runsTable && runsState);
    QTRY_VERIFY_WITH_TIMEOUT(runsTable->model()->rowCount() > 0
                                 && runsState->state() == nullify::ui::LoadStateBanner::State::Hidden,
                             kTimeoutMs);
    capture(QStringLiteral("repositories"));

    // Findings, with a finding's details.
    auto* findings = view<nullify::ui::FindingsView>();
    QVERIFY(findings);
    window->showView(findings);
    auto* findingsTable = findings->findChild<QTableView*>(QStringLiteral("findingsTable"));
    QVERIFY(findingsTable);
    QTRY_VERIFY_WITH_TIMEOUT(findingsTable->model()->rowCount() > 0, kTimeoutMs);
    auto* autofixButton = findings->findChild<QPushButton*>(QStringLiteral("autofixButton"));
    QVERIFY(autofixButton);
    // The first finding that can be autofixed (secrets cannot).
    for (int row = 0; row < findingsTable->model()->rowCount(); ++row) {
        findingsTable->selectRow(row);
        if (QTest::qWaitFor([&] { return autofixButton->isEnabled(); }, 300))
            break;
    }
    QVERIFY(autofixButton->isEnabled());
    auto* description = findings->findChild<QPlainTextEdit*>(QStringLiteral("detailDescription"));
    auto* detailsState = findings->findChild<nullify::ui::LoadStateBanner*>(QStringLiteral("detailsState"));
    QVERIFY(description && detailsState);
    // The details from the server.
    QTRY_VERIFY_WITH_TIMEOUT(detailsState->state() == nullify::ui::LoadStateBanner::State::Hidden
                                 && !description->toPlainText().isEmpty(),
                             kTimeoutMs);
    capture(QStringLiteral("findings"));
    capture(QStringLiteral("main-window"));

    // Autofix, from that finding, to its diff.
    autofixButton->click();
    QVERIFY(nullify::test::answerStart(true));
    auto* autofix = view<nullify::ui::AutofixView>();
    QVERIFY(autofix);
    QTRY_COMPARE_WITH_TIMEOUT(window->currentView(), static_cast<View*>(autofix), kTimeoutMs);
    auto* diff = autofix->findChild<nullify::ui::DiffView*>(QStringLiteral("diffView"));
    QVERIFY(diff);
    QTRY_VERIFY_WITH_TIMEOUT(diff->addedCount() > 0, kTimeoutMs);
    capture(QStringLiteral("autofix"));

    // Scans: a pentest started by clicking, followed to the end.
    auto* scans = view<nullify::ui::ScansView>();
    QVERIFY(scans);
    window->showView(scans);
    auto* applications = scans->findChild<QComboBox*>(QStringLiteral("applicationChooser"));
    auto* startPentest = scans->findChild<QPushButton*>(QStringLiteral("startPentestButton"));
    QVERIFY(applications && startPentest);
    QTRY_VERIFY_WITH_TIMEOUT(applications->count() > 0 && startPentest->isEnabled(), kTimeoutMs);
    startPentest->click();
    QVERIFY(nullify::test::answerStart(true));
    auto* history = scans->findChild<QTableView*>(QStringLiteral("pentestHistory"));
    QVERIFY(history);
    QTRY_VERIFY_WITH_TIMEOUT(history->model()->rowCount() > 0, kTimeoutMs);
    // Progress under way.
    const auto progressing = [scans] {
        const QList<nullify::ui::OperationRow*> rows = scans->findChildren<nullify::ui::OperationRow*>();
        return std::any_of(
            rows.cbegin(), rows.cend(), [](const nullify::ui::OperationRow* row) { return row->progress() > 0; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(progressing(), kTimeoutMs);
    capture(QStringLiteral("scans"));

    // A notification from the event feed: a scanner reports a critical finding. Without a system
    // tray (Xvfb has none) it is the notice at the top of the window; with one, the tray shows it
    // and the window has nothing to capture.
    nullify::ui::EventNotifier* events = m_controller->eventNotifier();
    events->stop();
    events->poller()->setIntervals(
        std::chrono::milliseconds(100), std::chrono::milliseconds(200), std::chrono::milliseconds(1000));
    events->setDeliveryGap(std::chrono::milliseconds(0));
    events->setMaxPerBatch(100);
    events->start();
    QTRY_VERIFY_WITH_TIMEOUT(events->isCovering(), kTimeoutMs);
    QString error;
    const QString reported
        = m_sandbox->tenant().reportNewFinding(QString(), &error).value(QStringLiteral("id")).toString();
    QVERIFY2(!reported.isEmpty(), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(events->current() && events->current()->eventId == reported, kTimeoutMs);
    nullify::ui::EventNoticeBar* notice = window->eventNoticeBar();
    if (m_controller->trayNotifier()->isAvailable()) {
        qInfo("a system tray is available: the notification went there, no in-app notice to capture");
    } else {
        QVERIFY(notice->isVisible());
        window->showView(findings);
        capture(QStringLiteral("notification"));
        notice->dismissButton()->click();
    }
    // Triage: the allowlist dialog for one finding, then for a selection of several.
    window->showView(findings);
    nullify::ui::TriagePanel* triage = findings->triagePanel();
    QVERIFY(triage);
    const auto openAllowlist = [&](const QString& reason) -> QDialog* {
        triage->allowlistButton()->click();
        if (!QTest::qWaitFor([&] { return triage->activeDialog() && triage->activeDialog()->isVisible(); }, kTimeoutMs))
            return nullptr;
        auto* dialog = qobject_cast<nullify::ui::AllowlistDialog*>(triage->activeDialog());
        if (dialog)
            QTest::keyClicks(dialog->reasonEdit(), reason);
        return dialog;
    };
    int single = -1;
    for (int row = 0; row < findingsTable->model()->rowCount() && single < 0; ++row) {
        findingsTable->selectRow(row);
        if (triage->allowlistButton()->isEnabled())
            single = row;
    }
    QVERIFY(single >= 0);
    QTest::qWait(800); // the details and the triage record from the server
    QDialog* dialog = openAllowlist(QStringLiteral("Test fixture only: this key never reaches a build."));
    QVERIFY(dialog);
    captureWithDialog(QStringLiteral("triage"), dialog);
    dialog->reject();
    QTRY_VERIFY(!triage->activeDialog());
    QItemSelectionModel* selection = findingsTable->selectionModel();
    for (int row = 0; row < 6; ++row)
        selection->select(findingsTable->model()->index(row, 0),
                          QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QTRY_VERIFY(triage->allowlistButton()->isEnabled());
    dialog = openAllowlist(QStringLiteral("Generated client code, not deployed."));
    QVERIFY(dialog);
    captureWithDialog(QStringLiteral("triage-bulk"), dialog);
    dialog->reject();
    QTRY_VERIFY(!triage->activeDialog());

    // The same views in a dark palette: what a user with a dark desktop theme sees.
    const QPalette light = QApplication::palette();
    QApplication::setPalette(darkPalette());
    for (View* page : {static_cast<View*>(overview), static_cast<View*>(findings), static_cast<View*>(autofix)}) {
        window->showView(page);
        capture(page->objectName().replace(QStringLiteral("View"), QString()) + QStringLiteral("-dark"));
    }
    QApplication::setPalette(light);
}

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
