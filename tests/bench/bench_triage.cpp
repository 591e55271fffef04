// Benchmark: a bulk allowlist of many selected rows on the Findings page (issue 17's target: 1,000
// selected rows send the batch endpoint, not 1,000 calls, and the UI thread never stalls > 16 ms).
//
// The app's own stack over loopback (manager, API client, session) signed in to an in-process
// sandbox; a FindingsView (offscreen) lists open code findings and loads pages until it holds the
// rows; they are selected in one go, and the allowlist dialog is filled and submitted as a user
// would. Measured from the submit to the panel's writesFinished: the wall time, the longest gap
// between two turns of the event loop (a 0 ms timer that notes each time it runs: the longest time
// the UI could not react), and the requests the sandbox received (its request log).
// Not a test: it prints figures. --check turns a wrong result (calls, rows not updated) and, in a
// full run, a stall over the target into a failing exit code.

#include "benchfigure.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "sandboxharness.h"
#include "sandboxserver.h"
#include "signedinstack.h"
#include "triagedialog.h"
#include "triagepanel.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QLoggingCategory>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include <cstdio>

using nullify::ui::FindingsModel;
using nullify::ui::FindingsView;

namespace {

void say(const QString& text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

// The longest time between two runs of a 0 ms timer while it is on.
class StallMeter : public QObject
{
public:
    StallMeter()
    {
        m_timer.setInterval(0);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            if (now - m_lastNs > m_longestNs) {
                m_longestNs = now - m_lastNs;
                m_longestAtNs = m_lastNs;
            }
            m_lastNs = now;
        });
    }
    void start()
    {
        m_longestNs = 0;
        m_clock.start();
        m_lastNs = 0;
        m_timer.start();
    }
    double stopMs()
    {
        m_timer.stop();
        m_longestNs = std::max(m_longestNs, m_clock.nsecsElapsed() - m_lastNs);
        return double(m_longestNs) / 1e6;
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    qint64 m_longestNs = 0;
    qint64 m_longestAtNs = 0;

public:
    double longestAtMs() const { return double(m_longestAtNs) / 1e6; }
};

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench_triage"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption quickOption(QStringLiteral("quick"), QStringLiteral("100 rows: a smoke run"));
    const QCommandLineOption checkOption(QStringLiteral("check"),
                                         QStringLiteral("exit 1 on a wrong result or a stall"));
    const QCommandLineOption rowsOption(
        QStringLiteral("rows"), QStringLiteral("rows to select (default 1000)"), QStringLiteral("n"));
    parser.addOptions({quickOption, checkOption, rowsOption});
    parser.process(app);
    int rows = parser.isSet(quickOption) ? 100 : 1000;
    if (!nullify::bench::readCount(parser, rowsOption, rows))
        return 2;
    const bool check = parser.isSet(checkOption);
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.debug=false\nnullify.*.info=false"));

    nullify::sandbox::ServerOptions options;
    options.tenant.findingCount = std::max(4000, rows * 12); // code findings are about one in six
    options.auth.autoApprove = true;
    // The sandbox on a thread of its own: the UI thread's figures are the app's work only.
    QThread serverThread;
    auto server = std::make_unique<nullify::sandbox::SandboxServer>(options);
    server->moveToThread(&serverThread);
    serverThread.start();
    const auto stopServer = qScopeGuard([&] {
        QMetaObject::invokeMethod(
            server.get(), [&server] { server.reset(); }, Qt::BlockingQueuedConnection);
        serverThread.quit();
        serverThread.wait();
    });
    QString why;
    bool started = false;
    QMetaObject::invokeMethod(
        server.get(), [&] { started = server->start(&why); }, Qt::BlockingQueuedConnection);
    if (!started) {
        say(QStringLiteral("could not start the sandbox: %1").arg(why));
        return 2;
    }
    const QUrl apiUrl(QStringLiteral("http://127.0.0.1:%1").arg(server->apiPort()));
    const QUrl controlUrl(QStringLiteral("http://127.0.0.1:%1").arg(server->controlPort()));
    nullify::test::SignedInStack stack;
    if (!stack.signInTo(std::make_unique<nullify::test::SandboxHarness>(apiUrl, controlUrl), &why)) {
        say(QStringLiteral("could not sign in to the sandbox: %1").arg(why));
        return 2;
    }
    FindingsView view(nullify::ui::ViewContext {stack.api.get(), stack.tracker.get(), stack.connection.get()});
    view.resize(1300, 800);
    view.show();
    view.activate();
    const auto settled
        = [&view] { return view.pager() && view.pager()->pagesLoaded() > 0 && !view.pager()->isLoading(); };
    if (!QTest::qWaitFor(settled, 30'000)) {
        say(QStringLiteral("the first page did not come"));
        return 2;
    }
    view.typeFilter()->setCurrentIndex(view.typeFilter()->findData(int(nullify::api::FindingType::Code)));
    if (!QTest::qWaitFor([&] { return settled() && !view.query().types.isEmpty(); }, 30'000)) {
        say(QStringLiteral("the code findings did not come"));
        return 2;
    }
    while (view.findingsModel()->count() < rows && view.pager()->hasMore()) {
        const int before = view.pager()->pagesLoaded();
        view.pager()->loadMore();
        if (!QTest::qWaitFor([&] { return view.pager()->pagesLoaded() > before && !view.pager()->isLoading(); },
                             30'000)) {
            say(QStringLiteral("page %1 did not come").arg(before + 1));
            return 2;
        }
    }
    if (view.findingsModel()->count() < rows) {
        say(QStringLiteral("only %1 open code findings; asked for %2").arg(view.findingsModel()->count()).arg(rows));
        return 2;
    }

    QTableView* table = view.findingsTable();
    QItemSelectionModel* selection = table->selectionModel();
    QElapsedTimer selecting;
    selecting.start();
    selection->setCurrentIndex(table->model()->index(0, 0), QItemSelectionModel::NoUpdate);
    selection->select(
        QItemSelection(table->model()->index(0, 0), table->model()->index(rows - 1, FindingsModel::ColumnCount - 1)),
        QItemSelectionModel::ClearAndSelect);
    const double selectMs = double(selecting.nsecsElapsed()) / 1e6;
    nullify::ui::TriagePanel* panel = view.triagePanel();
    if (!panel->allowlistAction()->isEnabled()) {
        say(QStringLiteral("the allowlist action is off for the selection"));
        return 2;
    }
    panel->allowlistAction()->trigger();
    auto* dialog = qobject_cast<nullify::ui::AllowlistDialog*>(panel->activeDialog());
    if (!dialog) {
        say(QStringLiteral("no allowlist dialog"));
        return 2;
    }
    dialog->reasonEdit()->setPlainText(QStringLiteral("Benchmark: generated code"));
    if (!stack.sandbox->resetLog()) {
        say(stack.sandbox->lastError());
        return 2;
    }

    bool finished = false;
    bool ok = false;
    QObject::connect(panel, &nullify::ui::TriagePanel::writesFinished, &app, [&](bool result) {
        finished = true;
        ok = result;
    });
    StallMeter stalls;
    QElapsedTimer clock;
    stalls.start();
    clock.start();
    dialog->submitButton()->click();
    const bool answered = QTest::qWaitFor([&] { return finished; }, 60'000);
    const double totalMs = double(clock.nsecsElapsed()) / 1e6;
    QTest::qWait(50); // the repaint of the rows that changed, still under the meter
    const double stallMs = stalls.stopMs();
    say(QStringLiteral("the longest stall began %1 ms after the submit").arg(stalls.longestAtMs(), 0, 'f', 1));

    const QList<QJsonObject> log = stack.sandbox->requestLog();
    int batchCalls = 0;
    int singleCalls = 0;
    for (const QJsonObject& entry : log) {
        const QString path = entry.value(QStringLiteral("path")).toString();
        if (entry.value(QStringLiteral("method")).toString() != QLatin1String("POST"))
            continue;
        if (path == QLatin1String("/sast/findings/allowlist"))
            ++batchCalls;
        else if (path.endsWith(QLatin1String("/allowlist")))
            ++singleCalls;
    }
    int updated = 0;
    for (int row = 0; row < rows; ++row)
        updated += FindingsModel::statusOf(view.findingsModel()->finding(row)) == FindingsModel::Status::Allowlisted;

    say(QStringLiteral("bench_triage: Qt %1, %2 rows selected in %3 ms")
            .arg(QString::fromLatin1(qVersion()))
            .arg(rows)
            .arg(selectMs, 0, 'f', 1));
    nullify::bench::figure(QStringLiteral("triage.bulk.rows"), rows, QStringLiteral("rows"));
    nullify::bench::figure(QStringLiteral("triage.bulk.batchCalls"),
                           batchCalls,
                           QStringLiteral("calls"),
                           QStringLiteral("==1"),
                           batchCalls == 1);
    nullify::bench::figure(QStringLiteral("triage.bulk.singleCalls"),
                           singleCalls,
                           QStringLiteral("calls"),
                           QStringLiteral("==0"),
                           singleCalls == 0);
    nullify::bench::figure(QStringLiteral("triage.bulk.rowsUpdated"),
                           updated,
                           QStringLiteral("rows"),
                           QStringLiteral("==%1").arg(rows),
                           updated == rows);
    nullify::bench::figure(QStringLiteral("triage.bulk.total.ms"), totalMs, QStringLiteral("ms"));
    nullify::bench::figure(QStringLiteral("triage.bulk.longestStall.ms"),
                           stallMs,
                           QStringLiteral("ms"),
                           QStringLiteral("<=16"),
                           stallMs <= 16.0);

    const bool right = answered && ok && batchCalls == 1 && singleCalls == 0 && updated == rows;
    if (check && !right) {
        say(QStringLiteral("wrong result"));
        return 1;
    }
    // A smoke run proves it works, not that it is fast (sanitizers, a loaded CI machine).
    if (check && !parser.isSet(quickOption) && stallMs > 16.0 * 4) {
        say(QStringLiteral("the UI stalled %1 ms").arg(stallMs));
        return 1;
    }
    return 0;
}
