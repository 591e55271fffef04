// Decoding of every value type of the typed API (network/api) from JSON shaped like the schemas of
// ../shared/api/nullify-openapi.yaml: the spec's required fields, unknown fields, nulls, empty
// arrays, unicode, wrong types, and the enum spellings ("in progress" with a space).

#include "jsonreader.h"
#include "triage.h"
#include "types.h"
#include "utctime.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace nullify::api;

namespace {

QByteArray toJson(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// Replaces the value at a dotted path ("finding.endpoint.method", "findings.0.id"); an undefined
// value removes the field.
QJsonValue edited(const QJsonValue& root, const QStringList& path, const QJsonValue& value)
{
    if (path.isEmpty())
        return value;
    const QString head = path.first();
    const QStringList rest = path.mid(1);
    if (root.isArray()) {
        QJsonArray array = root.toArray();
        const int index = head.toInt();
        array[index] = edited(array.at(index), rest, value);
        return array;
    }
    QJsonObject object = root.toObject();
    if (rest.isEmpty() && value.isUndefined())
        object.remove(head);
    else
        object[head] = edited(object.value(head), rest, value);
    return object;
}

QByteArray with(const QJsonObject& root, const QString& path, const QJsonValue& value)
{
    return toJson(edited(root, path.split(QLatin1Char('.')), value).toObject());
}

QByteArray without(const QJsonObject& root, const QString& path)
{
    return with(root, path, QJsonValue(QJsonValue::Undefined));
}

// ModelsUnifiedFindingPreview with every field the client reads (all required by the spec) and a
// few it does not.
QJsonObject findingPreview(const QString& id = QStringLiteral("f-1"))
{
    return QJsonObject {
        {QStringLiteral("id"), id},
        {QStringLiteral("type"), QStringLiteral("Code")},
        {QStringLiteral("title"), QStringLiteral("SQL injection in login handler")},
        {QStringLiteral("aiTitle"), QStringLiteral("User input reaches a SQL query")},
        {QStringLiteral("severity"), QStringLiteral("HIGH")},
        {QStringLiteral("priorityLabel"), QStringLiteral("URGENT")},
        {QStringLiteral("priorityScore"), 87},
        {QStringLiteral("repository"), QStringLiteral("acme/api")},
        {QStringLiteral("repositoryId"), QStringLiteral("r-1")},
        {QStringLiteral("branch"), QStringLiteral("main")},
        {QStringLiteral("filePath"), QStringLiteral("src/auth/login.go")},
        {QStringLiteral("startLine"), 42},
        {QStringLiteral("endLine"), 44},
        {QStringLiteral("cwe"), QStringLiteral("89")},
        {QStringLiteral("ruleId"), QStringLiteral("go.sql.injection")},
        {QStringLiteral("language"), QStringLiteral("Go")},
        {QStringLiteral("autoFixState"), QStringLiteral("none")},
        {QStringLiteral("isFalsePositive"), false},
        {QStringLiteral("package"), QString()},
        {QStringLiteral("secretType"), QString()},
        {QStringLiteral("host"), QString()},
        {QStringLiteral("createdAt"), QStringLiteral("2025-03-01T10:00:00Z")},
        {QStringLiteral("updatedAt"), QStringLiteral("2025-03-02T11:30:00.123Z")},
        // present in the spec, not read by the client
        {QStringLiteral("tenantId"), QStringLiteral("t-1")},
        {QStringLiteral("assessmentFactors"), QJsonObject {{QStringLiteral("x"), QStringLiteral("y")}}},
        // not in the spec at all
        {QStringLiteral("someFutureField"), QJsonArray {1, 2, 3}},
    };
}

QJsonObject findingsPageJson(const QJsonArray& findings, bool hasMore = true)
{
    return QJsonObject {{QStringLiteral("findings"), findings},
                        {QStringLiteral("total"), 1234},
                        {QStringLiteral("hasMoreData"), hasMore},
                        {QStringLiteral("page"), 1},
                        {QStringLiteral("scrollId"), QJsonValue::Null},
                        {QStringLiteral("version"), QStringLiteral("1")}};
}

QJsonObject metricData(double thisMonth, double lastMonth)
{
    return {{QStringLiteral("thisMonth"), thisMonth}, {QStringLiteral("lastMonth"), lastMonth}};
}

QJsonObject metricWithValue(const QString& value, int thisMonth)
{
    return {{QStringLiteral("value"), value},
            {QStringLiteral("thisMonth"), thisMonth},
            {QStringLiteral("lastMonth"), thisMonth - 1},
            {QStringLiteral("urgent"), 1},
            {QStringLiteral("important"), 2},
            {QStringLiteral("negligible"), 3}};
}

QJsonObject metricsOverviewJson()
{
    QJsonObject m;
    for (const char* key : {"findingsResolved",
                            "autofixMerged",
                            "hoursSaved",
                            "issuesFoundInPR",
                            "falsePositives",
                            "inSLAFindings",
                            "mergeReadyRate",
                            "meanTriageDurationMs",
                            "cleanPrsMerged",
                            "totalPrsMerged",
                            "botInteractions",
                            "investigateData"})
        m.insert(QLatin1String(key), metricData(10, 8));
    m.insert(QStringLiteral("hoursSaved"), metricData(12.5, 3.25));
    m.insert(QStringLiteral("funnelData"),
             QJsonArray {QJsonObject {{QStringLiteral("funnelKey"), QStringLiteral("detected")},
                                      {QStringLiteral("CRITICAL"), 4},
                                      {QStringLiteral("HIGH"), 10},
                                      {QStringLiteral("MEDIUM"), 20},
                                      {QStringLiteral("LOW"), 30}}});
    m.insert(
        QStringLiteral("type"),
        QJsonObject {{QStringLiteral("Code"), metricData(5, 4)}, {QStringLiteral("Dependencies"), metricData(7, 9)}});
    m.insert(QStringLiteral("overviewType"),
             QJsonObject {{QStringLiteral("code"), metricWithValue(QStringLiteral("code"), 5)},
                          {QStringLiteral("secret"), metricWithValue(QStringLiteral("secret"), 6)},
                          {QStringLiteral("dependency"), metricWithValue(QStringLiteral("dependency"), 7)},
                          {QStringLiteral("container"), metricWithValue(QStringLiteral("container"), 8)},
                          {QStringLiteral("api"), metricWithValue(QStringLiteral("api"), 9)}});
    m.insert(QStringLiteral("overviewRepos"), QJsonArray {metricWithValue(QStringLiteral("acme/api"), 11)});
    for (const char* key : {"overviewLanguage",
                            "overviewCWE",
                            "repos",
                            "branch",
                            "owners",
                            "teams",
                            "language",
                            "cwe",
                            "cve",
                            "ruleId",
                            "package",
                            "imageName",
                            "secretType",
                            "appName",
                            "appType",
                            "host"})
        m.insert(QLatin1String(key), QJsonArray());
    return m;
}

// One finding per service, shaped like its schema (required fields present).
QJsonObject findingFor(FindingService service)
{
    const QJsonObject scaCommon {
        {QStringLiteral("id"), QStringLiteral("sca-1")},
        {QStringLiteral("aiTitle"), QStringLiteral("lodash prototype pollution")},
        {QStringLiteral("description"), QStringLiteral("A vulnerable lodash version is used.")},
        {QStringLiteral("severityLabel"), QStringLiteral("MEDIUM")},
        {QStringLiteral("vulnerabilitiesMaxSeverity"), QStringLiteral("CRITICAL")},
        {QStringLiteral("severityOverride"), QString()},
        {QStringLiteral("priorityLabel"), QStringLiteral("IMPORTANT")},
        {QStringLiteral("priorityScore"), 70},
        {QStringLiteral("filePath"), QStringLiteral("package-lock.json")},
        {QStringLiteral("line"), 120},
        {QStringLiteral("repository"), QStringLiteral("acme/web")},
        {QStringLiteral("repositoryId"), QStringLiteral("r-2")},
        {QStringLiteral("branch"), QStringLiteral("main")},
        {QStringLiteral("commitHash"), QStringLiteral("abc123")},
        {QStringLiteral("isResolved"), false},
        {QStringLiteral("isAllowlisted"), false},
        {QStringLiteral("isFalsePositive"), false},
        {QStringLiteral("createdAt"), QStringLiteral("2025-01-01T00:00:00Z")},
        {QStringLiteral("updatedAt"), QStringLiteral("2025-01-02T00:00:00Z")},
        {QStringLiteral("vulnerabilitiesCVEIds"), QJsonArray {QStringLiteral("CVE-2021-23337")}},
        {QStringLiteral("vulnerabilities"), QJsonArray()},
        {QStringLiteral("autoFixState"), QStringLiteral("cached")},
    };
    switch (service) {
    case FindingService::Sast:
        return {{QStringLiteral("id"), QStringLiteral("sast-1")},
                {QStringLiteral("title"), QStringLiteral("Cross-site scripting")},
                {QStringLiteral("description"), QStringLiteral("Untrusted input is rendered as HTML.")},
                {QStringLiteral("severity"), QStringLiteral("HIGH")},
                {QStringLiteral("filePath"), QStringLiteral("web/views/profile.tsx")},
                {QStringLiteral("startLine"), 17},
                {QStringLiteral("endLine"), 19},
                {QStringLiteral("cwe"), 79},
                {QStringLiteral("ruleId"), QStringLiteral("react.xss")},
                {QStringLiteral("language"), QStringLiteral("TypeScript")},
                {QStringLiteral("isResolved"), false},
                {QStringLiteral("triageDurationSeconds"), 12},
                {QStringLiteral("autoFixState"), QStringLiteral("in_progress_agent")},
                {QStringLiteral("autoFixCurrentActivity"), QStringLiteral("Reading the handler")}};
    case FindingService::ScaDependencies: {
        QJsonObject o = scaCommon;
        o.insert(QStringLiteral("package"), QStringLiteral("lodash"));
        o.insert(QStringLiteral("version"), QStringLiteral("4.17.20"));
        o.insert(QStringLiteral("suggestedVersion"), QStringLiteral("4.17.21"));
        o.insert(QStringLiteral("vulnerabilitiesCWEIds"), QJsonArray {QStringLiteral("CWE-1321")});
        return o;
    }
    case FindingService::ScaContainers: {
        QJsonObject o = scaCommon;
        o.insert(QStringLiteral("aiTitle"), QString());
        o.insert(QStringLiteral("imageMetadata"),
                 QJsonObject {{QStringLiteral("fullReference"), QStringLiteral("docker.io/library/nginx:1.19")},
                              {QStringLiteral("shortName"), QStringLiteral("nginx")},
                              {QStringLiteral("tag"), QStringLiteral("1.19")}});
        return o;
    }
    case FindingService::Secrets:
        return {{QStringLiteral("id"), QStringLiteral("sec-1")},
                {QStringLiteral("secretType"), QStringLiteral("AWS access key")},
                {QStringLiteral("filePath"), QStringLiteral("deploy/.env")},
                {QStringLiteral("startLine"), 3},
                {QStringLiteral("endLine"), 3},
                {QStringLiteral("ruleId"), QStringLiteral("aws-access-key")},
                {QStringLiteral("repository"), QStringLiteral("acme/ops")},
                {QStringLiteral("repositoryId"), QStringLiteral("r-3")},
                {QStringLiteral("branch"), QStringLiteral("main")},
                {QStringLiteral("commit"), QStringLiteral("def456")},
                {QStringLiteral("isResolved"), false},
                {QStringLiteral("isAllowlisted"), false},
                {QStringLiteral("createdAt"), QStringLiteral("2025-01-01T00:00:00Z")},
                {QStringLiteral("updatedAt"), QStringLiteral("2025-01-01T00:00:00Z")},
                {QStringLiteral("redactedSecret"), QStringLiteral("AKIA************MPLE")},
                {QStringLiteral("severityLabel"), QStringLiteral("CRITICAL")}};
    case FindingService::DastPentest:
        return {{QStringLiteral("id"), QStringLiteral("pt-1")},
                {QStringLiteral("title"), QStringLiteral("IDOR on /orders/{id}")},
                {QStringLiteral("summary"), QStringLiteral("Any user can read any order.")},
                {QStringLiteral("cwe"), 639},
                {QStringLiteral("source"), QStringLiteral("AIPenTester")},
                {QStringLiteral("host"), QStringLiteral("shop.acme.test")},
                {QStringLiteral("endpoint"),
                 QJsonObject {{QStringLiteral("method"), QStringLiteral("GET")},
                              {QStringLiteral("path"), QStringLiteral("/orders/{id}")}}},
                {QStringLiteral("scanInfo"),
                 QJsonObject {{QStringLiteral("scanId"), QStringLiteral("s-1")},
                              {QStringLiteral("scanType"), QStringLiteral("pentest")},
                              {QStringLiteral("appId"), QStringLiteral("app-1")},
                              {QStringLiteral("targetUrl"), QStringLiteral("https://shop.acme.test")}}},
                {QStringLiteral("isLatest"), true},
                {QStringLiteral("isFixed"), false},
                {QStringLiteral("isAllowlisted"), false},
                {QStringLiteral("allowlistedReason"), QString()},
                {QStringLiteral("createdAt"), QStringLiteral("2025-02-01T00:00:00Z")},
                {QStringLiteral("updatedAt"), QStringLiteral("2025-02-01T00:00:00Z")},
                {QStringLiteral("isAutoFixable"), true},
                {QStringLiteral("priorityLabel"), QStringLiteral("URGENT")},
                {QStringLiteral("priorityScore"), 95}};
    case FindingService::Cspm:
        return {{QStringLiteral("id"), QStringLiteral("cspm-1")},
                {QStringLiteral("title"), QStringLiteral("S3 bucket is public")},
                {QStringLiteral("message"), QStringLiteral("Bucket acme-logs allows public reads.")},
                {QStringLiteral("severity"), QStringLiteral("LOW")},
                {QStringLiteral("platform"), QStringLiteral("aws")},
                {QStringLiteral("installationId"), QStringLiteral("i-1")},
                {QStringLiteral("resolvedAt"), QStringLiteral("0001-01-01T00:00:00Z")},
                {QStringLiteral("triageDurationSeconds"), 0},
                {QStringLiteral("isResolved"), true},
                {QStringLiteral("cloudProvider"), QStringLiteral("AWS")},
                {QStringLiteral("accountId"), QStringLiteral("123456789012")},
                {QStringLiteral("region"), QStringLiteral("ap-southeast-2")},
                {QStringLiteral("resourceId"), QStringLiteral("arn:aws:s3:::acme-logs")},
                {QStringLiteral("resourceType"), QStringLiteral("AWS::S3::Bucket")},
                {QStringLiteral("resourceName"), QStringLiteral("acme-logs")}};
    case FindingService::Scpm:
        return {{QStringLiteral("id"), QStringLiteral("scpm-1")},
                {QStringLiteral("title"), QStringLiteral("Branch protection disabled")},
                {QStringLiteral("description"), QStringLiteral("main can be force-pushed.")},
                {QStringLiteral("severity"), QStringLiteral("MEDIUM")},
                {QStringLiteral("priorityScore"), 41.5},
                {QStringLiteral("platform"), QStringLiteral("github")},
                {QStringLiteral("installationId"), QStringLiteral("i-1")},
                {QStringLiteral("isLatest"), true},
                {QStringLiteral("isArchived"), false},
                {QStringLiteral("isAllowlisted"), false},
                {QStringLiteral("isFalsePositive"), false},
                {QStringLiteral("isResolved"), false},
                {QStringLiteral("pullRequestUrl"), QStringLiteral("https://github.com/acme/api/pull/7")}};
    }
    return {};
}

QJsonObject diffFile()
{
    const QJsonArray lines {
        QJsonObject {{QStringLiteral("mode"), 2},
                     {QStringLiteral("number"), 10},
                     {QStringLiteral("content"), QStringLiteral("func login() {")}},
        QJsonObject {{QStringLiteral("mode"), 1},
                     {QStringLiteral("number"), 11},
                     {QStringLiteral("content"), QStringLiteral("  q := \"SELECT \" + user")}},
        QJsonObject {{QStringLiteral("mode"), 0},
                     {QStringLiteral("number"), 11},
                     {QStringLiteral("content"), QStringLiteral("  q := \"SELECT ?\" // ✓ ü")}},
    };
    return {{QStringLiteral("header"), QStringLiteral("diff --git a/login.go b/login.go")},
            {QStringLiteral("mode"), 1},
            {QStringLiteral("origName"), QStringLiteral("login.go")},
            {QStringLiteral("newName"), QStringLiteral("login.go")},
            {QStringLiteral("hunks"),
             QJsonArray {QJsonObject {{QStringLiteral("header"), QStringLiteral("@@ -10,2 +10,2 @@")},
                                      {QStringLiteral("wholeRange"),
                                       QJsonObject {{QStringLiteral("start"), 10},
                                                    {QStringLiteral("length"), 3},
                                                    {QStringLiteral("lines"), lines}}}}}}};
}

} // namespace

class TestApiDecoding : public QObject
{
    Q_OBJECT

private slots:
    void triageRecordAndWrites();
    void scanStatus_data();
    void scanStatus();
    void enumsRoundTrip();
    void severityAndTypeSpellings_data();
    void severityAndTypeSpellings();
    void notAnObject_data();
    void notAnObject();
    void repositoryPage();
    void repositoryPageErrors_data();
    void repositoryPageErrors();
    void scanRunPage();
    void findingsPage();
    void findingsPageMissingRequired_data();
    void findingsPageMissingRequired();
    void findingsPageWrongTypes_data();
    void findingsPageWrongTypes();
    void findingDetail_data();
    void findingDetail();
    void findingDetailMissingRequired_data();
    void findingDetailMissingRequired();
    void cloudScan();
    void cloudScanErrors_data();
    void cloudScanErrors();
    void applications();
    void pentestScan();
    void pentestScanErrors_data();
    void pentestScanErrors();
    void pentestReport();
    void autofixStart();
    void autofixStatus();
    void autofixStatusErrors_data();
    void autofixStatusErrors();
    void autofixDiff();
    void autofixDiffRequiredPerService_data();
    void autofixDiffRequiredPerService();
    void metricsOverview();
    void metricsOverviewErrors_data();
    void metricsOverviewErrors();
    void currentUser();
    void installations();
    void integers_data();
    void integers();
};

void TestApiDecoding::scanStatus_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<ScanStatus>("status");
    QTest::addColumn<bool>("final");
    QTest::newRow("queued") << QStringLiteral("queued") << ScanStatus::Queued << false;
    QTest::newRow("in progress (space)") << QStringLiteral("in progress") << ScanStatus::InProgress << false;
    QTest::newRow("In Progress (case)") << QStringLiteral("In Progress") << ScanStatus::InProgress << false;
    QTest::newRow("in_progress (alias)") << QStringLiteral("in_progress") << ScanStatus::InProgress << false;
    QTest::newRow("stopping") << QStringLiteral("stopping") << ScanStatus::Stopping << false;
    QTest::newRow("completed") << QStringLiteral("completed") << ScanStatus::Completed << true;
    QTest::newRow("cancelled") << QStringLiteral("cancelled") << ScanStatus::Cancelled << true;
    QTest::newRow("failed") << QStringLiteral("failed") << ScanStatus::Failed << true;
    QTest::newRow("aborted_config_error")
        << QStringLiteral("aborted_config_error") << ScanStatus::AbortedConfigError << true;
    QTest::newRow("human_fallback") << QStringLiteral("human_fallback") << ScanStatus::HumanFallback << true;
    QTest::newRow("SUCCEEDED (step functions)") << QStringLiteral("SUCCEEDED") << ScanStatus::Completed << true;
    QTest::newRow("RUNNING (step functions)") << QStringLiteral("RUNNING") << ScanStatus::InProgress << false;
    QTest::newRow("unknown word") << QStringLiteral("warming up") << ScanStatus::Unknown << false;
    QTest::newRow("empty") << QString() << ScanStatus::Unknown << false;
}

void TestApiDecoding::scanStatus()
{
    QFETCH(QString, text);
    QFETCH(ScanStatus, status);
    QFETCH(bool, final);
    QCOMPARE(scanStatusFromString(text), status);
    QCOMPARE(isFinal(status), final);
}

void TestApiDecoding::enumsRoundTrip()
{
    QCOMPARE(wireName(ScanStatus::InProgress), QStringLiteral("in progress"));
    for (auto s : {ScanStatus::Queued,
                   ScanStatus::InProgress,
                   ScanStatus::Stopping,
                   ScanStatus::Completed,
                   ScanStatus::Cancelled,
                   ScanStatus::Failed,
                   ScanStatus::AbortedConfigError,
                   ScanStatus::HumanFallback})
        QCOMPARE(scanStatusFromString(wireName(s)), s);
    const QStringList autofixStates {QStringLiteral("none"),
                                     QStringLiteral("cancelled"),
                                     QStringLiteral("in_progress_requested"),
                                     QStringLiteral("in_progress_agent"),
                                     QStringLiteral("cached"),
                                     QStringLiteral("in_progress_preview_available"),
                                     QStringLiteral("in_progress_creating_pr"),
                                     QStringLiteral("in_progress_draft"),
                                     QStringLiteral("pending_review"),
                                     QStringLiteral("failed_retry"),
                                     QStringLiteral("failed_abort"),
                                     QStringLiteral("pr_merged"),
                                     QStringLiteral("pr_closed"),
                                     QStringLiteral("failed_pr_creation")};
    QSet<AutofixState> seen;
    for (const QString& name : autofixStates) {
        const AutofixState state = autofixStateFromString(name);
        QVERIFY2(state != AutofixState::Unknown, qPrintable(name));
        QCOMPARE(wireName(state), name);
        seen.insert(state);
    }
    QCOMPARE(seen.size(), autofixStates.size());
    const QStringList types {QStringLiteral("Code"),
                             QStringLiteral("Dependencies"),
                             QStringLiteral("Containers"),
                             QStringLiteral("SecretsCredentials"),
                             QStringLiteral("SecretsSensitiveData"),
                             QStringLiteral("Pentest"),
                             QStringLiteral("BugHunt"),
                             QStringLiteral("Cloud"),
                             QStringLiteral("Platform")};
    for (const QString& name : types) {
        QVERIFY2(findingTypeFromString(name) != FindingType::Unknown, qPrintable(name));
        QCOMPARE(wireName(findingTypeFromString(name)), name);
    }
    QCOMPARE(pathOf(FindingService::ScaDependencies), QStringLiteral("sca/dependencies"));
    QCOMPARE(pathOf(FindingService::DastPentest), QStringLiteral("dast/pentest"));
    QCOMPARE(serviceFor(FindingType::Cloud), std::optional<FindingService>(FindingService::Cspm));
    QVERIFY(!serviceFor(FindingType::BugHunt));
    QVERIFY(!hasAutofix(FindingService::Secrets));
    QVERIFY(!hasAutofixDiff(FindingService::ScaContainers));
}

void TestApiDecoding::severityAndTypeSpellings_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Severity>("severity");
    QTest::newRow("CRITICAL") << QStringLiteral("CRITICAL") << Severity::Critical;
    QTest::newRow("HIGH") << QStringLiteral("HIGH") << Severity::High;
    QTest::newRow("medium (lower case)") << QStringLiteral("medium") << Severity::Medium;
    QTest::newRow("LOW") << QStringLiteral("LOW") << Severity::Low;
    QTest::newRow("NONE") << QStringLiteral("NONE") << Severity::None;
    QTest::newRow("INFORMATIONAL") << QStringLiteral("INFORMATIONAL") << Severity::Informational;
    QTest::newRow("UNKNOWN") << QStringLiteral("UNKNOWN") << Severity::Unknown;
    QTest::newRow("SEVERE (not in spec)") << QStringLiteral("SEVERE") << Severity::Unknown;
}

void TestApiDecoding::severityAndTypeSpellings()
{
    QFETCH(QString, text);
    QFETCH(Severity, severity);
    QCOMPARE(severityFromString(text), severity);
}

void TestApiDecoding::notAnObject_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("truncated") << QByteArrayLiteral("{\"status\": {\"state\": \"cac");
    QTest::newRow("html") << QByteArrayLiteral("<html>Bad gateway</html>");
    QTest::newRow("array") << QByteArrayLiteral("[{\"status\": {}}]");
    QTest::newRow("string") << QByteArrayLiteral("\"ok\"");
    QTest::newRow("null") << QByteArrayLiteral("null");
}

void TestApiDecoding::notAnObject()
{
    QFETCH(QByteArray, body);
    const auto result = decodeAutofixStatus(body);
    QVERIFY(!result);
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QVERIFY(!result.error().message.isEmpty());
}

void TestApiDecoding::repositoryPage()
{
    const QJsonObject body {
        {QStringLiteral("repositories"),
         QJsonArray {QJsonObject {{QStringLiteral("id"), QStringLiteral("r-1")},
                                  {QStringLiteral("name"), QStringLiteral("api-サービス")},
                                  {QStringLiteral("description"), QStringLiteral("Zahlungen & Bestellungen — ü")},
                                  {QStringLiteral("public"), false},
                                  {QStringLiteral("networkExposure"), QStringLiteral("internet_facing")},
                                  {QStringLiteral("repositoryClassification"), QStringLiteral("application")},
                                  {QStringLiteral("isMonorepo"), QJsonValue::Null},
                                  {QStringLiteral("technologyStack"),
                                   QJsonArray {QJsonObject {{QStringLiteral("name"), QStringLiteral("Go")},
                                                            {QStringLiteral("category"), QStringLiteral("language")}},
                                               QJsonObject {{QStringLiteral("name"), QStringLiteral("PostgreSQL")}}}},
                                  {QStringLiteral("graph"), QJsonObject {{QStringLiteral("nodes"), QJsonValue::Null}}},
                                  {QStringLiteral("brandNewField"), 1}},
                     QJsonObject {{QStringLiteral("id"), QStringLiteral("r-2")},
                                  {QStringLiteral("technologyStack"), QJsonArray()}}}},
        {QStringLiteral("numItems"), 2},
        {QStringLiteral("nextToken"), QStringLiteral("tok-2")},
        {QStringLiteral("version"), QStringLiteral("v1")}};
    const auto result = decodeRepositoryPage(toJson(body));
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    const Page<Repository>& page = result.value();
    QCOMPARE(page.items.size(), 2);
    QCOMPARE(page.nextToken, QStringLiteral("tok-2"));
    QVERIFY(!page.total); // numItems is per page, never a total
    const Repository& repo = page.items.first();
    QCOMPARE(repo.name, QStringLiteral("api-サービス"));
    QCOMPARE(repo.description, QStringLiteral("Zahlungen & Bestellungen — ü"));
    QCOMPARE(repo.isPublic, std::optional<bool>(false));
    QVERIFY(!repo.isMonorepo);
    QCOMPARE(repo.networkExposure, QStringLiteral("internet_facing"));
    QCOMPARE(repo.classification, QStringLiteral("application"));
    QCOMPARE(repo.technologies, (QStringList {QStringLiteral("Go"), QStringLiteral("PostgreSQL")}));
    QCOMPARE(page.items.at(1).id, QStringLiteral("r-2"));
    QVERIFY(page.items.at(1).name.isEmpty());
    QVERIFY(page.items.at(1).technologies.isEmpty());

    // the last page: empty token; a null repositories array (Go's nil slice) is an empty page
    const auto last = decodeRepositoryPage(R"({"repositories": null, "numItems": 0, "nextToken": ""})");
    QVERIFY(last);
    QVERIFY(last.value().items.isEmpty());
    QVERIFY(last.value().nextToken.isEmpty());
}

void TestApiDecoding::repositoryPageErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    QTest::newRow("nextToken missing") << QByteArrayLiteral(R"({"repositories": [], "numItems": 0})")
                                       << QStringLiteral("nextToken");
    QTest::newRow("numItems missing") << QByteArrayLiteral(R"({"repositories": [], "nextToken": ""})")
                                      << QStringLiteral("numItems");
    QTest::newRow("repositories missing")
        << QByteArrayLiteral(R"({"numItems": 0, "nextToken": ""})") << QStringLiteral("repositories");
    QTest::newRow("repositories an object")
        << QByteArrayLiteral(R"({"repositories": {}, "numItems": 0, "nextToken": ""})")
        << QStringLiteral("repositories");
    QTest::newRow("an element a string") << QByteArrayLiteral(
        R"({"repositories": [{}, "r"], "numItems": 0, "nextToken": ""})")
                                         << QStringLiteral("repositories[1]");
    QTest::newRow("name a number") << QByteArrayLiteral(
        R"({"repositories": [{"name": 5}], "numItems": 1, "nextToken": ""})")
                                   << QStringLiteral("repositories[0].name");
    QTest::newRow("nextToken null") << QByteArrayLiteral(R"({"repositories": [], "numItems": 0, "nextToken": null})")
                                    << QStringLiteral("nextToken");
    QTest::newRow("public a string") << QByteArrayLiteral(
        R"({"repositories": [{"public": "yes"}], "numItems": 1, "nextToken": ""})")
                                     << QStringLiteral("repositories[0].public");
}

void TestApiDecoding::repositoryPageErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const auto result = decodeRepositoryPage(body);
    QVERIFY(!result);
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QCOMPARE(result.error().field, field);
    QVERIFY2(result.error().message.contains(field), qPrintable(result.error().message));
}

void TestApiDecoding::scanRunPage()
{
    const QByteArray body = R"({"scanRuns": [
        {"scanRunId": "run-1", "status": "in progress", "branch": "main", "commitHash": "abc", "isDefaultBranch": true,
         "triggerType": "push", "startedAt": "2025-03-01T10:00:00Z", "completedAt": null, "errorMessage": null,
         "newFindingsCount": 3, "fixedFindingsCount": 1, "liveFindingsCount": 20, "severityCritical": 1,
         "severityHigh": 2, "severityMedium": 3, "severityLow": 4, "unknownCounter": 9},
        {"scanRunId": "run-0", "status": "failed", "errorMessage": "clone failed: 認証エラー",
         "scanCompletedAt": "2025-02-28T10:05:00Z"}],
        "totalCount": 57})";
    const auto result = decodeScanRunPage(body);
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    QCOMPARE(result.value().total, std::optional<qint64>(57));
    const ScanRun& run = result.value().items.at(0);
    QCOMPARE(run.status, ScanStatus::InProgress);
    QCOMPARE(run.statusText, QStringLiteral("in progress"));
    QCOMPARE(run.isDefaultBranch, std::optional<bool>(true));
    QCOMPARE(run.startedAt, nullify::utcDateTime(QDate(2025, 3, 1), QTime(10, 0)));
    QVERIFY(!run.completedAt.isValid());
    QCOMPARE(run.newFindings, 3);
    QCOMPARE(run.liveFindings, 20);
    QCOMPARE(run.critical + run.high + run.medium + run.low, 10);
    const ScanRun& failed = result.value().items.at(1);
    QCOMPARE(failed.status, ScanStatus::Failed);
    QCOMPARE(failed.errorMessage, QStringLiteral("clone failed: 認証エラー"));
    QCOMPARE(failed.completedAt, nullify::utcDateTime(QDate(2025, 2, 28), QTime(10, 5)));

    // nothing is required here: an empty object is an empty page without a total
    const auto empty = decodeScanRunPage("{}");
    QVERIFY(empty);
    QVERIFY(empty.value().items.isEmpty());
    QVERIFY(!empty.value().total);
    const auto wrong = decodeScanRunPage(R"({"scanRuns": [{"status": 3}]})");
    QVERIFY(!wrong);
    QCOMPARE(wrong.error().field, QStringLiteral("scanRuns[0].status"));
}

void TestApiDecoding::findingsPage()
{
    QJsonObject second = findingPreview(QStringLiteral("f-2"));
    second.insert(QStringLiteral("type"), QStringLiteral("Dependencies"));
    second.insert(QStringLiteral("severity"), QStringLiteral("CRITICAL"));
    second.insert(QStringLiteral("cwe"), 1321); // an integer where the preview types a string
    second.insert(QStringLiteral("package"), QStringLiteral("lodash"));
    second.insert(QStringLiteral("isResolved"), true);
    second.insert(QStringLiteral("title"), QStringLiteral("Prototype pollution in lodash — ünïcödé ✓"));
    const auto result = decodeFindingsPage(toJson(findingsPageJson({findingPreview(), second})));
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    const Page<Finding>& page = result.value();
    QCOMPARE(page.total, std::optional<qint64>(1234));
    QCOMPARE(page.hasMoreData, std::optional<bool>(true));
    QCOMPARE(page.page, std::optional<qint64>(1));
    QCOMPARE(page.items.size(), 2);
    const Finding& f = page.items.at(0);
    QCOMPARE(f.id, QStringLiteral("f-1"));
    QCOMPARE(f.type, FindingType::Code);
    QCOMPARE(f.severity, Severity::High);
    QCOMPARE(f.filePath, QStringLiteral("src/auth/login.go"));
    QCOMPARE(f.startLine, std::optional<int>(42));
    QCOMPARE(f.endLine, std::optional<int>(44));
    QCOMPARE(f.cwe, QStringLiteral("CWE-89"));
    QCOMPARE(f.priorityScore, std::optional<qint64>(87));
    QCOMPARE(f.autofixState, AutofixState::None);
    QVERIFY(!f.isResolved);
    QCOMPARE(f.updatedAt, nullify::utcDateTime(QDate(2025, 3, 2), QTime(11, 30, 0, 123)));
    const Finding& g = page.items.at(1);
    QCOMPARE(g.type, FindingType::Dependencies);
    QCOMPARE(g.severity, Severity::Critical);
    QCOMPARE(g.cwe, QStringLiteral("CWE-1321"));
    QCOMPARE(g.isResolved, std::optional<bool>(true));
    QCOMPARE(g.title, QStringLiteral("Prototype pollution in lodash — ünïcödé ✓"));

    const auto empty = decodeFindingsPage(toJson(findingsPageJson({}, false)));
    QVERIFY(empty);
    QVERIFY(empty.value().items.isEmpty());
    QCOMPARE(empty.value().hasMoreData, std::optional<bool>(false));

    // a type the client does not know yet is kept as text, not refused
    QJsonObject future = findingPreview();
    future.insert(QStringLiteral("type"), QStringLiteral("AiAgent"));
    const auto unknownType = decodeFindingsPage(toJson(findingsPageJson({future})));
    QVERIFY(unknownType);
    QCOMPARE(unknownType.value().items.first().type, FindingType::Unknown);
    QCOMPARE(unknownType.value().items.first().typeText, QStringLiteral("AiAgent"));
}

void TestApiDecoding::findingsPageMissingRequired_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("field");
    for (const char* key : {"total", "hasMoreData", "page", "findings"})
        QTest::newRow(key) << QString::fromLatin1(key) << QString::fromLatin1(key);
    for (const char* key : {"id",
                            "type",
                            "title",
                            "severity",
                            "repositoryId",
                            "filePath",
                            "startLine",
                            "cwe",
                            "autoFixState",
                            "createdAt",
                            "isFalsePositive",
                            "priorityScore"}) {
        QTest::newRow(qPrintable(QStringLiteral("findings[1].") + QLatin1String(key))) << QStringLiteral("findings.1.")
                + QLatin1String(key) << QStringLiteral("findings[1].") + QLatin1String(key);
    }
}

void TestApiDecoding::findingsPageMissingRequired()
{
    QFETCH(QString, path);
    QFETCH(QString, field);
    const QJsonObject page = findingsPageJson({findingPreview(), findingPreview(QStringLiteral("f-2"))});
    const auto result = decodeFindingsPage(without(page, path));
    QVERIFY(!result);
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QCOMPARE(result.error().field, field);
    QVERIFY2(result.error().message.contains(QLatin1String("missing")), qPrintable(result.error().message));
}

void TestApiDecoding::findingsPageWrongTypes_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QJsonValue>("value");
    QTest::newRow("startLine as string") << QStringLiteral("findings.0.startLine") << QJsonValue(QStringLiteral("42"));
    QTest::newRow("startLine fractional") << QStringLiteral("findings.0.startLine") << QJsonValue(42.5);
    QTest::newRow("severity as number") << QStringLiteral("findings.0.severity") << QJsonValue(3);
    QTest::newRow("isFalsePositive as string")
        << QStringLiteral("findings.0.isFalsePositive") << QJsonValue(QStringLiteral("no"));
    QTest::newRow("id null") << QStringLiteral("findings.0.id") << QJsonValue(QJsonValue::Null);
    QTest::newRow("hasMoreData as number") << QStringLiteral("hasMoreData") << QJsonValue(1);
    QTest::newRow("findings as object") << QStringLiteral("findings") << QJsonValue(QJsonObject());
    QTest::newRow("cwe as bool") << QStringLiteral("findings.0.cwe") << QJsonValue(true);
    QTest::newRow("isResolved as string")
        << QStringLiteral("findings.0.isResolved") << QJsonValue(QStringLiteral("true"));
}

void TestApiDecoding::findingsPageWrongTypes()
{
    QFETCH(QString, path);
    QFETCH(QJsonValue, value);
    const auto result = decodeFindingsPage(with(findingsPageJson({findingPreview()}), path, value));
    QVERIFY(!result);
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QString field = path;
    field.replace(QStringLiteral(".0."), QStringLiteral("[0]."));
    QCOMPARE(result.error().field, field);
}

void TestApiDecoding::findingDetail_data()
{
    QTest::addColumn<FindingService>("service");
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("title");
    QTest::addColumn<QString>("description");
    QTest::addColumn<Severity>("severity");
    QTest::addColumn<QString>("filePath");
    QTest::addColumn<int>("line"); // -1: none
    QTest::addColumn<QStringList>("cwes");
    QTest::addColumn<QString>("extra"); // the type's own field, as "name=value"

    QTest::newRow("sast") << FindingService::Sast << QStringLiteral("sast-1") << QStringLiteral("Cross-site scripting")
                          << QStringLiteral("Untrusted input is rendered as HTML.") << Severity::High
                          << QStringLiteral("web/views/profile.tsx") << 17 << QStringList {QStringLiteral("CWE-79")}
                          << QStringLiteral("autofixActivity=Reading the handler");
    QTest::newRow("sca/dependencies") << FindingService::ScaDependencies << QStringLiteral("sca-1")
                                      << QStringLiteral("lodash prototype pollution")
                                      << QStringLiteral("A vulnerable lodash version is used.") << Severity::Critical
                                      << QStringLiteral("package-lock.json") << 120
                                      << QStringList {QStringLiteral("CWE-1321")}
                                      << QStringLiteral("package=lodash 4.17.20 -> 4.17.21");
    QTest::newRow("sca/containers") << FindingService::ScaContainers << QStringLiteral("sca-1")
                                    << QStringLiteral("docker.io/library/nginx:1.19")
                                    << QStringLiteral("A vulnerable lodash version is used.") << Severity::Critical
                                    << QStringLiteral("package-lock.json") << 120 << QStringList()
                                    << QStringLiteral("image=docker.io/library/nginx:1.19");
    QTest::newRow("secrets") << FindingService::Secrets << QStringLiteral("sec-1") << QStringLiteral("AWS access key")
                             << QString() << Severity::Critical << QStringLiteral("deploy/.env") << 3 << QStringList()
                             << QStringLiteral("secret=AKIA************MPLE");
    QTest::newRow("dast/pentest") << FindingService::DastPentest << QStringLiteral("pt-1")
                                  << QStringLiteral("IDOR on /orders/{id}")
                                  << QStringLiteral("Any user can read any order.") << Severity::Unknown << QString()
                                  << -1 << QStringList {QStringLiteral("CWE-639")}
                                  << QStringLiteral("endpoint=GET /orders/{id} on https://shop.acme.test");
    QTest::newRow("cspm") << FindingService::Cspm << QStringLiteral("cspm-1") << QStringLiteral("S3 bucket is public")
                          << QStringLiteral("Bucket acme-logs allows public reads.") << Severity::Low << QString() << -1
                          << QStringList()
                          << QStringLiteral("resource=AWS 123456789012 ap-southeast-2 AWS::S3::Bucket acme-logs");
    QTest::newRow("scpm") << FindingService::Scpm << QStringLiteral("scpm-1")
                          << QStringLiteral("Branch protection disabled") << QStringLiteral("main can be force-pushed.")
                          << Severity::Medium << QString() << -1 << QStringList()
                          << QStringLiteral("pr=https://github.com/acme/api/pull/7");
}

void TestApiDecoding::findingDetail()
{
    QFETCH(FindingService, service);
    QFETCH(QString, id);
    QFETCH(QString, title);
    QFETCH(QString, description);
    QFETCH(Severity, severity);
    QFETCH(QString, filePath);
    QFETCH(int, line);
    QFETCH(QStringList, cwes);
    QFETCH(QString, extra);

    QJsonObject finding = findingFor(service);
    finding.insert(QStringLiteral("notInTheSpec"), QJsonObject {{QStringLiteral("a"), 1}});
    const QJsonObject body {{QStringLiteral("finding"), finding},
                            {QStringLiteral("presignedUrl"), QStringLiteral("https://s3.example/x")},
                            {QStringLiteral("version"), QStringLiteral("1")}};
    const auto result = decodeFindingDetail(toJson(body), service);
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    const FindingDetail& d = result.value();
    QCOMPARE(d.service, service);
    QCOMPARE(d.id, id);
    QCOMPARE(d.title, title);
    QCOMPARE(d.description, description);
    QCOMPARE(d.severity, severity);
    QCOMPARE(d.filePath, filePath);
    QCOMPARE(d.startLine.value_or(-1), line);
    QCOMPARE(d.cwes, cwes);

    QString actual;
    switch (service) {
    case FindingService::Sast:
        actual = QStringLiteral("autofixActivity=") + d.autofixActivity;
        QCOMPARE(d.autofixState, AutofixState::InProgressAgent);
        QCOMPARE(d.isResolved, std::optional<bool>(false));
        QCOMPARE(d.endLine, std::optional<int>(19));
        QCOMPARE(d.language, QStringLiteral("TypeScript"));
        break;
    case FindingService::ScaDependencies:
        actual = QStringLiteral("package=%1 %2 -> %3").arg(d.packageName, d.packageVersion, d.suggestedVersion);
        QCOMPARE(d.cves, QStringList {QStringLiteral("CVE-2021-23337")});
        QCOMPARE(d.commit, QStringLiteral("abc123"));
        QCOMPARE(d.autofixState, AutofixState::Cached);
        break;
    case FindingService::ScaContainers:
        actual = QStringLiteral("image=") + d.image;
        break;
    case FindingService::Secrets:
        actual = QStringLiteral("secret=") + d.redactedSecret;
        QCOMPARE(d.commit, QStringLiteral("def456"));
        QCOMPARE(d.endLine, std::optional<int>(3));
        break;
    case FindingService::DastPentest:
        actual = QStringLiteral("endpoint=%1 %2 on %3").arg(d.endpointMethod, d.endpointPath, d.targetUrl);
        QCOMPARE(d.priorityLabel, QStringLiteral("URGENT"));
        QCOMPARE(d.host, QStringLiteral("shop.acme.test"));
        QCOMPARE(d.isResolved, std::optional<bool>(false));
        break;
    case FindingService::Cspm:
        actual = QStringLiteral("resource=%1 %2 %3 %4 %5")
                     .arg(d.cloudProvider, d.accountId, d.region, d.resourceType, d.resourceName);
        QCOMPARE(d.isResolved, std::optional<bool>(true));
        break;
    case FindingService::Scpm:
        actual = QStringLiteral("pr=") + d.pullRequestUrl;
        QCOMPARE(d.priorityScore, std::optional<double>(41.5));
        break;
    }
    QCOMPARE(actual, extra);
}

void TestApiDecoding::findingDetailMissingRequired_data()
{
    QTest::addColumn<FindingService>("service");
    QTest::addColumn<QString>("path");
    QTest::newRow("sast isResolved") << FindingService::Sast << QStringLiteral("finding.isResolved");
    QTest::newRow("sca/dependencies package") << FindingService::ScaDependencies << QStringLiteral("finding.package");
    QTest::newRow("sca/dependencies vulnerabilitiesCWEIds")
        << FindingService::ScaDependencies << QStringLiteral("finding.vulnerabilitiesCWEIds");
    QTest::newRow("sca/dependencies line") << FindingService::ScaDependencies << QStringLiteral("finding.line");
    QTest::newRow("sca/containers imageMetadata")
        << FindingService::ScaContainers << QStringLiteral("finding.imageMetadata");
    QTest::newRow("sca/containers imageMetadata.fullReference")
        << FindingService::ScaContainers << QStringLiteral("finding.imageMetadata.fullReference");
    QTest::newRow("secrets redactedSecret") << FindingService::Secrets << QStringLiteral("finding.redactedSecret");
    QTest::newRow("secrets id") << FindingService::Secrets << QStringLiteral("finding.id");
    QTest::newRow("dast/pentest endpoint.method")
        << FindingService::DastPentest << QStringLiteral("finding.endpoint.method");
    QTest::newRow("dast/pentest scanInfo.targetUrl")
        << FindingService::DastPentest << QStringLiteral("finding.scanInfo.targetUrl");
    QTest::newRow("dast/pentest summary") << FindingService::DastPentest << QStringLiteral("finding.summary");
    QTest::newRow("cspm isResolved") << FindingService::Cspm << QStringLiteral("finding.isResolved");
    QTest::newRow("scpm isFalsePositive") << FindingService::Scpm << QStringLiteral("finding.isFalsePositive");
    QTest::newRow("the finding itself") << FindingService::Sast << QStringLiteral("finding");
}

void TestApiDecoding::findingDetailMissingRequired()
{
    QFETCH(FindingService, service);
    QFETCH(QString, path);
    const QJsonObject body {{QStringLiteral("finding"), findingFor(service)}};
    const auto result = decodeFindingDetail(without(body, path), service);
    QVERIFY(!result);
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QCOMPARE(result.error().field, path);

    // A field the spec does not require may go: SAST without id, title and severity still decodes.
    if (service == FindingService::Sast && path != QLatin1String("finding")) {
        QJsonObject minimal {{QStringLiteral("isResolved"), false}};
        const auto ok = decodeFindingDetail(toJson({{QStringLiteral("finding"), minimal}}), service);
        QVERIFY(ok);
        QCOMPARE(ok.value().severity, Severity::Unknown);
    }
}

void TestApiDecoding::cloudScan()
{
    const auto start
        = decodeCloudScanStart(R"({"scanId": "cs-1", "executionArn": "arn:aws:states:x", "statusCode": 200})");
    QVERIFY(start);
    QCOMPARE(start.value().scanId, QStringLiteral("cs-1"));
    QCOMPARE(start.value().executionArn, QStringLiteral("arn:aws:states:x"));
    const auto noId = decodeCloudScanStart(R"({"statusCode": 200})");
    QVERIFY(!noId);
    QCOMPARE(noId.error().field, QStringLiteral("scanId"));

    const auto status = decodeCloudScanStatus(R"({"scanId": "cs-1", "overallStatus": "in progress", "providers": [
        {"provider": "AWS", "status": "completed", "startedAt": "2025-03-01T10:00:00Z", "completedAt": "2025-03-01T10:04:00Z"},
        {"provider": "GCP", "status": "in progress", "errorMessage": ""},
        {"provider": "Azure", "status": "failed", "errorMessage": "Berechtigung verweigert ✗", "extra": true}]})");
    QVERIFY2(status, qPrintable(status ? QString() : status.error().toString()));
    QCOMPARE(status.value().overallStatus, ScanStatus::InProgress);
    QVERIFY(!status.value().isFinal());
    QCOMPARE(status.value().providers.size(), 3);
    QCOMPARE(status.value().providers.at(0).status, ScanStatus::Completed);
    QCOMPARE(status.value().providers.at(0).completedAt, nullify::utcDateTime(QDate(2025, 3, 1), QTime(10, 4)));
    QCOMPARE(status.value().providers.at(2).errorMessage, QStringLiteral("Berechtigung verweigert ✗"));

    const auto none = decodeCloudScanStatus(R"({"scanId": "cs-2", "overallStatus": "completed", "providers": null})");
    QVERIFY(none);
    QVERIFY(none.value().isFinal());
    QVERIFY(none.value().providers.isEmpty());
}

void TestApiDecoding::cloudScanErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    QTest::newRow("overallStatus missing")
        << QByteArrayLiteral(R"({"scanId": "x", "providers": []})") << QStringLiteral("overallStatus");
    QTest::newRow("providers missing") << QByteArrayLiteral(R"({"scanId": "x", "overallStatus": "queued"})")
                                       << QStringLiteral("providers");
    QTest::newRow("provider status missing") << QByteArrayLiteral(
        R"({"scanId": "x", "overallStatus": "queued", "providers": [{"provider": "AWS", "status": "queued"}, {"provider": "GCP"}]})")
                                             << QStringLiteral("providers[1].status");
    QTest::newRow("overallStatus an object")
        << QByteArrayLiteral(R"({"scanId": "x", "overallStatus": {}, "providers": []})")
        << QStringLiteral("overallStatus");
}

void TestApiDecoding::cloudScanErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const auto result = decodeCloudScanStatus(body);
    QVERIFY(!result);
    QCOMPARE(result.error().field, field);
}

void TestApiDecoding::applications()
{
    const auto result = decodeApplications(R"({"applications": [
        {"id": "app-1", "tenantId": "t", "name": "Shop 🛒", "description": "Storefront", "components": [], "discovery": {},
         "metadata": {}, "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-02T00:00:00Z", "tags": ["prod", "eu"]}],
        "version": "1"})");
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    QCOMPARE(result.value().size(), 1);
    QCOMPARE(result.value().first().name, QStringLiteral("Shop 🛒"));
    QCOMPARE(result.value().first().tags, (QStringList {QStringLiteral("prod"), QStringLiteral("eu")}));
    QVERIFY(decodeApplications(R"({"applications": []})").value().isEmpty());
    const auto missing
        = decodeApplications(R"({"applications": [{"id": "a", "name": "n", "createdAt": "", "updatedAt": ""}]})");
    QVERIFY(!missing);
    QCOMPARE(missing.error().field, QStringLiteral("applications[0].description"));
    QCOMPARE(decodeApplications("{}").error().field, QStringLiteral("applications"));
}

void TestApiDecoding::pentestScan()
{
    const QByteArray body = R"({"scan": {"id": "ps-1", "tenantId": "t", "appId": "app-1", "progress": 35,
        "status": "in progress", "startTime": "2025-03-01T10:00:00Z", "endTime": null, "findingIds": null,
        "isExternal": false, "executionArn": "arn", "assessmentPhases": [{"name": "recon"}]}, "version": "1"})";
    const auto result = decodePentestScan(body);
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    const PentestScan& scan = result.value();
    QCOMPARE(scan.id, QStringLiteral("ps-1"));
    QCOMPARE(scan.status, ScanStatus::InProgress);
    QCOMPARE(scan.progress, 35);
    QVERIFY(!scan.isFinal());
    QVERIFY(scan.findingIds.isEmpty());
    QVERIFY(!scan.endTime.isValid());

    const auto fallback
        = decodePentestScan(R"({"scan": {"id": "ps-2", "appId": "a", "progress": 100, "status": "human_fallback",
        "startTime": "2025-03-01T10:00:00Z", "findingIds": ["f1", "f2"], "isExternal": true,
        "abortReason": {"code": "X", "category": "config", "message": "Login page not reachable", "timestamp": "2025-03-01T10:01:00Z"}}})");
    QVERIFY(fallback);
    QVERIFY(fallback.value().isFinal());
    QCOMPARE(fallback.value().abortMessage, QStringLiteral("Login page not reachable"));
    QCOMPARE(fallback.value().findingIds.size(), 2);

    const auto list = decodePentestScanPage(R"({"scans": [], "nextToken": ""})");
    QVERIFY(list);
    QVERIFY(list.value().items.isEmpty());
}

void TestApiDecoding::pentestScanErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    QTest::newRow("not wrapped") << QByteArrayLiteral(R"({"id": "ps-1"})") << QStringLiteral("scan");
    QTest::newRow("progress missing") << QByteArrayLiteral(
        R"({"scan": {"id": "p", "appId": "a", "status": "queued", "startTime": "", "findingIds": [], "isExternal": false}})")
                                      << QStringLiteral("scan.progress");
    QTest::newRow("progress a string") << QByteArrayLiteral(
        R"({"scan": {"id": "p", "appId": "a", "progress": "35%", "status": "queued", "startTime": "", "findingIds": [], "isExternal": false}})")
                                       << QStringLiteral("scan.progress");
    QTest::newRow("status missing") << QByteArrayLiteral(
        R"({"scan": {"id": "p", "appId": "a", "progress": 0, "startTime": "", "findingIds": [], "isExternal": false}})")
                                    << QStringLiteral("scan.status");
    QTest::newRow("a finding id a number") << QByteArrayLiteral(
        R"({"scan": {"id": "p", "appId": "a", "progress": 0, "status": "queued", "startTime": "", "findingIds": [1], "isExternal": false}})")
                                           << QStringLiteral("scan.findingIds[0]");
    QTest::newRow("list nextToken missing") << QByteArrayLiteral(R"({"scans": []})") << QStringLiteral("nextToken");
}

void TestApiDecoding::pentestScanErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const auto result = field == QLatin1String("nextToken") ? decodePentestScanPage(body).isOk()
            ? Result<PentestScan>::success({})
            : Result<PentestScan>::failure(decodePentestScanPage(body).error())
                                                            : decodePentestScan(body);
    QVERIFY(!result);
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QCOMPARE(result.error().field, field);
}

void TestApiDecoding::pentestReport()
{
    const auto result = decodePentestReport(R"({"report": {"scanId": "ps-1",
        "metadata": {"description": "Pentest of the shop API", "langfuseTraceIds": null},
        "metrics": {"numUsers": 2, "findingMetrics": {"total": 7, "new": 2, "fixed": 1, "unfixed": 6},
                    "endpointMetrics": {"total": 60, "fuzzed": 50, "tested": 56, "vulnerable": 7}},
        "assessmentPeriod": {"startDate": "2026-11-02T09:00:00Z", "endDate": "2026-11-02T11:30:00Z"},
        "executiveSummary": {"executiveSummaryFirstParagraph": "Two critical issues.", "executiveSummaryRest": "Details follow.",
                             "topRisks": ["IDOR"], "topRecommendations": ["Check ownership"]},
        "findingsSummary": [{"id": "pt-1", "title": "IDOR", "affectedAsset": "/orders", "severity": "CRITICAL", "source": "AIPenTester", "reference": null}],
        "limitations": "Staging only."}})");
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    QCOMPARE(result.value().scanId, QStringLiteral("ps-1"));
    QCOMPARE(result.value().executiveSummary, QStringLiteral("Two critical issues.\n\nDetails follow."));
    QCOMPARE(result.value().topRisks, QStringList {QStringLiteral("IDOR")});
    QCOMPARE(result.value().findings.size(), 1);
    QCOMPARE(result.value().findings.first().severity, Severity::Critical);
    QCOMPARE(result.value().limitations, QStringLiteral("Staging only."));
    QCOMPARE(result.value().description, QStringLiteral("Pentest of the shop API"));
    QCOMPARE(result.value().findingsTotal, std::optional<qint64>(7));
    QCOMPARE(result.value().findingsUnfixed, std::optional<qint64>(6));
    QCOMPARE(result.value().endpointsTested, std::optional<qint64>(56));
    QCOMPARE(result.value().endpointsVulnerable, std::optional<qint64>(7));
    QCOMPARE(result.value().periodEnd, nullify::utcDateTime(QDate(2026, 11, 2), QTime(11, 30)));
    // metrics is required, and so is the count it carries.
    const auto noTotal = decodePentestReport(R"({"report": {"scanId": "x", "metadata": {"description": ""},
        "metrics": {"findingMetrics": {"new": 0, "fixed": 0, "unfixed": 0}}}})");
    QVERIFY(!noTotal);
    QCOMPARE(noTotal.error().field, QStringLiteral("report.metrics.findingMetrics.total"));
    const auto missing = decodePentestReport(
        R"({"report": {"scanId": "x", "metadata": {"description": ""},
            "metrics": {"findingMetrics": {"total": 1, "new": 0, "fixed": 0, "unfixed": 1},
                        "endpointMetrics": {"total": 1, "fuzzed": 1, "tested": 1, "vulnerable": 1}},
            "findingsSummary": [{"id": "1", "title": "t", "severity": "LOW", "source": "s"}]}})");
    QVERIFY(!missing);
    QCOMPARE(missing.error().field, QStringLiteral("report.findingsSummary[0].affectedAsset"));
}

void TestApiDecoding::autofixStart()
{
    const auto ok = decodeAutofixStart(R"({"autoFixState": "in_progress_requested", "version": "1"})");
    QVERIFY(ok);
    QCOMPARE(ok.value().state, AutofixState::InProgressRequested);
    const auto emptyError = decodeAutofixStart(R"({"autoFixState": "in_progress_requested", "error": ""})");
    QVERIFY(emptyError);
    const auto rejected = decodeAutofixStart(R"({"autoFixState": "none", "error": "Autofix budget exhausted"})");
    QVERIFY(!rejected);
    QCOMPARE(rejected.error().kind, ApiError::Kind::Rejected);
    QCOMPARE(rejected.error().message, QStringLiteral("Autofix budget exhausted"));
    const auto missing = decodeAutofixStart(R"({"error": ""})");
    QVERIFY(!missing);
    QCOMPARE(missing.error().field, QStringLiteral("autoFixState"));
}

void TestApiDecoding::autofixStatus()
{
    const auto result = decodeAutofixStatus(R"({"status": {"state": "in_progress_agent", "terminal": false,
        "currentActivity": "Écriture du correctif…", "currentPhase": "fixing", "lastActivityAt": "2025-03-01T10:00:03Z",
        "iterations": {"count": 2, "totalCostUSD": 0.12, "totalInputTokens": 1, "totalOutputTokens": 1, "durationSeconds": 30},
        "pullRequests": [], "reconciliationStale": false, "isAutoFixable": null, "newThing": {}}, "version": "1"})");
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    const AutofixStatus& s = result.value();
    QCOMPARE(s.state, AutofixState::InProgressAgent);
    QVERIFY(!s.terminal);
    QCOMPARE(s.currentActivity, QStringLiteral("Écriture du correctif…"));
    QCOMPARE(s.currentPhase, QStringLiteral("fixing"));
    QCOMPARE(s.iterations, std::optional<int>(2));
    QVERIFY(!s.isAutoFixable);
    QCOMPARE(s.lastActivityAt, nullify::utcDateTime(QDate(2025, 3, 1), QTime(10, 0, 3)));

    // terminal is the server's word, whatever the state says
    const auto cached = decodeAutofixStatus(R"({"status": {"state": "cached", "terminal": true}})");
    QVERIFY(cached);
    QVERIFY(cached.value().terminal);
    QVERIFY(cached.value().pullRequestUrl.isEmpty());
    const auto merged = decodeAutofixStatus(R"({"status": {"state": "some_new_state", "terminal": true,
        "pullRequestUrl": "https://github.com/acme/api/pull/9", "pullRequestState": "merged"}})");
    QVERIFY(merged);
    QCOMPARE(merged.value().state, AutofixState::Unknown);
    QCOMPARE(merged.value().stateText, QStringLiteral("some_new_state"));
    QCOMPARE(merged.value().pullRequestUrl, QStringLiteral("https://github.com/acme/api/pull/9"));
}

void TestApiDecoding::autofixStatusErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    QTest::newRow("not wrapped") << QByteArrayLiteral(R"({"state": "cached", "terminal": true})")
                                 << QStringLiteral("status");
    QTest::newRow("terminal missing") << QByteArrayLiteral(R"({"status": {"state": "cached"}})")
                                      << QStringLiteral("status.terminal");
    QTest::newRow("terminal a string") << QByteArrayLiteral(R"({"status": {"state": "cached", "terminal": "true"}})")
                                       << QStringLiteral("status.terminal");
    QTest::newRow("state missing") << QByteArrayLiteral(R"({"status": {"terminal": false}})")
                                   << QStringLiteral("status.state");
    QTest::newRow("status null") << QByteArrayLiteral(R"({"status": null})") << QStringLiteral("status");
    QTest::newRow("status an array") << QByteArrayLiteral(R"({"status": []})") << QStringLiteral("status");
    QTest::newRow("iterations.count missing")
        << QByteArrayLiteral(R"({"status": {"state": "cached", "terminal": true, "iterations": {}}})")
        << QStringLiteral("status.iterations.count");
}

void TestApiDecoding::autofixStatusErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const auto result = decodeAutofixStatus(body);
    QVERIFY(!result);
    QCOMPARE(result.error().kind, ApiError::Kind::Decoding);
    QCOMPARE(result.error().field, field);
}

void TestApiDecoding::autofixDiff()
{
    const QJsonObject body {{QStringLiteral("diffs"), QJsonArray {diffFile()}},
                            {QStringLiteral("explanation"), QStringLiteral("Use a bound parameter.")},
                            {QStringLiteral("pullRequestTitle"), QStringLiteral("fix: parameterise login query")},
                            {QStringLiteral("pullRequestBody"), QStringLiteral("Fixes CWE-89 — ✓")},
                            {QStringLiteral("commit"), QStringLiteral("abc")}};
    const auto result = decodeAutofixDiff(toJson(body), FindingService::Sast);
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    const AutofixDiff& diff = result.value();
    QCOMPARE(diff.diffs.size(), 1);
    QCOMPARE(diff.pullRequestTitle, QStringLiteral("fix: parameterise login query"));
    QCOMPARE(diff.pullRequestBody, QStringLiteral("Fixes CWE-89 — ✓"));
    const DiffFile& file = diff.diffs.first();
    QCOMPARE(file.newName, QStringLiteral("login.go"));
    QCOMPARE(file.hunks.size(), 1);
    const DiffHunk& hunk = file.hunks.first();
    QCOMPARE(hunk.header, QStringLiteral("@@ -10,2 +10,2 @@"));
    QCOMPARE(hunk.start, 10);
    QCOMPARE(hunk.lines.size(), 3);
    QCOMPARE(hunk.lines.at(0).kind, DiffLine::Kind::Unchanged);
    QCOMPARE(hunk.lines.at(1).kind, DiffLine::Kind::Removed);
    QCOMPARE(hunk.lines.at(2).kind, DiffLine::Kind::Added);
    QCOMPARE(hunk.lines.at(2).content, QStringLiteral("  q := \"SELECT ?\" // ✓ ü"));

    const auto emptyDiffs = decodeAutofixDiff(
        R"({"diffs": null, "explanation": "", "pullRequestTitle": "", "pullRequestBody": "", "commit": ""})",
        FindingService::Cspm);
    QVERIFY(emptyDiffs);
    QVERIFY(emptyDiffs.value().diffs.isEmpty());
    const auto badLine = decodeAutofixDiff(
        with(body, QStringLiteral("diffs.0.hunks.0.wholeRange.lines.1.number"), QJsonValue(QStringLiteral("11"))),
        FindingService::Sast);
    QVERIFY(!badLine);
    QCOMPARE(badLine.error().field, QStringLiteral("diffs[0].hunks[0].wholeRange.lines[1].number"));
}

void TestApiDecoding::autofixDiffRequiredPerService_data()
{
    QTest::addColumn<FindingService>("service");
    QTest::addColumn<QString>("field"); // empty: decodes
    QTest::newRow("sca/dependencies needs only diffs") << FindingService::ScaDependencies << QString();
    QTest::newRow("sast needs the PR title") << FindingService::Sast << QStringLiteral("pullRequestTitle");
    QTest::newRow("scpm needs the PR title") << FindingService::Scpm << QStringLiteral("pullRequestTitle");
    QTest::newRow("dast/pentest needs the PR title")
        << FindingService::DastPentest << QStringLiteral("pullRequestTitle");
}

void TestApiDecoding::autofixDiffRequiredPerService()
{
    QFETCH(FindingService, service);
    QFETCH(QString, field);
    const auto result = decodeAutofixDiff(R"({"diffs": []})", service);
    QCOMPARE(result.isOk(), field.isEmpty());
    if (!field.isEmpty())
        QCOMPARE(result.error().field, field);
    QCOMPARE(decodeAutofixDiff("{}", service).error().field, QStringLiteral("diffs"));
}

void TestApiDecoding::metricsOverview()
{
    const auto result = decodeMetricsOverview(toJson(metricsOverviewJson()));
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    const MetricsOverview& m = result.value();
    QCOMPARE(m.hoursSaved.thisMonth, 12.5);
    QCOMPARE(m.hoursSaved.lastMonth, 3.25);
    QCOMPARE(m.findingsResolved.thisMonth, 10.0);
    QCOMPARE(m.funnel.size(), 1);
    QCOMPARE(m.funnel.first().critical, 4);
    QCOMPARE(m.funnel.first().low, 30);
    QCOMPARE(m.byType.size(), 2);
    QCOMPARE(m.apiType.thisMonth, 9);
    QCOMPARE(m.container.negligible, 3);
    QCOMPARE(m.topRepositories.size(), 1);
    QCOMPARE(m.topRepositories.first().value, QStringLiteral("acme/api"));
}

void TestApiDecoding::metricsOverviewErrors_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("hoursSaved") << QStringLiteral("hoursSaved");
    QTest::newRow("hoursSaved.thisMonth") << QStringLiteral("hoursSaved.thisMonth");
    QTest::newRow("overviewType.api.urgent") << QStringLiteral("overviewType.api.urgent");
    QTest::newRow("funnelData[0].HIGH") << QStringLiteral("funnelData.0.HIGH");
    QTest::newRow("type.Code.lastMonth") << QStringLiteral("type.Code.lastMonth");
    QTest::newRow("overviewRepos") << QStringLiteral("overviewRepos");
}

void TestApiDecoding::metricsOverviewErrors()
{
    QFETCH(QString, path);
    const auto result = decodeMetricsOverview(without(metricsOverviewJson(), path));
    QVERIFY(!result);
    QString field = path;
    field.replace(QStringLiteral(".0."), QStringLiteral("[0]."));
    QCOMPARE(result.error().field, field);
}

void TestApiDecoding::currentUser()
{
    const auto result
        = decodeCurrentUser(R"({"username": "zoë", "userMapping": {"id": "u-1", "createdAt": "2024-01-01T00:00:00Z",
        "createdBy": "x", "updatedAt": "2024-01-01T00:00:00Z", "lastUpdatedBy": "x", "github": {"id": 583231, "nodeId": "MDQ6"}}})");
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    QCOMPARE(result.value().username, QStringLiteral("zoë"));
    QCOMPARE(result.value().id, QStringLiteral("u-1"));
    QCOMPARE(result.value().githubId, std::optional<qint64>(583231));
    QCOMPARE(decodeCurrentUser(R"({"username": "z"})").error().field, QStringLiteral("userMapping"));
    QCOMPARE(decodeCurrentUser(R"({"username": "z", "userMapping": {"createdAt": ""}})").error().field,
             QStringLiteral("userMapping.id"));
    QCOMPARE(decodeCurrentUser(R"({"userMapping": {"id": "u", "createdAt": ""}})").error().field,
             QStringLiteral("username"));
}

void TestApiDecoding::installations()
{
    const auto result = decodeInstallations(R"({"installations": [
        {"provider": {"id": "GitHub", "github": {"installationId": 1}}, "name": "acme", "avatarUrl": "https://a/x.png",
         "queryParameters": {"githubOwnerId": "123"}, "nullifyBaseUrl": null},
        {"provider": {"id": "GitLab"}, "name": "acme-gl", "avatarUrl": "", "queryParameters": {"gitlabGroupId": 77}}]})");
    QVERIFY2(result, qPrintable(result ? QString() : result.error().toString()));
    QCOMPARE(result.value().size(), 2);
    QCOMPARE(result.value().at(0).provider, QStringLiteral("GitHub"));
    QCOMPARE(result.value().at(0).queryParameters,
             (QueryParameters {{QStringLiteral("githubOwnerId"), QStringLiteral("123")}}));
    QCOMPARE(result.value().at(1).queryParameters,
             (QueryParameters {{QStringLiteral("gitlabGroupId"), QStringLiteral("77")}}));
    QVERIFY(decodeInstallations(R"({"installations": null})").value().isEmpty());
    QCOMPARE(decodeInstallations(
                 R"({"installations": [{"provider": {}, "name": "a", "avatarUrl": "", "queryParameters": {}}]})")
                 .error()
                 .field,
             QStringLiteral("installations[0].provider.id"));
    QCOMPARE(
        decodeInstallations(
            R"({"installations": [{"provider": {"id": "GitHub"}, "name": "a", "avatarUrl": "", "queryParameters": {"x": []}}]})")
            .error()
            .field,
        QStringLiteral("installations[0].queryParameters.x"));
}

void TestApiDecoding::integers_data()
{
    QTest::addColumn<QByteArray>("progress");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("value");
    QTest::newRow("0") << QByteArrayLiteral("0") << true << 0;
    QTest::newRow("100") << QByteArrayLiteral("100") << true << 100;
    QTest::newRow("2.0 is an integer") << QByteArrayLiteral("2.0") << true << 2;
    QTest::newRow("-1") << QByteArrayLiteral("-1") << true << -1;
    QTest::newRow("1e300") << QByteArrayLiteral("1e300") << false << 0;
    QTest::newRow("0.5") << QByteArrayLiteral("0.5") << false << 0;
    QTest::newRow("true") << QByteArrayLiteral("true") << false << 0;
    QTest::newRow("null (required)") << QByteArrayLiteral("null") << false << 0;
}

void TestApiDecoding::integers()
{
    QFETCH(QByteArray, progress);
    QFETCH(bool, ok);
    QFETCH(int, value);
    const QByteArray body = R"({"scan": {"id": "p", "appId": "a", "status": "queued", "startTime": "", "findingIds": [],
        "isExternal": false, "progress": )"
        + progress + "}}";
    const auto result = decodePentestScan(body);
    QCOMPARE(result.isOk(), ok);
    if (ok)
        QCOMPARE(result.value().progress, value);
    else
        QCOMPARE(result.error().field, QStringLiteral("scan.progress"));
}

// Triage (triage.h): the request bodies the spec requires, the record in its SAST (nested finding)
// and pentest (the finding itself) shapes, and the allowlist answers (a link, or 204's nothing).
void TestApiDecoding::triageRecordAndWrites()
{
    using namespace nullify::api;
    QCOMPARE(allowlistBody(AllowlistType::UserFalsePositive, QStringLiteral("why")),
             QByteArrayLiteral(R"({"allowlistReason":"why","allowlistType":"UserFalsePositive"})"));
    QCOMPARE(
        batchAllowlistBody({QStringLiteral("a"), QStringLiteral("b")}, AllowlistType::UserFixed, QStringLiteral("r")),
        QByteArrayLiteral(R"({"allowlistReason":"r","allowlistType":"UserFixed","findingIds":["a","b"]})"));
    QCOMPARE(unallowlistBody(QStringLiteral("r"), std::nullopt), QByteArrayLiteral(R"({"unallowlistReason":"r"})"));
    QCOMPARE(unallowlistBody(QStringLiteral("r"), AllowlistType::UserOther),
             QByteArrayLiteral(R"({"unallowlistReason":"r","unallowlistType":"UserOther"})"));
    FindingOverride change;
    change.severity = Severity::High;
    QCOMPARE(overrideBody(change, true), QByteArrayLiteral(R"({"severityOverride":"HIGH"})"));
    QCOMPARE(overrideBody(change, false), QByteArrayLiteral("{}"));
    change.priorityLabel = QStringLiteral("URGENT");
    QCOMPARE(overrideBody(change, true),
             QByteArrayLiteral(R"({"priorityOverride":"URGENT","severityOverride":"HIGH"})"));
    for (AllowlistType type : userAllowlistTypes())
        QCOMPARE(allowlistTypeFromString(wireName(type)), type);
    QCOMPARE(allowlistTypeFromString(QStringLiteral("Nonsense")), AllowlistType::Unknown);
    QVERIFY(!triageEndpointsFor(FindingType::Cloud));
    QVERIFY(triageEndpointsFor(FindingType::Dependencies)->batchPath.isEmpty());
    QCOMPARE(triageEndpointsFor(FindingType::Code)->batchPath, QStringLiteral("/sast/findings/allowlist"));
    QVERIFY(!triageEndpointsFor(FindingType::SecretsSensitiveData)->canOverrideSeverity);

    const auto sast = decodeTriageRecord(QByteArrayLiteral(
        R"({"presignedUrl":"u","finding":{"isFalsePositive":false,"investigationSteps":[{"title":"Traced"}],)"
        R"("assessmentFactors":[{"title":"Reachable"}],"agentVersion":"2","triagedCommitSha":"abc",)"
        R"("orgContextVersion":"1","repoContextVersion":"1","priority":{"label":"URGENT","score":92},)"
        R"("triage":{"description":"Reachable from the API","lastTriagedAt":"2026-03-01T10:00:00Z"},)"
        R"("finding":{"isAllowlisted":true,"allowlistType":"UserAssumeRisk","allowlistReason":"VPN only"}}})"));
    QVERIFY2(sast, qPrintable(sast ? QString() : sast.error().toString()));
    QCOMPARE(sast.value().isAllowlisted, std::optional<bool>(true));
    QCOMPARE(sast.value().allowlistType, AllowlistType::UserAssumeRisk);
    QCOMPARE(sast.value().allowlistReason, QStringLiteral("VPN only"));
    QCOMPARE(sast.value().priorityLabel, QStringLiteral("URGENT"));
    QCOMPARE(sast.value().priorityScore, std::optional<qint64>(92));
    QCOMPARE(sast.value().summary, QStringLiteral("Reachable from the API"));
    QCOMPARE(sast.value().assessmentFactors, QStringList {QStringLiteral("Reachable")});
    QVERIFY(sast.value().lastTriagedAt.isValid());

    const auto pentest = decodeTriageRecord(QByteArrayLiteral(
        R"({"finding":{"id":"p","isAllowlisted":true,"allowlistType":"UserFixed","allowlistedReason":"Fixed in 2.1",)"
        R"("priorityLabel":"IMPORTANT","priorityScore":70}})"));
    QVERIFY(pentest);
    QCOMPARE(pentest.value().allowlistType, AllowlistType::UserFixed);
    QCOMPARE(pentest.value().allowlistReason, QStringLiteral("Fixed in 2.1"));
    QCOMPARE(pentest.value().priorityLabel, QStringLiteral("IMPORTANT"));

    QVERIFY(!decodeTriageRecord(QByteArrayLiteral(R"({"finding":{"isAllowlisted":"yes"}})")));
    QVERIFY(decodeTriageWrite(QByteArray()));
    const auto link = decodeTriageWrite(QByteArrayLiteral(R"({"link":"https://x.invalid/pr/1","title":"t"})"));
    QVERIFY(link);
    QCOMPARE(link.value().link, QStringLiteral("https://x.invalid/pr/1"));
    QVERIFY(!decodeTriageWrite(QByteArrayLiteral("[1]")));
}

QTEST_GUILESS_MAIN(TestApiDecoding)
#include "tst_apidecoding.moc"
