#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <functional>
#include <optional>

namespace nullify::sandbox {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// One parsed API request as the tenant's handlers see it.
struct SandboxRequest
{
    QByteArray method;
    QString path; // decoded, no query
    QUrlQuery query;
    HeaderList headers;
    QByteArray body;
    int connectionId = 0;
    QHash<QString, QString> pathParams; // filled by the router from "{name}" segments
    QString principal; // who the bearer token belongs to ("user:alice", "service:ci"), set after auth

    QByteArray header(const QByteArray& name) const; // case-insensitive; empty when absent
    // Parses the body as a JSON object; on failure returns nullopt and sets *error.
    std::optional<QJsonObject> jsonObject(QString* error) const;
};

struct SandboxResponse
{
    int status = 200;
    HeaderList headers;
    QByteArray body;

    static SandboxResponse json(int status, const QJsonValue& value);
    // The API's error shape: {"error": "message"}.
    static SandboxResponse error(int status, const QString& message);
    SandboxResponse& header(const QByteArray& name, const QByteArray& value);
};

using RouteHandler = std::function<SandboxResponse(const SandboxRequest&)>;

// Method + path pattern routing. Patterns are literal segments and "{name}" segments, e.g.
// "/sast/findings/{id}/autofix/status". Literal segments win over parameters when both match.
class Router
{
public:
    void add(const QByteArray& method, const QString& pattern, RouteHandler handler);
    // nullopt when no pattern matches the path (404); a 405 response when the path matches
    // under another method.
    std::optional<SandboxResponse> dispatch(SandboxRequest& request) const;

private:
    struct Route
    {
        QByteArray method;
        QStringList segments;
        RouteHandler handler;
    };
    QList<Route> m_routes;
};

} // namespace nullify::sandbox
