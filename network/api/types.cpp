#include "types.h"

#include "jsonreader.h"

#include <array>
#include <utility>

namespace nullify::api {

namespace {

using R = JsonReader;

template <typename Enum, std::size_t N>
Enum fromTable(const std::array<std::pair<Enum, const char*>, N>& table, const QString& text, Enum fallback)
{
    for (const auto& [value, name] : table) {
        if (text == QLatin1String(name))
            return value;
    }
    return fallback;
}

template <typename Enum, std::size_t N>
QString toTable(const std::array<std::pair<Enum, const char*>, N>& table, Enum value)
{
    for (const auto& [entry, name] : table) {
        if (entry == value)
            return QLatin1String(name);
    }
    return QString();
}

const std::array<std::pair<ScanStatus, const char*>, 8> scanStatusNames {{
    {ScanStatus::Queued, "queued"},
    {ScanStatus::InProgress, "in progress"},
    {ScanStatus::Stopping, "stopping"},
    {ScanStatus::Completed, "completed"},
    {ScanStatus::Cancelled, "cancelled"},
    {ScanStatus::Failed, "failed"},
    {ScanStatus::AbortedConfigError, "aborted_config_error"},
    {ScanStatus::HumanFallback, "human_fallback"},
}};

// Spellings seen outside ModelsScanStatus: the cloud-scan status is a plain string in the spec and
// comes from an AWS Step Functions execution, and some services write "in_progress".
const std::array<std::pair<ScanStatus, const char*>, 10> scanStatusAliases {{
    {ScanStatus::InProgress, "in_progress"},
    {ScanStatus::InProgress, "running"},
    {ScanStatus::InProgress, "started"},
    {ScanStatus::Queued, "pending"},
    {ScanStatus::Completed, "succeeded"},
    {ScanStatus::Completed, "complete"},
    {ScanStatus::Failed, "timed_out"},
    {ScanStatus::Failed, "error"},
    {ScanStatus::Cancelled, "aborted"},
    {ScanStatus::Cancelled, "canceled"},
}};

const std::array<std::pair<Severity, const char*>, 7> severityNames {{
    {Severity::Critical, "CRITICAL"},
    {Severity::High, "HIGH"},
    {Severity::Medium, "MEDIUM"},
    {Severity::Low, "LOW"},
    {Severity::None, "NONE"},
    {Severity::Informational, "INFORMATIONAL"},
    {Severity::Unknown, "UNKNOWN"},
}};

const std::array<std::pair<FindingType, const char*>, 10> findingTypeNames {{
    {FindingType::Unknown, "Unknown"},
    {FindingType::Code, "Code"},
    {FindingType::Dependencies, "Dependencies"},
    {FindingType::Containers, "Containers"},
    {FindingType::SecretsCredentials, "SecretsCredentials"},
    {FindingType::SecretsSensitiveData, "SecretsSensitiveData"},
    {FindingType::Pentest, "Pentest"},
    {FindingType::BugHunt, "BugHunt"},
    {FindingType::Cloud, "Cloud"},
    {FindingType::Platform, "Platform"},
}};

const std::array<std::pair<AutofixState, const char*>, 14> autofixStateNames {{
    {AutofixState::None, "none"},
    {AutofixState::Cancelled, "cancelled"},
    {AutofixState::InProgressRequested, "in_progress_requested"},
    {AutofixState::InProgressAgent, "in_progress_agent"},
    {AutofixState::Cached, "cached"},
    {AutofixState::InProgressPreviewAvailable, "in_progress_preview_available"},
    {AutofixState::InProgressCreatingPr, "in_progress_creating_pr"},
    {AutofixState::InProgressDraft, "in_progress_draft"},
    {AutofixState::PendingReview, "pending_review"},
    {AutofixState::FailedRetry, "failed_retry"},
    {AutofixState::FailedAbort, "failed_abort"},
    {AutofixState::PrMerged, "pr_merged"},
    {AutofixState::PrClosed, "pr_closed"},
    {AutofixState::FailedPrCreation, "failed_pr_creation"},
}};

std::optional<int> toInt(std::optional<qint64> value)
{
    if (!value || *value < std::numeric_limits<int>::min() || *value > std::numeric_limits<int>::max())
        return std::nullopt;
    return int(*value);
}

int intOr0(std::optional<qint64> value)
{
    return toInt(value).value_or(0);
}

QString cweName(const QString& text)
{
    if (text.isEmpty() || text == QLatin1String("0"))
        return QString();
    return text.startsWith(QLatin1String("CWE-"), Qt::CaseInsensitive) ? text.toUpper() : QStringLiteral("CWE-") + text;
}

void addUnique(QStringList& list, const QString& value)
{
    if (!value.isEmpty() && !list.contains(value))
        list.append(value);
}

template <typename T> std::function<T(R&)> reader(T (*read)(R&))
{
    return [read](R& r) { return read(r); };
}

MetricData readMetricData(R& r)
{
    MetricData data;
    data.thisMonth = r.number(QStringLiteral("thisMonth"), R::Required).value_or(0);
    data.lastMonth = r.number(QStringLiteral("lastMonth"), R::Required).value_or(0);
    return data;
}

MetricWithValue readMetricWithValue(R& r)
{
    MetricWithValue metric;
    metric.value = r.string(QStringLiteral("value"), R::Required);
    metric.thisMonth = r.integer(QStringLiteral("thisMonth"), R::Required).value_or(0);
    metric.lastMonth = r.integer(QStringLiteral("lastMonth"), R::Required).value_or(0);
    metric.urgent = r.integer(QStringLiteral("urgent"), R::Required).value_or(0);
    metric.important = r.integer(QStringLiteral("important"), R::Required).value_or(0);
    metric.negligible = r.integer(QStringLiteral("negligible"), R::Required).value_or(0);
    return metric;
}

FunnelStage readFunnelStage(R& r)
{
    FunnelStage stage;
    stage.key = r.string(QStringLiteral("funnelKey"), R::Required);
    stage.critical = r.integer(QStringLiteral("CRITICAL"), R::Required).value_or(0);
    stage.high = r.integer(QStringLiteral("HIGH"), R::Required).value_or(0);
    stage.medium = r.integer(QStringLiteral("MEDIUM"), R::Required).value_or(0);
    stage.low = r.integer(QStringLiteral("LOW"), R::Required).value_or(0);
    return stage;
}

DiffLine readDiffLine(R& r)
{
    DiffLine line;
    line.mode = intOr0(r.integer(QStringLiteral("mode"), R::Required));
    line.kind = line.mode >= 0 && line.mode <= 2 ? DiffLine::Kind(line.mode) : DiffLine::Kind::Other;
    line.number = intOr0(r.integer(QStringLiteral("number"), R::Required));
    line.content = r.string(QStringLiteral("content"), R::Required);
    return line;
}

DiffHunk readDiffHunk(R& r)
{
    DiffHunk hunk;
    hunk.header = r.string(QStringLiteral("header"), R::Required);
    r.object(QStringLiteral("wholeRange"), R::Required, [&hunk](R& range) {
        hunk.start = intOr0(range.integer(QStringLiteral("start"), R::Required));
        hunk.length = intOr0(range.integer(QStringLiteral("length"), R::Required));
        hunk.lines = range.list<DiffLine>(QStringLiteral("lines"), R::Required, reader(&readDiffLine));
    });
    return hunk;
}

CloudScanProvider readCloudScanProvider(R& r)
{
    CloudScanProvider provider;
    provider.provider = r.string(QStringLiteral("provider"), R::Required);
    provider.statusText = r.string(QStringLiteral("status"), R::Required);
    provider.status = scanStatusFromString(provider.statusText);
    provider.startedAt = r.dateTime(QStringLiteral("startedAt"));
    provider.completedAt = r.dateTime(QStringLiteral("completedAt"));
    provider.errorMessage = r.string(QStringLiteral("errorMessage"));
    return provider;
}

PentestReportFinding readReportFinding(R& r)
{
    PentestReportFinding finding;
    finding.id = r.string(QStringLiteral("id"), R::Required);
    finding.title = r.string(QStringLiteral("title"), R::Required);
    finding.affectedAsset = r.string(QStringLiteral("affectedAsset"), R::Required);
    finding.severity = severityFromString(r.string(QStringLiteral("severity"), R::Required));
    finding.source = r.string(QStringLiteral("source"), R::Required);
    return finding;
}

Installation readInstallation(R& r)
{
    Installation installation;
    r.object(QStringLiteral("provider"), R::Required, [&installation](R& provider) {
        installation.provider = provider.string(QStringLiteral("id"), R::Required);
    });
    installation.name = r.string(QStringLiteral("name"), R::Required);
    installation.avatarUrl = r.string(QStringLiteral("avatarUrl"), R::Required);
    installation.nullifyBaseUrl = r.string(QStringLiteral("nullifyBaseUrl"));
    installation.queryParameters = r.stringMap(QStringLiteral("queryParameters"), R::Required);
    return installation;
}

// The fields every finding schema shares in name and meaning, all optional there.
void readCommonDetail(R& r, FindingDetail& d)
{
    d.id = r.string(QStringLiteral("id"));
    d.title = r.string(QStringLiteral("title"));
    d.description = r.string(QStringLiteral("description"));
    d.priorityLabel = r.string(QStringLiteral("priorityLabel"));
    d.priorityScore = r.number(QStringLiteral("priorityScore"));
    d.ruleId = r.string(QStringLiteral("ruleId"));
    d.ruleUrl = r.string(QStringLiteral("ruleUrl"));
    d.repository = r.string(QStringLiteral("repository"));
    d.repositoryId = r.string(QStringLiteral("repositoryId"));
    d.branch = r.string(QStringLiteral("branch"));
    d.commit = r.string(QStringLiteral("commitHash"));
    d.filePath = r.string(QStringLiteral("filePath"));
    d.isResolved = r.boolean(QStringLiteral("isResolved"));
    d.isAllowlisted = r.boolean(QStringLiteral("isAllowlisted"));
    d.isFalsePositive = r.boolean(QStringLiteral("isFalsePositive"));
    const QString state = r.string(QStringLiteral("autoFixState"));
    d.autofixState = state.isEmpty() ? AutofixState::None : autofixStateFromString(state);
    d.autofixActivity = r.string(QStringLiteral("autoFixCurrentActivity"));
    d.createdAt = r.dateTime(QStringLiteral("createdAt"));
    d.updatedAt = r.dateTime(QStringLiteral("updatedAt"));
}

void setSeverity(FindingDetail& d, const QString& text)
{
    if (text.isEmpty())
        return;
    d.severityText = text;
    d.severity = severityFromString(text);
}

// SCA dependencies and containers share most of their required fields.
void readScaRequired(R& r, FindingDetail& d)
{
    d.id = r.string(QStringLiteral("id"), R::Required);
    d.title = r.string(QStringLiteral("aiTitle"), R::Required);
    d.description = r.string(QStringLiteral("description"), R::Required);
    const QString maxSeverity = r.string(QStringLiteral("vulnerabilitiesMaxSeverity"), R::Required);
    const QString label = r.string(QStringLiteral("severityLabel"), R::Required);
    const QString overridden = r.string(QStringLiteral("severityOverride"));
    setSeverity(d, !overridden.isEmpty() ? overridden : !maxSeverity.isEmpty() ? maxSeverity : label);
    d.priorityLabel = r.string(QStringLiteral("priorityLabel"), R::Required);
    d.priorityScore = r.number(QStringLiteral("priorityScore"), R::Required);
    d.filePath = r.string(QStringLiteral("filePath"), R::Required);
    d.startLine = toInt(r.integer(QStringLiteral("line"), R::Required));
    d.repository = r.string(QStringLiteral("repository"), R::Required);
    d.repositoryId = r.string(QStringLiteral("repositoryId"), R::Required);
    d.branch = r.string(QStringLiteral("branch"), R::Required);
    d.commit = r.string(QStringLiteral("commitHash"), R::Required);
    d.isResolved = r.boolean(QStringLiteral("isResolved"), R::Required);
    d.isAllowlisted = r.boolean(QStringLiteral("isAllowlisted"), R::Required);
    d.isFalsePositive = r.boolean(QStringLiteral("isFalsePositive"), R::Required);
    d.createdAt = r.dateTime(QStringLiteral("createdAt"), R::Required);
    d.updatedAt = r.dateTime(QStringLiteral("updatedAt"), R::Required);
    d.cves = r.strings(QStringLiteral("vulnerabilitiesCVEIds"), R::Required);
}

} // namespace

ScanStatus scanStatusFromString(const QString& text)
{
    const QString lower = text.trimmed().toLower();
    const ScanStatus status = fromTable(scanStatusNames, lower, ScanStatus::Unknown);
    return status != ScanStatus::Unknown ? status : fromTable(scanStatusAliases, lower, ScanStatus::Unknown);
}

QString wireName(ScanStatus status)
{
    return status == ScanStatus::Unknown ? QStringLiteral("unknown") : toTable(scanStatusNames, status);
}

bool isFinal(ScanStatus status)
{
    switch (status) {
    case ScanStatus::Completed:
    case ScanStatus::Cancelled:
    case ScanStatus::Failed:
    case ScanStatus::AbortedConfigError:
    case ScanStatus::HumanFallback:
        return true;
    default:
        return false;
    }
}

Severity severityFromString(const QString& text)
{
    return fromTable(severityNames, text.trimmed().toUpper(), Severity::Unknown);
}

QString wireName(Severity severity)
{
    return toTable(severityNames, severity);
}

FindingType findingTypeFromString(const QString& text)
{
    return fromTable(findingTypeNames, text, FindingType::Unknown);
}

QString wireName(FindingType type)
{
    return toTable(findingTypeNames, type);
}

AutofixState autofixStateFromString(const QString& text)
{
    return fromTable(autofixStateNames, text, AutofixState::Unknown);
}

QString wireName(AutofixState state)
{
    return state == AutofixState::Unknown ? QStringLiteral("unknown") : toTable(autofixStateNames, state);
}

QString pathOf(FindingService service)
{
    switch (service) {
    case FindingService::Sast:
        return QStringLiteral("sast");
    case FindingService::ScaDependencies:
        return QStringLiteral("sca/dependencies");
    case FindingService::ScaContainers:
        return QStringLiteral("sca/containers");
    case FindingService::Secrets:
        return QStringLiteral("secrets");
    case FindingService::DastPentest:
        return QStringLiteral("dast/pentest");
    case FindingService::Cspm:
        return QStringLiteral("cspm");
    case FindingService::Scpm:
        return QStringLiteral("scpm");
    }
    return QString();
}

bool hasFixOrRunning(AutofixState state)
{
    switch (state) {
    case AutofixState::None:
    case AutofixState::Cancelled:
    case AutofixState::FailedRetry:
    case AutofixState::FailedAbort:
    case AutofixState::FailedPrCreation:
        return false;
    default:
        return true;
    }
}

bool hasAutofix(FindingService service)
{
    return service != FindingService::Secrets;
}

bool hasAutofixDiff(FindingService service)
{
    return hasAutofix(service) && service != FindingService::ScaContainers;
}

std::optional<FindingService> serviceFor(FindingType type)
{
    switch (type) {
    case FindingType::Code:
        return FindingService::Sast;
    case FindingType::Dependencies:
        return FindingService::ScaDependencies;
    case FindingType::Containers:
        return FindingService::ScaContainers;
    case FindingType::SecretsCredentials:
        return FindingService::Secrets;
    case FindingType::Pentest:
        return FindingService::DastPentest;
    case FindingType::Cloud:
        return FindingService::Cspm;
    case FindingType::Platform:
        return FindingService::Scpm;
    default:
        return std::nullopt; // BugHunt and sensitive data have no single-finding endpoint here
    }
}

Repository readRepository(R& r)
{
    Repository repo;
    repo.id = r.string(QStringLiteral("id"));
    repo.name = r.string(QStringLiteral("name"));
    repo.description = r.string(QStringLiteral("description"));
    repo.isPublic = r.boolean(QStringLiteral("public"));
    repo.networkExposure = r.string(QStringLiteral("networkExposure"));
    repo.classification = r.string(QStringLiteral("repositoryClassification"));
    repo.isMonorepo = r.boolean(QStringLiteral("isMonorepo"));
    const auto stack = r.list<QString>(
        QStringLiteral("technologyStack"), R::Optional, [](R& item) { return item.string(QStringLiteral("name")); });
    for (const QString& name : stack)
        addUnique(repo.technologies, name);
    return repo;
}

ScanRun readScanRun(R& r)
{
    ScanRun run;
    run.scanRunId = r.string(QStringLiteral("scanRunId"));
    run.statusText = r.string(QStringLiteral("status"));
    run.status = scanStatusFromString(run.statusText);
    run.branch = r.string(QStringLiteral("branch"));
    run.commitHash = r.string(QStringLiteral("commitHash"));
    run.isDefaultBranch = r.boolean(QStringLiteral("isDefaultBranch"));
    run.triggerType = r.string(QStringLiteral("triggerType"));
    run.startedAt = r.dateTime(QStringLiteral("startedAt"));
    run.completedAt = r.dateTime(QStringLiteral("completedAt"));
    if (!run.completedAt.isValid())
        run.completedAt = r.dateTime(QStringLiteral("scanCompletedAt"));
    run.errorMessage = r.string(QStringLiteral("errorMessage"));
    run.newFindings = intOr0(r.integer(QStringLiteral("newFindingsCount")));
    run.fixedFindings = intOr0(r.integer(QStringLiteral("fixedFindingsCount")));
    run.liveFindings = intOr0(r.integer(QStringLiteral("liveFindingsCount")));
    run.reintroducedFindings = intOr0(r.integer(QStringLiteral("reintroducedFindingsCount")));
    run.allowlistedFindings = intOr0(r.integer(QStringLiteral("allowlistedFindingsCount")));
    run.critical = intOr0(r.integer(QStringLiteral("severityCritical")));
    run.high = intOr0(r.integer(QStringLiteral("severityHigh")));
    run.medium = intOr0(r.integer(QStringLiteral("severityMedium")));
    run.low = intOr0(r.integer(QStringLiteral("severityLow")));
    return run;
}

Finding readFinding(R& r)
{
    Finding f;
    f.id = r.string(QStringLiteral("id"), R::Required);
    f.typeText = r.string(QStringLiteral("type"), R::Required);
    f.type = findingTypeFromString(f.typeText);
    f.title = r.string(QStringLiteral("title"), R::Required);
    f.aiTitle = r.string(QStringLiteral("aiTitle"), R::Required);
    f.severityText = r.string(QStringLiteral("severity"), R::Required);
    f.severity = severityFromString(f.severityText);
    f.priorityLabel = r.string(QStringLiteral("priorityLabel"), R::Required);
    f.priorityScore = r.integer(QStringLiteral("priorityScore"), R::Required);
    f.repository = r.string(QStringLiteral("repository"), R::Required);
    f.repositoryId = r.string(QStringLiteral("repositoryId"), R::Required);
    f.branch = r.string(QStringLiteral("branch"), R::Required);
    f.filePath = r.string(QStringLiteral("filePath"), R::Required);
    f.startLine = toInt(r.integer(QStringLiteral("startLine"), R::Required));
    f.endLine = toInt(r.integer(QStringLiteral("endLine"), R::Required));
    f.cwe = cweName(r.text(QStringLiteral("cwe"), R::Required));
    f.ruleId = r.string(QStringLiteral("ruleId"), R::Required);
    f.language = r.string(QStringLiteral("language"), R::Required);
    f.autofixState = autofixStateFromString(r.string(QStringLiteral("autoFixState"), R::Required));
    f.isResolved = r.boolean(QStringLiteral("isResolved"));
    f.isAllowlisted = r.boolean(QStringLiteral("isAllowlisted"));
    f.isFalsePositive = r.boolean(QStringLiteral("isFalsePositive"), R::Required).value_or(false);
    f.packageName = r.string(QStringLiteral("package"), R::Required);
    f.secretType = r.string(QStringLiteral("secretType"), R::Required);
    f.host = r.string(QStringLiteral("host"), R::Required);
    f.createdAt = r.dateTime(QStringLiteral("createdAt"), R::Required);
    f.updatedAt = r.dateTime(QStringLiteral("updatedAt"), R::Required);
    return f;
}

FindingDetail readFindingDetail(R& r, FindingService service)
{
    FindingDetail d;
    d.service = service;
    switch (service) {
    case FindingService::Sast:
        readCommonDetail(r, d);
        setSeverity(d, r.string(QStringLiteral("severity")));
        d.startLine = toInt(r.integer(QStringLiteral("startLine")));
        d.endLine = toInt(r.integer(QStringLiteral("endLine")));
        addUnique(d.cwes, cweName(r.text(QStringLiteral("cwe"))));
        d.language = r.string(QStringLiteral("language"));
        d.isResolved = r.boolean(QStringLiteral("isResolved"), R::Required);
        if (d.description.isEmpty())
            d.description = r.string(QStringLiteral("message"));
        break;
    case FindingService::ScaDependencies:
        readCommonDetail(r, d);
        readScaRequired(r, d);
        d.packageName = r.string(QStringLiteral("package"), R::Required);
        d.packageVersion = r.string(QStringLiteral("version"), R::Required);
        d.suggestedVersion = r.string(QStringLiteral("suggestedVersion"), R::Required);
        for (const QString& cwe : r.strings(QStringLiteral("vulnerabilitiesCWEIds"), R::Required))
            addUnique(d.cwes, cweName(cwe));
        if (d.title.isEmpty())
            d.title = QStringLiteral("%1 %2").arg(d.packageName, d.packageVersion).trimmed();
        break;
    case FindingService::ScaContainers:
        readCommonDetail(r, d);
        readScaRequired(r, d);
        r.object(QStringLiteral("imageMetadata"), R::Required, [&d](R& image) {
            d.image = image.string(QStringLiteral("fullReference"), R::Required);
        });
        if (d.title.isEmpty())
            d.title = d.image;
        break;
    case FindingService::Secrets:
        readCommonDetail(r, d);
        d.id = r.string(QStringLiteral("id"), R::Required);
        d.title = r.string(QStringLiteral("aiTitle"));
        setSeverity(d, r.string(QStringLiteral("severityLabel")));
        d.filePath = r.string(QStringLiteral("filePath"), R::Required);
        d.startLine = toInt(r.integer(QStringLiteral("startLine"), R::Required));
        d.endLine = toInt(r.integer(QStringLiteral("endLine"), R::Required));
        d.ruleId = r.string(QStringLiteral("ruleId"), R::Required);
        d.repository = r.string(QStringLiteral("repository"), R::Required);
        d.repositoryId = r.string(QStringLiteral("repositoryId"), R::Required);
        d.branch = r.string(QStringLiteral("branch"), R::Required);
        d.commit = r.string(QStringLiteral("commit"), R::Required);
        d.isResolved = r.boolean(QStringLiteral("isResolved"), R::Required);
        d.isAllowlisted = r.boolean(QStringLiteral("isAllowlisted"), R::Required);
        d.createdAt = r.dateTime(QStringLiteral("createdAt"), R::Required);
        d.updatedAt = r.dateTime(QStringLiteral("updatedAt"), R::Required);
        d.secretType = r.string(QStringLiteral("secretType"), R::Required);
        d.redactedSecret = r.string(QStringLiteral("redactedSecret"), R::Required);
        if (d.title.isEmpty())
            d.title = d.secretType;
        break;
    case FindingService::DastPentest:
        readCommonDetail(r, d);
        d.id = r.string(QStringLiteral("id"), R::Required);
        d.title = r.string(QStringLiteral("title"), R::Required);
        d.description = r.string(QStringLiteral("summary"), R::Required);
        addUnique(d.cwes, cweName(r.text(QStringLiteral("cwe"), R::Required)));
        d.host = r.string(QStringLiteral("host"), R::Required);
        r.object(QStringLiteral("endpoint"), R::Required, [&d](R& endpoint) {
            d.endpointMethod = endpoint.string(QStringLiteral("method"), R::Required);
            d.endpointPath = endpoint.string(QStringLiteral("path"), R::Required);
        });
        r.object(QStringLiteral("scanInfo"), R::Required, [&d](R& scanInfo) {
            d.targetUrl = scanInfo.string(QStringLiteral("targetUrl"), R::Required);
        });
        d.isAllowlisted = r.boolean(QStringLiteral("isAllowlisted"), R::Required);
        d.isResolved = r.boolean(QStringLiteral("isFixed"), R::Required);
        d.priorityLabel = r.string(QStringLiteral("priorityLabel"), R::Required);
        d.priorityScore = r.number(QStringLiteral("priorityScore"), R::Required);
        d.createdAt = r.dateTime(QStringLiteral("createdAt"), R::Required);
        d.updatedAt = r.dateTime(QStringLiteral("updatedAt"), R::Required);
        d.repository = r.string(QStringLiteral("repositoryName"));
        // ModelsPentestFinding has no severity of its own: the spec puts it in api.severity.
        r.object(QStringLiteral("api"), R::Optional, [&d](R& api) {
            setSeverity(d, api.string(QStringLiteral("severity"), R::Required));
        });
        break;
    case FindingService::Cspm:
        readCommonDetail(r, d);
        setSeverity(d, r.string(QStringLiteral("severity")));
        d.isResolved = r.boolean(QStringLiteral("isResolved"), R::Required);
        d.cloudProvider = r.string(QStringLiteral("cloudProvider"));
        d.accountId = r.string(QStringLiteral("accountId"));
        d.region = r.string(QStringLiteral("region"));
        d.resourceId = r.string(QStringLiteral("resourceId"));
        d.resourceType = r.string(QStringLiteral("resourceType"));
        d.resourceName = r.string(QStringLiteral("resourceName"));
        if (d.description.isEmpty())
            d.description = r.string(QStringLiteral("message"));
        break;
    case FindingService::Scpm:
        readCommonDetail(r, d);
        setSeverity(d, r.string(QStringLiteral("severity")));
        d.language = r.string(QStringLiteral("language"));
        d.isResolved = r.boolean(QStringLiteral("isResolved"), R::Required);
        d.isAllowlisted = r.boolean(QStringLiteral("isAllowlisted"), R::Required);
        d.isFalsePositive = r.boolean(QStringLiteral("isFalsePositive"), R::Required);
        d.pullRequestUrl = r.string(QStringLiteral("pullRequestUrl"));
        d.commitUrl = r.string(QStringLiteral("commitUrl"));
        if (d.description.isEmpty())
            d.description = r.string(QStringLiteral("message"));
        break;
    }
    if (d.title.isEmpty())
        d.title = r.string(QStringLiteral("aiTitle"));
    if (d.severityText.isEmpty())
        setSeverity(d, r.string(QStringLiteral("severityLabel")));
    if (d.severityText.isEmpty()) // ModelsTriage, which most finding schemas carry
        r.object(QStringLiteral("triage"), R::Optional, [&d](R& triage) {
            triage.object(QStringLiteral("severity"), R::Optional, [&d](R& severity) {
                setSeverity(d, severity.string(QStringLiteral("label")));
            });
        });
    return d;
}

CloudScanStatus readCloudScanStatus(R& r)
{
    CloudScanStatus status;
    status.scanId = r.string(QStringLiteral("scanId"), R::Required);
    status.overallStatusText = r.string(QStringLiteral("overallStatus"), R::Required);
    status.overallStatus = scanStatusFromString(status.overallStatusText);
    status.providers
        = r.list<CloudScanProvider>(QStringLiteral("providers"), R::Required, reader(&readCloudScanProvider));
    return status;
}

Application readApplication(R& r)
{
    Application app;
    app.id = r.string(QStringLiteral("id"), R::Required);
    app.name = r.string(QStringLiteral("name"), R::Required);
    app.description = r.string(QStringLiteral("description"), R::Required);
    app.tags = r.strings(QStringLiteral("tags"));
    app.createdAt = r.dateTime(QStringLiteral("createdAt"), R::Required);
    app.updatedAt = r.dateTime(QStringLiteral("updatedAt"), R::Required);
    return app;
}

PentestScan readPentestScan(R& r)
{
    PentestScan scan;
    scan.id = r.string(QStringLiteral("id"), R::Required);
    scan.appId = r.string(QStringLiteral("appId"), R::Required);
    scan.statusText = r.string(QStringLiteral("status"), R::Required);
    scan.status = scanStatusFromString(scan.statusText);
    scan.progress = intOr0(r.integer(QStringLiteral("progress"), R::Required));
    scan.startTime = r.dateTime(QStringLiteral("startTime"), R::Required);
    scan.endTime = r.dateTime(QStringLiteral("endTime"));
    scan.failureReason = r.string(QStringLiteral("failureReason"));
    r.object(QStringLiteral("abortReason"), R::Optional, [&scan](R& abort) {
        scan.abortMessage = abort.string(QStringLiteral("message"), R::Required);
    });
    scan.findingIds = r.strings(QStringLiteral("findingIds"), R::Required);
    scan.isExternal = r.boolean(QStringLiteral("isExternal"), R::Required).value_or(false);
    return scan;
}

AutofixStatus readAutofixStatus(R& r)
{
    AutofixStatus status;
    status.stateText = r.string(QStringLiteral("state"), R::Required);
    status.state = autofixStateFromString(status.stateText);
    status.terminal = r.boolean(QStringLiteral("terminal"), R::Required).value_or(false);
    status.currentActivity = r.string(QStringLiteral("currentActivity"));
    status.currentPhase = r.string(QStringLiteral("currentPhase"));
    status.pullRequestUrl = r.string(QStringLiteral("pullRequestUrl"));
    status.pullRequestState = r.string(QStringLiteral("pullRequestState"));
    status.isAutoFixable = r.boolean(QStringLiteral("isAutoFixable"));
    status.verdictReason = r.string(QStringLiteral("autofixVerdictReason"));
    status.verdictExplanation = r.string(QStringLiteral("autofixVerdictExplanation"));
    r.object(QStringLiteral("iterations"), R::Optional, [&status](R& iterations) {
        status.iterations = toInt(iterations.integer(QStringLiteral("count"), R::Required));
    });
    status.lastActivityAt = r.dateTime(QStringLiteral("lastActivityAt"));
    status.updatedAt = r.dateTime(QStringLiteral("updatedAt"));
    return status;
}

DiffFile readDiffFile(R& r)
{
    DiffFile file;
    file.header = r.string(QStringLiteral("header"), R::Required);
    file.mode = intOr0(r.integer(QStringLiteral("mode"), R::Required));
    file.origName = r.string(QStringLiteral("origName"), R::Required);
    file.newName = r.string(QStringLiteral("newName"), R::Required);
    file.hunks = r.list<DiffHunk>(QStringLiteral("hunks"), R::Required, reader(&readDiffHunk));
    return file;
}

Result<Page<Repository>> decodeRepositoryPage(const QByteArray& body)
{
    return decodeJson<Page<Repository>>(body, [](R& r) {
        Page<Repository> page;
        page.items = r.list<Repository>(QStringLiteral("repositories"), R::Required, reader(&readRepository));
        r.integer(QStringLiteral("numItems"), R::Required); // per page, not a total (see the README)
        page.nextToken = r.string(QStringLiteral("nextToken"), R::Required);
        return page;
    });
}

Result<Page<ScanRun>> decodeScanRunPage(const QByteArray& body)
{
    return decodeJson<Page<ScanRun>>(body, [](R& r) {
        Page<ScanRun> page;
        page.items = r.list<ScanRun>(QStringLiteral("scanRuns"), R::Optional, reader(&readScanRun));
        page.total = r.integer(QStringLiteral("totalCount"));
        return page;
    });
}

Result<Page<Finding>> decodeFindingsPage(const QByteArray& body)
{
    return decodeJson<Page<Finding>>(body, [](R& r) {
        Page<Finding> page;
        page.items = r.list<Finding>(QStringLiteral("findings"), R::Required, reader(&readFinding));
        page.total = r.integer(QStringLiteral("total"), R::Required);
        page.hasMoreData = r.boolean(QStringLiteral("hasMoreData"), R::Required);
        page.page = r.integer(QStringLiteral("page"), R::Required);
        page.scrollId = r.string(QStringLiteral("scrollId"));
        return page;
    });
}

Result<FindingDetail> decodeFindingDetail(const QByteArray& body, FindingService service)
{
    return decodeJson<FindingDetail>(body, [service](R& r) {
        FindingDetail detail;
        detail.service = service;
        r.object(QStringLiteral("finding"), R::Required, [&detail, service](R& finding) {
            detail = readFindingDetail(finding, service);
        });
        return detail;
    });
}

Result<CloudScanStart> decodeCloudScanStart(const QByteArray& body)
{
    return decodeJson<CloudScanStart>(body, [](R& r) {
        CloudScanStart start;
        // Optional in the spec, but a start without an id cannot be polled: treat it as broken.
        start.scanId = r.string(QStringLiteral("scanId"), R::Required);
        start.executionArn = r.string(QStringLiteral("executionArn"));
        return start;
    });
}

Result<CloudScanStatus> decodeCloudScanStatus(const QByteArray& body)
{
    return decodeJson<CloudScanStatus>(body, [](R& r) { return readCloudScanStatus(r); });
}

Result<QList<Application>> decodeApplications(const QByteArray& body)
{
    return decodeJson<QList<Application>>(body, [](R& r) {
        return r.list<Application>(QStringLiteral("applications"), R::Required, reader(&readApplication));
    });
}

Result<PentestScan> decodePentestScan(const QByteArray& body)
{
    return decodeJson<PentestScan>(body, [](R& r) {
        PentestScan scan;
        r.object(QStringLiteral("scan"), R::Required, [&scan](R& inner) { scan = readPentestScan(inner); });
        return scan;
    });
}

Result<Page<PentestScan>> decodePentestScanPage(const QByteArray& body)
{
    return decodeJson<Page<PentestScan>>(body, [](R& r) {
        Page<PentestScan> page;
        page.items = r.list<PentestScan>(QStringLiteral("scans"), R::Required, reader(&readPentestScan));
        page.nextToken = r.string(QStringLiteral("nextToken"), R::Required);
        return page;
    });
}

Result<PentestReport> decodePentestReport(const QByteArray& body)
{
    return decodeJson<PentestReport>(body, [](R& r) {
        PentestReport report;
        r.object(QStringLiteral("report"), R::Required, [&report](R& inner) {
            report.scanId = inner.string(QStringLiteral("scanId"), R::Required);
            inner.object(QStringLiteral("metadata"), R::Required, [&report](R& metadata) {
                report.description = metadata.string(QStringLiteral("description"), R::Required);
            });
            inner.object(QStringLiteral("metrics"), R::Required, [&report](R& metrics) {
                metrics.object(QStringLiteral("findingMetrics"), R::Required, [&report](R& findings) {
                    report.findingsTotal = findings.integer(QStringLiteral("total"), R::Required);
                    report.findingsNew = findings.integer(QStringLiteral("new"), R::Required);
                    report.findingsFixed = findings.integer(QStringLiteral("fixed"), R::Required);
                    report.findingsUnfixed = findings.integer(QStringLiteral("unfixed"), R::Required);
                });
                metrics.object(QStringLiteral("endpointMetrics"), R::Required, [&report](R& endpoints) {
                    report.endpointsTotal = endpoints.integer(QStringLiteral("total"), R::Required);
                    report.endpointsTested = endpoints.integer(QStringLiteral("tested"), R::Required);
                    report.endpointsVulnerable = endpoints.integer(QStringLiteral("vulnerable"), R::Required);
                });
            });
            inner.object(QStringLiteral("assessmentPeriod"), R::Optional, [&report](R& period) {
                report.periodStart = period.dateTime(QStringLiteral("startDate"));
                report.periodEnd = period.dateTime(QStringLiteral("endDate"));
            });
            inner.object(QStringLiteral("executiveSummary"), R::Optional, [&report](R& summary) {
                const QString first = summary.string(QStringLiteral("executiveSummaryFirstParagraph"), R::Required);
                const QString rest = summary.string(QStringLiteral("executiveSummaryRest"), R::Required);
                report.executiveSummary = rest.isEmpty() ? first : first + QStringLiteral("\n\n") + rest;
                report.topRisks = summary.strings(QStringLiteral("topRisks"), R::Required);
                report.topRecommendations = summary.strings(QStringLiteral("topRecommendations"), R::Required);
            });
            report.findings = inner.list<PentestReportFinding>(
                QStringLiteral("findingsSummary"), R::Optional, reader(&readReportFinding));
            report.limitations = inner.string(QStringLiteral("limitations"));
        });
        return report;
    });
}

Result<AutofixStart> decodeAutofixStart(const QByteArray& body)
{
    Result<AutofixStart> result = decodeJson<AutofixStart>(body, [](R& r) {
        AutofixStart start;
        start.stateText = r.string(QStringLiteral("autoFixState"), R::Required);
        start.state = autofixStateFromString(start.stateText);
        const QString error = r.string(QStringLiteral("error"));
        if (!error.isEmpty())
            r.fail(QStringLiteral("error"), error); // turned into Rejected below
        return start;
    });
    if (!result && result.error().kind == ApiError::Kind::Decoding && result.error().field == QLatin1String("error")) {
        // The server said no in a 200 ("error": "..."): show its words, not a decoding failure.
        const Result<QJsonObject> parsed = parseJsonObject(body);
        ApiError rejected;
        rejected.kind = ApiError::Kind::Rejected;
        rejected.httpStatus = 200;
        rejected.message = parsed ? parsed.value().value(QStringLiteral("error")).toString() : QString();
        rejected.body = body;
        return Result<AutofixStart>::failure(rejected);
    }
    return result;
}

Result<AutofixStatus> decodeAutofixStatus(const QByteArray& body)
{
    return decodeJson<AutofixStatus>(body, [](R& r) {
        AutofixStatus status;
        r.object(QStringLiteral("status"), R::Required, [&status](R& inner) { status = readAutofixStatus(inner); });
        return status;
    });
}

Result<AutofixDiff> decodeAutofixDiff(const QByteArray& body, FindingService service)
{
    // sca/dependencies requires only diffs; the other services require the PR text and commit too.
    const R::Presence prText = service == FindingService::ScaDependencies ? R::Optional : R::Required;
    return decodeJson<AutofixDiff>(body, [prText](R& r) {
        AutofixDiff diff;
        diff.diffs = r.list<DiffFile>(QStringLiteral("diffs"), R::Required, reader(&readDiffFile));
        diff.pullRequestTitle = r.string(QStringLiteral("pullRequestTitle"), prText);
        diff.pullRequestBody = r.string(QStringLiteral("pullRequestBody"), prText);
        diff.explanation = r.string(QStringLiteral("explanation"), prText);
        diff.commit = r.string(QStringLiteral("commit"), prText);
        return diff;
    });
}

Result<MetricsOverview> decodeMetricsOverview(const QByteArray& body)
{
    return decodeJson<MetricsOverview>(body, [](R& r) {
        MetricsOverview m;
        const auto metric = [&r](const char* key, MetricData& out) {
            r.object(QLatin1String(key), R::Required, [&out](R& inner) { out = readMetricData(inner); });
        };
        metric("findingsResolved", m.findingsResolved);
        metric("autofixMerged", m.autofixMerged);
        metric("hoursSaved", m.hoursSaved);
        metric("issuesFoundInPR", m.issuesFoundInPr);
        metric("falsePositives", m.falsePositives);
        metric("inSLAFindings", m.inSlaFindings);
        metric("mergeReadyRate", m.mergeReadyRate);
        metric("meanTriageDurationMs", m.meanTriageDurationMs);
        metric("cleanPrsMerged", m.cleanPrsMerged);
        metric("totalPrsMerged", m.totalPrsMerged);
        m.funnel = r.list<FunnelStage>(QStringLiteral("funnelData"), R::Required, reader(&readFunnelStage));
        r.object(QStringLiteral("type"), R::Required, [&m](R& types) {
            for (auto it = types.object().constBegin(); it != types.object().constEnd() && types.ok(); ++it) {
                MetricData data;
                types.object(it.key(), R::Required, [&data](R& inner) { data = readMetricData(inner); });
                m.byType.append({it.key(), data});
            }
        });
        r.object(QStringLiteral("overviewType"), R::Required, [&m](R& overview) {
            const auto read = [&overview](const char* key, MetricWithValue& out) {
                overview.object(
                    QLatin1String(key), R::Required, [&out](R& inner) { out = readMetricWithValue(inner); });
            };
            read("code", m.code);
            read("secret", m.secret);
            read("dependency", m.dependency);
            read("container", m.container);
            read("api", m.apiType);
        });
        m.topRepositories
            = r.list<MetricWithValue>(QStringLiteral("overviewRepos"), R::Required, reader(&readMetricWithValue));
        return m;
    });
}

Result<CurrentUser> decodeCurrentUser(const QByteArray& body)
{
    return decodeJson<CurrentUser>(body, [](R& r) {
        CurrentUser user;
        user.username = r.string(QStringLiteral("username"), R::Required);
        r.object(QStringLiteral("userMapping"), R::Required, [&user](R& mapping) {
            user.id = mapping.string(QStringLiteral("id"), R::Required);
            user.createdAt = mapping.dateTime(QStringLiteral("createdAt"), R::Required);
            mapping.object(QStringLiteral("github"), R::Optional, [&user](R& github) {
                user.githubId = github.integer(QStringLiteral("id"), R::Required);
            });
        });
        return user;
    });
}

Result<QList<Installation>> decodeInstallations(const QByteArray& body)
{
    return decodeJson<QList<Installation>>(body, [](R& r) {
        return r.list<Installation>(QStringLiteral("installations"), R::Required, reader(&readInstallation));
    });
}

} // namespace nullify::api
