#pragma once

#include "findingsfilter.h"

#include <QComboBox>
#include <QVariant>
#include <QWidget>

class QDateEdit;
class QLineEdit;
class QPushButton;
class QTimer;

namespace nullify::ui {

// A combo box whose items are checkboxes: any number of them may be checked, none meaning "all"
// (the first item, e.g. "All types", which clears the others). Clicking an item in the open list
// toggles it and keeps the list open; Space toggles the current item too. Choosing an item as in
// a plain combo box (the keyboard's Enter, setCurrentIndex) checks that item alone. The closed box
// shows what is checked ("Critical, High").
class MultiSelectComboBox : public QComboBox
{
    Q_OBJECT

public:
    explicit MultiSelectComboBox(const QString& allText, QWidget* parent = nullptr);

    void addOption(const QString& text, const QVariant& data);
    QVariantList selectedData() const;
    QStringList selectedTexts() const;
    // Checks exactly these (adding an option for a value not offered yet, its text the value's);
    // no selectionChanged.
    void setSelectedData(const QVariantList& values);
    // Checks or unchecks the option at index (> 0); selectionChanged when it changed.
    void setOptionChecked(int index, bool checked);
    bool isOptionChecked(int index) const;
    QString summaryText() const;

signals:
    void selectionChanged();

protected:
    void paintEvent(QPaintEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onCurrentIndexChanged(int index);
    void onItemChanged();
    void syncCurrentIndex();

    QString m_allText;
    bool m_syncing = false;
};

// The filter bar of the Findings page: a multi-select for type, severity and repository; the
// triage state; branches and CWEs (typed, comma-separated); a date range; the search text; and
// the order. Everything it offers is a field of the findings query, applied by the server (see
// FindingsFilter). filterChanged() comes on every change by the user (the search after a pause in
// typing), never from setFilter().
class FindingsFilterBar : public QWidget
{
    Q_OBJECT

public:
    explicit FindingsFilterBar(QWidget* parent = nullptr);

    FindingsFilter filter() const;
    void setFilter(const FindingsFilter& filter);
    void setSort(FindingsFilter::Sort sort); // no filterChanged
    // Repository names the filter offers (from the repository list, as it pages in).
    void addRepositories(const QStringList& names);
    // How long typing in the search box waits before filterChanged (default 400 ms).
    void setSearchDelay(int milliseconds);

    MultiSelectComboBox* typeFilter() const { return m_type; }
    MultiSelectComboBox* severityFilter() const { return m_severity; }
    MultiSelectComboBox* repositoryFilter() const { return m_repository; }
    QComboBox* statusFilter() const { return m_status; }
    QLineEdit* branchFilter() const { return m_branch; }
    QLineEdit* cweFilter() const { return m_cwe; }
    QComboBox* dateRangeFilter() const { return m_dateRange; }
    QDateEdit* fromDateEdit() const { return m_from; }
    QDateEdit* toDateEdit() const { return m_to; }
    QLineEdit* searchField() const { return m_search; }
    QComboBox* sortChooser() const { return m_sort; }
    QPushButton* clearButton() const { return m_clear; }
    QPushButton* refreshButton() const { return m_refresh; }

signals:
    void filterChanged();
    void refreshRequested();

private:
    void changed();
    void updateDateEdits();
    void updateClearButton();

    MultiSelectComboBox* m_type = nullptr;
    MultiSelectComboBox* m_severity = nullptr;
    MultiSelectComboBox* m_repository = nullptr;
    QComboBox* m_status = nullptr;
    QLineEdit* m_branch = nullptr;
    QLineEdit* m_cwe = nullptr;
    QComboBox* m_dateRange = nullptr;
    QDateEdit* m_from = nullptr;
    QDateEdit* m_to = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_sort = nullptr;
    QPushButton* m_clear = nullptr;
    QPushButton* m_refresh = nullptr;
    QTimer* m_searchTimer = nullptr;
    bool m_setting = false; // inside setFilter: no filterChanged
};

} // namespace nullify::ui
