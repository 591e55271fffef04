#pragma once

// Plain values for what the app shows, decoded from the Nullify API's JSON (see
// ../shared/api/nullify-openapi.yaml). Every type keeps only what a view needs; unknown fields are
// ignored. Strings are empty and optionals are nullopt when the server left a field out.
//
// Required fields: a field is checked when the spec lists it as required AND the type reads it.
// Required fields the client never reads are not checked: the spec's required lists are generated
// from server structs (the findings preview "requires" about a hundred fields of every finding
// type at once), and a finding must not disappear from the list because of a field nobody shows.

#include "apierror.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace nullify::api {

class JsonReader;

using QueryParameters = QList<QPair<QString, QString>>;

// ModelsScanStatus. Unknown keeps the server's text in the owning value's statusText.
enum class ScanStatus {
    Unknown,
    Queued,
    InProgress,
    Stopping,
    Completed,
    Cancelled,
    Failed,
    AbortedConfigError,
    HumanFallback
};
ScanStatus scanStatusFromString(const QString& text);
QString wireName(ScanStatus status); // the spec's spelling ("in progress", with a space)
// The scan will not change any more: completed, cancelled, failed, aborted_config_error, human_fallback.
bool isFinal(ScanStatus status);

// ModelsSeverity (UPPERCASE on the wire).
enum class Severity { Unknown, Critical, High, Medium, Low, None, Informational };
Severity severityFromString(const QString& text);
QString wireName(Severity severity);

// ModelsFindingType: the type[] filter of /admin/findings and the type of each result.
enum class FindingType {
    Unknown,
    Code,
    Dependencies,
    Containers,
    SecretsCredentials,
    SecretsSensitiveData,
    Pentest,
    BugHunt,
    Cloud,
    Platform
};
FindingType findingTypeFromString(const QString& text);
QString wireName(FindingType type);

// ModelsAutoFixState. Whether it is over is the server's `terminal` flag, never this value.
enum class AutofixState {
    Unknown,
    None,
    Cancelled,
    InProgressRequested,
    InProgressAgent,
    Cached,
    InProgressPreviewAvailable,
    InProgressCreatingPr,
    InProgressDraft,
    PendingReview,
    FailedRetry,
    FailedAbort,
    PrMerged,
    PrClosed,
    FailedPrCreation
};
AutofixState autofixStateFromString(const QString& text);
QString wireName(AutofixState state);
// The server has a fix for the finding, done or on its way: every state but none, cancelled and the
// failures. A state this client does not know counts too: when unsure, never start (and pay) again.
bool hasFixOrRunning(AutofixState state);

// The services that serve one finding at /{service}/findings/{id}.
enum class FindingService { Sast, ScaDependencies, ScaContainers, Secrets, DastPentest, Cspm, Scpm };
QString pathOf(FindingService service); // "sast", "sca/dependencies", ...
bool hasAutofix(FindingService service); // secrets has none
bool hasAutofixDiff(FindingService service); // sca/containers has fix and status but no cached diff
// The service that serves a finding of this /admin/findings type, if any.
std::optional<FindingService> serviceFor(FindingType type);

// The scan-run lists: /sast/scan-runs, /secrets/scan-runs, /sca/scan-runs?scanType=...
enum class Scanner { Sast, Secrets, ScaDependencies, ScaContainers };

// GET /context/repositories: RepocontextRepoContext (no field is required by the spec).
struct Repository
{
    QString id;
    QString name;
    QString description;
    std::optional<bool> isPublic; // "public"
    QString networkExposure; // internal, internet_facing, library
    QString classification; // repositoryClassification: application, infrastructure, library, mixed
    std::optional<bool> isMonorepo;
    QStringList technologies; // technologyStack[].name
};

// EndpointsScanRunSummary.
struct ScanRun
{
    QString scanRunId;
    ScanStatus status = ScanStatus::Unknown;
    QString statusText;
    QString branch;
    QString commitHash;
    std::optional<bool> isDefaultBranch;
    QString triggerType;
    QDateTime startedAt;
    QDateTime completedAt;
    QString errorMessage;
    int newFindings = 0;
    int fixedFindings = 0;
    int liveFindings = 0;
    int reintroducedFindings = 0;
    int allowlistedFindings = 0;
    int critical = 0;
    int high = 0;
    int medium = 0;
    int low = 0;
};

// ModelsUnifiedFindingPreview: one row of POST /admin/findings.
struct Finding
{
    QString id;
    FindingType type = FindingType::Unknown;
    QString typeText;
    QString title;
    QString aiTitle;
    Severity severity = Severity::Unknown;
    QString severityText;
    QString priorityLabel;
    std::optional<qint64> priorityScore;
    QString repository;
    QString repositoryId;
    QString branch;
    QString filePath;
    std::optional<int> startLine;
    std::optional<int> endLine;
    QString cwe;
    QString ruleId;
    QString language;
    AutofixState autofixState = AutofixState::Unknown;
    std::optional<bool> isResolved;
    std::optional<bool> isAllowlisted;
    bool isFalsePositive = false;
    QString packageName;
    QString secretType;
    QString host;
    QDateTime createdAt;
    QDateTime updatedAt;
};

// One finding from /{service}/findings/{id}, normalised across the seven schemas into what a
// details pane shows. Fields a service does not have stay empty.
struct FindingDetail
{
    FindingService service = FindingService::Sast;
    QString id;
    QString title; // title, else aiTitle, else a description built from the type's own fields
    QString description; // description, else summary, else message
    Severity severity = Severity::Unknown;
    QString severityText;
    QString priorityLabel;
    std::optional<double> priorityScore;
    QString filePath;
    std::optional<int> startLine; // startLine or line
    std::optional<int> endLine;
    QStringList cwes; // "CWE-79"; from cwe (integer or string) and vulnerabilitiesCWEIds
    QStringList cves; // vulnerabilitiesCVEIds
    QString ruleId;
    QString ruleUrl;
    QString repository;
    QString repositoryId;
    QString branch;
    QString commit; // commitHash or commit
    QString language;
    std::optional<bool> isResolved;
    std::optional<bool> isAllowlisted;
    std::optional<bool> isFalsePositive;
    AutofixState autofixState = AutofixState::Unknown;
    QString autofixActivity; // autoFixCurrentActivity
    QDateTime createdAt;
    QDateTime updatedAt;
    // sca/dependencies
    QString packageName;
    QString packageVersion;
    QString suggestedVersion;
    // sca/containers
    QString image; // imageMetadata.fullReference
    // secrets
    QString secretType;
    QString redactedSecret;
    // dast/pentest
    QString host;
    QString endpointMethod;
    QString endpointPath;
    QString targetUrl;
    // cspm
    QString cloudProvider;
    QString accountId;
    QString region;
    QString resourceId;
    QString resourceType;
    QString resourceName;
    // scpm
    QString pullRequestUrl;
    QString commitUrl;
};

// GET /context/cloud-scan/{scanId}/status. The spec types the statuses as plain strings; they are
// read as ModelsScanStatus, with the Step Functions spellings mapped too (see scanStatusFromString).
struct CloudScanProvider
{
    QString provider;
    ScanStatus status = ScanStatus::Unknown;
    QString statusText;
    QDateTime startedAt;
    QDateTime completedAt;
    QString errorMessage;
};

struct CloudScanStatus
{
    QString scanId;
    ScanStatus overallStatus = ScanStatus::Unknown;
    QString overallStatusText;
    QList<CloudScanProvider> providers;

    bool isFinal() const { return api::isFinal(overallStatus); }
};

// POST /context/cloud-scan/start.
struct CloudScanStart
{
    QString scanId;
    QString executionArn;
};

// ModelsApplication (GET /context/applications).
struct Application
{
    QString id;
    QString name;
    QString description;
    QStringList tags;
    QDateTime createdAt;
    QDateTime updatedAt;
};

// ModelsPentestScan.
struct PentestScan
{
    QString id;
    QString appId;
    ScanStatus status = ScanStatus::Unknown;
    QString statusText;
    int progress = 0; // percent
    QDateTime startTime;
    QDateTime endTime;
    QString failureReason;
    QString abortMessage; // abortReason.message
    QStringList findingIds;
    bool isExternal = false;

    bool isFinal() const { return api::isFinal(status); }
};

// ModelsPentestReport: the parts a report view shows first.
struct PentestReportFinding
{
    QString id;
    QString title;
    QString affectedAsset;
    Severity severity = Severity::Unknown;
    QString source;
};

struct PentestReport
{
    QString scanId;
    QString description; // metadata.description
    QString executiveSummary; // first paragraph and the rest, joined by a blank line
    QStringList topRisks;
    QStringList topRecommendations;
    QList<PentestReportFinding> findings; // findingsSummary: optional, often absent
    QString limitations;
    // metrics.findingMetrics and metrics.endpointMetrics: what the pentest found and covered.
    // nullopt only in a report built without them (the spec requires them on the wire).
    std::optional<qint64> findingsTotal;
    std::optional<qint64> findingsNew;
    std::optional<qint64> findingsFixed;
    std::optional<qint64> findingsUnfixed;
    std::optional<qint64> endpointsTotal;
    std::optional<qint64> endpointsTested;
    std::optional<qint64> endpointsVulnerable;
    // assessmentPeriod (optional; plain strings in the spec): invalid when absent or unreadable.
    QDateTime periodStart;
    QDateTime periodEnd;
};

// POST /{service}/findings/{id}/autofix/fix and /scpm/.../autofix/cache/create_pr.
struct AutofixStart
{
    AutofixState state = AutofixState::Unknown;
    QString stateText;
};

// GET /{service}/findings/{id}/autofix/status, unwrapped from {"status": {...}}.
struct AutofixStatus
{
    AutofixState state = AutofixState::Unknown;
    QString stateText;
    bool terminal = false; // the only thing that says the work is over
    QString currentActivity;
    QString currentPhase; // planning, fixing, reviewing, creating_pr
    QString pullRequestUrl;
    QString pullRequestState; // open, closed, merged, unknown
    std::optional<bool> isAutoFixable;
    QString verdictReason;
    QString verdictExplanation;
    std::optional<int> iterations; // iterations.count
    QDateTime lastActivityAt;
    QDateTime updatedAt;
};

// ModelsDiffFile and its hunks, from GET /{service}/findings/{id}/autofix/cache/diff.
struct DiffLine
{
    // The server's diff model: 0 added, 1 removed, 2 unchanged (a Go iota, not named in the spec).
    enum class Kind { Added = 0, Removed = 1, Unchanged = 2, Other = -1 };
    Kind kind = Kind::Other;
    int mode = 0; // as sent
    int number = 0;
    QString content;
};

struct DiffHunk
{
    QString header;
    int start = 0;
    int length = 0;
    QList<DiffLine> lines;
};

struct DiffFile
{
    QString header;
    int mode = 0; // 0 deleted, 1 modified, 2 new (same Go model)
    QString origName;
    QString newName;
    QList<DiffHunk> hunks;
};

struct AutofixDiff
{
    QList<DiffFile> diffs;
    QString explanation;
    QString pullRequestTitle;
    QString pullRequestBody;
    QString commit;
};

// POST /admin/metrics/overview: the posture numbers of the summary view.
struct MetricData
{
    double thisMonth = 0;
    double lastMonth = 0;
};

struct MetricWithValue
{
    QString value;
    qint64 thisMonth = 0;
    qint64 lastMonth = 0;
    qint64 urgent = 0;
    qint64 important = 0;
    qint64 negligible = 0;
};

struct FunnelStage
{
    QString key;
    qint64 critical = 0;
    qint64 high = 0;
    qint64 medium = 0;
    qint64 low = 0;
};

struct MetricsOverview
{
    MetricData findingsResolved;
    MetricData autofixMerged;
    MetricData hoursSaved;
    MetricData issuesFoundInPr;
    MetricData falsePositives;
    MetricData inSlaFindings;
    MetricData mergeReadyRate;
    MetricData meanTriageDurationMs;
    MetricData cleanPrsMerged;
    MetricData totalPrsMerged;
    QList<FunnelStage> funnel;
    QList<QPair<QString, MetricData>> byType; // "type": finding type → counts
    MetricWithValue code; // overviewType.*
    MetricWithValue secret;
    MetricWithValue dependency;
    MetricWithValue container;
    MetricWithValue apiType; // overviewType.api
    QList<MetricWithValue> topRepositories; // overviewRepos
};

// GET /admin/user/current.
struct CurrentUser
{
    QString username;
    QString id; // userMapping.id
    std::optional<qint64> githubId; // userMapping.github.id
    QDateTime createdAt;
};

// GET /admin/installations: one scope the user may switch to.
struct Installation
{
    QString provider; // provider.id: GitHub, GitLab, ...
    QString name;
    QString avatarUrl;
    QString nullifyBaseUrl;
    QueryParameters queryParameters;
};

// One page of a list, whatever the paging style of its endpoint.
template <typename T> struct Page
{
    QList<T> items;
    QString nextToken; // nextToken style: empty on the last page
    std::optional<qint64> total; // totalCount or total, when the endpoint has one
    std::optional<bool> hasMoreData; // page style
    std::optional<qint64> page; // page style: the page the server says it returned
    QString scrollId;
};

// Readers: one per type, over a JsonReader positioned on the type's object.
Repository readRepository(JsonReader& reader);
ScanRun readScanRun(JsonReader& reader);
Finding readFinding(JsonReader& reader);
FindingDetail readFindingDetail(JsonReader& reader, FindingService service); // the "finding" object
CloudScanStatus readCloudScanStatus(JsonReader& reader);
Application readApplication(JsonReader& reader);
PentestScan readPentestScan(JsonReader& reader);
AutofixStatus readAutofixStatus(JsonReader& reader); // the inner status object
DiffFile readDiffFile(JsonReader& reader);

// Whole response bodies, as the endpoints send them.
Result<Page<Repository>> decodeRepositoryPage(const QByteArray& body);
Result<Page<ScanRun>> decodeScanRunPage(const QByteArray& body);
Result<Page<Finding>> decodeFindingsPage(const QByteArray& body);
Result<FindingDetail> decodeFindingDetail(const QByteArray& body, FindingService service);
Result<CloudScanStart> decodeCloudScanStart(const QByteArray& body);
Result<CloudScanStatus> decodeCloudScanStatus(const QByteArray& body);
Result<QList<Application>> decodeApplications(const QByteArray& body);
Result<PentestScan> decodePentestScan(const QByteArray& body); // {"scan": {...}}
Result<Page<PentestScan>> decodePentestScanPage(const QByteArray& body);
Result<PentestReport> decodePentestReport(const QByteArray& body);
Result<AutofixStart> decodeAutofixStart(const QByteArray& body); // a non-empty "error" is Rejected
Result<AutofixStatus> decodeAutofixStatus(const QByteArray& body); // {"status": {...}}
Result<AutofixDiff> decodeAutofixDiff(const QByteArray& body, FindingService service);
Result<MetricsOverview> decodeMetricsOverview(const QByteArray& body);
Result<CurrentUser> decodeCurrentUser(const QByteArray& body);
Result<QList<Installation>> decodeInstallations(const QByteArray& body);

} // namespace nullify::api

Q_DECLARE_METATYPE(nullify::api::AutofixStatus)
Q_DECLARE_METATYPE(nullify::api::CloudScanStatus)
Q_DECLARE_METATYPE(nullify::api::PentestScan)
