#include "tenantjson.h"

#include <QCryptographicHash>
#include <QJsonArray>

namespace nullify::sandbox::tenantjson {

using seed::Finding;
using seed::FindingTemplate;
using seed::FindingType;
using seed::Tenant;

namespace {

QString str(const char* text)
{
    return QString::fromUtf8(text);
}

QString cweText(int cwe)
{
    return QStringLiteral("CWE-%1").arg(cwe);
}

QString ruleUrl(const FindingTemplate& t)
{
    return QStringLiteral("https://docs.nullify.ai/rules/%1").arg(str(t.ruleId));
}

// A finding is "updated" when it was last seen by a scan: some time after it appeared.
qint64 updatedAt(const Tenant& tenant, const Finding& f)
{
    return std::min(tenant.referenceTime, f.createdAt + static_cast<qint64>(f.salt % (20 * 24 * 3600)));
}

qint64 resolvedAt(const Tenant& tenant, const Finding& f)
{
    return std::min(tenant.referenceTime, f.createdAt + 3600 + static_cast<qint64>((f.salt >> 4) % (30 * 24 * 3600)));
}

QString teamFor(const Tenant& tenant, const Finding& f)
{
    static const char* const teams[] = {"platform", "payments", "identity", "growth", "data"};
    return QStringLiteral("@%1/%2").arg(tenant.organization, QLatin1String(teams[f.repository % 5]));
}

QJsonArray fileOwners(const Tenant& tenant, const Finding& f)
{
    return QJsonArray {
        QJsonObject {{QStringLiteral("name"), teamFor(tenant, f)}, {QStringLiteral("type"), QStringLiteral("team")}}};
}

QString redactedSecret(const FindingTemplate& t, const Finding& f)
{
    const QString rule = str(t.ruleId);
    const QString tail = QString::number(f.salt % 10000).rightJustified(4, QLatin1Char('0'));
    if (rule == QLatin1String("aws-access-token")) {
        return QStringLiteral("AKIA************") + tail;
    }
    if (rule == QLatin1String("github-pat")) {
        return QStringLiteral("ghp_********************************") + tail;
    }
    if (rule == QLatin1String("stripe-access-token")) {
        return QStringLiteral("sk_live_********************") + tail;
    }
    if (rule == QLatin1String("slack-webhook-url")) {
        return QStringLiteral("https://hooks.slack.com/services/T0******/B0******/********") + tail;
    }
    if (rule == QLatin1String("private-key")) {
        return QStringLiteral("-----BEGIN RSA PRIVATE KEY-----****");
    }
    return QStringLiteral("****") + tail;
}

QString secretHash(const Tenant& tenant, int index)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(tenant.findingId(index).toUtf8(), QCryptographicHash::Sha256).toHex());
}

QString pentestPriority(const Finding& f)
{
    // ModelsPentestFinding narrows the priority enum to four values.
    if (f.falsePositive) {
        return QStringLiteral("FALSE_POSITIVE");
    }
    switch (f.severity) {
    case seed::Severity::Critical:
        return QStringLiteral("URGENT");
    case seed::Severity::Low:
        return QStringLiteral("NEGLIGIBLE");
    default:
        return QStringLiteral("IMPORTANT");
    }
}

QPair<QString, QString> endpointOf(const FindingTemplate& t)
{
    const QString endpoint = str(t.endpoint);
    const qsizetype space = endpoint.indexOf(QLatin1Char(' '));
    if (space < 0) {
        return {QString(), QString()};
    }
    return {endpoint.left(space), endpoint.mid(space + 1)};
}

// The request that showed a pentest finding, as ModelsPentestFindingAPI (every field required).
QJsonObject pentestApi(
    const FindingTemplate& t, const QString& host, const QString& method, const QString& path, const QString& severity)
{
    const QJsonObject json {{QStringLiteral("Content-Type"), QStringLiteral("application/json")}};
    return QJsonObject {
        {QStringLiteral("severity"), severity},
        {QStringLiteral("solution"), QStringLiteral("See the proposed fix and the retest steps in the report.")},
        {QStringLiteral("errorDescription"), str(t.message)},
        {QStringLiteral("errorType"), str(t.category)},
        {QStringLiteral("httpVersion"), QStringLiteral("HTTP/1.1")},
        {QStringLiteral("method"), method},
        {QStringLiteral("path"), path},
        {QStringLiteral("previousResponse"), QString()},
        {QStringLiteral("queryParameters"), QJsonObject {}},
        {QStringLiteral("requestBody"), QString()},
        {QStringLiteral("requestHeader"), json},
        {QStringLiteral("responseBody"), QStringLiteral("{}")},
        {QStringLiteral("responseHeader"), json},
        {QStringLiteral("uri"), host + path},
        {QStringLiteral("vulnerableParameterName"), QString()},
        {QStringLiteral("vulnerableParameterValue"), QString()},
    };
}

QJsonObject imageMetadata(const QString& name, const QString& tag, const QString& digest)
{
    return QJsonObject {
        {QStringLiteral("shortName"), name},
        {QStringLiteral("tag"), tag},
        {QStringLiteral("digest"), digest},
        {QStringLiteral("registryDomain"), QStringLiteral("docker.io")},
        {QStringLiteral("registryPath"), QStringLiteral("library/") + name},
        {QStringLiteral("fullReference"), QStringLiteral("docker.io/library/%1:%2").arg(name, tag)},
        {QStringLiteral("distro"),
         QJsonObject {{QStringLiteral("name"),
                       tag.contains(QLatin1String("alpine")) ? QStringLiteral("alpine") : QStringLiteral("debian")},
                      {QStringLiteral("version"),
                       tag.contains(QLatin1String("alpine")) ? QStringLiteral("3.17") : QStringLiteral("11")}}}};
}

QJsonObject cve(const FindingTemplate& t, const Finding& f, const QString& severity, const QString& priority)
{
    const double cvss
        = 4.0 + static_cast<double>(3 - static_cast<int>(f.severity)) * 2.0 + static_cast<double>(f.salt % 10) / 10.0;
    return QJsonObject {
        {QStringLiteral("id"), str(t.cve)},
        {QStringLiteral("epss"), static_cast<double>(f.salt % 1000) / 1000.0},
        {QStringLiteral("epssPercentile"), static_cast<double>((f.salt >> 10) % 1000) / 1000.0},
        {QStringLiteral("cisaKev"), f.severity == seed::Severity::Critical},
        {QStringLiteral("cvss"), std::min(10.0, cvss)},
        {QStringLiteral("version"), QStringLiteral("3.1")},
        {QStringLiteral("priority"), priority},
        {QStringLiteral("severity"), severity},
        {QStringLiteral("exploitabilityScore"), 3.9},
        {QStringLiteral("impactScore"), 5.9},
        {QStringLiteral("osvReachability"), QJsonObject {{QStringLiteral("called"), (f.salt & 2) != 0}}},
        {QStringLiteral("vectorString"), QStringLiteral("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")}};
}

QJsonArray autofixPullRequests(const AutofixView& autofix)
{
    if (autofix.pullRequestUrl.isEmpty()) {
        return {};
    }
    return QJsonArray {QJsonObject {
        {QStringLiteral("pullRequestProvider"), QJsonObject {{QStringLiteral("id"), QStringLiteral("GitHub")}}},
        {QStringLiteral("id"), autofix.pullRequestNumber},
        {QStringLiteral("link"), autofix.pullRequestUrl},
        {QStringLiteral("status"), QStringLiteral("open")},
        {QStringLiteral("explanation"), QStringLiteral("Autofix pull request opened by Nullify")},
        {QStringLiteral("createdAt"), seed::isoTime(autofix.startedAt)}}};
}

// Fields every per-service finding schema shares, filled the same way.
void addAutofix(QJsonObject& o, const AutofixView& autofix)
{
    o.insert(QStringLiteral("autoFixState"), autofix.state);
    o.insert(QStringLiteral("pullRequestsAutofix"), autofixPullRequests(autofix));
}

// The rule a finding breaks, as the code, cloud and platform schemas describe it.
void addRule(QJsonObject& o, const FindingTemplate& t, const QString& severity)
{
    o.insert(QStringLiteral("title"), str(t.title));
    o.insert(QStringLiteral("aiTitle"), str(t.title));
    o.insert(QStringLiteral("description"), str(t.message));
    o.insert(QStringLiteral("message"), str(t.message));
    o.insert(QStringLiteral("ruleId"), str(t.ruleId));
    o.insert(QStringLiteral("ruleUrl"), ruleUrl(t));
    o.insert(QStringLiteral("severity"), severity);
}

// Where the code and SCA findings were seen.
void addRepository(QJsonObject& o, const Tenant& tenant, const seed::Repository& repo, const QString& commit)
{
    o.insert(QStringLiteral("repository"), repo.name);
    o.insert(QStringLiteral("repositoryId"), repo.id);
    o.insert(QStringLiteral("projectId"), repo.id + QStringLiteral("-root"));
    o.insert(QStringLiteral("projectName"), repo.name);
    o.insert(QStringLiteral("owner"), tenant.organization);
    o.insert(QStringLiteral("branch"), repo.defaultBranch);
    o.insert(QStringLiteral("commitHash"), commit);
}

// An SCA finding is one vulnerability, counted under its severity.
void addSeverityCounts(QJsonObject& o, seed::Severity severity)
{
    o.insert(QStringLiteral("numCritical"), severity == seed::Severity::Critical ? 1 : 0);
    o.insert(QStringLiteral("numHigh"), severity == seed::Severity::High ? 1 : 0);
    o.insert(QStringLiteral("numMedium"), severity == seed::Severity::Medium ? 1 : 0);
    o.insert(QStringLiteral("numLow"), severity == seed::Severity::Low ? 1 : 0);
    o.insert(QStringLiteral("numUnknown"), 0);
}

// The autofix, note and AI-text fields both SCA finding kinds (dependencies, containers) carry.
void addScaAutofixAndTriageText(QJsonObject& o, const FindingTemplate& t, const AutofixView& autofix, double triageCost)
{
    addAutofix(o, autofix);
    o.insert(QStringLiteral("userNotes"), QString());
    o.insert(QStringLiteral("allowlistReason"), QString());
    o.insert(QStringLiteral("aiTitle"), str(t.title));
    o.insert(QStringLiteral("aiDevTitle"), str(t.title));
    o.insert(QStringLiteral("description"), str(t.message));
    o.insert(QStringLiteral("devDescription"), str(t.message));
    o.insert(QStringLiteral("triageLLMCostUSD"), triageCost);
    o.insert(QStringLiteral("triageLangfuseTraceIds"), QJsonArray {});
    o.insert(QStringLiteral("triageLangfuseSessionIds"), QJsonArray {});
    o.insert(QStringLiteral("triageTraceIds"), QJsonArray {});
}

void addTriage(QJsonObject& o, const Finding& f, const QString& severity, const QString& priority)
{
    o.insert(QStringLiteral("priorityScore"), seed::priorityScore(f));
    o.insert(QStringLiteral("priorityLabel"), priority);
    o.insert(
        QStringLiteral("priorityLabelReason"),
        QStringLiteral("Severity %1 on an %2 code path")
            .arg(severity.toLower(), (f.salt & 4) ? QStringLiteral("internet-facing") : QStringLiteral("internal")));
    o.insert(QStringLiteral("priorityOverride"), priority);
    o.insert(QStringLiteral("severityLabel"), severity);
    o.insert(QStringLiteral("severityOverride"), severity);
    o.insert(QStringLiteral("severityScore"), seed::priorityScore(f));
    o.insert(QStringLiteral("severityConfidence"), QStringLiteral("high"));
    o.insert(QStringLiteral("exploitabilityLabel"),
             (f.salt & 4) ? QStringLiteral("exploitable") : QStringLiteral("unlikely"));
    o.insert(QStringLiteral("exploitabilityConfidence"), QStringLiteral("medium"));
    o.insert(QStringLiteral("impactLabel"), severity);
    o.insert(QStringLiteral("impactConfidence"), QStringLiteral("medium"));
    o.insert(QStringLiteral("triageAgentVersion"), QStringLiteral("triage-2.4.1"));
    o.insert(QStringLiteral("triageDurationSeconds"), static_cast<int>(20 + f.salt % 160));
}

} // namespace

QString serviceFor(FindingType type)
{
    switch (type) {
    case FindingType::Code:
        return QStringLiteral("sast");
    case FindingType::Dependencies:
        return QStringLiteral("sca/dependencies");
    case FindingType::Containers:
        return QStringLiteral("sca/containers");
    case FindingType::SecretsCredentials:
    case FindingType::SecretsSensitiveData:
        return QStringLiteral("secrets");
    case FindingType::Pentest:
        return QStringLiteral("dast/pentest");
    case FindingType::BugHunt:
        return QStringLiteral("dast/bughunt");
    case FindingType::Cloud:
        return QStringLiteral("cspm");
    case FindingType::Platform:
        return QStringLiteral("scpm");
    default:
        return QString();
    }
}

QString languageFor(const Tenant& tenant, const Finding& f)
{
    switch (f.type) {
    case FindingType::Containers:
        return QStringLiteral("Containerfile");
    case FindingType::BugHunt:
        return QStringLiteral("Generic");
    case FindingType::Platform:
        return QStringLiteral("YAML");
    case FindingType::Cloud:
        return QStringLiteral("Terraform");
    default: {
        const char* language = tenant.findingTemplate(f).language;
        return language[0] ? str(language) : tenant.repositories.at(f.repository).language;
    }
    }
}

QJsonObject repository(const Tenant& tenant, int index)
{
    const seed::Repository& repo = tenant.repositories.at(index);
    QJsonArray stack;
    for (const QString& tech : repo.technologies) {
        stack.append(QJsonObject {{QStringLiteral("name"), tech}});
    }
    return QJsonObject {
        {QStringLiteral("id"), repo.id},
        {QStringLiteral("name"), repo.name},
        {QStringLiteral("description"), repo.description},
        {QStringLiteral("public"), repo.isPublic},
        {QStringLiteral("isMonorepo"), false},
        {QStringLiteral("isInitializedOnly"), false},
        {QStringLiteral("isOpenAPISpecAvailable"), repo.exposure == QLatin1String("internet_facing")},
        {QStringLiteral("isTruncatedAnalysis"), false},
        {QStringLiteral("repositoryClassification"), repo.classification},
        {QStringLiteral("networkExposure"), repo.exposure},
        {QStringLiteral("technologyStack"), stack},
        {QStringLiteral("deploymentTargets"),
         QJsonArray {repo.classification == QLatin1String("infrastructure") ? QStringLiteral("AWS")
                                                                            : QStringLiteral("Kubernetes (EKS)")}},
        {QStringLiteral("metadata"),
         QJsonObject {{QStringLiteral("generatedAt"), seed::isoTime(tenant.referenceTime - 86400 - index * 3600)},
                      {QStringLiteral("generatorModel"), QStringLiteral("repo-context-3")}}},
    };
}

QJsonObject application(const Tenant& tenant, int index)
{
    const seed::Application& app = tenant.applications.at(index);
    QJsonArray components;
    QJsonArray sources;
    for (int r : app.repositories) {
        const seed::Repository& repo = tenant.repositories.at(r);
        sources.append(tenant.repositoryFullName(r));
        components.append(QJsonObject {
            {QStringLiteral("id"), QStringLiteral("%1-%2").arg(app.id.left(8), repo.name)},
            {QStringLiteral("name"), repo.name},
            {QStringLiteral("type"),
             repo.language == QLatin1String("TypeScript") ? QStringLiteral("frontend") : QStringLiteral("service")},
            {QStringLiteral("source"),
             QJsonObject {{QStringLiteral("type"), QStringLiteral("repository")},
                          {QStringLiteral("repositoryId"), repo.id},
                          {QStringLiteral("path"), QStringLiteral("/")}}},
            {QStringLiteral("discovery"),
             QJsonObject {{QStringLiteral("technologies"), QJsonArray::fromStringList(repo.technologies)}}},
        });
    }
    const qint64 created = tenant.referenceTime - (200 + index * 17) * 86400LL;
    const int publicEndpoints = app.endpoints / 4;
    return QJsonObject {
        {QStringLiteral("id"), app.id},
        {QStringLiteral("tenantId"), tenant.tenantId},
        {QStringLiteral("name"), app.name},
        {QStringLiteral("description"), app.description},
        {QStringLiteral("components"), components},
        {QStringLiteral("discovery"),
         QJsonObject {
             {QStringLiteral("apiSpecs"),
              QJsonArray {QJsonObject {
                  {QStringLiteral("id"), app.id.left(8) + QStringLiteral("-openapi")},
                  {QStringLiteral("name"), QStringLiteral("openapi.yaml")},
                  {QStringLiteral("contentRef"),
                   QJsonObject {{QStringLiteral("size"), 18000 + app.endpoints * 410},
                                {QStringLiteral("hash"), app.id.left(8) + app.id.right(12)}}},
                  {QStringLiteral("metadata"), QJsonObject {{QStringLiteral("numEndpoints"), app.endpoints}}}}}},
             {QStringLiteral("apiSurface"),
              QJsonObject {{QStringLiteral("totalEndpoints"), app.endpoints},
                           {QStringLiteral("publicEndpoints"), publicEndpoints},
                           {QStringLiteral("authenticatedEndpoints"), app.endpoints - publicEndpoints},
                           {QStringLiteral("coverage"), 0.62 + 0.05 * index}}},
             {QStringLiteral("technologies"), QJsonArray::fromStringList(app.technologies)},
             {QStringLiteral("securityProfile"),
              QJsonObject {{QStringLiteral("riskScore"), 35 + index * 11},
                           {QStringLiteral("exposedSecrets"), index % 2}}},
         }},
        {QStringLiteral("metadata"),
         QJsonObject {{QStringLiteral("lastRebuildTime"), seed::isoTime(tenant.referenceTime - (index + 1) * 7200LL)},
                      {QStringLiteral("sourceRepositories"), sources},
                      {QStringLiteral("sourceRepositoryCount"), static_cast<int>(sources.size())},
                      {QStringLiteral("status"), QStringLiteral("ready")}}},
        {QStringLiteral("createdAt"), seed::isoTime(created)},
        {QStringLiteral("updatedAt"), seed::isoTime(tenant.referenceTime - (index + 1) * 7200LL)},
        {QStringLiteral("tags"), QJsonArray {QStringLiteral("production")}},
    };
}

QJsonObject scanRun(const seed::ScanRun& run)
{
    const QJsonValue completed
        = run.completedAt ? QJsonValue(seed::isoTime(run.completedAt)) : QJsonValue(QJsonValue::Null);
    const int live = run.severities[0] + run.severities[1] + run.severities[2] + run.severities[3];
    return QJsonObject {
        {QStringLiteral("scanRunId"), run.id},
        {QStringLiteral("status"), run.status},
        {QStringLiteral("triggerType"), run.triggerType},
        {QStringLiteral("branch"), run.branch},
        {QStringLiteral("isDefaultBranch"), run.isDefaultBranch},
        {QStringLiteral("commitHash"), run.commitHash},
        {QStringLiteral("startedAt"), seed::isoTime(run.startedAt)},
        {QStringLiteral("completedAt"), completed},
        {QStringLiteral("scanCompletedAt"), completed},
        {QStringLiteral("errorMessage"),
         run.errorMessage.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(run.errorMessage)},
        {QStringLiteral("liveFindingsCount"), live},
        {QStringLiteral("newFindingsCount"), run.newFindings},
        {QStringLiteral("fixedFindingsCount"), run.fixedFindings},
        {QStringLiteral("reintroducedFindingsCount"), run.reintroducedFindings},
        {QStringLiteral("allowlistedFindingsCount"), run.allowlistedFindings},
        {QStringLiteral("severityCritical"), run.severities[0]},
        {QStringLiteral("severityHigh"), run.severities[1]},
        {QStringLiteral("severityMedium"), run.severities[2]},
        {QStringLiteral("severityLow"), run.severities[3]},
    };
}

QJsonObject findingPreview(const Tenant& tenant, int index, const AutofixView& autofix)
{
    const Finding& f = tenant.findings.at(index);
    const FindingTemplate& t = tenant.findingTemplate(f);
    const seed::Repository& repo = tenant.repositories.at(f.repository);
    const QString severity = seed::severityName(f.severity);
    const QString priority = seed::priorityLabel(f);
    const QString commit = tenant.commitFor(f.salt);
    const bool isDeps = f.type == FindingType::Dependencies;
    const bool isContainer = f.type == FindingType::Containers;
    const bool isSecret = f.type == FindingType::SecretsCredentials || f.type == FindingType::SecretsSensitiveData;
    const bool isDast = f.type == FindingType::Pentest || f.type == FindingType::BugHunt;
    const auto [method, path] = endpointOf(t);
    const QString host = isDast ? tenant.applications.at(f.application).host : QString();
    const int lineCount = std::max(1, static_cast<int>(QString::fromUtf8(t.patch).count(QLatin1Char('-'))));

    QJsonObject o {
        {QStringLiteral("type"), seed::findingTypeName(f.type)},
        {QStringLiteral("id"), tenant.findingId(index)},
        {QStringLiteral("createdAt"), seed::isoTime(f.createdAt)},
        {QStringLiteral("updatedAt"), seed::isoTime(updatedAt(tenant, f))},
        {QStringLiteral("tenantId"), tenant.tenantId},
        {QStringLiteral("installationId"), tenant.githubInstallationId},
        {QStringLiteral("repositoryId"), repo.id},
        {QStringLiteral("repository"), repo.name},
        {QStringLiteral("repositoryName"), repo.name},
        {QStringLiteral("projectId"), repo.id + QStringLiteral("-root")},
        {QStringLiteral("projectName"), repo.name},
        {QStringLiteral("projectPathPrefix"), QStringLiteral("/")},
        {QStringLiteral("branch"), repo.defaultBranch},
        {QStringLiteral("commitHash"), commit},
        {QStringLiteral("firstSeenCommit"), commit},
        {QStringLiteral("commit"), isSecret ? commit : QString()},
        {QStringLiteral("title"), str(t.title)},
        {QStringLiteral("aiTitle"), str(t.title)},
        {QStringLiteral("aiDevTitle"), str(t.title)},
        {QStringLiteral("category"), str(t.category)},
        {QStringLiteral("severity"), severity},
        {QStringLiteral("language"), languageFor(tenant, f)},
        {QStringLiteral("message"), str(t.message)},
        {QStringLiteral("summary"), str(t.message)},
        {QStringLiteral("filePath"), tenant.filePath(f)},
        {QStringLiteral("cwe"), cweText(t.cwe)},
        {QStringLiteral("ruleId"), str(t.ruleId)},
        {QStringLiteral("ruleUrl"), ruleUrl(t)},
        {QStringLiteral("entrypoint"), QString()},
        {QStringLiteral("startLine"), static_cast<int>(f.line)},
        {QStringLiteral("endLine"), static_cast<int>(f.line) + lineCount - 1},
        {QStringLiteral("line"), static_cast<int>(f.line)},
        {QStringLiteral("autoFixState"), autofix.state},
        {QStringLiteral("allowlistState"), QStringLiteral("none")},
        {QStringLiteral("priorityOverride"), priority},
        {QStringLiteral("priorityScore"), seed::priorityScore(f)},
        {QStringLiteral("priorityLabel"), priority},
        {QStringLiteral("isFalsePositive"), f.falsePositive},
        {QStringLiteral("pullRequestsAllowlist"), QJsonArray {}},
        {QStringLiteral("pullRequestsAutofix"), autofixPullRequests(autofix)},
        {QStringLiteral("fileOwners"), fileOwners(tenant, f)},
        {QStringLiteral("lastEvent"), f.resolved ? QStringLiteral("fixed") : QStringLiteral("detected")},
        {QStringLiteral("triageVersion"), QStringLiteral("2")},
        {QStringLiteral("assessmentFactors"),
         QJsonObject {
             {QStringLiteral("reachability"), (f.salt & 4) ? QStringLiteral("reachable") : QStringLiteral("unknown")}}},
        {QStringLiteral("numCritical"), isDeps || isContainer ? (f.severity == seed::Severity::Critical ? 1 : 0) : 0},
        {QStringLiteral("numHigh"), isDeps || isContainer ? (f.severity == seed::Severity::High ? 1 : 0) : 0},
        {QStringLiteral("numMedium"), isDeps || isContainer ? (f.severity == seed::Severity::Medium ? 1 : 0) : 0},
        {QStringLiteral("numLow"), isDeps || isContainer ? (f.severity == seed::Severity::Low ? 1 : 0) : 0},
        {QStringLiteral("numUnknown"), 0},
        {QStringLiteral("vulnerabilitiesCVEIds"), isDeps || isContainer ? QJsonArray {str(t.cve)} : QJsonArray {}},
        {QStringLiteral("vulnerabilitiesCWEIds"), isDeps || isContainer ? QJsonArray {cweText(t.cwe)} : QJsonArray {}},
        {QStringLiteral("vulnerabilitiesMaxSeverity"), severity},
        {QStringLiteral("vulnerabilitiesMaxPriority"), priority},
        {QStringLiteral("hasReachableCVEs"), isDeps && (f.salt & 2) != 0},
        {QStringLiteral("package"), isDeps || isContainer ? str(t.package) : QString()},
        {QStringLiteral("packageFilePath"), isDeps ? tenant.filePath(f) : QString()},
        {QStringLiteral("version"), isDeps || isContainer ? str(t.version) : QString()},
        {QStringLiteral("suggestedVersion"), isDeps ? str(t.fixedVersion) : QString()},
        {QStringLiteral("entropy"), isSecret ? 3.5 + static_cast<double>(f.salt % 150) / 100.0 : 0.0},
        {QStringLiteral("secretHash"), isSecret ? secretHash(tenant, index) : QString()},
        {QStringLiteral("redactedSecret"), isSecret ? redactedSecret(t, f) : QString()},
        {QStringLiteral("match"), isSecret ? redactedSecret(t, f) : QString()},
        {QStringLiteral("secretType"), isSecret ? str(t.category) : QString()},
        {QStringLiteral("scopes"), QJsonArray {}},
        {QStringLiteral("imageMetadata"),
         isContainer
             ? imageMetadata(str(t.package), str(t.version), QStringLiteral("sha256:") + secretHash(tenant, index))
             : QJsonObject {}},
        {QStringLiteral("suggestedImage"),
         isContainer ? QJsonArray {imageMetadata(str(t.package),
                                                 str(t.fixedVersion),
                                                 QStringLiteral("sha256:") + secretHash(tenant, index).left(32)
                                                     + tenant.commitFor(f.salt + 1).left(32))}
                     : QJsonArray {}},
        {QStringLiteral("appName"), isDast ? tenant.applications.at(f.application).name : QString()},
        {QStringLiteral("appType"), isDast ? QStringLiteral("API") : QString()},
        {QStringLiteral("host"), host},
        {QStringLiteral("targetUrl"), host},
        {QStringLiteral("scanId"), QString()},
        {QStringLiteral("scanConfigId"), QString()},
        {QStringLiteral("scanType"), isDast ? QStringLiteral("API") : QString()},
        {QStringLiteral("source"), f.type == FindingType::Pentest ? QStringLiteral("AIPenTester") : QString()},
        {QStringLiteral("endpointMethod"), method},
        {QStringLiteral("endpointPath"), path},
        {QStringLiteral("method"), method},
        {QStringLiteral("path"), path},
        {QStringLiteral("uri"), isDast ? host + path : QString()},
        {QStringLiteral("solution"),
         isDast ? QStringLiteral("See the proposed fix and the retest steps in the report.") : QString()},
        {QStringLiteral("httpVersion"), isDast ? QStringLiteral("HTTP/1.1") : QString()},
        {QStringLiteral("queryParameters"), QJsonObject {}},
        {QStringLiteral("vulnerableParameterName"), QString()},
        {QStringLiteral("vulnerableParameterValue"), QString()},
        {QStringLiteral("errorType"), QString()},
        {QStringLiteral("errorDescription"), QString()},
        {QStringLiteral("previousResponse"), QString()},
        {QStringLiteral("requestHeader"), QJsonObject {}},
        {QStringLiteral("requestBody"), QString()},
        {QStringLiteral("responseHeader"), QJsonObject {}},
        {QStringLiteral("responseBody"), QString()},
        {QStringLiteral("tags"), QString()},
        {QStringLiteral("hypothesis"), QString()},
        {QStringLiteral("userName"), QString()},
        {QStringLiteral("roleName"), QString()},
        {QStringLiteral("roleDescription"), QString()},
        {QStringLiteral("timeSaved"), static_cast<qint64>(1800 + f.salt % 5400) * 1'000'000'000LL},
        {QStringLiteral("isResolved"), f.isResolved()},
        {QStringLiteral("resolvedAt"),
         f.resolved ? QJsonValue(seed::isoTime(resolvedAt(tenant, f))) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("isAllowlisted"), f.allowlisted},
        {QStringLiteral("isArchived"), false},
        {QStringLiteral("isLatest"), true},
        {QStringLiteral("isDefaultBranch"), true},
        {QStringLiteral("isAutoFixable"), t.patch[0] != '\0'},
        {QStringLiteral("isInternetReachable"), repo.exposure == QLatin1String("internet_facing")},
    };
    return o;
}

QJsonObject findingDetail(const Tenant& tenant, int index, const AutofixView& autofix)
{
    const Finding& f = tenant.findings.at(index);
    const FindingTemplate& t = tenant.findingTemplate(f);
    const seed::Repository& repo = tenant.repositories.at(f.repository);
    const QString severity = seed::severityName(f.severity);
    const QString priority = seed::priorityLabel(f);
    const QString id = tenant.findingId(index);
    const QString created = seed::isoTime(f.createdAt);
    const QString updated = seed::isoTime(updatedAt(tenant, f));
    const QString commit = tenant.commitFor(f.salt);
    const QJsonValue resolved
        = f.resolved ? QJsonValue(seed::isoTime(resolvedAt(tenant, f))) : QJsonValue(QJsonValue::Null);
    // Go's zero time: what the real service sends for a non-nullable date that is not set.
    const QString zeroTime = QStringLiteral("0001-01-01T00:00:00Z");
    const int endLine = static_cast<int>(f.line)
        + std::max(0, static_cast<int>(QString::fromUtf8(t.patch).count(QLatin1String("\n-"))));

    QJsonObject o {{QStringLiteral("id"), id},
                   {QStringLiteral("createdAt"), created},
                   {QStringLiteral("updatedAt"), updated},
                   {QStringLiteral("tenantId"), tenant.tenantId},
                   {QStringLiteral("installationId"), tenant.githubInstallationId},
                   {QStringLiteral("isResolved"), f.isResolved()},
                   {QStringLiteral("isAllowlisted"), f.allowlisted},
                   {QStringLiteral("isFalsePositive"), f.falsePositive},
                   {QStringLiteral("isArchived"), false},
                   {QStringLiteral("isLatest"), true}};

    switch (f.type) {
    case FindingType::Code:
        addTriage(o, f, severity, priority);
        addRule(o, t, severity);
        addRepository(o, tenant, repo, commit);
        addAutofix(o, autofix);
        o.insert(QStringLiteral("aiDevTitle"), str(t.title));
        o.insert(QStringLiteral("devDescription"), str(t.message));
        o.insert(QStringLiteral("category"), str(t.category));
        o.insert(QStringLiteral("cwe"), t.cwe);
        o.insert(QStringLiteral("language"), languageFor(tenant, f));
        o.insert(QStringLiteral("filePath"), tenant.filePath(f));
        o.insert(QStringLiteral("startLine"), static_cast<int>(f.line));
        o.insert(QStringLiteral("endLine"), endLine);
        o.insert(QStringLiteral("platform"), QStringLiteral("GitHub"));
        o.insert(QStringLiteral("firstSeenCommit"), commit);
        o.insert(QStringLiteral("allowlistState"), QStringLiteral("none"));
        o.insert(QStringLiteral("fileOwners"), fileOwners(tenant, f));
        o.insert(QStringLiteral("pullRequestsAllowlist"), QJsonArray {});
        o.insert(QStringLiteral("isFixed"), f.resolved);
        o.insert(QStringLiteral("workflow"), QStringLiteral("push"));
        o.insert(QStringLiteral("userNotes"), QString());
        if (f.resolved) {
            o.insert(QStringLiteral("resolvedAt"), resolved);
        }
        break;
    case FindingType::Dependencies:
        addTriage(o, f, severity, priority);
        o.insert(QStringLiteral("nonAIPriorityLabel"), priority);
        o.insert(QStringLiteral("isDirect"), (f.salt & 8) == 0);
        o.insert(QStringLiteral("package"), str(t.package));
        o.insert(QStringLiteral("packageFilePath"), tenant.filePath(f));
        o.insert(QStringLiteral("version"), str(t.version));
        o.insert(QStringLiteral("suggestedVersion"), str(t.fixedVersion));
        o.insert(QStringLiteral("filePath"), tenant.filePath(f));
        o.insert(QStringLiteral("line"), static_cast<int>(f.line));
        addSeverityCounts(o, f.severity);
        addRepository(o, tenant, repo, commit);
        o.insert(QStringLiteral("firstSeenCommit"), commit);
        o.insert(
            QStringLiteral("vulnerabilities"),
            QJsonArray {QJsonObject {{QStringLiteral("id"), str(t.ruleId)},
                                     {QStringLiteral("hasFix"), true},
                                     {QStringLiteral("title"), str(t.title)},
                                     {QStringLiteral("details"), str(t.message)},
                                     {QStringLiteral("severity"), severity},
                                     {QStringLiteral("cves"), QJsonArray {cve(t, f, severity, priority)}},
                                     {QStringLiteral("cwes"), QJsonArray {cweText(t.cwe)}},
                                     {QStringLiteral("introduced"), QStringLiteral("0")},
                                     {QStringLiteral("fixed"), str(t.fixedVersion)},
                                     {QStringLiteral("version"), str(t.version)},
                                     {QStringLiteral("references"),
                                      QJsonArray {QStringLiteral("https://nvd.nist.gov/vuln/detail/") + str(t.cve)}}}});
        o.insert(QStringLiteral("hasReachableCVEs"), (f.salt & 2) != 0);
        o.insert(QStringLiteral("isReachabilitySupported"), true);
        o.insert(QStringLiteral("workflow"), QStringLiteral("push"));
        addScaAutofixAndTriageText(o, t, autofix, 0.0125);
        o.insert(QStringLiteral("fileOwners"), fileOwners(tenant, f));
        o.insert(QStringLiteral("vulnerabilitiesMaxSeverity"), severity);
        o.insert(QStringLiteral("vulnerabilitiesMaxPriority"), priority);
        o.insert(QStringLiteral("vulnerabilitiesCWEIds"), QJsonArray {cweText(t.cwe)});
        o.insert(QStringLiteral("vulnerabilitiesCVEIds"), QJsonArray {str(t.cve)});
        break;
    case FindingType::Containers: {
        addTriage(o, f, severity, priority);
        const QString digest = QStringLiteral("sha256:") + secretHash(tenant, index);
        const QJsonObject current = imageMetadata(str(t.package), str(t.version), digest);
        const QJsonObject suggested
            = imageMetadata(str(t.package),
                            str(t.fixedVersion),
                            QStringLiteral("sha256:") + tenant.commitFor(f.salt + 7).left(40) + digest.right(24));
        const QJsonObject theCve = cve(t, f, severity, priority);
        const QString osPackage = QString::fromUtf8(t.title).section(QLatin1Char(' '), 1, 1);
        const QJsonObject artifact {{QStringLiteral("name"), osPackage},
                                    {QStringLiteral("version"), QStringLiteral("1.1.1t-r0")},
                                    {QStringLiteral("type"), QStringLiteral("apk")},
                                    {QStringLiteral("purl"), QStringLiteral("pkg:generic/%1").arg(osPackage)}};
        const QJsonArray vulnerabilities {QJsonObject {{QStringLiteral("severity"), severity},
                                                       {QStringLiteral("cves"), theCve},
                                                       {QStringLiteral("hasFix"), true},
                                                       {QStringLiteral("fixed"), str(t.fixedVersion)},
                                                       {QStringLiteral("artifact"), artifact}}};
        const QJsonArray packages {QJsonObject {
            {QStringLiteral("namespace"), QStringLiteral("os")},
            {QStringLiteral("name"), osPackage},
            {QStringLiteral("version"), QStringLiteral("1.1.1t-r0")},
            {QStringLiteral("type"), QStringLiteral("apk")},
            {QStringLiteral("purl"), QStringLiteral("pkg:generic/%1").arg(osPackage)},
            {QStringLiteral("cves"),
             QJsonArray {QJsonObject {{QStringLiteral("id"), str(t.cve)},
                                      {QStringLiteral("cvss"), theCve.value(QStringLiteral("cvss"))},
                                      {QStringLiteral("severity"), severity},
                                      {QStringLiteral("cisaKev"), theCve.value(QStringLiteral("cisaKev"))},
                                      {QStringLiteral("exploitabilityScore"), 3.9},
                                      {QStringLiteral("impactScore"), 5.9},
                                      {QStringLiteral("vectorString"), theCve.value(QStringLiteral("vectorString"))},
                                      {QStringLiteral("version"), QStringLiteral("3.1")}}}}}};
        o.insert(QStringLiteral("imageMetadata"), current);
        o.insert(QStringLiteral("filePath"), tenant.filePath(f));
        o.insert(QStringLiteral("line"), static_cast<int>(f.line));
        addSeverityCounts(o, f.severity);
        o.insert(QStringLiteral("suggestions"),
                 QJsonArray {QJsonObject {{QStringLiteral("imageMetadata"), suggested},
                                          {QStringLiteral("numCritical"), 0},
                                          {QStringLiteral("numHigh"), 0},
                                          {QStringLiteral("numMedium"), 0},
                                          {QStringLiteral("numLow"), 1},
                                          {QStringLiteral("numUnknown"), 0},
                                          {QStringLiteral("vulnerabilities"), QJsonArray {}},
                                          {QStringLiteral("vulnerablePackages"), QJsonArray {}}}});
        o.insert(QStringLiteral("vulnerabilities"), vulnerabilities);
        o.insert(QStringLiteral("vulnerablePackages"), packages);
        o.insert(QStringLiteral("suggestedImages"), QJsonArray {suggested});
        addScaAutofixAndTriageText(o, t, autofix, 0.0094);
        addRepository(o, tenant, repo, commit);
        o.insert(QStringLiteral("fileOwners"), fileOwners(tenant, f));
        o.insert(QStringLiteral("vulnerabilitiesCVEIds"), QJsonArray {str(t.cve)});
        o.insert(QStringLiteral("vulnerabilitiesMaxSeverity"), severity);
        break;
    }
    case FindingType::SecretsCredentials:
    case FindingType::SecretsSensitiveData: {
        const qint64 committed = f.createdAt - 3600;
        o.insert(QStringLiteral("secretType"), str(t.category));
        o.insert(QStringLiteral("scanner"), QStringLiteral("nullify-secrets"));
        o.insert(QStringLiteral("filePath"), tenant.filePath(f));
        o.insert(QStringLiteral("author"),
                 QStringLiteral("dev%1@%2.example").arg(f.salt % 40).arg(tenant.organization));
        o.insert(QStringLiteral("commit"), commit);
        o.insert(QStringLiteral("timeStamp"), seed::isoTime(committed));
        o.insert(QStringLiteral("timestampUnix"), committed);
        o.insert(QStringLiteral("ruleId"), str(t.ruleId));
        o.insert(QStringLiteral("entropy"), 3.5 + static_cast<double>(f.salt % 150) / 100.0);
        o.insert(QStringLiteral("startLine"), static_cast<int>(f.line));
        o.insert(QStringLiteral("endLine"), static_cast<int>(f.line));
        o.insert(QStringLiteral("startColumn"), static_cast<int>(5 + f.salt % 20));
        o.insert(QStringLiteral("endColumn"), static_cast<int>(45 + f.salt % 20));
        o.insert(QStringLiteral("secretHash"), secretHash(tenant, index));
        o.insert(QStringLiteral("verified"), (f.salt & 16) != 0);
        o.insert(QStringLiteral("verifiedAt"), (f.salt & 16) ? updated : QString());
        o.insert(QStringLiteral("scopes"), QJsonArray {});
        o.insert(QStringLiteral("severityOverride"), severity);
        o.insert(QStringLiteral("priorityOverride"), priority);
        o.insert(QStringLiteral("severityLabel"), severity);
        o.insert(QStringLiteral("priorityLabel"), priority);
        o.insert(QStringLiteral("priorityScore"), seed::priorityScore(f));
        o.insert(QStringLiteral("userNotes"), QString());
        o.insert(QStringLiteral("match"), redactedSecret(t, f));
        o.insert(QStringLiteral("redactedSecret"), redactedSecret(t, f));
        o.insert(QStringLiteral("repository"), repo.name);
        o.insert(QStringLiteral("repositoryId"), repo.id);
        o.insert(QStringLiteral("repositoryName"), repo.name);
        o.insert(QStringLiteral("branch"), repo.defaultBranch);
        o.insert(QStringLiteral("projectId"), repo.id + QStringLiteral("-root"));
        o.insert(QStringLiteral("projectName"), repo.name);
        o.insert(QStringLiteral("isDeleted"), false);
        o.insert(QStringLiteral("falsePositiveReason"), QString());
        o.insert(QStringLiteral("owner"), tenant.organization);
        o.insert(QStringLiteral("ownerType"), QStringLiteral("Organization"));
        o.insert(QStringLiteral("isDefaultBranch"), true);
        o.insert(QStringLiteral("userId"), QString());
        o.insert(QStringLiteral("platform"), QStringLiteral("GitHub"));
        o.insert(QStringLiteral("fileOwners"), fileOwners(tenant, f));
        o.insert(QStringLiteral("title"), str(t.title));
        o.insert(QStringLiteral("aiTitle"), str(t.title));
        o.insert(QStringLiteral("description"), str(t.message));
        break;
    }
    case FindingType::Pentest:
    case FindingType::BugHunt: {
        const seed::Application& app = tenant.applications.at(f.application);
        const auto [method, path] = endpointOf(t);
        o = QJsonObject {
            {QStringLiteral("id"), id},
            {QStringLiteral("scanInfo"),
             QJsonObject {{QStringLiteral("scanId"), QString()},
                          {QStringLiteral("scanType"), QStringLiteral("API")},
                          {QStringLiteral("appId"), app.id},
                          {QStringLiteral("targetUrl"), app.host}}},
            {QStringLiteral("title"), str(t.title)},
            {QStringLiteral("summary"), str(t.message)},
            {QStringLiteral("cwe"), t.cwe},
            {QStringLiteral("source"), QStringLiteral("AIPenTester")},
            {QStringLiteral("endpoint"),
             QJsonObject {{QStringLiteral("method"), method}, {QStringLiteral("path"), path}}},
            {QStringLiteral("host"), app.host},
            {QStringLiteral("isLatest"), true},
            {QStringLiteral("isFixed"), f.resolved},
            {QStringLiteral("isAllowlisted"), f.allowlisted},
            {QStringLiteral("allowlistedReason"), QString()},
            {QStringLiteral("createdAt"), created},
            {QStringLiteral("updatedAt"), updated},
            {QStringLiteral("isAutoFixable"), t.patch[0] != '\0'},
            {QStringLiteral("priorityLabel"), pentestPriority(f)},
            {QStringLiteral("priorityScore"), seed::priorityScore(f)},
            {QStringLiteral("autoFixState"), autofix.state},
            {QStringLiteral("repository"), repo.name},
            {QStringLiteral("repositoryId"), repo.id},
            {QStringLiteral("repositoryName"), repo.name},
            {QStringLiteral("pullRequestsAutofix"), autofixPullRequests(autofix)},
            // ModelsPentestFindingAPI: where the spec puts a pentest finding's severity.
            {QStringLiteral("api"), pentestApi(t, app.host, method, path, severity)},
        };
        break;
    }
    case FindingType::Cloud:
        addTriage(o, f, severity, priority);
        o.insert(QStringLiteral("platform"), QStringLiteral("AWS"));
        o.insert(QStringLiteral("cloudProvider"), QStringLiteral("AWS"));
        o.insert(QStringLiteral("accountId"),
                 QStringLiteral("4%1").arg(tenant.githubOwnerId.left(8)).leftJustified(12, QLatin1Char('7')));
        o.insert(QStringLiteral("accountName"), tenant.organization + QStringLiteral("-production"));
        o.insert(QStringLiteral("region"), (f.salt & 1) ? QStringLiteral("us-east-1") : QStringLiteral("eu-west-1"));
        o.insert(QStringLiteral("resolvedAt"), f.resolved ? resolved.toString() : zeroTime);
        addRule(o, t, severity);
        addAutofix(o, autofix);
        o.insert(QStringLiteral("category"), str(t.category));
        o.insert(QStringLiteral("resourceType"), str(t.category));
        o.insert(QStringLiteral("resourceId"),
                 QStringLiteral("%1-%2").arg(str(t.ruleId).section(QLatin1Char('-'), 1, 1)).arg(f.salt % 100000));
        o.insert(QStringLiteral("isFixed"), f.resolved);
        break;
    case FindingType::Platform:
        addRule(o, t, severity);
        addAutofix(o, autofix);
        o.insert(QStringLiteral("platform"), QStringLiteral("GitHub"));
        o.insert(QStringLiteral("priorityLabel"), priority);
        o.insert(QStringLiteral("priorityScore"), static_cast<double>(seed::priorityScore(f)));
        o.insert(QStringLiteral("filePath"), tenant.filePath(f));
        o.insert(QStringLiteral("language"), QStringLiteral("YAML"));
        o.insert(QStringLiteral("repository"), repo.name);
        o.insert(QStringLiteral("repositoryId"), repo.id);
        o.insert(QStringLiteral("owner"), tenant.organization);
        o.insert(QStringLiteral("branch"), repo.defaultBranch);
        o.insert(QStringLiteral("commitHash"), commit);
        if (!autofix.pullRequestUrl.isEmpty()) {
            o.insert(QStringLiteral("pullRequestUrl"), autofix.pullRequestUrl);
        }
        break;
    default:
        break;
    }
    return o;
}

} // namespace nullify::sandbox::tenantjson
