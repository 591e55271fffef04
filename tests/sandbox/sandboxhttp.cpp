#include "sandboxhttp.h"

#include <QJsonArray>
#include <QJsonParseError>

#include <algorithm>
#include <utility>

namespace nullify::sandbox {

namespace {

QStringList splitPath(const QString& path)
{
    // "/a/b/" and "/a/b" are the same resource here; empty segments carry no meaning.
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

bool isParameter(const QString& segment)
{
    return segment.size() > 2 && segment.startsWith(QLatin1Char('{')) && segment.endsWith(QLatin1Char('}'));
}

// Literal segments win over parameters: of two matching patterns the one with a literal at the
// first position where they differ is the better one, so "/x/{id}/stop" loses to "/x/all/stop"
// only where both match.
bool moreSpecific(const QStringList& a, const QStringList& b)
{
    for (qsizetype i = 0; i < a.size() && i < b.size(); ++i) {
        const bool aParam = isParameter(a.at(i));
        const bool bParam = isParameter(b.at(i));
        if (aParam != bParam) {
            return !aParam;
        }
    }
    return false;
}

bool matches(const QStringList& pattern, const QStringList& path, QHash<QString, QString>* params)
{
    if (pattern.size() != path.size()) {
        return false;
    }
    QHash<QString, QString> found;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QString& segment = pattern.at(i);
        if (isParameter(segment)) {
            found.insert(segment.mid(1, segment.size() - 2), path.at(i));
        } else if (segment != path.at(i)) {
            return false;
        }
    }
    if (params) {
        *params = std::move(found);
    }
    return true;
}

} // namespace

QByteArray SandboxRequest::header(const QByteArray& name) const
{
    for (const auto& entry : headers) {
        if (entry.first.compare(name, Qt::CaseInsensitive) == 0) {
            return entry.second;
        }
    }
    return {};
}

std::optional<QJsonObject> SandboxRequest::jsonObject(QString* error) const
{
    auto fail = [error](const QString& message) -> std::optional<QJsonObject> {
        if (error) {
            *error = message;
        }
        return std::nullopt;
    };
    if (body.trimmed().isEmpty()) {
        return fail(QStringLiteral("request body is empty; a JSON object is required"));
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return fail(
            QStringLiteral("malformed JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    }
    if (!document.isObject()) {
        return fail(QStringLiteral("request body must be a JSON object"));
    }
    return document.object();
}

SandboxResponse SandboxResponse::json(int status, const QJsonValue& value)
{
    SandboxResponse response;
    response.status = status;
    if (value.isObject()) {
        response.body = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    } else if (value.isArray()) {
        response.body = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    } else {
        // QJsonDocument only holds objects and arrays; scalars are wrapped and unwrapped.
        QByteArray wrapped = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
        response.body = wrapped.mid(1, wrapped.size() - 2);
    }
    response.header(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json"));
    return response;
}

SandboxResponse SandboxResponse::error(int status, const QString& message)
{
    return json(status, QJsonObject {{QStringLiteral("error"), message}});
}

SandboxResponse& SandboxResponse::header(const QByteArray& name, const QByteArray& value)
{
    headers.append({name, value});
    return *this;
}

void Router::add(const QByteArray& method, const QString& pattern, RouteHandler handler)
{
    m_routes.append({method, splitPath(pattern), std::move(handler)});
}

std::optional<SandboxResponse> Router::dispatch(SandboxRequest& request) const
{
    const QStringList path = splitPath(request.path);
    const Route* best = nullptr;
    QHash<QString, QString> bestParams;
    QList<QByteArray> otherMethods;
    for (const Route& route : m_routes) {
        QHash<QString, QString> params;
        if (!matches(route.segments, path, &params)) {
            continue;
        }
        if (route.method != request.method) {
            if (!otherMethods.contains(route.method)) {
                otherMethods.append(route.method);
            }
            continue;
        }
        if (!best || moreSpecific(route.segments, best->segments)) {
            best = &route;
            bestParams = std::move(params);
        }
    }
    if (best) {
        request.pathParams = std::move(bestParams);
        return best->handler(request);
    }
    if (!otherMethods.isEmpty()) {
        std::sort(otherMethods.begin(), otherMethods.end());
        return SandboxResponse::error(405,
                                      QStringLiteral("method %1 is not allowed on %2")
                                          .arg(QString::fromLatin1(request.method), request.path))
            .header(QByteArrayLiteral("Allow"), otherMethods.join(", "));
    }
    return std::nullopt;
}

} // namespace nullify::sandbox
