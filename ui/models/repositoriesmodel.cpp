#include "repositoriesmodel.h"

#include "displaytext.h"

#include <algorithm>

namespace nullify::ui {

namespace {

// Critical first, then high, medium, low: each count capped at 9,999 so all four fit one qint64.
qint64 severityKey(const api::ScanRun& run)
{
    const auto capped = [](int count) { return qint64(std::clamp(count, 0, 9999)); };
    return ((capped(run.critical) * 10000 + capped(run.high)) * 10000 + capped(run.medium)) * 10000 + capped(run.low);
}

} // namespace

RepositoriesModel::RepositoriesModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

int RepositoriesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RepositoriesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RepositoriesModel::classificationText(const QString& classification)
{
    if (classification == QLatin1String("application"))
        return tr("Application");
    if (classification == QLatin1String("infrastructure"))
        return tr("Infrastructure");
    if (classification == QLatin1String("library"))
        return tr("Library");
    if (classification == QLatin1String("mixed"))
        return tr("Mixed");
    return classification;
}

QString RepositoriesModel::exposureText(const QString& exposure)
{
    if (exposure == QLatin1String("internet_facing"))
        return tr("Internet-facing");
    if (exposure == QLatin1String("internal"))
        return tr("Internal");
    if (exposure == QLatin1String("library"))
        return tr("Library");
    return exposure;
}

QVariant RepositoriesModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const api::Repository& repo = m_rows.at(index.row());
    const int column = index.column();
    if (role == IdRole)
        return repo.id;

    if (column >= SastColumn) {
        const auto scanner = api::Scanner(column - SastColumn);
        const auto it = m_latest.constFind(repo.id);
        const api::ScanRun* run
            = it != m_latest.constEnd() && (*it)[column - SastColumn] ? &*(*it)[column - SastColumn] : nullptr;
        return runData(run, scanner, role);
    }

    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
    case SortRole:
        switch (column) {
        case NameColumn:
            return repo.name;
        case ClassificationColumn:
            return classificationText(repo.classification);
        case ExposureColumn:
            return exposureText(repo.networkExposure);
        case TechnologiesColumn:
            return repo.technologies.join(QStringLiteral(", "));
        }
        break;
    case Qt::ToolTipRole:
        if (column == NameColumn) {
            QStringList lines {repo.name};
            if (!repo.description.isEmpty())
                lines << repo.description;
            if (repo.isPublic)
                lines << (*repo.isPublic ? tr("Public repository") : tr("Private repository"));
            if (repo.isMonorepo.value_or(false))
                lines << tr("Monorepo");
            return lines.join(QLatin1Char('\n'));
        }
        return data(index, Qt::DisplayRole);
    }
    return QVariant();
}

QVariant RepositoriesModel::runData(const api::ScanRun* run, api::Scanner scanner, int role) const
{
    switch (role) {
    case ScannerRole:
        return int(scanner);
    case SortRole:
        return run ? severityKey(*run) : qint64(-1);
    }
    if (!run)
        return role == Qt::AccessibleTextRole ? tr("No scan yet") : QVariant();
    const QString status = DisplayText::scanStatus(run->status, run->statusText);
    switch (role) {
    case Qt::DisplayRole:
        if (run->status != api::ScanStatus::Completed)
            return status;
        return tr("%1 · %2 critical, %3 high").arg(status).arg(run->critical).arg(run->high);
    case Qt::AccessibleTextRole:
    case Qt::ToolTipRole: {
        QStringList lines {tr("%1 scan: %2").arg(DisplayText::scanner(scanner), status)};
        if (!run->branch.isEmpty())
            lines << tr("Branch %1, commit %2").arg(run->branch, run->commitHash.left(12));
        if (run->startedAt.isValid())
            lines << tr("Started %1").arg(DisplayText::dateTime(run->startedAt));
        if (run->completedAt.isValid())
            lines << tr("Completed %1").arg(DisplayText::dateTime(run->completedAt));
        lines << tr("%1 critical, %2 high, %3 medium, %4 low")
                     .arg(run->critical)
                     .arg(run->high)
                     .arg(run->medium)
                     .arg(run->low);
        lines << tr("%1 new, %2 fixed, %3 live").arg(run->newFindings).arg(run->fixedFindings).arg(run->liveFindings);
        if (!run->errorMessage.isEmpty())
            lines << run->errorMessage;
        return lines.join(QLatin1Char('\n'));
    }
    case ScanStatusRole:
        return int(run->status);
    case ScanRunIdRole:
        return run->scanRunId;
    }
    return QVariant();
}

QVariant RepositoriesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ClassificationColumn:
        return tr("Classification");
    case ExposureColumn:
        return tr("Exposure");
    case TechnologiesColumn:
        return tr("Technologies");
    case SastColumn:
    case SecretsColumn:
    case DependenciesColumn:
    case ContainersColumn: {
        const QString scanner = DisplayText::scanner(api::Scanner(section - SastColumn));
        return role == Qt::ToolTipRole ? tr("The latest %1 scan").arg(scanner) : scanner;
    }
    }
    return QVariant();
}

void RepositoriesModel::append(const QList<api::Repository>& repositories)
{
    if (repositories.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows(QModelIndex(), first, first + int(repositories.size()) - 1);
    m_rows.append(repositories);
    for (int row = first; row < m_rows.size(); ++row)
        m_rowById.insert(m_rows.at(row).id, row);
    endInsertRows();
}

void RepositoriesModel::setRepositories(const QList<api::Repository>& repositories)
{
    beginResetModel();
    m_rows = repositories;
    m_rowById.clear();
    for (int row = 0; row < m_rows.size(); ++row)
        m_rowById.insert(m_rows.at(row).id, row);
    endResetModel();
}

void RepositoriesModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    m_latest.clear();
    endResetModel();
}

void RepositoriesModel::setPager(api::RepositoryPager* pager)
{
    for (const auto& connection : std::as_const(m_pagerConnections))
        disconnect(connection);
    m_pagerConnections.clear();
    m_pager = pager;
    setRepositories(pager ? pager->items() : QList<api::Repository>());
    if (!pager)
        return;
    m_pagerConnections << connect(pager, &api::Pager::itemsAppended, this, [this](int first, int count) {
        if (m_pager)
            append(m_pager->items().mid(first, count));
    }) << connect(pager, &api::Pager::cleared, this, [this] { setRepositories({}); });
}

void RepositoriesModel::setLatestRun(const QString& repositoryId, api::Scanner scanner, const api::ScanRun& run)
{
    m_latest[repositoryId][int(scanner)] = run;
    const int row = rowOf(repositoryId);
    if (row >= 0) {
        const QModelIndex cell = index(row, columnOf(scanner));
        emit dataChanged(cell, cell);
    }
}

std::optional<api::ScanRun> RepositoriesModel::latestRun(const QString& repositoryId, api::Scanner scanner) const
{
    const auto it = m_latest.constFind(repositoryId);
    return it == m_latest.constEnd() ? std::nullopt : (*it)[int(scanner)];
}

} // namespace nullify::ui
