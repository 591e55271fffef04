#include "sandboxserver.h"

#include "httpendpoint.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QTimer>

#include <cstdio>

namespace nullify::sandbox {

namespace {

// The body of a control request that may have none: empty is {}, anything else must be an object.
std::optional<QJsonObject> optionalObjectBody(const SandboxRequest& request, QString* error)
{
    if (request.body.trimmed().isEmpty()) {
        return QJsonObject {};
    }
    return request.jsonObject(error);
}

// Query parameters that carry credentials or one-time secrets never reach the log in clear.
bool isSecretParameter(const QString& name)
{
    static const QStringList secrets {
        QStringLiteral("session_id"),
        QStringLiteral("redemption_secret"),
        QStringLiteral("token"),
        QStringLiteral("access_token"),
        QStringLiteral("refresh_token"),
        QStringLiteral("code"),
        QStringLiteral("state"),
        QStringLiteral("password"),
        QStringLiteral("client_secret"),
    };
    return secrets.contains(name, Qt::CaseInsensitive);
}

QString redactedQuery(const QUrlQuery& query)
{
    QUrlQuery copy;
    const auto items = query.queryItems(QUrl::FullyEncoded);
    for (const auto& item : items) {
        copy.addQueryItem(item.first, isSecretParameter(item.first) ? QStringLiteral("REDACTED") : item.second);
    }
    return copy.toString(QUrl::FullyEncoded);
}

QByteArray httpDate(const QDateTime& time)
{
    return QLocale::c().toString(time.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")).toLatin1();
}

QByteArray bearerOf(const SandboxRequest& request)
{
    const QByteArray authorization = request.header(QByteArrayLiteral("Authorization")).trimmed();
    if (!authorization.startsWith("Bearer ") && !authorization.startsWith("bearer ")) {
        return {};
    }
    return authorization.mid(7).trimmed();
}

QByteArray refreshCookieOf(const SandboxRequest& request)
{
    const auto pairs = request.header(QByteArrayLiteral("Cookie")).split(';');
    for (const QByteArray& pair : pairs) {
        const QByteArray trimmed = pair.trimmed();
        if (trimmed.startsWith("refresh_token=")) {
            return trimmed.mid(14);
        }
    }
    return {};
}

SandboxRequest toSandboxRequest(const nullify::test::ParsedHttpRequest& parsed, int connectionId)
{
    SandboxRequest request;
    request.method = parsed.method;
    request.path = parsed.path;
    request.query = parsed.query;
    request.headers = parsed.headers;
    request.body = parsed.body;
    request.connectionId = connectionId;
    return request;
}

} // namespace

// What the log needs to know about one request from arrival to answer.
struct SandboxServer::Exchange
{
    QDateTime receivedAt;
    QElapsedTimer timer;
    QByteArray method;
    QString path;
    QString query;
    QString tokenHash;
    QString refreshTokenHash;
    QString bodyHash;
    qint64 bodySize = 0;
    int connectionId = 0;
    QString requestId; // the client's X-Request-Id: groups the attempts of one logical request
    QJsonValue fault = QJsonValue::Null;
    bool logged = false;
};

SandboxServer::SandboxServer(const ServerOptions& options, QObject* parent)
    : QObject(parent)
    , m_options(options)
    , m_tenant(std::make_unique<TenantApi>(options.tenant))
    , m_auth(std::make_unique<AuthService>(options.auth, m_tenant->githubOwnerId()))
{
    // Auth routes first: they are the only ones reachable without a bearer token.
    m_auth->registerRoutes(m_router);
    m_tenant->registerRoutes(m_router);
    registerControlRoutes();

    m_api = std::make_unique<HttpEndpoint>(
        [this](const HttpEndpoint::ParsedRequest& parsed, int connectionId, ReplyHandle reply) {
            handleApi(parsed.method, toSandboxRequest(parsed, connectionId), connectionId, reply);
        });
    m_api->setMaxBodyBytes(m_options.maxBodyBytes);
    m_api->setProtocolErrorHook(
        [this](const HttpEndpoint::ParsedRequest& partial, int connectionId, const SandboxResponse& response) {
            auto exchange = std::make_shared<Exchange>();
            exchange->receivedAt = QDateTime::currentDateTimeUtc();
            exchange->timer.start();
            exchange->method = partial.method;
            exchange->path = partial.path;
            exchange->query = redactedQuery(partial.query);
            exchange->bodySize = partial.bodySize;
            exchange->connectionId = connectionId;
            ++m_requestCount;
            log(exchange, response.status);
        });

    m_control = std::make_unique<HttpEndpoint>(
        [this](const HttpEndpoint::ParsedRequest& parsed, int connectionId, ReplyHandle reply) {
            SandboxRequest request = toSandboxRequest(parsed, connectionId);
            handleControl(request, reply);
        });
    m_control->setMaxBodyBytes(m_options.maxBodyBytes);
}

SandboxServer::~SandboxServer()
{
    // Endpoints first: their sockets call back into the router and the auth service.
    m_api.reset();
    m_control.reset();
}

bool SandboxServer::start(QString* error)
{
    if (!m_options.logPath.isEmpty() && m_options.logPath != QStringLiteral("-")) {
        m_logFile.setFileName(m_options.logPath);
        if (!m_logFile.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
            *error = QStringLiteral("cannot open log file %1: %2").arg(m_options.logPath, m_logFile.errorString());
            return false;
        }
    }
    QString listenError;
    if (!m_api->listen(m_options.port, &listenError)) {
        *error = QStringLiteral("cannot listen on 127.0.0.1:%1: %2").arg(m_options.port).arg(listenError);
        return false;
    }
    if (!m_control->listen(m_options.controlPort, &listenError)) {
        *error
            = QStringLiteral("cannot listen on 127.0.0.1:%1 (control): %2").arg(m_options.controlPort).arg(listenError);
        return false;
    }
    m_auth->setApiPort(m_api->port());
    return true;
}

quint16 SandboxServer::apiPort() const
{
    return m_api->port();
}

quint16 SandboxServer::controlPort() const
{
    return m_control->port();
}

QUrl SandboxServer::apiUrl(const QString& pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(apiPort()) + pathAndQuery);
}

QUrl SandboxServer::controlUrl(const QString& pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(controlPort()) + pathAndQuery);
}

QHostAddress SandboxServer::apiAddress() const
{
    return m_api->address();
}

QHostAddress SandboxServer::controlAddress() const
{
    return m_control->address();
}

int SandboxServer::connectionCount() const
{
    return m_api->connectionCount();
}

int SandboxServer::openConnectionCount() const
{
    return m_api->openConnectionCount();
}

void SandboxServer::resetLog()
{
    m_log.clear();
    m_requestCount = 0;
    m_faultsApplied = 0;
    m_api->resetConnectionCount();
}

QJsonObject SandboxServer::state() const
{
    return QJsonObject {
        {QStringLiteral("requests"), m_requestCount},
        {QStringLiteral("connections"), m_api->connectionCount()},
        {QStringLiteral("openConnections"), m_api->openConnectionCount()},
        {QStringLiteral("faultsApplied"), m_faultsApplied},
        {QStringLiteral("liveAccessTokens"), m_auth->liveAccessTokens()},
        {QStringLiteral("cloudScansStarted"), m_tenant->cloudScansStarted()},
        {QStringLiteral("pentestsStarted"), m_tenant->pentestsStarted()},
        {QStringLiteral("autofixesStarted"), m_tenant->autofixesStarted()},
        {QStringLiteral("autofixRequests"), m_tenant->autofixRequests()},
        {QStringLiteral("findingPatches"), m_tenant->findingPatches()},
        {QStringLiteral("events"), m_tenant->eventCount()},
    };
}

void SandboxServer::handleApi(const QByteArray& method,
                              const SandboxRequest& request,
                              int connectionId,
                              ReplyHandle reply)
{
    auto exchange = std::make_shared<Exchange>();
    exchange->receivedAt = QDateTime::currentDateTimeUtc();
    exchange->timer.start();
    exchange->method = method;
    exchange->path = request.path;
    exchange->query = redactedQuery(request.query);
    const QByteArray bearer = bearerOf(request);
    if (!bearer.isEmpty()) {
        exchange->tokenHash = shortHash(bearer);
    }
    const QByteArray refreshToken = refreshCookieOf(request);
    if (!refreshToken.isEmpty()) {
        exchange->refreshTokenHash = shortHash(refreshToken);
    }
    exchange->bodySize = request.body.size();
    if (!request.body.isEmpty()) {
        exchange->bodyHash = shortHash(request.body);
    }
    exchange->connectionId = connectionId;
    // Capped: the log is for reading, and a client must not be able to grow it without bound.
    exchange->requestId = QString::fromLatin1(request.header(QByteArrayLiteral("X-Request-Id")).trimmed().left(128));
    ++m_requestCount;

    const std::optional<Fault> fault = m_faults.take(method, request.path);
    if (!fault) {
        SandboxRequest copy = request;
        finish(exchange, reply, serve(copy));
        return;
    }
    ++m_faultsApplied;
    exchange->fault = fault->toJson();

    switch (fault->kind) {
    case Fault::Kind::Status: {
        const QDateTime now = QDateTime::currentDateTimeUtc().addSecs(fault->dateSkewSeconds);
        QString message
            = fault->message.isEmpty() ? QStringLiteral("injected fault: HTTP %1").arg(fault->status) : fault->message;
        if (fault->echoCredentials) {
            message += QStringLiteral(" (request headers: Authorization: %1; Cookie: %2)")
                           .arg(QString::fromLatin1(request.header(QByteArrayLiteral("Authorization"))),
                                QString::fromLatin1(request.header(QByteArrayLiteral("Cookie"))));
        }
        SandboxResponse response = SandboxResponse::error(fault->status, message);
        response.header(QByteArrayLiteral("Date"), httpDate(now));
        if (fault->retryAfterSeconds >= 0) {
            response.header(QByteArrayLiteral("Retry-After"), QByteArray::number(fault->retryAfterSeconds));
        } else if (fault->retryAfterDateSeconds) {
            response.header(QByteArrayLiteral("Retry-After"), httpDate(now.addSecs(*fault->retryAfterDateSeconds)));
        } else if (!fault->retryAfterRaw.isEmpty()) {
            response.header(QByteArrayLiteral("Retry-After"), fault->retryAfterRaw);
        }
        if (fault->status == 401) {
            response.header(QByteArrayLiteral("WWW-Authenticate"),
                            QByteArrayLiteral("Bearer realm=\"nullify-sandbox\""));
        }
        finish(exchange, reply, response);
        return;
    }
    case Fault::Kind::Revoke: {
        m_auth->revokeAccessToken(bearer);
        SandboxResponse response = SandboxResponse::error(
            401, fault->message.isEmpty() ? QStringLiteral("access token revoked") : fault->message);
        response.header(QByteArrayLiteral("WWW-Authenticate"),
                        QByteArrayLiteral("Bearer realm=\"nullify-sandbox\", error=\"invalid_token\""));
        finish(exchange, reply, response);
        return;
    }
    case Fault::Kind::Latency: {
        // The request is served after the delay, against the state at that time.
        QTimer::singleShot(fault->latencyMs, this, [this, exchange, reply, request]() mutable {
            SandboxRequest copy = request;
            finish(exchange, reply, serve(copy));
        });
        return;
    }
    case Fault::Kind::Close:
        log(exchange, 0);
        reply.close();
        return;
    case Fault::Kind::Stall:
        log(exchange, 0);
        reply.stall();
        return;
    case Fault::Kind::ResetMidBody: {
        SandboxRequest copy = request;
        const SandboxResponse response = serve(copy);
        log(exchange, response.status);
        reply.resetMidBody(response);
        return;
    }
    }
}

SandboxResponse SandboxServer::serve(SandboxRequest& request)
{
    // Everything outside /auth/ belongs to the tenant and needs a valid token with its scope.
    if (!request.path.startsWith(QStringLiteral("/auth/"))) {
        if (auto refusal = m_auth->authenticate(request)) {
            return *refusal;
        }
    }
    if (auto response = m_router.dispatch(request)) {
        return *response;
    }
    return SandboxResponse::error(404, QStringLiteral("no such endpoint: %1").arg(request.path));
}

void SandboxServer::finish(const std::shared_ptr<Exchange>& exchange,
                           ReplyHandle& reply,
                           const SandboxResponse& response)
{
    log(exchange, response.status);
    reply.respond(response);
}

void SandboxServer::log(const std::shared_ptr<Exchange>& exchange, int status)
{
    if (exchange->logged) {
        return;
    }
    exchange->logged = true;
    auto orNull
        = [](const QString& value) { return value.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(value); };
    QJsonObject entry {
        {QStringLiteral("seq"), ++m_logSequence},
        {QStringLiteral("time"), exchange->receivedAt.toString(Qt::ISODateWithMs)},
        {QStringLiteral("method"), QString::fromLatin1(exchange->method)},
        {QStringLiteral("path"), exchange->path},
        {QStringLiteral("query"), exchange->query},
        // 0 means no status line was sent (close, stall).
        {QStringLiteral("status"), status > 0 ? QJsonValue(status) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("tokenHash"), orNull(exchange->tokenHash)},
        {QStringLiteral("refreshTokenHash"), orNull(exchange->refreshTokenHash)},
        {QStringLiteral("bodyHash"), orNull(exchange->bodyHash)},
        {QStringLiteral("bodySize"), exchange->bodySize},
        {QStringLiteral("connection"), exchange->connectionId},
        {QStringLiteral("requestId"), orNull(exchange->requestId)},
        {QStringLiteral("fault"), exchange->fault},
        {QStringLiteral("durationMs"), exchange->timer.elapsed()},
    };
    m_log.append(entry);
    const QByteArray line = QJsonDocument(entry).toJson(QJsonDocument::Compact) + '\n';
    if (m_logFile.isOpen()) {
        m_logFile.write(line);
        m_logFile.flush();
    } else if (m_options.logPath == QStringLiteral("-")) {
        std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), stderr);
        std::fflush(stderr);
    }
    emit requestLogged(entry);
}

void SandboxServer::handleControl(SandboxRequest& request, ReplyHandle reply)
{
    if (auto response = m_controlRouter.dispatch(request)) {
        reply.respond(*response);
        return;
    }
    reply.respond(SandboxResponse::error(404, QStringLiteral("no such control endpoint: %1").arg(request.path)));
}

void SandboxServer::registerControlRoutes()
{
    const QByteArray get = QByteArrayLiteral("GET");
    const QByteArray post = QByteArrayLiteral("POST");
    m_controlRouter.add(get, QStringLiteral("/faults"), [this](const SandboxRequest&) {
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("faults"), m_faults.toJson()}});
    });
    m_controlRouter.add(post, QStringLiteral("/faults"), [this](const SandboxRequest& request) {
        QString error;
        const qsizetype before = m_faults.toJson().size();
        if (!m_faults.addJsonText(request.body, &error)) {
            return SandboxResponse::error(400, error);
        }
        const QJsonArray rules = m_faults.toJson();
        return SandboxResponse::json(
            200, QJsonObject {{QStringLiteral("added"), rules.size() - before}, {QStringLiteral("faults"), rules}});
    });
    m_controlRouter.add(QByteArrayLiteral("DELETE"), QStringLiteral("/faults"), [this](const SandboxRequest&) {
        const qsizetype removed = m_faults.toJson().size();
        m_faults.clear();
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("removed"), removed}});
    });
    m_controlRouter.add(post, QStringLiteral("/revoke"), [this](const SandboxRequest& request) {
        QString bodyError;
        const std::optional<QJsonObject> parsed = optionalObjectBody(request, &bodyError);
        if (!parsed) {
            return SandboxResponse::error(400, bodyError);
        }
        const QJsonObject& body = *parsed;
        const QString principal = body.value(QStringLiteral("principal")).toString();
        const bool refreshTokens = body.value(QStringLiteral("refreshTokens")).toBool();
        const int revoked = m_auth->revoke(principal, refreshTokens);
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("revoked"), revoked}});
    });
    m_controlRouter.add(get, QStringLiteral("/log"), [this](const SandboxRequest& request) {
        bool ok = true;
        const QString sinceText = request.query.queryItemValue(QStringLiteral("since"));
        const qint64 since = sinceText.isEmpty() ? 0 : sinceText.toLongLong(&ok);
        if (!ok || since < 0) {
            return SandboxResponse::error(400, QStringLiteral("\"since\" must be a non-negative sequence number"));
        }
        QJsonArray entries;
        for (const QJsonObject& entry : std::as_const(m_log)) {
            if (entry.value(QStringLiteral("seq")).toInteger() > since) {
                entries.append(entry);
            }
        }
        return SandboxResponse::json(
            200, QJsonObject {{QStringLiteral("entries"), entries}, {QStringLiteral("last"), m_logSequence}});
    });
    m_controlRouter.add(
        get, QStringLiteral("/state"), [this](const SandboxRequest&) { return SandboxResponse::json(200, state()); });
    // A scanner reports a finding as new: {"findingId": "..."}, or an empty body for the next open
    // critical finding. The event feed gets a "<scanner>-new-finding" event for it.
    m_controlRouter.add(post, QStringLiteral("/events/new-finding"), [this](const SandboxRequest& request) {
        QString bodyError;
        const std::optional<QJsonObject> parsed = optionalObjectBody(request, &bodyError);
        if (!parsed) {
            return SandboxResponse::error(400, bodyError);
        }
        const QJsonObject& body = *parsed;
        QString error;
        const QJsonObject event
            = m_tenant->reportNewFinding(body.value(QStringLiteral("findingId")).toString(), &error);
        if (event.isEmpty()) {
            return SandboxResponse::error(404, error);
        }
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("event"), event}});
    });
    m_controlRouter.add(post, QStringLiteral("/reset-log"), [this](const SandboxRequest&) {
        resetLog();
        return SandboxResponse::json(200, QJsonObject {{QStringLiteral("last"), m_logSequence}});
    });
}

} // namespace nullify::sandbox
