// Upload bodies across retries, over real loopback sockets: every attempt the server sees must carry
// exactly the bytes the caller meant, whatever kind of body it was (QByteArray, seekable QFile,
// sequential QIODevice, QHttpMultiPart). The assertions are on what the server recorded.

#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "replyhelpers.h"
#include "retryingreply.h"
#include "retrypolicy.h"
#include "scriptedhttpserver.h"
#include "testdevices.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHttpMultiPart>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <memory>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::RetryPolicy;
using nullify::toAttribute;
using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::TricklingSource;

namespace {

constexpr std::chrono::seconds ReplyTimeout {20};

// SequentialWithLength: the caller knows the size and says so with Content-Length, which makes Qt
// stream the device instead of buffering it first.
enum class BodyKind { Bytes, Empty, File, Sequential, SequentialWithLength, Multipart };

// Every byte value, NULs included, in a pattern that does not repeat with a short period, so a
// dropped or duplicated chunk changes the hash.
QByteArray binaryData(qsizetype size, quint32 seed = 1)
{
    QByteArray data(size, Qt::Uninitialized);
    quint32 state = seed;
    for (qsizetype i = 0; i < size; ++i) {
        state = state * 1664525u + 1013904223u;
        data[i] = char(i % 7 == 0 ? 0 : (state >> 24));
    }
    return data;
}

QByteArray sha256Hex(const QByteArray& data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

const QByteArray MultipartBoundary = QByteArrayLiteral("nullify-test-boundary-7f3a");

// A multipart body with the names of its parts' headers in lower case: header names are
// case-insensitive (RFC 2045, 5.1), and Qt writes them as given up to 6.4 but lower-cased from 6.8.
// Only the header blocks that follow a boundary line change; part bodies stay byte for byte.
QByteArray withLowerCaseHeaderNames(QByteArray body)
{
    const QByteArray partStart = QByteArrayLiteral("--") + MultipartBoundary + "\r\n";
    for (qsizetype at = body.indexOf(partStart); at >= 0; at = body.indexOf(partStart, at)) {
        at += partStart.size();
        const qsizetype headersEnd = body.indexOf("\r\n\r\n", at);
        if (headersEnd < 0)
            break;
        for (qsizetype line = at; line < headersEnd;) {
            const qsizetype lineEnd = std::min(body.indexOf("\r\n", line), headersEnd);
            const qsizetype colon = body.indexOf(':', line);
            for (qsizetype i = line; i < std::min(colon < 0 ? lineEnd : colon, lineEnd); ++i)
                body[i] = char(QChar::toLower(uchar(body.at(i))));
            line = lineEnd + 2;
        }
        at = headersEnd + 4;
    }
    return body;
}

// A QFile that counts what is read from it, to tell re-reading from copying.
class CountingFile : public QFile
{
public:
    using QFile::QFile;
    qint64 totalRead = 0;
    qint64 largestRead = 0;

protected:
    qint64 readData(char* data, qint64 maxSize) override
    {
        const qint64 count = QFile::readData(data, maxSize);
        if (count > 0) {
            totalRead += count;
            largestRead = qMax(largestRead, count);
        }
        return count;
    }
};

} // namespace

Q_DECLARE_METATYPE(BodyKind)

class tst_RequestBodies : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void bodyReplaysIdentically_data();
    void bodyReplaysIdentically();
    void fileIsReReadNotCopied();
    void sequentialBodyOverSpoolLimitIsSentOnce_data();
    void sequentialBodyOverSpoolLimitIsSentOnce();
    void sequentialBodyUnderSpoolLimitIsRetried();
    void postWithBodyRetriedOn429_data();
    void postWithBodyRetriedOn429();
    void requestGoesOutLikePlainManager_data();
    void requestGoesOutLikePlainManager();

private:
    QNetworkRequest uploadRequest(const QString& path, bool markedIdempotent) const;
    QNetworkReply* send(const QByteArray& verb, const QNetworkRequest& request, QIODevice* body);
    QString writeFile(const QString& name, const QByteArray& data);

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<NetworkAccessManager> m_nam;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_RequestBodies::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_nam = std::make_unique<NetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_nam->setRetryPolicy(nullify::test::fastRetryPolicy());
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_RequestBodies::cleanup()
{
    m_nam.reset();
    m_server.reset();
    m_dir.reset();
}

QNetworkRequest tst_RequestBodies::uploadRequest(const QString& path, bool markedIdempotent) const
{
    QNetworkRequest request(m_server->url(path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/octet-stream"));
    if (markedIdempotent)
        request.setAttribute(toAttribute(nullify::RequestAttribute::MarkedIdempotent), true);
    return request;
}

QNetworkReply* tst_RequestBodies::send(const QByteArray& verb, const QNetworkRequest& request, QIODevice* body)
{
    if (verb == "PUT")
        return m_nam->put(request, body);
    if (verb == "POST")
        return m_nam->post(request, body);
    return m_nam->sendCustomRequest(request, verb, body);
}

QString tst_RequestBodies::writeFile(const QString& name, const QByteArray& data)
{
    const QString path = m_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
        return QString();
    return path;
}

void tst_RequestBodies::bodyReplaysIdentically_data()
{
    QTest::addColumn<BodyKind>("kind");
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("marked");

    QTest::newRow("bytes, PUT") << BodyKind::Bytes << QByteArrayLiteral("PUT") << false;
    QTest::newRow("bytes, POST marked idempotent") << BodyKind::Bytes << QByteArrayLiteral("POST") << true;
    QTest::newRow("bytes, PATCH marked idempotent") << BodyKind::Bytes << QByteArrayLiteral("PATCH") << true;
    QTest::newRow("empty, PUT") << BodyKind::Empty << QByteArrayLiteral("PUT") << false;
    QTest::newRow("empty, POST marked idempotent") << BodyKind::Empty << QByteArrayLiteral("POST") << true;
    QTest::newRow("file at offset, PUT") << BodyKind::File << QByteArrayLiteral("PUT") << false;
    QTest::newRow("file at offset, POST marked idempotent") << BodyKind::File << QByteArrayLiteral("POST") << true;
    QTest::newRow("sequential, PUT") << BodyKind::Sequential << QByteArrayLiteral("PUT") << false;
    QTest::newRow("sequential, POST marked idempotent") << BodyKind::Sequential << QByteArrayLiteral("POST") << true;
    QTest::newRow("sequential with Content-Length, PUT")
        << BodyKind::SequentialWithLength << QByteArrayLiteral("PUT") << false;
    QTest::newRow("multipart, PUT") << BodyKind::Multipart << QByteArrayLiteral("PUT") << false;
    QTest::newRow("multipart, POST marked idempotent") << BodyKind::Multipart << QByteArrayLiteral("POST") << true;
}

void tst_RequestBodies::bodyReplaysIdentically()
{
    QFETCH(BodyKind, kind);
    QFETCH(QByteArray, verb);
    QFETCH(bool, marked);

    const QString path = QStringLiteral("/upload");
    m_server->enqueue(verb, path, ScriptedResponse::status(503, QByteArrayLiteral("busy")), 2);
    m_server->enqueue(verb, path, ScriptedResponse::status(200, QByteArrayLiteral("stored")));

    QNetworkRequest request = uploadRequest(path, marked);
    QByteArray expected;
    QNetworkReply* reply = nullptr;
    // Bodies the caller owns; they must outlive the reply, as with any QNetworkAccessManager.
    std::unique_ptr<QFile> file;
    std::unique_ptr<QIODevice> device;
    std::unique_ptr<QHttpMultiPart> multiPart;

    switch (kind) {
    case BodyKind::Bytes:
        expected = binaryData(70 * 1024 + 13);
        reply = verb == "PUT" ? m_nam->put(request, expected)
            : verb == "POST"  ? m_nam->post(request, expected)
                              : m_nam->sendCustomRequest(request, verb, expected);
        break;
    case BodyKind::Empty:
        reply = verb == "PUT" ? m_nam->put(request, QByteArray()) : m_nam->post(request, QByteArray());
        break;
    case BodyKind::File: {
        // Several MiB, positioned past its start: only the rest is the body, on every attempt.
        const QByteArray content = binaryData(3 * 1024 * 1024 + 517, 7);
        const qint64 offset = 100 * 1024 + 3;
        expected = content.mid(offset);
        file = std::make_unique<QFile>(writeFile(QStringLiteral("body.bin"), content));
        QVERIFY(file->open(QIODevice::ReadOnly));
        QVERIFY(file->seek(offset));
        reply = send(verb, request, file.get());
        break;
    }
    case BodyKind::Sequential:
    case BodyKind::SequentialWithLength:
        expected = binaryData(200 * 1024 + 1, 3);
        if (kind == BodyKind::SequentialWithLength)
            request.setHeader(QNetworkRequest::ContentLengthHeader, expected.size());
        device = std::make_unique<TricklingSource>(expected, 16 * 1024, 2);
        reply = send(verb, request, device.get());
        break;
    case BodyKind::Multipart: {
        const QByteArray note = QByteArrayLiteral("a text part\r\nwith two lines");
        const QByteArray fileContent = binaryData(300 * 1024 + 9, 11);
        file = std::make_unique<QFile>(writeFile(QStringLiteral("part.bin"), fileContent));
        QVERIFY(file->open(QIODevice::ReadOnly));

        multiPart = std::make_unique<QHttpMultiPart>(QHttpMultiPart::FormDataType);
        multiPart->setBoundary(MultipartBoundary);
        QHttpPart textPart;
        textPart.setRawHeader("Content-Disposition", "form-data; name=\"note\"");
        textPart.setBody(note);
        QHttpPart filePart;
        filePart.setRawHeader("Content-Disposition", "form-data; name=\"file\"; filename=\"part.bin\"");
        filePart.setRawHeader("Content-Type", "application/octet-stream");
        filePart.setBodyDevice(file.get());
        multiPart->append(textPart);
        multiPart->append(filePart);

        // multipart/form-data framing as RFC 7578 / RFC 2046 lay it out.
        const QByteArray dashBoundary = QByteArrayLiteral("--") + MultipartBoundary;
        expected = dashBoundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n" + note + "\r\n"
            + dashBoundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"part.bin\"\r\n"
              "Content-Type: application/octet-stream\r\n\r\n"
            + fileContent + "\r\n" + dashBoundary + "--\r\n";

        // The multipart request sets its own Content-Type (with the boundary).
        request.setHeader(QNetworkRequest::ContentTypeHeader, QVariant());
        reply = verb == "PUT" ? m_nam->put(request, multiPart.get()) : m_nam->post(request, multiPart.get());
        break;
    }
    }
    QVERIFY(reply);
    std::unique_ptr<QNetworkReply> owner(reply);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QSignalSpy errors(reply, &QNetworkReply::errorOccurred);

    QVERIFY(nullify::test::waitForFinished(reply, ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("stored"));
    QCOMPARE(reply->attribute(toAttribute(nullify::ReplyAttribute::AttemptCount)).toInt(), 3);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(errors.size(), 0);

    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), 3);
    // Part header names may come in any case (see withLowerCaseHeaderNames); every other byte counts.
    const auto comparable = [kind](const QByteArray& body) {
        return kind == BodyKind::Multipart ? withLowerCaseHeaderNames(body) : body;
    };
    for (int i = 0; i < received.size(); ++i) {
        const RecordedRequest& got = received.at(i);
        const QByteArray where = "attempt " + QByteArray::number(i + 1);
        QVERIFY2(got.method == verb, where.constData());
        QCOMPARE(got.path, path);
        QVERIFY2(got.bodySize == expected.size(),
                 (where + ": " + QByteArray::number(got.bodySize) + " bytes instead of "
                  + QByteArray::number(expected.size()))
                     .constData());
        QVERIFY2(got.bodySha256 == sha256Hex(got.body), where.constData());
        QVERIFY2(comparable(got.body) == comparable(expected), where.constData());
        // Exactly the body, announced up front: never a chunked or a short-announced upload.
        QVERIFY2(got.header("Content-Length") == QByteArray::number(expected.size()),
                 (where + ": Content-Length " + got.header("Content-Length")).constData());
    }
    if (kind == BodyKind::Multipart) {
        QVERIFY(received.first().header("Content-Type").startsWith("multipart/form-data"));
        QVERIFY(received.first().header("Content-Type").contains(MultipartBoundary));
    }
}

// A seekable file is read again for each attempt, from the position it had when the request was
// made; it is never loaded into memory. A copying implementation would read the whole rest of the
// file once, in one large read, before the first attempt; a re-reading one reads nothing up front,
// reads in transport-sized chunks, and reads the body once per attempt.
void tst_RequestBodies::fileIsReReadNotCopied()
{
    const QString path = QStringLiteral("/file");
    m_server->enqueue("PUT", path, ScriptedResponse::status(503), 2);
    m_server->enqueue("PUT", path, ScriptedResponse::status(201));
    m_server->setRecordBodies(false); // the hash is enough and keeps memory flat

    const QByteArray content = binaryData(4 * 1024 * 1024, 5);
    const qint64 offset = 1024 * 1024 + 11;
    const qint64 bodySize = content.size() - offset;
    CountingFile file(writeFile(QStringLiteral("big.bin"), content));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.seek(offset));
    file.totalRead = 0; // seek() on a buffered device may have read ahead; count from here
    file.largestRead = 0;

    QList<qint64> readBeforeAttempt;
    std::unique_ptr<QNetworkReply> reply(m_nam->put(uploadRequest(path, false), &file));
    auto* retrying = qobject_cast<nullify::RetryingReply*>(reply.get());
    QVERIFY(retrying);
    connect(retrying, &nullify::RetryingReply::attemptStarted, this, [&] { readBeforeAttempt << file.totalRead; });
    QCOMPARE(file.pos(), offset); // the call itself neither reads nor moves the file
    QCOMPARE(file.totalRead, qint64(0));

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);

    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), 3);
    for (const auto& got : received) {
        QCOMPARE(got.bodySize, bodySize);
        QCOMPARE(got.bodySha256, sha256Hex(content.mid(offset)));
    }
    QCOMPARE(readBeforeAttempt.size(), 3);
    QCOMPARE(readBeforeAttempt.at(0), qint64(0)); // nothing slurped before the first attempt
    // Each attempt read the body from the file again (a copy would be read once).
    QVERIFY2(readBeforeAttempt.at(1) >= bodySize, QByteArray::number(readBeforeAttempt.at(1)).constData());
    QVERIFY2(readBeforeAttempt.at(2) >= 2 * bodySize, QByteArray::number(readBeforeAttempt.at(2)).constData());
    QVERIFY2(file.totalRead >= 3 * bodySize, QByteArray::number(file.totalRead).constData());
    // And never in one piece: reads are bounded by the transport's buffer, far below the body.
    QVERIFY2(file.largestRead <= 1024 * 1024, QByteArray::number(file.largestRead).constData());
}

void tst_RequestBodies::sequentialBodyOverSpoolLimitIsSentOnce_data()
{
    QTest::addColumn<qsizetype>("chunkSize");
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("marked");
    QTest::addColumn<bool>("declareLength");

    QTest::newRow("trickling in 16 KiB chunks, PUT")
        << qsizetype(16 * 1024) << QByteArrayLiteral("PUT") << false << false;
    QTest::newRow("trickling in 16 KiB chunks, POST marked")
        << qsizetype(16 * 1024) << QByteArrayLiteral("POST") << true << false;
    QTest::newRow("all at once, PUT") << qsizetype(256 * 1024) << QByteArrayLiteral("PUT") << false << false;
    QTest::newRow("trickling, Content-Length declared, PUT")
        << qsizetype(16 * 1024) << QByteArrayLiteral("PUT") << false << true;
}

// Over maxSpoolBytes a sequential body can not be kept for a replay: it is still sent, whole, once;
// the 503 then is final, with an error that says why it was not retried.
void tst_RequestBodies::sequentialBodyOverSpoolLimitIsSentOnce()
{
    QFETCH(qsizetype, chunkSize);
    QFETCH(QByteArray, verb);
    QFETCH(bool, marked);
    QFETCH(bool, declareLength);

    RetryPolicy policy = nullify::test::fastRetryPolicy();
    policy.maxSpoolBytes = 64 * 1024;
    m_nam->setRetryPolicy(policy);

    const QString path = QStringLiteral("/stream");
    m_server->enqueue(verb, path, ScriptedResponse::status(503, QByteArrayLiteral("busy")), 3);
    m_server->enqueue(verb, path, ScriptedResponse::status(200)); // never reached

    const QByteArray body = binaryData(256 * 1024, 21);
    TricklingSource source(body, chunkSize, 2);
    QNetworkRequest request = uploadRequest(path, marked);
    if (declareLength)
        request.setHeader(QNetworkRequest::ContentLengthHeader, body.size());
    std::unique_ptr<QNetworkReply> reply(send(verb, request, &source));
    auto* retrying = qobject_cast<nullify::RetryingReply*>(reply.get());
    QVERIFY(retrying);
    QSignalSpy retries(retrying, &nullify::RetryingReply::retryScheduled);
    QSignalSpy errors(reply.get(), &QNetworkReply::errorOccurred);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::ServiceUnavailableError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 503);
    QCOMPARE(reply->attribute(toAttribute(nullify::ReplyAttribute::AttemptCount)).toInt(), 1);
    QCOMPARE(retries.size(), 0);
    QCOMPARE(errors.size(), 1);
    const QString why = reply->errorString();
    QVERIFY2(why.contains(QStringLiteral("retr"), Qt::CaseInsensitive), qPrintable(why));
    QVERIFY2(why.contains(QStringLiteral("too large"), Qt::CaseInsensitive), qPrintable(why));
    // The one attempt carried the whole body: the spooled head and the streamed rest, in order.
    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), 1);
    QCOMPARE(received.first().bodySize, qint64(body.size()));
    QCOMPARE(received.first().bodySha256, sha256Hex(body));
    QCOMPARE(m_server->requestCount(verb, path), 1);
    // The limit it names must be the real one (64 KiB), not rounded down to "0 MiB".
    QVERIFY2(why.contains(QStringLiteral("64 KiB")) || why.contains(QStringLiteral("65536"))
                 || why.contains(QStringLiteral("65,536")),
             qPrintable(why));
}

void tst_RequestBodies::sequentialBodyUnderSpoolLimitIsRetried()
{
    RetryPolicy policy = nullify::test::fastRetryPolicy();
    policy.maxSpoolBytes = 64 * 1024;
    m_nam->setRetryPolicy(policy);

    const QString path = QStringLiteral("/stream");
    m_server->enqueue("PUT", path, ScriptedResponse::status(503), 2);
    m_server->enqueue("PUT", path, ScriptedResponse::status(200, QByteArrayLiteral("done")));

    const QByteArray body = binaryData(64 * 1024, 33); // exactly at the limit still fits
    TricklingSource source(body, 8 * 1024, 2);
    std::unique_ptr<QNetworkReply> reply(m_nam->put(uploadRequest(path, false), &source));

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("done"));
    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), 3);
    for (const auto& got : received) {
        QCOMPARE(got.bodySize, qint64(body.size()));
        QCOMPARE(got.bodySha256, sha256Hex(body));
    }
}

void tst_RequestBodies::postWithBodyRetriedOn429_data()
{
    QTest::addColumn<BodyKind>("kind");
    QTest::addColumn<int>("firstStatus");
    QTest::addColumn<int>("expectedRequests");

    QTest::newRow("bytes, 429 retried") << BodyKind::Bytes << 429 << 2;
    QTest::newRow("sequential, 429 retried") << BodyKind::Sequential << 429 << 2;
    QTest::newRow("file, 429 retried") << BodyKind::File << 429 << 2;
    // The control: an unmarked POST is not replayed after a 5xx (it may have been applied).
    QTest::newRow("bytes, 503 not retried") << BodyKind::Bytes << 503 << 1;
}

// 429 means the server did not process the request, so even an unmarked POST is replayed, and
// with the same body.
void tst_RequestBodies::postWithBodyRetriedOn429()
{
    QFETCH(BodyKind, kind);
    QFETCH(int, firstStatus);
    QFETCH(int, expectedRequests);

    const QString path = QStringLiteral("/scans");
    m_server->enqueue("POST", path, ScriptedResponse::status(firstStatus));
    m_server->enqueue("POST", path, ScriptedResponse::json(201, QByteArrayLiteral("{\"id\":1}")));

    const QByteArray body = binaryData(40 * 1024 + 1, 44);
    std::unique_ptr<QIODevice> device;
    QNetworkReply* raw = nullptr;
    if (kind == BodyKind::Bytes) {
        raw = m_nam->post(uploadRequest(path, false), body);
    } else if (kind == BodyKind::Sequential) {
        device = std::make_unique<TricklingSource>(body, 4096, 1);
        raw = m_nam->post(uploadRequest(path, false), device.get());
    } else {
        auto file = std::make_unique<QFile>(writeFile(QStringLiteral("scan.bin"), body));
        QVERIFY(file->open(QIODevice::ReadOnly));
        device = std::move(file);
        raw = m_nam->post(uploadRequest(path, false), device.get());
    }
    std::unique_ptr<QNetworkReply> reply(raw);

    QVERIFY(nullify::test::waitForFinished(reply.get(), ReplyTimeout));
    const QList<RecordedRequest> received = m_server->requests();
    QCOMPARE(received.size(), expectedRequests);
    for (const auto& got : received) {
        QCOMPARE(got.method, QByteArrayLiteral("POST"));
        QCOMPARE(got.bodySize, qint64(body.size()));
        QCOMPARE(got.bodySha256, sha256Hex(body));
    }
    if (expectedRequests == 2) {
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
        QCOMPARE(reply->readAll(), QByteArrayLiteral("{\"id\":1}"));
    } else {
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), firstStatus);
        QCOMPARE(reply->attribute(toAttribute(nullify::ReplyAttribute::AttemptCount)).toInt(), 1);
    }
}

void tst_RequestBodies::requestGoesOutLikePlainManager_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("marked");

    // A request that may run again goes out as QNetworkAccessManager sends it: no body and no
    // Content-Length where there is no body (RFC 9110 section 8.6), Qt's own operation for the verb.
    QTest::newRow("GET") << QByteArray("GET") << QByteArray() << false;
    QTest::newRow("HEAD") << QByteArray("HEAD") << QByteArray() << false;
    QTest::newRow("DELETE") << QByteArray("DELETE") << QByteArray() << false;
    QTest::newRow("OPTIONS") << QByteArray("OPTIONS") << QByteArray() << false;
    QTest::newRow("PUT") << QByteArray("PUT") << QByteArray("{\"name\":\"x\"}") << false;
    QTest::newRow("POST marked idempotent") << QByteArray("POST") << QByteArray("{\"query\":\"open\"}") << true;
}

void tst_RequestBodies::requestGoesOutLikePlainManager()
{
    QFETCH(QByteArray, verb);
    QFETCH(QByteArray, body);
    QFETCH(bool, marked);

    m_server->setFallback([](const RecordedRequest&) { return ScriptedResponse::status(200); });
    QNetworkAccessManager plain;
    plain.setProxy(QNetworkProxy::NoProxy);
    auto sendWith = [&](QNetworkAccessManager& manager) {
        QNetworkRequest request(m_server->url(QStringLiteral("/v1/items?page=2")));
        request.setRawHeader("User-Agent", "tst_requestbodies"); // ours would name the app
        if (!body.isEmpty())
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        if (marked)
            request.setAttribute(toAttribute(nullify::RequestAttribute::MarkedIdempotent), true);
        std::unique_ptr<QNetworkReply> reply;
        if (verb == "GET")
            reply.reset(manager.get(request));
        else if (verb == "HEAD")
            reply.reset(manager.head(request));
        else if (verb == "DELETE")
            reply.reset(manager.deleteResource(request));
        else if (verb == "PUT")
            reply.reset(manager.put(request, body));
        else if (verb == "POST")
            reply.reset(manager.post(request, body));
        else
            reply.reset(manager.sendCustomRequest(request, verb));
        return nullify::test::waitForFinished(reply.get(), ReplyTimeout) && reply->error() == QNetworkReply::NoError;
    };
    QVERIFY(sendWith(plain));
    QVERIFY(sendWith(*m_nam));

    QCOMPARE(m_server->requestCount(), 2);
    const RecordedRequest fromPlain = m_server->requests().at(0);
    const RecordedRequest fromOurs = m_server->requests().at(1);
    // Header names are case-insensitive and their order carries no meaning.
    auto headerSet = [](const RecordedRequest& request) {
        QStringList lines;
        for (const auto& [name, value] : request.headers)
            lines << QString::fromLatin1(name.toLower() + ": " + value);
        lines.sort();
        return lines;
    };
    QCOMPARE(fromOurs.method, verb);
    QCOMPARE(fromOurs.method, fromPlain.method);
    QCOMPARE(fromOurs.target, fromPlain.target);
    QCOMPARE(headerSet(fromOurs), headerSet(fromPlain));
    QCOMPARE(fromOurs.body, body);
    QCOMPARE(fromOurs.body, fromPlain.body);
    if (body.isEmpty()) {
        QVERIFY2(!fromOurs.hasHeader("Content-Length"), fromOurs.header("Content-Length").constData());
        QVERIFY(!fromOurs.hasHeader("Transfer-Encoding"));
    }
}

QTEST_GUILESS_MAIN(tst_RequestBodies)
#include "tst_requestbodies.moc"
