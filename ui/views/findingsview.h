#pragma once

#include "findingsfilter.h"
#include "findingsfilterbar.h" // MultiSelectComboBox, a QComboBox, for the filters' users
#include "nullifyapi.h"
#include "pager.h"
#include "types.h"
#include "view.h"

#include <QPointer>

class QComboBox;
class QFormLayout;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace nullify::ui {

class AppSettings;
class FindingsFilterBar;
class FindingsFilterProxy;
class FindingsModel;
class LoadStateBanner;
class TriagePanel;

// The findings list (POST /admin/findings), a page at a time as it is scrolled, with a filter bar
// (FindingsFilterBar) and a details pane for the selected finding (GET /{service}/findings/{id})
// with its Autofix button.
//
// The autofix shown is the server's: the details ask the finding's autofix status
// (GET /{service}/findings/{id}/autofix/status), and the button offers "Show fix" for a fix that
// exists or runs, "Autofix" otherwise, and nothing for a resolved finding.
//
// Every filter the bar offers is one the API applies (FindingsFilter): a filter change starts a new
// listing from page 1, so the count "120 of 400" is the server's and a filter never hides rows on
// pages not loaded yet. The order is the server's too (the query's sortPreset): a click on a
// sortable header (Severity, First seen) or a choice in the bar's order reloads from page 1, so
// page 2 continues page 1's order. The other columns cannot be sorted by the server, and are not
// sortable: sorting only the loaded rows would put the rows of later pages out of order.
// With settings (setSettings), the last filter and order are kept across restarts.
class FindingsView : public View
{
    Q_OBJECT

public:
    static constexpr int pageSize = 50;

    using StatusFilter = FindingsFilter::Status;

    explicit FindingsView(const ViewContext& context, QWidget* parent = nullptr);

    // The navigation entry, known before the view is built (MainWindow::addPage).
    static QString pageTitle();
    static QIcon pageIcon();
    QString title() const override;
    QIcon icon() const override;
    void activate() override;
    void refresh() override;
    void focusSearch() override;
    // Autofix for the selected finding ("Show fix" when the server has one), when its type has one.
    void startPrimaryAction() override;

    // The query the current listing was started with (page 1).
    api::FindingsQuery query() const { return m_query; }
    // The filter and order of the current listing.
    FindingsFilter filter() const { return m_filter; }
    // Shows the findings this filter selects (the Overview's and Repositories' click-through),
    // in the order chosen here; lists them now if the page has been shown, else when it is.
    void showFiltered(const FindingsFilter& filter);
    // Restores the last filter from settings and keeps each new one there. Not owned.
    void setSettings(AppSettings* settings);
    // How long typing in the search box waits before asking the server (default 400 ms).
    void setSearchDelay(int milliseconds);

    QTableView* findingsTable() const { return m_table; }
    FindingsModel* findingsModel() const { return m_model; }
    FindingsFilterProxy* proxy() const { return m_proxy; }
    api::FindingsPager* pager() const { return m_pager; }
    // A refresh is under way and the rows are the earlier answer.
    bool isShowingStaleRows() const { return m_stale; }
    FindingsFilterBar* filterBar() const { return m_filterBar; }
    MultiSelectComboBox* typeFilter() const;
    MultiSelectComboBox* severityFilter() const;
    QComboBox* statusFilter() const;
    MultiSelectComboBox* repositoryFilter() const;
    QLineEdit* searchField() const;
    QPushButton* clearFiltersButton() const;
    QLabel* countLabel() const { return m_count; }
    QLabel* loadingMoreLabel() const { return m_loadingMore; }
    LoadStateBanner* banner() const { return m_banner; }

    // The details pane.
    QWidget* detailsPane() const { return m_details; }
    LoadStateBanner* detailsBanner() const { return m_detailsBanner; }
    QLabel* detailTitle() const { return m_detailTitle; }
    QLabel* detailField(const QString& key) const; // "severity", "type", "status", "repository", "location", ...
    QPlainTextEdit* detailDescription() const { return m_description; }
    QPushButton* autofixButton() const { return m_autofix; }
    QString selectedFindingId() const { return m_selectedId; }
    // The id of the finding whose details the pane shows (from the server), empty while loading.
    QString detailsFindingId() const { return m_detailsId; }
    // Allowlist, unallowlist and overrides of the selected rows, and the current one's triage record.
    TriagePanel* triagePanel() const { return m_triage; }

public slots:
    // The server's latest word on a finding's autofix (from the Autofix page): shown if selected.
    void showAutofixStatus(nullify::api::FindingService service,
                           const QString& findingId,
                           const nullify::api::AutofixStatus& status);

signals:
    // Start an autofix (the server has none for this finding, as far as the details know).
    void autofixRequested(nullify::api::FindingService service,
                          const QString& findingId,
                          const QString& findingTitle,
                          const QString& repository);
    // Show the fix the server has for this finding.
    void
    autofixShowRequested(nullify::api::FindingService service, const QString& findingId, const QString& findingTitle);
    // The server accepted a triage write for these findings (their rows show it already): counts
    // derived from the findings elsewhere (the Overview's) are out of date.
    void findingsTriaged(const QStringList& findingIds);

private:
    QWidget* buildDetailsPane(QWidget* parent);
    void startListing();
    // A refresh: the rows shown stay (marked stale) until the new listing's first answer; after
    // a failure or a Cancel they stay, and the count still describes them.
    void startReplacement();
    void adoptReplacement();
    void onReplacementFailed(const api::ApiError& error);
    void dropReplacement();
    void setStale(bool stale);
    void showPager(api::FindingsPager* pager);
    void applyFilters();
    void onSortIndicatorChanged(int section, Qt::SortOrder order);
    void showSortIndicator();
    void maybeLoadMore();
    void loadNextPage();
    void onItemsAppended();
    void onPageFailed(const api::ApiError& error);
    void onPausedChanged(bool paused);
    void updateCount();
    void loadRepositoryNames();
    void onCurrentChanged();
    void onSelectionChanged();
    void onFindingsTriaged(const QStringList& findingIds);
    void showRowDetails(int sourceRow);
    void showDetail(const api::FindingDetail& detail);
    void setDetailField(const QString& key, const QString& text);
    void requestAutofix();
    void loadAutofixStatus();
    void updateAutofixButton();
    bool isPaused() const;

    bool m_loadWanted = false;
    bool m_pageFailed = false;
    api::FindingsQuery m_query;
    FindingsFilter m_filter;
    AppSettings* m_settings = nullptr;
    QString m_selectedId;
    QString m_detailsId;
    std::optional<api::FindingService> m_selectedService;
    QString m_selectedTitle;
    QString m_selectedRepository;
    bool m_selectedResolved = false;
    std::optional<api::AutofixStatus> m_autofixStatus; // the selected finding's, from the server

    api::FindingsPager* m_pager = nullptr; // the listing the table shows
    api::FindingsPager* m_replacement = nullptr; // a refresh's listing, until its first answer
    bool m_stale = false; // the rows are from before a refresh still under way
    bool m_refreshFailed = false;
    // Rows a triage write moved into (+) or out of (-) this listing's filter since its answer: the
    // server's total plus this is what the server would say now.
    qint64 m_totalAdjustment = 0;
    FindingsModel* m_model = nullptr;
    FindingsFilterProxy* m_proxy = nullptr;
    api::RepositoryPager* m_repositories = nullptr; // names for the repository filter

    FindingsFilterBar* m_filterBar = nullptr;
    QLabel* m_count = nullptr;
    QLabel* m_loadingMore = nullptr;
    LoadStateBanner* m_banner = nullptr;
    QTableView* m_table = nullptr;

    QWidget* m_details = nullptr;
    LoadStateBanner* m_detailsBanner = nullptr;
    QLabel* m_detailTitle = nullptr;
    QFormLayout* m_detailForm = nullptr;
    QHash<QString, QLabel*> m_detailFields; // rows without a value are hidden
    QPlainTextEdit* m_description = nullptr;
    QPushButton* m_autofix = nullptr;
    TriagePanel* m_triage = nullptr;
    QObject* m_detailRequest = nullptr; // context of the details requests; deleting it aborts them
};

} // namespace nullify::ui
