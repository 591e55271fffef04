#include "scanrunsmodel.h"

#include "displaytext.h"

namespace nullify::ui {

ScanRunsModel::ScanRunsModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

int ScanRunsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ScanRunsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ScanRunsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Row& row = m_rows.at(index.row());
    const api::ScanRun& run = row.run;
    const int column = index.column();

    switch (role) {
    case ScanRunIdRole:
        return run.scanRunId;
    case ScannerRole:
        return int(row.scanner);
    case ScanStatusRole:
        return int(run.status);
    case IsFinalRole:
        return api::isFinal(run.status);
    case Qt::TextAlignmentRole:
        if (column >= NewColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant();
    case Qt::ToolTipRole:
        switch (column) {
        case StatusColumn:
            if (!run.errorMessage.isEmpty())
                return run.errorMessage;
            break;
        case BranchColumn:
            if (run.isDefaultBranch.value_or(false))
                return tr("%1 (the default branch)").arg(run.branch);
            break;
        case CommitColumn:
            return run.commitHash;
        case StartedColumn:
            return DisplayText::longDateTime(run.startedAt);
        case CompletedColumn:
            return run.completedAt.isValid() ? DisplayText::longDateTime(run.completedAt) : tr("Not finished");
        }
        return data(index, Qt::DisplayRole);
    case SortRole:
        switch (column) {
        case StartedColumn:
            return run.startedAt;
        case CompletedColumn:
            return run.completedAt;
        case CommitColumn:
            return run.commitHash;
        }
        if (column >= NewColumn)
            return data(index, Qt::DisplayRole).toInt();
        return data(index, Qt::DisplayRole);
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        switch (column) {
        case ScannerColumn:
            return DisplayText::scanner(row.scanner);
        case StatusColumn:
            return DisplayText::scanStatus(run.status, run.statusText);
        case BranchColumn:
            return run.branch;
        case CommitColumn:
            return run.commitHash.left(8); // enough to tell commits apart in a list; full in the tool tip
        case StartedColumn:
            return DisplayText::dateTime(run.startedAt);
        case CompletedColumn:
            return DisplayText::dateTime(run.completedAt);
        case NewColumn:
            return run.newFindings;
        case FixedColumn:
            return run.fixedFindings;
        case LiveColumn:
            return run.liveFindings;
        case CriticalColumn:
            return run.critical;
        case HighColumn:
            return run.high;
        case MediumColumn:
            return run.medium;
        case LowColumn:
            return run.low;
        }
    }
    return QVariant();
}

QVariant ScanRunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ScannerColumn:
        return tr("Scanner");
    case StatusColumn:
        return tr("Status");
    case BranchColumn:
        return tr("Branch");
    case CommitColumn:
        return tr("Commit");
    case StartedColumn:
        return tr("Started");
    case CompletedColumn:
        return tr("Completed");
    case NewColumn:
        return role == Qt::ToolTipRole ? tr("Findings this run found for the first time") : tr("New");
    case FixedColumn:
        return role == Qt::ToolTipRole ? tr("Findings this run no longer found") : tr("Fixed");
    case LiveColumn:
        return role == Qt::ToolTipRole ? tr("Findings open after this run") : tr("Live");
    case CriticalColumn:
        return tr("Critical");
    case HighColumn:
        return tr("High");
    case MediumColumn:
        return tr("Medium");
    case LowColumn:
        return tr("Low");
    }
    return QVariant();
}

void ScanRunsModel::setRepositoryId(const QString& repositoryId)
{
    if (repositoryId == m_repositoryId)
        return;
    m_repositoryId = repositoryId;
    clear();
}

void ScanRunsModel::append(api::Scanner scanner, const QList<api::ScanRun>& runs)
{
    if (runs.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows(QModelIndex(), first, first + int(runs.size()) - 1);
    for (const api::ScanRun& run : runs)
        m_rows.append(Row {scanner, run});
    endInsertRows();
}

void ScanRunsModel::clear()
{
    for (const auto& connection : std::as_const(m_pagerConnections))
        disconnect(connection);
    m_pagerConnections.clear();
    m_pagers.clear();
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void ScanRunsModel::addPager(api::ScanRunPager* pager, api::Scanner scanner)
{
    if (!pager)
        return;
    m_pagers.append(pager);
    QPointer<api::ScanRunPager> guard(pager);
    append(scanner, pager->items());
    m_pagerConnections << connect(
        pager, &api::Pager::itemsAppended, this, [this, guard, scanner](int first, int count) {
            if (guard)
                append(scanner, guard->items().mid(first, count));
        }) << connect(pager, &api::Pager::cleared, this, [this, scanner] { removeScanner(scanner); });
}

void ScanRunsModel::removeScanner(api::Scanner scanner)
{
    // Rows of one scanner may be spread out (pages of two scanners arrive interleaved); remove each
    // contiguous block from the end so earlier row numbers stay right.
    int row = int(m_rows.size()) - 1;
    while (row >= 0) {
        if (m_rows.at(row).scanner != scanner) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && m_rows.at(first - 1).scanner == scanner)
            --first;
        beginRemoveRows(QModelIndex(), first, row);
        m_rows.remove(first, row - first + 1);
        endRemoveRows();
        row = first - 1;
    }
}

} // namespace nullify::ui
