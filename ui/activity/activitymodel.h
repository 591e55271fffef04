#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

namespace nullify::ui {

class RequestTracker;
struct RequestRecord;

// The activity panel's table: one row per request in the tracker's history, oldest first.
// Shows method, path (query values that look secret redacted), attempts with their statuses and
// waits, and the outcome. Built only from RequestRecord, which never holds headers, bodies or
// Qt's error strings, so a token has no way into a cell or a tooltip.
class ActivityModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        MethodColumn,
        PathColumn,
        AttemptsColumn,
        StatusColumn,
        WaitsColumn,
        OutcomeColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RequestIdRole = Qt::UserRole + 1, // quint64
        SortRole, // a value that sorts naturally (times, numbers) for a QSortFilterProxyModel
        OutcomeRole, // int(RequestRecord::Outcome)
    };

    explicit ActivityModel(RequestTracker* tracker, QObject* parent = nullptr);
    ~ActivityModel() override;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    quint64 requestId(int row) const;
    int rowOf(quint64 requestId) const; // -1 when not shown
    RequestTracker* tracker() const { return m_tracker; }

    static QString outcomeText(const RequestRecord& record);
    static QString statusText(const RequestRecord& record); // the latest attempt's status or error
    static QString waitsText(const RequestRecord& record); // "3 s, 1 s" (planned waits between attempts)
    static QString attemptsDetail(const RequestRecord& record); // one line per attempt, for a tooltip

private:
    void onStarted(quint64 id);
    void onChanged(quint64 id);
    void onDropped(quint64 id);
    QVariant display(const RequestRecord& record, int column) const;
    QVariant sortValue(const RequestRecord& record, int column) const;

    QPointer<RequestTracker> m_tracker;
    QList<quint64> m_ids; // increasing, as the tracker's history
};

} // namespace nullify::ui
