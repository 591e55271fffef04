#include "autofixview.h"

#include "apierror.h"
#include "connectionstate.h"
#include "diffview.h"
#include "displaytext.h"
#include "findingsmodel.h"
#include "navigationicons.h"
#include "nullifyapi.h"
#include "operationrow.h"
#include "polldriver.h"
#include "poller.h"
#include "requesttracker.h" // connectionstate.h holds a QPointer to it: the full type is needed
#include "retrycountdown.h"
#include "startconfirmation.h"

#include <QDesktopServices>
#include <QGroupBox>
#include <QLabel>
#include <QLoggingCategory>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

#include <optional>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiAutofix, "nullify.ui.autofix", QtInfoMsg)

namespace {

QString phaseText(const QString& phase)
{
    if (phase == QLatin1String("planning"))
        return AutofixView::tr("Planning");
    if (phase == QLatin1String("fixing"))
        return AutofixView::tr("Fixing");
    if (phase == QLatin1String("reviewing"))
        return AutofixView::tr("Reviewing");
    if (phase == QLatin1String("creating_pr"))
        return AutofixView::tr("Creating the pull request");
    return phase;
}

} // namespace

// One finding's autofix. A child of its row: both go together when the row is dismissed.
struct AutofixView::Autofix : public QObject
{
    explicit Autofix(OperationRow* row)
        : QObject(row->work())
        , row(row)
    { }

    api::FindingService service = api::FindingService::Sast;
    QString findingId;
    QString title;
    QString repository;
    OperationRow* row;
    api::AutofixPoller* poller = nullptr;
    PollDriver* driver = nullptr;
    QPushButton* showDiff = nullptr;
    QPushButton* createPr = nullptr;
    QPushButton* openPr = nullptr;
    std::optional<api::AutofixDiff> diff;
    bool diffLoading = false;
    QString pullRequestUrl;
    bool creatingPr = false;
    bool lostTrack = false; // polling ended on an error, not on the fix's end
    bool followed = false; // the poller's signals are connected
    // Found over on the server (listed, or "Show fix"): its end is no news, and its diff loads on request.
    bool quiet = false;
};

AutofixView::AutofixView(const ViewContext& context, QWidget* parent)
    : View(context, parent)
    , m_urlOpener([](const QUrl& url) { return QDesktopServices::openUrl(url); })
{
    setObjectName(QStringLiteral("autofixView"));
    m_requests = new QObject(this);
    m_confirmation = new StartConfirmation(this);

    auto* rowsWidget = new QWidget(this);
    m_rows = new QVBoxLayout(rowsWidget);
    m_empty = new QLabel(tr("No autofix yet. Choose a finding in Findings and click Autofix."), rowsWidget);
    m_empty->setObjectName(QStringLiteral("autofixEmpty"));
    m_empty->setWordWrap(true);
    m_rows->addWidget(m_empty);
    m_rows->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("autofixList"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(rowsWidget);

    auto* diffGroup = new QGroupBox(tr("Proposed change"), this);
    m_diffTitle = new QLabel(diffGroup);
    m_diffTitle->setObjectName(QStringLiteral("diffTitle"));
    m_diffTitle->setTextFormat(Qt::PlainText);
    QFont bold = m_diffTitle->font();
    bold.setBold(true);
    m_diffTitle->setFont(bold);
    m_explanation = new QLabel(diffGroup);
    m_explanation->setObjectName(QStringLiteral("diffExplanation"));
    m_explanation->setTextFormat(Qt::PlainText);
    m_explanation->setWordWrap(true);
    m_explanation->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_diffView = new DiffView(diffGroup);
    auto* diffLayout = new QVBoxLayout(diffGroup);
    diffLayout->addWidget(m_diffTitle);
    diffLayout->addWidget(m_explanation);
    diffLayout->addWidget(m_diffView, 1);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(scroll);
    splitter->addWidget(diffGroup);
    // The list of fixes keeps room for a few rows; the diff takes the rest.
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    // Room for two fixes with their buttons (six lines were about 80 px: not even one row).
    scroll->setMinimumHeight(fontMetrics().height() * 12);
    splitter->setSizes({1, 2});
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
}

AutofixView::~AutofixView()
{
    // Requests end while this view is still whole: their callbacks may touch it.
    delete m_requests;
    const QList<OperationRow*> all = rows();
    m_autofixes.clear();
    m_shown = nullptr;
    qDeleteAll(all);
}

QString AutofixView::pageTitle()
{
    return tr("Autofix");
}

QIcon AutofixView::pageIcon()
{
    return navigationIcon(NavigationIcon::Autofix);
}

QString AutofixView::title() const
{
    return pageTitle();
}

QIcon AutofixView::icon() const
{
    return pageIcon();
}

void AutofixView::activate()
{
    if (m_listWanted)
        return;
    m_listWanted = true;
    listServerAutofixes();
}

void AutofixView::refresh()
{
    m_listWanted = true;
    listServerAutofixes();
    for (Autofix* autofix : std::as_const(m_autofixes)) {
        // Polling that gave up on an error is asked once more (a GET: safe).
        if (autofix->lostTrack) {
            autofix->lostTrack = false;
            autofix->row->setEnded(false);
            if (autofix->followed)
                follow(autofix);
            else
                checkServer(autofix, Intent::List); // the first question went unanswered: ask it again
        }
    }
    if (m_shown && !m_shown->diffLoading && api::hasAutofixDiff(m_shown->service) && m_shown->diff)
        loadDiff(m_shown);
}

void AutofixView::setUrlOpener(UrlOpener opener)
{
    m_urlOpener = std::move(opener);
}

QList<OperationRow*> AutofixView::rows() const
{
    QList<OperationRow*> rows;
    for (Autofix* autofix : m_autofixes)
        rows << autofix->row;
    return rows;
}

AutofixView::Autofix* AutofixView::find(api::FindingService service, const QString& findingId) const
{
    for (Autofix* autofix : m_autofixes)
        if (autofix->service == service && autofix->findingId == findingId)
            return autofix;
    return nullptr;
}

OperationRow* AutofixView::rowFor(api::FindingService service, const QString& findingId) const
{
    Autofix* autofix = find(service, findingId);
    return autofix ? autofix->row : nullptr;
}

void AutofixView::remove(Autofix* autofix)
{
    m_autofixes.removeOne(autofix);
    if (m_shown == autofix) {
        m_shown = nullptr;
        m_diffTitle->clear();
        m_explanation->clear();
        m_diffView->clearDiff();
    }
    autofix->driver->stop();
    autofix->row->hide();
    autofix->row->deleteLater(); // from the row's own Dismiss click: not now
    updateEmpty();
}

void AutofixView::updateEmpty()
{
    if (!m_autofixes.isEmpty()) {
        m_empty->hide();
        return;
    }
    if (m_listing)
        m_empty->setText(tr("Asking the server for autofixes…"));
    else if (!m_listProblem.isEmpty())
        m_empty->setText(tr("Could not load the autofixes from the server: %1").arg(m_listProblem));
    else
        m_empty->setText(tr("No autofix yet. Choose a finding in Findings and click Autofix."));
    m_empty->show();
}

void AutofixView::listServerAutofixes()
{
    if (m_listing)
        return;
    m_listing = true;
    m_listProblem.clear();
    updateEmpty();
    api::FindingsQuery query;
    query.pageSize = m_listSize;
    // Every state in which the server has (or had) an autofix for the finding: all but "none".
    for (int state = int(api::AutofixState::None) + 1; state <= int(api::AutofixState::FailedPrCreation); ++state)
        query.autofixStates << api::AutofixState(state);
    context().api->findings(query, m_requests, [this](const api::Result<api::Page<api::Finding>>& result) {
        m_listing = false;
        if (!result) {
            api::logFailure(lcUiAutofix(), "listing the autofixes", result.error());
            m_listProblem = operationErrorText(result.error());
            updateEmpty();
            return;
        }
        for (const api::Finding& finding : result.value().items) {
            const std::optional<api::FindingService> service = FindingsModel::serviceOf(finding);
            if (service && api::hasAutofix(*service))
                open(*service, finding.id, FindingsModel::titleOf(finding), Intent::List);
        }
        updateEmpty();
    });
}

void AutofixView::startAutofix(nullify::api::FindingService service,
                               const QString& findingId,
                               const QString& findingTitle,
                               const QString& repository)
{
    emit showRequested(this);
    open(service, findingId, findingTitle, Intent::Start);
    if (Autofix* autofix = find(service, findingId); autofix && autofix->repository.isEmpty())
        autofix->repository = repository;
}

void AutofixView::showAutofix(nullify::api::FindingService service,
                              const QString& findingId,
                              const QString& findingTitle)
{
    emit showRequested(this);
    open(service, findingId, findingTitle, Intent::Show);
}

void AutofixView::open(api::FindingService service, const QString& findingId, const QString& title, Intent intent)
{
    if (Autofix* existing = find(service, findingId)) {
        if (intent == Intent::List)
            return; // on screen already, with what the server said
        if (!existing->row->isEnded()) {
            // Running, or starting, or being checked: a second POST would be a second fix (or a 409).
            if (intent == Intent::Start)
                m_confirmation->refuse(
                    tr("An autofix is already running"),
                    tr("The autofix of “%1” is still running. A second one was not started.").arg(existing->title));
            return;
        }
        if (intent == Intent::Show && existing->diff) {
            showDiffOf(existing);
            return;
        }
        // Over: what the server says now decides, as for a finding without a row.
        remove(existing);
    }
    const QString shownTitle = title.isEmpty() ? tr("Finding %1").arg(findingId) : title;
    Autofix* autofix = addRow(service, findingId, shownTitle, intent != Intent::List);
    checkServer(autofix, intent);
}

AutofixView::Autofix*
AutofixView::addRow(api::FindingService service, const QString& findingId, const QString& title, bool atTop)
{
    auto* row = new OperationRow(context().tracker, title, this);
    // The user's own request on top; the server's list below what is there, in its order.
    m_rows->insertWidget(atTop ? 0 : m_rows->count() - 1, row);
    row->show();
    auto* autofix = new Autofix(row);
    autofix->service = service;
    autofix->findingId = findingId;
    autofix->title = title;
    if (atTop)
        m_autofixes.prepend(autofix);
    else
        m_autofixes.append(autofix);
    updateEmpty();
    connect(row, &OperationRow::dismissRequested, this, [this, autofix] { remove(autofix); });

    autofix->showDiff = new QPushButton(tr("Show fix"));
    autofix->showDiff->setObjectName(QStringLiteral("showDiffButton"));
    autofix->showDiff->setAccessibleName(tr("Show the proposed change"));
    autofix->showDiff->setVisible(false);
    row->addButton(autofix->showDiff);
    connect(autofix->showDiff, &QPushButton::clicked, this, [this, autofix] {
        if (autofix->diff)
            showDiffOf(autofix);
        else
            loadDiff(autofix);
    });
    autofix->createPr = new QPushButton(tr("Create pull request"));
    autofix->createPr->setObjectName(QStringLiteral("createPullRequestButton"));
    autofix->createPr->setAccessibleName(tr("Create a pull request from this fix"));
    autofix->createPr->setVisible(false);
    row->addButton(autofix->createPr);
    connect(autofix->createPr, &QPushButton::clicked, this, [this, autofix] { createPullRequest(autofix); });
    autofix->openPr = new QPushButton(tr("Open pull request"));
    autofix->openPr->setObjectName(QStringLiteral("openPullRequestButton"));
    autofix->openPr->setAccessibleName(tr("Open the pull request in the browser"));
    autofix->openPr->setVisible(false);
    row->addButton(autofix->openPr);
    connect(autofix->openPr, &QPushButton::clicked, this, [this, autofix] { openPullRequest(autofix); });

    autofix->poller = new api::AutofixPoller(context().api, service, findingId, row->work());
    autofix->driver = new PollDriver(autofix->poller, context().connection, row->work());
    return autofix;
}

void AutofixView::checkServer(Autofix* autofix, Intent intent)
{
    OperationRow* row = autofix->row;
    row->setStatus(tr("Asking the server about this finding's fix…"));
    // A GET, safe to repeat; what it says decides whether anything may be started.
    QNetworkReply* reply = context().api->autofixStatus(
        autofix->service,
        autofix->findingId,
        row->work(),
        [this, autofix, intent](const api::Result<api::AutofixStatus>& result) {
            OperationRow* row = autofix->row;
            if (!result) {
                api::logFailure(lcUiAutofix(), "autofix status", result.error());
                row->setStatus(tr("Could not ask the server about this fix"));
                row->setHint(operationErrorText(result.error()));
                row->setEnded(true);
                autofix->lostTrack = true; // Refresh asks again (a GET); nothing was started
                return;
            }
            const api::AutofixStatus& status = result.value();
            emit autofixStatusChanged(autofix->service, autofix->findingId, status);
            if (api::hasFixOrRunning(status.state)) {
                adopt(autofix, status, intent != Intent::List);
                if (intent == Intent::Start)
                    m_confirmation->refuse(tr("This finding already has an autofix"),
                                           tr("The server already has an autofix of “%1” (%2). It is shown "
                                              "here; a new one was not started.")
                                               .arg(autofix->title, DisplayText::autofixState(status.state)));
                return;
            }
            if (intent == Intent::Start) {
                confirmStart(autofix);
                return;
            }
            // Nothing to show: no fix, or one that failed. Said as the server says it.
            autofix->quiet = true;
            showStatus(autofix, status);
            if (status.state == api::AutofixState::None)
                row->setStatus(tr("No autofix on the server for this finding"));
            else
                reachedEnd(autofix, status);
            row->setEnded(true);
        });
    row->bindReply(reply);
}

void AutofixView::adopt(Autofix* autofix, const api::AutofixStatus& status, bool showFix)
{
    showStatus(autofix, status);
    if (!status.terminal) {
        follow(autofix); // its end, when it comes, is news
        return;
    }
    autofix->quiet = true;
    reachedEnd(autofix, status);
    if (showFix && api::hasAutofixDiff(autofix->service))
        loadDiff(autofix);
}

void AutofixView::confirmStart(Autofix* autofix)
{
    autofix->row->setStatus(tr("Waiting for your confirmation…"));
    const QString where = autofix->repository.isEmpty() ? QString() : tr(" in %1").arg(autofix->repository);
    m_confirmation->ask(
        QStringLiteral("autofix:%1:%2").arg(api::pathOf(autofix->service), autofix->findingId),
        tr("Start an autofix?"),
        tr("An autofix of “%1” (finding %2%3): Nullify writes a fix and may open a pull request.")
            .arg(autofix->title, autofix->findingId, where),
        [this, autofix] { sendStart(autofix); },
        [this, autofix] { remove(autofix); });
}

void AutofixView::sendStart(Autofix* autofix)
{
    OperationRow* row = autofix->row;
    row->setStatus(tr("Starting…"));
    QNetworkReply* reply = context().api->startAutofix(
        autofix->service,
        autofix->findingId,
        row->work(),
        [this, autofix](const api::Result<api::AutofixStart>& result) {
            if (!result) {
                const api::ApiError& error = result.error();
                if (error.kind == api::ApiError::Kind::Http && error.httpStatus == 409) {
                    // The server already runs a fix for this finding: follow that one.
                    autofix->row->setHint(tr("An autofix was already running for this finding; following it."));
                    follow(autofix);
                    return;
                }
                const QString hint = ambiguousFailureHint(QByteArrayLiteral("POST"), error, tr("the autofix"));
                autofix->row->setStatus(tr("Could not start"));
                autofix->row->setHint(hint.isEmpty() ? operationErrorText(error) : hint);
                autofix->row->setDetail(hint.isEmpty() ? QString() : operationErrorText(error));
                autofix->row->setEnded(true);
                api::logFailure(lcUiAutofix(), "autofix start", error);
                if (error.kind != api::ApiError::Kind::Cancelled)
                    emit notificationRequested(tr("Autofix failed"),
                                               tr("%1: the autofix could not be started.").arg(autofix->title));
                return;
            }
            autofix->row->setStatus(DisplayText::autofixState(result.value().state));
            follow(autofix);
        });
    row->bindReply(reply);
}

void AutofixView::follow(Autofix* autofix)
{
    OperationRow* row = autofix->row;
    api::AutofixPoller* poller = autofix->poller;
    poller->setInterval(m_pollInterval);
    row->followRequests([poller] { return poller->currentReply(); });
    if (autofix->followed) { // again, after a pull request was asked for or on refresh()
        autofix->driver->start();
        return;
    }
    autofix->followed = true;
    connect(autofix->driver, &PollDriver::holdChanged, row, [autofix] {
        if (autofix->driver->isHeldForConnection())
            autofix->row->setHint(tr("Offline: checking again when the connection is back."));
        else if (autofix->driver->heldUntil().isValid())
            autofix->row->setHint(RetryCountdown::waitUntilText(autofix->driver->heldUntil()));
        else
            autofix->row->setHint(QString());
    });
    connect(poller, &api::AutofixPoller::statusUpdated, row, [this, autofix](const api::AutofixStatus& status) {
        showStatus(autofix, status);
    });
    connect(poller, &api::AutofixPoller::stillRunning, row, [autofix] {
        autofix->row->setHint(tr("Still running after a while; the app keeps checking, less often."));
    });
    connect(poller, &api::Poller::pollFailed, row, [autofix](const api::ApiError& error) {
        autofix->row->setHint(operationErrorText(error));
    });
    connect(poller, &api::Poller::failed, row, [this, autofix](const api::ApiError& error) {
        autofix->row->setStatus(tr("No longer followed"));
        autofix->row->setHint(operationErrorText(error));
        autofix->row->setEnded(true);
        autofix->lostTrack = true;
        if (error.kind != api::ApiError::Kind::Cancelled) // a Cancel click needs no news
            emit notificationRequested(tr("Autofix failed"),
                                       tr("%1: %2").arg(autofix->title, operationErrorText(error)));
    });
    connect(poller, &api::AutofixPoller::finished, row, [this, autofix](const api::AutofixStatus& status) {
        reachedEnd(autofix, status);
    });
    autofix->driver->start();
}

void AutofixView::showStatus(Autofix* autofix, const api::AutofixStatus& status)
{
    const QString state = DisplayText::autofixState(status.state);
    const QString phase = phaseText(status.currentPhase);
    autofix->row->setStatus(phase.isEmpty() || status.terminal ? state : tr("%1 · %2").arg(phase, state));
    autofix->row->setDetail(status.currentActivity);
    if (!autofix->creatingPr)
        autofix->row->setHint(QString());
    emit autofixStatusChanged(autofix->service, autofix->findingId, status);
}

void AutofixView::reachedEnd(Autofix* autofix, const api::AutofixStatus& status)
{
    OperationRow* row = autofix->row;
    row->setEnded(true);
    autofix->creatingPr = false;
    if (!api::hasFixOrRunning(status.state)) {
        QString why = status.verdictExplanation.isEmpty() ? status.currentActivity : status.verdictExplanation;
        row->setStatus(tr("Failed: %1").arg(DisplayText::autofixState(status.state)));
        row->setDetail(why);
        if (!autofix->quiet)
            emit notificationRequested(tr("Autofix failed"),
                                       why.isEmpty() ? autofix->title : tr("%1: %2").arg(autofix->title, why));
        return;
    }
    autofix->pullRequestUrl = status.pullRequestUrl;
    autofix->openPr->setVisible(!autofix->pullRequestUrl.isEmpty());
    // Only SCPM opens a pull request on request; the others open theirs by themselves, or not.
    autofix->createPr->setVisible(autofix->service == api::FindingService::Scpm && autofix->pullRequestUrl.isEmpty()
                                  && status.state == api::AutofixState::Cached);
    autofix->createPr->setEnabled(true);
    if (autofix->quiet) {
        // Found over: its diff is a click away ("Show fix"), not a request per listed finding.
        autofix->showDiff->setVisible(api::hasAutofixDiff(autofix->service));
        return;
    }
    if (!autofix->pullRequestUrl.isEmpty()) {
        emit notificationRequested(tr("Autofix pull request opened"),
                                   tr("%1: %2").arg(autofix->title, autofix->pullRequestUrl));
    }
    if (api::hasAutofixDiff(autofix->service) && !autofix->diff) {
        loadDiff(autofix); // announces the fix when it arrives
    } else if (autofix->pullRequestUrl.isEmpty()) {
        emit notificationRequested(tr("Autofix ready"), tr("%1: the fix is ready.").arg(autofix->title));
    }
}

void AutofixView::loadDiff(Autofix* autofix)
{
    if (autofix->diffLoading)
        return;
    autofix->diffLoading = true;
    autofix->showDiff->setEnabled(false);
    const bool first = !autofix->diff.has_value();
    QNetworkReply* reply = context().api->autofixDiff(
        autofix->service,
        autofix->findingId,
        autofix->row->work(),
        [this, autofix, first](const api::Result<api::AutofixDiff>& result) {
            autofix->diffLoading = false;
            autofix->showDiff->setEnabled(true);
            autofix->showDiff->setVisible(true);
            if (!result) {
                autofix->row->setHint(tr("Could not load the diff: %1").arg(operationErrorText(result.error())));
                return;
            }
            autofix->diff = result.value();
            showDiffOf(autofix);
            if (first && autofix->pullRequestUrl.isEmpty() && !autofix->quiet)
                emit notificationRequested(tr("Autofix ready"),
                                           tr("%1: the proposed change is ready to review.").arg(autofix->title));
        });
    autofix->row->bindReply(reply);
}

void AutofixView::showDiffOf(Autofix* autofix)
{
    if (!autofix->diff)
        return;
    m_shown = autofix;
    const api::AutofixDiff& diff = *autofix->diff;
    m_diffTitle->setText(diff.pullRequestTitle.isEmpty() ? autofix->title : diff.pullRequestTitle);
    m_explanation->setText(diff.explanation);
    m_explanation->setVisible(!diff.explanation.isEmpty());
    m_diffView->setDiff(diff);
}

void AutofixView::createPullRequest(Autofix* autofix)
{
    if (autofix->creatingPr)
        return;
    autofix->creatingPr = true;
    autofix->createPr->setEnabled(false);
    autofix->row->setEnded(false);
    autofix->row->setStatus(tr("Creating the pull request…"));
    QNetworkReply* reply = context().api->createPullRequest(
        autofix->findingId, autofix->row->work(), [this, autofix](const api::Result<api::AutofixStart>& result) {
            if (!result) {
                autofix->creatingPr = false;
                const api::ApiError& error = result.error();
                const QString hint = ambiguousFailureHint(QByteArrayLiteral("POST"), error, tr("the pull request"));
                autofix->row->setStatus(tr("Could not create the pull request"));
                autofix->row->setHint(hint.isEmpty() ? operationErrorText(error) : hint);
                if (hint.isEmpty()) {
                    autofix->createPr->setEnabled(true);
                    autofix->row->setEnded(true);
                } else {
                    // Whether it was created shows in the status: ask (a GET), never POST again.
                    autofix->createPr->setVisible(false);
                    follow(autofix);
                }
                return;
            }
            autofix->createPr->setVisible(false);
            autofix->row->setStatus(DisplayText::autofixState(result.value().state));
            follow(autofix);
        });
    autofix->row->bindReply(reply);
}

void AutofixView::openPullRequest(Autofix* autofix)
{
    const QUrl url(autofix->pullRequestUrl);
    // Only a web link: a server-sent file: or custom scheme is not for the desktop to open.
    if (!url.isValid() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http"))) {
        autofix->row->setHint(tr("The pull request link is not a web address."));
        return;
    }
    if (!m_urlOpener || !m_urlOpener(url))
        autofix->row->setHint(tr("Could not open a browser. The pull request is at %1").arg(url.toString()));
}

} // namespace nullify::ui
