#include "triage.h"

#include "jsonreader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <array>
#include <utility>

namespace nullify::api {

namespace {

using R = JsonReader;

const std::array<std::pair<AllowlistType, const char*>, 5> allowlistTypeNames {{
    {AllowlistType::Ai, "AI"},
    {AllowlistType::UserFalsePositive, "UserFalsePositive"},
    {AllowlistType::UserAssumeRisk, "UserAssumeRisk"},
    {AllowlistType::UserFixed, "UserFixed"},
    {AllowlistType::UserOther, "UserOther"},
}};

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

bool isObject(const R& r, const QString& key)
{
    return r.object().value(key).isObject();
}

// The fields of the finding a triage answer carries (ModelsSASTFinding, ModelsPentestFinding, ...).
void readTriagedFinding(R& r, TriageRecord& record)
{
    record.isAllowlisted = r.boolean(QStringLiteral("isAllowlisted"));
    record.allowlistTypeText = r.string(QStringLiteral("allowlistType"));
    record.allowlistType = allowlistTypeFromString(record.allowlistTypeText);
    record.allowlistReason = r.string(QStringLiteral("allowlistReason"));
    if (record.allowlistReason.isEmpty())
        record.allowlistReason = r.string(QStringLiteral("allowlistedReason")); // pentest's spelling
    record.severityOverride = r.string(QStringLiteral("severityOverride"));
    record.priorityOverride = r.string(QStringLiteral("priorityOverride"));
    if (!record.isFalsePositive)
        record.isFalsePositive = r.boolean(QStringLiteral("isFalsePositive"));
    if (record.priorityLabel.isEmpty())
        record.priorityLabel = r.string(QStringLiteral("priorityLabel"));
    if (!record.priorityScore)
        record.priorityScore = r.integer(QStringLiteral("priorityScore"));
}

void readTriage(R& r, TriageRecord& record)
{
    record.title = r.string(QStringLiteral("title"));
    record.summary = r.string(QStringLiteral("description"));
    record.lastTriagedAt = r.dateTime(QStringLiteral("lastTriagedAt"));
    if (record.priorityLabel.isEmpty())
        record.priorityLabel = r.string(QStringLiteral("priority"));
}

TriageRecord readTriageRecord(R& outer)
{
    TriageRecord record;
    if (!isObject(outer, QStringLiteral("finding")))
        return record;
    outer.object(QStringLiteral("finding"), R::Optional, [&record](R& r) {
        record.isFalsePositive = r.boolean(QStringLiteral("isFalsePositive"));
        record.falsePositiveReason = r.string(QStringLiteral("falsePositiveReason"));
        record.triagedCommit = r.string(QStringLiteral("triagedCommitSha"));
        if (isObject(r, QStringLiteral("priority"))) {
            r.object(QStringLiteral("priority"), R::Optional, [&record](R& p) {
                record.priorityLabel = p.string(QStringLiteral("label"));
                record.priorityScore = p.integer(QStringLiteral("score"));
                record.priorityDescription = p.string(QStringLiteral("description"));
            });
        }
        if (isObject(r, QStringLiteral("triage")))
            r.object(QStringLiteral("triage"), R::Optional, [&record](R& t) { readTriage(t, record); });
        const auto titles = [](R& item) { return item.string(QStringLiteral("title")); };
        record.assessmentFactors = r.list<QString>(QStringLiteral("assessmentFactors"), R::Optional, titles);
        record.investigationSteps = r.list<QString>(QStringLiteral("investigationSteps"), R::Optional, titles);
        if (isObject(r, QStringLiteral("finding")))
            r.object(QStringLiteral("finding"), R::Optional, [&record](R& f) { readTriagedFinding(f, record); });
        else
            readTriagedFinding(r, record); // pentest: the finding is the record
    });
    return record;
}

} // namespace

AllowlistType allowlistTypeFromString(const QString& text)
{
    for (const auto& [value, name] : allowlistTypeNames) {
        if (text == QLatin1String(name))
            return value;
    }
    return AllowlistType::Unknown;
}

QString wireName(AllowlistType type)
{
    for (const auto& [value, name] : allowlistTypeNames) {
        if (value == type)
            return QLatin1String(name);
    }
    return QString();
}

QList<AllowlistType> userAllowlistTypes()
{
    return {AllowlistType::UserFalsePositive,
            AllowlistType::UserAssumeRisk,
            AllowlistType::UserFixed,
            AllowlistType::UserOther};
}

std::optional<TriageEndpoints> triageEndpointsFor(FindingType type)
{
    TriageEndpoints e;
    switch (type) {
    case FindingType::Code:
        e.service = QStringLiteral("sast");
        e.batchPath = QStringLiteral("/sast/findings/allowlist");
        e.canOverride = e.canOverrideSeverity = true;
        return e;
    case FindingType::Dependencies:
        e.service = QStringLiteral("sca/dependencies");
        e.canOverride = e.canOverrideSeverity = true;
        return e;
    case FindingType::Containers:
        e.service = QStringLiteral("sca/containers");
        e.canOverride = e.canOverrideSeverity = true;
        return e;
    case FindingType::SecretsCredentials:
        e.service = QStringLiteral("secrets");
        e.batchPath = QStringLiteral("/secrets/findings/allowlist/batch");
        e.canOverride = e.canOverrideSeverity = true;
        e.unallowlistNeedsType = true;
        return e;
    case FindingType::SecretsSensitiveData:
        e.service = QStringLiteral("secrets/sensitivedata");
        e.batchPath = QStringLiteral("/secrets/sensitivedata/findings/allowlist/batch");
        e.canOverride = true; // priorityOverride only
        e.unallowlistNeedsType = true;
        return e;
    case FindingType::Pentest:
        e.service = QStringLiteral("dast/pentest");
        return e;
    case FindingType::Platform:
        e.service = QStringLiteral("scpm");
        e.batchPath = QStringLiteral("/scpm/findings/allowlist");
        e.canOverride = e.canOverrideSeverity = true;
        return e;
    default:
        return std::nullopt; // cloud (cspm) has no allowlist; bug hunt's is a different PATCH
    }
}

QStringList priorityLabels()
{
    return {QStringLiteral("URGENT"),
            QStringLiteral("IMPORTANT"),
            QStringLiteral("MEDIUM"),
            QStringLiteral("LOW"),
            QStringLiteral("INFORMATIONAL"),
            QStringLiteral("NEGLIGIBLE"),
            QStringLiteral("FALSE_POSITIVE")};
}

QByteArray allowlistBody(AllowlistType type, const QString& reason)
{
    return compact({{QStringLiteral("allowlistType"), wireName(type)}, {QStringLiteral("allowlistReason"), reason}});
}

QByteArray batchAllowlistBody(const QStringList& findingIds, AllowlistType type, const QString& reason)
{
    return compact({{QStringLiteral("findingIds"), QJsonArray::fromStringList(findingIds)},
                    {QStringLiteral("allowlistType"), wireName(type)},
                    {QStringLiteral("allowlistReason"), reason}});
}

QByteArray unallowlistBody(const QString& reason, std::optional<AllowlistType> type)
{
    QJsonObject body {{QStringLiteral("unallowlistReason"), reason}};
    if (type)
        body.insert(QStringLiteral("unallowlistType"), wireName(*type));
    return compact(body);
}

QByteArray overrideBody(const FindingOverride& change, bool withSeverity)
{
    QJsonObject body;
    if (change.severity && withSeverity)
        body.insert(QStringLiteral("severityOverride"), wireName(*change.severity));
    if (!change.priorityLabel.isEmpty())
        body.insert(QStringLiteral("priorityOverride"), change.priorityLabel);
    return compact(body);
}

Result<TriageWrite> decodeTriageWrite(const QByteArray& body)
{
    if (body.trimmed().isEmpty())
        return Result<TriageWrite>::success(TriageWrite {});
    return decodeJson<TriageWrite>(body, [](R& r) {
        TriageWrite write;
        write.link = r.string(QStringLiteral("link"));
        write.title = r.string(QStringLiteral("title"));
        return write;
    });
}

Result<TriageRecord> decodeTriageRecord(const QByteArray& body)
{
    return decodeJson<TriageRecord>(body, [](R& r) { return readTriageRecord(r); });
}

} // namespace nullify::api
