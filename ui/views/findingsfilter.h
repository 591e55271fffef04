#pragma once

#include "nullifyapi.h"
#include "types.h"

#include <QByteArray>
#include <QDate>
#include <QList>
#include <QMetaType>
#include <QStringList>

namespace nullify::ui {

// What the Findings page lists: the filters and the order, all of them fields of the findings
// query (POST /admin/findings, ModelsUnifiedFindingsQuery), so the server applies them to every
// page and "120 of 400" is the server's count. Kept across restarts as JSON (toJson/fromJson).
struct FindingsFilter
{
    // The triage state. The query's flags are booleans that combine with AND, so one state at a
    // time: "Open or Allowlisted" has no query, and filtering it here would leave the pages not
    // loaded yet unfiltered and the count wrong. Values are stored: only ever append.
    enum class Status { Any, Open, Resolved, Allowlisted, FalsePositive, Fixed };

    // The query's sortPreset (ModelsUnifiedFindingsSortPreset): the only orders the server offers.
    enum class Sort { Newest, Oldest, MostSevere, HighestPriority };

    QList<api::FindingType> types; // type[]; empty: any
    QList<api::Severity> severities; // severity[]
    Status status = Status::Open; // what needs attention first, counted as the Overview counts it
    QStringList repositories; // repository[] (names)
    QStringList branches; // branch[]
    QStringList cwes; // cwe[], "CWE-79"
    // fromDate / toDate on the day's bounds (UTC); a relative range ("last 30 days") wins over
    // them, so a filter restored next week still means the last 30 days.
    int lastDays = 0; // 0: none
    QDate fromDate;
    QDate toDate;
    QString search;
    Sort sort = Sort::Newest;

    // The query for page 1 of a listing with this page size. `today` anchors lastDays.
    api::FindingsQuery toQuery(int pageSize, QDate today = QDate::currentDate()) const;
    // Anything narrowing the list (the order aside).
    bool isFiltering() const;
    // The same rows (the order aside).
    bool sameRows(const FindingsFilter& other) const;
    bool operator==(const FindingsFilter& other) const;
    bool operator!=(const FindingsFilter& other) const { return !(*this == other); }

    QByteArray toJson() const;
    // What toJson wrote; unknown or malformed parts fall back to their defaults.
    static FindingsFilter fromJson(const QByteArray& json);

    static QString sortPreset(Sort sort); // "created_at_desc", ...
    static QString cweName(const QString& text); // "79", "cwe-79" → "CWE-79"; "" when not one
};

} // namespace nullify::ui

Q_DECLARE_METATYPE(nullify::ui::FindingsFilter)
