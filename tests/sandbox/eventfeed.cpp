#include "eventfeed.h"

#include "utctime.h"

#include <QDateTime>
#include <QJsonArray>

#include <cmath>

namespace nullify::sandbox {

namespace {

bool optionalInteger(const QJsonObject& body, const QString& key, std::optional<qint64>* out, QString* error)
{
    const QJsonValue value = body.value(key);
    if (value.isUndefined() || value.isNull())
        return true;
    const double d = value.toDouble(std::nan(""));
    if (!value.isDouble() || !std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) {
        *error = QStringLiteral("%1 must be an integer").arg(key);
        return false;
    }
    *out = qint64(d);
    return true;
}

bool optionalText(const QJsonObject& body, const QString& key, QString* out, QString* error)
{
    const QJsonValue value = body.value(key);
    if (value.isUndefined() || value.isNull())
        return true;
    if (!value.isString()) {
        *error = QStringLiteral("%1 must be a string").arg(key);
        return false;
    }
    *out = value.toString();
    return true;
}

bool optionalTexts(const QJsonObject& body, const QString& key, QStringList* out, QString* error)
{
    const QJsonValue value = body.value(key);
    if (value.isUndefined() || value.isNull())
        return true;
    if (!value.isArray()) {
        *error = QStringLiteral("%1 must be an array of strings").arg(key);
        return false;
    }
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString()) {
            *error = QStringLiteral("%1[%2] must be a string").arg(key).arg(i);
            return false;
        }
        out->append(array.at(i).toString());
    }
    return true;
}

} // namespace

EventFeed::EventFeed(const QString& tenantId)
    : m_tenantId(tenantId)
{ }

QString EventFeed::append(Event event)
{
    if (!m_events.isEmpty())
        event.timestampUnix = std::max(event.timestampUnix, m_events.constLast().timestampUnix);
    event.id = QStringLiteral("evt_%1").arg(++m_sequence, 10, 10, QLatin1Char('0'));
    m_events.append(event);
    return event.id;
}

std::optional<EventFeed::Query> EventFeed::parseQuery(const QJsonObject& body, QString* error)
{
    Query query;
    std::optional<qint64> limit;
    QString campaign;
    QString prCanonicalId;
    if (!optionalInteger(body, QStringLiteral("afterTimeUnix"), &query.afterTimeUnix, error)
        || !optionalInteger(body, QStringLiteral("beforeTimeUnix"), &query.beforeTimeUnix, error)
        || !optionalInteger(body, QStringLiteral("limit"), &limit, error)
        || !optionalText(body, QStringLiteral("afterId"), &query.afterId, error)
        || !optionalText(body, QStringLiteral("runId"), &query.runId, error)
        || !optionalText(body, QStringLiteral("autofixId"), &query.autofixId, error)
        || !optionalText(body, QStringLiteral("campaignId"), &campaign, error)
        || !optionalText(body, QStringLiteral("prCanonicalId"), &prCanonicalId, error)
        || !optionalTexts(body, QStringLiteral("eventTypes"), &query.eventTypes, error)
        || !optionalTexts(body, QStringLiteral("findingIds"), &query.findingIds, error)
        || !optionalTexts(body, QStringLiteral("services"), &query.services, error))
        return std::nullopt;
    if (limit) {
        if (*limit < 1 || *limit > maxLimit) {
            *error = QStringLiteral("limit must be between 1 and %1, got %2").arg(maxLimit).arg(*limit);
            return std::nullopt;
        }
        query.limit = int(*limit);
    }
    return query;
}

QJsonObject EventFeed::toJson(const Event& event, const QString& tenantId)
{
    QJsonObject o {
        {QStringLiteral("id"), event.id},
        {QStringLiteral("tenantId"), tenantId},
        {QStringLiteral("type"), event.type},
        {QStringLiteral("service"), event.service},
        {QStringLiteral("timestampUnix"), event.timestampUnix},
        {QStringLiteral("createdAt"), nullify::utcFromSecsSinceEpoch(event.timestampUnix).toString(Qt::ISODate)},
        {QStringLiteral("data"), event.data}};
    const auto put = [&o](const char* key, const QString& value) {
        if (!value.isEmpty())
            o.insert(QLatin1String(key), value);
    };
    put("findingId", event.findingId);
    put("autofixId", event.autofixId);
    put("runId", event.runId);
    put("repositoryId", event.repositoryId);
    put("prCanonicalId", event.prCanonicalId);
    return o;
}

QJsonObject EventFeed::read(const Query& query) const
{
    // Where reading starts: just after the cursor's event when the feed knows it, else after the
    // cursor's time.
    qsizetype start = 0;
    bool byId = false;
    if (!query.afterId.isEmpty()) {
        for (qsizetype i = m_events.size() - 1; i >= 0; --i) {
            if (m_events.at(i).id == query.afterId) {
                start = i + 1;
                byId = true;
                break;
            }
        }
    }
    if (!byId && query.afterTimeUnix) {
        start = m_events.size();
        for (qsizetype i = 0; i < m_events.size(); ++i) {
            if (m_events.at(i).timestampUnix > *query.afterTimeUnix) {
                start = i;
                break;
            }
        }
    }
    const auto matches = [&query](const Event& e) {
        if (query.beforeTimeUnix && e.timestampUnix >= *query.beforeTimeUnix)
            return false;
        if (!query.eventTypes.isEmpty() && !query.eventTypes.contains(e.type))
            return false;
        if (!query.findingIds.isEmpty() && !query.findingIds.contains(e.findingId))
            return false;
        if (!query.services.isEmpty() && !query.services.contains(e.service))
            return false;
        if (!query.runId.isEmpty() && query.runId != e.runId)
            return false;
        if (!query.autofixId.isEmpty() && query.autofixId != e.autofixId)
            return false;
        return true;
    };
    QJsonArray events;
    qsizetype last = start - 1; // the last event read through
    bool hasMore = false;
    for (qsizetype i = start; i < m_events.size(); ++i) {
        if (!matches(m_events.at(i))) {
            last = i;
            continue;
        }
        if (events.size() >= query.limit) {
            hasMore = true;
            break;
        }
        events.append(toJson(m_events.at(i), m_tenantId));
        last = i;
    }
    QJsonObject answer {{QStringLiteral("events"), events},
                        {QStringLiteral("hasMore"), hasMore},
                        {QStringLiteral("version"), QStringLiteral("1")}};
    if (last >= 0) {
        answer.insert(QStringLiteral("nextCursorId"), m_events.at(last).id);
        answer.insert(QStringLiteral("nextCursorTime"), m_events.at(last).timestampUnix);
    } else if (query.afterTimeUnix) {
        answer.insert(QStringLiteral("nextCursorTime"), *query.afterTimeUnix);
    }
    return answer;
}

} // namespace nullify::sandbox
