#pragma once

#include "seeddata.h"

#include <QJsonObject>
#include <QString>

// The seeded tenant rendered in the shapes of the OpenAPI bundle. Every required field of each
// schema is present with its declared type; enum-typed fields only take values of their enum.
namespace nullify::sandbox::tenantjson {

// What the autofix of one finding looks like right now, for the fields findings carry about it.
struct AutofixView
{
    QString state = QStringLiteral("none"); // ModelsAutoFixState
    qint64 startedAt = 0; // seconds; 0 when never started
    QString pullRequestUrl;
    int pullRequestNumber = 0;
};

QJsonObject repository(const seed::Tenant& tenant, int index);
QJsonObject application(const seed::Tenant& tenant, int index);
QJsonObject scanRun(const seed::ScanRun& run);
// ModelsUnifiedFindingPreview, as listed by POST /admin/findings.
QJsonObject findingPreview(const seed::Tenant& tenant, int index, const AutofixView& autofix);
// The `finding` object of GET /{svc}/findings/{id} for the finding's own service.
QJsonObject findingDetail(const seed::Tenant& tenant, int index, const AutofixView& autofix);

// The API service path ("sast", "sca/dependencies", ...) that serves a finding type.
QString serviceFor(seed::FindingType type);
QString languageFor(const seed::Tenant& tenant, const seed::Finding& finding);

} // namespace nullify::sandbox::tenantjson
