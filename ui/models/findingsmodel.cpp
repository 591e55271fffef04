#include "findingsmodel.h"

#include "displaytext.h"
#include "utctime.h"

#include <QGuiApplication>
#include <QLoggingCategory>

#include <limits>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcFindingsModel, "nullify.ui.models.findings", QtInfoMsg)

namespace {

constexpr qint64 noTime = std::numeric_limits<qint64>::min();

// A key whose plain (UTF-16 code unit) order is QString::compare(..., Qt::CaseInsensitive)'s
// order: that compare folds each code point with the simple case folding QChar::toCaseFolded()
// does (toCaseFolded() on a string may expand, e.g. "ß" to "ss", so it is not used) and then
// compares code units. Comparing keys is a memcmp; comparing case-insensitively folds every
// character of both strings on every comparison, ten times slower on 100,000 titles.
QString foldedKey(const QString& text)
{
    QString key(text.size(), Qt::Uninitialized);
    QChar* out = key.data();
    const QChar* in = text.constData();
    const qsizetype size = text.size();
    for (qsizetype i = 0; i < size; ++i) {
        const char16_t unit = in[i].unicode();
        if (unit < 0x80) {
            out[i] = QChar(unit >= u'A' && unit <= u'Z' ? char16_t(unit + 32) : unit);
        } else if (QChar::isHighSurrogate(unit) && i + 1 < size && in[i + 1].isLowSurrogate()) {
            const char32_t folded = QChar::toCaseFolded(QChar::surrogateToUcs4(unit, in[i + 1].unicode()));
            out[i] = QChar(QChar::highSurrogate(folded));
            out[++i] = QChar(QChar::lowSurrogate(folded));
        } else {
            out[i] = QChar(char16_t(QChar::toCaseFolded(char32_t(unit))));
        }
    }
    return key;
}

} // namespace

FindingsModel::FindingsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
    if (qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
        m_palette = QGuiApplication::palette();
}

FindingsModel::~FindingsModel() = default;

FindingsModel::Status FindingsModel::statusOf(const api::Finding& finding)
{
    // Allowlisted first: the spec's isResolved includes isAllowlisted, so an allowlisted finding
    // is resolved too, and "Allowlisted" is the more telling of the two.
    if (finding.isAllowlisted.value_or(false))
        return Status::Allowlisted;
    if (finding.isResolved.value_or(false))
        return Status::Resolved;
    return Status::Open;
}

QString FindingsModel::statusText(Status status)
{
    switch (status) {
    case Status::Open:
        return tr("Open");
    case Status::Allowlisted:
        return tr("Allowlisted");
    case Status::Resolved:
        return tr("Resolved");
    }
    return QString();
}

std::optional<api::FindingService> FindingsModel::serviceOf(const api::Finding& finding)
{
    return api::serviceFor(finding.type);
}

QString FindingsModel::titleOf(const api::Finding& finding)
{
    return finding.aiTitle.isEmpty() ? finding.title : finding.aiTitle;
}

QString FindingsModel::locationOf(const api::Finding& finding)
{
    // Findings without a file (dependencies without a manifest path, pentests) still have a place.
    if (finding.filePath.isEmpty())
        return !finding.packageName.isEmpty() ? finding.packageName : finding.host;
    if (!finding.startLine)
        return finding.filePath;
    return finding.filePath + QLatin1Char(':') + QString::number(*finding.startLine);
}

int FindingsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_keys.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FindingsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const int row = index.row();
    // The bound pager empties its list just before it says cleared(); until then show nothing.
    if (m_pagerItems && row >= m_pagerItems->size())
        return QVariant();
    const api::Finding& f = finding(row);
    const RowKeys& k = m_keys.at(row);
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        return display(f, k, column);
    case Qt::ToolTipRole:
        return toolTip(f, k, column);
    case Qt::ForegroundRole:
        if (column == SeverityColumn)
            return severityColor(f.severity, m_palette);
        return QVariant();
    case Qt::DecorationRole:
        // Pixmaps need a GUI application; a model in a console tool has no decoration.
        if (column == SeverityColumn && qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
            return severityIcon(f.severity, m_palette);
        return QVariant();
    case Qt::AccessibleTextRole:
        return display(f, k, column);
    case SortRole:
        return sortValue(f, k, column);
    case IdRole:
        return f.id;
    case ServiceRole:
        if (const auto service = serviceOf(f))
            return int(*service);
        return QVariant();
    case ServicePathRole:
        if (const auto service = serviceOf(f))
            return api::pathOf(*service);
        return QString();
    case FindingTypeRole:
        return int(f.type);
    case SeverityRole:
        return int(f.severity);
    case StatusRole:
        return int(k.status);
    case RepositoryRole:
        return f.repository;
    case RepositoryIdRole:
        return f.repositoryId;
    case AutofixStateRole:
        return int(f.autofixState);
    default:
        return QVariant();
    }
}

QVariant FindingsModel::display(const api::Finding& f, const RowKeys& k, int column) const
{
    switch (column) {
    case SeverityColumn:
        return DisplayText::severity(f.severity, f.severityText);
    case TitleColumn:
        return titleOf(f);
    case TypeColumn:
        return DisplayText::findingType(f.type, f.typeText);
    case RepositoryColumn:
        return f.repository;
    case LocationColumn:
        return locationOf(f);
    case StatusColumn:
        return statusText(Status(k.status));
    case AutofixColumn:
        return DisplayText::autofixState(f.autofixState);
    case UpdatedColumn:
        return DisplayText::dateTime(f.updatedAt);
    case CreatedColumn:
        return DisplayText::dateTime(f.createdAt);
    }
    return QVariant();
}

QVariant FindingsModel::sortValue(const api::Finding& f, const RowKeys& k, int column) const
{
    switch (column) {
    case SeverityColumn:
        return int(k.severityRank);
    case StatusColumn:
        return int(k.status);
    case UpdatedColumn:
        // An unknown time sorts before every known one, as the fast path's smallest qint64 does.
        return f.updatedAt.isValid() ? f.updatedAt : nullify::utcFromMSecsSinceEpoch(noTime / 2);
    case CreatedColumn:
        return f.createdAt.isValid() ? f.createdAt : nullify::utcFromMSecsSinceEpoch(noTime / 2);
    case LocationColumn:
        // The path, then the line as a number: "a.c:9" before "a.c:10". U+0001 sorts before any
        // character of a path, so "a" still comes before "a/b".
        if (k.line < 0)
            return f.filePath;
        return f.filePath + QChar(1) + QStringLiteral("%1").arg(k.line, 10, 10, QLatin1Char('0'));
    default:
        return display(f, k, column);
    }
}

bool FindingsModel::lessThan(int leftRow, int rightRow, int column) const
{
    const RowKeys& l = m_keys.at(leftRow);
    const RowKeys& r = m_keys.at(rightRow);
    switch (column) {
    case SeverityColumn:
        return l.severityRank < r.severityRank;
    case StatusColumn:
        return l.status < r.status;
    case UpdatedColumn:
        return l.updatedMs < r.updatedMs;
    case CreatedColumn: {
        const QDateTime& a = finding(leftRow).createdAt;
        const QDateTime& b = finding(rightRow).createdAt;
        return a.isValid() != b.isValid() ? !a.isValid() : a < b;
    }
    case RepositoryColumn:
        return l.repository != r.repository && repositorySortKey(l.repository) < repositorySortKey(r.repository);
    case LocationColumn: {
        const int byPath = textSortKey(leftRow, column).compare(textSortKey(rightRow, column));
        return byPath != 0 ? byPath < 0 : l.line < r.line;
    }
    default:
        return textSortKey(leftRow, column) < textSortKey(rightRow, column);
    }
}

const QString& FindingsModel::textSortKey(int row, int column) const
{
    QStringList& keys = m_textSortKeys[column];
    if (row >= keys.size()) {
        keys.reserve(m_keys.size());
        for (int r = int(keys.size()); r < m_keys.size(); ++r) {
            const api::Finding& f = finding(r);
            switch (column) {
            case TitleColumn:
                keys.append(foldedKey(titleOf(f)));
                break;
            case LocationColumn:
                keys.append(foldedKey(f.filePath)); // the line is compared as a number
                break;
            default:
                keys.append(foldedKey(display(f, m_keys.at(r), column).toString()));
                break;
            }
        }
    }
    return keys.at(row);
}

const QString& FindingsModel::repositorySortKey(int repository) const
{
    for (int key = int(m_repositorySortKeys.size()); key < m_repositoryNames.size(); ++key)
        m_repositorySortKeys.append(foldedKey(m_repositoryNames.at(key)));
    return m_repositorySortKeys.at(repository);
}

QVariant FindingsModel::toolTip(const api::Finding& f, const RowKeys& k, int column) const
{
    switch (column) {
    case SeverityColumn: {
        QString text = tr("Severity: %1").arg(DisplayText::severity(f.severity, f.severityText));
        if (!f.priorityLabel.isEmpty()) {
            text += QLatin1Char('\n')
                + (f.priorityScore ? tr("Priority: %1 (score %2)").arg(f.priorityLabel).arg(*f.priorityScore)
                                   : tr("Priority: %1").arg(f.priorityLabel));
        }
        return text;
    }
    case TitleColumn: {
        QStringList lines {titleOf(f)};
        if (!f.aiTitle.isEmpty() && !f.title.isEmpty() && f.aiTitle != f.title)
            lines << tr("Scanner's title: %1").arg(f.title);
        if (!f.ruleId.isEmpty())
            lines << tr("Rule: %1").arg(f.ruleId);
        if (!f.cwe.isEmpty())
            lines << f.cwe;
        return lines.join(QLatin1Char('\n'));
    }
    case RepositoryColumn:
        return f.branch.isEmpty() ? f.repository : tr("%1 (branch %2)").arg(f.repository, f.branch);
    case LocationColumn:
        if (f.startLine && f.endLine && *f.endLine > *f.startLine)
            return tr("%1, lines %2 to %3").arg(f.filePath).arg(*f.startLine).arg(*f.endLine);
        return locationOf(f);
    case UpdatedColumn:
    case CreatedColumn:
        return tr("Updated %1\nFirst seen %2")
            .arg(DisplayText::longDateTime(f.updatedAt), DisplayText::longDateTime(f.createdAt));
    default:
        return display(f, k, column);
    }
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    // A first click on a sortable header asks for the order the server offers first: the most
    // severe, the newest.
    if (orientation == Qt::Horizontal && role == Qt::InitialSortOrderRole && isServerSortable(section))
        return int(Qt::DescendingOrder);
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole && section >= 0 && section < ColumnCount) {
        const QString name = headerData(section, orientation, Qt::DisplayRole).toString();
        if (section == SeverityColumn)
            return tr("Severity: click to list the most severe first (sorted by the server)");
        if (section == CreatedColumn)
            return tr("First seen: click to list the newest or the oldest first (sorted by the server)");
        if (section == LocationColumn)
            return tr("File and line (the server cannot sort by this column)");
        return tr("%1 (the server cannot sort by this column)").arg(name);
    }
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case TitleColumn:
        return tr("Title");
    case TypeColumn:
        return tr("Type");
    case RepositoryColumn:
        return tr("Repository");
    case LocationColumn:
        return tr("File:line");
    case StatusColumn:
        return tr("Status");
    case AutofixColumn:
        return tr("Autofix");
    case UpdatedColumn:
        return tr("Updated");
    case CreatedColumn:
        return tr("First seen");
    }
    return QVariant();
}

bool FindingsModel::isServerSortable(int column)
{
    return column == SeverityColumn || column == CreatedColumn;
}

QHash<int, QByteArray> FindingsModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(SortRole, "sortValue");
    names.insert(IdRole, "findingId");
    names.insert(ServiceRole, "service");
    names.insert(ServicePathRole, "servicePath");
    names.insert(FindingTypeRole, "findingType");
    names.insert(SeverityRole, "severity");
    names.insert(StatusRole, "status");
    names.insert(RepositoryRole, "repository");
    names.insert(RepositoryIdRole, "repositoryId");
    names.insert(AutofixStateRole, "autofixState");
    return names;
}

FindingsModel::RowKeys FindingsModel::keysFor(const api::Finding& f)
{
    RowKeys k;
    QString haystack;
    haystack.reserve(f.title.size() + f.aiTitle.size() + f.filePath.size() + f.repository.size() + f.ruleId.size()
                     + f.cwe.size() + 5);
    haystack += f.title;
    if (f.aiTitle != f.title) {
        haystack += QLatin1Char('\n');
        haystack += f.aiTitle;
    }
    haystack += QLatin1Char('\n');
    haystack += f.filePath;
    haystack += QLatin1Char('\n');
    haystack += f.repository;
    haystack += QLatin1Char('\n');
    haystack += f.ruleId;
    haystack += QLatin1Char('\n');
    haystack += f.cwe;
    k.haystack = std::move(haystack).toLower(); // in place: the string is not shared
    k.updatedMs = f.updatedAt.isValid() ? f.updatedAt.toMSecsSinceEpoch() : noTime;
    auto it = m_repositoryKeys.constFind(f.repository);
    if (it == m_repositoryKeys.constEnd()) {
        it = m_repositoryKeys.insert(f.repository, int(m_repositoryNames.size()));
        m_repositoryNames.append(f.repository);
    }
    k.repository = *it;
    k.line = f.startLine.value_or(-1);
    k.severityRank = quint8(severityRank(f.severity));
    k.type = quint8(f.type);
    k.status = quint8(statusOf(f));
    return k;
}

void FindingsModel::computeKeys(int first, int count)
{
    // No reserve(first + count) per page: an exact reserve each page would copy every row again
    // each page; append's own geometric growth keeps 1,000 pages linear.
    if (first == 0)
        m_keys.reserve(count);
    if (m_pagerItems) {
        for (int row = first; row < first + count; ++row)
            m_keys.append(keysFor(finding(row)));
        return;
    }
    for (const api::Finding& f : m_pages.constLast()) {
        m_keys.append(keysFor(f));
        m_keys.last().finding = &f;
    }
}

void FindingsModel::replaceFinding(int row, const api::Finding& finding)
{
    replaceFindings({{row, finding}});
}

void FindingsModel::replaceFindings(const QList<QPair<int, api::Finding>>& rows)
{
    int first = int(m_keys.size());
    int last = -1;
    for (const auto& [row, finding] : rows) {
        if (row < 0 || row >= m_keys.size())
            continue;
        api::Finding& stored = m_edited[row];
        stored = finding;
        RowKeys keys = keysFor(stored);
        keys.finding = m_pagerItems ? nullptr : &stored;
        m_keys[row] = std::move(keys);
        first = std::min(first, row);
        last = std::max(last, row);
    }
    if (last < 0)
        return;
    for (QStringList& sortKeys : m_textSortKeys)
        sortKeys.clear(); // made again on the next sort
    emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

void FindingsModel::forgetRows()
{
    m_edited.clear();
    m_pages.clear();
    m_keys.clear();
    m_repositoryNames.clear();
    m_repositoryKeys.clear();
    for (QStringList& keys : m_textSortKeys)
        keys.clear();
    m_repositorySortKeys.clear();
}

void FindingsModel::append(const QList<api::Finding>& findings)
{
    if (m_pager) {
        qCWarning(lcFindingsModel) << "append() ignored: the model shows a pager's list";
        return;
    }
    if (findings.isEmpty())
        return;
    const int first = int(m_keys.size());
    beginInsertRows(QModelIndex(), first, first + int(findings.size()) - 1);
    m_pages.append(findings); // shares the page: no finding is copied
    computeKeys(first, int(findings.size()));
    endInsertRows();
}

void FindingsModel::setFindings(const QList<api::Finding>& findings)
{
    beginResetModel();
    unbindPager();
    forgetRows();
    if (!findings.isEmpty()) {
        m_pages.append(findings);
        computeKeys(0, int(findings.size()));
    }
    endResetModel();
}

void FindingsModel::clear()
{
    setFindings({});
}

void FindingsModel::setPager(api::FindingsPager* pager)
{
    if (pager == m_pager)
        return;
    beginResetModel();
    unbindPager();
    forgetRows();
    if (pager) {
        m_pager = pager;
        m_pagerItems = &pager->items();
        m_pagerConnections << connect(pager, &api::Pager::itemsAppended, this, &FindingsModel::onPagerAppended)
                           << connect(pager,
                                      &api::Pager::cleared,
                                      this,
                                      [this] {
                                          beginResetModel();
                                          forgetRows();
                                          endResetModel();
                                      })
                           << connect(pager, &QObject::destroyed, this, [this] {
                                  // The list is gone with the pager: forget it before anything
                                  // can read a row through it.
                                  unbindPager();
                                  beginResetModel();
                                  forgetRows();
                                  endResetModel();
                              });
        computeKeys(0, int(m_pagerItems->size()));
    }
    endResetModel();
}

void FindingsModel::unbindPager()
{
    for (const auto& connection : std::as_const(m_pagerConnections))
        disconnect(connection);
    m_pagerConnections.clear();
    m_pager = nullptr;
    m_pagerItems = nullptr;
}

void FindingsModel::onPagerAppended(int first, int count)
{
    // The pager only ever appends; a gap would mean a missed signal, and rows must not shift.
    if (first != m_keys.size() || first + count > m_pagerItems->size()) {
        qCWarning(lcFindingsModel) << "pager rows" << first << "+" << count << "do not follow the model's"
                                   << m_keys.size() << "rows; reloading";
        beginResetModel();
        forgetRows();
        computeKeys(0, int(m_pagerItems->size()));
        endResetModel();
        return;
    }
    beginInsertRows(QModelIndex(), first, first + count - 1);
    computeKeys(first, count);
    endInsertRows();
}

int FindingsModel::rowOf(const QString& id) const
{
    for (int row = 0; row < m_keys.size(); ++row) {
        if (finding(row).id == id)
            return row;
    }
    return -1;
}

void FindingsModel::setPalette(const QPalette& palette)
{
    m_palette = palette;
    if (!m_keys.isEmpty()) {
        emit dataChanged(index(0, SeverityColumn),
                         index(int(m_keys.size()) - 1, SeverityColumn),
                         {Qt::ForegroundRole, Qt::DecorationRole});
    }
}

} // namespace nullify::ui
