#pragma once

#include "credentials.h"
#include "sandboxserver.h"
#include "tlsreverseproxy.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QString>
#include <QUrl>

#include <memory>
#include <optional>

namespace nullify {
class NetworkAccessManager;
}

namespace nullify::test {

// The test harness's side of an in-process nullify-sandbox: starts it and talks to its control
// port over plain HTTP (its own QNetworkAccessManager, never the client's), the way an outside
// harness would. Also plays the browser's part of the sign-in handshake.
class SandboxHarness
{
public:
    static constexpr int controlTimeoutMs = 10'000;

    explicit SandboxHarness(const sandbox::ServerOptions& options);
    // Attaches to a sandbox running elsewhere, e.g. a child process started from the
    // nullify-sandbox executable (the soak test, so the client's memory is measured alone):
    // the same control calls and sign-in; start() does nothing and server() must not be used.
    SandboxHarness(const QUrl& apiBase, const QUrl& controlBase);
    ~SandboxHarness();
    // Starts `program` (the nullify-sandbox executable) in `process` and attaches to it once it
    // prints its ports, its first line on stdout: {"api": ..., "control": ...}. nullptr, with the
    // reason in *error, when it does not start or print them within `timeoutMs`.
    static std::unique_ptr<SandboxHarness> attachToChildProcess(
        QProcess* process, const QString& program, const QStringList& arguments, int timeoutMs, QString* error);

    bool start(QString* error);
    sandbox::SandboxServer& server() { return *m_server; }

    // Whether this run goes through the TLS proxy: NULLIFY_E2E_TRANSPORT=tls-proxy (CTest's *_tls
    // registrations set it).
    static bool tlsProxyRequested();
    // Puts a TLS-terminating HTTP/2 reverse proxy (nghttpx, TlsReverseProxy) in front of the API
    // port, after start(). From then on apiUrl() is the proxy's https URL, and this process
    // trusts the proxy's CA through its default QSslConfiguration (the test process only, never by
    // ignoring errors) until the harness is destroyed. The control port stays plain HTTP.
    bool startTlsProxy(QString* error);
    TlsReverseProxy* tlsProxy() const { return m_proxy.get(); }

    QUrl apiUrl(const QString& pathAndQuery = QStringLiteral("/")) const;
    QUrl controlUrl(const QString& pathAndQuery = QStringLiteral("/")) const;

    // Each returns false and sets lastError() when the control port did not answer 200.
    bool control(const QByteArray& method, const QString& path, const QByteArray& body, QJsonObject* answer);
    bool addFaults(const QJsonArray& rules);
    bool clearFaults();
    bool resetLog();
    // All access tokens (principal empty) or one principal's; refresh tokens too when asked.
    bool revoke(const QString& principal = {}, bool refreshTokensToo = false);
    QList<QJsonObject> requestLog();
    QJsonObject state();
    QString lastError() const { return m_lastError; }

    // The browser: GETs the sign-in page at authUrl (the sandbox must auto-approve) and returns
    // the loopback callback URL it redirects to, without following it.
    std::optional<QUrl> approve(const QUrl& authUrl, QString* whyNot);
    // And then the browser follows it: GETs url and returns the HTTP status (0 when no answer).
    int visit(const QUrl& url, QByteArray* body = nullptr);

    // The whole browser sign-in without a browser: the app's own auth calls (AuthApi, through the
    // client's manager, as the app makes them) with approve() as the browser in the middle. The
    // sandbox must auto-approve. nullopt with the reason when any step failed.
    std::optional<session::Credentials> signIn(NetworkAccessManager* manager, QString* whyNot);

    static QList<QJsonObject> entriesFor(const QList<QJsonObject>& log, const QString& method, const QString& path);
    static QByteArray json(const QJsonObject& object);

private:
    std::unique_ptr<sandbox::SandboxServer> m_server; // null when attached to one elsewhere
    QUrl m_apiBase; // when attached: scheme, host and port of each
    QUrl m_controlBase;
    QNetworkAccessManager m_http;
    QString m_lastError;
    std::unique_ptr<TlsReverseProxy> m_proxy;
    std::optional<QSslConfiguration> m_defaultTlsBefore; // restored when the proxy goes
};

} // namespace nullify::test
