// Findings at scale (issue 17, bug 4 and "Findings at scale"): the order and the filters are the
// server's, so they hold across pages. Driven like a user would against an in-process sandbox with
// more than one page of findings; what the table shows is compared with what the API says when
// asked directly, and what the view asked for with the sandbox's request log (the body hash of
// each POST /admin/findings names its exact query).

#include "appsettings.h"
#include "displaytext.h"
#include "findingsfilter.h"
#include "findingsfilterbar.h"
#include "findingsfilterproxy.h"
#include "findingslisting.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "overviewview.h"
#include "repositoriesmodel.h"
#include "repositoriesview.h"
#include "sandboxharness.h"
#include "signedinstack.h"

#include <QCryptographicHash>
#include <QDateEdit>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <optional>

using nullify::api::Finding;
using nullify::api::FindingsQuery;
using nullify::api::FindingType;
using nullify::api::Page;
using nullify::api::Result;
using nullify::api::Severity;
using nullify::test::bodyHash;
using nullify::test::bodyHashes;
using nullify::test::hashOf;
using nullify::test::listingSettled;
using nullify::test::SandboxHarness;
using nullify::test::shownIds;
using nullify::ui::AppSettings;
using nullify::ui::FindingsFilter;
using nullify::ui::FindingsModel;
using nullify::ui::FindingsView;
using nullify::ui::OverviewView;
using nullify::ui::RepositoriesModel;
using nullify::ui::RepositoriesView;
using nullify::ui::ViewContext;

namespace {

constexpr int kTimeoutMs = 20'000;
constexpr int kFindingCount = 230; // five pages of 50, the last one short

// Clicks the header of a column, as a user does.
void clickHeader(QTableView* table, int column)
{
    QHeaderView* header = table->horizontalHeader();
    const QPoint at(header->sectionViewportPosition(column) + header->sectionSize(column) / 2, header->height() / 2);
    QTest::mouseClick(header->viewport(), Qt::LeftButton, Qt::NoModifier, at);
}

// Scrolls until every page is in (bounded by the page count and the timeout).
bool loadEverything(FindingsView& view)
{
    for (int guard = 0; guard < 100 && view.pager()->hasMore(); ++guard) {
        const int before = view.findingsModel()->rowCount();
        view.findingsTable()->scrollToBottom();
        if (!QTest::qWaitFor([&] { return view.findingsModel()->rowCount() > before && !view.pager()->isLoading(); },
                             kTimeoutMs))
            return false;
    }
    return !view.pager()->hasMore();
}

} // namespace

class TestFindingsScale : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    // Bug 4. These two use only the view API from before issue 17 (the header, query(), the model).
    void severitySortHoldsAcrossPages();
    void repositoriesFirstLoadShowsNoSortArrow();
    void firstSeenAndTheBarsOrderAskTheServer();
    void unsortableColumnsKeepTheServerOrder();
    void multiSelectFiltersGoToTheServer();
    void dateRangeAndTriageStateGoToTheServer();
    void overviewCardOpensFilteredFindings();
    void repositoryRowOpensFilteredFindings();
    void filtersSurviveARestart();
    void filterQueryAndStorage();

private:
    ViewContext context() const { return {m_stack->api.get(), m_stack->tracker.get(), m_stack->connection.get()}; }
    std::optional<Page<Finding>> findingsPage(const FindingsQuery& query);
    // Every finding of the query, page by page, as the API answers it.
    QList<Finding> allFindings(FindingsQuery query);
    std::unique_ptr<FindingsView> makeFindingsView(bool anyStatus = true);
    QList<QJsonObject> findingRequests();

    std::unique_ptr<nullify::test::SignedInStack> m_stack;
};

void TestFindingsScale::init()
{
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = kFindingCount;
    m_stack = std::make_unique<nullify::test::SignedInStack>();
    QString why;
    QVERIFY2(m_stack->start(options, &why), qPrintable(why));
}

void TestFindingsScale::cleanup()
{
    m_stack.reset();
}

std::optional<Page<Finding>> TestFindingsScale::findingsPage(const FindingsQuery& query)
{
    std::optional<Result<Page<Finding>>> result;
    QObject receiver;
    m_stack->api->findings(query, &receiver, [&result](const Result<Page<Finding>>& r) { result = r; });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, kTimeoutMs) || !result->isOk())
        return std::nullopt;
    return result->value();
}

QList<Finding> TestFindingsScale::allFindings(FindingsQuery query)
{
    QList<Finding> all;
    for (query.page = 1; query.page < 100; ++query.page) {
        const auto page = findingsPage(query);
        if (!page)
            return {};
        all += page->items;
        if (!page->hasMoreData.value_or(false))
            break;
    }
    return all;
}

std::unique_ptr<FindingsView> TestFindingsScale::makeFindingsView(bool anyStatus)
{
    return nullify::test::shownFindingsView(context(), anyStatus, QSize(1200, 700));
}

QList<QJsonObject> TestFindingsScale::findingRequests()
{
    return SandboxHarness::entriesFor(
        m_stack->sandbox->requestLog(), QStringLiteral("POST"), QStringLiteral("/admin/findings"));
}

void TestFindingsScale::severitySortHoldsAcrossPages()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QVERIFY(view->pager()->hasMore()); // more than one page: the bug needs one not loaded yet
    QVERIFY(m_stack->sandbox->resetLog());

    // A click on Severity: the server's order, from page 1.
    clickHeader(view->findingsTable(), FindingsModel::SeverityColumn);
    QTRY_VERIFY_WITH_TIMEOUT(view->query().sortPreset == QLatin1String("severity_desc") && listingSettled(*view),
                             kTimeoutMs);
    QCOMPARE(view->findingsModel()->rowCount(), FindingsView::pageSize);
    const FindingsQuery query = view->query();
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(query, 1)});
    QHeaderView* header = view->findingsTable()->horizontalHeader();
    QCOMPARE(header->sortIndicatorSection(), int(FindingsModel::SeverityColumn));
    QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);

    // Scrolled to the end: every row in the sandbox's severity order, no Critical after a High.
    QVERIFY(loadEverything(*view));
    QCOMPARE(view->findingsModel()->rowCount(), kFindingCount);
    QCOMPARE(bodyHashes(findingRequests()),
             (QStringList {hashOf(query, 1), hashOf(query, 2), hashOf(query, 3), hashOf(query, 4), hashOf(query, 5)}));
    QStringList expected;
    for (const Finding& f : allFindings(query))
        expected << f.id;
    QCOMPARE(expected.size(), kFindingCount);
    QCOMPARE(shownIds(*view), expected);
    const QAbstractItemModel* shown = view->findingsTable()->model();
    int previousRank = 100;
    for (int row = 0; row < shown->rowCount(); ++row) {
        const int rank
            = nullify::ui::severityRank(Severity(shown->index(row, 0).data(FindingsModel::SeverityRole).toInt()));
        QVERIFY2(rank <= previousRank, qPrintable(QStringLiteral("row %1 is more severe than the one above").arg(row)));
        previousRank = rank;
    }
}

void TestFindingsScale::firstSeenAndTheBarsOrderAskTheServer()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QHeaderView* header = view->findingsTable()->horizontalHeader();
    QCOMPARE(header->sortIndicatorSection(), int(FindingsModel::CreatedColumn)); // newest first, the default
    clickHeader(view->findingsTable(), FindingsModel::SeverityColumn);
    QTRY_VERIFY_WITH_TIMEOUT(view->query().sortPreset == QLatin1String("severity_desc") && listingSettled(*view),
                             kTimeoutMs);

    // First seen, clicked twice: oldest first, again from page 1.
    clickHeader(view->findingsTable(), FindingsModel::CreatedColumn);
    QTRY_VERIFY_WITH_TIMEOUT(view->query().sortPreset == QLatin1String("created_at_desc") && listingSettled(*view),
                             kTimeoutMs);
    clickHeader(view->findingsTable(), FindingsModel::CreatedColumn);
    QTRY_VERIFY_WITH_TIMEOUT(view->query().sortPreset == QLatin1String("created_at_asc") && listingSettled(*view),
                             kTimeoutMs);
    QCOMPARE(header->sortIndicatorSection(), int(FindingsModel::CreatedColumn));
    QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
    const auto oldest = findingsPage(view->query());
    QVERIFY(oldest);
    QCOMPARE(shownIds(*view).first(), oldest->items.first().id);
    QCOMPARE(view->filterBar()->sortChooser()->currentData().toInt(), int(FindingsFilter::Sort::Oldest));

    // The bar's order does the same: highest priority first, no column arrow (none shows it).
    view->filterBar()->sortChooser()->setCurrentIndex(
        view->filterBar()->sortChooser()->findData(int(FindingsFilter::Sort::HighestPriority)));
    QTRY_VERIFY_WITH_TIMEOUT(view->query().sortPreset == QLatin1String("priority_desc") && listingSettled(*view),
                             kTimeoutMs);
    QCOMPARE(header->sortIndicatorSection(), -1);
}

void TestFindingsScale::unsortableColumnsKeepTheServerOrder()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    const QStringList before = shownIds(*view);
    const FindingsQuery query = view->query();
    QVERIFY(m_stack->sandbox->resetLog());

    // Title cannot be sorted by the server: nothing is asked, nothing moves, the arrow stays put.
    QHeaderView* header = view->findingsTable()->horizontalHeader();
    const int arrow = header->sortIndicatorSection();
    clickHeader(view->findingsTable(), FindingsModel::TitleColumn);
    view->findingsTable()->sortByColumn(FindingsModel::RepositoryColumn, Qt::AscendingOrder);
    QTest::qWait(200);
    QCOMPARE(shownIds(*view), before);
    QCOMPARE(view->query().sortPreset, query.sortPreset);
    QVERIFY(findingRequests().isEmpty());
    QCOMPARE(header->sortIndicatorSection(), arrow);
    QVERIFY(view->findingsModel()
                ->headerData(FindingsModel::TitleColumn, Qt::Horizontal, Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("cannot sort")));
}

void TestFindingsScale::multiSelectFiltersGoToTheServer()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(view->repositoryFilter()->count() > 3, kTimeoutMs);

    // Two severities, two types and two repositories, checked as a user does in the open lists.
    auto* severity = view->severityFilter();
    auto* type = view->typeFilter();
    auto* repository = view->repositoryFilter();
    severity->setOptionChecked(severity->findData(int(Severity::Critical)), true);
    severity->setOptionChecked(severity->findData(int(Severity::High)), true);
    type->setOptionChecked(type->findData(int(FindingType::Code)), true);
    type->setOptionChecked(type->findData(int(FindingType::Dependencies)), true);
    const QString repoA = repository->itemData(1).toString();
    const QString repoB = repository->itemData(2).toString();
    repository->setOptionChecked(1, true);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().repositories.size() == 1, kTimeoutMs);
    QVERIFY(m_stack->sandbox->resetLog());
    repository->setOptionChecked(2, true);
    QCOMPARE(severity->summaryText(), QStringLiteral("Critical, High"));

    FindingsQuery expected;
    expected.pageSize = FindingsView::pageSize;
    expected.types = {FindingType::Code, FindingType::Dependencies};
    expected.severities = {Severity::Critical, Severity::High};
    expected.repositories = {repoA, repoB};
    expected.sortPreset = QStringLiteral("created_at_desc");
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().repositories.size() == 2, kTimeoutMs);
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(expected, 1)});

    // The rows are the server's for that query, each one matching every filter.
    const QList<Finding> reference = allFindings(expected);
    QVERIFY(!reference.isEmpty());
    QVERIFY(loadEverything(*view));
    QStringList ids;
    for (const Finding& f : reference)
        ids << f.id;
    QCOMPARE(shownIds(*view), ids);
    for (int row = 0; row < view->findingsModel()->rowCount(); ++row) {
        const Finding& f = view->findingsModel()->finding(row);
        QVERIFY(f.severity == Severity::Critical || f.severity == Severity::High);
        QVERIFY(f.type == FindingType::Code || f.type == FindingType::Dependencies);
        QVERIFY(f.repository == repoA || f.repository == repoB);
    }

    // Branch and CWE, typed: sent as the query's branch[] and cwe[].
    const Finding sample = view->findingsModel()->finding(0);
    QVERIFY(!sample.branch.isEmpty());
    QVERIFY(m_stack->sandbox->resetLog());
    view->filterBar()->branchFilter()->setText(sample.branch);
    emit view->filterBar()->branchFilter()->editingFinished();
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().branches == QStringList {sample.branch},
                             kTimeoutMs);
    expected.branches = {sample.branch};
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(expected, 1)});
    for (int row = 0; row < view->findingsModel()->rowCount(); ++row)
        QCOMPARE(view->findingsModel()->finding(row).branch, sample.branch);

    QVERIFY(!sample.cwe.isEmpty());
    view->filterBar()->cweFilter()->setText(sample.cwe + QStringLiteral(", not-a-cwe"));
    emit view->filterBar()->cweFilter()->editingFinished();
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().cwes.isEmpty(), kTimeoutMs);
    QCOMPARE(view->query().cwes, QStringList {FindingsFilter::cweName(sample.cwe)});
    QVERIFY(view->findingsModel()->rowCount() > 0);
    for (int row = 0; row < view->findingsModel()->rowCount(); ++row)
        QCOMPARE(view->findingsModel()->finding(row).cwe, sample.cwe);

    // Clear: every filter goes, the order stays.
    QTest::mouseClick(view->clearFiltersButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().repositories.isEmpty(), kTimeoutMs);
    QVERIFY(view->query().types.isEmpty() && view->query().severities.isEmpty() && view->query().cwes.isEmpty());
    QCOMPARE(view->severityFilter()->summaryText(), QStringLiteral("All severities"));
    QVERIFY(!view->clearFiltersButton()->isEnabled());
}

void TestFindingsScale::dateRangeAndTriageStateGoToTheServer()
{
    auto view = makeFindingsView();
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    const Finding newest = view->findingsModel()->finding(0);
    QVERIFY(newest.createdAt.isValid());

    // A custom range of the newest finding's day (UTC): fromDate/toDate, and only that day's rows.
    const QDate day = newest.createdAt.toUTC().date();
    FindingsFilter filter = view->filterBar()->filter();
    filter.fromDate = day;
    filter.toDate = day;
    QVERIFY(m_stack->sandbox->resetLog());
    view->showFiltered(filter);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && !view->query().fromDate.isEmpty(), kTimeoutMs);
    QCOMPARE(view->query().fromDate, day.toString(Qt::ISODate) + QStringLiteral("T00:00:00Z"));
    QCOMPARE(view->query().toDate, day.toString(Qt::ISODate) + QStringLiteral("T23:59:59Z"));
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(view->query(), 1)});
    QVERIFY(view->findingsModel()->rowCount() > 0);
    for (int row = 0; row < view->findingsModel()->rowCount(); ++row)
        QCOMPARE(view->findingsModel()->finding(row).createdAt.toUTC().date(), day);
    QCOMPARE(view->filterBar()->dateRangeFilter()->currentData().toInt(), -1); // "Between..."
    QVERIFY(view->filterBar()->fromDateEdit()->isVisible());

    // The false-positive triage state: isFalsePositive, and only those rows.
    view->statusFilter()->setCurrentIndex(view->statusFilter()->findData(int(FindingsFilter::Status::FalsePositive)));
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().isFalsePositive.value_or(false), kTimeoutMs);
    QVERIFY(!view->query().isResolved);
    for (int row = 0; row < view->findingsModel()->rowCount(); ++row)
        QVERIFY(view->findingsModel()->finding(row).isResolved.value_or(false));
}

void TestFindingsScale::overviewCardOpensFilteredFindings()
{
    OverviewView overview(context());
    overview.resize(1000, 700);
    overview.show();
    QVERIFY(QTest::qWaitForWindowExposed(&overview));
    overview.activate();
    QTRY_VERIFY_WITH_TIMEOUT(overview.hasData(), kTimeoutMs);
    QWidget* tile = overview.clickThroughTile(QStringLiteral("open.critical"));
    QVERIFY(tile);
    const int openCritical = overview.figureText(QStringLiteral("open.critical")).toInt();
    QVERIFY(openCritical > 0);

    // The app's wiring: the Findings page shows what the card counts.
    auto findings = std::make_unique<FindingsView>(context());
    connect(&overview, &OverviewView::findingsRequested, findings.get(), &FindingsView::showFiltered);
    QSignalSpy requested(&overview, &OverviewView::findingsRequested);
    QTest::mouseClick(tile, Qt::LeftButton);
    QCOMPARE(requested.size(), 1);
    findings->resize(1200, 700);
    findings->show();
    QVERIFY(QTest::qWaitForWindowExposed(findings.get()));
    findings->activate();
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*findings), kTimeoutMs);
    QCOMPARE(findings->query().severities, QList<Severity> {Severity::Critical});
    QCOMPARE(findings->query().isResolved, std::optional<bool>(false));
    QCOMPARE(findings->pager()->totalCount().value_or(-1), openCritical);
    for (int row = 0; row < findings->findingsModel()->rowCount(); ++row)
        QCOMPARE(findings->findingsModel()->finding(row).severity, Severity::Critical);
    QCOMPARE(findings->severityFilter()->summaryText(), QStringLiteral("Critical"));

    // By keyboard too: All open, once the page is already listing.
    QWidget* all = overview.clickThroughTile(QStringLiteral("open.total"));
    QVERIFY(all);
    QVERIFY(all->focusPolicy() & Qt::TabFocus);
    all->setFocus();
    QTest::keyClick(all, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*findings) && findings->query().severities.isEmpty(), kTimeoutMs);
    QCOMPARE(findings->pager()->totalCount().value_or(-1), overview.figureText(QStringLiteral("open.total")).toInt());
}

void TestFindingsScale::repositoryRowOpensFilteredFindings()
{
    RepositoriesView repositories(context());
    repositories.resize(1000, 700);
    repositories.show();
    QVERIFY(QTest::qWaitForWindowExposed(&repositories));
    repositories.activate();
    QTRY_VERIFY_WITH_TIMEOUT(repositories.repositoriesModel()->rowCount() > 1, kTimeoutMs);
    auto findings = std::make_unique<FindingsView>(context());
    connect(&repositories, &RepositoriesView::findingsRequested, findings.get(), &FindingsView::showFiltered);
    findings->resize(1200, 700);
    findings->show();
    QVERIFY(QTest::qWaitForWindowExposed(findings.get()));
    findings->activate();
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*findings), kTimeoutMs);

    // A double-click on the second row.
    QTableView* table = repositories.repositoriesTable();
    const QModelIndex second = table->model()->index(1, RepositoriesModel::NameColumn);
    const QString name = second.data().toString();
    QVERIFY(!name.isEmpty());
    const QPoint at = table->visualRect(second).center();
    QTest::mouseClick(table->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*findings) && findings->query().repositories == QStringList {name},
                             kTimeoutMs);
    QCOMPARE(findings->query().isResolved, std::optional<bool>(false));
    QVERIFY(findings->findingsModel()->rowCount() > 0);
    for (int row = 0; row < findings->findingsModel()->rowCount(); ++row)
        QCOMPARE(findings->findingsModel()->finding(row).repository, name);
    QCOMPARE(findings->repositoryFilter()->selectedTexts(), QStringList {name});

    // The button does the same for the selected row.
    table->selectRow(0);
    const QString first = table->model()->index(0, RepositoriesModel::NameColumn).data().toString();
    QVERIFY(repositories.showFindingsButton()->isEnabled());
    QTest::mouseClick(repositories.showFindingsButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*findings) && findings->query().repositories == QStringList {first},
                             kTimeoutMs);
}

void TestFindingsScale::filtersSurviveARestart()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString ini = dir.filePath(QStringLiteral("settings.ini"));
    FindingsQuery chosen;
    {
        AppSettings settings(ini);
        auto view = std::make_unique<FindingsView>(context());
        view->setSettings(&settings);
        view->resize(1200, 700);
        view->show();
        QVERIFY(QTest::qWaitForWindowExposed(view.get()));
        view->activate();
        QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
        QCOMPARE(view->query().isResolved, std::optional<bool>(false)); // nothing saved yet: Open
        view->severityFilter()->setOptionChecked(view->severityFilter()->findData(int(Severity::High)), true);
        view->severityFilter()->setOptionChecked(view->severityFilter()->findData(int(Severity::Medium)), true);
        view->typeFilter()->setOptionChecked(view->typeFilter()->findData(int(FindingType::Code)), true);
        view->filterBar()->dateRangeFilter()->setCurrentIndex(view->filterBar()->dateRangeFilter()->findData(90));
        clickHeader(view->findingsTable(), FindingsModel::SeverityColumn);
        QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view) && view->query().sortPreset == QLatin1String("severity_desc"),
                                 kTimeoutMs);
        chosen = view->query();
    }
    QCOMPARE(chosen.severities, (QList<Severity> {Severity::High, Severity::Medium}));
    QVERIFY(!chosen.fromDate.isEmpty());

    // A new start: new settings object on the same file, new view.
    QVERIFY(m_stack->sandbox->resetLog());
    AppSettings settings(ini);
    auto view = std::make_unique<FindingsView>(context());
    view->setSettings(&settings);
    QCOMPARE(view->query().severities, chosen.severities);
    QCOMPARE(view->query().types, chosen.types);
    QCOMPARE(view->query().isResolved, chosen.isResolved);
    QCOMPARE(view->query().sortPreset, QStringLiteral("severity_desc"));
    QCOMPARE(view->query().fromDate, chosen.fromDate);
    QCOMPARE(view->severityFilter()->summaryText(), QStringLiteral("High, Medium"));
    QCOMPARE(view->filterBar()->dateRangeFilter()->currentData().toInt(), 90);
    QHeaderView* header = view->findingsTable()->horizontalHeader();
    QCOMPARE(header->sortIndicatorSection(), int(FindingsModel::SeverityColumn));
    view->resize(1200, 700);
    view->show();
    QVERIFY(QTest::qWaitForWindowExposed(view.get()));
    view->activate();
    QTRY_VERIFY_WITH_TIMEOUT(listingSettled(*view), kTimeoutMs);
    QCOMPARE(bodyHashes(findingRequests()), QStringList {hashOf(chosen, 1)}); // the first request is the saved one
}

void TestFindingsScale::repositoriesFirstLoadShowsNoSortArrow()
{
    RepositoriesView view(context());
    view.resize(1000, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.activate();
    QTRY_VERIFY_WITH_TIMEOUT(view.repositoriesModel()->rowCount() > 1 && !view.pager()->isLoading(), kTimeoutMs);
    QHeaderView* header = view.repositoriesTable()->horizontalHeader();
    // No arrow while the rows are in the server's order (and they are).
    QCOMPARE(header->sortIndicatorSection(), -1);
    QAbstractItemModel* shown = view.repositoriesTable()->model();
    for (int row = 0; row < shown->rowCount(); ++row)
        QCOMPARE(shown->index(row, RepositoriesModel::NameColumn).data().toString(),
                 view.repositoriesModel()->index(row, RepositoriesModel::NameColumn).data().toString());
    // A click sorts, and then the arrow says so.
    clickHeader(view.repositoriesTable(), RepositoriesModel::NameColumn);
    QCOMPARE(header->sortIndicatorSection(), int(RepositoriesModel::NameColumn));
    QVERIFY(header->isSortIndicatorShown());
}

void TestFindingsScale::filterQueryAndStorage()
{
    // Each triage state is one combination of the query's flags.
    FindingsFilter filter;
    QCOMPARE(filter.toQuery(50).isResolved, std::optional<bool>(false)); // Open by default
    filter.status = FindingsFilter::Status::Resolved;
    QCOMPARE(filter.toQuery(50).isResolved, std::optional<bool>(true));
    QCOMPARE(filter.toQuery(50).isAllowlisted, std::optional<bool>(false));
    filter.status = FindingsFilter::Status::Allowlisted;
    QCOMPARE(filter.toQuery(50).isAllowlisted, std::optional<bool>(true));
    QVERIFY(!filter.toQuery(50).isResolved);
    filter.status = FindingsFilter::Status::Fixed;
    QCOMPARE(filter.toQuery(50).isFixed, std::optional<bool>(true));

    // A relative range is anchored on the day the query is made; a custom one covers whole days.
    filter.lastDays = 7;
    QCOMPARE(filter.toQuery(50, QDate(2026, 3, 10)).fromDate, QStringLiteral("2026-03-04T00:00:00Z"));
    QVERIFY(filter.toQuery(50, QDate(2026, 3, 10)).toDate.isEmpty());
    filter.lastDays = 0;
    filter.fromDate = QDate(2026, 1, 2);
    filter.toDate = QDate(2026, 1, 3);
    QCOMPARE(filter.toQuery(50).toDate, QStringLiteral("2026-01-03T23:59:59Z"));

    // Stored and read back whole; a damaged or foreign store falls back to the defaults.
    filter.types = {FindingType::Code, FindingType::Platform};
    filter.severities = {Severity::Critical};
    filter.repositories = {QStringLiteral("payments-api")};
    filter.branches = {QStringLiteral("main"), QStringLiteral("release/2.1")};
    filter.cwes = {QStringLiteral("CWE-79")};
    filter.search = QStringLiteral("sql");
    filter.sort = FindingsFilter::Sort::HighestPriority;
    QCOMPARE(FindingsFilter::fromJson(filter.toJson()), filter);
    QCOMPARE(FindingsFilter::fromJson("not json"), FindingsFilter());
    const FindingsFilter odd = FindingsFilter::fromJson(
        R"({"types":[0,1,99],"severities":["x",2],"status":42,"sort":-3,"cwes":["79","nope"],"lastDays":-5})");
    QCOMPARE(odd.types, QList<FindingType> {FindingType::Code});
    QCOMPARE(odd.severities, QList<Severity> {Severity::High});
    QCOMPARE(odd.status, FindingsFilter::Status::Open);
    QCOMPARE(odd.sort, FindingsFilter::Sort::Newest);
    QCOMPARE(odd.cwes, QStringList {QStringLiteral("CWE-79")});
    QCOMPARE(odd.lastDays, 0);
    QCOMPARE(FindingsFilter::cweName(QStringLiteral(" cwe-89 ")), QStringLiteral("CWE-89"));
    QVERIFY(FindingsFilter::cweName(QStringLiteral("CVE-2021-44228")).isEmpty());
}

QTEST_MAIN(TestFindingsScale)
#include "tst_findingsscale.moc"
