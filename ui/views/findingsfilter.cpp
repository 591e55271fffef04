#include "findingsfilter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>

namespace nullify::ui {

namespace {

QString dayStart(QDate date)
{
    return date.toString(Qt::ISODate) + QStringLiteral("T00:00:00Z");
}

QString dayEnd(QDate date)
{
    return date.toString(Qt::ISODate) + QStringLiteral("T23:59:59Z");
}

template <typename T> QJsonArray intArray(const QList<T>& values)
{
    QJsonArray array;
    for (const T value : values)
        array.append(int(value));
    return array;
}

// The values in [first, last]; anything else (Unknown, a value of a later version) is dropped.
template <typename T> QList<T> enumList(const QJsonValue& value, T first, T last)
{
    QList<T> list;
    for (const QJsonValue& item : value.toArray()) {
        const int n = item.toInt(-1);
        if (n >= int(first) && n <= int(last) && !list.contains(T(n)))
            list.append(T(n));
    }
    return list;
}

QStringList stringList(const QJsonValue& value)
{
    QStringList list;
    for (const QJsonValue& item : value.toArray()) {
        const QString text = item.toString().trimmed();
        if (!text.isEmpty() && !list.contains(text))
            list.append(text);
    }
    return list;
}

} // namespace

QString FindingsFilter::sortPreset(Sort sort)
{
    switch (sort) {
    case Sort::Newest:
        return QStringLiteral("created_at_desc");
    case Sort::Oldest:
        return QStringLiteral("created_at_asc");
    case Sort::MostSevere:
        return QStringLiteral("severity_desc");
    case Sort::HighestPriority:
        return QStringLiteral("priority_desc");
    }
    return QString();
}

QString FindingsFilter::cweName(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("^(?:cwe)?[-\\s]*(\\d{1,5})$"),
                                            QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    return match.hasMatch() ? QStringLiteral("CWE-") + match.captured(1) : QString();
}

api::FindingsQuery FindingsFilter::toQuery(int pageSize, QDate today) const
{
    api::FindingsQuery query;
    query.pageSize = pageSize;
    query.types = types;
    query.severities = severities;
    query.repositories = repositories;
    query.branches = branches;
    query.cwes = cwes;
    query.search = search.trimmed();
    query.sortPreset = sortPreset(sort);
    // Each state is one combination of the API's flags. The spec's isResolved combines isFixed,
    // isFalsePositive and isAllowlisted, so Open is isResolved=false alone: the Overview's "open"
    // counts exactly these findings.
    switch (status) {
    case Status::Any:
        break;
    case Status::Open:
        query.isResolved = false;
        break;
    case Status::Resolved:
        query.isResolved = true;
        query.isAllowlisted = false;
        break;
    case Status::Allowlisted:
        query.isAllowlisted = true;
        break;
    case Status::FalsePositive:
        query.isFalsePositive = true;
        break;
    case Status::Fixed:
        query.isFixed = true;
        break;
    }
    if (lastDays > 0) {
        query.fromDate = dayStart(today.addDays(-(lastDays - 1)));
    } else {
        if (fromDate.isValid())
            query.fromDate = dayStart(fromDate);
        if (toDate.isValid())
            query.toDate = dayEnd(toDate);
    }
    return query;
}

bool FindingsFilter::isFiltering() const
{
    return !types.isEmpty() || !severities.isEmpty() || status != Status::Any || !repositories.isEmpty()
        || !branches.isEmpty() || !cwes.isEmpty() || lastDays > 0 || fromDate.isValid() || toDate.isValid()
        || !search.trimmed().isEmpty();
}

bool FindingsFilter::sameRows(const FindingsFilter& o) const
{
    return types == o.types && severities == o.severities && status == o.status && repositories == o.repositories
        && branches == o.branches && cwes == o.cwes && lastDays == o.lastDays && fromDate == o.fromDate
        && toDate == o.toDate && search.trimmed() == o.search.trimmed();
}

bool FindingsFilter::operator==(const FindingsFilter& o) const
{
    return sameRows(o) && sort == o.sort;
}

QByteArray FindingsFilter::toJson() const
{
    QJsonObject o {{QStringLiteral("version"), 1},
                   {QStringLiteral("types"), intArray(types)},
                   {QStringLiteral("severities"), intArray(severities)},
                   {QStringLiteral("status"), int(status)},
                   {QStringLiteral("repositories"), QJsonArray::fromStringList(repositories)},
                   {QStringLiteral("branches"), QJsonArray::fromStringList(branches)},
                   {QStringLiteral("cwes"), QJsonArray::fromStringList(cwes)},
                   {QStringLiteral("lastDays"), lastDays},
                   {QStringLiteral("search"), search},
                   {QStringLiteral("sort"), int(sort)}};
    if (fromDate.isValid())
        o.insert(QStringLiteral("fromDate"), fromDate.toString(Qt::ISODate));
    if (toDate.isValid())
        o.insert(QStringLiteral("toDate"), toDate.toString(Qt::ISODate));
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

FindingsFilter FindingsFilter::fromJson(const QByteArray& json)
{
    FindingsFilter filter;
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    if (o.isEmpty())
        return filter;
    filter.types = enumList(o.value(QStringLiteral("types")), api::FindingType::Code, api::FindingType::Platform);
    filter.severities
        = enumList(o.value(QStringLiteral("severities")), api::Severity::Critical, api::Severity::Informational);
    if (const int status = o.value(QStringLiteral("status")).toInt(-1); status >= 0 && status <= int(Status::Fixed))
        filter.status = Status(status);
    filter.repositories = stringList(o.value(QStringLiteral("repositories")));
    filter.branches = stringList(o.value(QStringLiteral("branches")));
    for (const QString& cwe : stringList(o.value(QStringLiteral("cwes")))) {
        if (const QString name = cweName(cwe); !name.isEmpty())
            filter.cwes.append(name);
    }
    filter.lastDays = std::clamp(o.value(QStringLiteral("lastDays")).toInt(), 0, 3660);
    filter.fromDate = QDate::fromString(o.value(QStringLiteral("fromDate")).toString(), Qt::ISODate);
    filter.toDate = QDate::fromString(o.value(QStringLiteral("toDate")).toString(), Qt::ISODate);
    filter.search = o.value(QStringLiteral("search")).toString();
    if (const int sort = o.value(QStringLiteral("sort")).toInt(-1); sort >= 0 && sort <= int(Sort::HighestPriority))
        filter.sort = Sort(sort);
    return filter;
}

} // namespace nullify::ui
