#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace nullify::sandbox {

// The tenant's event feed behind POST /admin/events: an append-only list, oldest first, whose
// timestamps never go down. A cursor is a position in it: the answer's nextCursorId is the id of
// the last event the reader has been through (its nextCursorTime that event's time), and a read
// "after" it returns what was appended later, whatever its time. A cursor whose id the feed does not
// know falls back to its time: events stamped strictly after afterTimeUnix.
class EventFeed
{
public:
    struct Event
    {
        QString id;
        QString type; // EventsEventType
        QString service; // EventbusService
        qint64 timestampUnix = 0;
        QString findingId;
        QString autofixId;
        QString runId;
        QString repositoryId;
        QString prCanonicalId;
        QJsonObject data;
    };

    struct Query
    {
        std::optional<qint64> afterTimeUnix;
        QString afterId;
        std::optional<qint64> beforeTimeUnix;
        QStringList eventTypes; // empty: any
        QStringList findingIds; // empty: any
        QStringList services; // empty: any
        QString runId;
        QString autofixId;
        int limit = 50;
    };

    static constexpr int maxLimit = 200;

    explicit EventFeed(const QString& tenantId = QString());

    // Appends at the end; a time before the last event's is raised to it, so the order by time and
    // the order of appending are one. Returns the event's id.
    QString append(Event event);
    int size() const { return int(m_events.size()); }
    const QList<Event>& events() const { return m_events; }

    // The API's answer: {"events", "hasMore", "nextCursorId", "nextCursorTime", "version"}.
    QJsonObject read(const Query& query) const;
    // Parses the request body (EndpointsAdminListUnifiedEventsInput); nullopt and *error on a
    // wrong type or an out-of-range limit.
    static std::optional<Query> parseQuery(const QJsonObject& body, QString* error);

    static QJsonObject toJson(const Event& event, const QString& tenantId);

private:
    QString m_tenantId;
    QList<Event> m_events;
    quint64 m_sequence = 0;
};

} // namespace nullify::sandbox
