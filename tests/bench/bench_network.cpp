// Benchmarks for the network core over real loopback sockets, all in one run:
//   overhead     nullify::NetworkAccessManager against a plain QNetworkAccessManager, sequential
//                1 KiB GETs on a keep-alive connection, rounds interleaved, medians compared;
//   connections  requests answered 503 then 200 must keep using one TCP connection;
//   precision    how close to 1000 ms a "Retry-After: 1" retry reaches the server.
// Not a test: it prints figures. --check turns figures that are wildly off into a failing exit code.
// BENCHMARKS.md explains every figure and how to run this.

#include "benchfigure.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "retryinfo.h"
#include "retrypolicy.h"
#include "scriptedhttpserver.h"
#include "tlsreverseproxy.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSet>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <type_traits>
#include <utility>
#include <vector>

using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr int BodySize = 1024;

// ---------------------------------------------------------------------------------------------
// Options

struct Options
{
    bool quick = false;
    bool check = false;
    bool serverInOwnThread = true;
    bool fastServer = false;
    int rounds = 9;
    int requests = 2000;
    int warmup = 200;
    int block = 100; // overhead GETs sent by one client before the other takes over
    int connectionRequests = 100;
    int precisionRequests = 50;
    QStringList only; // empty: every benchmark
    bool runPlain = true; // --client: profile one client of the overhead benchmark alone
    bool runNullify = true;
    bool viaTlsProxy = false; // connections: over HTTP/2 + TLS through nghttpx
};

bool parseOptions(const QCoreApplication& app, Options& options)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Network core benchmarks (see BENCHMARKS.md)."));
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"),
                                   QStringLiteral("Tiny counts: a smoke run that only proves the benchmark works."));
    const QCommandLineOption check(
        QStringLiteral("check"), QStringLiteral("Exit non-zero when a figure is wildly off (not merely off target)."));
    const QCommandLineOption sameThread(QStringLiteral("server-in-main-thread"),
                                        QStringLiteral("Run the loopback server on the client's thread."));
    const QCommandLineOption fast(QStringLiteral("fast-server"),
                                  QStringLiteral("Overhead against a minimal canned-response server instead of "
                                                 "ScriptedHttpServer."));
    const QCommandLineOption rounds(
        QStringLiteral("rounds"), QStringLiteral("Overhead rounds per client."), QStringLiteral("n"));
    const QCommandLineOption requests(
        QStringLiteral("requests"), QStringLiteral("Overhead GETs per round."), QStringLiteral("n"));
    const QCommandLineOption block(
        QStringLiteral("block"),
        QStringLiteral("Overhead GETs per client before switching to the other (default 100)."),
        QStringLiteral("n"));
    const QCommandLineOption warmup(
        QStringLiteral("warmup"), QStringLiteral("Warm-up GETs per client."), QStringLiteral("n"));
    const QCommandLineOption connections(QStringLiteral("connection-requests"),
                                         QStringLiteral("503-then-200 requests in the connections benchmark."),
                                         QStringLiteral("n"));
    const QCommandLineOption precision(QStringLiteral("precision-requests"),
                                       QStringLiteral("Retry-After: 1 requests in the precision benchmark."),
                                       QStringLiteral("n"));
    const QCommandLineOption only(QStringLiteral("only"),
                                  QStringLiteral("Run only this benchmark: overhead, connections or precision "
                                                 "(repeatable)."),
                                  QStringLiteral("name"));
    const QCommandLineOption client(QStringLiteral("client"),
                                    QStringLiteral("Overhead with only this client, plain or nullify (for profiling)."),
                                    QStringLiteral("name"));
    const QCommandLineOption viaTlsProxy(QStringLiteral("via-tls-proxy"),
                                         QStringLiteral("Connections (the 503 then 200 script) over HTTP/2 + TLS "
                                                        "through nghttpx (tests/support/tlsreverseproxy.h)."));
    parser.addOptions({quick,
                       check,
                       sameThread,
                       fast,
                       rounds,
                       requests,
                       block,
                       warmup,
                       connections,
                       precision,
                       only,
                       client,
                       viaTlsProxy});
    parser.process(app);
    options.viaTlsProxy = parser.isSet(viaTlsProxy);

    options.quick = parser.isSet(quick);
    if (options.quick) {
        options.rounds = 2;
        options.requests = 50;
        options.warmup = 10;
        options.block = 25;
        options.connectionRequests = 10;
        options.precisionRequests = 2;
    }
    options.check = parser.isSet(check);
    options.serverInOwnThread = !parser.isSet(sameThread);
    options.fastServer = parser.isSet(fast);
    const auto number = [&parser](const QCommandLineOption& option, int& target) {
        return nullify::bench::readCount(parser, option, target);
    };
    if (parser.isSet(client)) {
        const QString name = parser.value(client);
        if (name != QLatin1String("plain") && name != QLatin1String("nullify")) {
            std::fprintf(stderr, "--client is plain or nullify\n");
            return false;
        }
        options.runPlain = name == QLatin1String("plain");
        options.runNullify = !options.runPlain;
    }
    options.only = parser.values(only);
    for (const auto& name : std::as_const(options.only)) {
        if (name != QLatin1String("overhead") && name != QLatin1String("connections")
            && name != QLatin1String("precision")) {
            std::fprintf(stderr, "unknown benchmark: %s\n", qPrintable(name));
            return false;
        }
    }
    return number(rounds, options.rounds) && number(requests, options.requests) && number(warmup, options.warmup)
        && number(block, options.block) && number(connections, options.connectionRequests)
        && number(precision, options.precisionRequests);
}

// ---------------------------------------------------------------------------------------------
// Clocks and statistics

double cpuMs(clockid_t clock)
{
    timespec ts {};
    if (clock_gettime(clock, &ts) != 0)
        return NaN;
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double quantile(std::vector<double> values, double q)
{
    if (values.empty())
        return NaN;
    std::sort(values.begin(), values.end());
    // Linear interpolation between closest ranks: the median of an even count is the mean of the
    // middle two, and p90 of 50 samples is not simply the 45th value.
    const double position = q * double(values.size() - 1);
    const auto below = std::size_t(std::floor(position));
    const auto above = std::min(below + 1, values.size() - 1);
    return values[below] + (values[above] - values[below]) * (position - double(below));
}

double median(const std::vector<double>& values)
{
    return quantile(values, 0.5);
}

double minimum(const std::vector<double>& values)
{
    return values.empty() ? NaN : *std::min_element(values.begin(), values.end());
}

double maximum(const std::vector<double>& values)
{
    return values.empty() ? NaN : *std::max_element(values.begin(), values.end());
}

// ---------------------------------------------------------------------------------------------
// Reporting: a readable table on stdout plus one machine-readable line per figure.

struct Verdict
{
    bool wildlyOff = false;
    QStringList reasons;

    void fail(const QString& reason)
    {
        wildlyOff = true;
        reasons << reason;
    }
};

QString fixed(double value, int decimals = 1)
{
    return std::isnan(value) ? QStringLiteral("n/a") : QString::number(value, 'f', decimals);
}

using nullify::bench::figure;

void say(const QString& text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// Where the loopback server runs

// Hosts a server object on a thread of its own (default) or on the calling thread. In its own
// thread the server's work neither queues behind the client's events nor counts as client CPU:
// its thread CPU clock is read separately and subtracted.
class ServerHost
{
public:
    explicit ServerHost(bool ownThread)
        : m_ownThread(ownThread)
        , m_context(new QObject)
    {
        if (m_ownThread) {
            m_thread.setObjectName(QStringLiteral("bench-server"));
            m_thread.start();
            m_context->moveToThread(&m_thread);
            // Deleted by the thread itself once its event loop has ended.
            QObject::connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
        }
        run([this] { pthread_getcpuclockid(pthread_self(), &m_cpuClock); });
    }

    ~ServerHost()
    {
        if (m_ownThread) {
            m_thread.quit();
            m_thread.wait();
        } else {
            delete m_context;
        }
    }

    ServerHost(const ServerHost&) = delete;
    ServerHost& operator=(const ServerHost&) = delete;

    bool ownThread() const { return m_ownThread; }

    void run(const std::function<void()>& work)
    {
        if (m_ownThread)
            QMetaObject::invokeMethod(m_context, work, Qt::BlockingQueuedConnection);
        else
            work();
    }

    // CPU time of the server's thread; NaN when it shares the client's thread (not separable).
    double serverCpuMs() const { return m_ownThread ? cpuMs(m_cpuClock) : NaN; }

private:
    bool m_ownThread;
    QThread m_thread;
    QObject* m_context;
    clockid_t m_cpuClock {};
};

// A server of type Server created, used and destroyed on the host's thread.
template <typename Server> class HostedServer
{
public:
    HostedServer(bool ownThread, const std::function<void(Server&)>& setup)
        : m_host(ownThread)
    {
        m_host.run([&] {
            m_server = new Server;
            setup(*m_server);
            m_listening = m_server->listen();
        });
    }

    ~HostedServer()
    {
        m_host.run([this] { delete m_server; });
    }

    HostedServer(const HostedServer&) = delete;
    HostedServer& operator=(const HostedServer&) = delete;

    bool isListening() const { return m_listening; }
    ServerHost& host() { return m_host; }

    template <typename Function> auto call(Function function)
    {
        using Result = decltype(function(std::declval<Server&>()));
        if constexpr (std::is_void_v<Result>) {
            m_host.run([&] { function(*m_server); });
        } else {
            Result result {};
            m_host.run([&] { result = function(*m_server); });
            return result;
        }
    }

    QUrl url(const QString& path)
    {
        return call([&](Server& server) { return server.url(path); });
    }

private:
    ServerHost m_host;
    Server* m_server = nullptr;
    bool m_listening = false;
};

// The smallest keep-alive HTTP/1.1 server that can answer the overhead GETs: no parsing beyond
// finding the end of each request head, one canned response, nothing recorded. It shows how much
// of a round is ScriptedHttpServer's own work (recording, header parsing, Date formatting).
class FastHttpServer : public QObject
{
public:
    FastHttpServer()
    {
        m_response = QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                       "Content-Length: ")
            + QByteArray::number(BodySize) + QByteArrayLiteral("\r\n\r\n") + QByteArray(BodySize, 'x');
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                ++m_connections;
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    QUrl url(const QString& path) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
    }
    int connectionCount() const { return m_connections; }
    int requestCount() const { return m_requests; }
    void clearRecords() { m_requests = m_connections = 0; }

private:
    void read(QTcpSocket* socket)
    {
        QByteArray& buffer = m_buffers[socket];
        buffer.append(socket->readAll());
        qsizetype start = 0;
        qsizetype end;
        while ((end = buffer.indexOf("\r\n\r\n", start)) >= 0) {
            start = end + 4; // GETs only: no body follows the head
            ++m_requests;
            socket->write(m_response);
        }
        buffer.remove(0, start);
    }

    QTcpServer m_server;
    QByteArray m_response;
    QHash<QTcpSocket*, QByteArray> m_buffers;
    int m_connections = 0;
    int m_requests = 0;
};

// ---------------------------------------------------------------------------------------------
// Driving a client

struct Sample
{
    double wallMs = NaN;
    double processCpuMs = NaN;
    double serverCpuMs = NaN; // NaN when the server shares the client's thread
    int failures = 0;
    QString firstFailure;

    double clientCpuMs() const { return std::isnan(serverCpuMs) ? processCpuMs : processCpuMs - serverCpuMs; }
};

// Sends `count` requests one after another (the next when the previous has finished and been
// read), as a UI fetching pages does. Wall and CPU clocks cover exactly the requests.
Sample drive(QNetworkAccessManager& manager,
             int count,
             const std::function<QNetworkRequest(int)>& requestFor,
             const std::function<QString(QNetworkReply*, const QByteArray&)>& problemWith,
             ServerHost& host,
             int timeoutMs)
{
    Sample sample;
    QEventLoop loop;
    int done = 0;
    bool timedOut = false;
    std::function<void()> sendNext;
    sendNext = [&] {
        QNetworkReply* reply = manager.get(requestFor(done));
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply] {
            const QByteArray body = reply->readAll();
            const QString problem = problemWith(reply, body);
            if (!problem.isEmpty()) {
                if (sample.failures++ == 0)
                    sample.firstFailure = problem;
            }
            reply->deleteLater();
            if (++done == count)
                loop.quit();
            else
                sendNext();
        });
    };
    QTimer watchdog;
    watchdog.setSingleShot(true);
    QObject::connect(&watchdog, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        loop.quit();
    });
    watchdog.start(timeoutMs);

    const double serverCpuBefore = host.serverCpuMs();
    const double cpuBefore = cpuMs(CLOCK_PROCESS_CPUTIME_ID);
    QElapsedTimer wall;
    wall.start();
    sendNext();
    loop.exec();
    sample.wallMs = double(wall.nsecsElapsed()) / 1e6;
    sample.processCpuMs = cpuMs(CLOCK_PROCESS_CPUTIME_ID) - cpuBefore;
    sample.serverCpuMs = host.serverCpuMs() - serverCpuBefore;

    if (timedOut) {
        sample.failures += count - done;
        if (sample.firstFailure.isEmpty())
            sample.firstFailure = QStringLiteral("timed out after %1 of %2 requests").arg(done).arg(count);
    }
    // Replies finished last are still waiting for deleteLater; do not let them pile into the next run.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return sample;
}

QString problemWithPayload(QNetworkReply* reply, const QByteArray& body)
{
    if (reply->error() != QNetworkReply::NoError)
        return reply->errorString();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return QStringLiteral("HTTP %1").arg(status);
    if (body.size() != BodySize)
        return QStringLiteral("body of %1 bytes, expected %2").arg(body.size()).arg(BodySize);
    return {};
}

// The manager as the app configures it, apart from what a benchmark says it changes.
nullify::RetryPolicy appPolicy()
{
    return nullify::RetryPolicy {};
}

// ---------------------------------------------------------------------------------------------
// 1. Overhead

template <typename Server>
bool runOverhead(const Options& options, HostedServer<Server>& server, const QString& serverName, Verdict& verdict)
{
    const QUrl url = server.url(QStringLiteral("/bytes"));
    const QNetworkRequest request(url);
    auto requestFor = [&request](int) { return request; };

    QNetworkAccessManager plain;
    nullify::NetworkAccessManager nullifyManager;
    nullifyManager.setRetryPolicy(appPolicy());
    const int timeoutMs = 120'000;

    say(QStringLiteral("\n== 1. Overhead: %1 sequential GETs of %2 bytes per client and round over loopback "
                       "keep-alive, %3 rounds, clients alternating every %4 GETs, %5 warm-up GETs each")
            .arg(options.requests)
            .arg(BodySize)
            .arg(options.rounds)
            .arg(options.block)
            .arg(options.warmup));
    say(QStringLiteral("   server: %1, %2")
            .arg(serverName,
                 server.host().ownThread() ? QStringLiteral("own thread") : QStringLiteral("client's thread")));

    // Warm-up: opens each client's connection and its HTTP thread, fills allocator and Qt caches.
    for (QNetworkAccessManager* manager :
         {static_cast<QNetworkAccessManager*>(&plain), static_cast<QNetworkAccessManager*>(&nullifyManager)}) {
        if (manager == &plain ? !options.runPlain : !options.runNullify)
            continue;
        const Sample warm = drive(*manager, options.warmup, requestFor, problemWithPayload, server.host(), timeoutMs);
        if (warm.failures > 0) {
            say(QStringLiteral("   warm-up failed: %1").arg(warm.firstFailure));
            verdict.fail(QStringLiteral("overhead warm-up failed"));
            return false;
        }
    }
    server.call([](Server& s) { s.clearRecords(); });

    // A round is `requests` GETs per client, sent in blocks that alternate between the clients
    // (A B, B A, A B, ... block by block) and summed per client. On a shared machine the speed of
    // the same work swings by tens of percent within seconds; blocks a few tens of milliseconds
    // apart see the same machine, so the two clients of one round are measured under the same
    // conditions and their ratio is meaningful even when whole rounds are not.
    std::vector<Sample> plainSamples;
    std::vector<Sample> nullifySamples;
    for (int round = 0; round < options.rounds; ++round) {
        Sample sums[2]; // [0] plain, [1] nullify
        for (auto& sum : sums)
            sum.wallMs = sum.processCpuMs = sum.serverCpuMs = 0.0;
        for (int first = 0, block = 0; first < options.requests; first += options.block, ++block) {
            const int count = std::min(options.block, options.requests - first);
            const bool plainFirst = (round + block) % 2 == 0;
            for (int turn = 0; turn < 2; ++turn) {
                const bool plainTurn = (turn == 0) == plainFirst;
                if (plainTurn ? !options.runPlain : !options.runNullify)
                    continue;
                QNetworkAccessManager& manager
                    = plainTurn ? plain : static_cast<QNetworkAccessManager&>(nullifyManager);
                const Sample sample = drive(manager, count, requestFor, problemWithPayload, server.host(), timeoutMs);
                Sample& sum = sums[plainTurn ? 0 : 1];
                sum.wallMs += sample.wallMs;
                sum.processCpuMs += sample.processCpuMs;
                sum.serverCpuMs += sample.serverCpuMs;
                if (sum.failures == 0)
                    sum.firstFailure = sample.firstFailure;
                sum.failures += sample.failures;
            }
        }
        if (options.runPlain)
            plainSamples.push_back(sums[0]);
        if (options.runNullify)
            nullifySamples.push_back(sums[1]);
        // Keeps the server's record list from growing across rounds (outside the clocks).
        server.call([](Server& s) { s.clearRecords(); });
    }
    const int connections = server.call([](Server& s) { return s.connectionCount(); });

    auto column = [](const std::vector<Sample>& samples, double (*pick)(const Sample&)) {
        std::vector<double> values;
        for (const auto& sample : samples)
            values.push_back(pick(sample));
        return values;
    };
    auto wallOf = [](const Sample& s) { return s.wallMs; };
    auto cpuOf = [](const Sample& s) { return s.processCpuMs; };
    auto clientCpuOf = [](const Sample& s) { return s.clientCpuMs(); };
    auto serverCpuOf = [](const Sample& s) { return s.serverCpuMs; };

    int failures = 0;
    QString firstFailure;
    for (const auto* samples : {&plainSamples, &nullifySamples}) {
        for (const auto& sample : *samples) {
            failures += sample.failures;
            if (firstFailure.isEmpty())
                firstFailure = sample.firstFailure;
        }
    }

    struct Row
    {
        double wall, cpu, clientCpu, serverCpu;
    };
    auto medians = [&](const std::vector<Sample>& samples) {
        return Row {median(column(samples, wallOf)),
                    median(column(samples, cpuOf)),
                    median(column(samples, clientCpuOf)),
                    median(column(samples, serverCpuOf))};
    };
    // Every round, in the order run, so drift and outliers are visible next to the medians.
    auto roundsLine = [](const std::vector<Sample>& samples, double (*pick)(const Sample&)) {
        QStringList parts;
        for (const auto& sample : samples)
            parts << fixed(pick(sample), 0);
        return parts.join(QLatin1Char(' '));
    };
    say(QStringLiteral("   rounds, wall ms:        plain   %1").arg(roundsLine(plainSamples, wallOf)));
    say(QStringLiteral("                           nullify %1").arg(roundsLine(nullifySamples, wallOf)));
    say(QStringLiteral("   rounds, process CPU ms: plain   %1").arg(roundsLine(plainSamples, cpuOf)));
    say(QStringLiteral("                           nullify %1").arg(roundsLine(nullifySamples, cpuOf)));

    const Row a = medians(plainSamples);
    const Row b = medians(nullifySamples);
    const double perRequest = 1000.0 / options.requests; // ms per run -> µs per request

    // Paired per-round ratios show the spread that the medians hide.
    std::vector<double> wallRatios;
    std::vector<double> cpuRatios;
    for (std::size_t i = 0; i < std::min(plainSamples.size(), nullifySamples.size()); ++i) {
        wallRatios.push_back(nullifySamples[i].wallMs / plainSamples[i].wallMs);
        cpuRatios.push_back(nullifySamples[i].processCpuMs / plainSamples[i].processCpuMs);
    }

    const double wallRatio = b.wall / a.wall;
    const double cpuRatio = b.cpu / a.cpu;
    const double clientCpuRatio = b.clientCpu / a.clientCpu;
    // The least disturbed round of each client: on a shared machine other work only ever adds time,
    // so the minimum is the most repeatable estimate of the client's own cost.
    const double bestWallRatio = minimum(column(nullifySamples, wallOf)) / minimum(column(plainSamples, wallOf));
    const double bestCpuRatio = minimum(column(nullifySamples, cpuOf)) / minimum(column(plainSamples, cpuOf));

    say(QStringLiteral("   %1 %2 %3 %4 %5 %6")
            .arg(QStringLiteral("median of rounds"), -22)
            .arg(QStringLiteral("wall ms"), 10)
            .arg(QStringLiteral("process CPU ms"), 15)
            .arg(QStringLiteral("client CPU ms"), 14)
            .arg(QStringLiteral("server CPU ms"), 14)
            .arg(QStringLiteral("wall µs/GET"), 12));
    auto row = [&](const QString& label, const Row& r) {
        say(QStringLiteral("   %1 %2 %3 %4 %5 %6")
                .arg(label, -22)
                .arg(fixed(r.wall), 10)
                .arg(fixed(r.cpu), 15)
                .arg(fixed(r.clientCpu), 14)
                .arg(fixed(r.serverCpu), 14)
                .arg(fixed(r.wall * perRequest), 12));
    };
    row(QStringLiteral("QNetworkAccessManager"), a);
    row(QStringLiteral("nullify::NAM"), b);
    say(QStringLiteral("   %1 %2 %3 %4 %5 %6")
            .arg(QStringLiteral("ratio nullify/plain"), -22)
            .arg(fixed(wallRatio, 3), 10)
            .arg(fixed(cpuRatio, 3), 15)
            .arg(fixed(clientCpuRatio, 3), 14)
            .arg(fixed(b.serverCpu / a.serverCpu, 3), 14)
            .arg(fixed((b.wall - a.wall) * perRequest, 1) + QStringLiteral(" more"), 12));
    const bool wallMet = wallRatio <= 1.05;
    const bool cpuMet = cpuRatio <= 1.10;
    say(QStringLiteral("   wall ratio %1 (target <= 1.05: %2), per-round %3..%4")
            .arg(fixed(wallRatio, 3), wallMet ? QStringLiteral("met") : QStringLiteral("MISSED"))
            .arg(fixed(minimum(wallRatios), 3), fixed(maximum(wallRatios), 3)));
    say(QStringLiteral("   CPU ratio  %1 (target <= 1.10: %2), per-round %3..%4; client-only CPU ratio %5")
            .arg(fixed(cpuRatio, 3), cpuMet ? QStringLiteral("met") : QStringLiteral("MISSED"))
            .arg(fixed(minimum(cpuRatios), 3), fixed(maximum(cpuRatios), 3), fixed(clientCpuRatio, 3)));
    say(QStringLiteral("   best rounds (minimum of each client): wall ratio %1, CPU ratio %2; median of paired "
                       "per-round ratios: wall %3, CPU %4")
            .arg(fixed(bestWallRatio, 3),
                 fixed(bestCpuRatio, 3),
                 fixed(median(wallRatios), 3),
                 fixed(median(cpuRatios), 3)));
    say(QStringLiteral("   client CPU per GET: %1 µs plain, %2 µs nullify (+%3 µs); connections opened in the "
                       "timed rounds: %4; failed requests: %5")
            .arg(fixed(a.clientCpu * perRequest), fixed(b.clientCpu * perRequest))
            .arg(fixed((b.clientCpu - a.clientCpu) * perRequest))
            .arg(connections)
            .arg(failures));
    if (failures > 0)
        say(QStringLiteral("   first failure: %1").arg(firstFailure));

    const QString prefix = QStringLiteral("overhead.");
    figure(prefix + QStringLiteral("plain.wall_ms"), a.wall, QStringLiteral("ms"));
    figure(prefix + QStringLiteral("nullify.wall_ms"), b.wall, QStringLiteral("ms"));
    figure(prefix + QStringLiteral("plain.process_cpu_ms"), a.cpu, QStringLiteral("ms"));
    figure(prefix + QStringLiteral("nullify.process_cpu_ms"), b.cpu, QStringLiteral("ms"));
    figure(prefix + QStringLiteral("plain.client_cpu_ms"), a.clientCpu, QStringLiteral("ms"));
    figure(prefix + QStringLiteral("nullify.client_cpu_ms"), b.clientCpu, QStringLiteral("ms"));
    figure(
        prefix + QStringLiteral("wall_ratio"), wallRatio, QStringLiteral("ratio"), QStringLiteral("<=1.05"), wallMet);
    figure(prefix + QStringLiteral("cpu_ratio"), cpuRatio, QStringLiteral("ratio"), QStringLiteral("<=1.10"), cpuMet);
    figure(prefix + QStringLiteral("client_cpu_ratio"), clientCpuRatio, QStringLiteral("ratio"));
    figure(prefix + QStringLiteral("best_round_wall_ratio"), bestWallRatio, QStringLiteral("ratio"));
    figure(prefix + QStringLiteral("best_round_cpu_ratio"), bestCpuRatio, QStringLiteral("ratio"));
    figure(prefix + QStringLiteral("extra_wall_us_per_request"), (b.wall - a.wall) * perRequest, QStringLiteral("us"));
    figure(prefix + QStringLiteral("extra_client_cpu_us_per_request"),
           (b.clientCpu - a.clientCpu) * perRequest,
           QStringLiteral("us"));
    figure(
        prefix + QStringLiteral("failures"), failures, QStringLiteral("requests"), QStringLiteral("0"), failures == 0);

    if (failures > 0)
        verdict.fail(QStringLiteral("overhead: %1 requests failed (%2)").arg(failures).arg(firstFailure));
    // Ratios from a handful of tiny rounds on a busy machine mean nothing; only full runs are judged.
    if (!options.quick && options.runPlain && options.runNullify) {
        if (!(wallRatio <= 1.5))
            verdict.fail(QStringLiteral("overhead: wall ratio %1 is far above 1.05").arg(fixed(wallRatio, 3)));
        if (!(cpuRatio <= 2.0))
            verdict.fail(QStringLiteral("overhead: CPU ratio %1 is far above 1.10").arg(fixed(cpuRatio, 3)));
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Scripts shared by the connections and precision benchmarks

// Answers the first request for each path with `first` and every later one with 200 + 1 KiB, and
// notes when each arrived (server clock, nanoseconds). Runs only on the server's thread.
struct FailOnceScript
{
    ScriptedResponse first;
    QElapsedTimer clock; // shared start with the client's clock; reading it is thread-safe
    QHash<QString, qint64> firstAt;
    QHash<QString, qint64> retryAt;
    QByteArray payload = QByteArray(BodySize, 'x');

    ScriptedResponse operator()(const RecordedRequest& request)
    {
        const qint64 now = clock.nsecsElapsed();
        if (!firstAt.contains(request.path)) {
            firstAt.insert(request.path, now);
            return first;
        }
        retryAt.insert(request.path, now);
        return ScriptedResponse::status(200, payload);
    }
};

// ---------------------------------------------------------------------------------------------
// 2. Connections

bool runConnections(const Options& options, Verdict& verdict)
{
    const int count = options.connectionRequests;
    say(QStringLiteral("\n== 2. Connections: %1 sequential GETs, each answered 503 (small body) then 200").arg(count));

    auto script = std::make_shared<FailOnceScript>();
    script->first = ScriptedResponse::status(503, QByteArrayLiteral("busy, try again\n"));
    HostedServer<ScriptedHttpServer> server(options.serverInOwnThread, [script](ScriptedHttpServer& s) {
        s.setFallback([script](const RecordedRequest& request) { return (*script)(request); });
    });
    if (!server.isListening()) {
        verdict.fail(QStringLiteral("connections: server could not listen"));
        return false;
    }
    QUrl base = server.url(QStringLiteral("/"));
    // --via-tls-proxy: the same script as the API is reached, over HTTP/2 + TLS through a gateway.
    // Then the client's connections are counted at the proxy; its own to the server are its business.
    std::unique_ptr<nullify::test::TlsReverseProxy> proxy;
    QSslConfiguration tls;
    if (options.viaTlsProxy) {
        proxy = std::make_unique<nullify::test::TlsReverseProxy>();
        QString error;
        if (!proxy->start(quint16(base.port()), &error)) {
            verdict.fail(QStringLiteral("connections: %1").arg(error));
            return false;
        }
        base = proxy->url(QStringLiteral("/"));
        tls = proxy->trustingConfiguration();
        say(QStringLiteral("   over HTTP/2 + TLS through nghttpx on %1").arg(base.toString()));
    }

    nullify::NetworkAccessManager manager;
    nullify::RetryPolicy policy = appPolicy();
    // Short waits keep the run short; this benchmark is about the connection, not the delay. Every
    // retry here succeeds, so it returns its budget token and the default budget allows them all.
    policy.initialBackoff = std::chrono::milliseconds(1);
    policy.jitter = 0.0;
    manager.setRetryPolicy(policy);

    int twoAttempts = 0;
    const Sample sample = drive(
        manager,
        count,
        [&](int i) {
            QNetworkRequest request(base.resolved(QUrl(QStringLiteral("/c/%1").arg(i))));
            if (proxy)
                request.setSslConfiguration(tls);
            return request;
        },
        [&](QNetworkReply* reply, const QByteArray& body) {
            if (reply->attribute(nullify::toAttribute(nullify::ReplyAttribute::AttemptCount)).toInt() == 2)
                ++twoAttempts;
            return problemWithPayload(reply, body);
        },
        server.host(),
        60'000);

    auto [connections, requests]
        = server.call([](ScriptedHttpServer& s) { return std::pair<int, int>(s.connectionCount(), s.requestCount()); });
    if (proxy) {
        QSet<int> clientPorts;
        for (const auto& request : proxy->accessLog())
            clientPorts.insert(request.clientPort);
        connections = int(clientPorts.size());
        QString whyNot;
        const bool overHttp2 = proxy->allOverHttp2(&whyNot);
        figure(QStringLiteral("connections.tls_proxy.all_over_h2"),
               overHttp2,
               QStringLiteral("bool"),
               QStringLiteral("1"),
               overHttp2);
        if (!overHttp2)
            verdict.fail(QStringLiteral("connections: %1").arg(whyNot));
    }
    const bool connectionsMet = connections == 1;
    const bool requestsMet = requests == 2 * count;

    say(QStringLiteral("   %1 %2 %3")
            .arg(QStringLiteral("figure"), -34)
            .arg(QStringLiteral("value"), 8)
            .arg(QStringLiteral("expected"), 9));
    say(QStringLiteral("   %1 %2 %3")
            .arg(proxy ? QStringLiteral("client connections to the proxy")
                       : QStringLiteral("TCP connections the server accepted"),
                 -34)
            .arg(connections, 8)
            .arg(1, 9));
    say(QStringLiteral("   %1 %2 %3")
            .arg(QStringLiteral("requests the server received"), -34)
            .arg(requests, 8)
            .arg(2 * count, 9));
    say(QStringLiteral("   %1 %2 %3")
            .arg(QStringLiteral("replies with AttemptCount 2"), -34)
            .arg(twoAttempts, 8)
            .arg(count, 9));
    say(QStringLiteral("   %1 %2 %3")
            .arg(QStringLiteral("replies that failed"), -34)
            .arg(sample.failures, 8)
            .arg(0, 9));
    say(QStringLiteral("   (wall %1 ms for the whole run)").arg(fixed(sample.wallMs)));
    if (sample.failures > 0)
        say(QStringLiteral("   first failure: %1").arg(sample.firstFailure));

    figure(QStringLiteral("connections.tcp_connections"),
           connections,
           QStringLiteral("count"),
           QStringLiteral("==1"),
           connectionsMet);
    figure(QStringLiteral("connections.requests"),
           requests,
           QStringLiteral("count"),
           QStringLiteral("==%1").arg(2 * count),
           requestsMet);
    figure(QStringLiteral("connections.failures"),
           sample.failures,
           QStringLiteral("requests"),
           QStringLiteral("0"),
           sample.failures == 0);

    if (!connectionsMet)
        verdict.fail(QStringLiteral("connections: %1 TCP connections, expected 1").arg(connections));
    if (!requestsMet)
        verdict.fail(QStringLiteral("connections: %1 requests, expected %2").arg(requests).arg(2 * count));
    if (sample.failures > 0)
        verdict.fail(
            QStringLiteral("connections: %1 replies failed (%2)").arg(sample.failures).arg(sample.firstFailure));
    return true;
}

// ---------------------------------------------------------------------------------------------
// 3. Precision

bool runPrecision(const Options& options, Verdict& verdict)
{
    const int count = options.precisionRequests;
    say(QStringLiteral("\n== 3. Precision: %1 sequential GETs, each answered 503 + \"Retry-After: 1\" then 200; "
                       "error = (server receive of retry - server receive of 503'd request) - 1000 ms")
            .arg(count));

    QElapsedTimer clock;
    clock.start();
    auto script = std::make_shared<FailOnceScript>();
    script->first = ScriptedResponse::status(503, QByteArrayLiteral("busy, try again\n"))
                        .header(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1"));
    script->clock = clock;
    HostedServer<ScriptedHttpServer> server(options.serverInOwnThread, [script](ScriptedHttpServer& s) {
        s.setFallback([script](const RecordedRequest& request) { return (*script)(request); });
    });
    if (!server.isListening()) {
        verdict.fail(QStringLiteral("precision: server could not listen"));
        return false;
    }
    const QUrl base = server.url(QStringLiteral("/"));

    nullify::NetworkAccessManager manager;
    // The default backoff (500 ms ±20 %) loses to Retry-After: 1; each retry succeeds, so the
    // default budget allows them all (see runConnections).
    manager.setRetryPolicy(appPolicy());

    // The client's side of the same interval: from retryScheduled to the next attemptStarted, which
    // separates timer lateness from time spent on the wire and in the server.
    QHash<QNetworkReply*, qint64> scheduledAt;
    std::vector<double> clientErrors;
    int fromRetryAfter = 0;
    QObject::connect(&manager,
                     &nullify::NetworkAccessManager::retryScheduled,
                     &manager,
                     [&](QNetworkReply* reply, const nullify::RetryInfo& info) {
                         scheduledAt.insert(reply, clock.nsecsElapsed() + info.delay.count() * 1'000'000);
                         if (info.fromRetryAfter)
                             ++fromRetryAfter;
                     });
    QObject::connect(
        &manager, &nullify::NetworkAccessManager::attemptStarted, &manager, [&](QNetworkReply* reply, int attempt) {
            const auto due = scheduledAt.constFind(reply);
            if (attempt == 2 && due != scheduledAt.cend()) {
                clientErrors.push_back(double(clock.nsecsElapsed() - *due) / 1e6);
                scheduledAt.erase(due);
            }
        });

    const Sample sample = drive(
        manager,
        count,
        [&](int i) { return QNetworkRequest(base.resolved(QUrl(QStringLiteral("/r/%1").arg(i)))); },
        problemWithPayload,
        server.host(),
        count * 5'000 + 10'000);

    std::vector<double> errors;
    server.host().run([&] {
        for (auto it = script->retryAt.cbegin(); it != script->retryAt.cend(); ++it)
            errors.push_back(double(it.value() - script->firstAt.value(it.key())) / 1e6 - 1000.0);
    });

    const double med = median(errors);
    const double p90 = quantile(errors, 0.9);
    const double lo = minimum(errors);
    const double hi = maximum(errors);
    const double worst = std::max(std::abs(lo), std::abs(hi));
    const bool medianMet = std::abs(med) <= 25.0;
    const bool allMet = worst <= 25.0;
    const int missing = count - int(errors.size());

    say(QStringLiteral("   %1 %2 %3 %4 %5 %6")
            .arg(QStringLiteral("error vs 1000 ms (ms)"), -28)
            .arg(QStringLiteral("median"), 8)
            .arg(QStringLiteral("min"), 8)
            .arg(QStringLiteral("max"), 8)
            .arg(QStringLiteral("p90"), 8)
            .arg(QStringLiteral("n"), 4));
    say(QStringLiteral("   %1 %2 %3 %4 %5 %6")
            .arg(QStringLiteral("server-observed"), -28)
            .arg(fixed(med, 2), 8)
            .arg(fixed(lo, 2), 8)
            .arg(fixed(hi, 2), 8)
            .arg(fixed(p90, 2), 8)
            .arg(int(errors.size()), 4));
    say(QStringLiteral("   %1 %2 %3 %4 %5 %6")
            .arg(QStringLiteral("client timer (due -> sent)"), -28)
            .arg(fixed(median(clientErrors), 2), 8)
            .arg(fixed(minimum(clientErrors), 2), 8)
            .arg(fixed(maximum(clientErrors), 2), 8)
            .arg(fixed(quantile(clientErrors, 0.9), 2), 8)
            .arg(int(clientErrors.size()), 4));
    say(QStringLiteral("   median within ±25 ms: %1; every sample within ±25 ms: %2; delays taken from Retry-After: "
                       "%3 of %4; failed replies: %5")
            .arg(medianMet ? QStringLiteral("met") : QStringLiteral("MISSED"),
                 allMet ? QStringLiteral("yes") : QStringLiteral("no"))
            .arg(fromRetryAfter)
            .arg(count)
            .arg(sample.failures));
    if (sample.failures > 0)
        say(QStringLiteral("   first failure: %1").arg(sample.firstFailure));

    figure(
        QStringLiteral("precision.median_error_ms"), med, QStringLiteral("ms"), QStringLiteral("abs<=25"), medianMet);
    figure(QStringLiteral("precision.min_error_ms"), lo, QStringLiteral("ms"));
    figure(QStringLiteral("precision.max_error_ms"), hi, QStringLiteral("ms"));
    figure(QStringLiteral("precision.p90_error_ms"), p90, QStringLiteral("ms"));
    figure(QStringLiteral("precision.worst_abs_error_ms"), worst, QStringLiteral("ms"), QStringLiteral("<=25"), allMet);
    figure(QStringLiteral("precision.client_timer_median_error_ms"), median(clientErrors), QStringLiteral("ms"));
    figure(QStringLiteral("precision.samples"), double(errors.size()), QStringLiteral("count"));
    figure(QStringLiteral("precision.failures"),
           sample.failures,
           QStringLiteral("requests"),
           QStringLiteral("0"),
           sample.failures == 0);

    if (sample.failures > 0 || missing > 0)
        verdict.fail(
            QStringLiteral("precision: %1 replies failed, %2 retries never arrived").arg(sample.failures).arg(missing));
    // A loaded machine delays timers; only an error no scheduler explains is "wildly off".
    const double wildMs = options.quick ? 250.0 : 100.0;
    if (!(std::abs(med) <= wildMs))
        verdict.fail(QStringLiteral("precision: median error %1 ms").arg(fixed(med, 2)));
    return true;
}

bool wanted(const Options& options, const char* name)
{
    return options.only.isEmpty() || options.only.contains(QLatin1String(name));
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("bench_network"));
    Options options;
    if (!parseOptions(app, options))
        return 2;

    // Retries log one info line each; hundreds of them would bury the table.
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.info=false"));
    // Loopback only: an http_proxy in the environment must not put a proxy in the middle.
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);

    say(QStringLiteral("bench_network: Qt %1 (runtime %2), %3 build, %4%5")
            .arg(QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion()))
#ifdef NDEBUG
            .arg(QStringLiteral("optimised"))
#else
            .arg(QStringLiteral("UNOPTIMISED (assertions on; figures are not representative)"))
#endif
            .arg(options.quick ? QStringLiteral("quick smoke run") : QStringLiteral("full run"),
                 options.check ? QStringLiteral(", --check") : QString()));

    // Pinning changes the figures a lot on a small machine (BENCHMARKS.md), so the output says which.
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
        QStringList cpus;
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &allowed))
                cpus << QString::number(cpu);
        }
        say(QStringLiteral("allowed CPUs: %1 of %2 online (%3)")
                .arg(cpus.size())
                .arg(QThread::idealThreadCount())
                .arg(cpus.join(QLatin1Char(','))));
    }

    Verdict verdict;
    bool ran = true;
    if (wanted(options, "overhead")) {
        if (options.fastServer) {
            HostedServer<FastHttpServer> server(options.serverInOwnThread, [](FastHttpServer&) {});
            ran = server.isListening() && runOverhead(options, server, QStringLiteral("minimal canned server"), verdict)
                && ran;
        } else {
            HostedServer<ScriptedHttpServer> server(options.serverInOwnThread, [](ScriptedHttpServer& s) {
                // The body is fixed, so hashing is all the recording costs; nothing to store.
                s.setRecordBodies(false);
                const ScriptedResponse ok = ScriptedResponse::status(200, QByteArray(BodySize, 'x'));
                s.setFallback([ok](const RecordedRequest&) { return ok; });
            });
            ran = server.isListening() && runOverhead(options, server, QStringLiteral("ScriptedHttpServer"), verdict)
                && ran;
        }
        if (!ran)
            verdict.fail(QStringLiteral("overhead: could not run"));
    }
    if (wanted(options, "connections"))
        ran = runConnections(options, verdict) && ran;
    if (wanted(options, "precision"))
        ran = runPrecision(options, verdict) && ran;

    say(QString());
    if (verdict.wildlyOff) {
        for (const auto& reason : std::as_const(verdict.reasons))
            say(QStringLiteral("WILDLY OFF: %1").arg(reason));
    } else {
        say(QStringLiteral("no figure is wildly off"));
    }
    if (!ran)
        return 2; // could not measure at all: always an error
    return options.check && verdict.wildlyOff ? 1 : 0;
}
