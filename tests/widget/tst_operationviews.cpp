// The operation views (ScansView, AutofixView with its DiffView) driven by clicks against an
// in-process nullify-sandbox, through the client stack the app uses (NetworkAccessManager,
// ApiClient, NullifyApi, Session, RequestTracker, ConnectionState). Every check that matters is
// made from both sides: what the widgets show, and what the server saw (its request log and state).

#include "apiclient.h"
#include "autofixview.h"
#include "connectionstate.h"
#include "diffview.h"
#include "displaytext.h"
#include "faultplan.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "operationrow.h"
#include "pentestreportdialog.h"
#include "pentestscansmodel.h"
#include "reachability.h"
#include "replyhelpers.h"
#include "requesttracker.h"
#include "retrycountdown.h"
#include "sandboxharness.h"
#include "scansview.h"
#include "session.h"
#include "signedinstack.h"
#include "startdialogs.h"
#include "tenant.h"

#include <QComboBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTextBlock>
#include <QTextDocumentFragment>
#include <QtTest>

#include <memory>
#include <optional>

using namespace std::chrono_literals;
using nullify::api::ApiError;
using nullify::api::FindingService;
using nullify::api::Result;
using nullify::sandbox::FaultRule;
using nullify::test::answerStart;
using nullify::test::dismissRefusal;
using nullify::test::SandboxHarness;
using nullify::ui::AutofixView;
using nullify::ui::ConnectionState;
using nullify::ui::DiffView;
using nullify::ui::ManualReachability;
using nullify::ui::OperationRow;
using nullify::ui::RequestTracker;
using nullify::ui::RetryCountdown;
using nullify::ui::ScansView;
using nullify::ui::ViewContext;

namespace {

constexpr int kTimeoutMs = 20'000; // scans take 2 s in this sandbox; a slow machine gets room
constexpr auto kPollInterval = 200ms;

QDateTime timeOf(const QJsonObject& entry)
{
    return QDateTime::fromString(entry.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
}

qint64 seqOf(const QJsonObject& entry)
{
    return entry.value(QStringLiteral("seq")).toInteger();
}

// The requests of the log whose path starts with prefix (a glob would need the scan id).
QList<QJsonObject> entriesUnder(const QList<QJsonObject>& log, const char* method, const char* prefix)
{
    QList<QJsonObject> out;
    for (const QJsonObject& entry : log) {
        if (entry.value(QStringLiteral("method")).toString() == QLatin1String(method)
            && entry.value(QStringLiteral("path")).toString().startsWith(QLatin1String(prefix)))
            out << entry;
    }
    return out;
}

} // namespace

class TestOperationViews : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void pentestStartsAndCompletes();
    void pentestReportShowsItsMetrics();
    void autofixListHasRoomForTwoFixes();
    void retryAfterOnPentestPollShowsCountdownAndRetryNow();
    void overCapRetryAfterShowsWaitUntil();
    void serviceUnavailableOnPentestStartIsNotRepeated();
    void serviceUnavailableOnCloudScanStartIsNotRepeated();
    void cloudScanStartsAndCompletes();
    void cancelOnWaitingPollStopsIt();
    void offlineHoldsPollingUntilBack();
    void stopEndsAPentest();
    void autofixReachesTheDiff();
    void serviceUnavailableOnAutofixStartIsNotRepeated();
    void scpmAutofixOpensItsPullRequest();
    void startsAskFirstAndSayWhat();
    void secondStartWhileInFlightIsRefused();
    void autofixAgainShowsTheServersFix();
    void autofixFoundAgainAfterARestart();

private:
    ViewContext context() const { return {m_stack->api.get(), m_stack->tracker.get(), m_stack->connection.get()}; }
    std::unique_ptr<ScansView> makeScansView();
    QString findingOf(nullify::api::FindingType type, QString* title);
    OperationRow* waitForPentestRow(ScansView* view);

    std::unique_ptr<nullify::test::SignedInStack> m_stack;
};

void TestOperationViews::init()
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = 200;
    options.tenant.workSeconds = 2;
    options.tenant.autofixSeconds = 2;
    options.auth.autoApprove = true;
    m_stack = std::make_unique<nullify::test::SignedInStack>();
    QString why;
    QVERIFY2(m_stack->start(options, &why), qPrintable(why));
}

void TestOperationViews::cleanup()
{
    m_stack.reset();
}

std::unique_ptr<ScansView> TestOperationViews::makeScansView()
{
    auto view = std::make_unique<ScansView>(context());
    view->setPollInterval(kPollInterval);
    view->resize(900, 700);
    view->show();
    view->activate();
    return view;
}

// A finding of the type, from the server's own list; empty when there is none.
QString TestOperationViews::findingOf(nullify::api::FindingType type, QString* title)
{
    nullify::api::FindingsQuery query;
    query.pageSize = 10;
    query.types = {type};
    std::optional<Result<nullify::api::Page<nullify::api::Finding>>> result;
    QObject context;
    m_stack->api->findings(
        query, &context, [&result](const Result<nullify::api::Page<nullify::api::Finding>>& r) { result = r; });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, kTimeoutMs) || !result->isOk()
        || result->value().items.isEmpty())
        return {};
    const nullify::api::Finding& finding = result->value().items.first();
    *title = finding.title;
    return finding.id;
}

OperationRow* TestOperationViews::waitForPentestRow(ScansView* view)
{
    if (!QTest::qWaitFor([view] { return view->applicationChooser()->count() > 0; }, kTimeoutMs))
        return nullptr;
    QTest::mouseClick(view->startPentestButton(), Qt::LeftButton);
    if (!answerStart(true))
        return nullptr;
    if (!QTest::qWaitFor([view] { return view->pentestRows().size() == 1; }, kTimeoutMs))
        return nullptr;
    return view->pentestRows().first();
}

// A click starts one pentest; its row follows it to "Completed" and the view says so.
void TestOperationViews::pentestStartsAndCompletes()
{
    auto view = makeScansView();
    QSignalSpy notifications(view.get(), &nullify::ui::View::notificationRequested);
    QTRY_VERIFY_WITH_TIMEOUT(view->applicationChooser()->count() > 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(view->pentestModel()->count() > 0, kTimeoutMs); // the seeded history
    const int historyBefore = view->pentestModel()->count();
    QVERIFY(view->startPentestButton()->isEnabled());

    QTest::mouseClick(view->startPentestButton(), Qt::LeftButton);
    QVERIFY(answerStart(true));
    // The start is in flight: a second click must not start a second pentest.
    QVERIFY(!view->startPentestButton()->isEnabled());
    QTest::mouseClick(view->startPentestButton(), Qt::LeftButton);
    QCOMPARE(view->pentestRows().size(), 1);
    OperationRow* row = view->pentestRows().first();
    QVERIFY(row->isVisible());

    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), QStringLiteral("Completed"));
    QCOMPARE(row->progress(), 100);
    QVERIFY(row->hint().isEmpty());
    QCOMPARE(notifications.count(), 1);
    QCOMPARE(notifications.first().at(0).toString(), QStringLiteral("Pentest finished"));
    QVERIFY2(notifications.first().at(1).toString().contains(QStringLiteral("Completed")),
             qPrintable(notifications.first().at(1).toString()));
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("pentestsStarted")).toInt(), 1);
    QVERIFY(view->startPentestButton()->isEnabled());

    // The new scan heads the history with its final status, and its report opens beside the window.
    QCOMPARE(view->pentestModel()->count(), historyBefore + 1);
    auto* historyStatus = view->findChild<QLabel*>(QStringLiteral("historyStatus"));
    QVERIFY(historyStatus);
    QCOMPARE(historyStatus->text(), QStringLiteral("%1 pentest(s)").arg(historyBefore + 1)); // counts the new row
    const QModelIndex first = view->pentestModel()->index(0, nullify::ui::PentestScansModel::StatusColumn);
    QCOMPARE(first.data().toString(), QStringLiteral("Completed"));
    view->historyTable()->selectRow(0);
    QVERIFY(view->openReportButton()->isEnabled());
    QTest::mouseClick(view->openReportButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(view->reportDialog() && view->reportDialog()->isVisible(), kTimeoutMs);
    QVERIFY(!view->reportDialog()->isModal());
    QVERIFY2(view->reportDialog()->reportText().contains(QStringLiteral("Findings (")),
             qPrintable(view->reportDialog()->reportText()));
    const QList<QJsonObject> reports = entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/");
    QVERIFY(std::any_of(reports.cbegin(), reports.cend(), [](const QJsonObject& entry) {
        return entry.value(QStringLiteral("path")).toString().endsWith(QStringLiteral("/report"))
            && entry.value(QStringLiteral("status")).toInt() == 200;
    }));
}

// Issue 17, bug 2: a past pentest whose card counts its findings opens a report with the same
// count (metrics.findingMetrics.total), its endpoint metrics, its description and its assessment
// period, although the sandbox's report has no findingsSummary and no executiveSummary (both
// optional in the spec). A report without the optional period shows no period, and no zero.
void TestOperationViews::pentestReportShowsItsMetrics()
{
    auto view = makeScansView();
    QTRY_VERIFY_WITH_TIMEOUT(view->pentestModel()->count() > 0, kTimeoutMs);
    int row = -1;
    for (int r = 0; r < view->pentestModel()->count() && row < 0; ++r) {
        const nullify::api::PentestScan& scan = view->pentestModel()->scan(r);
        if (scan.status == nullify::api::ScanStatus::Completed && !scan.findingIds.isEmpty())
            row = r;
    }
    QVERIFY2(row >= 0, "the seeded history has a completed pentest with findings");
    const nullify::api::PentestScan scan = view->pentestModel()->scan(row);
    const QString card = view->pentestModel()
                             ->index(row, nullify::ui::PentestScansModel::StatusColumn)
                             .data(Qt::ToolTipRole)
                             .toString();
    QVERIFY2(card.contains(QStringLiteral("%1 finding(s)").arg(scan.findingIds.size())), qPrintable(card));

    std::optional<Result<nullify::api::PentestReport>> reference;
    QObject context;
    m_stack->api->pentestReport(
        scan.id, &context, [&reference](const Result<nullify::api::PentestReport>& r) { reference = r; });
    QTRY_VERIFY_WITH_TIMEOUT(reference.has_value(), kTimeoutMs);
    QVERIFY(reference->isOk());
    const nullify::api::PentestReport& expected = reference->value();
    QCOMPARE(expected.findingsTotal, std::optional<qint64>(scan.findingIds.size()));
    QVERIFY(expected.findings.isEmpty() && expected.executiveSummary.isEmpty()); // what made "Findings (0)"
    QVERIFY(expected.endpointsTested && expected.endpointsVulnerable && expected.periodStart.isValid());

    view->historyTable()->selectRow(row);
    QTest::mouseClick(view->openReportButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(view->reportDialog() && view->reportDialog()->isVisible(), kTimeoutMs);
    const QString text = view->reportDialog()->reportText();
    const QLocale locale;
    QVERIFY2(text.contains(QStringLiteral("Findings (%1)").arg(locale.toString(scan.findingIds.size()))),
             qPrintable(text));
    QVERIFY2(text.contains(
                 QStringLiteral("%1 tested, %2 vulnerable")
                     .arg(locale.toString(*expected.endpointsTested), locale.toString(*expected.endpointsVulnerable))),
             qPrintable(text));
    QVERIFY2(text.contains(expected.description), qPrintable(text));
    QVERIFY2(text.contains(nullify::ui::DisplayText::dateTime(expected.periodStart)), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("No summary")) && !text.contains(QStringLiteral("No findings")),
             qPrintable(text));

    // Without the optional period and with a count the report lacks: absent, not zero.
    nullify::api::PentestReport sparse;
    sparse.scanId = QStringLiteral("ps-sparse");
    sparse.endpointsTested = 12;
    const QString sparseText
        = QTextDocumentFragment::fromHtml(nullify::ui::PentestReportDialog::toHtml(QStringLiteral("app"), sparse))
              .toPlainText();
    QVERIFY2(!sparseText.contains(QStringLiteral("Assessment period")), qPrintable(sparseText));
    QVERIFY2(sparseText.contains(QStringLiteral("12 tested, — vulnerable")), qPrintable(sparseText));
    QVERIFY2(sparseText.contains(QStringLiteral("Findings (—)")), qPrintable(sparseText));
    QVERIFY2(!sparseText.contains(QLatin1String(" 0 ")), qPrintable(sparseText));
}

// Issue 17, bug 9: at the default page size the list of fixes shows two of them whole (it was
// about 80 px tall, less than one row with its buttons).
void TestOperationViews::autofixListHasRoomForTwoFixes()
{
    QString title;
    const QString findingId = findingOf(nullify::api::FindingType::Code, &title);
    QVERIFY(!findingId.isEmpty());
    AutofixView view(context());
    view.setPollInterval(kPollInterval);
    view.resize(900, 650); // the default window less the navigation list
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.startAutofix(FindingService::Sast, findingId, title);
    OperationRow* row = view.rowFor(FindingService::Sast, findingId);
    QVERIFY(row);
    QVERIFY(answerStart(true)); // a billable start is confirmed first
    auto* list = view.findChild<QWidget*>(QStringLiteral("autofixList"));
    QVERIFY(list);
    // Ended, the row is at its tallest: its status, its detail and its buttons.
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded() && row->isVisible(), kTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(
        list->height() >= 2 * row->sizeHint().height(), // once the layout has settled
        qPrintable(QStringLiteral("list %1 px, a row %2 px").arg(list->height()).arg(row->sizeHint().height())),
        kTimeoutMs);
}

// 503 + Retry-After: 3 on a poll: the countdown shows in the row; Retry now sends the poll at once.
void TestOperationViews::retryAfterOnPentestPollShowsCountdownAndRetryNow()
{
    auto view = makeScansView();
    OperationRow* row = waitForPentestRow(view.get());
    QVERIFY(row);
    // Wait until the start has answered and polling runs, then fail the next poll.
    QTRY_VERIFY_WITH_TIMEOUT(!entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").isEmpty(),
                             kTimeoutMs);
    QVERIFY(m_stack->sandbox->addFaults({FaultRule::on("GET", "/dast/pentest/scans/*").status(503).retryAfter(3)}));

    RetryCountdown* countdown = row->countdown();
    QTRY_COMPARE_WITH_TIMEOUT(countdown->mode(), RetryCountdown::Mode::Countdown, kTimeoutMs);
    QVERIFY(countdown->isVisible());
    QVERIFY(row->isAncestorOf(countdown));
    QVERIFY2(countdown->text().startsWith(QStringLiteral("HTTP 503 · retrying in")), qPrintable(countdown->text()));
    QCOMPARE(countdown->pendingRetry().httpStatus, 503);
    QVERIFY(countdown->pendingRetry().fromRetryAfter);
    QVERIFY(countdown->retryNowButton()->isVisible());

    QTest::mouseClick(countdown->retryNowButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(countdown->mode(), RetryCountdown::Mode::Hidden, kTimeoutMs);

    // The server saw the retry well before the 3 s it asked for.
    const QList<QJsonObject> polls = entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/");
    int faulted = -1;
    for (int i = 0; i < polls.size(); ++i)
        if (polls.at(i).value(QStringLiteral("status")).toInt() == 503)
            faulted = i;
    QVERIFY(faulted >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").size() > faulted + 1, kTimeoutMs);
    const QList<QJsonObject> after = entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/");
    const qint64 gapMs = timeOf(after.at(faulted)).msecsTo(timeOf(after.at(faulted + 1)));
    QVERIFY2(gapMs < 2000, qPrintable(QStringLiteral("the retry came %1 ms after the 503").arg(gapMs)));
    QCOMPARE(after.at(faulted + 1).value(QStringLiteral("status")).toInt(), 200);

    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), QStringLiteral("Completed"));
}

// A Retry-After beyond what the app waits: the row says until when the server asks to wait.
void TestOperationViews::overCapRetryAfterShowsWaitUntil()
{
    auto view = makeScansView();
    OperationRow* row = waitForPentestRow(view.get());
    QVERIFY(row);
    QTRY_VERIFY_WITH_TIMEOUT(!entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").isEmpty(),
                             kTimeoutMs);
    QVERIFY(m_stack->sandbox->addFaults({FaultRule::on("GET", "/dast/pentest/scans/*").status(503).retryAfter(120)}));

    QTRY_COMPARE_WITH_TIMEOUT(row->countdown()->mode(), RetryCountdown::Mode::WaitUntil, kTimeoutMs);
    QVERIFY2(row->countdown()->text().startsWith(QStringLiteral("The server asks to wait until")),
             qPrintable(row->countdown()->text()));
    QVERIFY(row->countdown()->isVisible());
    QVERIFY(!row->isEnded()); // held, not given up
    // The poll is held until then: no poll reaches the server in the next three poll intervals.
    const int polls = entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").size();
    QTest::qWait(3 * int(kPollInterval.count())); // negative: a poll not held would come within one interval
    QCOMPARE(entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").size(), polls);
}

// 503 on the start: the sandbox answers before its handler, so nothing started; the app reports
// it may or may not have, refreshes the history and never sends the POST again.
void TestOperationViews::serviceUnavailableOnPentestStartIsNotRepeated()
{
    auto view = makeScansView();
    QTRY_VERIFY_WITH_TIMEOUT(view->applicationChooser()->count() > 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!view->pentestPager()->isLoading() && view->pentestModel()->count() > 0, kTimeoutMs);
    QVERIFY(m_stack->sandbox->addFaults({FaultRule::on("POST", "/dast/pentest/start").status(503)}));

    QTest::mouseClick(view->startPentestButton(), Qt::LeftButton);
    QVERIFY(answerStart(true));
    QCOMPARE(view->pentestRows().size(), 1);
    OperationRow* row = view->pentestRows().first();
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), QStringLiteral("Could not start"));
    ApiError error;
    error.kind = ApiError::Kind::Http;
    error.httpStatus = 503;
    QCOMPARE(row->hint(), nullify::ui::ambiguousFailureHint("POST", error, QStringLiteral("the pentest")));
    QVERIFY(row->hint().contains(QStringLiteral("may or may not have started")));

    // Wait for the history asked again after the failed start, then give a second POST (the stack
    // retries after 20 ms) ten times that.
    const auto historyAskedAfterTheStart = [this] {
        const QList<QJsonObject> log = m_stack->sandbox->requestLog();
        const QList<QJsonObject> starts
            = SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/dast/pentest/start"));
        const QList<QJsonObject> lists
            = SandboxHarness::entriesFor(log, QStringLiteral("GET"), QStringLiteral("/dast/pentest/scans"));
        return !starts.isEmpty() && std::any_of(lists.cbegin(), lists.cend(), [&starts](const QJsonObject& entry) {
            return seqOf(entry) > seqOf(starts.first());
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(historyAskedAfterTheStart(), kTimeoutMs);
    QTest::qWait(200); // negative: no second attempt of the start
    const QList<QJsonObject> log = m_stack->sandbox->requestLog();
    const QList<QJsonObject> posts
        = SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/dast/pentest/start"));
    QCOMPARE(posts.size(), 1);
    QCOMPARE(posts.first().value(QStringLiteral("status")).toInt(), 503);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("pentestsStarted")).toInt(), 0);
    // The history was asked again after the failed start.
    const QList<QJsonObject> lists
        = SandboxHarness::entriesFor(log, QStringLiteral("GET"), QStringLiteral("/dast/pentest/scans"));
    QVERIFY(std::any_of(lists.cbegin(), lists.cend(), [&posts](const QJsonObject& entry) {
        return seqOf(entry) > seqOf(posts.first());
    }));
    QVERIFY(view->pentestRows().first() == row); // no second row, no second start
    QVERIFY(view->startPentestButton()->isEnabled()); // the user decides
}

void TestOperationViews::serviceUnavailableOnCloudScanStartIsNotRepeated()
{
    auto view = makeScansView();
    QSignalSpy notifications(view.get(), &nullify::ui::View::notificationRequested);
    QVERIFY(m_stack->sandbox->addFaults({FaultRule::on("POST", "/context/cloud-scan/start").status(503)}));
    QTest::mouseClick(view->startCloudScanButton(), Qt::LeftButton);
    QVERIFY(answerStart(true));
    QVERIFY(!view->startCloudScanButton()->isEnabled());
    QCOMPARE(view->cloudScanRows().size(), 1);
    OperationRow* row = view->cloudScanRows().first();
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QVERIFY2(row->hint().contains(QStringLiteral("the cloud scan may or may not have started")),
             qPrintable(row->hint()));
    QTest::qWait(200); // negative: a second attempt would follow the stack's 20 ms retry backoff
    QCOMPARE(SandboxHarness::entriesFor(
                 m_stack->sandbox->requestLog(), QStringLiteral("POST"), QStringLiteral("/context/cloud-scan/start"))
                 .size(),
             1);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("cloudScansStarted")).toInt(), 0);
    QCOMPARE(view->cloudScanRows().size(), 1);
    QVERIFY(notifications.isEmpty()); // no scan reached a final state
    QVERIFY(view->startCloudScanButton()->isEnabled());
}

// The primary action (Ctrl+Shift+N) starts a cloud scan; its row shows each provider and ends completed.
void TestOperationViews::cloudScanStartsAndCompletes()
{
    auto view = makeScansView();
    QSignalSpy notifications(view.get(), &nullify::ui::View::notificationRequested);
    QTest::mouseClick(view->startCloudScanButton(), Qt::LeftButton);
    QVERIFY(answerStart(true));
    QVERIFY(!view->startCloudScanButton()->isEnabled());
    view->startPrimaryAction(); // a start is in flight: refused
    QVERIFY(dismissRefusal());
    QCOMPARE(view->cloudScanRows().size(), 1);
    OperationRow* row = view->cloudScanRows().first();
    QTRY_VERIFY_WITH_TIMEOUT(row->detail().contains(QStringLiteral("AWS")), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), QStringLiteral("Completed"));
    QCOMPARE(row->progress(), 100);
    QVERIFY2(row->detail().contains(QStringLiteral("AWS: Completed")), qPrintable(row->detail()));
    QCOMPARE(notifications.count(), 1);
    QCOMPARE(notifications.first().at(0).toString(), QStringLiteral("Cloud scan finished"));
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("cloudScansStarted")).toInt(), 1);

    view->startPrimaryAction();
    QVERIFY(answerStart(true));
    QCOMPARE(view->cloudScanRows().size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(view->cloudScanRows().first()->isEnded(), kTimeoutMs);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("cloudScansStarted")).toInt(), 2);
}

// Cancel on a poll waiting to retry ends the polling: no further request reaches the server.
void TestOperationViews::cancelOnWaitingPollStopsIt()
{
    auto view = makeScansView();
    QSignalSpy notifications(view.get(), &nullify::ui::View::notificationRequested);
    QVERIFY(m_stack->sandbox->addFaults(
        {FaultRule::on("GET", "/context/cloud-scan/*/status").status(503).retryAfter(10).always()}));
    QTest::mouseClick(view->startCloudScanButton(), Qt::LeftButton);
    QVERIFY(answerStart(true));
    OperationRow* row = view->cloudScanRows().first();
    RetryCountdown* countdown = row->countdown();
    QTRY_COMPARE_WITH_TIMEOUT(countdown->mode(), RetryCountdown::Mode::Countdown, kTimeoutMs);
    QVERIFY(countdown->cancelButton()->isVisible());

    QTest::mouseClick(countdown->cancelButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(countdown->mode(), RetryCountdown::Mode::Hidden);
    QCOMPARE(row->status(), QStringLiteral("No longer followed"));
    const int polls = entriesUnder(m_stack->sandbox->requestLog(), "GET", "/context/cloud-scan/").size();
    QCOMPARE(polls, 1);
    QTest::qWait(3 * int(kPollInterval.count())); // negative: a poll not stopped would come within one interval
    QCOMPARE(entriesUnder(m_stack->sandbox->requestLog(), "GET", "/context/cloud-scan/").size(), polls);
    QVERIFY(notifications.isEmpty());
}

// Offline pauses the polls; back online, they resume and the scan completes.
void TestOperationViews::offlineHoldsPollingUntilBack()
{
    auto view = makeScansView();
    OperationRow* row = waitForPentestRow(view.get());
    QVERIFY(row);
    QTRY_VERIFY_WITH_TIMEOUT(!entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").isEmpty(),
                             kTimeoutMs);
    m_stack->reachability->setOnline(false);
    QVERIFY(m_stack->connection->isPaused());
    QVERIFY2(row->hint().contains(QStringLiteral("Offline")), qPrintable(row->hint()));
    const int polls = entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").size();
    QTest::qWait(3 * int(kPollInterval.count())); // negative: a poll not held would come within one interval
    QCOMPARE(entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").size(), polls);
    QVERIFY(!row->isEnded());

    m_stack->reachability->setOnline(true);
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), QStringLiteral("Completed"));
    QVERIFY(entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").size() > polls);
}

// Stop: one stop request, and the row follows the pentest to "Cancelled".
void TestOperationViews::stopEndsAPentest()
{
    auto view = makeScansView();
    QSignalSpy notifications(view.get(), &nullify::ui::View::notificationRequested);
    OperationRow* row = waitForPentestRow(view.get());
    QVERIFY(row);
    QPushButton* stop = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((stop = row->findChild<QPushButton*>(QStringLiteral("stopPentestButton"))), kTimeoutMs);
    // Offered once the start has answered with the pentest's id (later on a slow, sanitized build).
    QTRY_VERIFY_WITH_TIMEOUT(stop->isVisible() && stop->isEnabled(), kTimeoutMs);
    QTest::mouseClick(stop, Qt::LeftButton);
    QVERIFY(!stop->isEnabled()); // one stop at a time
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), QStringLiteral("Cancelled"));
    QVERIFY(!stop->isVisible());
    QCOMPARE(entriesUnder(m_stack->sandbox->requestLog(), "POST", "/dast/pentest/scans/").size(), 1);
    QCOMPARE(notifications.count(), 1);
    QVERIFY(notifications.first().at(1).toString().contains(QStringLiteral("Cancelled")));
}

// An autofix followed to its diff: added and removed lines from the server's diff, coloured apart.
void TestOperationViews::autofixReachesTheDiff()
{
    QString title;
    const QString findingId = findingOf(nullify::api::FindingType::Code, &title);
    QVERIFY(!findingId.isEmpty());
    AutofixView view(context());
    view.setPollInterval(kPollInterval);
    view.resize(900, 700);
    view.show();
    QSignalSpy notifications(&view, &nullify::ui::View::notificationRequested);
    QSignalSpy shown(&view, &nullify::ui::View::showRequested);

    view.startAutofix(FindingService::Sast, findingId, title);
    QCOMPARE(shown.count(), 1);
    OperationRow* row = view.rowFor(FindingService::Sast, findingId);
    QVERIFY(row);
    QCOMPARE(row->title(), title);
    QVERIFY(answerStart(true));
    // Asked again while it runs: refused, no second POST.
    view.startAutofix(FindingService::Sast, findingId, title);
    QVERIFY(dismissRefusal());
    QCOMPARE(view.rows().size(), 1);
    // The phase and activity show while it runs.
    QTRY_VERIFY_WITH_TIMEOUT(!row->detail().isEmpty(), kTimeoutMs);

    DiffView* diff = view.diffView();
    QTRY_VERIFY_WITH_TIMEOUT(diff->addedCount() > 0, kTimeoutMs);
    QVERIFY(row->isEnded());
    QCOMPARE(SandboxHarness::entriesFor(m_stack->sandbox->requestLog(),
                                        QStringLiteral("POST"),
                                        QStringLiteral("/sast/findings/%1/autofix/fix").arg(findingId))
                 .size(),
             1);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("autofixesStarted")).toInt(), 1);

    // The same lines the server sends.
    std::optional<Result<nullify::api::AutofixDiff>> server;
    QObject context;
    m_stack->api->autofixDiff(FindingService::Sast,
                              findingId,
                              &context,
                              [&server](const Result<nullify::api::AutofixDiff>& r) { server = r; });
    QTRY_VERIFY_WITH_TIMEOUT(server.has_value(), kTimeoutMs);
    QVERIFY(server->isOk());
    int added = 0;
    int removed = 0;
    QStringList addedTexts;
    for (const auto& file : server->value().diffs)
        for (const auto& hunk : file.hunks)
            for (const auto& line : hunk.lines) {
                added += line.kind == nullify::api::DiffLine::Kind::Added;
                removed += line.kind == nullify::api::DiffLine::Kind::Removed;
                if (line.kind == nullify::api::DiffLine::Kind::Added)
                    addedTexts << line.content.trimmed();
            }
    QVERIFY(added > 0);
    QVERIFY(removed > 0);
    QCOMPARE(diff->addedCount(), added);
    QCOMPARE(diff->removedCount(), removed);

    // Coloured apart, and unlike unchanged text; read-only and monospaced.
    QColor addedColour;
    QColor removedColour;
    int fileHeaders = 0;
    for (QTextBlock block = diff->document()->begin(); block.isValid(); block = block.next()) {
        const QColor background = block.blockFormat().background().color();
        switch (block.userState()) {
        case DiffView::AddedLine:
            QVERIFY2(block.text().contains(QStringLiteral(" + ")), qPrintable(block.text()));
            addedColour = background;
            break;
        case DiffView::RemovedLine:
            QVERIFY2(block.text().contains(QStringLiteral(" - ")), qPrintable(block.text()));
            removedColour = background;
            break;
        case DiffView::FileHeader:
            ++fileHeaders;
            break;
        default:
            break;
        }
    }
    QCOMPARE(fileHeaders, int(server->value().diffs.size()));
    QVERIFY(addedColour.isValid() && removedColour.isValid());
    QVERIFY(addedColour != removedColour);
    QVERIFY(addedColour != diff->palette().color(QPalette::Base));
    QVERIFY(addedColour.green() > addedColour.red());
    QVERIFY(removedColour.red() > removedColour.green());
    QVERIFY2(diff->toPlainText().contains(addedTexts.first()), qPrintable(addedTexts.first()));
    QVERIFY(diff->isReadOnly());
    // What the machine's fonts resolve to varies (offscreen has few): check what the view asks for.
    QVERIFY(diff->font().fixedPitch());
    QCOMPARE(diff->font().styleHint(), QFont::Monospace);

    // A dark palette: the tints still differ from the base and from each other.
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(30, 30, 30));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    const QColor darkAdded = DiffView::background(DiffView::AddedLine, dark);
    const QColor darkRemoved = DiffView::background(DiffView::RemovedLine, dark);
    QVERIFY(darkAdded.lightnessF() < 0.5 && darkRemoved.lightnessF() < 0.5); // light text stays readable
    QVERIFY(darkAdded != darkRemoved && darkAdded != dark.color(QPalette::Base));

    QVERIFY(std::any_of(notifications.cbegin(), notifications.cend(), [](const QList<QVariant>& args) {
        return args.at(0).toString() == QStringLiteral("Autofix ready");
    }));
}

// 503 on the fix POST: said to be ambiguous, never sent again by the view; only the user's next
// request starts another.
void TestOperationViews::serviceUnavailableOnAutofixStartIsNotRepeated()
{
    QString title;
    const QString findingId = findingOf(nullify::api::FindingType::Code, &title);
    QVERIFY(!findingId.isEmpty());
    QVERIFY(m_stack->sandbox->addFaults({FaultRule::on("POST", "/sast/findings/*/autofix/fix").status(503)}));
    AutofixView view(context());
    view.setPollInterval(kPollInterval);
    view.show();
    QSignalSpy notifications(&view, &nullify::ui::View::notificationRequested);
    view.startAutofix(FindingService::Sast, findingId, title);
    OperationRow* row = view.rowFor(FindingService::Sast, findingId);
    QVERIFY(row);
    QVERIFY(answerStart(true));
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QVERIFY2(row->hint().contains(QStringLiteral("the autofix may or may not have started")), qPrintable(row->hint()));
    QTest::qWait(200); // negative: a second attempt would follow the stack's 20 ms retry backoff
    const QString path = QStringLiteral("/sast/findings/%1/autofix/fix").arg(findingId);
    QCOMPARE(SandboxHarness::entriesFor(m_stack->sandbox->requestLog(), QStringLiteral("POST"), path).size(), 1);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("autofixRequests")).toInt(), 0); // the fault came first
    QCOMPARE(notifications.count(), 1);
    QCOMPARE(notifications.first().at(0).toString(), QStringLiteral("Autofix failed"));

    // The user asks again: one more POST, and this one goes through to the diff.
    view.startAutofix(FindingService::Sast, findingId, title);
    QVERIFY(answerStart(true));
    QCOMPARE(view.rows().size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(view.diffView()->addedCount() > 0, kTimeoutMs);
    QCOMPARE(SandboxHarness::entriesFor(m_stack->sandbox->requestLog(), QStringLiteral("POST"), path).size(), 2);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("autofixesStarted")).toInt(), 1);
}

// SCPM: the fix is cached, "Create pull request" asks for one, and "Open pull request" opens its link.
void TestOperationViews::scpmAutofixOpensItsPullRequest()
{
    QString title;
    const QString findingId = findingOf(nullify::api::FindingType::Platform, &title);
    QVERIFY(!findingId.isEmpty());
    AutofixView view(context());
    view.setPollInterval(kPollInterval);
    QList<QUrl> opened;
    view.setUrlOpener([&opened](const QUrl& url) {
        opened << url;
        return true;
    });
    view.show();
    QSignalSpy notifications(&view, &nullify::ui::View::notificationRequested);

    view.startAutofix(FindingService::Scpm, findingId, title);
    OperationRow* row = view.rowFor(FindingService::Scpm, findingId);
    QVERIFY(row);
    QVERIFY(answerStart(true));
    auto* create = row->findChild<QPushButton*>(QStringLiteral("createPullRequestButton"));
    auto* open = row->findChild<QPushButton*>(QStringLiteral("openPullRequestButton"));
    QVERIFY(create && open);
    QTRY_VERIFY_WITH_TIMEOUT(create->isVisible(), kTimeoutMs);
    QVERIFY(!open->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(view.diffView()->addedCount() + view.diffView()->removedCount() > 0, kTimeoutMs);

    QTest::mouseClick(create, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(open->isVisible(), kTimeoutMs);
    QVERIFY(!create->isVisible());
    QCOMPARE(SandboxHarness::entriesFor(m_stack->sandbox->requestLog(),
                                        QStringLiteral("POST"),
                                        QStringLiteral("/scpm/findings/%1/autofix/cache/create_pr").arg(findingId))
                 .size(),
             1);

    // The link is the server's pullRequestUrl.
    std::optional<Result<nullify::api::AutofixStatus>> status;
    QObject context;
    m_stack->api->autofixStatus(FindingService::Scpm,
                                findingId,
                                &context,
                                [&status](const Result<nullify::api::AutofixStatus>& r) { status = r; });
    QTRY_VERIFY_WITH_TIMEOUT(status.has_value(), kTimeoutMs);
    QVERIFY(status->isOk());
    QVERIFY(!status->value().pullRequestUrl.isEmpty());

    QTest::mouseClick(open, Qt::LeftButton);
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.first(), QUrl(status->value().pullRequestUrl));
    QVERIFY(std::any_of(notifications.cbegin(), notifications.cend(), [](const QList<QVariant>& args) {
        return args.at(0).toString() == QStringLiteral("Autofix pull request opened");
    }));
}

// Every billable start asks first and says what it starts; Cancel starts nothing.
void TestOperationViews::startsAskFirstAndSayWhat()
{
    auto view = makeScansView();
    QTRY_VERIFY_WITH_TIMEOUT(view->applicationChooser()->count() > 0, kTimeoutMs);
    QString text;
    QTest::mouseClick(view->startCloudScanButton(), Qt::LeftButton);
    QVERIFY(answerStart(false, &text));
    QVERIFY2(text.contains(m_stack->sandbox->apiUrl().host()), qPrintable(text)); // the tenant's accounts

    const QString application = view->applicationChooser()->currentText();
    QTest::mouseClick(view->startPentestButton(), Qt::LeftButton);
    QVERIFY(answerStart(false, &text));
    QVERIFY2(text.contains(application), qPrintable(text));

    QString title;
    const QString findingId = findingOf(nullify::api::FindingType::Code, &title);
    QVERIFY(!findingId.isEmpty());
    AutofixView autofix(context());
    autofix.show();
    autofix.startAutofix(FindingService::Sast, findingId, title, QStringLiteral("acme/payments"));
    QVERIFY(answerStart(false, &text));
    QVERIFY2(text.contains(title) && text.contains(findingId) && text.contains(QStringLiteral("acme/payments")),
             qPrintable(text));
    QTRY_VERIFY_WITH_TIMEOUT(autofix.rows().isEmpty(), kTimeoutMs); // a cancelled start leaves no row

    QTest::qWait(200); // negative: a start that was not held back would be sent at once
    const QList<QJsonObject> log = m_stack->sandbox->requestLog();
    QVERIFY(
        SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/context/cloud-scan/start")).isEmpty());
    QVERIFY(SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/dast/pentest/start")).isEmpty());
    QVERIFY(entriesUnder(log, "POST", "/sast/findings/").isEmpty());
    const QJsonObject state = m_stack->sandbox->state();
    QCOMPARE(state.value(QStringLiteral("cloudScansStarted")).toInt(), 0);
    QCOMPARE(state.value(QStringLiteral("pentestsStarted")).toInt(), 0);
    QCOMPARE(state.value(QStringLiteral("autofixRequests")).toInt(), 0);
}

// A second start of the same thing while one is in flight is refused with a message, and sends
// nothing: a running cloud scan, a running pentest of the same application.
void TestOperationViews::secondStartWhileInFlightIsRefused()
{
    auto view = makeScansView();
    QTest::mouseClick(view->startCloudScanButton(), Qt::LeftButton);
    QVERIFY(answerStart(true));
    QCOMPARE(view->cloudScanRows().size(), 1);
    // Polling: the start has answered and the scan runs.
    QTRY_VERIFY_WITH_TIMEOUT(!entriesUnder(m_stack->sandbox->requestLog(), "GET", "/context/cloud-scan/").isEmpty(),
                             kTimeoutMs);
    QVERIFY(!view->cloudScanRows().first()->isEnded());
    QString text;
    QTest::mouseClick(view->startCloudScanButton(), Qt::LeftButton);
    QVERIFY(dismissRefusal(&text));
    QVERIFY2(text.contains(QStringLiteral("not started")), qPrintable(text));

    OperationRow* row = waitForPentestRow(view.get());
    QVERIFY(row);
    QTRY_VERIFY_WITH_TIMEOUT(!entriesUnder(m_stack->sandbox->requestLog(), "GET", "/dast/pentest/scans/").isEmpty(),
                             kTimeoutMs);
    QVERIFY(!row->isEnded());
    QTest::mouseClick(view->startPentestButton(), Qt::LeftButton);
    QVERIFY(dismissRefusal(&text));
    QVERIFY2(text.contains(view->applicationChooser()->currentText()), qPrintable(text));
    QCOMPARE(view->pentestRows().size(), 1);
    QCOMPARE(view->cloudScanRows().size(), 1);

    const QList<QJsonObject> log = m_stack->sandbox->requestLog();
    QCOMPARE(
        SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/context/cloud-scan/start")).size(), 1);
    QCOMPARE(SandboxHarness::entriesFor(log, QStringLiteral("POST"), QStringLiteral("/dast/pentest/start")).size(), 1);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("cloudScansStarted")).toInt(), 1);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("pentestsStarted")).toInt(), 1);
}

// "Autofix" on a finding whose fix is ready: the server's fix is shown, nothing is started again
// (it was: a second, billable POST .../autofix/fix).
void TestOperationViews::autofixAgainShowsTheServersFix()
{
    QString title;
    const QString findingId = findingOf(nullify::api::FindingType::Code, &title);
    QVERIFY(!findingId.isEmpty());
    AutofixView view(context());
    view.setPollInterval(kPollInterval);
    view.show();
    view.startAutofix(FindingService::Sast, findingId, title);
    QVERIFY(answerStart(true));
    QTRY_VERIFY_WITH_TIMEOUT(view.diffView()->addedCount() > 0, kTimeoutMs);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("autofixesStarted")).toInt(), 1);
    const int added = view.diffView()->addedCount();

    view.startAutofix(FindingService::Sast, findingId, title);
    QString text;
    QVERIFY(dismissRefusal(&text));
    QVERIFY2(text.contains(QStringLiteral("a new one was not started")), qPrintable(text));
    OperationRow* row = view.rowFor(FindingService::Sast, findingId);
    QVERIFY(row);
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), nullify::ui::DisplayText::autofixState(nullify::api::AutofixState::Cached));
    QTRY_COMPARE_WITH_TIMEOUT(view.diffView()->addedCount(), added, kTimeoutMs);
    QVERIFY(!nullify::test::openBox("startConfirmation", 300)); // nothing to confirm: nothing starts
    const QString path = QStringLiteral("/sast/findings/%1/autofix/fix").arg(findingId);
    QCOMPARE(SandboxHarness::entriesFor(m_stack->sandbox->requestLog(), QStringLiteral("POST"), path).size(), 1);
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("autofixRequests")).toInt(), 1);
}

// Bug 1: start an autofix, wait for "Fix ready", quit, relaunch. The relaunched Autofix page (a new
// view on the same server) lists the fix from the server with "Show fix", shows its diff on a
// click and never starts a new one.
void TestOperationViews::autofixFoundAgainAfterARestart()
{
    QString title;
    const QString findingId = findingOf(nullify::api::FindingType::Code, &title);
    QVERIFY(!findingId.isEmpty());
    {
        AutofixView first(context());
        first.setPollInterval(kPollInterval);
        first.show();
        first.startAutofix(FindingService::Sast, findingId, title);
        QVERIFY(answerStart(true));
        QTRY_VERIFY_WITH_TIMEOUT(first.diffView()->addedCount() > 0, kTimeoutMs);
    } // quit
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("autofixesStarted")).toInt(), 1);

    AutofixView relaunched(context());
    relaunched.setPollInterval(kPollInterval);
    relaunched.show();
    QSignalSpy notifications(&relaunched, &nullify::ui::View::notificationRequested);
    relaunched.activate();
    QTRY_VERIFY_WITH_TIMEOUT(relaunched.rowFor(FindingService::Sast, findingId), kTimeoutMs);
    OperationRow* row = relaunched.rowFor(FindingService::Sast, findingId);
    QTRY_VERIFY_WITH_TIMEOUT(row->isEnded(), kTimeoutMs);
    QCOMPARE(row->status(), nullify::ui::DisplayText::autofixState(nullify::api::AutofixState::Cached));
    auto* showFix = row->findChild<QPushButton*>(QStringLiteral("showDiffButton"));
    QVERIFY(showFix && showFix->isVisible());
    QCOMPARE(showFix->text(), QStringLiteral("Show fix"));
    auto* empty = relaunched.findChild<QLabel*>(QStringLiteral("autofixEmpty"));
    QVERIFY(empty && !empty->isVisible());
    // The server was asked about it, by the status endpoint.
    QVERIFY(!SandboxHarness::entriesFor(m_stack->sandbox->requestLog(),
                                        QStringLiteral("GET"),
                                        QStringLiteral("/sast/findings/%1/autofix/status").arg(findingId))
                 .isEmpty());

    QTest::mouseClick(showFix, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(relaunched.diffView()->addedCount() > 0, kTimeoutMs);
    // "Autofix" on the same finding shows that fix too.
    relaunched.startAutofix(FindingService::Sast, findingId, title);
    QVERIFY(dismissRefusal());
    QVERIFY(notifications.isEmpty()); // a fix found ready is no news
    QCOMPARE(SandboxHarness::entriesFor(m_stack->sandbox->requestLog(),
                                        QStringLiteral("POST"),
                                        QStringLiteral("/sast/findings/%1/autofix/fix").arg(findingId))
                 .size(),
             1); // the first run's, and no other
    QCOMPARE(m_stack->sandbox->state().value(QStringLiteral("autofixRequests")).toInt(), 1);
}

QTEST_MAIN(TestOperationViews)
#include "tst_operationviews.moc"
