#pragma once

#include <QList>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

namespace nullify::test {

// nghttpx (Debian's nghttp2-proxy) as a TLS-terminating HTTP/2 reverse proxy in front of a plain
// HTTP/1.1 server on 127.0.0.1: the path real users take to the API through its gateway. Its
// certificate comes from a CA made for this fixture alone (tests/support/make-tls-proxy-config.sh),
// which a client trusts only when told to (trustingConfiguration()): a client that is not told
// fails the handshake, so nothing here works by ignoring certificate errors.
class TlsReverseProxy
{
public:
    // The QSKIP text when nghttpx is missing (CI turns environment skips into failures).
    static constexpr const char* notInstalled = "nghttpx not installed (apt-get install nghttp2-proxy)";
    static constexpr int startTimeoutMs = 15'000;

    // One line of the proxy's access log: what the client's side of the proxy saw.
    struct Request
    {
        int clientPort = 0; // one client connection, one port
        QString alpn; // "h2" when the client negotiated HTTP/2 over TLS
        QString httpVersion; // "HTTP/2", "HTTP/1.1"
        QString method;
        QString path; // with the query
        int status = 0;
    };

    TlsReverseProxy() = default;
    ~TlsReverseProxy();
    TlsReverseProxy(const TlsReverseProxy&) = delete;
    TlsReverseProxy& operator=(const TlsReverseProxy&) = delete;

    // The nghttpx executable, empty when it is not installed.
    static QString executable();

    // Makes the CA and the configuration, starts nghttpx on a free port and waits until it accepts
    // connections. false with the reason (nghttpx's own error log included) when it did not.
    // NULLIFY_KEEP_TLS_PROXY_DIR=1 keeps the directory with the CA, configuration and logs.
    bool start(quint16 backendPort, QString* error);
    bool isRunning() const { return m_process.state() == QProcess::Running; }
    // Stops nghttpx at once (SIGTERM; its workers follow).
    void stop();

    quint16 port() const { return m_port; }
    // https://127.0.0.1:<port><pathAndQuery>
    QUrl url(const QString& pathAndQuery = {}) const;

    QString caCertificateFile() const;
    QList<QSslCertificate> caCertificates() const;
    // The default configuration plus this fixture's CA: what a client needs to reach the proxy.
    static QSslConfiguration trusting(const QList<QSslCertificate>& authorities);
    QSslConfiguration trustingConfiguration() const { return trusting(caCertificates()); }

    // A graceful reload, as an operator reloads a gateway (SIGHUP): the master starts a new worker
    // on the same listening socket, and the old one sends GOAWAY on its connections, finishes the
    // streams it accepted and exits. Returns once the old worker has begun its graceful shutdown;
    // false with the reason when that did not happen in time.
    bool reload(QString* error);
    // Old workers that have exited after a reload.
    int drainedWorkers() const;

    QList<Request> accessLog() const;
    // Whether the proxy served requests and every one came over HTTP/2 negotiated by ALPN ("h2"):
    // the proof that a client took the path under test (Qt 6.4 does not set Http2WasUsedAttribute
    // on a reply it got over h2). false with what it saw otherwise.
    bool allOverHttp2(QString* whyNot) const;
    QString errorLog() const;

private:
    int errorLogCount(const QByteArray& marker) const;

    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace nullify::test
