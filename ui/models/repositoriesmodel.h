#pragma once

#include "pager.h"
#include "types.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QPointer>

#include <array>
#include <optional>

namespace nullify::ui {

// The repositories list (GET /context/repositories): name, classification, exposure, technologies,
// and one column per scanner with its latest scan run (status and counts), filled in as the scan
// runs arrive through setLatestRun(). A run may arrive before its repository; it is kept and shown
// when the repository does.
class RepositoriesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        ClassificationColumn,
        ExposureColumn,
        TechnologiesColumn,
        SastColumn, // the latest run of each scanner, in api::Scanner order
        SecretsColumn,
        DependenciesColumn,
        ContainersColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    static constexpr int scannerCount = 4;

    enum Role {
        // Texts as QString; a scanner column's latest run by severity (critical first, then high,
        // medium, low), -1 when there is none.
        SortRole = Qt::UserRole + 1,
        IdRole, // QString: the repository id (for its scan-run history)
        ScannerRole, // scanner columns: int(api::Scanner)
        ScanStatusRole, // scanner columns: int(api::ScanStatus) of the latest run; invalid when none
        ScanRunIdRole, // scanner columns: QString
    };

    explicit RepositoriesModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void append(const QList<api::Repository>& repositories);
    void setRepositories(const QList<api::Repository>& repositories);
    // Forgets the repositories and every latest run.
    void clear();
    // Follows pager: appends what it loads, clears when it is reset. nullptr unbinds.
    void setPager(api::RepositoryPager* pager);

    void setLatestRun(const QString& repositoryId, api::Scanner scanner, const api::ScanRun& run);
    std::optional<api::ScanRun> latestRun(const QString& repositoryId, api::Scanner scanner) const;

    const api::Repository& repository(int row) const { return m_rows.at(row); }
    int count() const { return int(m_rows.size()); }
    int rowOf(const QString& repositoryId) const { return m_rowById.value(repositoryId, -1); }

    static int columnOf(api::Scanner scanner) { return SastColumn + int(scanner); }
    static QString classificationText(const QString& classification);
    static QString exposureText(const QString& exposure);

private:
    using LatestRuns = std::array<std::optional<api::ScanRun>, scannerCount>;
    QVariant runData(const api::ScanRun* run, api::Scanner scanner, int role) const;

    QList<api::Repository> m_rows;
    QHash<QString, int> m_rowById;
    QHash<QString, LatestRuns> m_latest; // by repository id
    QPointer<api::RepositoryPager> m_pager;
    QList<QMetaObject::Connection> m_pagerConnections;
};

} // namespace nullify::ui
