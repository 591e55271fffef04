// Findings at scale through the server's sort (issue 17's target): a tenant of 100,000 findings in
// a nullify-sandbox child process (so its sorting is not on this process's UI thread), the real
// FindingsView (offscreen) signed in through the app's stack, and the order changed the way a user
// changes it (the bar's order). For each change it times, on the UI thread:
//   answer-to-shown  from the POST /admin/findings answer's arrival (the manager's finished(),
//                    before the API client decodes it) to the end of the table's first paint of
//                    the new page 1;
//   stall            the longest lateness of a 1 ms PreciseTimer while that happens (from the
//                    answer to the paint), i.e. the longest the UI thread did not get to its
//                    event loop; and the same from the click to the answer (sending, waiting);
//   busy             the UI thread's CPU time from the answer to the paint (CLOCK_THREAD_CPUTIME_ID):
//                    an upper bound of the longest stall our own work causes, which a loaded
//                    machine (a wall-clock stall includes being descheduled) does not inflate.
// One warm-up change of each order comes first, not counted (first icons, fonts, caches).
// Ours: "Most severe first" (sortPreset severity_desc). Baseline, alternating in the same run:
// "Newest first" (created_at_desc, the server's stored order), the same path without a sort.
// Prints BENCH lines; --check fails on a wrong first page (not the server's severity order) and,
// in a full run, on a median answer-to-shown over 300 ms or a stall over 16 ms.

#include "apiclient.h"
#include "benchfigure.h"
#include "connectionstate.h"
#include "displaytext.h"
#include "findingsfilterbar.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "reachability.h"
#include "requesttracker.h"
#include "sandboxharness.h"
#include "session.h"
#include "tenant.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QProcess>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>

#ifndef NULLIFY_SANDBOX_EXECUTABLE
#error "NULLIFY_SANDBOX_EXECUTABLE must name the nullify-sandbox executable"
#endif

using namespace std::chrono_literals;
using nullify::bench::figure;
using nullify::ui::FindingsFilter;
using nullify::ui::FindingsModel;
using nullify::ui::FindingsView;

namespace {

struct Options
{
    bool quick = false;
    bool check = false;
    int findings = 100'000;
    int runs = 7;
};

void say(const QString& text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

// The calling thread's CPU time, in ns.
qint64 threadCpuNs()
{
    timespec t {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

double maxOf(const QList<double>& values)
{
    return values.isEmpty() ? std::nan("") : *std::max_element(values.begin(), values.end());
}

double median(QList<double> values)
{
    if (values.isEmpty())
        return std::nan("");
    std::sort(values.begin(), values.end());
    const qsizetype mid = values.size() / 2;
    return values.size() % 2 ? values.at(mid) : (values.at(mid - 1) + values.at(mid)) / 2;
}

// Times the end of the first paint of the table's viewport after arm(): the paint event is
// delivered from inside the filter, so the time taken after it includes the painting.
class PaintClock : public QObject
{
public:
    explicit PaintClock(QWidget* viewport, const QElapsedTimer& clock)
        : m_viewport(viewport)
        , m_clock(clock)
    {
        viewport->installEventFilter(this);
    }
    void arm(std::function<bool()> ready)
    {
        m_ready = std::move(ready);
        m_paintedAt.reset();
    }
    std::optional<qint64> paintedAt() const { return m_paintedAt; }
    qint64 paintedCpu() const { return m_paintedCpu; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (watched != m_viewport || event->type() != QEvent::Paint || !m_ready || !m_ready())
            return false;
        m_ready = nullptr;
        m_viewport->removeEventFilter(this);
        QCoreApplication::sendEvent(m_viewport, event); // the real paint, now
        m_viewport->installEventFilter(this);
        m_paintedAt = m_clock.nsecsElapsed();
        m_paintedCpu = threadCpuNs();
        return true;
    }

private:
    QWidget* m_viewport;
    const QElapsedTimer& m_clock;
    std::function<bool()> m_ready;
    std::optional<qint64> m_paintedAt;
    qint64 m_paintedCpu = 0;
};

struct Sample
{
    double answerToShownMs = 0;
    double stallMs = 0; // answer to paint, wall clock
    double waitStallMs = 0; // click to answer, wall clock
    double busyMs = 0; // answer to paint, the UI thread's CPU time
    double roundTripMs = 0; // request to answer: the server's sort and the transfer
};

class Bench
{
public:
    explicit Bench(const Options& options)
        : m_options(options)
    { }
    ~Bench()
    {
        m_view.reset();
        m_connection.reset();
        m_reachability.reset();
        m_tracker.reset();
        m_api.reset();
        m_session.reset();
        m_client.reset();
        m_manager.reset();
        m_harness.reset();
        if (m_sandbox && m_sandbox->state() != QProcess::NotRunning) {
            m_sandbox->terminate();
            if (!m_sandbox->waitForFinished(5000))
                m_sandbox->kill();
            m_sandbox->waitForFinished(2000);
        }
    }

    bool start(QString* error);
    std::optional<Sample> measure(FindingsFilter::Sort sort, QString* error);
    bool firstPageIsTheServers(QString* error);

private:
    Options m_options;
    std::unique_ptr<QProcess> m_sandbox;
    std::unique_ptr<nullify::test::SandboxHarness> m_harness;
    std::unique_ptr<nullify::NetworkAccessManager> m_manager;
    std::unique_ptr<nullify::api::ApiClient> m_client;
    std::unique_ptr<nullify::session::Session> m_session;
    std::unique_ptr<nullify::api::NullifyApi> m_api;
    std::unique_ptr<nullify::ui::RequestTracker> m_tracker;
    std::unique_ptr<nullify::ui::ManualReachability> m_reachability;
    std::unique_ptr<nullify::ui::ConnectionState> m_connection;
    std::unique_ptr<FindingsView> m_view;
    QElapsedTimer m_clock;
};

bool Bench::start(QString* error)
{
    m_sandbox = std::make_unique<QProcess>();
    m_harness = nullify::test::SandboxHarness::attachToChildProcess(
        m_sandbox.get(),
        QStringLiteral(NULLIFY_SANDBOX_EXECUTABLE),
        {QStringLiteral("--auto-approve"), QStringLiteral("--findings"), QString::number(m_options.findings)},
        30'000,
        error);
    if (!m_harness)
        return false;
    m_manager = std::make_unique<nullify::NetworkAccessManager>();
    const auto credentials = m_harness->signIn(m_manager.get(), error);
    const auto tenant
        = nullify::session::Tenant::fromInput(m_harness->apiUrl().toString(QUrl::StripTrailingSlash), error);
    if (!credentials || !tenant)
        return false;
    m_client = std::make_unique<nullify::api::ApiClient>(m_manager.get());
    m_session = std::make_unique<nullify::session::Session>(m_manager.get(), m_client.get(), nullptr);
    m_session->signIn(*tenant, *credentials);
    m_api = std::make_unique<nullify::api::NullifyApi>(m_client.get());
    m_tracker = std::make_unique<nullify::ui::RequestTracker>(m_manager.get());
    m_reachability = std::make_unique<nullify::ui::ManualReachability>(true);
    m_connection = std::make_unique<nullify::ui::ConnectionState>(m_tracker.get(), m_reachability.get());

    m_view
        = std::make_unique<FindingsView>(nullify::ui::ViewContext {m_api.get(), m_tracker.get(), m_connection.get()});
    m_view->statusFilter()->setCurrentIndex(m_view->statusFilter()->findData(int(FindingsFilter::Status::Any)));
    m_view->resize(1200, 700);
    m_view->show();
    m_view->activate();
    m_clock.start();
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(10);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if ((m_view->pager() && m_view->pager()->pagesLoaded() > 0 && !m_view->pager()->isLoading())
            || m_clock.elapsed() > 60'000)
            loop.quit();
    });
    poll.start();
    loop.exec();
    if (!m_view->pager() || m_view->pager()->pagesLoaded() == 0) {
        *error = QStringLiteral("the first listing did not load");
        return false;
    }
    say(QStringLiteral("sandbox: %1 findings; the view lists %2 of them")
            .arg(m_options.findings)
            .arg(m_view->pager()->totalCount().value_or(-1)));
    return true;
}

std::optional<Sample> Bench::measure(FindingsFilter::Sort sort, QString* error)
{
    QComboBox* chooser = m_view->filterBar()->sortChooser();
    const QString preset = FindingsFilter::sortPreset(sort);
    std::optional<qint64> sentAt;
    std::optional<qint64> answeredAt;
    qint64 answeredCpu = 0;
    qint64 maxLateNs = 0;
    qint64 maxWaitLateNs = 0;
    qint64 lastTick = 0;
    bool probing = false;

    // The answer's arrival: the manager's finished() comes before the API client's own handler.
    const QMetaObject::Connection arrival
        = QObject::connect(m_manager.get(), &QNetworkAccessManager::finished, [&](QNetworkReply* reply) {
              if (reply->url().path() == QLatin1String("/admin/findings") && !answeredAt) {
                  answeredAt = m_clock.nsecsElapsed();
                  answeredCpu = threadCpuNs();
              }
          });
    PaintClock paint(m_view->findingsTable()->viewport(), m_clock);
    paint.arm([&] {
        return answeredAt && m_view->query().sortPreset == preset && m_view->pager()->pagesLoaded() == 1
            && m_view->findingsModel()->rowCount() > 0;
    });
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = m_clock.nsecsElapsed();
        if (probing && sentAt) {
            // A gap belongs to the window it ended in.
            qint64& worst = answeredAt ? maxLateNs : maxWaitLateNs;
            worst = std::max(worst, now - lastTick - 1'000'000);
        }
        lastTick = now;
        probing = true;
    });
    probe.start();
    QEventLoop warm; // the probe's first tick, so its first gap is not the set-up
    QTimer::singleShot(20, &warm, &QEventLoop::quit);
    warm.exec();

    sentAt = m_clock.nsecsElapsed();
    chooser->setCurrentIndex(chooser->findData(int(sort))); // as a user picks it: a new listing
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(5);
    const qint64 deadline = m_clock.elapsed() + 60'000;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (paint.paintedAt() || m_clock.elapsed() > deadline)
            loop.quit();
    });
    poll.start();
    loop.exec();
    probe.stop();
    QObject::disconnect(arrival);
    if (!answeredAt || !paint.paintedAt()) {
        *error = QStringLiteral("%1: no answer or no paint within 60 s").arg(preset);
        return std::nullopt;
    }
    if (m_view->query().sortPreset != preset) {
        *error = QStringLiteral("the view did not ask for %1").arg(preset);
        return std::nullopt;
    }
    Sample s;
    s.answerToShownMs = double(*paint.paintedAt() - *answeredAt) / 1e6;
    s.stallMs = double(std::max<qint64>(0, maxLateNs)) / 1e6;
    s.waitStallMs = double(std::max<qint64>(0, maxWaitLateNs)) / 1e6;
    s.busyMs = double(paint.paintedCpu() - answeredCpu) / 1e6;
    s.roundTripMs = double(*answeredAt - *sentAt) / 1e6;
    return s;
}

bool Bench::firstPageIsTheServers(QString* error)
{
    // Most severe first, on page 1 and as the server ordered it (its own first page, asked again).
    nullify::api::FindingsQuery query = m_view->query();
    std::optional<nullify::api::Result<nullify::api::Page<nullify::api::Finding>>> reference;
    QObject receiver;
    m_api->findings(query, &receiver, [&](const auto& r) { reference = r; });
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(5);
    QElapsedTimer waited;
    waited.start();
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (reference || waited.elapsed() > 60'000)
            loop.quit();
    });
    poll.start();
    loop.exec();
    if (!reference || !reference->isOk()) {
        *error = QStringLiteral("no reference page");
        return false;
    }
    const QList<nullify::api::Finding>& expected = reference->value().items;
    const QAbstractItemModel* shown = m_view->findingsTable()->model();
    if (shown->rowCount() != expected.size()) {
        *error = QStringLiteral("%1 rows shown, the server's page has %2").arg(shown->rowCount()).arg(expected.size());
        return false;
    }
    int previous = 100;
    for (int row = 0; row < shown->rowCount(); ++row) {
        if (shown->index(row, 0).data(FindingsModel::IdRole).toString() != expected.at(row).id) {
            *error = QStringLiteral("row %1 is not the server's").arg(row);
            return false;
        }
        const int rank = nullify::ui::severityRank(
            nullify::api::Severity(shown->index(row, 0).data(FindingsModel::SeverityRole).toInt()));
        if (rank > previous) {
            *error = QStringLiteral("row %1 is more severe than the row above").arg(row);
            return false;
        }
        previous = rank;
    }
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    // A window needs a platform; without a display, the offscreen one (it still paints the table).
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Findings sorted by the server: answer to first page shown."));
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("2,000 findings, 2 runs: a smoke run."));
    const QCommandLineOption check(QStringLiteral("check"),
                                   QStringLiteral("Exit 1 on a wrong first page or, in a full run, a missed target."));
    const QCommandLineOption findings(
        QStringLiteral("findings"), QStringLiteral("How many findings (default 100000)."), QStringLiteral("n"));
    const QCommandLineOption runs(
        QStringLiteral("runs"), QStringLiteral("Runs of each order (default 7)."), QStringLiteral("n"));
    parser.addOptions({quick, check, findings, runs});
    parser.process(app);
    Options options;
    options.quick = parser.isSet(quick);
    options.check = parser.isSet(check);
    if (options.quick) {
        options.findings = 2000;
        options.runs = 2;
    }
    if (!nullify::bench::readCount(parser, findings, options.findings)
        || !nullify::bench::readCount(parser, runs, options.runs))
        return 2;

    Bench bench(options);
    QString error;
    if (!bench.start(&error)) {
        std::fprintf(stderr, "bench_findingssort: %s\n", qPrintable(error));
        return 1;
    }
    // Warm-up: one change of each order, not counted.
    if (!bench.measure(FindingsFilter::Sort::MostSevere, &error)
        || !bench.measure(FindingsFilter::Sort::Newest, &error)) {
        std::fprintf(stderr, "bench_findingssort: warm-up: %s\n", qPrintable(error));
        return 1;
    }
    QList<Sample> ours, baseline;
    QStringList broken;
    for (int run = 0; run < options.runs; ++run) {
        const auto sorted = bench.measure(FindingsFilter::Sort::MostSevere, &error);
        if (!sorted) {
            broken << error;
            break;
        }
        if (run == 0 && !bench.firstPageIsTheServers(&error))
            broken << QStringLiteral("first page: %1").arg(error);
        const auto plain = bench.measure(FindingsFilter::Sort::Newest, &error);
        if (!plain) {
            broken << error;
            break;
        }
        const auto line = [](const QString& name, const Sample& s) {
            return QStringLiteral(
                       "%1 %2 ms (busy %3 ms, stall %4 ms; before the answer: stall %5 ms, round trip %6 ms)")
                .arg(name)
                .arg(s.answerToShownMs, 0, 'f', 2)
                .arg(s.busyMs, 0, 'f', 2)
                .arg(s.stallMs, 0, 'f', 2)
                .arg(s.waitStallMs, 0, 'f', 2)
                .arg(s.roundTripMs, 0, 'f', 1);
        };
        say(QStringLiteral("run %1: %2; %3")
                .arg(run + 1)
                .arg(line(QStringLiteral("severity_desc"), *sorted), line(QStringLiteral("created_at_desc"), *plain)));
        ours << *sorted;
        baseline << *plain;
    }
    const auto column = [](const QList<Sample>& samples, double Sample::*field) {
        QList<double> values;
        for (const Sample& s : samples)
            values << s.*field;
        return values;
    };
    const double oursMedian = median(column(ours, &Sample::answerToShownMs));
    const double baselineMedian = median(column(baseline, &Sample::answerToShownMs));
    const double worstBusy = maxOf(column(ours, &Sample::busyMs));
    const double worstStall = maxOf(column(ours, &Sample::stallMs));
    const bool full = !options.quick;
    figure(QStringLiteral("findingssort.answer_to_shown_ms"),
           oursMedian,
           QStringLiteral("ms"),
           QStringLiteral("<=300"),
           full ? int(oursMedian <= 300) : -1);
    figure(QStringLiteral("findingssort.baseline_answer_to_shown_ms"), baselineMedian, QStringLiteral("ms"));
    figure(QStringLiteral("findingssort.ratio_to_baseline"), oursMedian / baselineMedian, QStringLiteral("x"));
    figure(QStringLiteral("findingssort.max_busy_ms"),
           worstBusy,
           QStringLiteral("ms"),
           QStringLiteral("<=16"),
           full ? int(worstBusy <= 16) : -1);
    figure(QStringLiteral("findingssort.max_stall_ms"), worstStall, QStringLiteral("ms"));
    figure(
        QStringLiteral("findingssort.median_stall_ms"), median(column(ours, &Sample::stallMs)), QStringLiteral("ms"));
    figure(QStringLiteral("findingssort.max_stall_before_answer_ms"),
           maxOf(column(ours, &Sample::waitStallMs)),
           QStringLiteral("ms"));
    figure(QStringLiteral("findingssort.baseline_max_busy_ms"),
           maxOf(column(baseline, &Sample::busyMs)),
           QStringLiteral("ms"));
    figure(QStringLiteral("findingssort.baseline_max_stall_ms"),
           maxOf(column(baseline, &Sample::stallMs)),
           QStringLiteral("ms"));
    figure(
        QStringLiteral("findingssort.round_trip_ms"), median(column(ours, &Sample::roundTripMs)), QStringLiteral("ms"));
    figure(QStringLiteral("findingssort.baseline_round_trip_ms"),
           median(column(baseline, &Sample::roundTripMs)),
           QStringLiteral("ms"));
    if (options.check && full) {
        if (!(oursMedian <= 300))
            broken << QStringLiteral("answer to first page shown %1 ms > 300 ms").arg(oursMedian, 0, 'f', 1);
        if (!(worstBusy <= 16))
            broken << QStringLiteral("UI thread busy %1 ms in one answer > 16 ms").arg(worstBusy, 0, 'f', 1);
    }
    for (const QString& problem : std::as_const(broken))
        std::fprintf(stderr, "bench_findingssort: %s\n", qPrintable(problem));
    return options.check && !broken.isEmpty() ? 1 : 0;
}
