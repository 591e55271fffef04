// The browsing views (OverviewView, RepositoriesView, FindingsView) driven like a user would,
// against an in-process nullify-sandbox through the client stack the app uses. What a view shows is
// compared with what the same API says when asked directly, and what the view asked for with the
// sandbox's request log (the body hash of each POST /admin/findings names its exact query).

#include "apiclient.h"
#include "connectionstate.h"
#include "displaytext.h"
#include "faultplan.h"
#include "findingsfilterproxy.h"
#include "findingslisting.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "latestrunsloader.h"
#include "loadstatebanner.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "overviewview.h"
#include "reachability.h"
#include "replyhelpers.h"
#include "repositoriesmodel.h"
#include "repositoriesview.h"
#include "requesttracker.h"
#include "retrycountdown.h"
#include "sandboxharness.h"
#include "scanrunsmodel.h"
#include "session.h"
#include "signedinstack.h"
#include "tenant.h"

#include <QAbstractItemModelTester>
#include <QAccessible>
#include <QApplication>
#include <QComboBox>
#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QtTest>

#include <algorithm>
#include <memory>
#include <optional>

using namespace std::chrono_literals;
using nullify::api::Finding;
using nullify::api::FindingService;
using nullify::api::FindingsQuery;
using nullify::api::FindingType;
using nullify::api::Page;
using nullify::api::Result;
using nullify::api::Scanner;
using nullify::api::Severity;
using nullify::sandbox::FaultRule;
using nullify::test::bodyHash;
using nullify::test::bodyHashes;
using nullify::test::hashOf;
using nullify::test::listingSettled;
using nullify::test::SandboxHarness;
using nullify::test::shownIds;
using nullify::ui::ConnectionState;
using nullify::ui::FindingsModel;
using nullify::ui::FindingsView;
using nullify::ui::LoadStateBanner;
using nullify::ui::ManualReachability;
using nullify::ui::OverviewView;
using nullify::ui::RepositoriesModel;
using nullify::ui::RepositoriesView;
using nullify::ui::RequestTracker;
using nullify::ui::RetryCountdown;
using nullify::ui::ScanRunsModel;
using nullify::ui::ViewContext;
using Tester = QAbstractItemModelTester;

namespace {

constexpr int kTimeoutMs = 20'000;
constexpr int kFindingCount = 230; // five pages of 50: the last one short
// What a page gets in the main window at its default size: 1100 x 720 less the navigation list.
const QSize kDefaultPage(900, 650);

// Shows a view at the default page size and activates it, as the main window does.
template <typename V> bool showAsDefaultPage(V& view)
{
    view.resize(kDefaultPage);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view))
        return false;
    view.activate();
    return true;
}

void selectComboData(QComboBox* combo, const QVariant& data)
{
    const int index = combo->findData(data);
    QVERIFY2(index >= 0, qPrintable(data.toString()));
    combo->setCurrentIndex(index);
}

} // namespace

class TestBrowseViews : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void overviewShowsTheSandboxNumbers();
    void overviewErrorAndRetry();
    void repositoriesFillAndShowScanRuns();
    void repositoriesErrorOnGetAndRetry();
    void repositoriesPagesLoadAsTheListScrolls();
    void findingsPagesLoadAsTheListScrolls();
    void findingsFiltersNarrowOnTheServer();
    void findingsSearchAndEmptyState();
    void findingsDetailsAndAutofix();
    void findingsStaleDetailsAreIgnored();
    void findingsDetailsShowTheServersAutofix();
    void findingsErrorRetryAndCountdown();
    void offlineHoldsTheFirstLoad();
    // Issue 17.
    void pentestDetailsKeepTheListSeverity();
    void refreshKeepsTheRowsThroughARetry();
    void errorsReloadOnceWhenBackOnline();
    void overviewAndFindingsCountOpenAlike();
    void tabLeavesTheFindingsTable();
    void overviewNumbersAreAccessible();
    void overviewFitsTheDefaultWidth();
    void scanColumnsAreNotCutShort();

private:
    ViewContext context() const { return {m_stack->api.get(), m_stack->tracker.get(), m_stack->connection.get()}; }
    template <typename T>
    std::optional<Result<T>> ask(const std::function<void(QObject*, nullify::api::Callback<T>)>& call);
    std::optional<Page<Finding>> findingsPage(const FindingsQuery& query);
    // anyStatus: the tests written before Findings opened on Open findings list every status.
    std::unique_ptr<FindingsView> makeFindingsView(bool anyStatus = true, QSize size = QSize(1200, 700));
    QList<QJsonObject> findingRequests();

    std::unique_ptr<nullify::test::SignedInStack> m_stack;
};

void TestBrowseViews::init()
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = kFindingCount;
    options.auth.autoApprove = true;
    m_stack = std::make_unique<nullify::test::SignedInStack>();
    QString why;
    QVERIFY2(m_stack->start(options, &why), qPrintable(why));
}

void TestBrowseViews::cleanup()
{
    m_stack.reset();
}

// One call of the typed API, answered before the timeout (the reference the views are checked against).
template <typename T>
std::optional<Result<T>> TestBrowseViews::ask(const std::function<void(QObject*, nullify::api::Callback<T>)>& call)
{
    std::optional<Result<T>> result;
    QObject context;
    call(&context, [&result](const Result<T>& r) { result = r; });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, kTimeoutMs))
        return std::nullopt;
    return result;
}

std::optional<Page<Finding>> TestBrowseViews::findingsPage(const FindingsQuery& query)
{
    const auto result = ask<Page<Finding>>([this, query](QObject* context, nullify::api::Callback<Page<Finding>> done) {
        m_stack->api->findings(query, context, std::move(done));
    });
    if (!result || !result->isOk())
        return std::nullopt;
    return result->value();
}

std::unique_ptr<FindingsView> TestBrowseViews::makeFindingsView(bool anyStatus, QSize size)
{
    return nullify::test::shownFindingsView(context(), anyStatus, size);
}

QList<QJsonObject> TestBrowseViews::findingRequests()
{
    return SandboxHarness::entriesFor(
        m_stack->sandbox->requestLog(), QStringLiteral("POST"), QStringLiteral("/admin/findings"));
}

void TestBrowseViews::overviewShowsTheSandboxNumbers()
{
    const auto reference = ask<nullify::api::MetricsOverview>(
        [this](QObject* c, nullify::api::Callback<nullify::api::MetricsOverview> d) {
            m_stack->api->metricsOverview(c, std::move(d));
        });
    QVERIFY(reference && reference->isOk());
    const nullify::api::MetricsOverview& expected = reference->value();
    QVERIFY(!expected.funnel.isEmpty());
    QVERIFY2(m_stack->sandbox->resetLog(), qPrintable(m_stack->sandbox->lastError()));

    OverviewView view(context());
    QCOMPARE(view.objectName(), QStringLiteral("overviewView"));
    QCOMPARE(view.title(), QStringLiteral("Overview"));
    view.resize(1100, 800);
    view.show();
    QVERIFY(view.figureKeys().isEmpty()); // nothing before the first activation
    view.activate();
    QCOMPARE(view.banner()->state(), LoadStateBanner::State::Loading);
    QTRY_VERIFY_WITH_TIMEOUT(view.hasData(), kTimeoutMs);
    view.activate(); // a second activation does not load again
    QTest::qWait(100); // negative: a second load would be sent at once, and the stack's retries are 20 ms apart
    QCOMPARE(SandboxHarness::entriesFor(
                 m_stack->sandbox->requestLog(), QStringLiteral("POST"), QStringLiteral("/admin/metrics/overview"))
                 .size(),
             1);
    QCOMPARE(view.banner()->state(), LoadStateBanner::State::Hidden);
    QVERIFY(view.dataAsOfLabel()->text().startsWith(QStringLiteral("Data as of ")));

    // Every funnel stage by severity, and the open stage as the headline figures.
    const QStringList severities {
        QStringLiteral("critical"), QStringLiteral("high"), QStringLiteral("medium"), QStringLiteral("low")};
    bool sawOpen = false;
    for (const nullify::api::FunnelStage& stage : expected.funnel) {
        const QList<qint64> counts {stage.critical, stage.high, stage.medium, stage.low};
        for (int i = 0; i < severities.size(); ++i)
            QCOMPARE(view.figureText(QStringLiteral("funnel.%1.%2").arg(stage.key, severities.at(i))),
                     OverviewView::countText(double(counts.at(i))));
        if (stage.key == QLatin1String("open")) {
            sawOpen = true;
            for (int i = 0; i < severities.size(); ++i)
                QCOMPARE(view.figureText(QStringLiteral("open.") + severities.at(i)),
                         OverviewView::countText(double(counts.at(i))));
            const qint64 total = stage.critical + stage.high + stage.medium + stage.low;
            QCOMPARE(view.figureText(QStringLiteral("open.total")), OverviewView::countText(double(total)));
            // The same number from the findings list: every unresolved finding is open.
            FindingsQuery unresolved;
            unresolved.pageSize = 1;
            unresolved.isResolved = false;
            const auto page = findingsPage(unresolved);
            QVERIFY(page && page->total);
            QCOMPARE(qint64(total), *page->total);
        }
    }
    QVERIFY(sawOpen);
    QCOMPARE(view.figureText(QStringLiteral("findingsResolved")),
             OverviewView::countText(expected.findingsResolved.thisMonth));
    QCOMPARE(view.figureText(QStringLiteral("meanTriageDuration")),
             OverviewView::durationText(expected.meanTriageDurationMs.thisMonth));
    QCOMPARE(view.figureText(QStringLiteral("inSlaFindings")),
             OverviewView::ratioText(expected.inSlaFindings.thisMonth));
    QCOMPARE(view.figureText(QStringLiteral("autofixMerged")),
             OverviewView::countText(expected.autofixMerged.thisMonth));
    QCOMPARE(view.figureText(QStringLiteral("kind.code")), OverviewView::countText(double(expected.code.thisMonth)));
    QCOMPARE(view.figureText(QStringLiteral("kind.secret")),
             OverviewView::countText(double(expected.secret.thisMonth)));
    QCOMPARE(OverviewView::durationText(84'000), QStringLiteral("1 min 24 s"));
    QCOMPARE(OverviewView::ratioText(0.91), QStringLiteral("91%"));

    // The repositories with the most urgent findings, most urgent first.
    QTableWidget* top = view.topRepositoriesTable();
    QVERIFY(top);
    QCOMPARE(top->rowCount(), std::min(10, int(expected.topRepositories.size())));
    qint64 mostUrgent = 0;
    for (const nullify::api::MetricWithValue& repo : expected.topRepositories)
        mostUrgent = std::max(mostUrgent, repo.urgent);
    QCOMPARE(top->item(0, 1)->text(), OverviewView::countText(double(mostUrgent)));

    // refresh() loads again.
    view.refresh();
    QTRY_COMPARE_WITH_TIMEOUT(SandboxHarness::entriesFor(m_stack->sandbox->requestLog(),
                                                         QStringLiteral("POST"),
                                                         QStringLiteral("/admin/metrics/overview"))
                                  .size(),
                              2,
                              kTimeoutMs);
}

void TestBrowseViews::overviewErrorAndRetry()
{
    // More failures than the retry policy's attempts: the load fails for good.
    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("POST", "/admin/metrics/overview").status(500).always()}),
             qPrintable(m_stack->sandbox->lastError()));
    OverviewView view(context());
    view.show();
    view.activate();
    QTRY_COMPARE_WITH_TIMEOUT(view.banner()->state(), LoadStateBanner::State::Error, kTimeoutMs);
    QVERIFY2(view.banner()->text().contains(QStringLiteral("HTTP 500")), qPrintable(view.banner()->text()));
    QVERIFY(view.banner()->text().startsWith(QStringLiteral("Could not load the overview.")));
    QVERIFY(view.banner()->retryButton()->isVisible());
    QVERIFY(!QApplication::activeModalWidget());
    QVERIFY(!view.hasData());

    QVERIFY(m_stack->sandbox->clearFaults());
    QTest::mouseClick(view.banner()->retryButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(view.hasData(), kTimeoutMs);
    QCOMPARE(view.banner()->state(), LoadStateBanner::State::Hidden);
    QVERIFY(!view.figureText(QStringLiteral("open.total")).isEmpty());
}

void TestBrowseViews::repositoriesFillAndShowScanRuns()
{
    // The reference: every repository, straight from the API.
    std::unique_ptr<nullify::api::RepositoryPager> all(nullify::api::makeRepositoryPager(m_stack->api.get(), 50));
    while (all->hasMore()) {
        all->loadMore();
        QTRY_VERIFY_WITH_TIMEOUT(!all->isLoading(), kTimeoutMs);
    }
    QVERIFY(all->count() > 3);
    QVERIFY2(m_stack->sandbox->resetLog(), qPrintable(m_stack->sandbox->lastError()));

    RepositoriesView view(context());
    QCOMPARE(view.objectName(), QStringLiteral("repositoriesView"));
    QCOMPARE(view.title(), QStringLiteral("Repositories"));
    Tester tester(view.repositoriesProxy(), Tester::FailureReportingMode::QtTest);
    view.resize(1100, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.activate();
    QTRY_COMPARE_WITH_TIMEOUT(view.repositoriesModel()->rowCount(), all->count(), kTimeoutMs);
    for (int row = 0; row < all->count(); ++row)
        QCOMPARE(view.repositoriesModel()->repository(row).id, all->items().at(row).id);

    // The latest runs come for the rows on screen, a few requests at a time.
    QTRY_VERIFY_WITH_TIMEOUT(view.latestRunsLoader()->started() > 0 && view.latestRunsLoader()->isIdle(), kTimeoutMs);
    const QList<QJsonObject> log = m_stack->sandbox->requestLog();
    int runRequests = 0;
    for (const QJsonObject& entry : log)
        runRequests += entry.value(QStringLiteral("path")).toString().endsWith(QLatin1String("/scan-runs"));
    QVERIFY(runRequests <= 4 * all->count());
    QCOMPARE(runRequests, view.latestRunsLoader()->started());
    const QString firstId = view.repositoriesProxy()->index(0, 0).data(RepositoriesModel::IdRole).toString();
    nullify::api::ScanRunQuery latestQuery;
    latestQuery.repositoryId = firstId;
    latestQuery.limit = 1;
    const auto latest = ask<Page<nullify::api::ScanRun>>(
        [this, latestQuery](QObject* c, nullify::api::Callback<Page<nullify::api::ScanRun>> d) {
            m_stack->api->scanRuns(latestQuery, c, std::move(d));
        });
    QVERIFY(latest && latest->isOk());
    const QModelIndex sastCell = view.repositoriesProxy()->index(0, RepositoriesModel::SastColumn);
    if (!latest->value().items.isEmpty())
        QCOMPARE(sastCell.data(RepositoriesModel::ScanRunIdRole).toString(), latest->value().items.first().scanRunId);
    else
        QVERIFY(!sastCell.data(RepositoriesModel::ScanRunIdRole).isValid());

    // Selecting a repository shows its history from every scanner.
    int expectedRuns = 0;
    QHash<int, int> perScanner;
    for (Scanner scanner : {Scanner::Sast, Scanner::Secrets, Scanner::ScaDependencies, Scanner::ScaContainers}) {
        nullify::api::ScanRunQuery q;
        q.scanner = scanner;
        q.repositoryId = firstId;
        q.limit = RepositoriesView::historyPageSize;
        const auto runs = ask<Page<nullify::api::ScanRun>>(
            [this, q](QObject* c, nullify::api::Callback<Page<nullify::api::ScanRun>> d) {
                m_stack->api->scanRuns(q, c, std::move(d));
            });
        QVERIFY(runs && runs->isOk());
        perScanner.insert(int(scanner), int(runs->value().items.size()));
        expectedRuns += int(runs->value().items.size());
    }
    QVERIFY(expectedRuns > 0);
    Tester runsTester(view.historyTable()->model(), Tester::FailureReportingMode::QtTest);
    view.repositoriesTable()->selectRow(0);
    QCOMPARE(view.selectedRepositoryId(), firstId);
    QVERIFY(view.historyTitle()->text().contains(view.repositoriesProxy()->index(0, 0).data().toString()));
    QTRY_COMPARE_WITH_TIMEOUT(view.scanRunsModel()->rowCount(), expectedRuns, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(view.historyBanner()->state(), LoadStateBanner::State::Hidden, kTimeoutMs);

    // One scanner only.
    selectComboData(view.scannerChooser(), int(Scanner::Secrets));
    QTRY_COMPARE_WITH_TIMEOUT(view.scanRunsModel()->rowCount(), perScanner.value(int(Scanner::Secrets)), kTimeoutMs);
    for (int row = 0; row < view.scanRunsModel()->rowCount(); ++row)
        QCOMPARE(view.scanRunsModel()->scanner(row), Scanner::Secrets);

    // The filter narrows by name.
    const QString name = view.repositoriesModel()->repository(1).name;
    const QString part = name.mid(name.size() / 2);
    view.focusSearch();
    QVERIFY(view.searchField()->hasFocus());
    QTest::keyClicks(view.searchField(), part);
    int matching = 0;
    for (const nullify::api::Repository& repo : all->items())
        matching += repo.name.contains(part, Qt::CaseInsensitive);
    QCOMPARE(view.repositoriesProxy()->rowCount(), matching);
    QVERIFY(matching >= 1 && matching < all->count());
    view.searchField()->setText(QStringLiteral("no-such-repository-zzz"));
    QCOMPARE(view.repositoriesProxy()->rowCount(), 0);
    QCOMPARE(view.banner()->state(), LoadStateBanner::State::Empty);
}

void TestBrowseViews::repositoriesErrorOnGetAndRetry()
{
    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("GET", "/context/repositories").status(500).always()}),
             qPrintable(m_stack->sandbox->lastError()));
    RepositoriesView view(context());
    view.resize(900, 600);
    view.show();
    view.activate();
    QTRY_COMPARE_WITH_TIMEOUT(view.banner()->state(), LoadStateBanner::State::Error, kTimeoutMs);
    QVERIFY2(view.banner()->text().contains(QStringLiteral("HTTP 500")), qPrintable(view.banner()->text()));
    QVERIFY(!QApplication::activeModalWidget());
    // The GET was retried by the network core before the view said anything.
    QVERIFY(SandboxHarness::entriesFor(
                m_stack->sandbox->requestLog(), QStringLiteral("GET"), QStringLiteral("/context/repositories"))
                .size()
            > 1);

    QVERIFY(m_stack->sandbox->clearFaults());
    QTest::mouseClick(view.banner()->retryButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(view.repositoriesModel()->rowCount() > 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(view.banner()->state() == LoadStateBanner::State::Hidden, kTimeoutMs);
}

void TestBrowseViews::repositoriesPagesLoadAsTheListScrolls()
{
    constexpr int pageSize = 5;
    RepositoriesView view(context());
    view.setPageSize(pageSize);
    Tester tester(view.repositoriesProxy(), Tester::FailureReportingMode::QtTest);
    view.resize(900, 300); // a few rows on screen: one page more than fills it
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.activate();
    QTRY_VERIFY_WITH_TIMEOUT(view.pager()->pagesLoaded() == 1 && !view.pager()->isLoading(), kTimeoutMs);
    QCOMPARE(view.repositoriesModel()->rowCount(), pageSize);
    QVERIFY(view.repositoriesTable()->verticalScrollBar()->maximum() > 0);
    QTest::qWait(200); // negative: a page more would be asked for as soon as the layout showed the end
    QCOMPARE(view.pager()->pagesLoaded(), 1); // nothing more until the end is on screen
    const auto repositoryRequests = [this] {
        return SandboxHarness::entriesFor(
            m_stack->sandbox->requestLog(), QStringLiteral("GET"), QStringLiteral("/context/repositories"));
    };
    QCOMPARE(repositoryRequests().size(), 1);

    view.repositoriesTable()->scrollToBottom();
    QTRY_VERIFY_WITH_TIMEOUT(view.pager()->pagesLoaded() >= 2, kTimeoutMs);
    QCOMPARE(view.repositoriesModel()->rowCount(), view.pager()->count());
    QVERIFY(view.repositoriesModel()->rowCount() > pageSize);
    QVERIFY(
        repositoryRequests().last().value(QStringLiteral("query")).toString().contains(QStringLiteral("nextToken=")));

    // A filter looks through every repository, not only the pages scrolled to.
    QTest::keyClicks(view.searchField(), QStringLiteral("e"));
    QTRY_VERIFY_WITH_TIMEOUT(!view.pager()->hasMore() && !view.pager()->isLoading(), kTimeoutMs);
    QVERIFY(view.pager()->count() > 2 * pageSize);
    int matching = 0;
    for (int row = 0; row < view.repositoriesModel()->rowCount(); ++row)
        matching += view.repositoriesModel()->repository(row).name.contains(QLatin1Char('e'), Qt::CaseInsensitive);
    QCOMPARE(view.repositoriesProxy()->rowCount(), matching);
    QCOMPARE(view.countLabel()->text(), QStringLiteral("%1 of %2").arg(matching).arg(view.pager()->count()));
    QCOMPARE(repositoryRequests().size(), view.pager()->pagesLoaded());
}

void TestBrowseViews::findingsPagesLoadAsTheListScrolls()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QCOMPARE(view->objectName(), QStringLiteral("findingsView"));
    QCOMPARE(view->title(), QStringLiteral("Findings"));
    Tester tester(view->proxy(), Tester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QCOMPARE(view->findingsModel()->rowCount(), FindingsView::pageSize);
    QCOMPARE(
        view->countLabel()->text(),
        QStringLiteral("%1 of %2").arg(QLocale().toString(FindingsView::pageSize), QLocale().toString(kFindingCount)));
    // The first page fills more than the view: nothing more until the user scrolls.
    QTest::qWait(200); // negative: a page more would be asked for as soon as the layout showed the end
    QCOMPARE(view->pager()->pagesLoaded(), 1);
    const FindingsQuery query = view->query();
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(query, 1)});
    const auto first = findingsPage(query);
    QVERIFY(first);
    QStringList firstIds;
    for (const Finding& f : first->items)
        firstIds << f.id;
    QCOMPARE(shownIds(*view), firstIds);
    QVERIFY(m_stack->sandbox->resetLog()); // forget the reference request above

    // Scrolling to the end asks for page 2, with "Loading more..." while it comes.
    view->findingsTable()->scrollToBottom();
    QTRY_VERIFY_WITH_TIMEOUT(view->pager()->pagesLoaded() == 2 || view->loadingMoreLabel()->isVisible(), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(view->findingsModel()->rowCount(), 2 * FindingsView::pageSize, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!view->pager()->isLoading(), kTimeoutMs);
    QVERIFY(!view->loadingMoreLabel()->isVisible());
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(query, 2)});
    QCOMPARE(view->countLabel()->text(),
             QStringLiteral("%1 of %2")
                 .arg(QLocale().toString(2 * FindingsView::pageSize), QLocale().toString(kFindingCount)));

    // To the very end: every finding once, and the count says so.
    while (view->pager()->hasMore()) {
        const int before = view->findingsModel()->rowCount();
        view->findingsTable()->scrollToBottom();
        QTRY_VERIFY_WITH_TIMEOUT(view->findingsModel()->rowCount() > before && !view->pager()->isLoading(), kTimeoutMs);
    }
    QCOMPARE(view->findingsModel()->rowCount(), kFindingCount);
    const QStringList allIds = shownIds(*view);
    QCOMPARE(QSet<QString>(allIds.begin(), allIds.end()).size(), kFindingCount);
    QCOMPARE(view->countLabel()->text(), QStringLiteral("%1 findings").arg(kFindingCount));
    // One request per page after the first, none twice.
    QCOMPARE(findingRequests().size(), (kFindingCount + FindingsView::pageSize - 1) / FindingsView::pageSize - 1);

    // Sorting by a header asks the server for its order, from page 1 (tst_findingsscale checks
    // the order across every page).
    view->findingsTable()->sortByColumn(FindingsModel::SeverityColumn, Qt::DescendingOrder);
    QTRY_VERIFY_WITH_TIMEOUT(view->query().sortPreset == QLatin1String("severity_desc") && listingSettled(*view),
                             kTimeoutMs);
    QCOMPARE(view->findingsModel()->rowCount(), FindingsView::pageSize);
    QCOMPARE(view->proxy()->index(0, 0).data(FindingsModel::SeverityRole).toInt(), int(Severity::Critical));
}

void TestBrowseViews::findingsFiltersNarrowOnTheServer()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(view->repositoryFilter()->count() > 2, kTimeoutMs);
    const int unfiltered = kFindingCount;

    // Each filter alone: the request the server saw is exactly that query, and the rows are its answer.
    const auto check = [&](const char* what,
                           const std::function<void()>& apply,
                           const std::function<void()>& reset,
                           const std::function<bool(const Finding&)>& matches) {
        QVERIFY(m_stack->sandbox->resetLog());
        apply();
        QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !findingRequests().isEmpty(), kTimeoutMs);
        const FindingsQuery query = view->query();
        QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(query, 1)});
        const auto expected = findingsPage(query);
        QVERIFY(expected && expected->total);
        QVERIFY2(*expected->total > 0 && *expected->total < unfiltered, what);
        QStringList expectedIds;
        for (const Finding& f : expected->items)
            expectedIds << f.id;
        QCOMPARE(shownIds(*view), expectedIds);
        for (int row = 0; row < view->findingsModel()->rowCount(); ++row)
            QVERIFY2(matches(view->findingsModel()->finding(row)), what);
        if (expected->hasMoreData.value_or(false))
            QCOMPARE(view->countLabel()->text(),
                     QStringLiteral("%1 of %2")
                         .arg(QLocale().toString(expectedIds.size()), QLocale().toString(*expected->total)));
        QVERIFY(view->clearFiltersButton()->isEnabled());
        reset();
        QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->findingsModel()->rowCount() == FindingsView::pageSize,
                                 kTimeoutMs);
    };

    check(
        "type",
        [&] { selectComboData(view->typeFilter(), int(FindingType::Code)); },
        [&] { view->typeFilter()->setCurrentIndex(0); },
        [](const Finding& f) { return f.type == FindingType::Code; });
    check(
        "severity",
        [&] { selectComboData(view->severityFilter(), int(Severity::High)); },
        [&] { view->severityFilter()->setCurrentIndex(0); },
        [](const Finding& f) { return f.severity == Severity::High; });
    check(
        "open",
        [&] { selectComboData(view->statusFilter(), int(FindingsView::StatusFilter::Open)); },
        [&] { view->statusFilter()->setCurrentIndex(0); },
        [](const Finding& f) { return FindingsModel::statusOf(f) == FindingsModel::Status::Open; });
    check(
        "resolved",
        [&] { selectComboData(view->statusFilter(), int(FindingsView::StatusFilter::Resolved)); },
        [&] { view->statusFilter()->setCurrentIndex(0); },
        [](const Finding& f) { return FindingsModel::statusOf(f) == FindingsModel::Status::Resolved; });
    check(
        "allowlisted",
        [&] { selectComboData(view->statusFilter(), int(FindingsView::StatusFilter::Allowlisted)); },
        [&] { view->statusFilter()->setCurrentIndex(0); },
        [](const Finding& f) { return FindingsModel::statusOf(f) == FindingsModel::Status::Allowlisted; });
    const QString repository = view->repositoryFilter()->itemData(1).toString();
    check(
        "repository",
        [&] { selectComboData(view->repositoryFilter(), repository); },
        [&] { view->repositoryFilter()->setCurrentIndex(0); },
        [&](const Finding& f) { return f.repository == repository; });

    // Two at once combine; Clear filters goes back to everything.
    QVERIFY(m_stack->sandbox->resetLog());
    selectComboData(view->typeFilter(), int(FindingType::Code));
    selectComboData(view->severityFilter(), int(Severity::Critical));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().severities == QList<Severity> {Severity::Critical},
                             kTimeoutMs);
    for (int row = 0; row < view->findingsModel()->rowCount(); ++row) {
        QCOMPARE(view->findingsModel()->finding(row).type, FindingType::Code);
        QCOMPARE(view->findingsModel()->finding(row).severity, Severity::Critical);
    }
    QVERIFY(bodyHashes(findingRequests()).contains(hashOf(view->query(), 1)));
    QTest::mouseClick(view->clearFiltersButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->findingsModel()->rowCount() == FindingsView::pageSize,
                             kTimeoutMs);
    QVERIFY(view->query().types.isEmpty() && view->query().severities.isEmpty());
    QVERIFY(!view->clearFiltersButton()->isEnabled());
}

void TestBrowseViews::findingsSearchAndEmptyState()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    // A word from a finding's title that not every finding has.
    const Finding sample = view->findingsModel()->finding(3);
    QString word;
    for (const QString& candidate : sample.title.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (candidate.size() >= 6) {
            word = candidate;
            break;
        }
    }
    QVERIFY2(!word.isEmpty(), qPrintable(sample.title));

    view->focusSearch();
    QVERIFY(view->searchField()->hasFocus());
    QVERIFY(m_stack->sandbox->resetLog());
    QTest::keyClicks(view->searchField(), word);
    QTRY_VERIFY_WITH_TIMEOUT(view->query().search == word && listingSettled(*view), kTimeoutMs);
    // Typing sent one query for the whole word (the search waits for a pause), not one per key.
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(view->query(), 1)});
    const auto expected = findingsPage(view->query());
    QVERIFY(expected && expected->total);
    QVERIFY(*expected->total > 0 && *expected->total < kFindingCount);
    QStringList expectedIds;
    for (const Finding& f : expected->items)
        expectedIds << f.id;
    QCOMPARE(shownIds(*view), expectedIds);
    QVERIFY(shownIds(*view).contains(sample.id));

    view->searchField()->setText(QStringLiteral("no-such-finding-anywhere-zzz"));
    QTRY_VERIFY_WITH_TIMEOUT(view->banner()->state() == LoadStateBanner::State::Empty, kTimeoutMs);
    QCOMPARE(view->banner()->text(), QStringLiteral("No findings match these filters."));
    QCOMPARE(view->findingsModel()->rowCount(), 0);
}

void TestBrowseViews::findingsDetailsAndAutofix()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    selectComboData(view->typeFilter(), int(FindingType::Code));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().types.isEmpty(), kTimeoutMs);
    QVERIFY(view->findingsModel()->rowCount() > 1);
    QVERIFY(!view->autofixButton()->isEnabled()); // nothing selected

    view->findingsTable()->selectRow(1);
    const Finding row = view->findingsModel()->finding(view->proxy()->sourceRow(1));
    QCOMPARE(view->selectedFindingId(), row.id);
    QTRY_COMPARE_WITH_TIMEOUT(view->detailsFindingId(), row.id, kTimeoutMs);
    const auto detail = ask<nullify::api::FindingDetail>(
        [this, id = row.id](QObject* c, nullify::api::Callback<nullify::api::FindingDetail> d) {
            m_stack->api->finding(FindingService::Sast, id, c, std::move(d));
        });
    QVERIFY(detail && detail->isOk());
    const nullify::api::FindingDetail& d = detail->value();
    QVERIFY(!d.description.isEmpty());
    QCOMPARE(view->detailDescription()->toPlainText(), d.description);
    QVERIFY(!d.filePath.isEmpty() && d.startLine);
    const QString location = view->detailField(QStringLiteral("location"))->text();
    QVERIFY2(location.contains(d.filePath), qPrintable(location));
    QVERIFY2(location.contains(QString::number(*d.startLine)), qPrintable(location));
    QCOMPARE(view->detailField(QStringLiteral("severity"))->text(),
             nullify::ui::DisplayText::severity(d.severity, d.severityText));
    QCOMPARE(view->detailField(QStringLiteral("repository"))->text(),
             d.repository.isEmpty() ? row.repository : d.repository);
    QCOMPARE(view->detailsBanner()->state(), LoadStateBanner::State::Hidden);
    QVERIFY(SandboxHarness::entriesFor(
                m_stack->sandbox->requestLog(), QStringLiteral("GET"), QStringLiteral("/sast/findings/") + row.id)
                .size()
            >= 1);

    // Autofix: the button and the primary action both ask for this finding.
    QVERIFY(view->autofixButton()->isEnabled());
    QSignalSpy autofix(view.get(), &FindingsView::autofixRequested);
    QTest::mouseClick(view->autofixButton(), Qt::LeftButton);
    QCOMPARE(autofix.count(), 1);
    QCOMPARE(autofix.at(0).at(0).value<FindingService>(), FindingService::Sast);
    QCOMPARE(autofix.at(0).at(1).toString(), row.id);
    QVERIFY(!autofix.at(0).at(2).toString().isEmpty());
    view->startPrimaryAction();
    QCOMPARE(autofix.count(), 2);
    QCOMPARE(autofix.at(1).at(1).toString(), row.id);

    // Secrets have no autofix.
    selectComboData(view->typeFilter(), int(FindingType::SecretsCredentials));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().types.value(0) == FindingType::SecretsCredentials,
                             kTimeoutMs);
    QVERIFY(view->findingsModel()->rowCount() > 0);
    view->findingsTable()->selectRow(0);
    QVERIFY(!view->autofixButton()->isEnabled());
    view->startPrimaryAction();
    QCOMPARE(autofix.count(), 2);
}

// The details ask the server about the finding's autofix: one that exists (here: running, started
// elsewhere) is offered as "Show fix", never as a new start; a resolved finding offers no autofix.
void TestBrowseViews::findingsDetailsShowTheServersAutofix()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    selectComboData(view->typeFilter(), int(FindingType::Code));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().types.isEmpty(), kTimeoutMs);
    const Finding fixed = view->findingsModel()->finding(view->proxy()->sourceRow(0));
    const auto started = ask<nullify::api::AutofixStart>(
        [this, id = fixed.id](QObject* c, nullify::api::Callback<nullify::api::AutofixStart> d) {
            m_stack->api->startAutofix(FindingService::Sast, id, c, std::move(d));
        });
    QVERIFY(started && started->isOk());

    QSignalSpy starts(view.get(), &FindingsView::autofixRequested);
    QSignalSpy shows(view.get(), &FindingsView::autofixShowRequested);
    view->findingsTable()->selectRow(0);
    QCOMPARE(view->selectedFindingId(), fixed.id);
    QTRY_COMPARE_WITH_TIMEOUT(view->autofixButton()->text(), QStringLiteral("Show fix"), kTimeoutMs);
    QVERIFY(view->autofixButton()->isEnabled());
    const QString field = view->detailField(QStringLiteral("autofix"))->text();
    QVERIFY2(
        field.startsWith(nullify::ui::DisplayText::autofixState(nullify::api::AutofixState::InProgressRequested))
            || field.startsWith(nullify::ui::DisplayText::autofixState(nullify::api::AutofixState::InProgressAgent)),
        qPrintable(field)); // the server's status, with its activity
    QVERIFY(!SandboxHarness::entriesFor(m_stack->sandbox->requestLog(),
                                        QStringLiteral("GET"),
                                        QStringLiteral("/sast/findings/%1/autofix/status").arg(fixed.id))
                 .isEmpty());
    QTest::mouseClick(view->autofixButton(), Qt::LeftButton);
    view->startPrimaryAction();
    QCOMPARE(shows.count(), 2);
    QCOMPARE(shows.at(0).at(1).toString(), fixed.id);
    QCOMPARE(starts.count(), 0);

    // Another finding, without a fix: "Autofix".
    view->findingsTable()->selectRow(1);
    QTRY_VERIFY_WITH_TIMEOUT(
        !SandboxHarness::entriesFor(m_stack->sandbox->requestLog(),
                                    QStringLiteral("GET"),
                                    QStringLiteral("/sast/findings/%1/autofix/status").arg(view->selectedFindingId()))
             .isEmpty(),
        kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(view->detailField(QStringLiteral("autofix"))->text().isEmpty(), kTimeoutMs); // none
    QCOMPARE(view->autofixButton()->text(), QStringLiteral("Autofix"));
    QVERIFY(view->autofixButton()->isEnabled());

    // Resolved: no autofix offered, and the primary action starts nothing.
    selectComboData(view->statusFilter(), int(FindingsView::StatusFilter::Resolved));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().isResolved.value_or(false), kTimeoutMs);
    QVERIFY(view->findingsModel()->rowCount() > 0);
    view->findingsTable()->selectRow(0);
    QVERIFY(view->findingsModel()->finding(view->proxy()->sourceRow(0)).isResolved.value_or(false));
    QVERIFY(!view->autofixButton()->isEnabled());
    QVERIFY2(view->autofixButton()->toolTip().contains(QStringLiteral("resolved")),
             qPrintable(view->autofixButton()->toolTip()));
    view->startPrimaryAction();
    QCOMPARE(starts.count(), 0);
    QCOMPARE(shows.count(), 2);
}

void TestBrowseViews::findingsStaleDetailsAreIgnored()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    selectComboData(view->typeFilter(), int(FindingType::Code));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().types.isEmpty(), kTimeoutMs);
    const QString slow = view->findingsModel()->finding(view->proxy()->sourceRow(0)).id;
    const QString fast = view->findingsModel()->finding(view->proxy()->sourceRow(1)).id;
    // The first finding's details arrive late, after the second one's.
    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("GET", QStringLiteral("/sast/findings/") + slow).latency(800)}),
             qPrintable(m_stack->sandbox->lastError()));
    view->findingsTable()->selectRow(0);
    QCOMPARE(view->detailsBanner()->state(), LoadStateBanner::State::Loading);
    view->findingsTable()->selectRow(1);
    QTRY_COMPARE_WITH_TIMEOUT(view->detailsFindingId(), fast, kTimeoutMs);
    const QString description = view->detailDescription()->toPlainText();
    // The slow answer is back (or its request was cancelled): the tracker has it finished.
    const QString slowPath = QStringLiteral("/sast/findings/") + slow;
    const auto slowFinished = [this, &slowPath] {
        const QList<nullify::ui::RequestRecord>& records = m_stack->tracker->records();
        return std::any_of(records.cbegin(), records.cend(), [&slowPath](const nullify::ui::RequestRecord& record) {
            return record.path.startsWith(slowPath) && record.isFinished();
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(slowFinished(), kTimeoutMs);
    QCOMPARE(view->detailsFindingId(), fast);
    QCOMPARE(view->detailDescription()->toPlainText(), description);
}

void TestBrowseViews::findingsErrorRetryAndCountdown()
{
    // A 503 with Retry-After once: the countdown shows while the list waits, then the page comes.
    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("POST", "/admin/findings").status(503).retryAfter(2)}),
             qPrintable(m_stack->sandbox->lastError()));
    auto view = makeFindingsView();
    QVERIFY(view);
    RetryCountdown* countdown = view->banner()->countdown();
    QTRY_COMPARE_WITH_TIMEOUT(countdown->mode(), RetryCountdown::Mode::Countdown, kTimeoutMs);
    QVERIFY(countdown->isVisible());
    QVERIFY2(countdown->text().contains(QStringLiteral("503")), qPrintable(countdown->text()));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QCOMPARE(view->findingsModel()->rowCount(), FindingsView::pageSize);
    QCOMPARE(countdown->mode(), RetryCountdown::Mode::Hidden);

    // Page 2 fails for good: an inline error below the rows already shown, then Retry recovers.
    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("POST", "/admin/findings").status(500).always()}),
             qPrintable(m_stack->sandbox->lastError()));
    view->findingsTable()->scrollToBottom();
    QTRY_COMPARE_WITH_TIMEOUT(view->banner()->state(), LoadStateBanner::State::Error, kTimeoutMs);
    QVERIFY2(view->banner()->text().startsWith(QStringLiteral("Could not load more findings.")),
             qPrintable(view->banner()->text()));
    QVERIFY(view->banner()->text().contains(QStringLiteral("HTTP 500")));
    QVERIFY(!QApplication::activeModalWidget());
    QCOMPARE(view->findingsModel()->rowCount(), FindingsView::pageSize);
    // No automatic hammering after a failure: scrolling again does not ask again.
    const int failedRequests = int(findingRequests().size());
    view->findingsTable()->scrollToTop();
    view->findingsTable()->scrollToBottom();
    QTest::qWait(200); // negative: a request would go at once on the scroll
    QCOMPARE(int(findingRequests().size()), failedRequests);

    QVERIFY(m_stack->sandbox->clearFaults());
    QTest::mouseClick(view->banner()->retryButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(view->findingsModel()->rowCount(), 2 * FindingsView::pageSize, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(view->banner()->state(), LoadStateBanner::State::Hidden, kTimeoutMs);
    QVERIFY(bodyHashes(findingRequests()).contains(hashOf(view->query(), 2)));
}

void TestBrowseViews::offlineHoldsTheFirstLoad()
{
    m_stack->reachability->setOnline(false);
    QVERIFY(m_stack->connection->isPaused());
    auto view = makeFindingsView();
    QVERIFY(view);
    OverviewView overview(context());
    overview.show();
    overview.activate();
    RepositoriesView repositories(context());
    repositories.show();
    repositories.activate();
    QTRY_COMPARE_WITH_TIMEOUT(view->banner()->state(), LoadStateBanner::State::Offline, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(overview.banner()->state(), LoadStateBanner::State::Offline, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(repositories.banner()->state(), LoadStateBanner::State::Offline, kTimeoutMs);
    QTest::qWait(100); // negative: a load let through would reach the in-process sandbox within this
    QVERIFY(m_stack->sandbox->requestLog().isEmpty());

    m_stack->reachability->setOnline(true);
    QVERIFY(!m_stack->connection->isPaused());
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(overview.hasData(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(repositories.repositoriesModel()->rowCount() > 0, kTimeoutMs);
    QCOMPARE(view->banner()->state(), LoadStateBanner::State::Hidden);
}

// Issue 17, bug 3: a pentest finding's details keep the severity the list shows
// (the spec puts it in api.severity; the details used to say "Unknown").
void TestBrowseViews::pentestDetailsKeepTheListSeverity()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    selectComboData(view->typeFilter(), int(FindingType::Pentest));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().types.isEmpty(), kTimeoutMs);
    QVERIFY(view->findingsModel()->rowCount() > 0);
    for (int row = 0; row < std::min(5, view->proxy()->rowCount()); ++row) {
        const Finding listed = view->findingsModel()->finding(view->proxy()->sourceRow(row));
        QVERIFY(listed.severity != Severity::Unknown);
        view->findingsTable()->selectRow(row);
        QTRY_COMPARE_WITH_TIMEOUT(view->detailsFindingId(), listed.id, kTimeoutMs);
        QCOMPARE(view->detailField(QStringLiteral("severity"))->text(),
                 nullify::ui::DisplayText::severity(listed.severity));
        const auto detail = ask<nullify::api::FindingDetail>(
            [this, id = listed.id](QObject* c, nullify::api::Callback<nullify::api::FindingDetail> d) {
                m_stack->api->finding(FindingService::DastPentest, id, c, std::move(d));
            });
        QVERIFY(detail && detail->isOk());
        QCOMPARE(detail->value().severity, listed.severity); // one decoding, both places
    }
}

// Bug 5: a refresh that meets a 503 keeps the rows (marked stale) through the retry; after a
// Cancel the rows and a truthful count stay.
void TestBrowseViews::refreshKeepsTheRowsThroughARetry()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    const QStringList before = shownIds(*view);
    const QString count = view->countLabel()->text();
    QVERIFY(count.startsWith(QStringLiteral("50 of ")));

    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("POST", "/admin/findings").status(503).retryAfter(2)}),
             qPrintable(m_stack->sandbox->lastError()));
    view->refresh();
    RetryCountdown* countdown = view->banner()->countdown();
    QTRY_COMPARE_WITH_TIMEOUT(countdown->mode(), RetryCountdown::Mode::Countdown, kTimeoutMs);
    QCOMPARE(shownIds(*view), before); // the retry waits; the table does not empty
    QVERIFY(view->isShowingStaleRows());
    QVERIFY2(view->countLabel()->text().startsWith(count), qPrintable(view->countLabel()->text()));
    QTRY_VERIFY_WITH_TIMEOUT(!view->isShowingStaleRows() && listingSettled(*view), kTimeoutMs);
    QCOMPARE(shownIds(*view), before); // the same answer, now fresh
    QCOMPARE(view->countLabel()->text(), count);
    QCOMPARE(view->banner()->state(), LoadStateBanner::State::Hidden);

    // Cancel during the wait: the earlier rows stay, and the count still describes them.
    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("POST", "/admin/findings").status(503).retryAfter(5).always()}),
             qPrintable(m_stack->sandbox->lastError()));
    view->refresh();
    QTRY_COMPARE_WITH_TIMEOUT(countdown->mode(), RetryCountdown::Mode::Countdown, kTimeoutMs);
    QTest::mouseClick(countdown->cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(view->banner()->state(), LoadStateBanner::State::Error, kTimeoutMs);
    QCOMPARE(shownIds(*view), before);
    QVERIFY2(view->countLabel()->text().startsWith(count), qPrintable(view->countLabel()->text()));
    QVERIFY(!view->countLabel()->text().contains(QStringLiteral("more to come")));
    QVERIFY(!view->isShowingStaleRows());

    // Retry, once the server is well again, brings the fresh answer.
    QVERIFY(m_stack->sandbox->clearFaults());
    QTest::mouseClick(view->banner()->retryButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(view->banner()->state(), LoadStateBanner::State::Hidden, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QCOMPARE(view->countLabel()->text(), count);
}

// Bug 6: a page that failed reloads once when the connection comes back (the status bar's
// Online), the Overview with data and the Findings without; no more than once.
void TestBrowseViews::errorsReloadOnceWhenBackOnline()
{
    OverviewView overview(context());
    overview.show();
    overview.activate();
    QTRY_VERIFY_WITH_TIMEOUT(overview.hasData(), kTimeoutMs);

    QVERIFY2(m_stack->sandbox->addFaults({FaultRule::on("POST", "/admin/metrics/overview").status(500).always(),
                                          FaultRule::on("POST", "/admin/findings").status(500).always()}),
             qPrintable(m_stack->sandbox->lastError()));
    overview.refresh();
    QTRY_COMPARE_WITH_TIMEOUT(overview.banner()->state(), LoadStateBanner::State::Error, kTimeoutMs);
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_COMPARE_WITH_TIMEOUT(view->banner()->state(), LoadStateBanner::State::Error, kTimeoutMs);

    QVERIFY(m_stack->sandbox->clearFaults());
    QVERIFY(m_stack->sandbox->resetLog());
    m_stack->reachability->setOnline(false);
    QVERIFY(m_stack->connection->isPaused());
    QTest::qWait(100); // negative: a reload let through while offline would start at once
    QCOMPARE(overview.banner()->state(), LoadStateBanner::State::Error); // nothing while offline
    m_stack->reachability->setOnline(true);
    QTRY_COMPARE_WITH_TIMEOUT(overview.banner()->state(), LoadStateBanner::State::Hidden, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->findingsModel()->rowCount() > 0, kTimeoutMs);
    QCOMPARE(view->banner()->state(), LoadStateBanner::State::Hidden);
    QTest::qWait(200); // negative: a second reload would follow the first at once
    QCOMPARE(SandboxHarness::entriesFor(
                 m_stack->sandbox->requestLog(), QStringLiteral("POST"), QStringLiteral("/admin/metrics/overview"))
                 .size(),
             1);
    QCOMPARE(findingRequests().size(), 1);
}

// Bug 7: the Overview's open figures and Findings filtered to Open count the same findings
// (the spec's isResolved includes allowlisted ones, so neither counts them), and Findings opens
// on Open with the Status column on screen at the default width.
void TestBrowseViews::overviewAndFindingsCountOpenAlike()
{
    FindingsQuery allowlisted;
    allowlisted.pageSize = 1;
    allowlisted.isAllowlisted = true;
    const auto allowlistedPage = findingsPage(allowlisted);
    QVERIFY(allowlistedPage && allowlistedPage->total);
    QVERIFY2(*allowlistedPage->total > 0, "the seed has allowlisted findings, else this proves nothing");

    OverviewView overview(context());
    overview.show();
    overview.activate();
    QTRY_VERIFY_WITH_TIMEOUT(overview.hasData(), kTimeoutMs);

    auto view = makeFindingsView(false, kDefaultPage);
    QVERIFY(view);
    QCOMPARE(view->statusFilter()->currentData().toInt(), int(FindingsView::StatusFilter::Open));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QVERIFY(view->pager()->totalCount());
    QCOMPARE(OverviewView::countText(double(*view->pager()->totalCount())),
             overview.figureText(QStringLiteral("open.total")));
    for (int row = 0; row < view->findingsModel()->rowCount(); ++row)
        QCOMPARE(FindingsModel::statusOf(view->findingsModel()->finding(row)), FindingsModel::Status::Open);

    selectComboData(view->severityFilter(), int(Severity::Critical));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().severities.isEmpty(), kTimeoutMs);
    QCOMPARE(OverviewView::countText(double(view->pager()->totalCount().value_or(-1))),
             overview.figureText(QStringLiteral("open.critical")));

    QTableView* table = view->findingsTable();
    const int statusLeft = table->columnViewportPosition(FindingsModel::StatusColumn);
    QVERIFY(statusLeft >= 0);
    QVERIFY2(
        statusLeft + table->columnWidth(FindingsModel::StatusColumn) <= table->viewport()->width(),
        qPrintable(QStringLiteral("Status at %1 in a viewport of %2").arg(statusLeft).arg(table->viewport()->width())));
}

// Bug 8: Tab leaves the findings table, so the details pane and Autofix are reachable by keyboard.
void TestBrowseViews::tabLeavesTheFindingsTable()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    selectComboData(view->typeFilter(), int(FindingType::Code));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().types.isEmpty(), kTimeoutMs);
    view->activateWindow();
    QTRY_VERIFY_WITH_TIMEOUT(QApplication::activeWindow() == view.get(), kTimeoutMs);
    QTableView* table = view->findingsTable();
    table->setFocus(Qt::TabFocusReason);
    table->selectRow(0);
    QTRY_VERIFY_WITH_TIMEOUT(view->autofixButton()->isEnabled(), kTimeoutMs);
    QVERIFY(table->hasFocus());
    QTest::keyClick(table, Qt::Key_Down); // arrows still move within the table
    QCOMPARE(table->currentIndex().row(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(view->autofixButton()->isEnabled(), kTimeoutMs);
    bool reached = false;
    for (int tab = 0; tab < 20 && !reached; ++tab) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        reached = view->autofixButton()->hasFocus();
        if (tab == 0)
            QVERIFY2(!table->hasFocus(), "Tab moved within the table");
    }
    QVERIFY(reached);
    QSignalSpy autofix(view.get(), &FindingsView::autofixRequested);
    QTest::keyClick(view->autofixButton(), Qt::Key_Space);
    QCOMPARE(autofix.count(), 1);
}

// Bug 8: the Overview's numbers are in the accessibility tree, with their captions.
void TestBrowseViews::overviewNumbersAreAccessible()
{
    OverviewView view(context());
    view.show();
    view.activate();
    QTRY_VERIFY_WITH_TIMEOUT(view.hasData(), kTimeoutMs);
    for (const QString& key : {QStringLiteral("open.critical"),
                               QStringLiteral("open.total"),
                               QStringLiteral("funnel.open.high"),
                               QStringLiteral("findingsResolved")}) {
        auto* label = view.findChild<QLabel*>(QStringLiteral("figure:") + key);
        QVERIFY2(label, qPrintable(key));
        QAccessibleInterface* accessible = QAccessible::queryAccessibleInterface(label);
        QVERIFY(accessible);
        const QString name = accessible->text(QAccessible::Name);
        QVERIFY2(name.contains(view.figureText(key)) && name.size() > view.figureText(key).size(),
                 qPrintable(key + QStringLiteral(": ") + name));
    }
}

// Bug 9: at the default size the Overview needs no sideways scrolling.
void TestBrowseViews::overviewFitsTheDefaultWidth()
{
    OverviewView overview(context());
    QVERIFY(showAsDefaultPage(overview));
    QTRY_VERIFY_WITH_TIMEOUT(overview.hasData(), kTimeoutMs);
    auto* scroll = overview.findChild<QScrollArea*>();
    QVERIFY(scroll);
    QTRY_VERIFY(scroll->widget() && scroll->widget()->isVisible());
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest); // the layout settles
    QVERIFY2(scroll->horizontalScrollBar()->maximum() == 0,
             qPrintable(QStringLiteral("%1 px to scroll sideways").arg(scroll->horizontalScrollBar()->maximum())));
}

// Bug 9: the repositories' latest runs ("Completed · 2 critical, 3 high") and the scan runs'
// statuses and dates are as wide as their text at the default size, not cut short.
void TestBrowseViews::scanColumnsAreNotCutShort()
{
    RepositoriesView repositories(context());
    QVERIFY(showAsDefaultPage(repositories));
    QTRY_VERIFY_WITH_TIMEOUT(repositories.repositoriesModel()->rowCount() > 0, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        repositories.latestRunsLoader()->started() > 0 && repositories.latestRunsLoader()->isIdle(), kTimeoutMs);
    QAbstractItemView* table = repositories.repositoriesTable();
    bool sawCompleted = false;
    for (int row = 0; row < repositories.repositoriesProxy()->rowCount(); ++row)
        sawCompleted = sawCompleted
            || repositories.repositoriesProxy()
                   ->index(row, RepositoriesModel::SastColumn)
                   .data()
                   .toString()
                   .contains(QStringLiteral("critical"));
    QVERIFY(sawCompleted);
    QTRY_VERIFY_WITH_TIMEOUT(repositories.repositoriesTable()->columnWidth(RepositoriesModel::SastColumn)
                                 >= table->sizeHintForColumn(RepositoriesModel::SastColumn),
                             kTimeoutMs);
    for (int column = RepositoriesModel::SastColumn; column <= RepositoriesModel::ContainersColumn; ++column)
        QVERIFY2(repositories.repositoriesTable()->columnWidth(column) >= table->sizeHintForColumn(column),
                 qPrintable(QStringLiteral("column %1: %2 < %3")
                                .arg(column)
                                .arg(repositories.repositoriesTable()->columnWidth(column))
                                .arg(table->sizeHintForColumn(column))));

    repositories.repositoriesTable()->selectRow(0);
    QTRY_VERIFY_WITH_TIMEOUT(repositories.scanRunsModel()->rowCount() > 0
                                 && repositories.historyBanner()->state() == LoadStateBanner::State::Hidden,
                             kTimeoutMs);
    QAbstractItemView* history = repositories.historyTable();
    for (int column : {ScanRunsModel::StatusColumn, ScanRunsModel::StartedColumn, ScanRunsModel::CompletedColumn})
        QTRY_VERIFY2_WITH_TIMEOUT(repositories.historyTable()->columnWidth(column)
                                      >= history->sizeHintForColumn(column),
                                  qPrintable(QStringLiteral("history column %1: %2 < %3")
                                                 .arg(column)
                                                 .arg(repositories.historyTable()->columnWidth(column))
                                                 .arg(history->sizeHintForColumn(column))),
                                  kTimeoutMs);
}

QTEST_MAIN(TestBrowseViews)
#include "tst_browseviews.moc"
