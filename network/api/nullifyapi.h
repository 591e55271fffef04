#pragma once

#include "apiclient.h"
#include "triage.h"
#include "types.h"

#include <QObject>

#include <optional>

namespace nullify::api {

// GET /sast|secrets|sca/scan-runs. repositoryId is required by all three; the sca list also needs
// its scanType, which Scanner::ScaDependencies / ScaContainers supply.
struct ScanRunQuery
{
    Scanner scanner = Scanner::Sast;
    QString repositoryId;
    int limit = 0; // 0: the server's default (10, at most 50)
    qint64 offset = 0;
    QString sort; // "newest" (default) or "oldest"
};

// The {"query": {...}} of POST /admin/findings (ModelsUnifiedFindingsQuery, the filters a list
// view offers). Keep pageSize constant across the pages of one listing.
struct FindingsQuery
{
    qint64 page = 1;
    int pageSize = 50;
    QList<FindingType> types;
    QList<Severity> severities;
    QStringList repositories;
    QStringList branches; // branch[]
    QStringList cwes; // cwe[], e.g. "CWE-79"
    // fromDate / toDate: ISO 8601 times (UTC), sent as given; empty: no bound.
    QString fromDate;
    QString toDate;
    std::optional<bool> isResolved;
    std::optional<bool> isAllowlisted;
    std::optional<bool> isFalsePositive;
    std::optional<bool> isFixed;
    QString search;
    // sortPreset: one of ModelsUnifiedFindingsSortPreset ("created_at_desc", "created_at_asc",
    // "priority_desc", "severity_desc"); empty: the server's default order.
    QString sortPreset;
    QList<AutofixState> autofixStates; // autoFixState[]: findings whose autofix is in one of these
};

// One method per endpoint the desktop client uses (the table in ../shared/api/README.md). Each
// builds its request, picks its decoder and returns what ApiClient::send returns; it knows nothing
// about transport, paging or polling.
class NullifyApi : public QObject
{
    Q_OBJECT

public:
    explicit NullifyApi(ApiClient* client, QObject* parent = nullptr);
    ApiClient* client() const { return m_client; }

    // Repositories and scan history
    QNetworkReply* repositories(int limit, const QString& nextToken, QObject* context, Callback<Page<Repository>> done);
    QNetworkReply* scanRuns(const ScanRunQuery& query, QObject* context, Callback<Page<ScanRun>> done);

    // Findings
    QNetworkReply* findings(const FindingsQuery& query, QObject* context, Callback<Page<Finding>> done);
    QNetworkReply* finding(FindingService service, const QString& id, QObject* context, Callback<FindingDetail> done);

    // Cloud scans (a click): start is billable and never replayed after a 5xx.
    QNetworkReply* startCloudScan(QObject* context, Callback<CloudScanStart> done);
    QNetworkReply* cloudScanStatus(const QString& scanId, QObject* context, Callback<CloudScanStatus> done);

    // Applications and pentests: start is billable and never replayed after a 5xx.
    QNetworkReply* applications(QObject* context, Callback<QList<Application>> done);
    QNetworkReply* startPentest(const QString& applicationId, QObject* context, Callback<PentestScan> done);
    QNetworkReply* pentestScan(const QString& scanId, QObject* context, Callback<PentestScan> done);
    QNetworkReply* stopPentest(const QString& scanId, QObject* context, Callback<PentestScan> done);
    QNetworkReply* pentestReport(const QString& scanId, QObject* context, Callback<PentestReport> done);
    QNetworkReply*
    pentestScans(int limit, const QString& nextToken, QObject* context, Callback<Page<PentestScan>> done);

    // Autofix: fix and createPullRequest are billable and never replayed after a 5xx.
    QNetworkReply*
    startAutofix(FindingService service, const QString& findingId, QObject* context, Callback<AutofixStart> done);
    QNetworkReply*
    autofixStatus(FindingService service, const QString& findingId, QObject* context, Callback<AutofixStatus> done);
    QNetworkReply*
    autofixDiff(FindingService service, const QString& findingId, QObject* context, Callback<AutofixDiff> done);
    // scpm only: a pull request from the cached fix.
    QNetworkReply* createPullRequest(const QString& scpmFindingId, QObject* context, Callback<AutofixStart> done);

    // Triage (triage.h). Writes are never replayed after a 5xx. A type without triage endpoints,
    // or a batch of a type without a batch endpoint, is refused before sending (InvalidRequest).
    QNetworkReply* allowlistFinding(FindingType type,
                                    const QString& findingId,
                                    AllowlistType allowlistType,
                                    const QString& reason,
                                    QObject* context,
                                    Callback<TriageWrite> done);
    // One call for all of findingIds, through the type's batch endpoint.
    QNetworkReply* allowlistFindings(FindingType type,
                                     const QStringList& findingIds,
                                     AllowlistType allowlistType,
                                     const QString& reason,
                                     QObject* context,
                                     Callback<TriageWrite> done);
    // previousType: how the finding was allowlisted, sent where the spec requires a type (secrets
    // and sensitive data; UserOther when unknown).
    QNetworkReply* unallowlistFinding(FindingType type,
                                      const QString& findingId,
                                      const QString& reason,
                                      AllowlistType previousType,
                                      QObject* context,
                                      Callback<TriageWrite> done);
    QNetworkReply* overrideFinding(FindingType type,
                                   const QString& findingId,
                                   const FindingOverride& change,
                                   QObject* context,
                                   Callback<TriageWrite> done);
    QNetworkReply*
    triageRecord(FindingType type, const QString& findingId, QObject* context, Callback<TriageRecord> done);

    // Posture, identity, scopes
    QNetworkReply* metricsOverview(QObject* context, Callback<MetricsOverview> done);
    QNetworkReply* currentUser(QObject* context, Callback<CurrentUser> done);
    QNetworkReply* installations(QObject* context, Callback<QList<Installation>> done);

    static QByteArray findingsQueryBody(const FindingsQuery& query);

private:
    template <typename T>
    QNetworkReply* get(const QString& path,
                       const QueryParameters& query,
                       std::function<Result<T>(const QByteArray&)> decode,
                       QObject* context,
                       Callback<T> done);

    ApiClient* m_client;
};

} // namespace nullify::api
