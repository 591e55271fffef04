#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <array>
#include <optional>

namespace nullify::sandbox::seed {

// A small, platform-independent generator: the standard distributions are implementation-defined,
// so the same seed would give different tenants on different standard libraries.
class Rng
{
public:
    explicit Rng(quint64 seed)
        : m_state(seed)
    { }
    quint64 next();
    int below(int bound); // [0, bound)
    int range(int low, int high); // [low, high]
    bool chance(int percent);
    QString uuid();
    QString hex(int digits);

private:
    quint64 m_state;
};

quint64 mix(quint64 value);

enum class FindingType : quint8 {
    Code,
    Dependencies,
    Containers,
    SecretsCredentials,
    SecretsSensitiveData,
    Pentest,
    BugHunt,
    Cloud,
    Platform,
    Count
};
constexpr int findingTypeCount = static_cast<int>(FindingType::Count);
QString findingTypeName(FindingType type);
std::optional<FindingType> findingTypeFromName(const QString& name);

enum class Severity : quint8 { Critical, High, Medium, Low, Count };
constexpr int severityCount = static_cast<int>(Severity::Count);
QString severityName(Severity severity);
std::optional<Severity> severityFromName(const QString& name);

// One kind of finding: what it is, where it usually lives, and what its fix looks like. `patch` is
// the body of one unified-diff hunk (lines starting with ' ', '-' or '+', separated by '\n'); the
// finding's line is the first removed line.
struct FindingTemplate
{
    FindingType type;
    const char* language; // ModelsLanguageName; "" for "any repository"
    const char* title;
    int cwe;
    const char* ruleId;
    const char* category;
    const char* file;
    const char* message;
    const char* patch;
    const char* package; // dependencies and containers: the package or base image
    const char* version;
    const char* fixedVersion;
    const char* cve;
    Severity usualSeverity;
    const char* endpoint = ""; // pentest and bug hunt: "METHOD /path"
};
const QList<FindingTemplate>& findingTemplates();

struct Repository
{
    QString id; // numeric, as GitHub repository ids are
    QString name;
    QString language; // primary language, a ModelsLanguageName
    QString description;
    QString classification; // application, infrastructure, library
    QString exposure; // internet_facing, internal, library
    bool isPublic = false;
    QString defaultBranch;
    QStringList technologies;
};

struct Application
{
    QString id;
    QString name;
    QString description;
    QString host; // https://...
    QList<int> repositories; // indexes into Tenant::repositories
    QStringList technologies;
    int endpoints = 0;
};

// Compact on purpose: 100,000 of these must be generated in well under a second, so everything a
// response needs beyond these few numbers is derived when the finding is rendered.
struct Finding
{
    quint32 salt = 0; // random bits for hashes, columns, priority scores
    qint64 createdAt = 0; // seconds since the epoch; findings are stored newest first
    quint32 line = 0;
    quint16 templateIndex = 0;
    quint16 repository = 0;
    quint8 application = 0; // pentest and bug-hunt findings
    FindingType type = FindingType::Code;
    Severity severity = Severity::Medium;
    bool resolved = false; // fixed (isFixed)
    bool allowlisted = false;
    bool falsePositive = false;

    // The API's isResolved: "combination of isFixed, isFalsePositive, isAllowlisted and
    // isArchived" (the spec's words), so an allowlisted finding is not open.
    bool isResolved() const { return resolved || allowlisted || falsePositive; }
};

enum class Scanner : quint8 { Sast, Secrets, ScaDependencies, ScaContainers, Count };
constexpr int scannerCount = static_cast<int>(Scanner::Count);

struct ScanRun
{
    QString id;
    QString status; // ModelsScanStatus
    QString triggerType;
    QString branch;
    QString commitHash;
    QString errorMessage;
    bool isDefaultBranch = true;
    qint64 startedAt = 0;
    qint64 completedAt = 0; // 0 while not finished
    std::array<int, 4> severities {}; // critical, high, medium, low
    int newFindings = 0;
    int fixedFindings = 0;
    int reintroducedFindings = 0;
    int allowlistedFindings = 0;
};

// A pentest scan that already happened before the sandbox started.
struct PastPentest
{
    QString id;
    int application = 0;
    qint64 startedAt = 0;
    qint64 endedAt = 0;
    QString status;
};

struct Tenant
{
    quint32 seed = 0;
    qint64 referenceTime = 0; // "now" for the seeded history, seconds since the epoch
    QString organization;
    QString githubOwnerId;
    QString githubInstallationId;
    QString tenantId;
    QList<Repository> repositories;
    QList<Application> applications;
    QList<Finding> findings; // newest first
    // scanRuns[repository][scanner], newest first
    QList<std::array<QList<ScanRun>, scannerCount>> scanRuns;
    QList<PastPentest> pastPentests; // newest first

    static Tenant generate(quint32 seed, int findingCount, qint64 referenceTime);

    // Finding ids look like UUIDs but encode the index, so a lookup needs no hash table.
    QString findingId(int index) const;
    int findingIndex(const QString& id) const; // -1 when unknown
    const FindingTemplate& findingTemplate(const Finding& finding) const;
    QString findingTitle(const Finding& finding) const;
    QString filePath(const Finding& finding) const;
    QString repositoryFullName(int repository) const;
    QString commitFor(quint64 salt) const;

    quint32 idMultiplierInverse = 0;
    quint32 idMask = 0;
};

QString isoTime(qint64 secondsSinceEpoch);
QString priorityLabel(const Finding& finding);
int priorityScore(const Finding& finding);

// Renders the autofix diff for a finding as the API's ModelsDiffFile list.
QJsonArray autofixDiffs(const Tenant& tenant, const Finding& finding);

} // namespace nullify::sandbox::seed
