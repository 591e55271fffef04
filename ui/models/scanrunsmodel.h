#pragma once

#include "pager.h"
#include "types.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

namespace nullify::ui {

// One repository's scan-run history across scanners (/sast|secrets|sca/scan-runs): scanner,
// status, branch, commit, start and end, new/fixed/live findings and the counts by severity.
// Runs of several scanners live side by side; sort by StartedColumn for one timeline.
class ScanRunsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        ScannerColumn,
        StatusColumn,
        BranchColumn,
        CommitColumn,
        StartedColumn,
        CompletedColumn,
        NewColumn,
        FixedColumn,
        LiveColumn,
        CriticalColumn,
        HighColumn,
        MediumColumn,
        LowColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1, // numbers as int, times as QDateTime, texts as QString
        ScanRunIdRole, // QString
        ScannerRole, // int(api::Scanner)
        ScanStatusRole, // int(api::ScanStatus)
        IsFinalRole, // bool: the run will not change any more
    };

    explicit ScanRunsModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The repository whose history this is; changing it clears the model (and its pagers).
    void setRepositoryId(const QString& repositoryId);
    QString repositoryId() const { return m_repositoryId; }

    void append(api::Scanner scanner, const QList<api::ScanRun>& runs);
    void clear(); // also lets go of every pager
    // Follows a pager of one scanner's runs (one pager per scanner may be added). When the pager is
    // reset, that scanner's rows go.
    void addPager(api::ScanRunPager* pager, api::Scanner scanner);

    api::Scanner scanner(int row) const { return m_rows.at(row).scanner; }
    const api::ScanRun& run(int row) const { return m_rows.at(row).run; }
    int count() const { return int(m_rows.size()); }

private:
    struct Row
    {
        api::Scanner scanner;
        api::ScanRun run;
    };
    void removeScanner(api::Scanner scanner);

    QString m_repositoryId;
    QList<Row> m_rows;
    QList<QPointer<api::ScanRunPager>> m_pagers;
    QList<QMetaObject::Connection> m_pagerConnections;
};

} // namespace nullify::ui
