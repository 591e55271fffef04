#include "activitymodel.h"

#include "requesttracker.h"

#include <QLocale>

#include <algorithm>

namespace nullify::ui {

namespace {

QString seconds(qint64 ms)
{
    // Whole seconds read best; below 10 s one decimal keeps backoff waits (0.5 s) visible.
    if (ms < 10'000 && ms % 1000 != 0)
        return ActivityModel::tr("%1 s").arg(QLocale().toString(ms / 1000.0, 'f', 1));
    return ActivityModel::tr("%1 s").arg(QLocale().toString((ms + 500) / 1000));
}

QString attemptStatus(const AttemptRecord& attempt)
{
    if (!attempt.ended)
        return ActivityModel::tr("sending");
    if (!attempt.reason.isEmpty())
        return attempt.reason;
    return attempt.httpStatus != 0 ? QStringLiteral("HTTP %1").arg(attempt.httpStatus)
                                   : RequestTracker::describeError(attempt.error);
}

} // namespace

ActivityModel::ActivityModel(RequestTracker* tracker, QObject* parent)
    : QAbstractTableModel(parent)
    , m_tracker(tracker)
{
    Q_ASSERT(tracker);
    for (const RequestRecord& record : tracker->records())
        m_ids.append(record.id);
    connect(tracker, &RequestTracker::requestStarted, this, &ActivityModel::onStarted);
    connect(tracker, &RequestTracker::requestUpdated, this, &ActivityModel::onChanged);
    connect(tracker, &RequestTracker::requestFinished, this, &ActivityModel::onChanged);
    connect(tracker, &RequestTracker::requestDropped, this, &ActivityModel::onDropped);
    connect(tracker, &QObject::destroyed, this, [this] {
        beginResetModel();
        m_ids.clear();
        endResetModel();
    });
}

ActivityModel::~ActivityModel() = default;

int ActivityModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_ids.size());
}

int ActivityModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

quint64 ActivityModel::requestId(int row) const
{
    return row >= 0 && row < m_ids.size() ? m_ids.at(row) : 0;
}

int ActivityModel::rowOf(quint64 requestId) const
{
    auto it = std::lower_bound(m_ids.cbegin(), m_ids.cend(), requestId);
    return it != m_ids.cend() && *it == requestId ? int(it - m_ids.cbegin()) : -1;
}

void ActivityModel::onStarted(quint64 id)
{
    const int row = int(m_ids.size());
    beginInsertRows(QModelIndex(), row, row);
    m_ids.append(id);
    endInsertRows();
}

void ActivityModel::onChanged(quint64 id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ActivityModel::onDropped(quint64 id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows(QModelIndex(), row, row);
    m_ids.removeAt(row);
    endRemoveRows();
}

QVariant ActivityModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case MethodColumn:
        return tr("Method");
    case PathColumn:
        return tr("Path");
    case AttemptsColumn:
        return tr("Attempts");
    case StatusColumn:
        return tr("Last status");
    case WaitsColumn:
        return tr("Waits");
    case OutcomeColumn:
        return tr("Outcome");
    default:
        return QVariant();
    }
}

QHash<int, QByteArray> ActivityModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(RequestIdRole, "requestId");
    names.insert(SortRole, "sortValue");
    names.insert(OutcomeRole, "outcome");
    return names;
}

QVariant ActivityModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_tracker)
        return QVariant();
    const RequestRecord* record = m_tracker->record(m_ids.at(index.row()));
    if (!record)
        return QVariant();
    switch (role) {
    case Qt::DisplayRole:
        return display(*record, index.column());
    case Qt::ToolTipRole:
        if (index.column() == PathColumn)
            return record->path;
        return attemptsDetail(*record);
    case Qt::TextAlignmentRole:
        if (index.column() == AttemptsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant();
    case RequestIdRole:
        return QVariant::fromValue(record->id);
    case SortRole:
        return sortValue(*record, index.column());
    case OutcomeRole:
        return int(record->outcome);
    default:
        return QVariant();
    }
}

QVariant ActivityModel::display(const RequestRecord& record, int column) const
{
    switch (column) {
    case TimeColumn:
        return QLocale().toString(record.startedAt.toLocalTime().time(), QStringLiteral("HH:mm:ss"));
    case MethodColumn:
        return QString::fromLatin1(record.method);
    case PathColumn:
        return record.path;
    case AttemptsColumn:
        return int(record.attempts.size());
    case StatusColumn:
        return statusText(record);
    case WaitsColumn:
        return waitsText(record);
    case OutcomeColumn:
        return outcomeText(record);
    default:
        return QVariant();
    }
}

QVariant ActivityModel::sortValue(const RequestRecord& record, int column) const
{
    switch (column) {
    case TimeColumn:
        return record.startedAt;
    case AttemptsColumn:
        return int(record.attempts.size());
    case StatusColumn: {
        const AttemptRecord* last = record.lastAttempt();
        return last ? last->httpStatus : 0;
    }
    case WaitsColumn: {
        qint64 total = 0;
        for (const AttemptRecord& attempt : record.attempts)
            total += attempt.waitMs;
        return total;
    }
    case OutcomeColumn:
        return int(record.outcome);
    default:
        return display(record, column);
    }
}

QString ActivityModel::statusText(const RequestRecord& record)
{
    const AttemptRecord* last = record.lastAttempt();
    if (!last)
        return QString();
    // While the next attempt is under way, the latest known status is the previous attempt's.
    if (!last->ended && record.attempts.size() > 1)
        return attemptStatus(record.attempts.at(record.attempts.size() - 2));
    return last->ended ? attemptStatus(*last) : QString();
}

QString ActivityModel::waitsText(const RequestRecord& record)
{
    QStringList waits;
    for (const AttemptRecord& attempt : record.attempts) {
        if (attempt.waitMs > 0)
            waits << seconds(attempt.waitMs);
    }
    return waits.join(QStringLiteral(", "));
}

QString ActivityModel::outcomeText(const RequestRecord& record)
{
    switch (record.outcome) {
    case RequestRecord::Outcome::InFlight:
        return tr("In progress");
    case RequestRecord::Outcome::WaitingToRetry:
        return tr("Waiting to retry");
    case RequestRecord::Outcome::Succeeded:
        return tr("Done in %1").arg(seconds(record.durationMs()));
    case RequestRecord::Outcome::Failed:
        if (record.retryAfterUntil.isValid())
            return tr("Failed: the server asks to wait until %1")
                .arg(QLocale().toString(record.retryAfterUntil.toLocalTime().time(), QLocale::ShortFormat));
        return record.finalStatus != 0 ? tr("Failed: HTTP %1").arg(record.finalStatus)
                                       : tr("Failed: %1").arg(RequestTracker::describeError(record.finalError));
    case RequestRecord::Outcome::Cancelled:
        return tr("Cancelled");
    case RequestRecord::Outcome::TimedOut:
        return tr("Timed out");
    }
    return QString();
}

QString ActivityModel::attemptsDetail(const RequestRecord& record)
{
    QStringList lines;
    for (const AttemptRecord& attempt : record.attempts) {
        QString line = tr("Attempt %1 at %2: %3")
                           .arg(attempt.number)
                           .arg(QLocale().toString(attempt.startedAt.toLocalTime().time(), QStringLiteral("HH:mm:ss")),
                                attemptStatus(attempt));
        if (attempt.waitMs > 0)
            line += attempt.waitFromRetryAfter
                ? tr(", next attempt after %1 (Retry-After)").arg(seconds(attempt.waitMs))
                : tr(", next attempt after %1").arg(seconds(attempt.waitMs));
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace nullify::ui
