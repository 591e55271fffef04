// Large upload under retries: a file (default 256 MiB, deterministic pseudo-random content) PUT
// from a QFile through nullify::NetworkAccessManager to a server that answers 503 twice, after
// reading each body in full, and then 200. Proves the server received three bodies identical to
// the file (SHA-256) and measures the client's peak RSS growth during the upload (target: at most
// 32 MiB, i.e. the body is streamed and replayed by seeking the file, never copied to memory).
// BENCHMARKS.md explains the figures and how to run this.
//
// The server is this executable started again with --server, in its own process, so nothing it
// holds counts against the client. It is ScriptedHttpServer with body recording off: each body is
// hashed as it arrives and dropped; one JSON line per request goes to stdout.

#include "benchfigure.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "processmemory.h"
#include "replyhelpers.h"
#include "retrypolicy.h"
#include "scriptedhttpserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRandomGenerator64>
#include <QTemporaryFile>
#include <QThread>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

using nullify::test::processStatusBytes;
using nullify::test::RecordedRequest;
using nullify::test::resetPeakRss;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 rssTargetBytes = 32 * MiB;
const QString uploadPath = QStringLiteral("/upload");
const QString warmupPath = QStringLiteral("/warmup");

// --- The server process -------------------------------------------------------------------------

int runServer(int failures)
{
    ScriptedHttpServer server;
    server.setRecordBodies(false); // hash and drop: a 256 MiB body must not live in the server either
    server.enqueue("PUT", uploadPath, ScriptedResponse::status(503, "try again"), failures);
    server.setFallback([](const RecordedRequest&) { return ScriptedResponse::status(200, "stored"); });
    QObject::connect(&server, &ScriptedHttpServer::requestReceived, [](const RecordedRequest& request) {
        const QJsonObject line {{QStringLiteral("method"), QString::fromLatin1(request.method)},
                                {QStringLiteral("path"), request.path},
                                {QStringLiteral("size"), request.bodySize},
                                {QStringLiteral("sha256"), QString::fromLatin1(request.bodySha256)},
                                {QStringLiteral("connection"), request.connectionId}};
        std::printf("%s\n", QJsonDocument(line).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
    });
    if (!server.listen()) {
        std::fprintf(stderr, "server: cannot listen on 127.0.0.1\n");
        return 1;
    }
    std::printf("{\"port\":%d}\n", server.port());
    std::fflush(stdout);
    // The parent closes our stdin when it is done (or dies): quit then. getchar() blocks until
    // EOF, so it waits on a thread of its own.
    QThread* watcher = QThread::create([] {
        while (std::getchar() != EOF) { }
        QMetaObject::invokeMethod(QCoreApplication::instance(), &QCoreApplication::quit);
    });
    watcher->start();
    const int rc = QCoreApplication::exec();
    watcher->wait();
    delete watcher;
    return rc;
}

// --- The file -----------------------------------------------------------------------------------

// Writes `size` bytes from a seeded generator; returns the SHA-256 (hex) or nullopt.
std::optional<QByteArray> writeFile(QFile& file, qint64 size, quint64 seed)
{
    QRandomGenerator64 generator(seed);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QByteArray chunk(MiB, Qt::Uninitialized);
    for (qint64 written = 0; written < size;) {
        const qint64 length = std::min<qint64>(chunk.size(), size - written);
        generator.fillRange(reinterpret_cast<quint64*>(chunk.data()), chunk.size() / sizeof(quint64));
        if (file.write(chunk.constData(), length) != length)
            return std::nullopt;
        hash.addData(QByteArrayView(chunk.constData(), length));
        written += length;
    }
    if (!file.flush())
        return std::nullopt;
    return hash.result().toHex();
}

// The same file as a stream (a pipe, a socket): no size, no seeking. The network core then spools
// it to a temporary file for replay (up to RetryPolicy::maxSpoolBytes); --sequential measures that
// path's memory too.
class SequentialFile : public QIODevice
{
public:
    explicit SequentialFile(QIODevice* file)
        : m_file(file)
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return m_file->bytesAvailable() + QIODevice::bytesAvailable(); }

protected:
    qint64 readData(char* data, qint64 maxSize) override
    {
        const qint64 read = m_file->read(data, maxSize);
        return read == 0 && m_file->atEnd() ? -1 : read;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QIODevice* m_file;
};

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Large upload under retries (see BENCHMARKS.md)."));
    parser.addHelpOption();
    const QCommandLineOption quickOption(QStringLiteral("quick"), QStringLiteral("Smoke run: a 16 MiB file."));
    const QCommandLineOption checkOption(QStringLiteral("check"),
                                         QStringLiteral("Exit non-zero unless the upload succeeded after the "
                                                        "failures with identical bodies and within the RSS target."));
    const QCommandLineOption sizeOption(
        QStringLiteral("size-mib"), QStringLiteral("File size in MiB (default 256)."), QStringLiteral("n"));
    const QCommandLineOption failuresOption(
        QStringLiteral("failures"), QStringLiteral("503 answers before the 200 (default 2)."), QStringLiteral("n"));
    const QCommandLineOption sequentialOption(
        QStringLiteral("sequential"),
        QStringLiteral("Send the file as a stream without size (spooled for replay; at most 64 MiB)."));
    const QCommandLineOption serverOption(QStringLiteral("server"), QStringLiteral("Internal: be the server."));
    parser.addOptions({quickOption, checkOption, sizeOption, failuresOption, sequentialOption, serverOption});
    parser.process(app);

    const int failures = parser.isSet(failuresOption) ? parser.value(failuresOption).toInt() : 2;
    if (parser.isSet(serverOption))
        return runServer(failures);
    const bool check = parser.isSet(checkOption);
    qint64 sizeMiB = parser.isSet(quickOption) ? 16 : 256;
    if (parser.isSet(sizeOption))
        sizeMiB = parser.value(sizeOption).toLongLong();
    if (sizeMiB < 1 || failures < 0) {
        std::fprintf(stderr, "--size-mib and --failures need positive numbers\n");
        return 2;
    }
    const qint64 size = sizeMiB * MiB;

    // The file first: its writing is not part of the upload's memory.
    QTemporaryFile file;
    if (!file.open()) {
        std::fprintf(stderr, "no temporary file: %s\n", qPrintable(file.errorString()));
        return 1;
    }
    QElapsedTimer clock;
    clock.start();
    const std::optional<QByteArray> fileHash = writeFile(file, size, 20240607);
    if (!fileHash) {
        std::fprintf(stderr, "writing %s failed: %s\n", qPrintable(file.fileName()), qPrintable(file.errorString()));
        return 1;
    }
    std::printf("upload: %lld MiB file %s written in %lld ms, sha256 %s\n",
                sizeMiB,
                qPrintable(file.fileName()),
                clock.elapsed(),
                fileHash->constData());

    QProcess server;
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    server.start(QCoreApplication::applicationFilePath(),
                 {QStringLiteral("--server"), QStringLiteral("--failures"), QString::number(failures)});
    QList<QJsonObject> received;
    quint16 port = 0;
    QObject::connect(&server, &QProcess::readyReadStandardOutput, [&] {
        while (server.canReadLine()) {
            const QJsonObject line = QJsonDocument::fromJson(server.readLine()).object();
            if (line.contains(QStringLiteral("port")))
                port = quint16(line.value(QStringLiteral("port")).toInt());
            else if (line.value(QStringLiteral("path")).toString() == uploadPath)
                received.append(line);
        }
    });
    const auto spinUntil = [](const std::function<bool()>& done, int timeoutMs) {
        QDeadlineTimer deadline(timeoutMs);
        while (!done() && !deadline.hasExpired())
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
        return done();
    };
    if (!spinUntil([&] { return port != 0; }, 10'000)) {
        std::fprintf(stderr, "the server process did not start\n");
        return 1;
    }

    nullify::NetworkAccessManager manager;
    nullify::RetryPolicy policy = nullify::test::fastRetryPolicy(std::chrono::milliseconds(100));
    policy.deadline = std::chrono::minutes(10); // three large bodies over a loaded machine
    manager.setRetryPolicy(policy);
    const QUrl base(QStringLiteral("http://127.0.0.1:%1").arg(port));

    // Warm-up: Qt's HTTP thread, its buffers and the connection exist before the baseline.
    {
        QByteArray small(64 * 1024, 'w');
        QNetworkRequest request(base.resolved(QUrl(warmupPath)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/octet-stream"));
        std::unique_ptr<QNetworkReply> reply(manager.put(request, small));
        if (!nullify::test::waitForFinished(reply.get()) || reply->error() != QNetworkReply::NoError) {
            std::fprintf(stderr, "warm-up PUT failed: %s\n", qPrintable(reply->errorString()));
            return 1;
        }
    }

    QFile body(file.fileName());
    if (!body.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read the file back: %s\n", qPrintable(body.errorString()));
        return 1;
    }
    const bool peakReset = resetPeakRss();
    const qint64 rssBefore = processStatusBytes("VmRSS");
    const qint64 hwmBefore = processStatusBytes("VmHWM");
    qint64 sampledPeak = rssBefore;
    QTimer sampler;
    QObject::connect(
        &sampler, &QTimer::timeout, [&] { sampledPeak = std::max(sampledPeak, processStatusBytes("VmRSS")); });
    sampler.start(10);

    QNetworkRequest request(base.resolved(QUrl(uploadPath)));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/octet-stream"));
    clock.restart();
    SequentialFile stream(&body);
    const bool sequential = parser.isSet(sequentialOption);
    std::unique_ptr<QNetworkReply> reply(manager.put(request, sequential ? static_cast<QIODevice*>(&stream) : &body));
    int attemptsStarted = 0;
    QObject::connect(&manager, &nullify::NetworkAccessManager::attemptStarted, [&](QNetworkReply*, int attempt) {
        attemptsStarted = std::max(attemptsStarted, attempt);
    });
    const bool finished = nullify::test::waitForFinished(reply.get(), std::chrono::minutes(10));
    const qint64 uploadMs = clock.elapsed();
    sampler.stop();
    sampledPeak = std::max(sampledPeak, processStatusBytes("VmRSS"));
    const qint64 hwmAfter = processStatusBytes("VmHWM");
    // The peak of the upload: the kernel's, when it could be reset; else the 10 ms samples.
    const qint64 peak = peakReset ? std::max(hwmAfter, sampledPeak) : sampledPeak;
    const qint64 growth = peak - rssBefore;

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const int attempts = reply->attribute(nullify::toAttribute(nullify::ReplyAttribute::AttemptCount)).toInt();
    const bool succeeded = finished && reply->error() == QNetworkReply::NoError && status == 200;
    // Every body is in the server's output before its answer is sent, hence before the reply ends.
    spinUntil([&] { return received.size() >= failures + 1; }, 2000);
    server.closeWriteChannel();
    server.waitForFinished(5000);

    bool identical = received.size() == failures + 1;
    for (int i = 0; i < received.size(); ++i) {
        const QJsonObject& line = received.at(i);
        const QByteArray hash = line.value(QStringLiteral("sha256")).toString().toLatin1();
        identical = identical && hash == *fileHash && qint64(line.value(QStringLiteral("size")).toDouble()) == size;
        std::printf("server body %d: %s %lld bytes, sha256 %s%s, connection %d\n",
                    i + 1,
                    qPrintable(line.value(QStringLiteral("method")).toString()),
                    qint64(line.value(QStringLiteral("size")).toDouble()),
                    hash.constData(),
                    hash == *fileHash ? " (= file)" : " (DIFFERS from the file)",
                    line.value(QStringLiteral("connection")).toInt());
    }
    std::printf("client: body %s\n", sequential ? "a stream (sequential)" : "the QFile");
    std::printf("client: %s, HTTP %d, %d attempts, %lld ms; RSS before %.1f MiB (VmHWM before %.1f MiB, peak "
                "reset: %s), peak %.1f MiB (VmHWM %.1f, sampled %.1f), growth %.1f MiB\n",
                succeeded ? "succeeded" : qPrintable(QStringLiteral("FAILED (%1)").arg(reply->errorString())),
                status,
                attempts,
                uploadMs,
                double(rssBefore) / MiB,
                double(hwmBefore) / MiB,
                peakReset ? "yes" : "no",
                double(peak) / MiB,
                double(hwmAfter) / MiB,
                double(sampledPeak) / MiB,
                double(growth) / MiB);

    using nullify::bench::figure;
    const double seconds = double(uploadMs) / 1000;
    figure(QStringLiteral("upload.file.mib"), double(sizeMiB), QStringLiteral("MiB"));
    figure(QStringLiteral("upload.attempts"),
           attempts,
           QStringLiteral("attempts"),
           QStringLiteral("==%1").arg(failures + 1),
           attempts == failures + 1 && attemptsStarted == failures + 1);
    figure(QStringLiteral("upload.succeeded"),
           succeeded ? 1 : 0,
           QStringLiteral("bool"),
           QStringLiteral("==1"),
           succeeded);
    figure(QStringLiteral("upload.identical_bodies"),
           identical ? received.size() : 0,
           QStringLiteral("bodies equal to the file"),
           QStringLiteral("==%1").arg(failures + 1),
           identical);
    figure(QStringLiteral("upload.rss_before.mib"), double(rssBefore) / MiB, QStringLiteral("MiB"));
    figure(QStringLiteral("upload.rss_peak.mib"), double(peak) / MiB, QStringLiteral("MiB"));
    figure(QStringLiteral("upload.rss_growth.mib"),
           double(growth) / MiB,
           QStringLiteral("MiB"),
           QStringLiteral("<=32"),
           growth <= rssTargetBytes);
    figure(QStringLiteral("upload.time.ms"), double(uploadMs), QStringLiteral("ms"));
    figure(QStringLiteral("upload.throughput.mib_s"),
           seconds > 0 ? double(sizeMiB) * (failures + 1) / seconds : 0,
           QStringLiteral("MiB/s sent, all attempts"));

    if (check && !(succeeded && identical && attempts == failures + 1 && growth <= rssTargetBytes)) {
        std::fprintf(stderr, "check failed\n");
        return 1;
    }
    return 0;
}
