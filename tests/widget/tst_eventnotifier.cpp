// Notifications from the event feed (ui::EventNotifier over api::EventFeedPoller) against an
// in-process sandbox whose feed grows as its work moves on: one notification per event across
// polls, the cursor kept across a restart, no reading while offline, backoff on errors, the
// setting that turns it all off, and a click (the tray's messageClicked handler, or the in-app
// notice's Open) that opens the finding, the autofix or the pentest.
#include "appsettings.h"
#include "eventfeedpoller.h"
#include "eventnoticebar.h"
#include "eventnotifier.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "itemreveal.h"
#include "pentestreportdialog.h"
#include "pentestscansmodel.h"
#include "polldriver.h"
#include "scansview.h"
#include "signedinstack.h"
#include "traynotifier.h"
#include "view.h"

#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace nullify;
using namespace nullify::ui;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeoutMs = 20'000;

// The tray's seam: what would have been shown, without a desktop to show it on.
class RecordingTray : public TrayNotifier
{
public:
    RecordingTray(AppSettings* settings, bool available)
        : TrayNotifier(settings, available)
    { }
    QStringList titles;

protected:
    void deliver(const QString& title, const QString&) override { titles.append(title); }
};

} // namespace

class TestEventNotifier : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void eachEventNotifiedOnceAcrossPolls();
    void cursorKeptAcrossRestart();
    void pausedWhileOfflineAndResumed();
    void backsOffOnErrorsAndWhenIdle();
    void settingTurnsItOff();
    void readNowSkipsTheWait();
    void manyAtOnceEndInASummary();
    void trayClickOpensTheFinding();
    void inAppNoticeWithoutTray();
    void revealOpensFindingAndPentest();

private:
    std::unique_ptr<EventNotifier> makeNotifier(TrayNotifier* tray);
    QString tenantHost() const { return m_stack->sandbox->apiUrl().authority(); }
    QJsonObject reportCritical();
    int feedRequests() const;
    // Waits for `count` more completed reads of the feed.
    static bool waitForReads(EventNotifier* notifier, int count);

    std::unique_ptr<nullify::test::SignedInStack> m_stack;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<AppSettings> m_settings;
};

void TestEventNotifier::init()
{
    sandbox::ServerOptions options;
    options.tenant.findingCount = 200;
    options.tenant.workSeconds = 1;
    options.tenant.autofixSeconds = 1;
    m_stack = std::make_unique<nullify::test::SignedInStack>();
    QString why;
    QVERIFY2(m_stack->start(options, &why), qPrintable(why));
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<AppSettings>(m_dir->filePath(QStringLiteral("settings.ini")));
}

void TestEventNotifier::cleanup()
{
    m_settings.reset();
    m_dir.reset();
    m_stack.reset();
}

std::unique_ptr<EventNotifier> TestEventNotifier::makeNotifier(TrayNotifier* tray)
{
    auto notifier
        = std::make_unique<EventNotifier>(m_stack->api.get(), m_stack->connection.get(), m_settings.get(), tray);
    notifier->poller()->setIntervals(50ms, 100ms, 400ms);
    notifier->setDeliveryGap(0ms);
    notifier->setTenant(tenantHost());
    return notifier;
}

QJsonObject TestEventNotifier::reportCritical()
{
    QString error;
    const QJsonObject event = m_stack->sandbox->server().tenant().reportNewFinding(QString(), &error);
    if (event.isEmpty())
        qWarning("reportNewFinding: %s", qPrintable(error));
    return event;
}

int TestEventNotifier::feedRequests() const
{
    int count = 0;
    for (const QJsonObject& entry : m_stack->sandbox->server().logEntries()) {
        if (entry.value(QStringLiteral("path")).toString() == QLatin1String("/admin/events"))
            ++count;
    }
    return count;
}

bool TestEventNotifier::waitForReads(EventNotifier* notifier, int count)
{
    QSignalSpy reads(notifier->poller(), &api::EventFeedPoller::polled);
    return QTest::qWaitFor([&reads, count] { return reads.count() >= count; }, kTimeoutMs);
}

void TestEventNotifier::eachEventNotifiedOnceAcrossPolls()
{
    RecordingTray tray(m_settings.get(), true);
    auto notifier = makeNotifier(&tray);
    QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
    notifier->start();
    // The first read starts from now: the seeded history (past pentests, criticals) stays quiet.
    QVERIFY(waitForReads(notifier.get(), 2));
    QCOMPARE(shown.count(), 0);

    const QJsonObject first = reportCritical();
    const QJsonObject second = reportCritical();
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, kTimeoutMs);
    QVERIFY(waitForReads(notifier.get(), 4)); // several more polls: still two
    QCOMPARE(shown.count(), 2);
    QCOMPARE(tray.titles,
             QStringList({QStringLiteral("New critical finding"), QStringLiteral("New critical finding")}));
    QCOMPARE(shown.at(0).at(0).value<EventNotification>().eventId, first.value(QStringLiteral("id")).toString());
    QCOMPARE(shown.at(1).at(0).value<EventNotification>().eventId, second.value(QStringLiteral("id")).toString());

    // The sandbox's own work: a cloud scan finishing is one more, once.
    const int before = int(shown.count());
    QNetworkReply* start = m_stack->api->startCloudScan(this, [](const api::Result<api::CloudScanStart>&) {});
    QVERIFY(start);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), before + 1, kTimeoutMs);
    QCOMPARE(shown.last().at(0).value<EventNotification>().title, QStringLiteral("Cloud scan finished"));
    QVERIFY(waitForReads(notifier.get(), 3));
    QCOMPARE(shown.count(), before + 1);
}

void TestEventNotifier::cursorKeptAcrossRestart()
{
    RecordingTray tray(m_settings.get(), true);
    {
        auto notifier = makeNotifier(&tray);
        QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
        notifier->start();
        QVERIFY(waitForReads(notifier.get(), 1));
        QVERIFY(!reportCritical().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kTimeoutMs);
    } // quit
    QVERIFY(!m_settings->value(AppSettings::Key::EventFeedState).toByteArray().isEmpty());
    const QJsonObject whileAway = reportCritical(); // happened while the app was closed

    // A new settings object on the same file: what a relaunch reads.
    m_settings = std::make_unique<AppSettings>(m_dir->filePath(QStringLiteral("settings.ini")));
    RecordingTray tray2(m_settings.get(), true);
    auto relaunched = makeNotifier(&tray2);
    QVERIFY(relaunched->poller()->cursor().isValid());
    QSignalSpy shown(relaunched.get(), &EventNotifier::notificationShown);
    relaunched->start();
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kTimeoutMs);
    QVERIFY(waitForReads(relaunched.get(), 3));
    QCOMPARE(shown.count(), 1); // the one from before the restart is not shown again
    QCOMPARE(shown.first().at(0).value<EventNotification>().eventId, whileAway.value(QStringLiteral("id")).toString());
}

void TestEventNotifier::pausedWhileOfflineAndResumed()
{
    RecordingTray tray(m_settings.get(), true);
    auto notifier = makeNotifier(&tray);
    QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
    notifier->start();
    QVERIFY(waitForReads(notifier.get(), 1));

    m_stack->reachability->setOnline(false);
    QTRY_VERIFY_WITH_TIMEOUT(m_stack->connection->isPaused(), kTimeoutMs);
    QVERIFY(notifier->driver()->isHeldForConnection());
    QVERIFY(!notifier->poller()->isActive());
    const int requestsOffline = feedRequests();
    QVERIFY(!reportCritical().isEmpty());
    QTest::qWait(400); // four base intervals: a poller that ignored the pause would have asked
    QCOMPARE(feedRequests(), requestsOffline);
    QCOMPARE(shown.count(), 0);

    m_stack->reachability->setOnline(true);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kTimeoutMs);
    QVERIFY(feedRequests() > requestsOffline);
}

void TestEventNotifier::backsOffOnErrorsAndWhenIdle()
{
    RecordingTray tray(m_settings.get(), true);
    auto notifier = makeNotifier(&tray);
    api::EventFeedPoller* poller = notifier->poller();
    notifier->start();
    // Nothing new: the wait grows by half each time, up to the idle cap (100 ms).
    QVERIFY(waitForReads(notifier.get(), 4));
    QCOMPARE(poller->interval(), poller->idleInterval());

    // Every read fails (500, after the manager's own retries): the wait doubles up to 400 ms.
    QString error;
    QVERIFY2(m_stack->sandbox->server().faultPlan().add(
                 QJsonObject {{QStringLiteral("method"), QStringLiteral("POST")},
                              {QStringLiteral("path"), QStringLiteral("/admin/events")},
                              {QStringLiteral("fault"), QStringLiteral("status")},
                              {QStringLiteral("status"), 500},
                              {QStringLiteral("count"), -1}},
                 &error),
             qPrintable(error));
    // The wait each failure set, as it was reported (the next tick uses it).
    QList<std::chrono::milliseconds> waits;
    QObject recording; // goes before `waits` does
    connect(poller, &api::Poller::pollFailed, &recording, [&waits, poller] { waits.append(poller->interval()); });
    QTRY_VERIFY_WITH_TIMEOUT(waits.size() >= 3, kTimeoutMs);
    QCOMPARE(waits.at(0), 200ms);
    QCOMPARE(waits.at(1), poller->errorInterval());
    QCOMPARE(waits.at(2), poller->errorInterval());
    QVERIFY(!notifier->isCovering()); // the views' own notices are used meanwhile
    QVERIFY(poller->isActive()); // an error is not the end

    // Back: a new event brings the wait down to the base at once.
    m_stack->sandbox->server().faultPlan().clear();
    QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
    QVERIFY(!reportCritical().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(notifier->isCovering(), kTimeoutMs);
    QCOMPARE(poller->interval(), poller->baseInterval());
}

void TestEventNotifier::settingTurnsItOff()
{
    m_settings->setValue(AppSettings::Key::NotificationsEnabled, false);
    RecordingTray tray(m_settings.get(), true);
    auto notifier = makeNotifier(&tray);
    QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
    notifier->start();
    QVERIFY(!notifier->isPolling());
    QVERIFY(!reportCritical().isEmpty());
    QTest::qWait(300);
    QCOMPARE(feedRequests(), 0);

    // Back on: from now on, not the event of while it was off.
    m_settings->setValue(AppSettings::Key::NotificationsEnabled, true);
    QVERIFY(notifier->isPolling());
    QVERIFY(waitForReads(notifier.get(), 2));
    QCOMPARE(shown.count(), 0);
    QVERIFY(!reportCritical().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kTimeoutMs);

    m_settings->setValue(AppSettings::Key::NotificationsEnabled, false);
    QVERIFY(!notifier->isPolling());
}

void TestEventNotifier::readNowSkipsTheWait()
{
    RecordingTray tray(m_settings.get(), true);
    auto notifier = makeNotifier(&tray);
    notifier->poller()->setIntervals(60s, 120s, 300s); // the next tick is a minute away
    QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
    notifier->start();
    QVERIFY(waitForReads(notifier.get(), 1));
    QVERIFY(!reportCritical().isEmpty());
    QTest::qWait(200);
    QCOMPARE(shown.count(), 0);
    notifier->readNow(); // a page saw something finish
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, 5000);
    QVERIFY(notifier->isPolling());

    // Not while offline: the read waits for the connection.
    m_stack->reachability->setOnline(false);
    QTRY_VERIFY_WITH_TIMEOUT(m_stack->connection->isPaused(), kTimeoutMs);
    const int before = feedRequests();
    notifier->readNow();
    QTest::qWait(200);
    QCOMPARE(feedRequests(), before);
    QVERIFY(notifier->driver()->isHeldForConnection());
}

void TestEventNotifier::manyAtOnceEndInASummary()
{
    RecordingTray tray(m_settings.get(), true);
    auto notifier = makeNotifier(&tray);
    notifier->setMaxPerBatch(2);
    QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
    notifier->start();
    QVERIFY(waitForReads(notifier.get(), 1));
    notifier->stop(); // so that the four arrive in one read
    for (int i = 0; i < 4; ++i)
        QVERIFY(!reportCritical().isEmpty());
    notifier->start();
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, kTimeoutMs);
    QVERIFY(waitForReads(notifier.get(), 3));
    QCOMPARE(shown.count(), 2); // one of its own, then one for the other three
    QCOMPARE(shown.at(0).at(0).value<EventNotification>().title, QStringLiteral("New critical finding"));
    const EventNotification summary = shown.at(1).at(0).value<EventNotification>();
    QCOMPARE(summary.title, QStringLiteral("3 more update(s) from Nullify"));
    QVERIFY(summary.eventId.isEmpty());
    QCOMPARE(summary.target.kind, NotificationTarget::Kind::None);
}

void TestEventNotifier::trayClickOpensTheFinding()
{
    RecordingTray tray(m_settings.get(), true);
    auto notifier = makeNotifier(&tray);
    QSignalSpy shown(notifier.get(), &EventNotifier::notificationShown);
    QSignalSpy opened(notifier.get(), &EventNotifier::openRequested);
    notifier->start();
    QVERIFY(waitForReads(notifier.get(), 1));
    const QJsonObject event = reportCritical();
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, kTimeoutMs);

    tray.onMessageClicked(); // what QSystemTrayIcon::messageClicked reaches
    QCOMPARE(opened.count(), 1);
    const auto target = opened.first().at(0).value<NotificationTarget>();
    QCOMPARE(target.kind, NotificationTarget::Kind::Finding);
    QCOMPARE(target.findingId, event.value(QStringLiteral("findingId")).toString());
    QVERIFY(target.service.has_value());
}

void TestEventNotifier::inAppNoticeWithoutTray()
{
    RecordingTray noTray(m_settings.get(), false);
    auto notifier = makeNotifier(&noTray);
    EventNoticeBar bar;
    connect(notifier.get(), &EventNotifier::inAppNotice, &bar, &EventNoticeBar::showNotification);
    QSignalSpy opened(&bar, &EventNoticeBar::openRequested);
    notifier->start();
    QVERIFY(waitForReads(notifier.get(), 1));
    const QJsonObject event = reportCritical();
    QTRY_VERIFY_WITH_TIMEOUT(bar.isVisibleTo(nullptr) || bar.notification().has_value(), kTimeoutMs);
    QVERIFY(noTray.titles.isEmpty());
    QVERIFY(bar.textLabel()->text().startsWith(QStringLiteral("New critical finding")));
    QTest::mouseClick(bar.openButton(), Qt::LeftButton);
    QCOMPARE(opened.count(), 1);
    QCOMPARE(opened.first().at(0).value<NotificationTarget>().findingId,
             event.value(QStringLiteral("findingId")).toString());
    QVERIFY(bar.isHidden());
}

void TestEventNotifier::revealOpensFindingAndPentest()
{
    const ViewContext context {m_stack->api.get(), m_stack->tracker.get(), m_stack->connection.get()};
    // A finding far down the list (page 3 of 4 in the view's order): pages are loaded until its
    // row is there.
    QString findingId;
    {
        api::FindingsQuery query;
        query.page = 3;
        query.pageSize = FindingsView::pageSize;
        std::optional<api::Result<api::Page<api::Finding>>> page;
        m_stack->api->findings(query, this, [&page](const api::Result<api::Page<api::Finding>>& r) { page = r; });
        QTRY_VERIFY_WITH_TIMEOUT(page.has_value(), kTimeoutMs);
        QVERIFY(page->isOk() && !page->value().items.isEmpty());
        findingId = page->value().items.at(10).id;
    }
    QVERIFY(!findingId.isEmpty());
    FindingsView findings(context);
    findings.resize(900, 600);
    findings.show();
    findings.activate();
    revealFinding(&findings, findingId);
    QTRY_COMPARE_WITH_TIMEOUT(findings.selectedFindingId(), findingId, kTimeoutMs);

    // A pentest started and finished: its row is selected and its report opens.
    QString appId;
    {
        std::optional<api::Result<QList<api::Application>>> apps;
        m_stack->api->applications(this, [&apps](const api::Result<QList<api::Application>>& r) { apps = r; });
        QTRY_VERIFY_WITH_TIMEOUT(apps.has_value(), kTimeoutMs);
        QVERIFY(apps->isOk() && !apps->value().isEmpty());
        appId = apps->value().first().id;
    }
    std::optional<api::Result<api::PentestScan>> started;
    m_stack->api->startPentest(appId, this, [&started](const api::Result<api::PentestScan>& r) { started = r; });
    QTRY_VERIFY_WITH_TIMEOUT(started.has_value(), kTimeoutMs);
    QVERIFY(started->isOk());
    QTest::qWait(1200); // the sandbox's pentest takes a second
    ScansView scans(context);
    scans.resize(900, 700);
    scans.show();
    scans.activate();
    revealPentest(&scans, started->value().id);
    QTRY_VERIFY_WITH_TIMEOUT(!scans.historyTable()->selectionModel()->selectedRows().isEmpty(), kTimeoutMs);
    QCOMPARE(scans.historyTable()->selectionModel()->selectedRows().first().data(PentestScansModel::IdRole).toString(),
             started->value().id);
    QTRY_VERIFY_WITH_TIMEOUT(scans.reportDialog() && scans.reportDialog()->isVisible(), kTimeoutMs);
    scans.reportDialog()->close();
}

QTEST_MAIN(TestEventNotifier)
#include "tst_eventnotifier.moc"
