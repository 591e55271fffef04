#include "jsonreader.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace nullify::api {

JsonReader::JsonReader(const QJsonObject& object)
    : JsonReader(object, QString(), std::make_shared<State>())
{ }

JsonReader::JsonReader(const QJsonObject& object, const QString& path, std::shared_ptr<State> state)
    : m_object(object)
    , m_path(path)
    , m_state(std::move(state))
{ }

QString JsonReader::childPath(const QString& key) const
{
    return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key;
}

QString JsonReader::typeName(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

void JsonReader::fail(const QString& fieldPath, const QString& message)
{
    if (m_state->error)
        return; // the first problem is the one worth reporting
    m_state->error = ApiError::decoding(fieldPath, QStringLiteral("'%1': %2").arg(fieldPath, message));
}

void JsonReader::typeError(const QString& key, const QString& expected, const QJsonValue& got)
{
    fail(childPath(key), QStringLiteral("expected %1, got %2").arg(expected, typeName(got)));
}

QJsonValue JsonReader::fetch(const QString& key, Presence presence, bool nullAllowed)
{
    if (!ok())
        return QJsonValue(QJsonValue::Undefined);
    const auto found = m_object.constFind(key);
    if (found == m_object.constEnd()) {
        if (presence == Required)
            fail(childPath(key), QStringLiteral("missing required field"));
        return QJsonValue(QJsonValue::Undefined);
    }
    const QJsonValue value = found.value();
    if (value.isNull() && presence == Required && !nullAllowed) {
        fail(childPath(key), QStringLiteral("required field is null"));
        return QJsonValue(QJsonValue::Undefined);
    }
    return value;
}

QString JsonReader::string(const QString& key, Presence presence)
{
    const QJsonValue value = fetch(key, presence, false);
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isString()) {
        typeError(key, QStringLiteral("a string"), value);
        return QString();
    }
    return value.toString();
}

std::optional<qint64> JsonReader::integer(const QString& key, Presence presence)
{
    const QJsonValue value = fetch(key, presence, false);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isDouble()) {
        typeError(key, QStringLiteral("an integer"), value);
        return std::nullopt;
    }
    const double number = value.toDouble();
    // 2^53: beyond it a double no longer holds every integer, so the value may already be wrong.
    constexpr double exactLimit = 9007199254740992.0;
    if (!std::isfinite(number) || std::floor(number) != number || std::fabs(number) > exactLimit) {
        fail(childPath(key), QStringLiteral("expected an integer, got %1").arg(number));
        return std::nullopt;
    }
    return static_cast<qint64>(number);
}

std::optional<double> JsonReader::number(const QString& key, Presence presence)
{
    const QJsonValue value = fetch(key, presence, false);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isDouble()) {
        typeError(key, QStringLiteral("a number"), value);
        return std::nullopt;
    }
    return value.toDouble();
}

std::optional<bool> JsonReader::boolean(const QString& key, Presence presence)
{
    const QJsonValue value = fetch(key, presence, false);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isBool()) {
        typeError(key, QStringLiteral("a boolean"), value);
        return std::nullopt;
    }
    return value.toBool();
}

QDateTime JsonReader::dateTime(const QString& key, Presence presence)
{
    const QString text = string(key, presence);
    if (text.isEmpty())
        return QDateTime();
    QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!parsed.isValid())
        parsed = QDateTime::fromString(text, Qt::ISODate);
    return parsed.isValid() ? parsed.toUTC() : QDateTime();
}

QStringList JsonReader::strings(const QString& key, Presence presence)
{
    QStringList result;
    const QJsonValue value = fetch(key, presence, true);
    if (value.isUndefined() || value.isNull())
        return result;
    if (!value.isArray()) {
        typeError(key, QStringLiteral("an array of strings"), value);
        return result;
    }
    const QJsonArray array = value.toArray();
    for (qsizetype index = 0; index < array.size(); ++index) {
        const QJsonValue element = array.at(index);
        if (!element.isString()) {
            fail(childPath(key) + QStringLiteral("[%1]").arg(index),
                 QStringLiteral("expected a string, got %1").arg(typeName(element)));
            return QStringList();
        }
        result.append(element.toString());
    }
    return result;
}

QString JsonReader::text(const QString& key, Presence presence)
{
    const QJsonValue value = fetch(key, presence, false);
    if (value.isUndefined() || value.isNull())
        return QString();
    if (value.isString())
        return value.toString();
    if (value.isDouble()) {
        const auto number = integer(key, presence);
        return number ? QString::number(*number) : QString();
    }
    typeError(key, QStringLiteral("a string or an integer"), value);
    return QString();
}

QList<QPair<QString, QString>> JsonReader::stringMap(const QString& key, Presence presence)
{
    QList<QPair<QString, QString>> result;
    const QJsonValue value = fetch(key, presence, false);
    if (value.isUndefined() || value.isNull())
        return result;
    if (!value.isObject()) {
        typeError(key, QStringLiteral("an object"), value);
        return result;
    }
    const QJsonObject map = value.toObject();
    for (auto it = map.constBegin(); it != map.constEnd(); ++it) {
        // Scope values are ids; a number is written as its digits rather than refused.
        if (it.value().isString()) {
            result.append({it.key(), it.value().toString()});
        } else if (it.value().isDouble()) {
            result.append({it.key(), QString::number(it.value().toDouble(), 'f', 0)});
        } else {
            fail(childPath(key) + QLatin1Char('.') + it.key(),
                 QStringLiteral("expected a string, got %1").arg(typeName(it.value())));
            return {};
        }
    }
    return result;
}

bool JsonReader::object(const QString& key, Presence presence, const std::function<void(JsonReader&)>& read)
{
    const QJsonValue value = fetch(key, presence, false);
    if (value.isUndefined() || value.isNull())
        return false;
    if (!value.isObject()) {
        typeError(key, QStringLiteral("an object"), value);
        return false;
    }
    JsonReader child(value.toObject(), childPath(key), m_state);
    read(child);
    return ok();
}

Result<QJsonObject> parseJsonObject(const QByteArray& body)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return Result<QJsonObject>::failure(
            ApiError::decoding(QString(),
                               QStringLiteral("the response is not valid JSON (%1 at offset %2)")
                                   .arg(parseError.errorString())
                                   .arg(parseError.offset)));
    }
    if (!document.isObject()) {
        return Result<QJsonObject>::failure(
            ApiError::decoding(QString(), QStringLiteral("expected a JSON object at the top level")));
    }
    return Result<QJsonObject>::success(document.object());
}

} // namespace nullify::api
