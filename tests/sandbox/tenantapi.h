#pragma once

#include "sandboxhttp.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>

#include <functional>
#include <memory>

namespace nullify::sandbox {

struct TenantOptions
{
    quint32 seed = 1; // same seed, same tenant
    int findingCount = 400; // --findings; 100000 for scale tests
    int workSeconds = 20; // how long a cloud scan or pentest takes from queued to completed
    int autofixSeconds = 12; // how long an autofix takes to reach "cached"
    bool failScans = false; // started scans end "failed" instead of "completed"
    // Added by the tenant side:
    bool failAutofixes = false; // autofixes end "failed_abort" instead of "cached"
    // "Now" for the seeded history (finding dates, scan runs). Invalid means today 00:00 UTC, so the
    // data looks current yet stays the same all day; tests that compare tenants set it.
    QDateTime referenceTime;
};

// The tenant: seeded data (repositories, applications, findings, scan runs) and the stateful work
// (cloud scans, pentests, autofixes) behind every API endpoint of ../shared/api/README.md except
// the auth ones. The server authenticates a request before it reaches these handlers.
class TenantApi : public QObject
{
    Q_OBJECT

public:
    explicit TenantApi(const TenantOptions& options, QObject* parent = nullptr);
    ~TenantApi() override;

    // The scope every token of this tenant carries: {"githubOwnerId": "..."}.
    QString githubOwnerId() const;

    void registerRoutes(Router& router);

    // For tests and the control endpoint: how many cloud scans / pentests / autofixes were started.
    int cloudScansStarted() const;
    int pentestsStarted() const;
    int autofixesStarted() const;
    // Every POST .../autofix/fix that named a real finding, including ones refused with 409
    // because a fix was already running: the number a "no duplicate request" test checks.
    int autofixRequests() const;
    // PATCH /{svc}/findings/{id} calls that changed a finding (the soak counts written PATCHes).
    int findingPatches() const;
    int findingCount() const;

    // The event feed (POST /admin/events): how many events it holds, with the running work's
    // transitions up to now; and a scanner reporting a finding as new (the next open critical one
    // when findingId is empty). Returns the event appended, or an empty object and *error.
    int eventCount() const;
    QJsonObject reportNewFinding(const QString& findingId, QString* error);

    // Work progresses with this clock (milliseconds since the epoch); tests may replace it to step
    // through a lifecycle without waiting. Default: the wall clock.
    void setClockForTesting(std::function<qint64()> clock);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace nullify::sandbox
