// Benchmarks for the findings list at scale, all in one run: 100,000 findings from the in-process
// sandbox (nullify::sandbox with findingCount = 100000, its real JSON pages decoded by the app's
// decoder once, before anything is timed), shown in a QTableView (offscreen) through
//   ours      FindingsModel + FindingsFilterProxy (ui/models), and
//   baseline  QStandardItemModel + QSortFilterProxyModel holding the same texts and sort values,
// each timed for: load (append every page with the view attached, then lay out and paint), sort
// by severity, sort by updated, filter by search text, filter by severity. Each run builds both
// anew; the figures are medians over the runs, and ours / baseline ratios of those medians.
// Not a test: it prints figures. --check turns wrong results (row counts, filter counts, order)
// and, in a full run, figures far over their targets into a failing exit code.

#include "benchfigure.h"
#include "displaytext.h"
#include "findingsfilterproxy.h"
#include "findingsmodel.h"
#include "sandboxhttp.h"
#include "tenantapi.h"
#include "types.h"
#include "utctime.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <vector>

using nullify::api::Finding;
using nullify::api::Severity;
using nullify::ui::FindingsFilterProxy;
using nullify::ui::FindingsModel;

namespace {

struct Options
{
    bool quick = false;
    bool check = false;
    int findings = 100'000;
    int runs = 7;
    int pageSize = 100; // the sandbox's largest page
    QString search = QStringLiteral("sql");
    bool baseline = true;
    bool breakdown = false;
};

bool parseOptions(const QApplication& app, Options& options)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Findings list benchmarks: model, sort, filter (ui/models)."));
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"),
                                   QStringLiteral("Tiny counts: a smoke run that only proves the benchmark works."));
    const QCommandLineOption check(QStringLiteral("check"),
                                   QStringLiteral("Exit 1 when a result is wrong or wildly off."));
    const QCommandLineOption findings(
        QStringLiteral("findings"), QStringLiteral("How many findings (default 100000)."), QStringLiteral("n"));
    const QCommandLineOption runs(QStringLiteral("runs"), QStringLiteral("Runs (default 7)."), QStringLiteral("n"));
    const QCommandLineOption search(
        QStringLiteral("search"), QStringLiteral("The search text (default \"sql\")."), QStringLiteral("text"));
    const QCommandLineOption noBaseline(QStringLiteral("no-baseline"),
                                        QStringLiteral("Skip the QStandardItemModel baseline (for profiling)."));
    const QCommandLineOption breakdown(
        QStringLiteral("breakdown"),
        QStringLiteral("Also time our load without the view and without the proxy (where the time goes)."));
    parser.addOptions({quick, check, findings, runs, search, noBaseline, breakdown});
    parser.process(app);
    options.quick = parser.isSet(quick);
    options.check = parser.isSet(check);
    if (options.quick) {
        options.findings = 2'000;
        options.runs = 2;
    }
    if (!nullify::bench::readCount(parser, findings, options.findings)
        || !nullify::bench::readCount(parser, runs, options.runs))
        return false;
    if (parser.isSet(search))
        options.search = parser.value(search);
    options.baseline = !parser.isSet(noBaseline);
    options.breakdown = parser.isSet(breakdown);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Reporting: a readable table plus one machine-readable line per figure.

struct Verdict
{
    bool failed = false;
    QStringList reasons;
    void fail(const QString& reason)
    {
        failed = true;
        reasons << reason;
    }
};

using nullify::bench::figure;

void say(const QString& text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

double median(std::vector<double> values)
{
    if (values.empty())
        return std::nan("");
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// ---------------------------------------------------------------------------------------------
// The data: the sandbox's seeded tenant, its POST /admin/findings pages rendered by its own route
// handler (no socket: the JSON is the same, the sockets are not what is measured here) and decoded
// by the app's decoder.

std::optional<QList<QList<Finding>>> loadPages(const Options& options, QString* why)
{
    nullify::sandbox::TenantOptions tenantOptions;
    tenantOptions.seed = 1;
    tenantOptions.findingCount = options.findings;
    tenantOptions.referenceTime = nullify::utcDateTime(QDate(2025, 6, 1), QTime(0, 0)); // the same tenant every day
    nullify::sandbox::TenantApi tenant(tenantOptions);
    nullify::sandbox::Router router;
    tenant.registerRoutes(router);

    QList<QList<Finding>> pages;
    qsizetype total = 0;
    for (int page = 1;; ++page) {
        nullify::sandbox::SandboxRequest request;
        request.method = "POST";
        request.path = QStringLiteral("/admin/findings");
        request.body = QJsonDocument(QJsonObject {{QStringLiteral("query"),
                                                   QJsonObject {{QStringLiteral("page"), page},
                                                                {QStringLiteral("pageSize"), options.pageSize}}}})
                           .toJson(QJsonDocument::Compact);
        const auto response = router.dispatch(request);
        if (!response || response->status != 200) {
            *why = QStringLiteral("page %1: HTTP %2 %3")
                       .arg(page)
                       .arg(response ? response->status : 404)
                       .arg(response ? QString::fromUtf8(response->body) : QString());
            return std::nullopt;
        }
        const auto decoded = nullify::api::decodeFindingsPage(response->body);
        if (!decoded) {
            *why = QStringLiteral("page %1: %2").arg(page).arg(decoded.error().toString());
            return std::nullopt;
        }
        total += decoded.value().items.size();
        if (!decoded.value().items.isEmpty())
            pages.append(decoded.value().items);
        if (!decoded.value().hasMoreData.value_or(false))
            break;
    }
    if (total != options.findings) {
        *why = QStringLiteral("the sandbox sent %1 findings, not %2").arg(total).arg(options.findings);
        return std::nullopt;
    }
    return pages;
}

// ---------------------------------------------------------------------------------------------
// One list under test: a model behind a proxy behind a visible table.

QTableView* makeView(QAbstractItemModel* model)
{
    auto* view = new QTableView;
    view->setModel(model);
    view->setSortingEnabled(false); // sorting is started by the benchmark, not by the header
    view->resize(1280, 800);
    view->show();
    QCoreApplication::processEvents();
    return view;
}

// What a user would wait for: the posted events handled, the rows laid out and the viewport painted.
void settle(QTableView* view)
{
    QCoreApplication::sendPostedEvents();
    view->doItemsLayout();
    view->viewport()->repaint();
    QCoreApplication::sendPostedEvents();
}

double timed(const std::function<void()>& step)
{
    QElapsedTimer timer;
    timer.start();
    step();
    return timer.nsecsElapsed() / 1e6;
}

struct Timings
{
    std::vector<double> load, sortSeverity, sortUpdated, filterSearch, filterSeverity;
};

struct Results
{
    int rows = -1;
    int searchRows = -1;
    int severityRows = -1;
    bool severityOrderOk = false;
    bool updatedOrderOk = false;
};

// Whether the view's rows are ordered by a sort key, descending.
bool descendingBy(const QAbstractItemModel& proxy, int column, int role)
{
    for (int row = 1; row < proxy.rowCount(); ++row) {
        const QVariant previous = proxy.index(row - 1, column).data(role);
        const QVariant current = proxy.index(row, column).data(role);
        if (QVariant::compare(previous, current) == QPartialOrdering::Less)
            return false;
    }
    return true;
}

void runOurs(const QList<QList<Finding>>& pages, const Options& options, Timings& timings, Results& results)
{
    FindingsModel model;
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    std::unique_ptr<QTableView> view(makeView(&proxy));

    timings.load.push_back(timed([&] {
        for (const QList<Finding>& page : pages)
            model.append(page);
        settle(view.get());
    }));
    results.rows = proxy.rowCount();
    timings.sortSeverity.push_back(timed([&] {
        proxy.sort(FindingsModel::SeverityColumn, Qt::DescendingOrder);
        settle(view.get());
    }));
    results.severityOrderOk = descendingBy(proxy, FindingsModel::SeverityColumn, FindingsModel::SortRole);
    timings.sortUpdated.push_back(timed([&] {
        proxy.sort(FindingsModel::UpdatedColumn, Qt::DescendingOrder);
        settle(view.get());
    }));
    results.updatedOrderOk = descendingBy(proxy, FindingsModel::UpdatedColumn, FindingsModel::SortRole);
    timings.filterSearch.push_back(timed([&] {
        proxy.setSearchText(options.search);
        settle(view.get());
    }));
    results.searchRows = proxy.rowCount();
    proxy.setSearchText(QString());
    settle(view.get());
    timings.filterSeverity.push_back(timed([&] {
        proxy.setSeverities({Severity::Critical});
        settle(view.get());
    }));
    results.severityRows = proxy.rowCount();
}

// Our load alone (model only, model + proxy) and copying the pages alone, for --breakdown.
void runBreakdown(const QList<QList<Finding>>& pages)
{
    const double copying = timed([&] {
        QList<Finding> all;
        for (const QList<Finding>& page : pages)
            all.append(page);
    });
    FindingsModel bare;
    const double modelOnly = timed([&] {
        for (const QList<Finding>& page : pages)
            bare.append(page);
    });
    FindingsModel model;
    FindingsFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.rowCount(); // the mapping exists, as it does under a view
    const double withProxy = timed([&] {
        for (const QList<Finding>& page : pages)
            model.append(page);
    });
    say(QStringLiteral("breakdown: copying the findings %1 ms, model only %2 ms, model + proxy %3 ms")
            .arg(copying, 0, 'f', 1)
            .arg(modelOnly, 0, 'f', 1)
            .arg(withProxy, 0, 'f', 1));
}

// The baseline holds what our model shows, as items: the display text and the sort value.
QList<QStandardItem*> itemsFor(const Finding& f)
{
    const auto item = [](const QString& text, const QVariant& sortValue) {
        auto* it = new QStandardItem(text);
        it->setData(sortValue, FindingsModel::SortRole);
        return it;
    };
    const QString location = FindingsModel::locationOf(f);
    const QString status = FindingsModel::statusText(FindingsModel::statusOf(f));
    const QString type = nullify::ui::DisplayText::findingType(f.type, f.typeText);
    const QString autofix = nullify::ui::DisplayText::autofixState(f.autofixState);
    return {item(nullify::ui::DisplayText::severity(f.severity, f.severityText), nullify::ui::severityRank(f.severity)),
            item(FindingsModel::titleOf(f), FindingsModel::titleOf(f)),
            item(type, type),
            item(f.repository, f.repository),
            item(location, location),
            item(status, int(FindingsModel::statusOf(f))),
            item(autofix, autofix),
            item(nullify::ui::DisplayText::dateTime(f.updatedAt), f.updatedAt)};
}

void runBaseline(const QList<QList<Finding>>& pages, const Options& options, Timings& timings, Results& results)
{
    QStandardItemModel model(0, FindingsModel::ColumnCount);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(FindingsModel::SortRole);
    proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy.setSortCaseSensitivity(Qt::CaseInsensitive);
    std::unique_ptr<QTableView> view(makeView(&proxy));

    timings.load.push_back(timed([&] {
        for (const QList<Finding>& page : pages) {
            for (const Finding& f : page)
                model.appendRow(itemsFor(f));
        }
        settle(view.get());
    }));
    results.rows = proxy.rowCount();
    timings.sortSeverity.push_back(timed([&] {
        proxy.sort(FindingsModel::SeverityColumn, Qt::DescendingOrder);
        settle(view.get());
    }));
    timings.sortUpdated.push_back(timed([&] {
        proxy.sort(FindingsModel::UpdatedColumn, Qt::DescendingOrder);
        settle(view.get());
    }));
    // The stock way to search a table: a fixed string over every column's text.
    timings.filterSearch.push_back(timed([&] {
        proxy.setFilterKeyColumn(-1);
        proxy.setFilterFixedString(options.search);
        settle(view.get());
    }));
    results.searchRows = proxy.rowCount();
    proxy.setFilterFixedString(QString());
    settle(view.get());
    const QString critical = nullify::ui::DisplayText::severity(Severity::Critical);
    timings.filterSeverity.push_back(timed([&] {
        proxy.setFilterKeyColumn(FindingsModel::SeverityColumn);
        proxy.setFilterRegularExpression(
            QRegularExpression(QLatin1Char('^') + QRegularExpression::escape(critical) + QLatin1Char('$')));
        settle(view.get());
    }));
    results.severityRows = proxy.rowCount();
}

} // namespace

int main(int argc, char** argv)
{
    // Offscreen unless told otherwise: the figures must not depend on a display server.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench_ui"));
    Options options;
    if (!parseOptions(app, options))
        return 2;
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.debug=false"));

    say(QStringLiteral("bench_ui: Qt %1 (runtime %2), %3 build, platform %4, %5 findings, %6 runs%7")
            .arg(QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion()))
#ifdef NDEBUG
            .arg(QStringLiteral("optimised"))
#else
            .arg(QStringLiteral("UNOPTIMISED (assertions on; figures are not representative)"))
#endif
            .arg(QGuiApplication::platformName())
            .arg(options.findings)
            .arg(options.runs)
            .arg(options.quick ? QStringLiteral(", quick smoke run") : QString()));

    QString why;
    QElapsedTimer preparing;
    preparing.start();
    const auto pages = loadPages(options, &why);
    if (!pages) {
        say(QStringLiteral("could not get the findings from the sandbox: %1").arg(why));
        return 2;
    }
    say(QStringLiteral("decoded %1 pages of up to %2 findings from the sandbox in %3 ms (not timed below)")
            .arg(pages->size())
            .arg(options.pageSize)
            .arg(preparing.elapsed()));

    // What the filters must find, counted straight from the data.
    int expectedSearch = 0;
    int expectedCritical = 0;
    const QString needle = options.search.trimmed().toLower();
    for (const QList<Finding>& page : *pages) {
        for (const Finding& f : page) {
            expectedCritical += f.severity == Severity::Critical;
            for (const QString* field : {&f.title, &f.aiTitle, &f.filePath, &f.repository, &f.ruleId, &f.cwe}) {
                if (field->toLower().contains(needle)) {
                    ++expectedSearch;
                    break;
                }
            }
        }
    }

    Timings ours;
    Timings baseline;
    Results oursResults;
    Results baselineResults;
    for (int run = 0; run < options.runs; ++run) {
        // Alternate which goes first, so neither always gets the warmer caches.
        if (run % 2 == 0)
            runOurs(*pages, options, ours, oursResults);
        if (options.baseline)
            runBaseline(*pages, options, baseline, baselineResults);
        if (run % 2 == 1)
            runOurs(*pages, options, ours, oursResults);
        if (options.breakdown)
            runBreakdown(*pages);
        say(QStringLiteral("run %1: ours load %2 ms, sort %3 / %4 ms, filter %5 / %6 ms")
                .arg(run + 1)
                .arg(ours.load.back(), 0, 'f', 1)
                .arg(ours.sortSeverity.back(), 0, 'f', 1)
                .arg(ours.sortUpdated.back(), 0, 'f', 1)
                .arg(ours.filterSearch.back(), 0, 'f', 1)
                .arg(ours.filterSeverity.back(), 0, 'f', 1));
    }

    Verdict verdict;
    say(QString());
    say(QStringLiteral("%1 findings, medians of %2 runs (ms)").arg(options.findings).arg(options.runs));
    say(QStringLiteral("%1 %2 %3 %4 %5")
            .arg(QStringLiteral("step"), -18)
            .arg(QStringLiteral("ours"), 10)
            .arg(QStringLiteral("baseline"), 10)
            .arg(QStringLiteral("ratio"), 8)
            .arg(QStringLiteral("target"), 8));
    struct Step
    {
        const char* name;
        std::vector<double> Timings::*values;
        double targetMs;
    };
    const Step steps[] = {{"load", &Timings::load, 300},
                          {"sort_severity", &Timings::sortSeverity, 300},
                          {"sort_updated", &Timings::sortUpdated, 300},
                          {"filter_search", &Timings::filterSearch, 100},
                          {"filter_severity", &Timings::filterSeverity, 100}};
    for (const Step& step : steps) {
        const double mine = median(ours.*step.values);
        const double base = median(baseline.*step.values);
        const double ratio = mine / base;
        const QString name = QStringLiteral("ui.%1").arg(QLatin1String(step.name));
        const QString target = QStringLiteral("<=%1").arg(step.targetMs);
        say(QStringLiteral("%1 %2 %3 %4 %5")
                .arg(QLatin1String(step.name), -18)
                .arg(mine, 10, 'f', 1)
                .arg(base, 10, 'f', 1)
                .arg(ratio, 8, 'f', 3)
                .arg(target, 8));
        figure(name + QStringLiteral(".ms"), mine, QStringLiteral("ms"), target, mine <= step.targetMs ? 1 : 0);
        figure(name + QStringLiteral(".baseline_ms"), base, QStringLiteral("ms"));
        figure(name + QStringLiteral(".ratio"), ratio, QStringLiteral("ratio"));
        // Timing is judged only in a full run, and only when far off: the machine is shared.
        if (!options.quick && mine > 3 * step.targetMs)
            verdict.fail(QStringLiteral("%1: %2 ms, more than 3x its target").arg(name).arg(mine, 0, 'f', 1));
    }
    figure(QStringLiteral("ui.rows"), oursResults.rows, QStringLiteral("rows"));
    figure(QStringLiteral("ui.filter_search.rows"), oursResults.searchRows, QStringLiteral("rows"));
    figure(QStringLiteral("ui.filter_severity.rows"), oursResults.severityRows, QStringLiteral("rows"));
    if (options.baseline) {
        say(QStringLiteral("rows shown: search \"%1\" ours %2, baseline %3 (it searches the visible columns, not rules "
                           "or CWEs); critical ours %4, baseline %5")
                .arg(options.search)
                .arg(oursResults.searchRows)
                .arg(baselineResults.searchRows)
                .arg(oursResults.severityRows)
                .arg(baselineResults.severityRows));
    }

    // Results, always judged.
    if (oursResults.rows != options.findings)
        verdict.fail(QStringLiteral("the model shows %1 rows, not %2").arg(oursResults.rows).arg(options.findings));
    if (oursResults.searchRows != expectedSearch)
        verdict.fail(QStringLiteral("search shows %1 rows, not %2").arg(oursResults.searchRows).arg(expectedSearch));
    if (oursResults.severityRows != expectedCritical)
        verdict.fail(QStringLiteral("severity filter shows %1 rows, not %2")
                         .arg(oursResults.severityRows)
                         .arg(expectedCritical));
    if (!oursResults.severityOrderOk)
        verdict.fail(QStringLiteral("not sorted by severity"));
    if (!oursResults.updatedOrderOk)
        verdict.fail(QStringLiteral("not sorted by updated"));
    if (options.baseline && baselineResults.severityRows != expectedCritical)
        verdict.fail(QStringLiteral("the baseline's severity filter shows %1 rows, not %2")
                         .arg(baselineResults.severityRows)
                         .arg(expectedCritical));

    say(QString());
    if (verdict.failed) {
        for (const QString& reason : std::as_const(verdict.reasons))
            say(QStringLiteral("WRONG OR WILDLY OFF: %1").arg(reason));
    } else {
        say(QStringLiteral("every result is right; no figure is wildly off"));
    }
    return options.check && verdict.failed ? 1 : 0;
}
