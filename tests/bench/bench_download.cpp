// Large responses against the response cap (issue 14): a chunked body (default 400 MiB) that a
// ScriptedHttpServer on a thread of its own makes up as the socket drains (never held whole, so the
// server costs well under a MiB), through nullify::NetworkAccessManager, twice:
//   over the cap  through ApiClient, which reads a body only once the reply has finished, under the
//                 manager's default cap of 10 MiB: the call must end with ApiError ResponseTooLarge;
//   download      the same body as a known large download (RequestAttribute::MaxResponseBytes at its
//                 size), read as it arrives, with this thread busy for a while at the start (as a UI
//                 thread can be) while the server keeps sending.
// For each: the peak RSS growth, VmHWM after it (reset before) minus VmRSS before; target: at most
// the cap + 40 MiB. --check judges the first run's growth but not the download's: in some runs
// Qt 6.4's HTTP thread does not hold to the reply's read buffer size and reads the whole body ahead
// (BENCHMARKS.md, "Large responses"). BENCHMARKS.md explains the figures and how to run this.

#include "apiclient.h"
#include "benchfigure.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "processmemory.h"
#include "replyhelpers.h"
#include "scriptedhttpserver.h"
#include "threadedscriptedserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

using nullify::bench::figure;
using nullify::test::processStatusBytes;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 marginBytes = 40 * MiB;

// The peak RSS growth while work ran, or NaN when the kernel does not let the peak be reset.
double peakGrowthMiB(const std::function<void()>& work)
{
    const bool reset = nullify::test::resetPeakRss();
    const qint64 before = processStatusBytes("VmRSS");
    work();
    const qint64 peak = processStatusBytes("VmHWM");
    std::printf("  RSS before %.1f MiB, peak %.1f MiB\n", double(before) / MiB, double(peak) / MiB);
    return reset && before > 0 ? double(peak - before) / MiB : std::nan("");
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Large responses against the response cap (see BENCHMARKS.md)."));
    parser.addHelpOption();
    const QCommandLineOption quickOption(QStringLiteral("quick"), QStringLiteral("Smoke run: a 32 MiB body."));
    const QCommandLineOption checkOption(QStringLiteral("check"),
                                         QStringLiteral("Exit non-zero unless both runs ended as they must and "
                                                        "the first within the RSS target."));
    const QCommandLineOption sizeOption(
        QStringLiteral("size-mib"), QStringLiteral("Body size in MiB (default 400)."), QStringLiteral("n"));
    const QCommandLineOption stallOption(QStringLiteral("stall-ms"),
                                         QStringLiteral("How long the download's reader is busy at its start "
                                                        "(default 500)."),
                                         QStringLiteral("n"));
    parser.addOptions({quickOption, checkOption, sizeOption, stallOption});
    parser.process(app);
    int sizeMiB = parser.isSet(quickOption) ? 32 : 400;
    int stallMs = 500;
    if (!nullify::bench::readCount(parser, sizeOption, sizeMiB)
        || !nullify::bench::readCount(parser, stallOption, stallMs))
        return 2;
    const qint64 size = qint64(sizeMiB) * MiB;

    nullify::test::ThreadedScriptedServer server;
    if (!server.isListening()) {
        std::fprintf(stderr, "the server can not listen on 127.0.0.1\n");
        return 1;
    }
    server.with([size](ScriptedHttpServer& s) {
        s.setFallback([size](const nullify::test::RecordedRequest& request) {
            if (request.path == QLatin1String("/warmup"))
                return ScriptedResponse::status(200, "ok");
            return ScriptedResponse::generated(200, size, ScriptedResponse::Framing::Chunked);
        });
    });

    nullify::NetworkAccessManager manager;
    manager.setRetryPolicy(nullify::test::fastRetryPolicy());
    const qint64 cap = manager.maxResponseBytes();
    nullify::api::ApiClient client(&manager);
    client.setBaseUrl(server.url(QString()));
    {
        // Qt's HTTP thread, its buffers and the connection exist before the first baseline.
        std::unique_ptr<QNetworkReply> warmup(manager.get(QNetworkRequest(server.url(QStringLiteral("/warmup")))));
        if (!nullify::test::waitForFinished(warmup.get()) || warmup->error() != QNetworkReply::NoError) {
            std::fprintf(stderr, "warm-up GET failed\n");
            return 1;
        }
    }

    // --- Over the cap, through the typed API ---
    std::printf(
        "over the cap: GET of a %d MiB chunked body through ApiClient, cap %.0f MiB\n", sizeMiB, double(cap) / MiB);
    std::optional<nullify::api::Result<QByteArray>> outcome;
    QElapsedTimer clock;
    const double overCapGrowth = peakGrowthMiB([&] {
        clock.start();
        nullify::api::ApiRequest request;
        request.path = QStringLiteral("/over-cap");
        // The reply's finished() reaches the client's handler, which sets outcome, first.
        nullify::test::waitForFinished(
            client.sendRaw(
                request, nullptr, [&outcome](const nullify::api::Result<QByteArray>& result) { outcome = result; }),
            std::chrono::minutes(5));
    });
    const qint64 overCapMs = clock.elapsed();
    const bool refused
        = outcome && !outcome->isOk() && outcome->error().kind == nullify::api::ApiError::Kind::ResponseTooLarge;
    std::printf("  %s after %lld ms\n",
                !outcome ? "NO ANSWER"
                    : outcome->isOk()
                    ? qPrintable(QStringLiteral("SUCCEEDED with %1 bytes").arg(outcome->value().size()))
                    : qPrintable(outcome->error().toString()),
                overCapMs);

    // --- A known large download, read as it arrives ---
    std::printf("download: GET of a %d MiB chunked body with its own cap, read as it arrives, reader busy %d ms "
                "at the start\n",
                sizeMiB,
                stallMs);
    qint64 received = 0;
    bool intact = true;
    bool stalled = false;
    bool succeeded = false;
    qint64 downloadMs = 0;
    const double downloadGrowth = peakGrowthMiB([&] {
        QNetworkRequest request(server.url(QStringLiteral("/download")));
        request.setAttribute(nullify::toAttribute(nullify::RequestAttribute::MaxResponseBytes), size);
        clock.start();
        std::unique_ptr<QNetworkReply> reply(manager.get(request));
        QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), [&] {
            if (!stalled) {
                stalled = true;
                QThread::msleep(stallMs);
            }
            const QByteArray piece = reply->readAll();
            // Spot checks: a lost or doubled byte shifts every later one.
            if (!piece.isEmpty())
                intact = intact && piece.back() == ScriptedResponse::generatedBytes(received + piece.size() - 1, 1)[0];
            received += piece.size();
        });
        nullify::test::waitForFinished(reply.get(), std::chrono::minutes(5));
        downloadMs = clock.elapsed();
        succeeded = reply->isFinished() && reply->error() == QNetworkReply::NoError;
        if (!succeeded)
            std::printf("  FAILED: %s\n", qPrintable(reply->errorString()));
    });
    const double throughput = downloadMs > stallMs ? double(received) / MiB / ((downloadMs - stallMs) / 1000.0) : 0;
    std::printf("  %lld bytes in %lld ms (%.0f MiB/s after the busy start)%s\n",
                received,
                downloadMs,
                throughput,
                intact ? "" : ", BYTES OUT OF PLACE");

    const double targetMiB = double(cap + marginBytes) / MiB;
    const QString target = QStringLiteral("<=%1").arg(targetMiB);
    const auto withinTarget = [targetMiB](double growth) { return !std::isnan(growth) && growth <= targetMiB; };
    figure(QStringLiteral("download.body.mib"), sizeMiB, QStringLiteral("MiB"));
    figure(QStringLiteral("download.over_cap.refused"),
           refused ? 1 : 0,
           QStringLiteral("bool"),
           QStringLiteral("==1"),
           refused);
    figure(QStringLiteral("download.over_cap.ms"), double(overCapMs), QStringLiteral("ms"));
    figure(QStringLiteral("download.over_cap.rss_growth.mib"),
           overCapGrowth,
           QStringLiteral("MiB"),
           target,
           withinTarget(overCapGrowth));
    const bool complete = succeeded && received == size && intact;
    figure(QStringLiteral("download.large.complete"),
           complete ? 1 : 0,
           QStringLiteral("bool"),
           QStringLiteral("==1"),
           complete);
    figure(QStringLiteral("download.large.ms"), double(downloadMs), QStringLiteral("ms"));
    figure(QStringLiteral("download.large.throughput.mib_s"), throughput, QStringLiteral("MiB/s after the busy start"));
    figure(QStringLiteral("download.large.rss_growth.mib"),
           downloadGrowth,
           QStringLiteral("MiB"),
           target,
           withinTarget(downloadGrowth));

    if (parser.isSet(checkOption) && !(refused && complete && withinTarget(overCapGrowth))) {
        std::fprintf(stderr, "check failed\n");
        return 1;
    }
    return 0;
}
