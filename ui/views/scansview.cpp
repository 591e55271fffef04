#include "scansview.h"

#include "apierror.h"
#include "connectionstate.h"
#include "displaytext.h"
#include "navigationicons.h"
#include "nullifyapi.h"
#include "operationrow.h"
#include "pentestreportdialog.h"
#include "pentestscansmodel.h"
#include "polldriver.h"
#include "poller.h"
#include "requesttracker.h" // connectionstate.h holds a QPointer to it: the full type is needed
#include "retrycountdown.h"
#include "startconfirmation.h"

#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLoggingCategory>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiScans, "nullify.ui.scans", QtInfoMsg)

namespace {

constexpr int kHistoryPageSize = 25;

// "AWS: Completed · Azure: In progress"
QString providersText(const api::CloudScanStatus& status)
{
    QStringList parts;
    for (const api::CloudScanProvider& provider : status.providers) {
        QString part = ScansView::tr("%1: %2").arg(provider.provider,
                                                   DisplayText::scanStatus(provider.status, provider.statusText));
        if (!provider.errorMessage.isEmpty())
            part += ScansView::tr(" (%1)").arg(provider.errorMessage);
        parts << part;
    }
    return parts.join(QStringLiteral(" · "));
}

int cloudProgress(const api::CloudScanStatus& status)
{
    if (status.isFinal())
        return 100;
    if (status.providers.isEmpty())
        return 0;
    int done = 0;
    for (const api::CloudScanProvider& provider : status.providers)
        done += api::isFinal(provider.status) ? 1 : 0;
    return done * 100 / int(status.providers.size());
}

// The row's hold text: offline, or the server's own wait.
void showHold(OperationRow* row, const PollDriver* driver)
{
    if (driver->isHeldForConnection())
        row->setHint(ScansView::tr("Offline: checking again when the connection is back."));
    else if (driver->heldUntil().isValid())
        row->setHint(RetryCountdown::waitUntilText(driver->heldUntil()));
    else
        row->setHint(QString());
}

} // namespace

ScansView::ScansView(const ViewContext& context, QWidget* parent)
    : View(context, parent)
{
    setObjectName(QStringLiteral("scansView"));
    m_requests = new QObject(this);
    m_confirmation = new StartConfirmation(this);

    // Cloud scans
    auto* cloudGroup = new QGroupBox(tr("Cloud scans"), this);
    m_startCloudScan = new QPushButton(tr("Start cloud scan"), cloudGroup);
    m_startCloudScan->setObjectName(QStringLiteral("startCloudScanButton"));
    m_startCloudScan->setAccessibleName(tr("Start cloud scan"));
    m_startCloudScan->setToolTip(tr("Scan the connected cloud accounts now (Ctrl+Shift+N)"));
    connect(m_startCloudScan, &QPushButton::clicked, this, &ScansView::startCloudScan);
    auto* cloudTop = new QHBoxLayout;
    cloudTop->addWidget(m_startCloudScan);
    cloudTop->addStretch(1);
    m_cloudRows = new QVBoxLayout;
    auto* cloudLayout = new QVBoxLayout(cloudGroup);
    cloudLayout->addLayout(cloudTop);
    cloudLayout->addLayout(m_cloudRows);

    // Pentests: start
    auto* pentestGroup = new QGroupBox(tr("Pentests"), this);
    m_applications = new QComboBox(pentestGroup);
    m_applications->setObjectName(QStringLiteral("applicationChooser"));
    m_applications->setAccessibleName(tr("Application to pentest"));
    m_applications->setMinimumContentsLength(20);
    m_startPentest = new QPushButton(tr("Start pentest"), pentestGroup);
    m_startPentest->setObjectName(QStringLiteral("startPentestButton"));
    m_startPentest->setAccessibleName(tr("Start pentest"));
    m_startPentest->setToolTip(tr("Start a pentest of the chosen application"));
    connect(m_startPentest, &QPushButton::clicked, this, &ScansView::startPentest);
    m_applicationsStatus = new QLabel(pentestGroup);
    m_applicationsStatus->setObjectName(QStringLiteral("applicationsStatus"));
    m_applicationsStatus->setTextFormat(Qt::PlainText);
    auto* pentestTop = new QHBoxLayout;
    auto* applicationLabel = new QLabel(tr("&Application:"), pentestGroup);
    applicationLabel->setBuddy(m_applications);
    pentestTop->addWidget(applicationLabel);
    pentestTop->addWidget(m_applications);
    pentestTop->addWidget(m_startPentest);
    pentestTop->addWidget(m_applicationsStatus, 1);
    m_pentestRows = new QVBoxLayout;
    auto* pentestLayout = new QVBoxLayout(pentestGroup);
    pentestLayout->addLayout(pentestTop);
    pentestLayout->addLayout(m_pentestRows);

    // Pentests: history
    auto* historyGroup = new QGroupBox(tr("Pentest history"), this);
    m_model = new PentestScansModel(this);
    m_pager = api::makePentestScanPager(context.api, kHistoryPageSize, this);
    m_model->setPager(m_pager);
    m_history = new QTableView(historyGroup);
    m_history->setObjectName(QStringLiteral("pentestHistory"));
    m_history->setAccessibleName(tr("Pentest history"));
    m_history->setModel(m_model);
    m_history->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_history->setSelectionMode(QAbstractItemView::SingleSelection);
    m_history->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_history->verticalHeader()->hide();
    m_history->horizontalHeader()->setStretchLastSection(true);
    // Dates with their time: a 100-pixel column cut "12/2/26 10:30 AM" to "12/2/26 1…".
    for (int column : {PentestScansModel::StatusColumn, PentestScansModel::StartedColumn})
        m_history->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    m_historyStatus = new QLabel(historyGroup);
    m_historyStatus->setObjectName(QStringLiteral("historyStatus"));
    m_historyStatus->setTextFormat(Qt::PlainText);
    m_historyStatus->setWordWrap(true);
    m_openReport = new QPushButton(tr("Open report"), historyGroup);
    m_openReport->setObjectName(QStringLiteral("openReportButton"));
    m_openReport->setAccessibleName(tr("Open the report of the selected pentest"));
    m_openReport->setEnabled(false);
    connect(m_openReport, &QPushButton::clicked, this, &ScansView::openSelectedReport);
    m_loadMore = new QPushButton(tr("Load more"), historyGroup);
    m_loadMore->setObjectName(QStringLiteral("loadMoreButton"));
    m_loadMore->setAccessibleName(tr("Load more pentests"));
    m_loadMore->setVisible(false);
    connect(m_loadMore, &QPushButton::clicked, this, [this] { m_pager->loadMore(); });
    m_refreshHistory = new QPushButton(tr("Refresh"), historyGroup);
    m_refreshHistory->setObjectName(QStringLiteral("refreshHistoryButton"));
    m_refreshHistory->setAccessibleName(tr("Refresh the pentest history"));
    connect(m_refreshHistory, &QPushButton::clicked, this, &ScansView::reloadHistory);
    auto* historyButtons = new QHBoxLayout;
    historyButtons->addWidget(m_historyStatus, 1);
    historyButtons->addWidget(m_loadMore);
    historyButtons->addWidget(m_refreshHistory);
    historyButtons->addWidget(m_openReport);
    auto* historyLayout = new QVBoxLayout(historyGroup);
    historyLayout->addWidget(m_history);
    historyLayout->addLayout(historyButtons);

    connect(m_history->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ScansView::updateButtons);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ScansView::updateButtons);
    connect(m_history, &QTableView::doubleClicked, this, &ScansView::openSelectedReport);
    connect(m_pager, &api::Pager::loadingChanged, this, [this](bool loading) {
        if (loading)
            m_historyStatus->setText(tr("Loading…"));
        updateButtons();
    });
    // Counted from the model, which also gains a row when a pentest starts here (not only when a
    // page arrives), and after it has taken the page in.
    const auto showCount = [this] {
        if (!m_pager->isLoading())
            m_historyStatus->setText(tr("%n pentest(s)", nullptr, m_model->count()));
    };
    connect(m_model, &QAbstractItemModel::rowsInserted, this, showCount);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, showCount);
    connect(m_pager, &api::Pager::exhausted, this, showCount); // also says "0" for an empty history
    connect(m_pager, &api::Pager::failed, this, [this](const api::ApiError& error) {
        m_historyStatus->setText(tr("Could not load the history: %1").arg(operationErrorText(error)));
    });

    // Operations above, history below; the user decides how much room each gets.
    auto* operations = new QWidget(this);
    auto* operationsLayout = new QVBoxLayout(operations);
    operationsLayout->setContentsMargins(0, 0, 0, 0);
    operationsLayout->addWidget(cloudGroup);
    operationsLayout->addWidget(pentestGroup);
    operationsLayout->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(operations);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(scroll);
    splitter->addWidget(historyGroup);
    // Running operations are what the user watches: they share the height with the history
    // instead of being squeezed to a sliver by it.
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    scroll->setMinimumHeight(fontMetrics().height() * 12);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    updateButtons();
}

ScansView::~ScansView()
{
    // Rows end their requests while this view is still whole: their callbacks may touch it.
    qDeleteAll(cloudScanRows() + pentestRows());
    disconnect(m_pager, nullptr, this, nullptr);
    m_pager->reset();
    delete m_requests;
}

QString ScansView::pageTitle()
{
    return tr("Scans");
}

QIcon ScansView::pageIcon()
{
    return navigationIcon(NavigationIcon::Scans);
}

QString ScansView::title() const
{
    return pageTitle();
}

QIcon ScansView::icon() const
{
    return pageIcon();
}

void ScansView::activate()
{
    if (m_loaded)
        return;
    m_loaded = true;
    loadApplications();
    m_pager->loadMore();
}

void ScansView::refresh()
{
    m_loaded = true;
    loadApplications();
    reloadHistory();
}

void ScansView::startPrimaryAction()
{
    startCloudScan();
}

QList<OperationRow*> ScansView::cloudScanRows() const
{
    QList<OperationRow*> rows;
    for (int i = 0; i < m_cloudRows->count(); ++i)
        if (auto* row = qobject_cast<OperationRow*>(m_cloudRows->itemAt(i)->widget()))
            rows << row;
    return rows;
}

QList<OperationRow*> ScansView::pentestRows() const
{
    QList<OperationRow*> rows;
    for (int i = 0; i < m_pentestRows->count(); ++i)
        if (auto* row = qobject_cast<OperationRow*>(m_pentestRows->itemAt(i)->widget()))
            rows << row;
    return rows;
}

OperationRow* ScansView::addRow(QVBoxLayout* rows, const QString& title)
{
    auto* row = new OperationRow(context().tracker, title, this);
    rows->insertWidget(0, row); // newest first, like the history
    row->show();
    connect(row, &OperationRow::dismissRequested, row, &QObject::deleteLater);
    return row;
}

void ScansView::loadApplications()
{
    m_applicationsStatus->setText(tr("Loading applications…"));
    context().api->applications(m_requests, [this](const api::Result<QList<api::Application>>& result) {
        if (!result) {
            m_applicationsStatus->setText(
                tr("Could not load the applications: %1").arg(operationErrorText(result.error())));
            return;
        }
        const QString chosen = m_applications->currentData().toString();
        m_applicationList = result.value();
        m_model->setApplications(m_applicationList);
        m_applications->clear();
        for (const api::Application& application : std::as_const(m_applicationList))
            m_applications->addItem(application.name.isEmpty() ? application.id : application.name, application.id);
        const int again = m_applications->findData(chosen);
        if (again >= 0)
            m_applications->setCurrentIndex(again);
        m_applicationsStatus->setText(m_applicationList.isEmpty() ? tr("No applications to pentest.") : QString());
        updateButtons();
    });
}

void ScansView::reloadHistory()
{
    m_pager->reset();
    m_pager->loadMore();
}

void ScansView::updateButtons()
{
    m_startCloudScan->setEnabled(!m_cloudStarting);
    m_startPentest->setEnabled(!m_pentestStarting && m_applications->count() > 0);
    m_loadMore->setVisible(m_pager->hasMore() && m_pager->pagesLoaded() > 0);
    m_loadMore->setEnabled(!m_pager->isLoading());
    const QModelIndexList selected = m_history->selectionModel()->selectedRows();
    bool completed = false;
    if (!selected.isEmpty()) {
        const QModelIndex index = selected.first();
        completed
            = api::ScanStatus(index.data(PentestScansModel::ScanStatusRole).toInt()) == api::ScanStatus::Completed;
    }
    m_openReport->setEnabled(completed && !m_reportLoading);
}

QString ScansView::applicationName(const QString& applicationId) const
{
    for (const api::Application& application : m_applicationList)
        if (application.id == applicationId && !application.name.isEmpty())
            return application.name;
    return applicationId;
}

void ScansView::startFailed(OperationRow* row, const api::ApiError& error, const QString& what)
{
    row->setStatus(tr("Could not start"));
    row->setProgress(-1);
    const QString hint = ambiguousFailureHint(QByteArrayLiteral("POST"), error, what);
    // The ambiguous case is the one where a second click could start a duplicate: say so first.
    row->setHint(hint.isEmpty() ? operationErrorText(error) : hint);
    row->setDetail(hint.isEmpty() ? QString() : operationErrorText(error));
    row->setEnded(true);
    api::logFailure(lcUiScans(), hint.isEmpty() ? "start" : "start (ambiguous)", error);
}

QString ScansView::tenantName() const
{
    return context().api->client()->baseUrl().host();
}

OperationRow* ScansView::runningCloudScan() const
{
    const QList<OperationRow*> rows = cloudScanRows();
    const auto running = std::find_if(rows.cbegin(), rows.cend(), [](OperationRow* row) { return !row->isEnded(); });
    return running == rows.cend() ? nullptr : *running;
}

bool ScansView::isPentestRunning(const QString& applicationId) const
{
    // Started here (its row still follows it)...
    const QPointer<OperationRow> row = m_pentestRowByApplication.value(applicationId);
    if (row && !row->isEnded())
        return true;
    // ...or anywhere, as far as the server's history says (another window, before a restart).
    for (int i = 0; i < m_model->rowCount(); ++i) {
        const QModelIndex index = m_model->index(i, 0);
        if (index.data(PentestScansModel::ApplicationIdRole).toString() == applicationId
            && !index.data(PentestScansModel::IsFinalRole).toBool())
            return true;
    }
    return false;
}

void ScansView::startCloudScan()
{
    if (OperationRow* running = runningCloudScan()) {
        m_confirmation->refuse(tr("A cloud scan is already running"),
                               tr("%1 is still %2. A second cloud scan was not started.")
                                   .arg(running->title(), running->status().toLower()));
        return;
    }
    m_confirmation->ask(QStringLiteral("cloud-scan"),
                        tr("Start a cloud scan?"),
                        tr("A cloud scan of every cloud account connected to %1.").arg(tenantName()),
                        [this] { sendCloudScanStart(); });
}

void ScansView::sendCloudScanStart()
{
    if (m_cloudStarting || runningCloudScan())
        return; // started meanwhile (the question was open): never twice
    m_cloudStarting = true;
    updateButtons();
    OperationRow* row = addRow(m_cloudRows, tr("Cloud scan"));
    row->setStatus(tr("Starting…"));
    QNetworkReply* reply
        = context().api->startCloudScan(row->work(), [this, row](const api::Result<api::CloudScanStart>& result) {
              m_cloudStarting = false;
              updateButtons();
              if (!result) {
                  startFailed(row, result.error(), tr("the cloud scan"));
                  return;
              }
              row->setTitle(tr("Cloud scan %1").arg(result.value().scanId));
              followCloudScan(row, result.value().scanId);
          });
    row->bindReply(reply);
}

void ScansView::followCloudScan(OperationRow* row, const QString& scanId)
{
    row->setStatus(DisplayText::scanStatus(api::ScanStatus::Queued));
    row->setProgress(0);
    auto* poller = new api::CloudScanPoller(context().api, scanId, row->work());
    poller->setInterval(m_pollInterval);
    auto* driver = new PollDriver(poller, context().connection, row->work());
    row->followRequests([poller] { return poller->currentReply(); });
    connect(driver, &PollDriver::holdChanged, row, [row, driver] { showHold(row, driver); });
    connect(poller, &api::CloudScanPoller::statusUpdated, row, [this, row](const api::CloudScanStatus& status) {
        showCloudStatus(row, status);
    });
    connect(poller, &api::Poller::pollFailed, row, [row](const api::ApiError& error) {
        row->setHint(operationErrorText(error));
    });
    connect(poller, &api::Poller::failed, row, [row](const api::ApiError& error) {
        row->setStatus(tr("No longer followed"));
        row->setHint(operationErrorText(error));
        row->setEnded(true);
    });
    connect(poller, &api::CloudScanPoller::finished, row, [this, row, scanId](const api::CloudScanStatus& status) {
        row->setEnded(true);
        emit notificationRequested(
            tr("Cloud scan finished"),
            tr("Cloud scan %1: %2")
                .arg(scanId, DisplayText::scanStatus(status.overallStatus, status.overallStatusText)));
    });
    driver->start();
    showHold(row, driver);
}

void ScansView::showCloudStatus(OperationRow* row, const api::CloudScanStatus& status)
{
    row->setStatus(DisplayText::scanStatus(status.overallStatus, status.overallStatusText));
    row->setProgress(cloudProgress(status));
    row->setDetail(providersText(status));
    row->setHint(QString());
}

void ScansView::startPentest()
{
    const QString applicationId = m_applications->currentData().toString();
    if (applicationId.isEmpty())
        return;
    const QString name = applicationName(applicationId);
    if (m_pentestStarting || isPentestRunning(applicationId)) {
        m_confirmation->refuse(tr("A pentest of %1 is already running").arg(name),
                               tr("A pentest of %1 is already in progress. A second one was not started.").arg(name));
        return;
    }
    const QString target = name == applicationId ? name : tr("%1 (application %2)").arg(name, applicationId);
    m_confirmation->ask(QStringLiteral("pentest:") + applicationId,
                        tr("Start a pentest?"),
                        tr("A pentest of %1.").arg(target),
                        [this, applicationId] { sendPentestStart(applicationId); });
}

void ScansView::sendPentestStart(const QString& applicationId)
{
    if (m_pentestStarting || isPentestRunning(applicationId))
        return; // started meanwhile (the question was open): never twice
    m_pentestStarting = true;
    updateButtons();
    OperationRow* row = addRow(m_pentestRows, tr("Pentest of %1").arg(applicationName(applicationId)));
    m_pentestRowByApplication.insert(applicationId, row);
    row->setStatus(tr("Starting…"));
    QNetworkReply* reply = context().api->startPentest(
        applicationId, row->work(), [this, row](const api::Result<api::PentestScan>& result) {
            m_pentestStarting = false;
            updateButtons();
            if (!result) {
                startFailed(row, result.error(), tr("the pentest"));
                // Whether the server started it is in its list: show that rather than guess.
                if (!ambiguousFailureHint(QByteArrayLiteral("POST"), result.error()).isEmpty())
                    reloadHistory();
                return;
            }
            m_model->upsert(result.value());
            followPentest(row, result.value());
        });
    row->bindReply(reply);
}

void ScansView::followPentest(OperationRow* row, const api::PentestScan& scan)
{
    const QString scanId = scan.id;
    showPentest(row, scan);
    auto* stop = new QPushButton(tr("Stop"));
    stop->setObjectName(QStringLiteral("stopPentestButton"));
    stop->setAccessibleName(tr("Stop this pentest"));
    row->addButton(stop);
    auto* poller = new api::PentestScanPoller(context().api, scanId, row->work());
    poller->setInterval(m_pollInterval);
    auto* driver = new PollDriver(poller, context().connection, row->work());
    row->followRequests([poller] { return poller->currentReply(); });
    connect(driver, &PollDriver::holdChanged, row, [row, driver] { showHold(row, driver); });
    connect(stop, &QPushButton::clicked, row, [this, row, stop, scanId] {
        stop->setEnabled(false);
        QNetworkReply* reply = context().api->stopPentest(
            scanId, row->work(), [this, row, stop](const api::Result<api::PentestScan>& result) {
                if (!result) {
                    stop->setEnabled(true);
                    row->setHint(tr("Could not stop: %1").arg(operationErrorText(result.error())));
                    return;
                }
                // The poll carries it to "cancelled"; show "stopping" meanwhile.
                showPentest(row, result.value());
                m_model->upsert(result.value());
            });
        row->bindReply(reply); // the stop's countdown first; the next poll update follows the polls again
    });
    connect(poller, &api::PentestScanPoller::scanUpdated, row, [this, row, poller](const api::PentestScan& update) {
        showPentest(row, update);
        m_model->upsert(update);
        row->followRequests([poller] { return poller->currentReply(); });
    });
    connect(poller, &api::Poller::pollFailed, row, [row](const api::ApiError& error) {
        row->setHint(operationErrorText(error));
    });
    connect(poller, &api::Poller::failed, row, [row, stop](const api::ApiError& error) {
        row->setStatus(tr("No longer followed"));
        row->setHint(operationErrorText(error));
        row->setEnded(true);
        stop->setVisible(false);
    });
    connect(poller, &api::PentestScanPoller::finished, row, [this, row, stop](const api::PentestScan& ended) {
        row->setEnded(true);
        stop->setVisible(false);
        updateButtons();
        QString message
            = tr("Pentest of %1: %2")
                  .arg(applicationName(ended.appId), DisplayText::scanStatus(ended.status, ended.statusText));
        if (!ended.failureReason.isEmpty())
            message += QStringLiteral(" (%1)").arg(ended.failureReason);
        emit notificationRequested(tr("Pentest finished"), message);
    });
    driver->start();
    showHold(row, driver);
}

void ScansView::showPentest(OperationRow* row, const api::PentestScan& scan)
{
    row->setStatus(DisplayText::scanStatus(scan.status, scan.statusText));
    row->setProgress(scan.progress);
    QString detail;
    if (!scan.failureReason.isEmpty())
        detail = scan.failureReason;
    else if (!scan.abortMessage.isEmpty())
        detail = scan.abortMessage;
    else if (scan.status == api::ScanStatus::Completed)
        detail = tr("%n finding(s)", nullptr, int(scan.findingIds.size()));
    row->setDetail(detail);
    row->setHint(QString());
}

void ScansView::openSelectedReport()
{
    const QModelIndexList selected = m_history->selectionModel()->selectedRows();
    if (selected.isEmpty() || m_reportLoading || !m_openReport->isEnabled())
        return;
    const QString scanId = selected.first().data(PentestScansModel::IdRole).toString();
    const QString appName = applicationName(selected.first().data(PentestScansModel::ApplicationIdRole).toString());
    m_reportLoading = true;
    updateButtons();
    m_historyStatus->setText(tr("Loading the report…"));
    context().api->pentestReport(scanId, m_requests, [this, appName](const api::Result<api::PentestReport>& result) {
        m_reportLoading = false;
        updateButtons();
        if (!result) {
            m_historyStatus->setText(tr("Could not load the report: %1").arg(operationErrorText(result.error())));
            return;
        }
        m_historyStatus->clear();
        if (!m_reportDialog)
            m_reportDialog = new PentestReportDialog(this);
        m_reportDialog->setReport(appName, result.value());
        m_reportDialog->show();
        m_reportDialog->raise();
        m_reportDialog->activateWindow();
    });
}

} // namespace nullify::ui
