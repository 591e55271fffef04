#include "tlsreverseproxy.h"

#include "ports.h"

#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QtCore/qtestsupport_core.h>

#include <csignal>

#ifndef NULLIFY_TLS_PROXY_CONFIG_SCRIPT
#error "NULLIFY_TLS_PROXY_CONFIG_SCRIPT must name tests/support/make-tls-proxy-config.sh"
#endif

using namespace std::chrono_literals;

namespace nullify::test {

namespace {

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Polls until done() or the timeout, running the event loop meanwhile: a reload happens while the
// client's requests are in flight, and they must go on.
template <typename Done> bool waitUntil(Done done, std::chrono::milliseconds timeout)
{
    return QTest::qWaitFor(done, int(timeout.count()));
}

} // namespace

TlsReverseProxy::~TlsReverseProxy()
{
    stop();
}

QString TlsReverseProxy::executable()
{
    return QStandardPaths::findExecutable(QStringLiteral("nghttpx"),
                                          {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
}

bool TlsReverseProxy::start(quint16 backendPort, QString* error)
{
    const QString nghttpx = executable();
    if (nghttpx.isEmpty()) {
        *error = QString::fromLatin1(notInstalled);
        return false;
    }
    if (qEnvironmentVariableIsSet("NULLIFY_KEEP_TLS_PROXY_DIR")) { // for looking into a failed run
        m_dir.setAutoRemove(false);
        qInfo("the TLS proxy's configuration and logs stay in %s", qPrintable(m_dir.path()));
    }
    if (!m_dir.isValid()) {
        *error = QStringLiteral("no temporary directory: %1").arg(m_dir.errorString());
        return false;
    }
    m_port = closedPort(); // free now; nghttpx takes it
    if (m_port == 0) {
        *error = QStringLiteral("no free loopback port for the proxy");
        return false;
    }

    QProcess config;
    config.setProcessChannelMode(QProcess::MergedChannels);
    config.start(QStringLiteral("bash"),
                 {QStringLiteral(NULLIFY_TLS_PROXY_CONFIG_SCRIPT),
                  m_dir.path(),
                  QString::number(m_port),
                  QString::number(backendPort)});
    if (!config.waitForFinished(startTimeoutMs) || config.exitStatus() != QProcess::NormalExit
        || config.exitCode() != 0) {
        *error = QStringLiteral("make-tls-proxy-config.sh failed: %1 %2")
                     .arg(config.errorString(), QString::fromLocal8Bit(config.readAll()));
        return false;
    }

    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.setStandardOutputFile(m_dir.filePath(QStringLiteral("stdout.log")));
    m_process.start(nghttpx, {QStringLiteral("--conf=") + m_dir.filePath(QStringLiteral("nghttpx.conf"))});
    if (!m_process.waitForStarted(startTimeoutMs)) {
        *error = QStringLiteral("cannot start %1: %2").arg(nghttpx, m_process.errorString());
        return false;
    }
    const bool listening = waitUntil(
        [this] {
            return m_process.state() != QProcess::Running || acceptsConnection(QHostAddress::LocalHost, m_port, 200ms);
        },
        std::chrono::milliseconds(startTimeoutMs));
    if (!listening || m_process.state() != QProcess::Running) {
        *error = QStringLiteral("nghttpx did not listen on 127.0.0.1:%1; its log:\n%2%3")
                     .arg(m_port)
                     .arg(QString::fromLocal8Bit(readFile(m_dir.filePath(QStringLiteral("stdout.log")))), errorLog());
        stop();
        return false;
    }
    return true;
}

void TlsReverseProxy::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QUrl TlsReverseProxy::url(const QString& pathAndQuery) const
{
    return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_port).arg(pathAndQuery));
}

QString TlsReverseProxy::caCertificateFile() const
{
    return m_dir.filePath(QStringLiteral("ca.crt"));
}

QList<QSslCertificate> TlsReverseProxy::caCertificates() const
{
    return QSslCertificate::fromPath(caCertificateFile());
}

QSslConfiguration TlsReverseProxy::trusting(const QList<QSslCertificate>& authorities)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.addCaCertificates(authorities);
    return configuration;
}

bool TlsReverseProxy::reload(QString* error)
{
    if (m_process.state() != QProcess::Running) {
        *error = QStringLiteral("nghttpx is not running");
        return false;
    }
    static const QByteArray draining = QByteArrayLiteral("Graceful shutdown commencing");
    const int before = errorLogCount(draining);
    ::kill(pid_t(m_process.processId()), SIGHUP);
    if (!waitUntil([&] { return errorLogCount(draining) > before; }, 10s)) {
        *error
            = QStringLiteral("nghttpx did not drain its worker within 10 s after SIGHUP; its log:\n%1").arg(errorLog());
        return false;
    }
    return true;
}

int TlsReverseProxy::drainedWorkers() const
{
    return errorLogCount(QByteArrayLiteral("exited normally"));
}

QList<TlsReverseProxy::Request> TlsReverseProxy::accessLog() const
{
    // The format make-tls-proxy-config.sh sets: $remote_port $alpn $protocol_version "$method $path" $status
    static const QRegularExpression line(QStringLiteral(R"re(^(\d+) (\S+) (\S+) "(\S+) (\S*)" (\d+)$)re"));
    QList<Request> requests;
    const QList<QByteArray> lines = readFile(m_dir.filePath(QStringLiteral("access.log"))).split('\n');
    for (const QByteArray& text : lines) {
        const QRegularExpressionMatch match = line.match(QString::fromUtf8(text));
        if (!match.hasMatch())
            continue;
        Request request;
        request.clientPort = match.captured(1).toInt();
        request.alpn = match.captured(2);
        request.httpVersion = match.captured(3);
        request.method = match.captured(4);
        request.path = match.captured(5);
        request.status = match.captured(6).toInt();
        requests.append(request);
    }
    return requests;
}

bool TlsReverseProxy::allOverHttp2(QString* whyNot) const
{
    const QList<Request> requests = accessLog();
    if (requests.isEmpty()) {
        *whyNot = QStringLiteral("no request reached the proxy");
        return false;
    }
    for (const Request& request : requests) {
        if (request.alpn != QLatin1String("h2") || request.httpVersion != QLatin1String("HTTP/2")) {
            *whyNot = QStringLiteral("%1 %2 came over %3 (ALPN %4), not HTTP/2")
                          .arg(request.method, request.path, request.httpVersion, request.alpn);
            return false;
        }
    }
    return true;
}

QString TlsReverseProxy::errorLog() const
{
    return QString::fromLocal8Bit(readFile(m_dir.filePath(QStringLiteral("error.log"))));
}

int TlsReverseProxy::errorLogCount(const QByteArray& marker) const
{
    return int(readFile(m_dir.filePath(QStringLiteral("error.log"))).count(marker));
}

} // namespace nullify::test
