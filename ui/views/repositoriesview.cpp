#include "repositoriesview.h"

#include "connectionstate.h"
#include "displaytext.h"
#include "latestrunsloader.h"
#include "loadstatebanner.h"
#include "navigationicons.h"
#include "nullifyapi.h"
#include "repositoriesmodel.h"
#include "requesttracker.h"
#include "scanrunsmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QLoggingCategory>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiRepositories, "nullify.ui.repositories", QtInfoMsg)

namespace {

constexpr api::Scanner kScanners[]
    = {api::Scanner::Sast, api::Scanner::Secrets, api::Scanner::ScaDependencies, api::Scanner::ScaContainers};

QTableView* makeTable(QWidget* parent)
{
    auto* table = new QTableView(parent);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    // No arrow until a header is clicked: the rows are in the server's order until then (the
    // header's default indicator, Name, would claim a sort that never happened).
    table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    table->setSortingEnabled(true);
    table->setAlternatingRowColors(true);
    // Pixels, so "near the end" means the same whatever the row height.
    table->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    return table;
}

} // namespace

RepositoriesView::RepositoriesView(const ViewContext& context, QWidget* parent)
    : View(context, parent)
{
    setObjectName(QStringLiteral("repositoriesView"));

    m_model = new RepositoriesModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(RepositoriesModel::NameColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setSortRole(RepositoriesModel::SortRole);
    m_proxy->setSortCaseSensitivity(Qt::CaseInsensitive);
    m_latestRuns = new LatestRunsLoader(context.api, m_model, this);
    m_latestRuns->setPaused(isPaused());

    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("repositorySearch"));
    m_search->setPlaceholderText(tr("Filter repositories by name"));
    m_search->setAccessibleName(tr("Filter repositories"));
    m_search->setClearButtonEnabled(true);
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("repositoryCount"));
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_refresh->setAccessibleName(tr("Refresh the repositories"));
    m_showFindings = new QPushButton(tr("Show findings"), this);
    m_showFindings->setObjectName(QStringLiteral("showRepositoryFindings"));
    m_showFindings->setAccessibleName(tr("Show the open findings of the selected repository"));
    m_showFindings->setEnabled(false);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_count);
    bar->addWidget(m_showFindings);
    bar->addWidget(m_refresh);
    layout->addLayout(bar);

    m_banner = new LoadStateBanner(context.tracker, this);
    m_banner->setObjectName(QStringLiteral("repositoriesState"));
    layout->addWidget(m_banner);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    m_table = makeTable(splitter);
    m_table->setObjectName(QStringLiteral("repositoriesTable"));
    m_table->setAccessibleName(tr("Repositories"));
    m_table->setModel(m_proxy);
    m_table->horizontalHeader()->resizeSection(RepositoriesModel::NameColumn, 220);
    // The latest runs ("Completed · 2 critical, 3 high") as wide as they say, never cut short;
    // the table scrolls sideways instead when the window is narrow.
    m_table->horizontalHeader()->setStretchLastSection(false);
    for (int column = RepositoriesModel::SastColumn; column <= RepositoriesModel::ContainersColumn; ++column)
        m_table->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    splitter->addWidget(m_table);

    auto* lower = new QWidget(splitter);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    auto* historyBar = new QHBoxLayout;
    m_historyTitle = new QLabel(tr("Select a repository to see its scan runs."), lower);
    m_historyTitle->setObjectName(QStringLiteral("historyTitle"));
    m_scanners = new QComboBox(lower);
    m_scanners->setObjectName(QStringLiteral("scannerChooser"));
    m_scanners->setAccessibleName(tr("Scanner"));
    m_scanners->addItem(tr("All scanners"), -1);
    for (api::Scanner scanner : kScanners)
        m_scanners->addItem(DisplayText::scanner(scanner), int(scanner));
    m_loadMoreRuns = new QPushButton(tr("Load more runs"), lower);
    m_loadMoreRuns->setObjectName(QStringLiteral("loadMoreRuns"));
    m_loadMoreRuns->setAccessibleName(tr("Load more scan runs"));
    m_loadMoreRuns->setEnabled(false);
    historyBar->addWidget(m_historyTitle, 1);
    historyBar->addWidget(m_scanners);
    historyBar->addWidget(m_loadMoreRuns);
    lowerLayout->addLayout(historyBar);
    m_historyBanner = new LoadStateBanner(context.tracker, lower);
    m_historyBanner->setObjectName(QStringLiteral("historyState"));
    lowerLayout->addWidget(m_historyBanner);
    m_runsModel = new ScanRunsModel(this);
    m_runsProxy = new QSortFilterProxyModel(this);
    m_runsProxy->setSourceModel(m_runsModel);
    m_runsProxy->setSortRole(ScanRunsModel::SortRole);
    m_history = makeTable(lower);
    m_history->setObjectName(QStringLiteral("scanRunsTable"));
    m_history->setAccessibleName(tr("Scan runs"));
    m_history->setModel(m_runsProxy);
    m_history->sortByColumn(ScanRunsModel::StartedColumn, Qt::DescendingOrder);
    // Dates with their time, status words whole.
    for (int column : {ScanRunsModel::StatusColumn, ScanRunsModel::StartedColumn, ScanRunsModel::CompletedColumn})
        m_history->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    lowerLayout->addWidget(m_history, 1);
    splitter->addWidget(lower);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    m_visibleTimer = new QTimer(this);
    m_visibleTimer->setSingleShot(true);
    m_visibleTimer->setInterval(100); // one update after a burst of scrolling, not one per pixel
    connect(m_visibleTimer, &QTimer::timeout, this, &RepositoriesView::updateVisibleRuns);

    connect(m_refresh, &QPushButton::clicked, this, &RepositoriesView::refresh);
    connect(m_table, &QAbstractItemView::activated, this, &RepositoriesView::requestFindings);
    connect(m_showFindings, &QPushButton::clicked, this, [this] {
        requestFindings(m_table->selectionModel()->currentIndex());
    });
    connect(m_banner, &LoadStateBanner::retryRequested, this, [this] {
        m_pageFailed = false;
        if (m_pager->pagesLoaded() == 0 && !m_pager->isLoading())
            reload();
        else
            loadNextPage();
    });
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterFixedString(text.trimmed());
        updateCount();
        maybeLoadMore();
        m_visibleTimer->start();
    });
    bindPager();
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        maybeLoadMore();
        m_visibleTimer->start();
    });
    connect(m_proxy, &QAbstractItemModel::layoutChanged, m_visibleTimer, qOverload<>(&QTimer::start));
    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &RepositoriesView::onCurrentChanged);
    // A new listing resets the model, which drops the selection without a currentRowChanged.
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &RepositoriesView::onCurrentChanged);
    connect(m_scanners, qOverload<int>(&QComboBox::currentIndexChanged), this, &RepositoriesView::loadHistory);
    connect(m_loadMoreRuns, &QPushButton::clicked, this, &RepositoriesView::loadMoreHistory);
    connect(m_historyBanner, &LoadStateBanner::retryRequested, this, &RepositoriesView::loadHistory);
    connect(m_runsModel, &QAbstractItemModel::rowsInserted, this, &RepositoriesView::updateHistoryState);
    if (context.connection)
        connect(context.connection, &ConnectionState::pausedChanged, this, &RepositoriesView::onPausedChanged);
    m_banner->retryWhenBackOnline(context.connection);
    m_historyBanner->retryWhenBackOnline(context.connection);
    updateCount();
}

void RepositoriesView::requestFindings(const QModelIndex& proxyIndex)
{
    if (!proxyIndex.isValid())
        return;
    const QString name
        = m_proxy->index(proxyIndex.row(), RepositoriesModel::NameColumn).data(Qt::DisplayRole).toString();
    if (name.isEmpty())
        return;
    // The repository's open findings: what needs attention there, as the Findings page starts.
    FindingsFilter filter;
    filter.status = FindingsFilter::Status::Open;
    filter.repositories = {name};
    emit findingsRequested(filter);
}

void RepositoriesView::bindPager()
{
    api::RepositoryPager* old = m_pager;
    m_pager = api::makeRepositoryPager(context().api, m_pageSize, this);
    m_model->setPager(m_pager);
    delete old;
    connect(m_pager, &api::Pager::itemsAppended, this, [this] {
        m_banner->hideState();
        updateCount();
        m_visibleTimer->start();
        // After the view has laid the new rows out: is the end still on screen?
        QTimer::singleShot(0, this, &RepositoriesView::maybeLoadMore);
    });
    connect(m_pager, &api::Pager::exhausted, this, &RepositoriesView::updateCount);
    connect(m_pager, &api::Pager::failed, this, &RepositoriesView::onPageFailed);
}

void RepositoriesView::setPageSize(int size)
{
    m_pageSize = qMax(1, size);
    if (m_pager->pagesLoaded() == 0 && !m_pager->isLoading())
        bindPager();
}

QString RepositoriesView::pageTitle()
{
    return tr("Repositories");
}

QIcon RepositoriesView::pageIcon()
{
    return navigationIcon(NavigationIcon::Repositories);
}

QString RepositoriesView::title() const
{
    return pageTitle();
}

QIcon RepositoriesView::icon() const
{
    return pageIcon();
}

bool RepositoriesView::isPaused() const
{
    return context().connection && context().connection->isPaused();
}

void RepositoriesView::activate()
{
    if (m_loadWanted)
        return;
    m_loadWanted = true;
    if (isPaused()) {
        m_banner->showOffline(tr("Offline: the repositories load when the connection is back."));
        return;
    }
    reload();
}

void RepositoriesView::refresh()
{
    m_loadWanted = true;
    reload();
}

void RepositoriesView::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void RepositoriesView::onPausedChanged(bool paused)
{
    m_latestRuns->setPaused(paused);
    if (paused || !m_loadWanted)
        return;
    if (m_pager->pagesLoaded() == 0 && !m_pager->isLoading() && !m_pageFailed)
        reload();
    else
        maybeLoadMore();
}

void RepositoriesView::reload()
{
    m_pageFailed = false;
    m_latestRuns->reset();
    m_pager->reset();
    loadNextPage();
    if (!m_selectedId.isEmpty())
        loadHistory();
}

void RepositoriesView::loadNextPage()
{
    if (m_pager->isLoading() || !m_pager->hasMore())
        return;
    QNetworkReply* reply = m_pager->loadMore();
    if (m_pager->isLoading()) {
        m_banner->showLoading(m_pager->count() == 0 ? tr("Loading repositories...") : tr("Loading more..."), reply);
        updateCount();
    }
}

void RepositoriesView::maybeLoadMore()
{
    if (!m_loadWanted || m_pageFailed || isPaused() || m_pager->isLoading() || !m_pager->hasMore()
        || m_pager->pagesLoaded() == 0)
        return;
    // A filter looks through every repository, not only the pages scrolled to so far; otherwise
    // the next page comes when the end of the list is on screen.
    const QScrollBar* bar = m_table->verticalScrollBar();
    const bool nearEnd
        = bar->maximum() == 0 || bar->value() >= bar->maximum() - m_table->verticalHeader()->defaultSectionSize();
    if (!m_proxy->filterRegularExpression().pattern().isEmpty() || nearEnd)
        loadNextPage();
}

void RepositoriesView::onPageFailed(const api::ApiError& error)
{
    m_pageFailed = true;
    api::logFailure(lcUiRepositories(), "repositories page", error);
    m_banner->showError(m_pager->count() == 0 ? tr("Could not load the repositories.")
                                              : tr("Could not load more repositories."),
                        error);
    updateCount();
}

void RepositoriesView::updateCount()
{
    const int loaded = m_pager->count();
    const bool filtering = !m_search->text().trimmed().isEmpty();
    const QLocale locale;
    const int shown = m_proxy->rowCount();
    QString text;
    if (m_pager->hasMore())
        text = filtering ? tr("%1 matching in %2 loaded so far").arg(locale.toString(shown), locale.toString(loaded))
                         : tr("%1 loaded, more to come").arg(locale.toString(loaded));
    else if (filtering)
        text = tr("%1 of %2").arg(locale.toString(shown), locale.toString(loaded));
    else
        text = loaded == 1 ? tr("1 repository") : tr("%1 repositories").arg(locale.toString(loaded));
    m_count->setText(text);
    if (m_pager->isLoading() || m_banner->state() == LoadStateBanner::State::Error
        || m_banner->state() == LoadStateBanner::State::Offline)
        return;
    if (!m_pager->hasMore() && loaded == 0)
        m_banner->showEmpty(tr("This tenant has no repositories yet."));
    else if (!m_pager->hasMore() && filtering && m_proxy->rowCount() == 0)
        m_banner->showEmpty(tr("No repositories match \u201c%1\u201d.").arg(m_search->text().trimmed()));
    else
        m_banner->hideState();
}

void RepositoriesView::updateVisibleRuns()
{
    QStringList wanted;
    if (!m_selectedId.isEmpty())
        wanted << m_selectedId;
    const int rows = m_proxy->rowCount();
    if (rows > 0) {
        int first = m_table->rowAt(0);
        int last = m_table->rowAt(m_table->viewport()->height() - 1);
        if (first < 0)
            first = 0;
        if (last < 0)
            last = rows - 1;
        for (int row = first; row <= last && row < rows; ++row)
            wanted << m_proxy->index(row, 0).data(RepositoriesModel::IdRole).toString();
    }
    m_latestRuns->setWanted(wanted);
}

void RepositoriesView::onCurrentChanged()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const QString id
        = current.isValid() ? current.siblingAtColumn(0).data(RepositoriesModel::IdRole).toString() : QString();
    m_showFindings->setEnabled(current.isValid());
    if (id == m_selectedId)
        return;
    m_selectedId = id;
    if (!id.isEmpty())
        m_historyTitle->setText(tr("Scan runs of %1").arg(current.siblingAtColumn(0).data().toString()));
    else
        m_historyTitle->setText(tr("Select a repository to see its scan runs."));
    m_visibleTimer->start();
    loadHistory();
}

void RepositoriesView::loadHistory()
{
    m_runsModel->setRepositoryId(m_selectedId);
    m_runsModel->clear();
    delete m_runPagerOwner; // the previous history's pagers and their requests
    m_runPagerOwner = nullptr;
    m_runPagers.clear();
    m_historyBanner->hideState();
    if (m_selectedId.isEmpty()) {
        updateHistoryState();
        return;
    }
    m_runPagerOwner = new QObject(this);
    const int chosen = m_scanners->currentData().toInt();
    for (api::Scanner scanner : kScanners) {
        if (chosen >= 0 && chosen != int(scanner))
            continue;
        api::ScanRunQuery query;
        query.scanner = scanner;
        query.repositoryId = m_selectedId;
        query.limit = historyPageSize;
        api::ScanRunPager* pager = api::makeScanRunPager(context().api, query, m_runPagerOwner);
        m_runsModel->addPager(pager, scanner);
        m_runPagers << pager;
        const QString repositoryId = m_selectedId;
        // The newest run of a full history is the latest run: no second request for that cell.
        connect(pager, &api::Pager::itemsAppended, this, [this, pager, scanner, repositoryId](int first, int) {
            if (first == 0 && !pager->items().isEmpty())
                m_model->setLatestRun(repositoryId, scanner, pager->items().first());
        });
        connect(pager, &api::Pager::failed, this, [this](const api::ApiError& error) {
            api::logFailure(lcUiRepositories(), "scan runs", error);
            m_historyBanner->showError(tr("Could not load the scan runs."), error);
            updateHistoryState();
        });
        connect(pager, &api::Pager::loadingChanged, this, &RepositoriesView::updateHistoryState);
    }
    QNetworkReply* first = nullptr;
    for (const auto& pager : std::as_const(m_runPagers)) {
        QNetworkReply* reply = pager->loadMore();
        if (!first)
            first = reply;
    }
    m_historyBanner->showLoading(tr("Loading scan runs..."), first);
    updateHistoryState();
}

void RepositoriesView::loadMoreHistory()
{
    QNetworkReply* first = nullptr;
    for (const auto& pager : std::as_const(m_runPagers)) {
        if (pager && pager->hasMore() && !pager->isLoading()) {
            QNetworkReply* reply = pager->loadMore();
            if (!first)
                first = reply;
        }
    }
    if (first)
        m_historyBanner->showLoading(tr("Loading more scan runs..."), first);
    updateHistoryState();
}

void RepositoriesView::updateHistoryState()
{
    bool loading = false;
    bool more = false;
    for (const auto& pager : std::as_const(m_runPagers)) {
        if (!pager)
            continue;
        loading = loading || pager->isLoading();
        more = more || pager->hasMore();
    }
    m_loadMoreRuns->setEnabled(!loading && more && !m_selectedId.isEmpty());
    if (loading || m_historyBanner->state() == LoadStateBanner::State::Error)
        return;
    if (!m_selectedId.isEmpty() && m_runsModel->rowCount() == 0)
        m_historyBanner->showEmpty(m_scanners->currentData().toInt() < 0
                                       ? tr("No scan runs for this repository yet.")
                                       : tr("No %1 scan runs for this repository yet.").arg(m_scanners->currentText()));
    else
        m_historyBanner->hideState();
}

} // namespace nullify::ui
