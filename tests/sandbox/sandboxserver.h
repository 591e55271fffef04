#pragma once

#include "authservice.h"
#include "faultplan.h"
#include "sandboxhttp.h"
#include "tenantapi.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QUrl>

#include <memory>

namespace nullify::sandbox {

class HttpEndpoint;
class ReplyHandle;

struct ServerOptions
{
    quint16 port = 0; // --port; 0 picks a free one
    quint16 controlPort = 0; // --control-port; 0 picks a free one
    AuthOptions auth;
    TenantOptions tenant;
    qint64 maxBodyBytes = 8 * 1024 * 1024; // larger request bodies get 413
    QString logPath; // --log: a file to append JSON lines to, "-" for stderr, empty for none
};

// nullify-sandbox: the API port (auth, faults, tenant routes, request log) and the control port
// (fault plan, revocation, log, state). Both listen on 127.0.0.1 only.
class SandboxServer : public QObject
{
    Q_OBJECT

public:
    explicit SandboxServer(const ServerOptions& options, QObject* parent = nullptr);
    ~SandboxServer() override;

    bool start(QString* error);
    quint16 apiPort() const;
    quint16 controlPort() const;
    QHostAddress apiAddress() const;
    QHostAddress controlAddress() const;
    QUrl apiUrl(const QString& pathAndQuery = QStringLiteral("/")) const;
    QUrl controlUrl(const QString& pathAndQuery = QStringLiteral("/")) const;

    // Tenant routes are registered here; tests may add their own.
    Router& router() { return m_router; }
    FaultPlan& faultPlan() { return m_faults; }
    AuthService& auth() { return *m_auth; }
    TenantApi& tenant() { return *m_tenant; }

    QList<QJsonObject> logEntries() const { return m_log; }
    QJsonObject state() const;
    int requestCount() const { return m_requestCount; }
    int connectionCount() const;
    int openConnectionCount() const;
    // Forgets the in-memory log and zeroes the request and connection counts (ids keep counting).
    void resetLog();

signals:
    void requestLogged(const QJsonObject& entry);

private:
    struct Exchange;
    void handleApi(const QByteArray& method, const SandboxRequest& request, int connectionId, ReplyHandle reply);
    SandboxResponse serve(SandboxRequest& request);
    void finish(const std::shared_ptr<Exchange>& exchange, ReplyHandle& reply, const SandboxResponse& response);
    void log(const std::shared_ptr<Exchange>& exchange, int status);
    void handleControl(SandboxRequest& request, ReplyHandle reply);
    void registerControlRoutes();

    ServerOptions m_options;
    std::unique_ptr<TenantApi> m_tenant;
    std::unique_ptr<AuthService> m_auth;
    Router m_router;
    Router m_controlRouter;
    FaultPlan m_faults;
    std::unique_ptr<HttpEndpoint> m_api;
    std::unique_ptr<HttpEndpoint> m_control;
    QFile m_logFile;
    QList<QJsonObject> m_log;
    qint64 m_logSequence = 0;
    int m_requestCount = 0;
    int m_faultsApplied = 0;
};

} // namespace nullify::sandbox
