#include "findingsfilterbar.h"

#include "displaytext.h"
#include "findingsmodel.h"

#include <QAbstractItemView>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPushButton>
#include <QStandardItemModel>
#include <QStylePainter>
#include <QTimer>
#include <QVBoxLayout>

namespace nullify::ui {

namespace {

const QList<api::FindingType> kTypes {api::FindingType::Code,
                                      api::FindingType::Dependencies,
                                      api::FindingType::Containers,
                                      api::FindingType::SecretsCredentials,
                                      api::FindingType::SecretsSensitiveData,
                                      api::FindingType::Pentest,
                                      api::FindingType::BugHunt,
                                      api::FindingType::Cloud,
                                      api::FindingType::Platform};
const QList<api::Severity> kSeverities {api::Severity::Critical,
                                        api::Severity::High,
                                        api::Severity::Medium,
                                        api::Severity::Low,
                                        api::Severity::Informational};
constexpr int kCustomRange = -1;

// "main, release/1.2" → {"main", "release/1.2"}: trimmed, without blanks or repeats.
QStringList splitList(const QString& text)
{
    QStringList list;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString item = part.trimmed();
        if (!item.isEmpty() && !list.contains(item))
            list.append(item);
    }
    return list;
}

template <typename T> QVariantList variants(const QList<T>& values)
{
    QVariantList list;
    for (const T value : values)
        list.append(int(value));
    return list;
}

template <typename T> QList<T> enums(const QVariantList& values)
{
    QList<T> list;
    for (const QVariant& value : values)
        list.append(T(value.toInt()));
    return list;
}

} // namespace

// --- MultiSelectComboBox ---------------------------------------------------------------------

MultiSelectComboBox::MultiSelectComboBox(const QString& allText, QWidget* parent)
    : QComboBox(parent)
    , m_allText(allText)
{
    addItem(allText); // index 0: no filter
    setSizeAdjustPolicy(QComboBox::AdjustToContents);
    view()->viewport()->installEventFilter(this);
    view()->installEventFilter(this);
    connect(this, qOverload<int>(&QComboBox::currentIndexChanged), this, &MultiSelectComboBox::onCurrentIndexChanged);
    if (auto* items = qobject_cast<QStandardItemModel*>(model()))
        connect(items, &QStandardItemModel::itemChanged, this, &MultiSelectComboBox::onItemChanged);
}

void MultiSelectComboBox::addOption(const QString& text, const QVariant& data)
{
    const bool syncing = std::exchange(m_syncing, true);
    addItem(text, data);
    if (auto* items = qobject_cast<QStandardItemModel*>(model())) {
        QStandardItem* item = items->item(count() - 1);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
        item->setData(Qt::Unchecked, Qt::CheckStateRole);
    }
    m_syncing = syncing;
}

bool MultiSelectComboBox::isOptionChecked(int index) const
{
    return index > 0 && index < count() && itemData(index, Qt::CheckStateRole).toInt() == Qt::Checked;
}

void MultiSelectComboBox::setOptionChecked(int index, bool checked)
{
    if (index <= 0 || index >= count() || isOptionChecked(index) == checked)
        return;
    setItemData(index, checked ? Qt::Checked : Qt::Unchecked, Qt::CheckStateRole); // onItemChanged
}

QVariantList MultiSelectComboBox::selectedData() const
{
    QVariantList values;
    for (int i = 1; i < count(); ++i) {
        if (isOptionChecked(i))
            values.append(itemData(i));
    }
    return values;
}

QStringList MultiSelectComboBox::selectedTexts() const
{
    QStringList texts;
    for (int i = 1; i < count(); ++i) {
        if (isOptionChecked(i))
            texts.append(itemText(i));
    }
    return texts;
}

void MultiSelectComboBox::setSelectedData(const QVariantList& values)
{
    const bool syncing = std::exchange(m_syncing, true);
    for (const QVariant& value : values) {
        if (findData(value) < 0)
            addOption(value.toString(), value);
    }
    for (int i = 1; i < count(); ++i)
        setItemData(i, values.contains(itemData(i)) ? Qt::Checked : Qt::Unchecked, Qt::CheckStateRole);
    syncCurrentIndex();
    m_syncing = syncing;
    update();
}

QString MultiSelectComboBox::summaryText() const
{
    const QStringList texts = selectedTexts();
    if (texts.isEmpty())
        return m_allText;
    if (texts.size() <= 2)
        return texts.join(QStringLiteral(", "));
    return tr("%1, %2 and %n more", nullptr, int(texts.size()) - 2).arg(texts.at(0), texts.at(1));
}

void MultiSelectComboBox::onCurrentIndexChanged(int index)
{
    if (m_syncing || index < 0)
        return;
    // Chosen as in a plain combo box: that one alone ("All" clears).
    const bool syncing = std::exchange(m_syncing, true);
    for (int i = 1; i < count(); ++i)
        setItemData(i, i == index ? Qt::Checked : Qt::Unchecked, Qt::CheckStateRole);
    m_syncing = syncing;
    onItemChanged();
}

void MultiSelectComboBox::onItemChanged()
{
    if (m_syncing)
        return;
    const bool syncing = std::exchange(m_syncing, true);
    syncCurrentIndex();
    m_syncing = syncing;
    setToolTip(summaryText());
    setAccessibleDescription(summaryText());
    update();
    emit selectionChanged();
}

void MultiSelectComboBox::syncCurrentIndex()
{
    // The current index names the one checked option, "All" for none, and nothing for several,
    // so choosing any item later is always a change.
    int only = 0;
    for (int i = 1; i < count(); ++i) {
        if (isOptionChecked(i))
            only = only == 0 ? i : -1;
    }
    setCurrentIndex(only);
}

void MultiSelectComboBox::paintEvent(QPaintEvent*)
{
    QStylePainter painter(this);
    QStyleOptionComboBox option;
    initStyleOption(&option);
    option.currentText = summaryText();
    option.currentIcon = QIcon();
    painter.drawComplexControl(QStyle::CC_ComboBox, option);
    painter.drawControl(QStyle::CE_ComboBoxLabel, option);
}

bool MultiSelectComboBox::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == view()->viewport() && event->type() == QEvent::MouseButtonRelease) {
        const auto* mouse = static_cast<QMouseEvent*>(event);
        const QModelIndex index = view()->indexAt(mouse->position().toPoint());
        if (index.isValid() && index.row() > 0) {
            setOptionChecked(index.row(), !isOptionChecked(index.row()));
            return true; // the list stays open for the next one
        }
    } else if (watched == view() && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const int row = view()->currentIndex().row();
        if (key->key() == Qt::Key_Space && row > 0) {
            setOptionChecked(row, !isOptionChecked(row));
            return true;
        }
    }
    return QComboBox::eventFilter(watched, event);
}

// --- FindingsFilterBar -----------------------------------------------------------------------

FindingsFilterBar::FindingsFilterBar(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("findingsFilterBar"));
    m_searchTimer = new QTimer(this);
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(400); // a query per pause in typing, not per key
    connect(m_searchTimer, &QTimer::timeout, this, &FindingsFilterBar::changed);

    m_type = new MultiSelectComboBox(tr("All types"), this);
    m_type->setObjectName(QStringLiteral("typeFilter"));
    m_type->setAccessibleName(tr("Finding types"));
    for (api::FindingType type : kTypes)
        m_type->addOption(DisplayText::findingType(type), int(type));

    m_severity = new MultiSelectComboBox(tr("All severities"), this);
    m_severity->setObjectName(QStringLiteral("severityFilter"));
    m_severity->setAccessibleName(tr("Severities"));
    for (api::Severity severity : kSeverities)
        m_severity->addOption(DisplayText::severity(severity), int(severity));

    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("statusFilter"));
    m_status->setAccessibleName(tr("Triage state"));
    using Status = FindingsFilter::Status;
    m_status->addItem(tr("Any status"), int(Status::Any));
    m_status->addItem(FindingsModel::statusText(FindingsModel::Status::Open), int(Status::Open));
    m_status->addItem(FindingsModel::statusText(FindingsModel::Status::Resolved), int(Status::Resolved));
    m_status->addItem(FindingsModel::statusText(FindingsModel::Status::Allowlisted), int(Status::Allowlisted));
    m_status->addItem(tr("False positive"), int(Status::FalsePositive));
    m_status->addItem(tr("Fixed"), int(Status::Fixed));
    m_status->setToolTip(tr("One triage state at a time: the server combines its status filters with AND"));

    m_repository = new MultiSelectComboBox(tr("All repositories"), this);
    m_repository->setObjectName(QStringLiteral("repositoryFilter"));
    m_repository->setAccessibleName(tr("Repositories"));

    m_branch = new QLineEdit(this);
    m_branch->setObjectName(QStringLiteral("branchFilter"));
    m_branch->setPlaceholderText(tr("Branches"));
    m_branch->setAccessibleName(tr("Branches, separated by commas"));
    m_branch->setToolTip(tr("Only findings on these branches (comma-separated)"));
    m_branch->setClearButtonEnabled(true);

    m_cwe = new QLineEdit(this);
    m_cwe->setObjectName(QStringLiteral("cweFilter"));
    m_cwe->setPlaceholderText(tr("CWE-79, CWE-89"));
    m_cwe->setAccessibleName(tr("CWEs, separated by commas"));
    m_cwe->setToolTip(tr("Only findings of these weaknesses (comma-separated, e.g. CWE-79 or 79)"));
    m_cwe->setClearButtonEnabled(true);

    m_dateRange = new QComboBox(this);
    m_dateRange->setObjectName(QStringLiteral("dateRangeFilter"));
    m_dateRange->setAccessibleName(tr("First seen"));
    m_dateRange->setToolTip(tr("When the finding was first seen"));
    m_dateRange->addItem(tr("Any time"), 0);
    m_dateRange->addItem(tr("Last 7 days"), 7);
    m_dateRange->addItem(tr("Last 30 days"), 30);
    m_dateRange->addItem(tr("Last 90 days"), 90);
    m_dateRange->addItem(tr("Between..."), kCustomRange);
    const QDate today = QDate::currentDate();
    m_from = new QDateEdit(today.addDays(-30), this);
    m_from->setObjectName(QStringLiteral("fromDate"));
    m_from->setAccessibleName(tr("First seen from"));
    m_from->setCalendarPopup(true);
    m_to = new QDateEdit(today, this);
    m_to->setObjectName(QStringLiteral("toDate"));
    m_to->setAccessibleName(tr("First seen until"));
    m_to->setCalendarPopup(true);

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("findingsSearch"));
    m_search->setPlaceholderText(tr("Search title, file, rule"));
    m_search->setAccessibleName(tr("Search findings"));
    m_search->setClearButtonEnabled(true);

    m_sort = new QComboBox(this);
    m_sort->setObjectName(QStringLiteral("sortChooser"));
    m_sort->setAccessibleName(tr("Order"));
    m_sort->setToolTip(tr("The server sorts the whole list, not only the rows loaded"));
    using Sort = FindingsFilter::Sort;
    m_sort->addItem(tr("Newest first"), int(Sort::Newest));
    m_sort->addItem(tr("Oldest first"), int(Sort::Oldest));
    m_sort->addItem(tr("Most severe first"), int(Sort::MostSevere));
    m_sort->addItem(tr("Highest priority first"), int(Sort::HighestPriority));

    m_clear = new QPushButton(tr("Clear filters"), this);
    m_clear->setObjectName(QStringLiteral("clearFilters"));
    m_clear->setAccessibleName(tr("Clear all filters"));
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_refresh->setAccessibleName(tr("Refresh the findings"));

    // Two rows, so the bar fits the default window without scrolling sideways.
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* first = new QHBoxLayout;
    first->addWidget(m_type);
    first->addWidget(m_severity);
    first->addWidget(m_status);
    first->addWidget(m_repository);
    first->addWidget(m_branch, 1);
    first->addWidget(m_cwe, 1);
    auto* second = new QHBoxLayout;
    second->addWidget(m_dateRange);
    second->addWidget(m_from);
    second->addWidget(m_to);
    second->addWidget(m_search, 2);
    second->addWidget(m_sort);
    second->addWidget(m_clear);
    second->addWidget(m_refresh);
    layout->addLayout(first);
    layout->addLayout(second);

    for (MultiSelectComboBox* combo : {m_type, m_severity, m_repository})
        connect(combo, &MultiSelectComboBox::selectionChanged, this, &FindingsFilterBar::changed);
    for (QComboBox* combo : {m_status, m_sort})
        connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, &FindingsFilterBar::changed);
    connect(m_dateRange, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        updateDateEdits();
        changed();
    });
    for (QDateEdit* edit : {m_from, m_to})
        connect(edit, &QDateEdit::dateChanged, this, [this] {
            if (m_dateRange->currentData().toInt() == kCustomRange)
                changed();
        });
    for (QLineEdit* edit : {m_branch, m_cwe})
        connect(edit, &QLineEdit::editingFinished, this, &FindingsFilterBar::changed);
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, [this] {
        if (!m_setting)
            m_searchTimer->start();
    });
    connect(m_search, &QLineEdit::returnPressed, this, &FindingsFilterBar::changed);
    connect(m_clear, &QPushButton::clicked, this, [this] {
        FindingsFilter cleared;
        cleared.status = FindingsFilter::Status::Any;
        cleared.sort = filter().sort; // the order is not a filter
        setFilter(cleared);
        emit filterChanged();
    });
    connect(m_refresh, &QPushButton::clicked, this, &FindingsFilterBar::refreshRequested);
    updateDateEdits();
    updateClearButton();
}

void FindingsFilterBar::setSearchDelay(int milliseconds)
{
    m_searchTimer->setInterval(milliseconds);
}

FindingsFilter FindingsFilterBar::filter() const
{
    FindingsFilter f;
    f.types = enums<api::FindingType>(m_type->selectedData());
    f.severities = enums<api::Severity>(m_severity->selectedData());
    f.status = FindingsFilter::Status(m_status->currentData().toInt());
    for (const QVariant& name : m_repository->selectedData())
        f.repositories.append(name.toString());
    f.branches = splitList(m_branch->text());
    for (const QString& cwe : splitList(m_cwe->text())) {
        // Anything not a CWE is left out of the query (the field's tooltip says what is).
        if (const QString name = FindingsFilter::cweName(cwe); !name.isEmpty() && !f.cwes.contains(name))
            f.cwes.append(name);
    }
    const int range = m_dateRange->currentData().toInt();
    if (range == kCustomRange) {
        f.fromDate = std::min(m_from->date(), m_to->date());
        f.toDate = std::max(m_from->date(), m_to->date());
    } else {
        f.lastDays = range;
    }
    f.search = m_search->text().trimmed();
    f.sort = FindingsFilter::Sort(m_sort->currentData().toInt());
    return f;
}

void FindingsFilterBar::setFilter(const FindingsFilter& f)
{
    const bool setting = std::exchange(m_setting, true);
    const QSignalBlocker blockStatus(m_status), blockRange(m_dateRange), blockFrom(m_from), blockTo(m_to),
        blockSort(m_sort);
    m_type->setSelectedData(variants(f.types));
    m_severity->setSelectedData(variants(f.severities));
    QVariantList repositories;
    for (const QString& name : f.repositories)
        repositories.append(name);
    m_repository->setSelectedData(repositories);
    m_status->setCurrentIndex(std::max(0, m_status->findData(int(f.status))));
    m_branch->setText(f.branches.join(QStringLiteral(", ")));
    m_cwe->setText(f.cwes.join(QStringLiteral(", ")));
    if (f.fromDate.isValid() || f.toDate.isValid()) {
        m_dateRange->setCurrentIndex(m_dateRange->findData(kCustomRange));
        m_from->setDate(f.fromDate.isValid() ? f.fromDate : f.toDate);
        m_to->setDate(f.toDate.isValid() ? f.toDate : QDate::currentDate());
    } else {
        int index = m_dateRange->findData(f.lastDays);
        if (index < 0 && f.lastDays > 0) {
            m_dateRange->insertItem(m_dateRange->count() - 1, tr("Last %n day(s)", nullptr, f.lastDays), f.lastDays);
            index = m_dateRange->findData(f.lastDays);
        }
        m_dateRange->setCurrentIndex(std::max(0, index));
    }
    m_search->setText(f.search);
    m_searchTimer->stop();
    m_sort->setCurrentIndex(std::max(0, m_sort->findData(int(f.sort))));
    updateDateEdits();
    updateClearButton();
    m_setting = setting;
}

void FindingsFilterBar::setSort(FindingsFilter::Sort sort)
{
    const QSignalBlocker block(m_sort);
    m_sort->setCurrentIndex(std::max(0, m_sort->findData(int(sort))));
}

void FindingsFilterBar::addRepositories(const QStringList& names)
{
    for (const QString& name : names) {
        if (!name.isEmpty() && m_repository->findData(name) < 0)
            m_repository->addOption(name, name);
    }
}

void FindingsFilterBar::changed()
{
    if (m_setting)
        return;
    m_searchTimer->stop();
    updateClearButton();
    emit filterChanged();
}

void FindingsFilterBar::updateDateEdits()
{
    const bool custom = m_dateRange->currentData().toInt() == kCustomRange;
    m_from->setVisible(custom);
    m_to->setVisible(custom);
}

void FindingsFilterBar::updateClearButton()
{
    m_clear->setEnabled(filter().isFiltering());
}

} // namespace nullify::ui
