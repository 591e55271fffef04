#include "findingsview.h"

#include "appsettings.h"
#include "connectionstate.h"
#include "displaytext.h"
#include "findingsfilterbar.h"
#include "findingsfilterproxy.h"
#include "findingsmodel.h"
#include "loadstatebanner.h"
#include "navigationicons.h"
#include "requesttracker.h"
#include "triagepanel.h"

#include <QAction>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QLoggingCategory>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiFindings, "nullify.ui.findings", QtInfoMsg)

namespace {

constexpr int kRepositoryPageSize = 50;

QString lineText(std::optional<int> start, std::optional<int> end)
{
    if (!start)
        return QString();
    if (end && *end > *start)
        return FindingsView::tr("lines %1-%2").arg(*start).arg(*end);
    return FindingsView::tr("line %1").arg(*start);
}

QString locationText(const QString& file, std::optional<int> start, std::optional<int> end)
{
    if (file.isEmpty())
        return QString();
    const QString lines = lineText(start, end);
    return lines.isEmpty() ? file : FindingsView::tr("%1, %2").arg(file, lines);
}

QString statusText(std::optional<bool> resolved, std::optional<bool> allowlisted)
{
    api::Finding f;
    f.isResolved = resolved;
    f.isAllowlisted = allowlisted;
    return FindingsModel::statusText(FindingsModel::statusOf(f));
}

} // namespace

FindingsView::FindingsView(const ViewContext& context, QWidget* parent)
    : View(context, parent)
{
    setObjectName(QStringLiteral("findingsView"));
    m_query.pageSize = pageSize;

    m_model = new FindingsModel(this);
    m_proxy = new FindingsFilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_repositories = api::makeRepositoryPager(context.api, kRepositoryPageSize, this);

    auto* layout = new QVBoxLayout(this);
    m_filterBar = new FindingsFilterBar(this);
    layout->addWidget(m_filterBar);
    connect(m_filterBar, &FindingsFilterBar::filterChanged, this, &FindingsView::applyFilters);
    connect(m_filterBar, &FindingsFilterBar::refreshRequested, this, &FindingsView::refresh);

    m_banner = new LoadStateBanner(context.tracker, this);
    m_banner->setObjectName(QStringLiteral("findingsState"));
    layout->addWidget(m_banner);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    auto* listPane = new QWidget(splitter);
    auto* listLayout = new QVBoxLayout(listPane);
    listLayout->setContentsMargins(0, 0, 0, 0);
    m_table = new QTableView(listPane);
    m_table->setObjectName(QStringLiteral("findingsTable"));
    m_table->setAccessibleName(tr("Findings"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Several rows at once for triage (Shift/Ctrl+click); the current row is the one in the details.
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    // Pixels, so "near the end" below means the same whatever the row height.
    m_table->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->setWordWrap(false);
    // Tab leaves the table for the details pane (arrows move between rows and cells), so the
    // details and Autofix are reachable by keyboard.
    m_table->setTabKeyNavigation(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->resizeSection(FindingsModel::TitleColumn, 320);
    // The server sorts (the query's sortPreset); the table never reorders the loaded rows.
    m_proxy->setClientSortEnabled(false);
    m_table->setSortingEnabled(false);
    m_table->horizontalHeader()->setSectionsClickable(true);
    m_table->horizontalHeader()->setSortIndicatorShown(true);
    connect(
        m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, &FindingsView::onSortIndicatorChanged);
    listLayout->addWidget(m_table, 1);
    auto* footer = new QHBoxLayout;
    m_count = new QLabel(listPane);
    m_count->setObjectName(QStringLiteral("findingsCount"));
    m_loadingMore = new QLabel(tr("Loading more..."), listPane);
    m_loadingMore->setObjectName(QStringLiteral("findingsLoadingMore"));
    m_loadingMore->hide();
    footer->addWidget(m_count);
    footer->addStretch(1);
    footer->addWidget(m_loadingMore);
    listLayout->addLayout(footer);
    splitter->addWidget(listPane);
    splitter->addWidget(buildDetailsPane(splitter));
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    connect(m_banner, &LoadStateBanner::retryRequested, this, [this] {
        m_pageFailed = false;
        if (m_refreshFailed)
            refresh();
        else if (!m_pager || m_pager->pagesLoaded() == 0)
            startListing();
        else
            loadNextPage();
    });
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, &FindingsView::maybeLoadMore);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &FindingsView::onCurrentChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FindingsView::onSelectionChanged);
    // Right-click on the selection: the triage actions.
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addActions({m_triage->allowlistAction(), m_triage->unallowlistAction(), m_triage->overrideAction()});
    connect(m_triage, &TriagePanel::findingsChanged, this, &FindingsView::onFindingsTriaged);
    // A new listing resets the model, which drops the selection without a currentRowChanged.
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &FindingsView::onCurrentChanged);
    connect(m_repositories, &api::Pager::itemsAppended, this, [this](int first, int count) {
        QStringList names;
        for (int i = first; i < first + count; ++i)
            names.append(m_repositories->items().at(i).name);
        m_filterBar->addRepositories(names);
        if (m_repositories->hasMore() && !isPaused())
            m_repositories->loadMore();
    });
    connect(m_repositories, &api::Pager::failed, this, [](const api::ApiError& error) {
        // The filter still offers what was loaded; the list itself is not affected.
        api::logFailure(lcUiFindings(), "repository names", error);
    });
    if (context.connection)
        connect(context.connection, &ConnectionState::pausedChanged, this, &FindingsView::onPausedChanged);
    m_banner->retryWhenBackOnline(context.connection); // after onPausedChanged: a first load goes first
    // Open findings first (FindingsFilter's default): what needs attention, counted as the
    // Overview counts it.
    m_filterBar->setFilter(m_filter);
    m_query = m_filter.toQuery(pageSize);
    showSortIndicator();
    updateCount();
}

QWidget* FindingsView::buildDetailsPane(QWidget* parent)
{
    m_details = new QWidget(parent);
    m_details->setObjectName(QStringLiteral("findingDetails"));
    auto* layout = new QVBoxLayout(m_details);
    layout->setContentsMargins(0, 0, 0, 0);
    m_detailTitle = new QLabel(tr("Select a finding to see its details."), m_details);
    m_detailTitle->setObjectName(QStringLiteral("detailTitle"));
    m_detailTitle->setWordWrap(true);
    m_detailTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont titleFont = m_detailTitle->font();
    titleFont.setBold(true);
    m_detailTitle->setFont(titleFont);
    layout->addWidget(m_detailTitle);

    m_detailsBanner = new LoadStateBanner(context().tracker, m_details);
    m_detailsBanner->setObjectName(QStringLiteral("detailsState"));
    layout->addWidget(m_detailsBanner);

    auto* form = new QFormLayout;
    m_detailForm = form;
    const QList<QPair<QString, QString>> fields {{QStringLiteral("severity"), tr("Severity")},
                                                 {QStringLiteral("type"), tr("Type")},
                                                 {QStringLiteral("status"), tr("Status")},
                                                 {QStringLiteral("repository"), tr("Repository")},
                                                 {QStringLiteral("branch"), tr("Branch")},
                                                 {QStringLiteral("location"), tr("File")},
                                                 {QStringLiteral("rule"), tr("Rule")},
                                                 {QStringLiteral("cwe"), tr("CWE")},
                                                 {QStringLiteral("package"), tr("Package")},
                                                 {QStringLiteral("priority"), tr("Priority")},
                                                 {QStringLiteral("autofix"), tr("Autofix")}};
    for (const auto& [key, caption] : fields) {
        auto* value = new QLabel(m_details);
        value->setObjectName(QStringLiteral("detail:") + key);
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setAccessibleName(caption);
        form->addRow(caption, value);
        m_detailFields.insert(key, value);
        form->setRowVisible(value, false);
    }
    layout->addLayout(form);

    m_description = new QPlainTextEdit(m_details);
    m_description->setObjectName(QStringLiteral("detailDescription"));
    m_description->setAccessibleName(tr("Description"));
    m_description->setReadOnly(true);
    layout->addWidget(m_description, 1);
    layout->addStretch(0); // takes the room while no description is shown

    m_autofix = new QPushButton(tr("Autofix"), m_details);
    m_autofix->setObjectName(QStringLiteral("autofixButton"));
    m_autofix->setAccessibleName(tr("Start an autofix for this finding"));
    m_autofix->setEnabled(false);
    layout->addWidget(m_autofix, 0, Qt::AlignRight);

    m_triage = new TriagePanel(context().api, m_model, m_details);
    layout->addWidget(m_triage);
    connect(m_autofix, &QPushButton::clicked, this, &FindingsView::requestAutofix);
    return m_details;
}

QString FindingsView::pageTitle()
{
    return tr("Findings");
}

QIcon FindingsView::pageIcon()
{
    return navigationIcon(NavigationIcon::Findings);
}

QString FindingsView::title() const
{
    return pageTitle();
}

QIcon FindingsView::icon() const
{
    return pageIcon();
}

bool FindingsView::isPaused() const
{
    return context().connection && context().connection->isPaused();
}

void FindingsView::setSearchDelay(int milliseconds)
{
    m_filterBar->setSearchDelay(milliseconds);
}

MultiSelectComboBox* FindingsView::typeFilter() const
{
    return m_filterBar->typeFilter();
}

MultiSelectComboBox* FindingsView::severityFilter() const
{
    return m_filterBar->severityFilter();
}

QComboBox* FindingsView::statusFilter() const
{
    return m_filterBar->statusFilter();
}

MultiSelectComboBox* FindingsView::repositoryFilter() const
{
    return m_filterBar->repositoryFilter();
}

QLineEdit* FindingsView::searchField() const
{
    return m_filterBar->searchField();
}

QPushButton* FindingsView::clearFiltersButton() const
{
    return m_filterBar->clearButton();
}

void FindingsView::setSettings(AppSettings* settings)
{
    m_settings = settings;
    if (!m_settings)
        return;
    const QByteArray saved = m_settings->value(AppSettings::Key::FindingsFilter).toByteArray();
    if (saved.isEmpty())
        return;
    m_filterBar->setFilter(FindingsFilter::fromJson(saved));
    applyFilters();
}

void FindingsView::showFiltered(const FindingsFilter& filter)
{
    FindingsFilter wanted = filter;
    wanted.sort = m_filter.sort; // the order chosen here stays
    m_filterBar->setFilter(wanted);
    applyFilters();
}

void FindingsView::activate()
{
    if (m_loadWanted)
        return;
    m_loadWanted = true;
    if (isPaused()) {
        m_banner->showOffline(tr("Offline: the findings load when the connection is back."));
        return;
    }
    startListing();
    m_repositories->loadMore();
}

void FindingsView::refresh()
{
    m_loadWanted = true;
    if (m_pager && m_pager->count() > 0)
        startReplacement();
    else
        startListing();
    if (m_repositories->pagesLoaded() == 0 && !m_repositories->isLoading())
        m_repositories->loadMore();
}

void FindingsView::focusSearch()
{
    searchField()->setFocus(Qt::ShortcutFocusReason);
    searchField()->selectAll();
}

void FindingsView::startPrimaryAction()
{
    requestAutofix();
}

void FindingsView::onPausedChanged(bool paused)
{
    if (paused || !m_loadWanted)
        return;
    if ((!m_pager || m_pager->pagesLoaded() == 0) && !m_pageFailed)
        startListing();
    else
        maybeLoadMore();
    if (m_repositories->hasMore() && !m_repositories->isLoading())
        m_repositories->loadMore();
}

void FindingsView::applyFilters()
{
    const FindingsFilter filter = m_filterBar->filter();
    if (filter == m_filter && m_pager)
        return;
    m_filter = filter;
    m_query = filter.toQuery(pageSize);
    if (m_settings)
        m_settings->setValue(AppSettings::Key::FindingsFilter, m_filter.toJson());
    showSortIndicator();
    if (m_loadWanted)
        startListing(); // from page 1, in the new order or with the new filter
}

void FindingsView::onSortIndicatorChanged(int section, Qt::SortOrder order)
{
    // A header click (or sortByColumn): the order the server can give for that column, if any.
    FindingsFilter::Sort sort = m_filter.sort;
    if (section == FindingsModel::SeverityColumn)
        sort = FindingsFilter::Sort::MostSevere; // the server sorts severity one way only
    else if (section == FindingsModel::CreatedColumn)
        sort = order == Qt::AscendingOrder ? FindingsFilter::Sort::Oldest : FindingsFilter::Sort::Newest;
    if (sort != m_filter.sort) {
        m_filterBar->setSort(sort);
        applyFilters();
    }
    showSortIndicator(); // also puts back the arrow a column the server cannot sort took
}

void FindingsView::showSortIndicator()
{
    QHeaderView* header = m_table->horizontalHeader();
    const QSignalBlocker block(header);
    switch (m_filter.sort) {
    case FindingsFilter::Sort::MostSevere:
        header->setSortIndicator(FindingsModel::SeverityColumn, Qt::DescendingOrder);
        break;
    case FindingsFilter::Sort::Newest:
        header->setSortIndicator(FindingsModel::CreatedColumn, Qt::DescendingOrder);
        break;
    case FindingsFilter::Sort::Oldest:
        header->setSortIndicator(FindingsModel::CreatedColumn, Qt::AscendingOrder);
        break;
    case FindingsFilter::Sort::HighestPriority:
        header->setSortIndicator(-1, Qt::DescendingOrder); // no column shows the priority score
        break;
    }
    header->viewport()->update();
}

void FindingsView::startListing()
{
    dropReplacement();
    showPager(api::makeFindingsPager(context().api, m_query, this));
    loadNextPage();
}

void FindingsView::startReplacement()
{
    dropReplacement();
    m_replacement = api::makeFindingsPager(context().api, m_query, this);
    // The first answer (rows, or none at all) replaces the list; until then the old rows stay.
    connect(m_replacement, &api::Pager::itemsAppended, this, &FindingsView::adoptReplacement);
    connect(m_replacement, &api::Pager::exhausted, this, &FindingsView::adoptReplacement);
    connect(m_replacement, &api::Pager::failed, this, &FindingsView::onReplacementFailed);
    QNetworkReply* reply = m_replacement->loadMore();
    if (!m_replacement || !m_replacement->isLoading())
        return; // refused at once: failed() came first
    m_refreshFailed = false;
    setStale(true);
    m_banner->showLoading(tr("Refreshing... the list shows the earlier answer until the new one comes."), reply);
    updateCount();
}

void FindingsView::adoptReplacement()
{
    if (!m_replacement)
        return;
    api::FindingsPager* fresh = m_replacement;
    m_replacement = nullptr;
    fresh->disconnect(this);
    showPager(fresh);
    onItemsAppended();
}

void FindingsView::onReplacementFailed(const api::ApiError& error)
{
    api::logFailure(lcUiFindings(), "findings refresh", error);
    if (m_replacement)
        m_replacement->deleteLater(); // inside its own signal
    m_replacement = nullptr;
    m_refreshFailed = true;
    setStale(false); // no longer being refreshed; the count and the banner say what the rows are
    m_banner->showError(tr("Could not refresh the findings; the list shows the earlier answer."), error);
    updateCount();
}

void FindingsView::dropReplacement()
{
    delete m_replacement; // aborts its page in flight
    m_replacement = nullptr;
    m_refreshFailed = false;
    setStale(false);
}

void FindingsView::setStale(bool stale)
{
    m_stale = stale;
    m_table->setProperty("stale", stale);
    m_table->setAccessibleDescription(stale ? tr("Earlier results, being refreshed") : QString());
}

void FindingsView::showPager(api::FindingsPager* pager)
{
    m_pageFailed = false;
    setStale(false);
    api::FindingsPager* old = m_pager;
    m_pager = pager;
    m_totalAdjustment = 0;
    m_model->setPager(m_pager);
    delete old; // aborts its page in flight
    connect(m_pager, &api::Pager::itemsAppended, this, &FindingsView::onItemsAppended);
    connect(m_pager, &api::Pager::exhausted, this, &FindingsView::updateCount);
    connect(m_pager, &api::Pager::failed, this, &FindingsView::onPageFailed);
    connect(m_pager, &api::Pager::loadingChanged, this, &FindingsView::updateCount);
}

void FindingsView::loadNextPage()
{
    if (!m_pager || m_pager->isLoading() || !m_pager->hasMore())
        return;
    QNetworkReply* reply = m_pager->loadMore();
    if (!m_pager->isLoading())
        return;
    if (m_pager->count() == 0)
        m_banner->showLoading(tr("Loading findings..."), reply);
    else
        m_banner->showLoading(QString(), reply); // "Loading more..." is below the list; the countdown shows here
    updateCount();
}

void FindingsView::maybeLoadMore()
{
    if (!m_loadWanted || !m_pager || m_replacement || m_pageFailed || isPaused() || m_pager->isLoading()
        || !m_pager->hasMore() || m_pager->pagesLoaded() == 0)
        return;
    const QScrollBar* bar = m_table->verticalScrollBar();
    // The end of the list is on screen (or the list does not fill the view yet).
    if (bar->maximum() == 0 || bar->value() >= bar->maximum() - m_table->verticalHeader()->defaultSectionSize())
        loadNextPage();
}

void FindingsView::onItemsAppended()
{
    if (!m_replacement) // else the banner says a refresh is under way
        m_banner->hideState();
    updateCount();
    QTimer::singleShot(0, this, &FindingsView::maybeLoadMore);
}

void FindingsView::onPageFailed(const api::ApiError& error)
{
    m_pageFailed = true;
    api::logFailure(lcUiFindings(), "findings page", error);
    m_banner->showError(m_pager && m_pager->count() > 0 ? tr("Could not load more findings.")
                                                        : tr("Could not load the findings."),
                        error);
    updateCount();
}

void FindingsView::updateCount()
{
    if (!m_pager) {
        m_count->clear();
        m_loadingMore->hide();
        return;
    }
    const QLocale locale;
    const int loaded = m_pager->count();
    std::optional<qint64> total = m_pager->totalCount();
    if (total)
        *total += m_totalAdjustment;
    if (m_pager->pagesLoaded() == 0)
        m_count->clear();
    else if (total && m_pager->hasMore())
        m_count->setText(tr("%1 of %2").arg(locale.toString(loaded), locale.toString(*total)));
    else if (m_pager->hasMore())
        m_count->setText(tr("%1 loaded, more to come").arg(locale.toString(loaded)));
    else
        m_count->setText(loaded == 1 ? tr("1 finding") : tr("%1 findings").arg(locale.toString(loaded)));
    if (m_stale || m_refreshFailed)
        m_count->setText(tr("%1 (earlier answer)").arg(m_count->text()));
    m_loadingMore->setVisible(m_pager->isLoading() && loaded > 0);

    if (m_pager->isLoading() || m_replacement || m_banner->state() == LoadStateBanner::State::Error
        || m_banner->state() == LoadStateBanner::State::Offline)
        return;
    if (!m_pager->hasMore() && loaded == 0)
        m_banner->showEmpty(m_filter.isFiltering() ? tr("No findings match these filters.")
                                                   : tr("No findings: nothing to fix right now."));
    else
        m_banner->hideState();
}

void FindingsView::onCurrentChanged()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const int sourceRow = current.isValid() ? m_proxy->sourceRow(current.row()) : -1;
    const QString id = sourceRow >= 0 ? m_model->finding(sourceRow).id : QString();
    if (id == m_selectedId)
        return;
    m_selectedId = id;
    m_detailsId.clear();
    delete m_detailRequest; // the previous finding's answer is no longer wanted
    m_detailRequest = nullptr;
    m_detailsBanner->hideState();
    showRowDetails(sourceRow);
    m_triage->showRecordOf(sourceRow);
    if (sourceRow < 0 || !m_selectedService)
        return;
    m_detailRequest = new QObject(this);
    const QString requested = id;
    QNetworkReply* reply = context().api->finding(
        *m_selectedService, id, m_detailRequest, [this, requested](const api::Result<api::FindingDetail>& result) {
            if (requested != m_selectedId) // an answer for a finding no longer selected
                return;
            if (!result) {
                api::logFailure(lcUiFindings(), "finding details", result.error());
                m_detailsBanner->showError(tr("Could not load the details."), result.error());
                return;
            }
            m_detailsBanner->hideState();
            showDetail(result.value());
        });
    m_detailsBanner->showLoading(tr("Loading details..."), reply);
    loadAutofixStatus();
}

void FindingsView::onSelectionChanged()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    QList<int> sourceRows;
    sourceRows.reserve(rows.size());
    for (const QModelIndex& index : rows)
        sourceRows.append(m_proxy->sourceRow(index.row()));
    m_triage->setSelection(sourceRows);
}

void FindingsView::onFindingsTriaged(const QStringList& findingIds)
{
    // The rows show the change already; the selection's actions and the details follow it (the
    // details are asked again: the server's record of the finding has changed).
    // A row that no longer matches the listing's status or severity filter leaves the server's total.
    const auto matches = [this](const api::Finding& f) {
        if (m_query.isResolved && *m_query.isResolved != f.isResolved.value_or(false))
            return false;
        if (m_query.isAllowlisted && *m_query.isAllowlisted != f.isAllowlisted.value_or(false))
            return false;
        return m_query.severities.isEmpty() || m_query.severities.contains(f.severity);
    };
    for (const auto& [before, after] : m_triage->lastChanges())
        m_totalAdjustment += int(matches(after)) - int(matches(before));
    updateCount();
    onSelectionChanged();
    if (findingIds.contains(m_selectedId)) {
        m_selectedId.clear();
        onCurrentChanged();
    }
    emit findingsTriaged(findingIds);
}

void FindingsView::loadAutofixStatus()
{
    if (!m_selectedService || !api::hasAutofix(*m_selectedService) || m_selectedResolved)
        return;
    const QString requested = m_selectedId;
    const api::FindingService service = *m_selectedService;
    context().api->autofixStatus(
        service, requested, m_detailRequest, [this, service, requested](const api::Result<api::AutofixStatus>& result) {
            if (!result) {
                // The button still works: the Autofix page asks the server again before it starts.
                api::logFailure(lcUiFindings(), "autofix status", result.error());
                return;
            }
            showAutofixStatus(service, requested, result.value());
        });
}

void FindingsView::showAutofixStatus(nullify::api::FindingService service,
                                     const QString& findingId,
                                     const nullify::api::AutofixStatus& status)
{
    if (findingId != m_selectedId || service != m_selectedService)
        return;
    m_autofixStatus = status;
    const QString state = DisplayText::autofixState(status.state);
    setDetailField(QStringLiteral("autofix"),
                   status.currentActivity.isEmpty() ? state : tr("%1: %2").arg(state, status.currentActivity));
    updateAutofixButton();
}

void FindingsView::updateAutofixButton()
{
    const bool hasAutofix = m_selectedService && api::hasAutofix(*m_selectedService);
    const bool fixExists = m_autofixStatus && api::hasFixOrRunning(m_autofixStatus->state);
    m_autofix->setEnabled(hasAutofix && !m_selectedResolved);
    m_autofix->setText(fixExists ? tr("Show fix") : tr("Autofix"));
    m_autofix->setAccessibleName(fixExists ? tr("Show the autofix of this finding")
                                           : tr("Start an autofix for this finding"));
    if (!hasAutofix)
        m_autofix->setToolTip(tr("Autofix is not available for this kind of finding"));
    else if (m_selectedResolved)
        m_autofix->setToolTip(tr("This finding is resolved: there is nothing to fix"));
    else if (fixExists)
        m_autofix->setToolTip(tr("Nullify already has a fix for this finding: show it"));
    else
        m_autofix->setToolTip(tr("Ask Nullify to fix this finding and open a pull request"));
}

void FindingsView::showRowDetails(int sourceRow)
{
    for (QLabel* label : std::as_const(m_detailFields)) {
        label->clear();
        m_detailForm->setRowVisible(label, false);
    }
    m_description->clear();
    m_description->setVisible(sourceRow >= 0);
    m_selectedService.reset();
    m_selectedTitle.clear();
    m_selectedRepository.clear();
    m_selectedResolved = false;
    m_autofixStatus.reset();
    if (sourceRow < 0) {
        m_detailTitle->setText(tr("Select a finding to see its details."));
        updateAutofixButton();
        return;
    }
    // What the list already knows, shown at once; the server's details fill in the rest.
    const api::Finding& f = m_model->finding(sourceRow);
    m_selectedService = FindingsModel::serviceOf(f);
    m_selectedTitle = FindingsModel::titleOf(f);
    m_selectedRepository = f.repository;
    m_selectedResolved = FindingsModel::statusOf(f) == FindingsModel::Status::Resolved;
    m_detailTitle->setText(m_selectedTitle);
    setDetailField(QStringLiteral("severity"), DisplayText::severity(f.severity, f.severityText));
    setDetailField(QStringLiteral("type"), DisplayText::findingType(f.type, f.typeText));
    setDetailField(QStringLiteral("status"), FindingsModel::statusText(FindingsModel::statusOf(f)));
    setDetailField(QStringLiteral("repository"), f.repository);
    setDetailField(QStringLiteral("branch"), f.branch);
    setDetailField(QStringLiteral("location"), locationText(f.filePath, f.startLine, f.endLine));
    setDetailField(QStringLiteral("rule"), f.ruleId);
    setDetailField(QStringLiteral("cwe"), f.cwe);
    setDetailField(QStringLiteral("package"), f.packageName);
    setDetailField(QStringLiteral("priority"), f.priorityLabel);
    setDetailField(QStringLiteral("autofix"), DisplayText::autofixState(f.autofixState));
    updateAutofixButton();
}

void FindingsView::showDetail(const api::FindingDetail& d)
{
    m_detailsId = d.id;
    if (!d.title.isEmpty()) {
        m_selectedTitle = d.title;
        m_detailTitle->setText(d.title);
    }
    // A detail without a severity keeps the list's: "Unknown" would contradict the row.
    if (!d.severityText.isEmpty())
        setDetailField(QStringLiteral("severity"), DisplayText::severity(d.severity, d.severityText));
    if (d.isResolved || d.isAllowlisted)
        setDetailField(QStringLiteral("status"), statusText(d.isResolved, d.isAllowlisted));
    if (d.isResolved.value_or(false) && !m_selectedResolved) {
        m_selectedResolved = true; // the server's details know better than the list's row
        updateAutofixButton();
    }
    if (!d.repository.isEmpty())
        setDetailField(QStringLiteral("repository"), d.repository);
    if (!d.branch.isEmpty())
        setDetailField(QStringLiteral("branch"),
                       d.commit.isEmpty() ? d.branch : tr("%1 at %2").arg(d.branch, d.commit.left(12)));
    QString location = locationText(d.filePath, d.startLine, d.endLine);
    if (location.isEmpty() && !d.endpointPath.isEmpty())
        location = QStringLiteral("%1 %2").arg(d.endpointMethod, d.endpointPath).trimmed();
    if (location.isEmpty() && !d.resourceId.isEmpty())
        location = d.resourceName.isEmpty() ? d.resourceId : tr("%1 (%2)").arg(d.resourceName, d.resourceId);
    if (location.isEmpty() && !d.image.isEmpty())
        location = d.image;
    if (!location.isEmpty())
        setDetailField(QStringLiteral("location"), location);
    if (!d.ruleId.isEmpty())
        setDetailField(QStringLiteral("rule"), d.ruleId);
    QStringList weaknesses = d.cwes;
    weaknesses << d.cves;
    if (!weaknesses.isEmpty())
        setDetailField(QStringLiteral("cwe"), weaknesses.join(QStringLiteral(", ")));
    if (!d.packageName.isEmpty())
        setDetailField(QStringLiteral("package"),
                       d.suggestedVersion.isEmpty()
                           ? tr("%1 %2").arg(d.packageName, d.packageVersion).trimmed()
                           : tr("%1 %2 (fixed in %3)").arg(d.packageName, d.packageVersion, d.suggestedVersion));
    if (!d.priorityLabel.isEmpty())
        setDetailField(QStringLiteral("priority"), d.priorityLabel);
    // The autofix status endpoint, when it has answered, is the word on the autofix.
    if (d.autofixState != api::AutofixState::Unknown && !m_autofixStatus)
        setDetailField(QStringLiteral("autofix"),
                       d.autofixActivity.isEmpty()
                           ? DisplayText::autofixState(d.autofixState)
                           : tr("%1: %2").arg(DisplayText::autofixState(d.autofixState), d.autofixActivity));
    QString description = d.description;
    if (!d.redactedSecret.isEmpty())
        description += (description.isEmpty() ? QString() : QStringLiteral("\n\n"))
            + tr("Secret (redacted): %1").arg(d.redactedSecret);
    m_description->setPlainText(description.isEmpty() ? tr("The server has no description for this finding.")
                                                      : description);
}

void FindingsView::setDetailField(const QString& key, const QString& text)
{
    if (QLabel* label = m_detailFields.value(key)) {
        label->setText(text);
        m_detailForm->setRowVisible(label, !text.isEmpty());
    }
}

QLabel* FindingsView::detailField(const QString& key) const
{
    return m_detailFields.value(key);
}

void FindingsView::requestAutofix()
{
    if (m_selectedId.isEmpty() || !m_selectedService || !api::hasAutofix(*m_selectedService) || m_selectedResolved)
        return;
    if (m_autofixStatus && api::hasFixOrRunning(m_autofixStatus->state))
        emit autofixShowRequested(*m_selectedService, m_selectedId, m_selectedTitle);
    else
        emit autofixRequested(*m_selectedService, m_selectedId, m_selectedTitle, m_selectedRepository);
}

} // namespace nullify::ui
