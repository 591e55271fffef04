#include "findingsfilterproxy.h"

#include "displaytext.h"

#include <QLoggingCategory>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcFindingsFilter, "nullify.ui.models.findingsfilter", QtInfoMsg)

namespace {

template <typename Enum> quint32 maskOf(const QSet<Enum>& values, int (*bit)(Enum))
{
    quint32 mask = 0;
    for (const Enum value : values)
        mask |= 1u << bit(value);
    return mask;
}

int typeBit(api::FindingType type)
{
    return int(type);
}

int severityBit(api::Severity severity)
{
    return severityRank(severity);
}

int statusBit(FindingsModel::Status status)
{
    return int(status);
}

} // namespace

FindingsFilterProxy::FindingsFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(FindingsModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(false); // locale-aware collation is ~10x slower per comparison
}

void FindingsFilterProxy::setSourceModel(QAbstractItemModel* model)
{
    auto* findings = qobject_cast<FindingsModel*>(model);
    if (model && !findings) {
        qCWarning(lcFindingsFilter) << "not a FindingsModel:" << model;
        return;
    }
    m_model = findings;
    m_repositoryAccepted.clear();
    QSortFilterProxyModel::setSourceModel(model);
}

void FindingsFilterProxy::setTypes(const QSet<api::FindingType>& types)
{
    if (types == m_types)
        return;
    m_types = types;
    m_typeMask = maskOf(types, typeBit);
    refilter();
}

void FindingsFilterProxy::setSeverities(const QSet<api::Severity>& severities)
{
    if (severities == m_severities)
        return;
    m_severities = severities;
    m_severityMask = maskOf(severities, severityBit);
    refilter();
}

void FindingsFilterProxy::setStatuses(const QSet<FindingsModel::Status>& statuses)
{
    if (statuses == m_statuses)
        return;
    m_statuses = statuses;
    m_statusMask = maskOf(statuses, statusBit);
    refilter();
}

void FindingsFilterProxy::setRepositories(const QSet<QString>& names)
{
    if (names == m_repositories)
        return;
    m_repositories = names;
    m_repositoryAccepted.clear();
    refilter();
}

void FindingsFilterProxy::setSearchText(const QString& text)
{
    if (text == m_searchText)
        return;
    m_searchText = text;
    // A line break would let a pasted needle match across two fields of the haystack.
    QString needle = text.trimmed().toLower();
    needle.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (needle == m_needle)
        return; // only blanks changed: the same rows
    m_needle = needle;
    refilter();
}

void FindingsFilterProxy::clearFilters()
{
    if (!isFiltering() && m_searchText.isEmpty())
        return;
    m_types.clear();
    m_severities.clear();
    m_statuses.clear();
    m_repositories.clear();
    m_searchText.clear();
    m_typeMask = m_severityMask = m_statusMask = 0;
    m_needle.clear();
    m_repositoryAccepted.clear();
    refilter();
}

bool FindingsFilterProxy::isFiltering() const
{
    return m_typeMask || m_severityMask || m_statusMask || !m_repositories.isEmpty() || !m_needle.isEmpty();
}

int FindingsFilterProxy::sourceRow(int proxyRow) const
{
    return mapToSource(index(proxyRow, 0)).row();
}

void FindingsFilterProxy::setClientSortEnabled(bool enabled)
{
    m_clientSort = enabled;
    if (!enabled && sortColumn() >= 0)
        QSortFilterProxyModel::sort(-1); // back to the source's order
}

void FindingsFilterProxy::sort(int column, Qt::SortOrder order)
{
    if (!m_clientSort && column >= 0)
        return;
    QSortFilterProxyModel::sort(column, order);
}

void FindingsFilterProxy::refilter()
{
    // One pass over the source and one sort of what is left. invalidateRowsFilter() would remove
    // the rejected rows interval by interval, rebuilding the whole mapping for each interval.
    invalidate();
}

bool FindingsFilterProxy::repositoryAccepted(int key) const
{
    const QStringList& names = m_model->repositoryNames();
    if (key >= int(m_repositoryAccepted.size())) {
        const int known = int(m_repositoryAccepted.size());
        m_repositoryAccepted.resize(names.size());
        for (int k = known; k < names.size(); ++k)
            m_repositoryAccepted[k] = m_repositories.contains(names.at(k));
    }
    return key >= 0 && key < int(m_repositoryAccepted.size()) && m_repositoryAccepted[key];
}

bool FindingsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (!m_model || sourceParent.isValid())
        return false;
    const FindingsModel::RowKeys& k = m_model->keys(sourceRow);
    if (m_typeMask && !(m_typeMask & (1u << k.type)))
        return false;
    if (m_severityMask && !(m_severityMask & (1u << k.severityRank)))
        return false;
    if (m_statusMask && !(m_statusMask & (1u << k.status)))
        return false;
    if (!m_repositories.isEmpty() && !repositoryAccepted(k.repository))
        return false;
    return m_needle.isEmpty() || k.haystack.contains(m_needle);
}

bool FindingsFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    // The fast path orders exactly like the SortRole values under these settings; under any
    // other the base class decides.
    if (m_model && sortRole() == FindingsModel::SortRole && sortCaseSensitivity() == Qt::CaseInsensitive
        && !isSortLocaleAware() && left.model() == m_model && right.model() == m_model
        && left.column() == right.column())
        return m_model->lessThan(left.row(), right.row(), left.column());
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace nullify::ui
