#pragma once

#include "apierror.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace nullify::api {

// Reads one JSON object the way the spec describes it, without exceptions and without crashing on
// any input. The first problem (a missing required field, a wrong type) is kept with the full path
// of the field ("findings[2].severity"); later reads return defaults, and the caller checks ok()
// once at the end. Fields the reader is not asked about are ignored, so new server fields are fine.
class JsonReader
{
public:
    enum Presence { Optional, Required };

    explicit JsonReader(const QJsonObject& object);

    bool ok() const { return !m_state->error; }
    const ApiError& error() const { return *m_state->error; }
    const QJsonObject& object() const { return m_object; }
    QString path() const { return m_path; }
    bool has(const QString& key) const { return m_object.contains(key); }

    // Optional fields that are absent or null read as empty / nullopt. Required ones must be
    // present and (except arrays, which Go servers send as null when empty) not null.
    QString string(const QString& key, Presence presence = Optional);
    std::optional<qint64> integer(const QString& key, Presence presence = Optional);
    std::optional<double> number(const QString& key, Presence presence = Optional);
    std::optional<bool> boolean(const QString& key, Presence presence = Optional);
    // A string in ISO 8601; an unparsable text reads as an invalid QDateTime, not an error: the
    // spec types most times as plain strings, and a wrong time must not hide a whole finding.
    QDateTime dateTime(const QString& key, Presence presence = Optional);
    QStringList strings(const QString& key, Presence presence = Optional);
    // A string or an integer, as text (cwe is an integer in some schemas and a string in others).
    QString text(const QString& key, Presence presence = Optional);
    // A JSON object of string values, in the server's order.
    QList<QPair<QString, QString>> stringMap(const QString& key, Presence presence = Optional);

    // Calls read with a reader for the nested object; false when absent, null or wrong.
    bool object(const QString& key, Presence presence, const std::function<void(JsonReader&)>& read);

    template <typename T>
    QList<T> list(const QString& key, Presence presence, const std::function<T(JsonReader&)>& read)
    {
        QList<T> items;
        const QJsonValue value = fetch(key, presence, true);
        if (value.isUndefined() || value.isNull())
            return items;
        if (!value.isArray()) {
            typeError(key, QStringLiteral("an array"), value);
            return items;
        }
        const QJsonArray array = value.toArray();
        items.reserve(array.size());
        for (qsizetype index = 0; index < array.size() && ok(); ++index) {
            const QJsonValue element = array.at(index);
            const QString elementPath = childPath(key) + QStringLiteral("[%1]").arg(index);
            if (!element.isObject()) {
                fail(elementPath, QStringLiteral("expected an object, got %1").arg(typeName(element)));
                break;
            }
            JsonReader child(element.toObject(), elementPath, m_state);
            items.append(read(child));
        }
        return items;
    }

    // Records a problem the caller found itself (an enum outside the spec where that matters).
    void fail(const QString& fieldPath, const QString& message);
    QString childPath(const QString& key) const;

    static QString typeName(const QJsonValue& value);

private:
    struct State
    {
        std::optional<ApiError> error;
    };

    JsonReader(const QJsonObject& object, const QString& path, std::shared_ptr<State> state);

    // The value of key, or Undefined after recording a "missing" error when it is required.
    QJsonValue fetch(const QString& key, Presence presence, bool nullAllowed);
    void typeError(const QString& key, const QString& expected, const QJsonValue& got);

    QJsonObject m_object;
    QString m_path;
    std::shared_ptr<State> m_state;
};

// Parses body as one JSON object and hands it to read; any failure is a Decoding error.
template <typename T> Result<T> decodeJson(const QByteArray& body, const std::function<T(JsonReader&)>& read);

Result<QJsonObject> parseJsonObject(const QByteArray& body);

template <typename T> Result<T> decodeJson(const QByteArray& body, const std::function<T(JsonReader&)>& read)
{
    const Result<QJsonObject> parsed = parseJsonObject(body);
    if (!parsed)
        return Result<T>::failure(parsed.error());
    JsonReader reader(parsed.value());
    T value = read(reader);
    if (!reader.ok())
        return Result<T>::failure(reader.error());
    return Result<T>::success(std::move(value));
}

} // namespace nullify::api
