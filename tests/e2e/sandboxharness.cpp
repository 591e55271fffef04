#include "sandboxharness.h"

#include "authapi.h"
#include "networkaccessmanager.h"
#include "replyhelpers.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QUrlQuery>
#include <QtCore/qtestsupport_core.h>

namespace nullify::test {

SandboxHarness::SandboxHarness(const sandbox::ServerOptions& options)
    : m_server(std::make_unique<sandbox::SandboxServer>(options))
{ }

SandboxHarness::SandboxHarness(const QUrl& apiBase, const QUrl& controlBase)
    : m_apiBase(apiBase)
    , m_controlBase(controlBase)
{ }

SandboxHarness::~SandboxHarness()
{
    if (m_defaultTlsBefore)
        QSslConfiguration::setDefaultConfiguration(*m_defaultTlsBefore);
}

std::unique_ptr<SandboxHarness> SandboxHarness::attachToChildProcess(
    QProcess* process, const QString& program, const QStringList& arguments, int timeoutMs, QString* error)
{
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process->start(program, arguments);
    if (!process->waitForStarted(10'000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(program, process->errorString());
        return nullptr;
    }
    QElapsedTimer waited;
    waited.start();
    while (!process->canReadLine() && process->state() == QProcess::Running && waited.elapsed() < timeoutMs)
        process->waitForReadyRead(500);
    const QJsonObject ports = QJsonDocument::fromJson(process->readLine()).object();
    const QUrl api(ports.value(QStringLiteral("api")).toString());
    const QUrl control(ports.value(QStringLiteral("control")).toString());
    if (!api.isValid() || api.port() <= 0 || !control.isValid() || control.port() <= 0) {
        *error = QStringLiteral("%1 did not print its ports").arg(program);
        return nullptr;
    }
    return std::make_unique<SandboxHarness>(api, control);
}

bool SandboxHarness::start(QString* error)
{
    return !m_server || m_server->start(error);
}

bool SandboxHarness::tlsProxyRequested()
{
    return qgetenv("NULLIFY_E2E_TRANSPORT") == "tls-proxy";
}

bool SandboxHarness::startTlsProxy(QString* error)
{
    const QUrl sandboxApi = m_server ? m_server->apiUrl() : m_apiBase;
    auto proxy = std::make_unique<TlsReverseProxy>();
    if (!proxy->start(quint16(sandboxApi.port()), error))
        return false;
    if (proxy->caCertificates().isEmpty()) {
        *error = QStringLiteral("the proxy's CA file %1 holds no certificate").arg(proxy->caCertificateFile());
        return false;
    }
    if (!m_defaultTlsBefore)
        m_defaultTlsBefore = QSslConfiguration::defaultConfiguration();
    QSslConfiguration::setDefaultConfiguration(proxy->trustingConfiguration());
    m_proxy = std::move(proxy);
    return true;
}

QUrl SandboxHarness::apiUrl(const QString& pathAndQuery) const
{
    if (m_proxy)
        return m_proxy->url(pathAndQuery);
    if (m_server)
        return m_server->apiUrl(pathAndQuery);
    return QUrl(m_apiBase.toString(QUrl::StripTrailingSlash) + pathAndQuery);
}

QUrl SandboxHarness::controlUrl(const QString& pathAndQuery) const
{
    if (m_server)
        return m_server->controlUrl(pathAndQuery);
    return QUrl(m_controlBase.toString(QUrl::StripTrailingSlash) + pathAndQuery);
}

bool SandboxHarness::control(const QByteArray& method, const QString& path, const QByteArray& body, QJsonObject* answer)
{
    QNetworkRequest request(controlUrl(path));
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    const std::unique_ptr<QNetworkReply> reply(m_http.sendCustomRequest(request, method, body));
    if (!waitForFinished(reply.get(), std::chrono::milliseconds(controlTimeoutMs))) {
        m_lastError = QStringLiteral("control %1 %2: no answer").arg(QString::fromLatin1(method), path);
        return false;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->readAll();
    if (status != 200) {
        m_lastError = QStringLiteral("control %1 %2: HTTP %3 %4")
                          .arg(QString::fromLatin1(method), path)
                          .arg(status)
                          .arg(QString::fromUtf8(data));
        return false;
    }
    if (answer)
        *answer = QJsonDocument::fromJson(data).object();
    return true;
}

bool SandboxHarness::addFaults(const QJsonArray& rules)
{
    QJsonObject answer;
    if (!control("POST", QStringLiteral("/faults"), json({{QStringLiteral("faults"), rules}}), &answer))
        return false;
    if (answer.value(QStringLiteral("added")).toInt() != rules.size()) {
        m_lastError = QStringLiteral("the sandbox added %1 of %2 rules")
                          .arg(answer.value(QStringLiteral("added")).toInt())
                          .arg(rules.size());
        return false;
    }
    return true;
}

bool SandboxHarness::clearFaults()
{
    return control("DELETE", QStringLiteral("/faults"), {}, nullptr);
}

bool SandboxHarness::resetLog()
{
    return control("POST", QStringLiteral("/reset-log"), {}, nullptr);
}

bool SandboxHarness::revoke(const QString& principal, bool refreshTokensToo)
{
    QJsonObject body {{QStringLiteral("refreshTokens"), refreshTokensToo}};
    if (!principal.isEmpty())
        body.insert(QStringLiteral("principal"), principal);
    return control("POST", QStringLiteral("/revoke"), json(body), nullptr);
}

QList<QJsonObject> SandboxHarness::requestLog()
{
    QJsonObject answer;
    if (!control("GET", QStringLiteral("/log?since=0"), {}, &answer)) {
        qWarning("%s", qPrintable(m_lastError));
        return {};
    }
    QList<QJsonObject> entries;
    for (const QJsonValue& entry : answer.value(QStringLiteral("entries")).toArray())
        entries.append(entry.toObject());
    return entries;
}

QJsonObject SandboxHarness::state()
{
    QJsonObject answer;
    if (!control("GET", QStringLiteral("/state"), {}, &answer))
        qWarning("%s", qPrintable(m_lastError));
    return answer;
}

std::optional<QUrl> SandboxHarness::approve(const QUrl& authUrl, QString* whyNot)
{
    QNetworkRequest page(authUrl);
    page.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    const std::unique_ptr<QNetworkReply> reply(m_http.get(page));
    if (!waitForFinished(reply.get(), std::chrono::milliseconds(controlTimeoutMs))) {
        *whyNot = QStringLiteral("the sign-in page did not answer");
        return std::nullopt;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QUrl location = reply->header(QNetworkRequest::LocationHeader).toUrl();
    if (status != 302 || !location.isValid()) {
        *whyNot
            = QStringLiteral("the sign-in page answered HTTP %1 without a redirect (is auto-approve on?)").arg(status);
        return std::nullopt;
    }
    return location;
}

int SandboxHarness::visit(const QUrl& url, QByteArray* body)
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    const std::unique_ptr<QNetworkReply> reply(m_http.get(request));
    if (!waitForFinished(reply.get(), std::chrono::milliseconds(controlTimeoutMs)))
        return 0;
    if (body)
        *body = reply->readAll();
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

std::optional<session::Credentials> SandboxHarness::signIn(NetworkAccessManager* manager, QString* whyNot)
{
    // The app listens on a loopback port for the browser's callback; the sandbox redirects there.
    // Nothing answers on it: the redirect is checked, not followed.
    QTcpServer callback;
    if (!callback.listen(QHostAddress::LocalHost, 0)) {
        *whyNot = callback.errorString();
        return std::nullopt;
    }
    session::AuthApi auth(manager, apiUrl());
    QObject context; // destroyed on every way out: a late answer never writes into a gone frame
    const auto describe
        = [](const auto& result) { return result ? result->error().toString() : QStringLiteral("no answer"); };

    std::optional<api::Result<session::CliSession>> created;
    auth.createCliSession(callback.serverPort(), &context, [&created](const auto& r) { created = r; });
    if (!QTest::qWaitFor([&created] { return created.has_value(); }, controlTimeoutMs) || !created->isOk()) {
        *whyNot = QStringLiteral("POST /auth/cli/session failed: %1").arg(describe(created));
        return std::nullopt;
    }
    const QString sessionId = created->value().sessionId;

    const std::optional<QUrl> location = approve(created->value().authUrl, whyNot);
    if (!location)
        return std::nullopt;
    if (location->port() != callback.serverPort() || location->path() != QStringLiteral("/callback")
        || QUrlQuery(*location).queryItemValue(QStringLiteral("session_id")) != sessionId) {
        *whyNot = QStringLiteral("the sign-in page did not redirect to the callback: %1").arg(location->toString());
        return std::nullopt;
    }

    std::optional<api::Result<session::Credentials>> tokens;
    // Empty with a --legacy-callback sandbox: then {"session_id"} goes alone.
    const QString secret = QUrlQuery(*location).queryItemValue(QStringLiteral("redemption_secret"));
    auth.exchangeCliToken(sessionId, secret, &context, [&tokens](const auto& r) { tokens = r; });
    if (!QTest::qWaitFor([&tokens] { return tokens.has_value(); }, controlTimeoutMs) || !tokens->isOk()) {
        *whyNot = QStringLiteral("POST /auth/cli/token failed: %1").arg(describe(tokens));
        return std::nullopt;
    }
    return tokens->value();
}

QList<QJsonObject> SandboxHarness::entriesFor(const QList<QJsonObject>& log, const QString& method, const QString& path)
{
    QList<QJsonObject> matching;
    for (const QJsonObject& entry : log) {
        if (entry.value(QStringLiteral("method")).toString() == method
            && entry.value(QStringLiteral("path")).toString() == path)
            matching.append(entry);
    }
    return matching;
}

QByteArray SandboxHarness::json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace nullify::test
