// Canaries for the Qt behaviour network/qtworkarounds.h works around. Each drives a plain
// QNetworkAccessManager, not ours, against a loopback server, and pins what the running Qt does.
//
// The send-once guard (qtworkarounds::SendOnceDevice): a server that reads a request and closes the
// connection without answering (earlyClose, resendRewindsTheBody):
// - it sends the request again by itself, once, a POST as well as a GET, on a fresh connection and
//   on a reused keep-alive one (QHttpNetworkConnectionChannel::_q_error resends whatever was
//   waiting for an answer, within its few reconnect attempts). For a POST that is a duplicate the
//   application never hears of: the reason for the guard;
// - before that resend it rewinds the body; a body that refuses ends the reply with
//   ContentReSendError and nothing more is sent. That is how the guard stops it.
// Seen on Qt 6.4.2. Qt 6.8 has the same _q_error path (its handleUnexpectedEOF, reached when a read
// ends a response early, resends idempotent methods only). A Qt upgrade that changes any of this
// fails here with "Qt changed its resend behaviour": the guard may then be unnecessary, or worse,
// no longer enough.
//
// No timing decides an outcome: a resend of Qt's own reaches the server before the reply can
// finish (the server answers it), and after a reply finished Qt sends nothing more for it.
//
// noRequestSentWithoutBody: Qt 6.4.2 emits requestSent() for a request without a body device (a
// GET) and for one whose body it wrote, never for an empty body (an upload device with no byte to
// write, as a send-once POST without a body has): qtworkarounds::emptyBodyGetsNoRequestSent. A Qt
// that emits it there would let the guard stop counting an empty-bodied request as sent at once.
//
// statusErrors: the error Qt gives a finished reply for each status RetryingReply may cut short
// (a held redirect, 401, 429 or 5xx body) must be the one qtworkarounds::errorForStatus() gives,
// or a cut attempt would end with another error than the same answer read in full.

#include "qtworkarounds.h"
#include "scriptedhttpserver.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QtTest>

#include <algorithm>
#include <cstring>
#include <memory>

using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;

namespace {

constexpr int kReplyTimeoutMs = 10000;
const char* const kChanged = "Qt changed its resend behaviour: review SendOnceDevice (network/qtworkarounds.h)";

// A body that can be rewound until its first byte was read, never after: the way the send-once
// guard refuses a resend, in its simplest form. Not a QBuffer: Qt reads a QBuffer's bytes directly
// and never asks it to seek.
class RewindRefusingBody : public QIODevice
{
public:
    explicit RewindRefusingBody(QByteArray data)
        : m_data(std::move(data))
    {
        open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }
    bool isSequential() const override { return false; }
    qint64 size() const override { return m_data.size(); }
    bool seek(qint64 position) override
    {
        if (m_read && position != pos()) {
            m_refused = true;
            return false;
        }
        return QIODevice::seek(position);
    }
    bool refused() const { return m_refused; }

protected:
    qint64 readData(char* data, qint64 maxSize) override
    {
        const qint64 count = std::min(maxSize, qint64(m_data.size()) - pos());
        if (count <= 0)
            return -1;
        std::memcpy(data, m_data.constData() + pos(), size_t(count));
        m_read = true;
        return count;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QByteArray m_data;
    bool m_read = false;
    bool m_refused = false;
};

} // namespace

class tst_QtResendCanary : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void earlyClose_data();
    void earlyClose();
    void resendRewindsTheBody();
    void noRequestSentWithoutBody_data();
    void noRequestSentWithoutBody();
    void statusErrors_data();
    void statusErrors();

private:
    QNetworkRequest request(const QString& path) const;
    // A finished GET on a fresh connection, so the next request reuses it.
    bool warmUp();
    QString describe(const QNetworkReply* reply, const QString& path) const;

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

void tst_QtResendCanary::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_nam = std::make_unique<QNetworkAccessManager>();
}

void tst_QtResendCanary::cleanup()
{
    m_nam.reset();
    m_server.reset();
}

QNetworkRequest tst_QtResendCanary::request(const QString& path) const
{
    QNetworkRequest req(m_server->url(path));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return req;
}

bool tst_QtResendCanary::warmUp()
{
    const QString path = QStringLiteral("/warm");
    m_server->enqueue("GET", path, ScriptedResponse::status(200, "warm"));
    std::unique_ptr<QNetworkReply> reply(m_nam->get(request(path)));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    return finished.wait(kReplyTimeoutMs) && reply->error() == QNetworkReply::NoError;
}

QString tst_QtResendCanary::describe(const QNetworkReply* reply, const QString& path) const
{
    QStringList seen;
    for (const RecordedRequest& request : m_server->requests()) {
        if (request.path == path)
            seen << QStringLiteral("%1 on connection %2")
                        .arg(QString::fromLatin1(request.method))
                        .arg(request.connectionId);
    }
    return QStringLiteral("%1: the server saw [%2], the reply ended with error %3 (%4)")
        .arg(QLatin1String(kChanged), seen.join(QStringLiteral(", ")))
        .arg(int(reply->error()))
        .arg(reply->errorString());
}

void tst_QtResendCanary::earlyClose_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("reusedConnection");

    QTest::newRow("GET, fresh connection") << QByteArray("GET") << false;
    QTest::newRow("GET, kept-alive connection") << QByteArray("GET") << true;
    QTest::newRow("POST, fresh connection") << QByteArray("POST") << false;
    QTest::newRow("POST, kept-alive connection") << QByteArray("POST") << true;
}

void tst_QtResendCanary::earlyClose()
{
    QFETCH(QByteArray, verb);
    QFETCH(bool, reusedConnection);

    if (reusedConnection)
        QVERIFY(warmUp());
    const QString path = QStringLiteral("/v1/scans");
    m_server->enqueue(verb, path, ScriptedResponse::closeBeforeResponse());
    m_server->enqueue(verb, path, ScriptedResponse::status(200, "second"));

    std::unique_ptr<QNetworkReply> reply(verb == "GET" ? m_nam->get(request(path))
                                                       : m_nam->post(request(path), QByteArrayLiteral("{\"a\":1}")));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(kReplyTimeoutMs));

    if (reusedConnection) // the early close must have been on the warmed-up connection
        QCOMPARE(m_server->requests().at(1).connectionId, m_server->requests().at(0).connectionId);
    // Qt sent it again by itself and the caller saw only the second answer.
    QVERIFY2(m_server->requestCount(verb, path) == 2 && reply->error() == QNetworkReply::NoError
                 && reply->readAll() == "second",
             qPrintable(describe(reply.get(), path)));
}

void tst_QtResendCanary::resendRewindsTheBody()
{
    QVERIFY(warmUp());
    const QString path = QStringLiteral("/v1/scans");
    m_server->enqueue("POST", path, ScriptedResponse::closeBeforeResponse());
    m_server->enqueue("POST", path, ScriptedResponse::status(200, "second"));

    RewindRefusingBody body(QByteArrayLiteral("{\"a\":1}"));
    std::unique_ptr<QNetworkReply> reply(m_nam->post(request(path), &body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(kReplyTimeoutMs));

    QVERIFY2(body.refused() && reply->error() == QNetworkReply::ContentReSendError
                 && m_server->requestCount("POST", path) == 1,
             qPrintable(describe(reply.get(), path)));
}

void tst_QtResendCanary::noRequestSentWithoutBody_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("requestSent");

    QTest::newRow("POST, empty body") << QByteArray("POST") << QByteArray() << false;
    // The controls: without a body device, and with a body byte written, Qt does say so (the spy
    // sees the signal).
    QTest::newRow("GET, no body device") << QByteArray("GET") << QByteArray() << true;
    QTest::newRow("POST with a body") << QByteArray("POST") << QByteArray("{\"a\":1}") << true;
}

void tst_QtResendCanary::noRequestSentWithoutBody()
{
    QFETCH(QByteArray, verb);
    QFETCH(QByteArray, body);
    QFETCH(bool, requestSent);

    const QString path = QStringLiteral("/v1/scans");
    m_server->enqueue(verb, path, ScriptedResponse::status(200, "ok"));
    std::unique_ptr<QNetworkReply> reply(verb == "GET" ? m_nam->get(request(path)) : m_nam->post(request(path), body));
    QSignalSpy sent(reply.get(), &QNetworkReply::requestSent);
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(kReplyTimeoutMs));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(m_server->requestCount(verb, path), 1);
    QVERIFY2(!sent.isEmpty() == requestSent,
             qPrintable(QStringLiteral("Qt changed when it emits requestSent(): %1 time(s) for this %2; review "
                                       "qtworkarounds::emptyBodyGetsNoRequestSent (network/qtworkarounds.h)")
                            .arg(sent.size())
                            .arg(QString::fromLatin1(verb))));
}

void tst_QtResendCanary::statusErrors_data()
{
    QTest::addColumn<int>("status");
    for (int status : {301, 302, 303, 307, 308, 401, 403, 404, 405, 409, 410, 429, 500, 501, 502, 503, 504})
        QTest::addRow("%d", status) << status;
}

void tst_QtResendCanary::statusErrors()
{
    QFETCH(int, status);

    const QString path = QStringLiteral("/v1/status");
    ScriptedResponse response = ScriptedResponse::status(status, "{}");
    if (status >= 300 && status < 400)
        response.header("Location", "/v1/elsewhere");
    m_server->enqueue("GET", path, response);
    // As RetryingReply sends every attempt: redirects are its own.
    QNetworkRequest req = request(path);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    std::unique_ptr<QNetworkReply> reply(m_nam->get(req));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(kReplyTimeoutMs));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), status);
    QVERIFY2(reply->error() == nullify::qtworkarounds::errorForStatus(status),
             qPrintable(QStringLiteral("Qt gives HTTP %1 the error %2, qtworkarounds::errorForStatus() %3: review it "
                                       "(network/qtworkarounds.cpp)")
                            .arg(status)
                            .arg(int(reply->error()))
                            .arg(int(nullify::qtworkarounds::errorForStatus(status)))));
}

QTEST_GUILESS_MAIN(tst_QtResendCanary)
#include "tst_qtresendcanary.moc"
