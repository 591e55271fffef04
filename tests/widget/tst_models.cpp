// The list models and the findings filter proxy: every model under QAbstractItemModelTester, pages
// appended, clear and reset, each filter kind and their combinations, sort order per column, the
// roles a view and a details pane read, and a FindingsModel bound to a FindingsPager that loads
// every page from an in-process nullify-sandbox.

#include "apiclient.h"
#include "displaytext.h"
#include "findingsfilterproxy.h"
#include "findingsmodel.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "pager.h"
#include "pentestscansmodel.h"
#include "replyhelpers.h"
#include "repositoriesmodel.h"
#include "sandboxharness.h"
#include "scanrunsmodel.h"
#include "session.h"
#include "tenant.h"
#include "utctime.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QIcon>
#include <QSignalSpy>
#include <QtTest>

#include <functional>
#include <memory>

using namespace std::chrono_literals;
using nullify::api::AutofixState;
using nullify::api::Finding;
using nullify::api::FindingService;
using nullify::api::FindingType;
using nullify::api::Scanner;
using nullify::api::ScanRun;
using nullify::api::ScanStatus;
using nullify::api::Severity;
using nullify::ui::FindingsFilterProxy;
using nullify::ui::FindingsModel;
using nullify::ui::PentestScansModel;
using nullify::ui::RepositoriesModel;
using nullify::ui::ScanRunsModel;
using Status = nullify::ui::FindingsModel::Status;
using Tester = QAbstractItemModelTester;

namespace {

constexpr int kTimeoutMs = 15'000;

const QList<FindingType> kTypes {FindingType::Code,
                                 FindingType::Dependencies,
                                 FindingType::Containers,
                                 FindingType::SecretsCredentials,
                                 FindingType::SecretsSensitiveData,
                                 FindingType::Pentest,
                                 FindingType::BugHunt,
                                 FindingType::Cloud,
                                 FindingType::Platform};
const QList<Severity> kSeverities {Severity::Critical, Severity::High, Severity::Medium, Severity::Low};
const QStringList kRepositories {QStringLiteral("acme/api"), QStringLiteral("acme/web"), QStringLiteral("acme/infra")};

// A varied, deterministic finding: every type, severity, status and repository occurs.
Finding makeFinding(int i)
{
    Finding f;
    f.id = QStringLiteral("finding-%1").arg(i, 4, 10, QLatin1Char('0'));
    f.type = kTypes.at(i % kTypes.size());
    f.typeText = nullify::api::wireName(f.type);
    f.severity = kSeverities.at((i / 3) % kSeverities.size());
    f.severityText = nullify::api::wireName(f.severity);
    f.title = QStringLiteral("Issue number %1").arg(i);
    f.aiTitle = i % 2 ? QStringLiteral("Readable issue %1").arg(i) : QString();
    f.repository = kRepositories.at((i / 2) % kRepositories.size());
    f.repositoryId = QString::number(1000 + (i / 2) % kRepositories.size());
    f.branch = QStringLiteral("main");
    f.filePath = QStringLiteral("src/Module%1/file%2.cpp").arg(i % 5).arg(i);
    if (i % 7)
        f.startLine = 1 + (i * 37) % 400;
    f.endLine = f.startLine;
    f.ruleId = QStringLiteral("rule-%1").arg(i % 11);
    f.cwe = QStringLiteral("CWE-%1").arg(70 + i % 13);
    f.autofixState = i % 4 == 0 ? AutofixState::Cached : AutofixState::None;
    f.isResolved = i % 5 == 0;
    f.isAllowlisted = i % 6 == 0;
    f.priorityLabel = QStringLiteral("P%1").arg(i % 4);
    f.priorityScore = i % 100;
    // Some times share a second (ties), one has none.
    if (i != 3)
        f.updatedAt = nullify::utcFromSecsSinceEpoch(1'700'000'000 + (i * 7919) % 5000);
    f.createdAt = nullify::utcFromSecsSinceEpoch(1'690'000'000 + i);
    return f;
}

QList<Finding> makeFindings(int first, int count)
{
    QList<Finding> list;
    for (int i = first; i < first + count; ++i)
        list.append(makeFinding(i));
    return list;
}

// The source rows a proxy shows, as finding ids, in proxy order.
QStringList shownIds(const QAbstractItemModel& proxy)
{
    QStringList ids;
    for (int row = 0; row < proxy.rowCount(); ++row)
        ids << proxy.index(row, 0).data(FindingsModel::IdRole).toString();
    return ids;
}

// Sort values as QSortFilterProxyModel orders them with FindingsFilterProxy's settings.
int compareSortValues(const QVariant& left, const QVariant& right)
{
    if (left.userType() == QMetaType::QString && right.userType() == QMetaType::QString)
        return QString::compare(left.toString(), right.toString(), Qt::CaseInsensitive);
    const QPartialOrdering order = QVariant::compare(left, right);
    return order == QPartialOrdering::Less ? -1 : order == QPartialOrdering::Greater ? 1 : 0;
}

ScanRun makeRun(int i, ScanStatus status)
{
    ScanRun run;
    run.scanRunId = QStringLiteral("run-%1").arg(i);
    run.status = status;
    run.branch = i % 2 ? QStringLiteral("main") : QStringLiteral("feature/x");
    run.isDefaultBranch = i % 2;
    run.commitHash = QStringLiteral("0123456789abcdef%1").arg(i);
    run.startedAt = nullify::utcFromSecsSinceEpoch(1'700'000'000 + i * 60);
    if (nullify::api::isFinal(status))
        run.completedAt = run.startedAt.addSecs(30);
    run.newFindings = i;
    run.fixedFindings = 2 * i;
    run.liveFindings = 10 + i;
    run.critical = i % 3;
    run.high = i % 5;
    run.medium = 7;
    run.low = 1;
    return run;
}

} // namespace

class TestModels : public QObject
{
    Q_OBJECT

private slots:
    void findingsAppendInPages();
    void findingsRoles();
    void findingsSeverityColourFollowsThePalette();
    void findingsClearAndReset();
    void filterEachKind_data();
    void filterEachKind();
    void filterCombinationsAndSearch();
    void filterFollowsAppends();
    void sortEveryColumn_data();
    void sortEveryColumn();
    void sortTextsLikeCaseInsensitiveCompare();
    void sortStaysSortedWhileRowsArrive();
    void repositoriesModel();
    void scanRunsModel();
    void pentestScansModel();
    void pagerBoundModelsAgainstTheSandbox();

private:
    void checkSorted(const FindingsFilterProxy& proxy, int column, Qt::SortOrder order);
};

void TestModels::findingsAppendInPages()
{
    FindingsModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    for (int page = 0; page < 4; ++page)
        model.append(makeFindings(page * 25, 25));
    model.append({}); // an empty page changes nothing
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(model.columnCount(), int(FindingsModel::ColumnCount));
    QCOMPARE(inserted.count(), 4); // one signal per page, not per row
    QCOMPARE(inserted.at(3).at(1).toInt(), 75);
    QCOMPARE(inserted.at(3).at(2).toInt(), 99);
    QCOMPARE(model.finding(42).id, QStringLiteral("finding-0042"));
    QCOMPARE(model.rowOf(QStringLiteral("finding-0042")), 42);
    QCOMPARE(model.rowOf(QStringLiteral("nope")), -1);
    QCOMPARE(model.repositoryNames().size(), kRepositories.size());
}

void TestModels::findingsRoles()
{
    FindingsModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    model.append(makeFindings(0, 12));
    const auto cell
        = [&model](int row, int column, int role = Qt::DisplayRole) { return model.index(row, column).data(role); };

    // Row 1: Dependencies, Critical, aiTitle set, line 38, open, acme/api.
    QCOMPARE(cell(1, FindingsModel::SeverityColumn).toString(), QStringLiteral("Critical"));
    QCOMPARE(cell(1, FindingsModel::TitleColumn).toString(), QStringLiteral("Readable issue 1"));
    QCOMPARE(cell(0, FindingsModel::TitleColumn).toString(), QStringLiteral("Issue number 0")); // no aiTitle
    QCOMPARE(cell(1, FindingsModel::TypeColumn).toString(), QStringLiteral("Dependency"));
    QCOMPARE(cell(1, FindingsModel::RepositoryColumn).toString(), QStringLiteral("acme/api"));
    QCOMPARE(cell(1, FindingsModel::LocationColumn).toString(), QStringLiteral("src/Module1/file1.cpp:38"));
    QCOMPARE(cell(7, FindingsModel::LocationColumn).toString(), QStringLiteral("src/Module2/file7.cpp")); // no line
    QCOMPARE(cell(1, FindingsModel::StatusColumn).toString(), QStringLiteral("Open"));
    QCOMPARE(cell(5, FindingsModel::StatusColumn).toString(), QStringLiteral("Resolved"));
    QCOMPARE(cell(6, FindingsModel::StatusColumn).toString(), QStringLiteral("Allowlisted"));
    QCOMPARE(cell(0, FindingsModel::StatusColumn).toString(),
             QStringLiteral("Allowlisted")); // both: isResolved includes allowlisted
    QCOMPARE(cell(4, FindingsModel::AutofixColumn).toString(), QStringLiteral("Fix ready"));
    QCOMPARE(cell(1, FindingsModel::AutofixColumn).toString(), QString());
    QVERIFY(!cell(1, FindingsModel::UpdatedColumn).toString().isEmpty());
    QCOMPARE(cell(3, FindingsModel::UpdatedColumn).toString(), QString()); // the server sent no time

    // Sort values: ranks and numbers as numbers, times as QDateTime.
    QCOMPARE(cell(1, FindingsModel::SeverityColumn, FindingsModel::SortRole).userType(), int(QMetaType::Int));
    QCOMPARE(cell(1, FindingsModel::SeverityColumn, FindingsModel::SortRole).toInt(),
             nullify::ui::severityRank(Severity::Critical));
    QCOMPARE(cell(1, FindingsModel::UpdatedColumn, FindingsModel::SortRole).userType(), int(QMetaType::QDateTime));
    QCOMPARE(cell(1, FindingsModel::UpdatedColumn, FindingsModel::SortRole).toDateTime(), makeFinding(1).updatedAt);
    QCOMPARE(cell(5, FindingsModel::StatusColumn, FindingsModel::SortRole).toInt(), int(Status::Resolved));

    // What a details pane needs: the id and the service serving /{service}/findings/{id}.
    QCOMPARE(cell(1, 3, FindingsModel::IdRole).toString(), QStringLiteral("finding-0001"));
    QCOMPARE(cell(0, 0, FindingsModel::ServiceRole).toInt(), int(FindingService::Sast));
    QCOMPARE(cell(0, 0, FindingsModel::ServicePathRole).toString(), QStringLiteral("sast"));
    QCOMPARE(cell(1, 0, FindingsModel::ServicePathRole).toString(), QStringLiteral("sca/dependencies"));
    QCOMPARE(cell(8, 0, FindingsModel::ServiceRole).toInt(), int(FindingService::Scpm));
    QVERIFY(!cell(6, 0, FindingsModel::ServiceRole).isValid()); // bug hunt: no single-finding endpoint
    QCOMPARE(cell(6, 0, FindingsModel::ServicePathRole).toString(), QString());
    QCOMPARE(cell(2, 0, FindingsModel::FindingTypeRole).toInt(), int(FindingType::Containers));
    QCOMPARE(cell(2, 0, FindingsModel::SeverityRole).toInt(), int(Severity::Critical));
    QCOMPARE(cell(5, 0, FindingsModel::StatusRole).toInt(), int(Status::Resolved));
    QCOMPARE(cell(2, 0, FindingsModel::RepositoryRole).toString(), QStringLiteral("acme/web"));
    QCOMPARE(cell(2, 0, FindingsModel::RepositoryIdRole).toString(), QStringLiteral("1001"));
    QCOMPARE(cell(4, 0, FindingsModel::AutofixStateRole).toInt(), int(AutofixState::Cached));

    // Tool tips say more than the cell.
    QVERIFY(cell(1, FindingsModel::SeverityColumn, Qt::ToolTipRole).toString().contains(QStringLiteral("P1")));
    const QString titleTip = cell(1, FindingsModel::TitleColumn, Qt::ToolTipRole).toString();
    QVERIFY2(titleTip.contains(QStringLiteral("Issue number 1")) && titleTip.contains(QStringLiteral("rule-1"))
                 && titleTip.contains(QStringLiteral("CWE-71")),
             qPrintable(titleTip));
    QVERIFY(!cell(1, FindingsModel::UpdatedColumn, Qt::ToolTipRole).toString().isEmpty());

    // Headers, and nothing where nothing belongs.
    QCOMPARE(model.headerData(FindingsModel::LocationColumn, Qt::Horizontal).toString(), QStringLiteral("File:line"));
    QCOMPARE(model.headerData(FindingsModel::SeverityColumn, Qt::Horizontal).toString(), QStringLiteral("Severity"));
    QVERIFY(!cell(1, FindingsModel::TitleColumn, Qt::ForegroundRole).isValid());
    QVERIFY(!model.index(1, 0, model.index(0, 0)).isValid());
    QVERIFY(model.roleNames().contains(FindingsModel::IdRole));
}

void TestModels::findingsSeverityColourFollowsThePalette()
{
    FindingsModel model;
    model.append(makeFindings(0, 12));
    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::Text, Qt::white);

    model.setPalette(light);
    const QModelIndex critical = model.index(1, FindingsModel::SeverityColumn);
    const QColor onLight = critical.data(Qt::ForegroundRole).value<QColor>();
    QVERIFY(onLight.isValid());
    QVERIFY(!critical.data(Qt::DecorationRole).value<QIcon>().isNull());

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setPalette(dark);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().column(), int(FindingsModel::SeverityColumn));
    const QColor onDark = critical.data(Qt::ForegroundRole).value<QColor>();
    QVERIFY(onDark.isValid());
    QVERIFY(onLight != onDark);
    // Readable: darker than the light Base, lighter than the dark one.
    QVERIFY(onLight.lightness() < 128);
    QVERIFY(onDark.lightness() > 128);
    // Severities differ from each other.
    const QColor low = model.index(9, FindingsModel::SeverityColumn).data(Qt::ForegroundRole).value<QColor>();
    QCOMPARE(model.index(9, 0).data(FindingsModel::SeverityRole).toInt(), int(Severity::Low));
    QVERIFY(low != onDark);
}

void TestModels::findingsClearAndReset()
{
    FindingsModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester proxyTester(&proxy, Tester::FailureReportingMode::QtTest);
    model.append(makeFindings(0, 30));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(proxy.rowCount(), 0);
    QVERIFY(model.repositoryNames().isEmpty());

    model.setFindings(makeFindings(100, 40));
    QCOMPARE(reset.count(), 2);
    QCOMPARE(model.rowCount(), 40);
    QCOMPARE(model.finding(0).id, QStringLiteral("finding-0100"));
    QCOMPARE(proxy.rowCount(), 40);
    model.append(makeFindings(140, 10));
    QCOMPARE(proxy.rowCount(), 50);
}

void TestModels::filterEachKind_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<std::function<void(FindingsFilterProxy&)>>("apply");
    QTest::addColumn<std::function<bool(const Finding&)>>("expected");

    using Apply = std::function<void(FindingsFilterProxy&)>;
    using Expect = std::function<bool(const Finding&)>;
    QTest::newRow("one type") << QStringLiteral("type")
                              << Apply([](FindingsFilterProxy& p) { p.setTypes({FindingType::Code}); })
                              << Expect([](const Finding& f) { return f.type == FindingType::Code; });
    QTest::newRow("two types") << QStringLiteral("type") << Apply([](FindingsFilterProxy& p) {
        p.setTypes({FindingType::Pentest, FindingType::SecretsCredentials});
    }) << Expect([](const Finding& f) {
        return f.type == FindingType::Pentest || f.type == FindingType::SecretsCredentials;
    });
    QTest::newRow("severity") << QStringLiteral("severity") << Apply([](FindingsFilterProxy& p) {
        p.setSeverities({Severity::Critical, Severity::Low});
    }) << Expect([](const Finding& f) { return f.severity == Severity::Critical || f.severity == Severity::Low; });
    QTest::newRow("open") << QStringLiteral("status")
                          << Apply([](FindingsFilterProxy& p) { p.setStatuses({Status::Open}); })
                          << Expect([](const Finding& f) { return FindingsModel::statusOf(f) == Status::Open; });
    QTest::newRow("resolved or allowlisted") << QStringLiteral("status") << Apply([](FindingsFilterProxy& p) {
        p.setStatuses({Status::Resolved, Status::Allowlisted});
    }) << Expect([](const Finding& f) { return FindingsModel::statusOf(f) != Status::Open; });
    QTest::newRow("repository") << QStringLiteral("repository") << Apply([](FindingsFilterProxy& p) {
        p.setRepositories({QStringLiteral("acme/web")});
    }) << Expect([](const Finding& f) { return f.repository == QLatin1String("acme/web"); });
    QTest::newRow("unknown repository") << QStringLiteral("repository") << Apply([](FindingsFilterProxy& p) {
        p.setRepositories({QStringLiteral("acme/none")});
    }) << Expect([](const Finding&) { return false; });
    QTest::newRow("search title, any case") << QStringLiteral("search") << Apply([](FindingsFilterProxy& p) {
        p.setSearchText(QStringLiteral("NUMBER 1"));
    }) << Expect([](const Finding& f) { return f.title.contains(QLatin1String("number 1"), Qt::CaseInsensitive); });
    QTest::newRow("search aiTitle") << QStringLiteral("search") << Apply([](FindingsFilterProxy& p) {
        p.setSearchText(QStringLiteral("readable"));
    }) << Expect([](const Finding& f) { return !f.aiTitle.isEmpty(); });
    QTest::newRow("search file") << QStringLiteral("search") << Apply([](FindingsFilterProxy& p) {
        p.setSearchText(QStringLiteral("module3/"));
    }) << Expect([](const Finding& f) { return f.filePath.contains(QLatin1String("Module3/")); });
    QTest::newRow("search repository") << QStringLiteral("search") << Apply([](FindingsFilterProxy& p) {
        p.setSearchText(QStringLiteral("  INFRA "));
    }) << Expect([](const Finding& f) { return f.repository == QLatin1String("acme/infra"); });
    QTest::newRow("search rule") << QStringLiteral("search")
                                 << Apply([](FindingsFilterProxy& p) { p.setSearchText(QStringLiteral("rule-10")); })
                                 << Expect([](const Finding& f) { return f.ruleId == QLatin1String("rule-10"); });
    QTest::newRow("search CWE") << QStringLiteral("search")
                                << Apply([](FindingsFilterProxy& p) { p.setSearchText(QStringLiteral("cwe-82")); })
                                << Expect([](const Finding& f) { return f.cwe == QLatin1String("CWE-82"); });
    QTest::newRow("search never spans fields") << QStringLiteral("search") << Apply([](FindingsFilterProxy& p) {
        p.setSearchText(QStringLiteral(".cpp\nacme"));
    }) << Expect([](const Finding&) { return false; });
    QTest::newRow("search is not a regular expression")
        << QStringLiteral("search") << Apply([](FindingsFilterProxy& p) { p.setSearchText(QStringLiteral("file.*")); })
        << Expect([](const Finding&) { return false; });
}

void TestModels::filterEachKind()
{
    QFETCH(std::function<void(FindingsFilterProxy&)>, apply);
    QFETCH(std::function<bool(const Finding&)>, expected);

    FindingsModel model;
    model.append(makeFindings(0, 120));
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
    QCOMPARE(proxy.rowCount(), 120);

    apply(proxy);
    QStringList want;
    for (const Finding& f : makeFindings(0, 120)) {
        if (expected(f))
            want << f.id;
    }
    QCOMPARE(shownIds(proxy), want);
    QCOMPARE(proxy.isFiltering(), true);

    proxy.clearFilters();
    QCOMPARE(proxy.rowCount(), 120);
    QVERIFY(!proxy.isFiltering());
}

void TestModels::filterCombinationsAndSearch()
{
    FindingsModel model;
    model.append(makeFindings(0, 300));
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
    const QList<Finding> all = makeFindings(0, 300);
    const auto expect = [&all](const std::function<bool(const Finding&)>& keep) {
        QStringList ids;
        for (const Finding& f : all) {
            if (keep(f))
                ids << f.id;
        }
        return ids;
    };

    proxy.setTypes({FindingType::Code, FindingType::Cloud});
    proxy.setSeverities({Severity::High});
    QCOMPARE(shownIds(proxy), expect([](const Finding& f) {
                 return (f.type == FindingType::Code || f.type == FindingType::Cloud) && f.severity == Severity::High;
             }));

    proxy.setStatuses({Status::Open});
    proxy.setRepositories({QStringLiteral("acme/api"), QStringLiteral("acme/infra")});
    proxy.setSearchText(QStringLiteral("module"));
    const QStringList combined = expect([](const Finding& f) {
        return (f.type == FindingType::Code || f.type == FindingType::Cloud) && f.severity == Severity::High
            && FindingsModel::statusOf(f) == Status::Open && f.repository != QLatin1String("acme/web");
    });
    QVERIFY(!combined.isEmpty());
    QCOMPARE(shownIds(proxy), combined);

    // Narrowing the search, then widening a set again.
    proxy.setSearchText(QStringLiteral("file1"));
    QCOMPARE(shownIds(proxy), expect([](const Finding& f) {
                 return (f.type == FindingType::Code || f.type == FindingType::Cloud) && f.severity == Severity::High
                     && FindingsModel::statusOf(f) == Status::Open && f.repository != QLatin1String("acme/web")
                     && f.filePath.contains(QLatin1String("file1"));
             }));
    proxy.setTypes({});
    QCOMPARE(shownIds(proxy), expect([](const Finding& f) {
                 return f.severity == Severity::High && FindingsModel::statusOf(f) == Status::Open
                     && f.repository != QLatin1String("acme/web") && f.filePath.contains(QLatin1String("file1"));
             }));

    // Setting the same filter again does not refilter.
    QSignalSpy layout(&proxy, &QAbstractItemModel::layoutChanged);
    proxy.setSearchText(QStringLiteral("file1"));
    proxy.setSeverities({Severity::High});
    QCOMPARE(layout.count(), 0);

    // Filtered and sorted together.
    proxy.sort(FindingsModel::UpdatedColumn, Qt::DescendingOrder);
    checkSorted(proxy, FindingsModel::UpdatedColumn, Qt::DescendingOrder);
    proxy.setSeverities({Severity::High, Severity::Medium});
    checkSorted(proxy, FindingsModel::UpdatedColumn, Qt::DescendingOrder);
    QVERIFY(proxy.rowCount() > 0);
}

void TestModels::filterFollowsAppends()
{
    FindingsModel model;
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
    proxy.setSeverities({Severity::Critical});
    proxy.setRepositories({QStringLiteral("acme/late")});

    // A repository the model meets only after the filter was set.
    QList<Finding> page = makeFindings(0, 24);
    for (Finding& f : page)
        f.repository = QStringLiteral("acme/late");
    model.append(makeFindings(100, 24));
    QCOMPARE(proxy.rowCount(), 0);
    model.append(page);
    int critical = 0;
    for (const Finding& f : page)
        critical += f.severity == Severity::Critical;
    QVERIFY(critical > 0);
    QCOMPARE(proxy.rowCount(), critical);
}

void TestModels::sortEveryColumn_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<Qt::SortOrder>("order");
    for (int column = 0; column < FindingsModel::ColumnCount; ++column) {
        const QByteArray name = QMetaEnum::fromType<FindingsModel::Column>().valueToKey(column);
        QTest::newRow(name + " ascending") << column << Qt::AscendingOrder;
        QTest::newRow(name + " descending") << column << Qt::DescendingOrder;
    }
}

void TestModels::sortEveryColumn()
{
    QFETCH(int, column);
    QFETCH(Qt::SortOrder, order);
    FindingsModel model;
    model.append(makeFindings(0, 150));
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
    proxy.sort(column, order);
    QCOMPARE(proxy.rowCount(), 150);
    checkSorted(proxy, column, order);

    if (column == FindingsModel::SeverityColumn && order == Qt::DescendingOrder) {
        QCOMPARE(proxy.index(0, 0).data(FindingsModel::SeverityRole).toInt(), int(Severity::Critical));
        QCOMPARE(proxy.index(149, 0).data(FindingsModel::SeverityRole).toInt(), int(Severity::Low));
    }
    if (column == FindingsModel::UpdatedColumn && order == Qt::AscendingOrder)
        QCOMPARE(proxy.index(0, 0).data(FindingsModel::IdRole).toString(), QStringLiteral("finding-0003")); // no time

    // The fast path agrees with the base class's comparison of SortRole values.
    proxy.setSortCaseSensitivity(Qt::CaseSensitive); // turns the fast path off
    proxy.setSortCaseSensitivity(Qt::CaseInsensitive);
    checkSorted(proxy, column, order);
}

void TestModels::sortTextsLikeCaseInsensitiveCompare()
{
    // Accents, case, a character that full case folding would expand (ß), one beyond the BMP, and
    // titles that are prefixes of others: the fast path must order them as QString::compare does.
    const QStringList titles {QStringLiteral("zebra"),
                              QStringLiteral("Éclair"),
                              QStringLiteral("éclair au chocolat"),
                              QStringLiteral("eclair"),
                              QStringLiteral("STRASSE"),
                              QStringLiteral("straße"),
                              QStringLiteral("Straße 2"),
                              QStringLiteral("\U0001F512 locked"),
                              QStringLiteral("\uFB01le"), // the "fi" ligature
                              QStringLiteral("File"),
                              QStringLiteral("a"),
                              QStringLiteral("A"),
                              QStringLiteral("ab"),
                              QString(),
                              QStringLiteral("ΣΊΣΥΦΟΣ"),
                              QStringLiteral("σίσυφος")};
    QList<Finding> findings;
    for (int i = 0; i < titles.size(); ++i) {
        Finding f = makeFinding(i);
        f.aiTitle = titles.at(i);
        f.title = titles.at(i);
        f.filePath = titles.at(i) + QStringLiteral("/x");
        f.repository = titles.at(titles.size() - 1 - i);
        findings.append(f);
    }
    FindingsModel model;
    model.append(findings);
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
    for (const int column :
         {FindingsModel::TitleColumn, FindingsModel::LocationColumn, FindingsModel::RepositoryColumn}) {
        proxy.sort(column, Qt::AscendingOrder);
        checkSorted(proxy, column, Qt::AscendingOrder);
        proxy.sort(column, Qt::DescendingOrder);
        checkSorted(proxy, column, Qt::DescendingOrder);
    }
}

void TestModels::sortStaysSortedWhileRowsArrive()
{
    FindingsModel model;
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
    proxy.sort(FindingsModel::SeverityColumn, Qt::DescendingOrder);
    for (int page = 0; page < 6; ++page)
        model.append(makeFindings(page * 20, 20));
    QCOMPARE(proxy.rowCount(), 120);
    checkSorted(proxy, FindingsModel::SeverityColumn, Qt::DescendingOrder);
    proxy.sort(FindingsModel::LocationColumn, Qt::AscendingOrder);
    model.append(makeFindings(500, 20));
    checkSorted(proxy, FindingsModel::LocationColumn, Qt::AscendingOrder);
}

void TestModels::checkSorted(const FindingsFilterProxy& proxy, int column, Qt::SortOrder order)
{
    for (int row = 1; row < proxy.rowCount(); ++row) {
        const QVariant previous = proxy.index(row - 1, column).data(FindingsModel::SortRole);
        const QVariant current = proxy.index(row, column).data(FindingsModel::SortRole);
        const int cmp = compareSortValues(previous, current);
        QVERIFY2(order == Qt::AscendingOrder ? cmp <= 0 : cmp >= 0,
                 qPrintable(QStringLiteral("rows %1 and %2 out of order: %3 / %4")
                                .arg(row - 1)
                                .arg(row)
                                .arg(previous.toString(), current.toString())));
    }
}

void TestModels::repositoriesModel()
{
    RepositoriesModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QList<nullify::api::Repository> page;
    for (int i = 0; i < 6; ++i) {
        nullify::api::Repository repo;
        repo.id = QString::number(100 + i);
        repo.name = QStringLiteral("acme/repo-%1").arg(i);
        repo.classification = i % 2 ? QStringLiteral("application") : QStringLiteral("library");
        repo.networkExposure = i % 2 ? QStringLiteral("internet_facing") : QStringLiteral("internal");
        repo.technologies = {QStringLiteral("Go"), QStringLiteral("React")};
        repo.isPublic = i == 0;
        page.append(repo);
    }
    // A run known before its repository is listed.
    model.setLatestRun(QStringLiteral("104"), Scanner::Secrets, makeRun(4, ScanStatus::Failed));
    model.append(page.mid(0, 3));
    model.append(page.mid(3));
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.columnCount(), int(RepositoriesModel::ColumnCount));
    QCOMPARE(model.index(1, RepositoriesModel::NameColumn).data().toString(), QStringLiteral("acme/repo-1"));
    QCOMPARE(model.index(1, RepositoriesModel::ClassificationColumn).data().toString(), QStringLiteral("Application"));
    QCOMPARE(model.index(1, RepositoriesModel::ExposureColumn).data().toString(), QStringLiteral("Internet-facing"));
    QCOMPARE(model.index(1, RepositoriesModel::TechnologiesColumn).data().toString(), QStringLiteral("Go, React"));
    QCOMPARE(model.index(1, 0).data(RepositoriesModel::IdRole).toString(), QStringLiteral("101"));
    QVERIFY(model.index(0, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Public")));

    const QModelIndex secrets = model.index(4, RepositoriesModel::columnOf(Scanner::Secrets));
    QCOMPARE(secrets.data().toString(), QStringLiteral("Failed"));
    QCOMPARE(secrets.data(RepositoriesModel::ScanStatusRole).toInt(), int(ScanStatus::Failed));
    QCOMPARE(secrets.data(RepositoriesModel::ScannerRole).toInt(), int(Scanner::Secrets));

    const QModelIndex sast = model.index(2, RepositoriesModel::SastColumn);
    QVERIFY(!sast.data().isValid());
    QCOMPARE(sast.data(RepositoriesModel::SortRole).toLongLong(), -1);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setLatestRun(QStringLiteral("102"), Scanner::Sast, makeRun(2, ScanStatus::Completed));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex(), sast);
    QCOMPARE(sast.data().toString(), QStringLiteral("Completed · 2 critical, 2 high"));
    QVERIFY(sast.data(Qt::ToolTipRole).toString().contains(QStringLiteral("2 new, 4 fixed, 12 live")));
    QCOMPARE(sast.data(RepositoriesModel::ScanRunIdRole).toString(), QStringLiteral("run-2"));
    // More critical sorts above: run 2 (2 critical) > run 4 (1 critical).
    model.setLatestRun(QStringLiteral("104"), Scanner::Sast, makeRun(4, ScanStatus::Completed));
    QVERIFY(sast.data(RepositoriesModel::SortRole).toLongLong()
            > model.index(4, RepositoriesModel::SastColumn).data(RepositoriesModel::SortRole).toLongLong());
    QCOMPARE(model.latestRun(QStringLiteral("102"), Scanner::Sast)->scanRunId, QStringLiteral("run-2"));
    QVERIFY(!model.latestRun(QStringLiteral("102"), Scanner::ScaContainers));

    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(RepositoriesModel::SortRole);
    proxy.sort(RepositoriesModel::SastColumn, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(RepositoriesModel::IdRole).toString(), QStringLiteral("102"));

    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.latestRun(QStringLiteral("102"), Scanner::Sast));
}

void TestModels::scanRunsModel()
{
    ScanRunsModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    model.setRepositoryId(QStringLiteral("100"));
    model.append(Scanner::Sast, {makeRun(1, ScanStatus::Completed), makeRun(2, ScanStatus::InProgress)});
    model.append(Scanner::Secrets, {makeRun(3, ScanStatus::Failed)});
    model.append(Scanner::Sast, {makeRun(4, ScanStatus::Completed)});
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.columnCount(), int(ScanRunsModel::ColumnCount));
    const auto cell
        = [&model](int row, int column, int role = Qt::DisplayRole) { return model.index(row, column).data(role); };
    QCOMPARE(cell(0, ScanRunsModel::ScannerColumn).toString(), QStringLiteral("Code"));
    QCOMPARE(cell(2, ScanRunsModel::ScannerColumn).toString(), QStringLiteral("Secrets"));
    QCOMPARE(cell(1, ScanRunsModel::StatusColumn).toString(), QStringLiteral("In progress"));
    QCOMPARE(cell(1, ScanRunsModel::BranchColumn).toString(), QStringLiteral("feature/x"));
    QCOMPARE(cell(0, ScanRunsModel::BranchColumn, Qt::ToolTipRole).toString(),
             QStringLiteral("main (the default branch)"));
    QCOMPARE(cell(1, ScanRunsModel::CommitColumn).toString(), QStringLiteral("01234567"));
    QCOMPARE(cell(1, ScanRunsModel::CommitColumn, Qt::ToolTipRole).toString(), QStringLiteral("0123456789abcdef2"));
    QCOMPARE(cell(1, ScanRunsModel::CompletedColumn).toString(), QString());
    QCOMPARE(cell(1, ScanRunsModel::CompletedColumn, Qt::ToolTipRole).toString(), QStringLiteral("Not finished"));
    QCOMPARE(cell(0, ScanRunsModel::NewColumn).toInt(), 1);
    QCOMPARE(cell(0, ScanRunsModel::FixedColumn).toInt(), 2);
    QCOMPARE(cell(0, ScanRunsModel::LiveColumn).toInt(), 11);
    QCOMPARE(cell(0, ScanRunsModel::CriticalColumn).toInt(), 1);
    QCOMPARE(cell(0, ScanRunsModel::HighColumn).toInt(), 1);
    QCOMPARE(cell(0, ScanRunsModel::MediumColumn).toInt(), 7);
    QCOMPARE(cell(0, ScanRunsModel::LowColumn).toInt(), 1);
    QCOMPARE(cell(0, ScanRunsModel::StartedColumn, ScanRunsModel::SortRole).userType(), int(QMetaType::QDateTime));
    QCOMPARE(cell(0, ScanRunsModel::LiveColumn, ScanRunsModel::SortRole).userType(), int(QMetaType::Int));
    QCOMPARE(cell(2, 0, ScanRunsModel::ScanStatusRole).toInt(), int(ScanStatus::Failed));
    QCOMPARE(cell(2, 0, ScanRunsModel::IsFinalRole).toBool(), true);
    QCOMPARE(cell(1, 0, ScanRunsModel::IsFinalRole).toBool(), false);
    QCOMPARE(cell(3, 0, ScanRunsModel::ScanRunIdRole).toString(), QStringLiteral("run-4"));
    QCOMPARE(cell(2, 0, ScanRunsModel::ScannerRole).toInt(), int(Scanner::Secrets));

    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(ScanRunsModel::SortRole);
    proxy.sort(ScanRunsModel::StartedColumn, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(ScanRunsModel::ScanRunIdRole).toString(), QStringLiteral("run-4"));
    proxy.sort(ScanRunsModel::LiveColumn, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(ScanRunsModel::ScanRunIdRole).toString(), QStringLiteral("run-1"));

    model.setRepositoryId(QStringLiteral("101")); // another repository: another history
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::pentestScansModel()
{
    PentestScansModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    const auto scan = [](int i, ScanStatus status, int progress) {
        nullify::api::PentestScan s;
        s.id = QStringLiteral("scan-%1").arg(i);
        s.appId = QStringLiteral("app-%1").arg(i % 2);
        s.status = status;
        s.progress = progress;
        s.startTime = nullify::utcFromSecsSinceEpoch(1'700'000'000 + i * 100);
        if (s.isFinal())
            s.endTime = s.startTime.addSecs(50);
        return s;
    };
    model.append({scan(3, ScanStatus::Completed, 100), scan(2, ScanStatus::Failed, 40)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, PentestScansModel::ApplicationColumn).data().toString(), QStringLiteral("app-1"));
    nullify::api::Application app;
    app.id = QStringLiteral("app-1");
    app.name = QStringLiteral("Storefront");
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setApplications({app});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(0, PentestScansModel::ApplicationColumn).data().toString(), QStringLiteral("Storefront"));
    QCOMPARE(model.index(0, PentestScansModel::StatusColumn).data().toString(), QStringLiteral("Completed"));
    QCOMPARE(model.index(1, PentestScansModel::ProgressColumn).data().toString(), QStringLiteral("40%"));
    QCOMPARE(model.index(1, 0).data(PentestScansModel::ProgressRole).toInt(), 40);
    QCOMPARE(model.index(1, PentestScansModel::ProgressColumn).data(PentestScansModel::SortRole).toInt(), 40);
    QVERIFY(!model.index(0, PentestScansModel::FinishedColumn).data().toString().isEmpty());
    QCOMPARE(model.index(0, PentestScansModel::StartedColumn).data(PentestScansModel::SortRole).userType(),
             int(QMetaType::QDateTime));

    // A new scan goes first; its poller's updates change its row in place.
    model.upsert(scan(4, ScanStatus::Queued, 0));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, 0).data(PentestScansModel::IdRole).toString(), QStringLiteral("scan-4"));
    QCOMPARE(model.index(0, 0).data(PentestScansModel::IsFinalRole).toBool(), false);
    model.upsert(scan(4, ScanStatus::InProgress, 55));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, PentestScansModel::ProgressColumn).data().toString(), QStringLiteral("55%"));
    QCOMPARE(model.index(0, PentestScansModel::FinishedColumn).data(Qt::ToolTipRole).toString(),
             QStringLiteral("Not finished"));
    // A page that lists it again updates it, not twice.
    model.append({scan(4, ScanStatus::Completed, 100), scan(1, ScanStatus::Cancelled, 10)});
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.index(0, 0).data(PentestScansModel::ScanStatusRole).toInt(), int(ScanStatus::Completed));
    QCOMPARE(model.rowOf(QStringLiteral("scan-1")), 3);

    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::pagerBoundModelsAgainstTheSandbox()
{
    constexpr int findingCount = 230;
    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = findingCount;
    options.auth.autoApprove = true;
    nullify::test::SandboxHarness sandbox(options);
    QString why;
    QVERIFY2(sandbox.start(&why), qPrintable(why));

    nullify::NetworkAccessManager manager;
    manager.setRetryPolicy(nullify::test::fastRetryPolicy(20ms));
    const auto credentials = sandbox.signIn(&manager, &why);
    QVERIFY2(credentials, qPrintable(why));
    const auto tenant = nullify::session::Tenant::fromInput(sandbox.apiUrl().toString(QUrl::StripTrailingSlash), &why);
    QVERIFY2(tenant, qPrintable(why));
    nullify::api::ApiClient client(&manager);
    nullify::session::Session session(&manager, &client, nullptr); // tokens in memory only
    session.signIn(*tenant, *credentials);
    nullify::api::NullifyApi api(&client);

    // Findings: every page, through the pager, into the model and a filtered, sorted proxy.
    nullify::api::FindingsQuery query;
    query.pageSize = 50;
    auto* pager = nullify::api::makeFindingsPager(&api, query);
    FindingsModel model;
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    model.setPager(pager);
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    Tester proxyTester(&proxy, Tester::FailureReportingMode::QtTest);
    proxy.sort(FindingsModel::SeverityColumn, Qt::DescendingOrder);
    QSignalSpy failed(pager, &nullify::api::Pager::failed);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    while (pager->hasMore()) {
        const int before = model.rowCount();
        pager->loadMore();
        QTRY_VERIFY_WITH_TIMEOUT(!pager->isLoading(), kTimeoutMs);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).value<nullify::api::ApiError>().toString()));
        QVERIFY(model.rowCount() > before);
    }
    QCOMPARE(model.rowCount(), findingCount);
    QCOMPARE(inserted.count(), (findingCount + 49) / 50);
    QCOMPARE(pager->count(), findingCount);
    QSet<QString> ids;
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(model.index(row, 0).data(FindingsModel::IdRole).toString(), pager->items().at(row).id);
        ids.insert(model.finding(row).id);
    }
    QCOMPARE(ids.size(), findingCount);
    checkSorted(proxy, FindingsModel::SeverityColumn, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(FindingsModel::SeverityRole).toInt(), int(Severity::Critical));
    // Every row of a type with a details endpoint names its service.
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex index = model.index(row, 0);
        QCOMPARE(index.data(FindingsModel::ServiceRole).isValid(),
                 nullify::api::serviceFor(model.finding(row).type).has_value());
    }
    proxy.setSearchText(model.finding(0).repository.toUpper());
    QVERIFY(proxy.rowCount() > 0 && proxy.rowCount() < findingCount);
    model.append(makeFindings(0, 1)); // the pager owns the list: ignored
    QCOMPARE(model.rowCount(), findingCount);

    // reset() clears the model; the first page comes again.
    pager->reset();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(proxy.rowCount(), 0);
    pager->loadMore();
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 50, kTimeoutMs);
    // A pager deleted under the model leaves it empty, not dangling.
    delete pager;
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pager(), nullptr);

    // Repositories, their scan runs and the pentest scans, from their pagers.
    std::unique_ptr<nullify::api::RepositoryPager> repositories(nullify::api::makeRepositoryPager(&api, 20));
    RepositoriesModel repositoriesModel;
    Tester repositoriesTester(&repositoriesModel, Tester::FailureReportingMode::QtTest);
    repositoriesModel.setPager(repositories.get());
    repositories->loadMore();
    QTRY_VERIFY_WITH_TIMEOUT(repositoriesModel.rowCount() > 0, kTimeoutMs);
    QCOMPARE(repositoriesModel.rowCount(), repositories->count());
    const QString repositoryId = repositoriesModel.repository(0).id;

    nullify::api::ScanRunQuery runsQuery;
    runsQuery.repositoryId = repositoryId;
    runsQuery.limit = 5;
    ScanRunsModel runsModel;
    Tester runsTester(&runsModel, Tester::FailureReportingMode::QtTest);
    runsModel.setRepositoryId(repositoryId);
    std::unique_ptr<nullify::api::ScanRunPager> sastRuns(nullify::api::makeScanRunPager(&api, runsQuery));
    runsQuery.scanner = Scanner::Secrets;
    std::unique_ptr<nullify::api::ScanRunPager> secretRuns(nullify::api::makeScanRunPager(&api, runsQuery));
    runsModel.addPager(sastRuns.get(), Scanner::Sast);
    runsModel.addPager(secretRuns.get(), Scanner::Secrets);
    sastRuns->loadMore();
    secretRuns->loadMore();
    QTRY_VERIFY_WITH_TIMEOUT(!sastRuns->isLoading() && !secretRuns->isLoading(), kTimeoutMs);
    QCOMPARE(runsModel.rowCount(), sastRuns->count() + secretRuns->count());
    if (sastRuns->count() > 0) {
        repositoriesModel.setLatestRun(repositoryId, Scanner::Sast, sastRuns->items().first());
        QVERIFY(!repositoriesModel.index(0, RepositoriesModel::SastColumn).data().toString().isEmpty());
    }
    const int secretCount = secretRuns->count();
    sastRuns->reset(); // that scanner's rows go, the other's stay
    QCOMPARE(runsModel.rowCount(), secretCount);

    std::unique_ptr<nullify::api::PentestScanPager> pentests(nullify::api::makePentestScanPager(&api, 10));
    PentestScansModel pentestModel;
    Tester pentestTester(&pentestModel, Tester::FailureReportingMode::QtTest);
    pentestModel.setPager(pentests.get());
    pentests->loadMore();
    QTRY_VERIFY_WITH_TIMEOUT(!pentests->isLoading(), kTimeoutMs);
    QCOMPARE(pentestModel.rowCount(), pentests->count());
}

QTEST_MAIN(TestModels)
#include "tst_models.moc"
