#pragma once

#include "pager.h"
#include "types.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QPalette>
#include <QPointer>
#include <QStringList>

#include <array>
#include <optional>
#include <unordered_map>

namespace nullify::ui {

// The findings list: one row per api::Finding of POST /admin/findings.
//
// Built for 100,000 rows. Everything a filter or a sort needs is computed once per row when the
// row arrives (RowKeys: a lowercase search text, ranks and times as plain numbers, the repository
// as a small integer), so FindingsFilterProxy never builds a string or a QVariant per row. Display
// texts are made on demand: a view asks only for the rows it shows.
//
// The rows come from append() or from a bound FindingsPager, and neither copies a finding: the
// model keeps each appended page as the QList it came in (implicitly shared), or reads the pager's
// own list and follows its itemsAppended and cleared. Copying 100,000 findings alone takes longer
// than the whole load may.
class FindingsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        SeverityColumn,
        StatusColumn, // early, so it is on screen at the default width
        TitleColumn,
        TypeColumn,
        RepositoryColumn,
        LocationColumn, // File:line
        AutofixColumn,
        UpdatedColumn,
        CreatedColumn, // "First seen": the time the server's created_at sort presets order by
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        // A value that sorts the column: the severity rank (higher is more severe), the status as
        // Status, times as QDateTime, texts as QString. FindingsFilterProxy sorts by it.
        SortRole = Qt::UserRole + 1,
        IdRole, // QString: the finding's id
        // int(api::FindingService) serving /{service}/findings/{id}; invalid QVariant when no
        // service serves the finding's type (a details pane then shows the row's own fields).
        ServiceRole,
        ServicePathRole, // QString: api::pathOf(service), "" when none
        FindingTypeRole, // int(api::FindingType)
        SeverityRole, // int(api::Severity)
        StatusRole, // int(Status)
        RepositoryRole, // QString: the repository name
        RepositoryIdRole, // QString
        AutofixStateRole, // int(api::AutofixState)
    };

    enum class Status : quint8 { Open, Allowlisted, Resolved };
    Q_ENUM(Status)
    static Status statusOf(const api::Finding& finding);
    static QString statusText(Status status);

    // What append() computes per row for filtering and sorting.
    struct RowKeys
    {
        // The row's finding inside a kept page. The page is never modified, so its buffer stays
        // put; nullptr when the rows are the pager's (its list grows, so rows go by index there).
        const api::Finding* finding = nullptr;
        // title, aiTitle (when different), file, repository, rule and CWE, lowercase, separated by
        // '\n' so a search never matches across two fields.
        QString haystack;
        qint64 updatedMs = 0; // ms since the epoch; the smallest qint64 when the server sent none
        int repository = -1; // index into repositoryNames()
        int line = -1; // startLine, -1 when none
        quint8 severityRank = 0; // severityRank()
        quint8 type = 0; // api::FindingType
        quint8 status = 0; // Status
    };

    explicit FindingsModel(QObject* parent = nullptr);
    ~FindingsModel() override;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Adds rows at the end (one beginInsertRows for the whole page). Ignored, with a warning,
    // while a pager is bound: the pager owns the list then.
    void append(const QList<api::Finding>& findings);
    // Replaces every row (one model reset) and unbinds the pager, if any.
    void setFindings(const QList<api::Finding>& findings);
    // Forgets every row and unbinds the pager, if any.
    void clear();

    // Shows pager's items and follows it: rows are appended on itemsAppended and all go on
    // cleared. Items the pager already holds are shown at once. nullptr unbinds (and clears).
    void setPager(api::FindingsPager* pager);
    api::FindingsPager* pager() const { return m_pager; }

    const api::Finding& finding(int row) const
    {
        if (!m_edited.empty()) {
            const auto it = m_edited.find(row);
            if (it != m_edited.end())
                return it->second;
        }
        return m_pagerItems ? m_pagerItems->at(row) : *m_keys.at(row).finding;
    }
    // Shows finding in row from now on (a triage write the server accepted): the row's keys are
    // made again and the row repainted. The kept pages and the pager's list are never modified;
    // the edit is kept beside them until the rows are reset.
    void replaceFinding(int row, const api::Finding& finding);
    // The same for many rows at once (a batch answer): one dataChanged over the rows' span, so a
    // view and a sorting proxy react once, not once per row.
    void replaceFindings(const QList<QPair<int, api::Finding>>& rows);
    int count() const { return int(m_keys.size()); }
    // The row of the finding with this id, or -1. Linear: for a selection, not per row.
    int rowOf(const QString& id) const;
    static std::optional<api::FindingService> serviceOf(const api::Finding& finding);

    // The palette the severity colours are made for (default: the application's). A view calls
    // this again on QEvent::PaletteChange; the severity column is then repainted.
    void setPalette(const QPalette& palette);

    // For FindingsFilterProxy and the sort: the precomputed keys of a row.
    const RowKeys& keys(int row) const { return m_keys.at(row); }
    const QStringList& repositoryNames() const { return m_repositoryNames; }
    // The comparison the proxy uses for column: the same order as comparing SortRole values
    // (texts with QString::compare(Qt::CaseInsensitive)), without building a QVariant. Text
    // columns compare case-folded keys made once per row, on the first sort by that column.
    bool lessThan(int leftRow, int rightRow, int column) const;

    // The columns POST /admin/findings can sort by (its sortPreset): Severity and First seen.
    static bool isServerSortable(int column);

    static QString titleOf(const api::Finding& finding);
    static QString locationOf(const api::Finding& finding);

private:
    QVariant display(const api::Finding& finding, const RowKeys& keys, int column) const;
    QVariant sortValue(const api::Finding& finding, const RowKeys& keys, int column) const;
    QVariant toolTip(const api::Finding& finding, const RowKeys& keys, int column) const;
    RowKeys keysFor(const api::Finding& finding);
    // Keys for rows [first, first + count) of the pager's list, or of the page just kept.
    void computeKeys(int first, int count);
    void forgetRows();
    const QString& textSortKey(int row, int column) const;
    const QString& repositorySortKey(int repository) const;
    void onPagerAppended(int first, int count);
    void unbindPager();

    QList<QList<api::Finding>> m_pages; // what append() was given, when no pager is bound
    const QList<api::Finding>* m_pagerItems = nullptr; // the bound pager's items()
    QPointer<api::FindingsPager> m_pager;
    QList<QMetaObject::Connection> m_pagerConnections;
    QList<RowKeys> m_keys; // one per shown row: rowCount() is its size, never the source's
    // Rows changed by replaceFinding(), by row. A node container: RowKeys::finding may point into it.
    std::unordered_map<int, api::Finding> m_edited;
    QStringList m_repositoryNames; // repository key → name
    QHash<QString, int> m_repositoryKeys; // name → key
    QPalette m_palette;
    // Case-folded sort keys of the text columns, per row, made when first sorted by. Rows are only
    // ever appended, so a key list is extended, never redone, until the rows are reset.
    mutable std::array<QStringList, ColumnCount> m_textSortKeys;
    mutable QStringList m_repositorySortKeys; // per repository key
};

} // namespace nullify::ui
