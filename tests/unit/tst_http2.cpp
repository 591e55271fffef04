// The network core over HTTP/2 and TLS, the way the real API is reached, against a real HTTP/2
// server (nghttpd from nghttp2-server, serving files). A request that must not run twice goes out as
// a custom verb with a body Qt may send only once (RetryingReply's SendOnceDevice), an empty one for
// a POST without a body; any other as itself. These tests prove that both kinds are well-formed
// HTTP/2 that a strict server answers, once each.

#include "environmentskip.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "ports.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QNetworkReply>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::toAttribute;
namespace ReplyAttribute = nullify::ReplyAttribute;

namespace {

const QByteArray kItems = QByteArrayLiteral("{\"items\":[1,2,3]}\n");

} // namespace

class tst_Http2 : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void everyVerbIsSentOnceOverHttp2_data();
    void everyVerbIsSentOnceOverHttp2();
    void notFoundIsNotRetried();

private:
    QNetworkRequest request(const QString& path) const;
    int methodsLogged(const QByteArray& verb);

    QTemporaryDir m_root;
    QProcess m_server;
    QByteArray m_serverLog;
    quint16 m_port = 0;
    std::unique_ptr<NetworkAccessManager> m_manager;
};

void tst_Http2::initTestCase()
{
    // NULLIFY_NGHTTPD picks another nghttpd (one built from source, say); a path that is not an
    // executable counts as none, which is how tst_http2_strict_missing_tool proves the CI failure.
    const QString chosen = qEnvironmentVariable("NULLIFY_NGHTTPD");
    const QString nghttpd = !chosen.isEmpty()
        ? (QFileInfo(chosen).isExecutable() ? chosen : QString())
        : QStandardPaths::findExecutable(QStringLiteral("nghttpd"),
                                         {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
    if (nghttpd.isEmpty())
        NULLIFY_SKIP_ENV("nghttpd not found: install nghttp2-server (scripts/setup.sh does)");

    QVERIFY(m_root.isValid());
    QVERIFY(QDir(m_root.path()).mkpath(QStringLiteral("v1")));
    QFile items(m_root.filePath(QStringLiteral("v1/items")));
    QVERIFY(items.open(QIODevice::WriteOnly));
    items.write(kItems);
    items.close();

    m_port = nullify::test::closedPort(); // free now; nghttpd takes it
    QVERIFY(m_port != 0);
    const QString data = QStringLiteral(NULLIFY_TEST_DATA_DIR);
    // -v logs every frame, so the test can count the requests that reached the server.
    m_server.start(nghttpd,
                   {QStringLiteral("-v"),
                    QStringLiteral("--address=127.0.0.1"),
                    QStringLiteral("-d"),
                    m_root.path(),
                    QString::number(m_port),
                    data + QStringLiteral("/test-tls.key"),
                    data + QStringLiteral("/test-tls.crt")});
    QVERIFY2(m_server.waitForStarted(), qPrintable(m_server.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(nullify::test::acceptsConnection(QHostAddress::LocalHost, m_port, 200ms), 10000);

    m_manager = std::make_unique<NetworkAccessManager>();
}

void tst_Http2::cleanupTestCase()
{
    m_manager.reset();
    if (m_server.state() != QProcess::NotRunning) {
        m_server.terminate();
        m_server.waitForFinished(5000);
    }
}

QNetworkRequest tst_Http2::request(const QString& path) const
{
    QNetworkRequest req(QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_port).arg(path)));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setCaCertificates(QSslCertificate::fromPath(QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.crt")));
    req.setSslConfiguration(tls);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
    return req;
}

int tst_Http2::methodsLogged(const QByteArray& verb)
{
    m_serverLog += m_server.readAllStandardOutput();
    return int(m_serverLog.count(QByteArrayLiteral(":method: ") + verb + '\n'));
}

void tst_Http2::everyVerbIsSentOnceOverHttp2_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("GET") << QByteArray("GET") << QByteArray();
    QTest::newRow("DELETE") << QByteArray("DELETE") << QByteArray();
    QTest::newRow("POST") << QByteArray("POST") << QByteArray("{\"query\":\"open\"}");
    QTest::newRow("POST without a body") << QByteArray("POST") << QByteArray();
    QTest::newRow("PUT") << QByteArray("PUT") << QByteArray("{\"name\":\"x\"}");
    QTest::newRow("PATCH") << QByteArray("PATCH") << QByteArray("{\"status\":\"fixed\"}");
}

void tst_Http2::everyVerbIsSentOnceOverHttp2()
{
    QFETCH(QByteArray, verb);
    QFETCH(QByteArray, body);
    const int before = methodsLogged(verb);

    QNetworkRequest req = request(QStringLiteral("/v1/items"));
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    std::unique_ptr<QNetworkReply> reply(m_manager->sendCustomRequest(req, verb, body));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool());
    QCOMPARE(reply->readAll(), kItems); // nghttpd answers every method with the file
    QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::AttemptCount)).toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(methodsLogged(verb), before + 1, 5000);
    QTest::qWait(50); // negative: a resend would reach nghttpd's log right after the first
    QCOMPARE(methodsLogged(verb), before + 1);
}

void tst_Http2::notFoundIsNotRetried()
{
    const int before = methodsLogged("GET");
    std::unique_ptr<QNetworkReply> reply(m_manager->get(request(QStringLiteral("/v1/missing"))));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));

    QCOMPARE(reply->error(), QNetworkReply::ContentNotFoundError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
    QVERIFY(reply->attribute(QNetworkRequest::Http2WasUsedAttribute).toBool());
    QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::AttemptCount)).toInt(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(methodsLogged("GET"), before + 1, 5000);
}

QTEST_GUILESS_MAIN(tst_Http2)
#include "tst_http2.moc"
