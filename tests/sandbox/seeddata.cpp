#include "seeddata.h"

#include "utctime.h"

#include <QJsonValue>

#include <algorithm>

namespace nullify::sandbox::seed {

// --- Random numbers ---------------------------------------------------------------------------

quint64 mix(quint64 value)
{
    // splitmix64's finaliser: cheap, and every input bit affects every output bit.
    value += 0x9E3779B97F4A7C15ULL;
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
    value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
    return value ^ (value >> 31);
}

quint64 Rng::next()
{
    m_state += 0x9E3779B97F4A7C15ULL;
    return mix(m_state);
}

int Rng::below(int bound)
{
    return bound <= 1 ? 0 : static_cast<int>(next() % static_cast<quint64>(bound));
}

int Rng::range(int low, int high)
{
    return low + below(high - low + 1);
}

bool Rng::chance(int percent)
{
    return below(100) < percent;
}

QString Rng::hex(int digits)
{
    static const char alphabet[] = "0123456789abcdef";
    QString out(digits, Qt::Uninitialized);
    quint64 bits = 0;
    for (int i = 0; i < digits; ++i) {
        if (i % 16 == 0) {
            bits = next();
        }
        out[i] = QLatin1Char(alphabet[bits & 0xF]);
        bits >>= 4;
    }
    return out;
}

QString Rng::uuid()
{
    return QStringLiteral("%1-%2-4%3-%4%5-%6")
        .arg(hex(8), hex(4), hex(3))
        .arg(QLatin1Char("89ab"[below(4)]))
        .arg(hex(3), hex(12));
}

// --- Enums ------------------------------------------------------------------------------------

namespace {

const char* const typeNames[] = {"Code",
                                 "Dependencies",
                                 "Containers",
                                 "SecretsCredentials",
                                 "SecretsSensitiveData",
                                 "Pentest",
                                 "BugHunt",
                                 "Cloud",
                                 "Platform"};
const char* const severityNames[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW"};

} // namespace

QString findingTypeName(FindingType type)
{
    return QLatin1String(typeNames[static_cast<int>(type)]);
}

std::optional<FindingType> findingTypeFromName(const QString& name)
{
    for (int i = 0; i < findingTypeCount; ++i) {
        if (name == QLatin1String(typeNames[i])) {
            return static_cast<FindingType>(i);
        }
    }
    return std::nullopt;
}

QString severityName(Severity severity)
{
    return QLatin1String(severityNames[static_cast<int>(severity)]);
}

std::optional<Severity> severityFromName(const QString& name)
{
    for (int i = 0; i < severityCount; ++i) {
        if (name == QLatin1String(severityNames[i])) {
            return static_cast<Severity>(i);
        }
    }
    return std::nullopt;
}

QString isoTime(qint64 secondsSinceEpoch)
{
    return nullify::utcFromSecsSinceEpoch(secondsSinceEpoch).toString(Qt::ISODate);
}

QString priorityLabel(const Finding& finding)
{
    if (finding.falsePositive) {
        return QStringLiteral("FALSE_POSITIVE");
    }
    switch (finding.severity) {
    case Severity::Critical:
        return QStringLiteral("URGENT");
    case Severity::High:
        return (finding.salt & 3) == 0 ? QStringLiteral("URGENT") : QStringLiteral("IMPORTANT");
    case Severity::Medium:
        return QStringLiteral("MEDIUM");
    default:
        return (finding.salt & 1) ? QStringLiteral("LOW") : QStringLiteral("NEGLIGIBLE");
    }
}

int priorityScore(const Finding& finding)
{
    static const int base[] = {90, 70, 45, 15};
    return base[static_cast<int>(finding.severity)] + static_cast<int>((finding.salt >> 8) % 10);
}

// --- The tenant -------------------------------------------------------------------------------

namespace {

struct RepoSeed
{
    const char* name;
    const char* language;
    const char* classification;
    const char* exposure;
    const char* description;
    const char* technologies;
};

// The first three are always present: the Terraform repository carries the cloud findings, the
// TypeScript front ends carry the pentest fixes.
const RepoSeed repoPool[] = {
    {"infra-terraform",
     "Terraform",
     "infrastructure",
     "internal",
     "AWS accounts, networking and shared services",
     "Terraform,AWS"},
    {"checkout-web",
     "TypeScript",
     "application",
     "internet_facing",
     "Customer checkout single-page app and BFF",
     "React,Node.js,Express"},
    {"admin-portal",
     "TypeScript",
     "application",
     "internet_facing",
     "Back-office portal for support staff",
     "React,Express,PostgreSQL"},
    {"payments-api", "Go", "application", "internet_facing", "Card payments and refunds API", "Go,PostgreSQL,gRPC"},
    {"auth-service", "Go", "application", "internet_facing", "OAuth2 and session service", "Go,Redis"},
    {"ledger-core", "Go", "application", "internal", "Double-entry ledger and reconciliation jobs", "Go,PostgreSQL"},
    {"api-gateway", "Go", "application", "internet_facing", "Edge gateway: routing, rate limits, auth", "Go,Envoy"},
    {"user-profile-service",
     "Python",
     "application",
     "internal",
     "Customer profiles and preferences",
     "Python,Django,PostgreSQL"},
    {"data-pipeline", "Python", "application", "internal", "Nightly ETL into the warehouse", "Python,Airflow,Spark"},
    {"notification-worker",
     "Python",
     "application",
     "internal",
     "Email, SMS and push delivery workers",
     "Python,Celery,Redis"},
    {"ml-recommendations",
     "Python",
     "application",
     "internal",
     "Product recommendation models and serving",
     "Python,FastAPI,PyTorch"},
    {"billing-service",
     "Java",
     "application",
     "internal",
     "Invoicing and subscription billing",
     "Java,Spring Boot,PostgreSQL"},
    {"search-indexer", "Java", "application", "internal", "Catalogue indexing for search", "Java,Kafka,OpenSearch"},
    {"inventory-service", "Java", "application", "internal", "Stock levels and reservations", "Java,Spring Boot,MySQL"},
    {"mobile-bff",
     "TypeScript",
     "application",
     "internet_facing",
     "Backend-for-frontend of the mobile apps",
     "Node.js,GraphQL"},
    {"design-system", "TypeScript", "library", "library", "Shared React components", "React,Storybook"},
};

const char* const organizations[] = {"acme-corp",
                                     "globex",
                                     "initech",
                                     "umbrella-labs",
                                     "hooli",
                                     "wayne-fintech",
                                     "cyberdyne",
                                     "soylent-health",
                                     "tyrell-systems",
                                     "vandelay-imports"};

struct AppSeed
{
    const char* name;
    const char* subdomain;
    const char* description;
};

const AppSeed appPool[] = {
    {"Storefront", "shop", "Public shop: catalogue, cart and checkout"},
    {"Customer Portal", "account", "Account management, orders and invoices"},
    {"Partner API", "partners", "REST API for resellers and marketplaces"},
    {"Back Office", "admin", "Internal tools for support and finance"},
    {"Mobile API", "m-api", "API behind the iOS and Android apps"},
};

const char* const branchPrefixes[] = {"feature/", "fix/", "chore/", "deps/"};
const char* const branchTopics[] = {"checkout-v2",
                                    "rate-limits",
                                    "refund-flow",
                                    "bump-go-1.21",
                                    "sso-groups",
                                    "audit-log",
                                    "retry-webhooks",
                                    "invoice-pdf"};

quint32 inverseOdd(quint32 value)
{
    // Newton's iteration for the inverse modulo 2^32; five steps reach 32 correct bits.
    quint32 x = value;
    for (int i = 0; i < 5; ++i) {
        x *= 2u - value * x;
    }
    return x;
}

constexpr quint32 idMultiplier = 0x9E3779B1u;

} // namespace

QString Tenant::repositoryFullName(int repository) const
{
    return organization + QLatin1Char('/') + repositories.at(repository).name;
}

QString Tenant::commitFor(quint64 salt) const
{
    Rng rng(mix(salt ^ (quint64(seed) << 32)));
    return rng.hex(40);
}

QString Tenant::findingId(int index) const
{
    const quint32 encoded = (static_cast<quint32>(index) * idMultiplier) ^ idMask;
    Rng rng(mix((quint64(seed) << 32) | static_cast<quint32>(index)));
    return QStringLiteral("%1-%2-4%3-a%4-%5%6")
        .arg(rng.hex(8), rng.hex(4), rng.hex(3), rng.hex(3), rng.hex(4))
        .arg(encoded, 8, 16, QLatin1Char('0'));
}

int Tenant::findingIndex(const QString& id) const
{
    if (id.size() != 36) {
        return -1;
    }
    bool ok = false;
    const quint32 encoded = id.right(8).toUInt(&ok, 16);
    if (!ok) {
        return -1;
    }
    const quint32 index = (encoded ^ idMask) * idMultiplierInverse;
    if (index >= static_cast<quint32>(findings.size()) || findingId(static_cast<int>(index)) != id) {
        return -1;
    }
    return static_cast<int>(index);
}

const FindingTemplate& Tenant::findingTemplate(const Finding& finding) const
{
    return findingTemplates().at(finding.templateIndex);
}

QString Tenant::findingTitle(const Finding& finding) const
{
    return QLatin1String(findingTemplate(finding).title);
}

QString Tenant::filePath(const Finding& finding) const
{
    return QString::fromLatin1(findingTemplate(finding).file);
}

Tenant Tenant::generate(quint32 seed, int findingCount, qint64 referenceTime)
{
    Tenant tenant;
    tenant.seed = seed;
    tenant.referenceTime = referenceTime;
    Rng rng(mix(seed) ^ 0x5EEDull);

    tenant.organization = QLatin1String(organizations[rng.below(std::size(organizations))]);
    tenant.githubOwnerId = QString::number(10'000'000 + rng.below(89'000'000));
    tenant.githubInstallationId = QString::number(30'000'000 + rng.below(9'000'000));
    tenant.tenantId = rng.uuid();
    tenant.idMask = static_cast<quint32>(rng.next());
    tenant.idMultiplierInverse = inverseOdd(idMultiplier);

    // Repositories: the three fixed ones plus nine of the rest, in a seeded order.
    QList<int> pool;
    for (int i = 3; i < static_cast<int>(std::size(repoPool)); ++i) {
        pool.append(i);
    }
    for (int i = pool.size() - 1; i > 0; --i) {
        std::swap(pool[i], pool[rng.below(i + 1)]);
    }
    QList<int> chosen {0, 1, 2};
    chosen.append(pool.mid(0, 9));
    std::sort(chosen.begin() + 1, chosen.end()); // keep the order stable and readable
    for (int index : chosen) {
        const RepoSeed& s = repoPool[index];
        Repository repo;
        repo.id = QString::number(400'000'000 + rng.below(300'000'000));
        repo.name = QLatin1String(s.name);
        repo.language = QLatin1String(s.language);
        repo.classification = QLatin1String(s.classification);
        repo.exposure = QLatin1String(s.exposure);
        repo.description = QLatin1String(s.description);
        repo.isPublic = repo.classification == QLatin1String("library");
        repo.defaultBranch = rng.chance(85) ? QStringLiteral("main") : QStringLiteral("master");
        repo.technologies = QString::fromLatin1(s.technologies).split(QLatin1Char(','));
        tenant.repositories.append(repo);
    }

    // Applications: each pairs a TypeScript front end with one or two back ends.
    QList<int> frontEnds;
    QList<int> backEnds;
    for (int i = 0; i < tenant.repositories.size(); ++i) {
        const Repository& repo = tenant.repositories.at(i);
        if (repo.classification != QLatin1String("application")) {
            continue;
        }
        (repo.language == QLatin1String("TypeScript") ? frontEnds : backEnds).append(i);
    }
    const int appCount = 3 + rng.below(2);
    for (int i = 0; i < appCount; ++i) {
        const AppSeed& s = appPool[i];
        Application app;
        app.id = rng.uuid();
        app.name = QLatin1String(s.name);
        app.description = QLatin1String(s.description);
        app.host = QStringLiteral("https://%1.%2.example").arg(QLatin1String(s.subdomain), tenant.organization);
        app.repositories.append(frontEnds.at(i % frontEnds.size()));
        if (!backEnds.isEmpty()) {
            app.repositories.append(backEnds.at(rng.below(backEnds.size())));
        }
        for (int r : app.repositories) {
            for (const QString& tech : tenant.repositories.at(r).technologies) {
                if (!app.technologies.contains(tech)) {
                    app.technologies.append(tech);
                }
            }
        }
        app.endpoints = rng.range(18, 140);
        tenant.applications.append(app);
    }

    // Which templates fit which repositories.
    const QList<FindingTemplate>& templates = findingTemplates();
    QList<QList<int>> templatesByType(findingTypeCount);
    for (int i = 0; i < templates.size(); ++i) {
        templatesByType[static_cast<int>(templates.at(i).type)].append(i);
    }
    QList<int> codeRepos;
    int infraRepo = 0;
    for (int i = 0; i < tenant.repositories.size(); ++i) {
        const QString& language = tenant.repositories.at(i).language;
        if (language == QLatin1String("Terraform")) {
            infraRepo = i;
        } else {
            codeRepos.append(i);
        }
    }
    QList<QList<int>> languageTemplates(tenant.repositories.size() * findingTypeCount);
    for (int r = 0; r < tenant.repositories.size(); ++r) {
        for (int t = 0; t < findingTypeCount; ++t) {
            for (int index : templatesByType.at(t)) {
                const char* language = templates.at(index).language;
                if (language[0] == '\0' || tenant.repositories.at(r).language == QLatin1String(language)) {
                    languageTemplates[r * findingTypeCount + t].append(index);
                }
            }
        }
    }

    // Findings: weights shaped like a typical tenant (lots of dependencies and code, few cloud).
    static const int typeWeights[findingTypeCount] = {30, 28, 10, 7, 4, 7, 3, 6, 5};
    int weightTotal = 0;
    for (int w : typeWeights) {
        weightTotal += w;
    }
    const qint64 span = 180LL * 24 * 3600;
    const qint64 step = std::max<qint64>(1, span / std::max(1, findingCount));
    tenant.findings.resize(findingCount);
    for (int i = 0; i < findingCount; ++i) {
        Finding& f = tenant.findings[i];
        const quint64 bits = rng.next();
        const quint64 more = rng.next();
        int pick = static_cast<int>(bits % static_cast<quint64>(weightTotal));
        int type = 0;
        while (pick >= typeWeights[type]) {
            pick -= typeWeights[type];
            ++type;
        }
        f.type = static_cast<FindingType>(type);
        f.salt = static_cast<quint32>(more);
        f.createdAt = referenceTime - i * step - static_cast<qint64>((more >> 32) % static_cast<quint64>(step));
        switch (f.type) {
        case FindingType::Cloud:
            f.repository = static_cast<quint16>(infraRepo);
            break;
        case FindingType::Pentest:
        case FindingType::BugHunt: {
            f.application = static_cast<quint8>((bits >> 16) % static_cast<quint64>(tenant.applications.size()));
            f.repository = static_cast<quint16>(tenant.applications.at(f.application).repositories.first());
            break;
        }
        case FindingType::Containers:
        case FindingType::SecretsCredentials:
        case FindingType::SecretsSensitiveData:
        case FindingType::Platform:
            f.repository = static_cast<quint16>((bits >> 16) % static_cast<quint64>(tenant.repositories.size()));
            break;
        default:
            f.repository = static_cast<quint16>(codeRepos.at((bits >> 16) % static_cast<quint64>(codeRepos.size())));
            break;
        }
        const QList<int>& candidates = languageTemplates.at(f.repository * findingTypeCount + type);
        const QList<int>& fallback = templatesByType.at(type);
        const QList<int>& from = candidates.isEmpty() ? fallback : candidates;
        f.templateIndex = static_cast<quint16>(from.at((bits >> 24) % static_cast<quint64>(from.size())));
        // Mostly the template's usual severity, sometimes one step either way.
        int severity = static_cast<int>(templates.at(f.templateIndex).usualSeverity);
        const int drift = static_cast<int>((bits >> 40) % 10);
        if (drift == 0 && severity > 0) {
            --severity;
        } else if (drift == 1 && severity < severityCount - 1) {
            ++severity;
        }
        f.severity = static_cast<Severity>(severity);
        // A base image is named on a Dockerfile's first line.
        // Lines fit the file: manifests and workflows are short, a base image is named on line 1.
        const quint32 lineBits = static_cast<quint32>(bits >> 44);
        switch (f.type) {
        case FindingType::Containers:
            f.line = 1;
            break;
        case FindingType::Dependencies:
        case FindingType::Platform:
            f.line = 4 + lineBits % 40;
            break;
        case FindingType::Cloud:
            f.line = 3 + lineBits % 120;
            break;
        default:
            f.line = 12 + lineBits % 380;
            break;
        }
        // Older findings are more likely to have been fixed.
        const int resolvedPercent = 10 + static_cast<int>(60LL * i / std::max(1, findingCount));
        f.resolved = static_cast<int>((more >> 8) % 100) < resolvedPercent;
        f.allowlisted = !f.resolved && ((more >> 16) % 100) < 4;
        f.falsePositive = !f.resolved && ((more >> 24) % 100) < 3;
    }

    // Scan runs: a history per repository and scanner, newest first.
    static const char* const errorMessages[] = {"clone failed: repository access revoked for the installation",
                                                "scanner timed out after 30m",
                                                "lockfile could not be parsed: unexpected token at line 1"};
    for (int r = 0; r < tenant.repositories.size(); ++r) {
        std::array<QList<ScanRun>, scannerCount> perScanner;
        const Repository& repo = tenant.repositories.at(r);
        for (int s = 0; s < scannerCount; ++s) {
            const int count = rng.range(8, 30);
            qint64 time = referenceTime - rng.range(600, 6 * 3600);
            for (int i = 0; i < count; ++i) {
                ScanRun run;
                run.id = rng.uuid();
                run.startedAt = time;
                const int roll = rng.below(100);
                if (i == 0 && roll < 12) {
                    run.status = roll < 4 ? QStringLiteral("queued") : QStringLiteral("in progress");
                } else if (roll < 80) {
                    run.status = QStringLiteral("completed");
                } else if (roll < 88) {
                    run.status = QStringLiteral("failed");
                    run.errorMessage = QLatin1String(errorMessages[rng.below(3)]);
                } else if (roll < 94) {
                    run.status = QStringLiteral("cancelled");
                } else if (roll < 98) {
                    run.status = QStringLiteral("aborted_config_error");
                    run.errorMessage = QStringLiteral("nullify.yaml: unknown key \"severity_threshhold\"");
                } else {
                    run.status = QStringLiteral("human_fallback");
                }
                const bool finished
                    = run.status != QLatin1String("queued") && run.status != QLatin1String("in progress");
                run.completedAt = finished ? time + rng.range(40, 900) : 0;
                const int trigger = rng.below(10);
                run.triggerType = trigger < 5
                    ? QStringLiteral("push")
                    : (trigger < 9 ? QStringLiteral("pull_request") : QStringLiteral("schedule"));
                run.isDefaultBranch = run.triggerType != QLatin1String("pull_request");
                run.branch = run.isDefaultBranch
                    ? repo.defaultBranch
                    : QLatin1String(branchPrefixes[rng.below(4)]) + QLatin1String(branchTopics[rng.below(8)]);
                run.commitHash = rng.hex(40);
                if (run.status == QLatin1String("completed")) {
                    run.severities = {rng.below(3), rng.range(0, 9), rng.range(2, 25), rng.range(0, 30)};
                    run.newFindings = rng.below(4);
                    run.fixedFindings = rng.below(4);
                    run.reintroducedFindings = rng.chance(10) ? 1 : 0;
                    run.allowlistedFindings = rng.below(3);
                }
                perScanner[s].append(run);
                time -= rng.range(3 * 3600, 4 * 24 * 3600);
            }
        }
        tenant.scanRuns.append(perScanner);
    }

    // Past pentests: two or three per application over the last months.
    for (int a = 0; a < tenant.applications.size(); ++a) {
        const int count = rng.range(2, 3);
        for (int i = 0; i < count; ++i) {
            PastPentest scan;
            scan.id = rng.uuid();
            scan.application = a;
            scan.startedAt = referenceTime - (i * 30 + rng.range(1, 25)) * 24 * 3600LL;
            scan.endedAt = scan.startedAt + rng.range(40, 200) * 60;
            scan.status = rng.chance(85) ? QStringLiteral("completed") : QStringLiteral("failed");
            tenant.pastPentests.append(scan);
        }
    }
    std::sort(tenant.pastPentests.begin(), tenant.pastPentests.end(), [](const PastPentest& a, const PastPentest& b) {
        return a.startedAt > b.startedAt;
    });
    return tenant;
}

// --- Autofix diffs ----------------------------------------------------------------------------

QJsonArray autofixDiffs(const Tenant& tenant, const Finding& finding)
{
    const FindingTemplate& t = tenant.findingTemplate(finding);
    const QString file = tenant.filePath(finding);
    const QStringList lines = QString::fromUtf8(t.patch).split(QLatin1Char('\n'));
    // Where the finding's line sits inside the hunk: at its first removed line.
    int leading = 0;
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1Char('-'))) {
            break;
        }
        ++leading;
    }
    const int start = std::max(1, static_cast<int>(finding.line) - leading);
    int oldCount = 0;
    int newCount = 0;
    // Line modes follow the diff library behind the API: 0 added, 1 removed, 2 unchanged.
    QJsonArray diffLines;
    int oldLine = start;
    int newLine = start;
    for (const QString& line : lines) {
        const QChar marker = line.isEmpty() ? QLatin1Char(' ') : line.at(0);
        const QString content = line.mid(1);
        int mode = 2;
        int number = newLine;
        if (marker == QLatin1Char('+')) {
            mode = 0;
            ++newCount;
            number = newLine++;
        } else if (marker == QLatin1Char('-')) {
            mode = 1;
            ++oldCount;
            number = oldLine++;
        } else {
            ++oldCount;
            ++newCount;
            number = newLine++;
            ++oldLine;
        }
        diffLines.append(QJsonObject {
            {QStringLiteral("mode"), mode}, {QStringLiteral("number"), number}, {QStringLiteral("content"), content}});
    }
    const QString hunkHeader = QStringLiteral("@@ -%1,%2 +%1,%3 @@").arg(start).arg(oldCount).arg(newCount);
    const QJsonObject hunk {{QStringLiteral("header"), hunkHeader},
                            {QStringLiteral("wholeRange"),
                             QJsonObject {{QStringLiteral("start"), start},
                                          {QStringLiteral("length"), static_cast<int>(lines.size())},
                                          {QStringLiteral("lines"), diffLines}}}};
    const QString header = QStringLiteral("diff --git a/%1 b/%1\n--- a/%1\n+++ b/%1").arg(file);
    // File mode follows the same library: 0 deleted, 1 modified, 2 new.
    return QJsonArray {QJsonObject {{QStringLiteral("header"), header},
                                    {QStringLiteral("mode"), 1},
                                    {QStringLiteral("origName"), file},
                                    {QStringLiteral("newName"), file},
                                    {QStringLiteral("hunks"), QJsonArray {hunk}}}};
}

} // namespace nullify::sandbox::seed
