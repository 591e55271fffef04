#pragma once

// Triage of findings: allowlist and unallowlist (one finding, or a batch where the service has a
// batch endpoint), severity and priority overrides (PATCH /{service}/findings/{id}) and the
// finding's triage record (GET /{service}/findings/{id}/triage). See the spec's paths under
// /sast, /sca/dependencies, /sca/containers, /secrets, /secrets/sensitivedata, /dast/pentest and
// /scpm.
//
// None of these writes is sent as idempotent: an allowlist of a code finding may open a pull
// request (its answer carries the PR's link), and the spec promises nothing about a replay.

#include "apierror.h"
#include "types.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace nullify::api {

// ModelsAllowlistType. "AI" is the server's own; a user picks one of the four others.
enum class AllowlistType { Unknown, Ai, UserFalsePositive, UserAssumeRisk, UserFixed, UserOther };
AllowlistType allowlistTypeFromString(const QString& text);
QString wireName(AllowlistType type);
// The types a user may choose, in the order a dialog offers them.
QList<AllowlistType> userAllowlistTypes();

// Where the triage endpoints of a finding type live. Types without one (cloud, bug hunt) cannot
// be triaged from here: triageEndpointsFor() is nullopt for them.
struct TriageEndpoints
{
    QString service; // "sast", "secrets/sensitivedata", ...: /{service}/findings/{id}/allowlist
    QString batchPath; // the batch allowlist endpoint, empty when the service has none
    bool canOverride = false; // PATCH /{service}/findings/{id} exists
    bool canOverrideSeverity = false; // its input has severityOverride (sensitive data has not)
    bool unallowlistNeedsType = false; // secrets and sensitive data: unallowlistType is required too
};
std::optional<TriageEndpoints> triageEndpointsFor(FindingType type);

// ModelsPriorityLabel: the values a priority override may take.
QStringList priorityLabels();

// The input of PATCH /{service}/findings/{id}: a field left out is not changed.
struct FindingOverride
{
    std::optional<Severity> severity;
    QString priorityLabel; // empty: not changed
    bool isEmpty() const { return !severity && priorityLabel.isEmpty(); }
};

// A write the server accepted. The allowlist of a code or scpm finding answers with a link (the
// allowlist's pull request); the others answer 204.
struct TriageWrite
{
    QString link;
    QString title;
};

// GET /{service}/findings/{id}/triage: what the triage (AI or user) concluded, with the allowlist
// and overrides of the finding it carries. The seven answers differ; this keeps what they share.
struct TriageRecord
{
    std::optional<bool> isFalsePositive;
    QString falsePositiveReason;
    QString priorityLabel; // priority.label, else triage.priority
    std::optional<qint64> priorityScore;
    QString priorityDescription;
    QString title; // triage.title
    QString summary; // triage.description
    QDateTime lastTriagedAt; // triage.lastTriagedAt
    QStringList assessmentFactors; // assessmentFactors[].title
    QStringList investigationSteps; // investigationSteps[].title
    QString triagedCommit; // triagedCommitSha
    // From the finding inside (finding.finding, or finding itself for pentest):
    std::optional<bool> isAllowlisted;
    AllowlistType allowlistType = AllowlistType::Unknown;
    QString allowlistTypeText;
    QString allowlistReason; // allowlistReason, or allowlistedReason (pentest)
    QString severityOverride;
    QString priorityOverride;
};

QByteArray allowlistBody(AllowlistType type, const QString& reason);
QByteArray batchAllowlistBody(const QStringList& findingIds, AllowlistType type, const QString& reason);
// type is sent only where the spec requires it (secrets), as `unallowlistType`.
QByteArray unallowlistBody(const QString& reason, std::optional<AllowlistType> type);
QByteArray overrideBody(const FindingOverride& change, bool withSeverity);

Result<TriageWrite> decodeTriageWrite(const QByteArray& body); // empty (204) or {link, title, version}
Result<TriageRecord> decodeTriageRecord(const QByteArray& body);

} // namespace nullify::api
