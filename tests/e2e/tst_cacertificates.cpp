// The app's --ca-certificates FILE / NULLIFY_CA_CERTIFICATES (app/cacertificates.h): a gateway whose
// certificate a private CA issued is reached once that CA is trusted, in addition to the system's
// and with verification on; a file that can not be read or holds no certificate stops the app with
// a message that says so. The gateway is nghttpx in front of the sandbox (tests/support/tlsreverseproxy.h).

#include "cacertificates.h"
#include "replyhelpers.h"
#include "sandboxharness.h"
#include "tlsreverseproxy.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslConfiguration>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

#ifndef NULLIFY_APP_EXECUTABLE
#error "NULLIFY_APP_EXECUTABLE must name the nullify-desktop executable"
#endif

using nullify::test::SandboxHarness;
using nullify::test::TlsReverseProxy;

namespace {

constexpr int kTimeoutMs = 20'000;

bool writeFile(const QString& path, const QByteArray& data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

} // namespace

class TestCaCertificates : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void refusesAFileWithoutCertificates_data();
    void refusesAFileWithoutCertificates();
    void readsPemAndDer();
    void trustedAuthorityReachesTheGateway();
    void appStopsOnABadFile_data();
    void appStopsOnABadFile();
    void appStartsWithAGoodFile();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    // The app with these arguments and environment: exit code (-1 when it did not end) and stderr.
    std::pair<int, QString> runApp(const QStringList& arguments, const QProcessEnvironment& environment);

    QTemporaryDir m_dir;
    QSslConfiguration m_defaultBefore;
    QByteArray m_caPem; // a CA made by the proxy's script, for the file cases
};

void TestCaCertificates::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_defaultBefore = QSslConfiguration::defaultConfiguration();
    // A CA of the same kind the gateway uses, without starting one: the test data's self-signed
    // certificate serves as a CA file.
    QFile certificate(QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.crt"));
    QVERIFY(certificate.open(QIODevice::ReadOnly));
    m_caPem = certificate.readAll();
    QVERIFY(writeFile(path(QStringLiteral("ca.pem")), m_caPem));
    QVERIFY(writeFile(path(QStringLiteral("empty.pem")), {}));
    QVERIFY(writeFile(path(QStringLiteral("text.pem")), "not a certificate\n"));
    QFile key(QStringLiteral(NULLIFY_TEST_DATA_DIR "/test-tls.key"));
    QVERIFY(key.open(QIODevice::ReadOnly));
    QVERIFY(writeFile(path(QStringLiteral("key.pem")), key.readAll()));
    QVERIFY(QDir(m_dir.path()).mkdir(QStringLiteral("folder")));
}

void TestCaCertificates::cleanup()
{
    QSslConfiguration::setDefaultConfiguration(m_defaultBefore);
}

void TestCaCertificates::refusesAFileWithoutCertificates_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("reason");
    QTest::newRow("missing") << "missing.pem"
                             << "cannot read the CA certificates file";
    QTest::newRow("a directory") << "folder"
                                 << "it is a directory";
    QTest::newRow("empty") << "empty.pem"
                           << "holds no PEM or DER certificate";
    QTest::newRow("text") << "text.pem"
                          << "holds no PEM or DER certificate";
    QTest::newRow("a private key") << "key.pem"
                                   << "holds no PEM or DER certificate";
}

void TestCaCertificates::refusesAFileWithoutCertificates()
{
    QFETCH(QString, name);
    QFETCH(QString, reason);
    QString error;
    QVERIFY(!nullify::app::loadCaCertificates(path(name), &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY2(error.contains(path(name)), qPrintable(error));
}

void TestCaCertificates::readsPemAndDer()
{
    QString error;
    const auto pem = nullify::app::loadCaCertificates(path(QStringLiteral("ca.pem")), &error);
    QVERIFY2(pem, qPrintable(error));
    QCOMPARE(pem->size(), 1);
    QVERIFY(writeFile(path(QStringLiteral("ca.der")), pem->first().toDer()));
    const auto der = nullify::app::loadCaCertificates(path(QStringLiteral("ca.der")), &error);
    QVERIFY2(der, qPrintable(error));
    QCOMPARE(*der, *pem);
    // Two in one bundle.
    QVERIFY(writeFile(path(QStringLiteral("bundle.pem")), m_caPem + m_caPem));
    const auto bundle = nullify::app::loadCaCertificates(path(QStringLiteral("bundle.pem")), &error);
    QVERIFY2(bundle, qPrintable(error));
    QCOMPARE(bundle->size(), 2);
}

void TestCaCertificates::trustedAuthorityReachesTheGateway()
{
    if (TlsReverseProxy::executable().isEmpty())
        QSKIP(TlsReverseProxy::notInstalled);
    SandboxHarness sandbox(nullify::sandbox::ServerOptions {});
    QString error;
    QVERIFY2(sandbox.start(&error), qPrintable(error));
    TlsReverseProxy proxy;
    QVERIFY2(proxy.start(quint16(sandbox.apiUrl().port()), &error), qPrintable(error));

    // Each request with a new manager: a manager keeps a host's connection and its TLS settings.
    const auto get = [&proxy] {
        QNetworkAccessManager manager;
        std::unique_ptr<QNetworkReply> reply(
            manager.get(QNetworkRequest(proxy.url(QStringLiteral("/admin/user/current")))));
        if (!nullify::test::waitForFinished(reply.get(), std::chrono::milliseconds(kTimeoutMs)))
            return std::pair(QNetworkReply::NoError, -1);
        return std::pair(reply->error(), reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
    };
    QCOMPARE(get().first, QNetworkReply::SslHandshakeFailedError); // the private CA is not trusted yet
    QVERIFY(proxy.accessLog().isEmpty());

    const int systemAuthorities = int(QSslConfiguration::defaultConfiguration().caCertificates().size());
    const auto authorities = nullify::app::loadCaCertificates(proxy.caCertificateFile(), &error);
    QVERIFY2(authorities, qPrintable(error));
    nullify::app::trustCaCertificates(*authorities);
    QCOMPARE(QSslConfiguration::defaultConfiguration().caCertificates().size(), systemAuthorities + 1);

    const auto [trustedError, trustedStatus] = get();
    QCOMPARE(trustedStatus, 401); // the sandbox answered: no token
    QCOMPARE(trustedError, QNetworkReply::AuthenticationRequiredError);
    QVERIFY2(proxy.allOverHttp2(&error), qPrintable(error));
}

std::pair<int, QString> TestCaCertificates::runApp(const QStringList& arguments, const QProcessEnvironment& environment)
{
    QProcess app;
    QProcessEnvironment env = environment;
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    app.setProcessEnvironment(env);
    app.start(QStringLiteral(NULLIFY_APP_EXECUTABLE), arguments);
    if (!app.waitForFinished(kTimeoutMs)) {
        app.kill();
        app.waitForFinished();
        return {-1, QStringLiteral("did not end")};
    }
    return {app.exitCode(), QString::fromLocal8Bit(app.readAllStandardError() + app.readAllStandardOutput())};
}

void TestCaCertificates::appStopsOnABadFile_data()
{
    QTest::addColumn<bool>("fromEnvironment");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("reason");
    QTest::newRow("--ca-certificates missing") << false << "missing.pem"
                                               << "cannot read the CA certificates file";
    QTest::newRow("--ca-certificates empty") << false << "empty.pem"
                                             << "holds no PEM or DER certificate";
    QTest::newRow("NULLIFY_CA_CERTIFICATES text") << true << "text.pem"
                                                  << "holds no PEM or DER certificate";
}

void TestCaCertificates::appStopsOnABadFile()
{
    QFETCH(bool, fromEnvironment);
    QFETCH(QString, name);
    QFETCH(QString, reason);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QStringList arguments {QStringLiteral("--exit-when-shown")};
    if (fromEnvironment)
        environment.insert(QStringLiteral("NULLIFY_CA_CERTIFICATES"), path(name));
    else
        arguments << QStringLiteral("--ca-certificates") << path(name);
    const auto [code, output] = runApp(arguments, environment);
    QCOMPARE(code, 1);
    QVERIFY2(output.contains(reason) && output.contains(path(name)), qPrintable(output));
    QVERIFY2(!output.contains(QStringLiteral("shown:")), qPrintable(output));
}

void TestCaCertificates::appStartsWithAGoodFile()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // The option wins over the environment.
    environment.insert(QStringLiteral("NULLIFY_CA_CERTIFICATES"), path(QStringLiteral("empty.pem")));
    const auto [code, output] = runApp(
        {QStringLiteral("--exit-when-shown"), QStringLiteral("--ca-certificates"), path(QStringLiteral("ca.pem"))},
        environment);
    QCOMPARE(code, 0);
    QVERIFY2(output.contains(QStringLiteral("shown:")), qPrintable(output));
}

QTEST_GUILESS_MAIN(TestCaCertificates)
#include "tst_cacertificates.moc"
