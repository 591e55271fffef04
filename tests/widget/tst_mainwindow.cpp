#include "mainwindow.h"

#include <QFile>
#include <QLabel>
#include <QStatusBar>
#include <QTest>

using nullify::MainWindow;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void iconResourceIsLinked();
    void showsWithTitleAndIcon();
    void showsPlaceholderAndStatus();
    void showsApiUrlInStatusBar();
};

void TestMainWindow::iconResourceIsLinked()
{
    QVERIFY(QFile::exists(MainWindow::iconPath()));
}

void TestMainWindow::showsWithTitleAndIcon()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QCOMPARE(window.windowTitle(), QStringLiteral("Nullify Desktop"));
    // Set on the window itself, not inherited from QApplication (the test sets no app icon).
    QVERIFY(window.testAttribute(Qt::WA_SetWindowIcon));
    QVERIFY(!window.windowIcon().isNull());
    // The SVG really renders: fails if the resource or the Qt SVG icon plugin is missing.
    const QPixmap pixmap = window.windowIcon().pixmap(64, 64);
    QVERIFY(!pixmap.isNull());
    QCOMPARE(pixmap.toImage().pixelColor(32, 32).alpha(), 255);
}

void TestMainWindow::showsPlaceholderAndStatus()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto* placeholder = window.findChild<QLabel*>(QStringLiteral("placeholderLabel"));
    QVERIFY(placeholder);
    QVERIFY(placeholder->isVisible());
    QVERIFY(placeholder->text().contains(QStringLiteral("signed in")));
    // Word-wrapped text gets the height it needs (no clipped second line).
    QVERIFY(placeholder->height() >= placeholder->heightForWidth(placeholder->width()));

    auto* logo = window.findChild<QLabel*>(QStringLiteral("logoLabel"));
    QVERIFY(logo);
    QVERIFY(!logo->pixmap().isNull());

    QVERIFY(window.statusBar()->isVisible());
    auto* session = window.statusBar()->findChild<QLabel*>(QStringLiteral("sessionLabel"));
    QVERIFY(session);
    QCOMPARE(session->text(), QStringLiteral("Not signed in"));
    auto* api = window.statusBar()->findChild<QLabel*>(QStringLiteral("apiLabel"));
    QVERIFY(api);
    QVERIFY(!api->isVisible());
}

void TestMainWindow::showsApiUrlInStatusBar()
{
    MainWindow window;
    const QUrl url(QStringLiteral("http://127.0.0.1:8443"));
    window.setApiUrl(url);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QCOMPARE(window.apiUrl(), url);
    auto* api = window.statusBar()->findChild<QLabel*>(QStringLiteral("apiLabel"));
    QVERIFY(api);
    QVERIFY(api->isVisible());
    QVERIFY(api->text().contains(QStringLiteral("http://127.0.0.1:8443")));

    window.setApiUrl(QUrl());
    QVERIFY(!api->isVisible());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
