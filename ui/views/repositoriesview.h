#pragma once

#include "findingsfilter.h"
#include "pager.h"
#include "types.h"
#include "view.h"

#include <QPointer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace nullify::ui {

class LatestRunsLoader;
class LoadStateBanner;
class RepositoriesModel;
class ScanRunsModel;

// The repositories of the tenant (GET /context/repositories, a page at a time as the list is
// scrolled) with each scanner's latest run, loaded for the rows on screen only; below, the
// selected repository's scan-run history, for every scanner or one.
class RepositoriesView : public View
{
    Q_OBJECT

public:
    static constexpr int defaultPageSize = 50;
    static constexpr int historyPageSize = 20;

    explicit RepositoriesView(const ViewContext& context, QWidget* parent = nullptr);

    // The navigation entry, known before the view is built (MainWindow::addPage).
    static QString pageTitle();
    static QIcon pageIcon();
    QString title() const override;
    QIcon icon() const override;
    void activate() override;
    void refresh() override;
    void focusSearch() override;

    // Repositories per page (default defaultPageSize); takes effect before the first page only.
    void setPageSize(int size);
    int pageSize() const { return m_pageSize; }

    QTableView* repositoriesTable() const { return m_table; }
    QLineEdit* searchField() const { return m_search; }
    QLabel* countLabel() const { return m_count; }
    LoadStateBanner* banner() const { return m_banner; }
    RepositoriesModel* repositoriesModel() const { return m_model; }
    QSortFilterProxyModel* repositoriesProxy() const { return m_proxy; }
    api::RepositoryPager* pager() const { return m_pager; }
    LatestRunsLoader* latestRunsLoader() const { return m_latestRuns; }

    QLabel* historyTitle() const { return m_historyTitle; }
    QComboBox* scannerChooser() const { return m_scanners; }
    QTableView* historyTable() const { return m_history; }
    ScanRunsModel* scanRunsModel() const { return m_runsModel; }
    LoadStateBanner* historyBanner() const { return m_historyBanner; }
    QPushButton* loadMoreRunsButton() const { return m_loadMoreRuns; }
    QString selectedRepositoryId() const { return m_selectedId; }
    // Opens the Findings page filtered to the selected repository (also a row's double-click/Enter).
    QPushButton* showFindingsButton() const { return m_showFindings; }

signals:
    void findingsRequested(const nullify::ui::FindingsFilter& filter);

private:
    void requestFindings(const QModelIndex& proxyIndex);
    void bindPager();
    void reload();
    void maybeLoadMore();
    void loadNextPage();
    void onPageFailed(const api::ApiError& error);
    void onPausedChanged(bool paused);
    void updateCount();
    void updateVisibleRuns();
    void onCurrentChanged();
    void loadHistory();
    void loadMoreHistory();
    void updateHistoryState();
    bool isPaused() const;

    int m_pageSize = defaultPageSize;
    bool m_loadWanted = false;
    bool m_pageFailed = false; // automatic page loads stop until Retry
    QString m_selectedId;

    api::RepositoryPager* m_pager = nullptr;
    RepositoriesModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    LatestRunsLoader* m_latestRuns = nullptr;
    QLineEdit* m_search = nullptr;
    QLabel* m_count = nullptr;
    QPushButton* m_refresh = nullptr;
    QPushButton* m_showFindings = nullptr;
    LoadStateBanner* m_banner = nullptr;
    QTableView* m_table = nullptr;
    QTimer* m_visibleTimer = nullptr;

    QLabel* m_historyTitle = nullptr;
    QComboBox* m_scanners = nullptr;
    LoadStateBanner* m_historyBanner = nullptr;
    QTableView* m_history = nullptr;
    QPushButton* m_loadMoreRuns = nullptr;
    ScanRunsModel* m_runsModel = nullptr;
    QSortFilterProxyModel* m_runsProxy = nullptr;
    QList<QPointer<api::ScanRunPager>> m_runPagers;
    QObject* m_runPagerOwner = nullptr; // parent of the current history's pagers
};

} // namespace nullify::ui
