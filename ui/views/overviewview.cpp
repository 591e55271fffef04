#include "overviewview.h"

#include "connectionstate.h"
#include "loadstatebanner.h"
#include "navigationicons.h"
#include "nullifyapi.h"
#include "requesttracker.h"

#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QLoggingCategory>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollArea>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiOverview, "nullify.ui.overview", QtInfoMsg)

namespace {

constexpr int kTopRepositories = 10;

QString funnelStageText(const QString& key)
{
    if (key == QLatin1String("detected"))
        return OverviewView::tr("Detected");
    if (key == QLatin1String("open"))
        return OverviewView::tr("Open");
    if (key == QLatin1String("resolved"))
        return OverviewView::tr("Resolved");
    return key;
}

QString lastMonthText(const QString& value)
{
    return OverviewView::tr("last month: %1").arg(value);
}

} // namespace

OverviewView::OverviewView(const ViewContext& context, QWidget* parent)
    : View(context, parent)
{
    setObjectName(QStringLiteral("overviewView"));
    m_requests = new QObject(this);

    auto* layout = new QVBoxLayout(this);
    auto* header = new QHBoxLayout;
    auto* heading = new QLabel(tr("Security posture"), this);
    QFont headingFont = heading->font();
    headingFont.setBold(true);
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.3);
    heading->setFont(headingFont);
    m_asOf = new QLabel(this);
    m_asOf->setObjectName(QStringLiteral("dataAsOf"));
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_refresh->setObjectName(QStringLiteral("refreshButton"));
    m_refresh->setAccessibleName(tr("Refresh the overview"));
    header->addWidget(heading);
    header->addStretch(1);
    header->addWidget(m_asOf);
    header->addWidget(m_refresh);
    layout->addLayout(header);

    m_banner = new LoadStateBanner(context.tracker, this);
    m_banner->setObjectName(QStringLiteral("overviewState"));
    layout->addWidget(m_banner);

    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_scroll, 1);

    connect(m_refresh, &QPushButton::clicked, this, &OverviewView::refresh);
    connect(m_banner, &LoadStateBanner::retryRequested, this, &OverviewView::refresh);
    if (context.connection)
        connect(context.connection, &ConnectionState::pausedChanged, this, &OverviewView::onPausedChanged);
    m_banner->retryWhenBackOnline(context.connection); // after onPausedChanged: a first load goes first
}

QString OverviewView::pageTitle()
{
    return tr("Overview");
}

QIcon OverviewView::pageIcon()
{
    return navigationIcon(NavigationIcon::Overview);
}

QString OverviewView::title() const
{
    return pageTitle();
}

QIcon OverviewView::icon() const
{
    return pageIcon();
}

void OverviewView::activate()
{
    if (m_loadWanted)
        return;
    m_loadWanted = true;
    if (context().connection && context().connection->isPaused()) {
        m_banner->showOffline(tr("Offline: the overview loads when the connection is back."));
        return;
    }
    load();
}

void OverviewView::refresh()
{
    // An explicit refresh is the user's call, offline or not: the request itself says how it went.
    m_loadWanted = true;
    load();
}

void OverviewView::onPausedChanged(bool paused)
{
    if (!paused && m_loadWanted && !m_overview && !m_loading)
        load();
}

void OverviewView::load()
{
    if (!context().api)
        return;
    delete m_requests; // a load still in flight is superseded
    m_requests = new QObject(this);
    m_loading = true;
    m_refresh->setEnabled(false);
    QNetworkReply* reply
        = context().api->metricsOverview(m_requests, [this](const api::Result<api::MetricsOverview>& result) {
              m_loading = false;
              m_refresh->setEnabled(true);
              if (!result) {
                  api::logFailure(lcUiOverview(), "overview", result.error());
                  m_banner->showError(tr("Could not load the overview."), result.error());
                  return;
              }
              m_loadedAt = QDateTime::currentDateTime();
              m_overview = result.value();
              m_banner->hideState();
              showOverview(result.value());
          });
    m_banner->showLoading(tr("Loading the overview..."), reply);
}

QString OverviewView::figureText(const QString& key) const
{
    const QLabel* label = m_figures.value(key);
    return label ? label->text() : QString();
}

QString OverviewView::countText(double value)
{
    const QLocale locale;
    if (std::abs(value - std::round(value)) < 1e-9)
        return locale.toString(qint64(std::llround(value)));
    return locale.toString(value, 'f', 1);
}

QString OverviewView::ratioText(double value)
{
    // The API sends rates as fractions (0.91); a value above 1 can only be a percentage already.
    const double percent = value <= 1.0 ? value * 100.0 : value;
    return tr("%1%").arg(QLocale().toString(percent, 'f', 0));
}

QString OverviewView::durationText(double milliseconds)
{
    const qint64 seconds = qint64(std::llround(milliseconds / 1000.0));
    if (seconds < 60)
        return tr("%1 s").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes < 60)
        return tr("%1 min %2 s").arg(minutes).arg(seconds % 60);
    const qint64 hours = minutes / 60;
    if (hours < 48)
        return tr("%1 h %2 min").arg(hours).arg(minutes % 60);
    return tr("%1 d %2 h").arg(hours / 24).arg(hours % 24);
}

void OverviewView::clearFigures()
{
    m_figures.clear();
    m_clickThrough.clear();
    m_topRepositories = nullptr;
    if (QWidget* old = m_scroll->takeWidget())
        old->deleteLater();
    m_content = nullptr;
}

QLabel* OverviewView::addFigure(QGridLayout* grid,
                                int row,
                                int column,
                                const QString& key,
                                const QString& caption,
                                const QString& value,
                                const QString& detail)
{
    auto* tile = new QFrame(grid->parentWidget());
    tile->setFrameShape(QFrame::StyledPanel);
    auto* tileLayout = new QVBoxLayout(tile);
    auto* number = new QLabel(value, tile);
    number->setObjectName(QStringLiteral("figure:") + key);
    QFont numberFont = number->font();
    numberFont.setBold(true);
    numberFont.setPointSizeF(numberFont.pointSizeF() * 1.6);
    number->setFont(numberFont);
    number->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* label = new QLabel(caption, tile);
    label->setWordWrap(true);
    label->setBuddy(number);
    // The number itself in the accessibility tree, not only its caption: "Critical: 67".
    number->setAccessibleName(tr("%1: %2").arg(caption, value));
    number->setAccessibleDescription(detail);
    tile->setAccessibleName(tr("%1: %2").arg(caption, value));
    tileLayout->addWidget(number);
    tileLayout->addWidget(label);
    if (!detail.isEmpty()) {
        auto* sub = new QLabel(detail, tile);
        sub->setWordWrap(true); // "12 urgent · last month: 30" in five tiles made the page scroll sideways
        sub->setForegroundRole(QPalette::PlaceholderText);
        tileLayout->addWidget(sub);
    }
    grid->addWidget(tile, row, column);
    m_figures.insert(key, number);
    return number;
}

void OverviewView::showOverview(const api::MetricsOverview& overview)
{
    clearFigures();
    m_content = new QWidget;
    auto* layout = new QVBoxLayout(m_content);
    m_asOf->setText(tr("Data as of %1").arg(QLocale().toString(m_loadedAt, QLocale::ShortFormat)));

    const QList<QPair<QString, QString>> severities {{QStringLiteral("critical"), tr("Critical")},
                                                     {QStringLiteral("high"), tr("High")},
                                                     {QStringLiteral("medium"), tr("Medium")},
                                                     {QStringLiteral("low"), tr("Low")}};
    const auto severityCounts = [](const api::FunnelStage& stage) {
        return QList<qint64> {stage.critical, stage.high, stage.medium, stage.low};
    };

    // Open findings by severity: the funnel's "open" stage.
    const auto open = std::find_if(overview.funnel.cbegin(), overview.funnel.cend(), [](const api::FunnelStage& s) {
        return s.key == QLatin1String("open");
    });
    if (open != overview.funnel.cend()) {
        auto* box = new QGroupBox(tr("Open findings"), m_content);
        auto* grid = new QGridLayout(box);
        const QList<qint64> counts = severityCounts(*open);
        qint64 total = 0;
        const QList<api::Severity> severityValues {
            api::Severity::Critical, api::Severity::High, api::Severity::Medium, api::Severity::Low};
        // The same findings the Findings page lists as Open: the funnel's "open" is isResolved=false.
        FindingsFilter openFilter;
        openFilter.status = FindingsFilter::Status::Open;
        for (int i = 0; i < severities.size(); ++i) {
            QLabel* figure = addFigure(grid,
                                       0,
                                       i,
                                       QStringLiteral("open.") + severities.at(i).first,
                                       severities.at(i).second,
                                       countText(double(counts.at(i))));
            FindingsFilter bySeverity = openFilter;
            bySeverity.severities = {severityValues.at(i)};
            makeClickThrough(figure, bySeverity);
            total += counts.at(i);
        }
        makeClickThrough(addFigure(grid,
                                   0,
                                   int(severities.size()),
                                   QStringLiteral("open.total"),
                                   tr("All open"),
                                   countText(double(total))),
                         openFilter);
        layout->addWidget(box);
    }

    // The funnel: every stage the server sent, by severity.
    if (!overview.funnel.isEmpty()) {
        auto* box = new QGroupBox(tr("Findings funnel"), m_content);
        auto* grid = new QGridLayout(box);
        for (int i = 0; i < severities.size(); ++i) {
            auto* head = new QLabel(severities.at(i).second, box);
            head->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
            grid->addWidget(head, 0, i + 1);
        }
        int row = 1;
        for (const api::FunnelStage& stage : overview.funnel) {
            grid->addWidget(new QLabel(funnelStageText(stage.key), box), row, 0);
            const QList<qint64> counts = severityCounts(stage);
            for (int i = 0; i < severities.size(); ++i) {
                auto* cell = new QLabel(countText(double(counts.at(i))), box);
                cell->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
                cell->setAccessibleName(
                    tr("%1, %2: %3").arg(funnelStageText(stage.key), severities.at(i).second, cell->text()));
                grid->addWidget(cell, row, i + 1);
                const QString key = QStringLiteral("funnel.%1.%2").arg(stage.key, severities.at(i).first);
                cell->setObjectName(QStringLiteral("figure:") + key);
                m_figures.insert(key, cell);
            }
            ++row;
        }
        layout->addWidget(box);
    }

    // This month's outcomes, each against last month.
    {
        auto* box = new QGroupBox(tr("This month"), m_content);
        auto* grid = new QGridLayout(box);
        struct Metric
        {
            const char* key;
            QString caption;
            const api::MetricData& data;
            QString (*format)(double);
        };
        const QList<Metric> metrics {
            {"findingsResolved", tr("Findings resolved"), overview.findingsResolved, &OverviewView::countText},
            {"meanTriageDuration",
             tr("Mean time to triage"),
             overview.meanTriageDurationMs,
             &OverviewView::durationText},
            {"autofixMerged", tr("Autofix pull requests merged"), overview.autofixMerged, &OverviewView::countText},
            {"hoursSaved", tr("Hours saved"), overview.hoursSaved, &OverviewView::countText},
            {"issuesFoundInPr",
             tr("Issues found in pull requests"),
             overview.issuesFoundInPr,
             &OverviewView::countText},
            {"falsePositives", tr("False positives"), overview.falsePositives, &OverviewView::countText},
            {"inSlaFindings", tr("Findings within SLA"), overview.inSlaFindings, &OverviewView::ratioText},
            {"mergeReadyRate", tr("Merge-ready rate"), overview.mergeReadyRate, &OverviewView::ratioText},
            {"cleanPrsMerged", tr("Clean pull requests merged"), overview.cleanPrsMerged, &OverviewView::countText},
            {"totalPrsMerged", tr("Pull requests merged"), overview.totalPrsMerged, &OverviewView::countText},
        };
        constexpr int perRow = 5;
        for (int i = 0; i < metrics.size(); ++i) {
            const Metric& m = metrics.at(i);
            addFigure(grid,
                      i / perRow,
                      i % perRow,
                      QString::fromLatin1(m.key),
                      m.caption,
                      m.format(m.data.thisMonth),
                      lastMonthText(m.format(m.data.lastMonth)));
        }
        layout->addWidget(box);
    }

    // New findings by kind this month, with how many of them are urgent.
    {
        auto* box = new QGroupBox(tr("New findings this month by kind"), m_content);
        auto* grid = new QGridLayout(box);
        const QList<std::tuple<QString, QString, const api::MetricWithValue*>> kinds {
            {QStringLiteral("code"), tr("Code"), &overview.code},
            {QStringLiteral("secret"), tr("Secrets"), &overview.secret},
            {QStringLiteral("dependency"), tr("Dependencies"), &overview.dependency},
            {QStringLiteral("container"), tr("Containers"), &overview.container},
            {QStringLiteral("api"), tr("APIs"), &overview.apiType}};
        for (int i = 0; i < kinds.size(); ++i) {
            const auto& [key, caption, metric] = kinds.at(i);
            addFigure(grid,
                      0,
                      i,
                      QStringLiteral("kind.") + key,
                      caption,
                      countText(double(metric->thisMonth)),
                      tr("%1 urgent · last month: %2")
                          .arg(countText(double(metric->urgent)), countText(double(metric->lastMonth))));
        }
        layout->addWidget(box);
    }

    // The repositories that need attention first.
    if (!overview.topRepositories.isEmpty()) {
        auto* box = new QGroupBox(tr("Repositories with the most urgent findings"), m_content);
        auto* boxLayout = new QVBoxLayout(box);
        QList<api::MetricWithValue> repos = overview.topRepositories;
        std::stable_sort(repos.begin(), repos.end(), [](const api::MetricWithValue& a, const api::MetricWithValue& b) {
            return a.urgent != b.urgent ? a.urgent > b.urgent : a.important > b.important;
        });
        repos = repos.mid(0, kTopRepositories);
        m_topRepositories = new QTableWidget(int(repos.size()), 5, box);
        m_topRepositories->setObjectName(QStringLiteral("topRepositoriesTable"));
        m_topRepositories->setAccessibleName(tr("Repositories with the most urgent findings"));
        m_topRepositories->setHorizontalHeaderLabels(
            {tr("Repository"), tr("Urgent"), tr("Important"), tr("Negligible"), tr("New this month")});
        m_topRepositories->setEditTriggers(QAbstractItemView::NoEditTriggers);
        m_topRepositories->verticalHeader()->hide();
        m_topRepositories->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
        for (int row = 0; row < repos.size(); ++row) {
            const api::MetricWithValue& r = repos.at(row);
            m_topRepositories->setItem(row, 0, new QTableWidgetItem(r.value));
            const QList<qint64> numbers {r.urgent, r.important, r.negligible, r.thisMonth};
            for (int c = 0; c < numbers.size(); ++c) {
                auto* item = new QTableWidgetItem(countText(double(numbers.at(c))));
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                m_topRepositories->setItem(row, c + 1, item);
            }
        }
        m_topRepositories->setToolTip(tr("Double-click or press Enter on a repository to see its open findings"));
        connect(m_topRepositories, &QTableWidget::activated, this, [this](const QModelIndex& index) {
            const QTableWidgetItem* item = m_topRepositories->item(index.row(), 0);
            if (!item || item->text().isEmpty())
                return;
            FindingsFilter filter;
            filter.status = FindingsFilter::Status::Open;
            filter.repositories = {item->text()};
            emit findingsRequested(filter);
        });
        m_topRepositories->setMinimumHeight(m_topRepositories->horizontalHeader()->height()
                                            + m_topRepositories->verticalHeader()->length() + 4);
        boxLayout->addWidget(m_topRepositories);
        layout->addWidget(box);
    }
    layout->addStretch(1);
    m_scroll->setWidget(m_content);
}

void OverviewView::makeClickThrough(QLabel* figure, const FindingsFilter& filter)
{
    QWidget* tile = figure->parentWidget();
    m_clickThrough.insert(tile, filter);
    tile->installEventFilter(this);
    tile->setCursor(Qt::PointingHandCursor);
    tile->setFocusPolicy(Qt::StrongFocus); // Tab reaches it; Enter or Space opens it
    tile->setToolTip(tr("Show these findings"));
    tile->setAccessibleDescription(tr("Press Enter to show these findings"));
}

QWidget* OverviewView::clickThroughTile(const QString& key) const
{
    const QLabel* figure = m_figures.value(key);
    QWidget* tile = figure ? figure->parentWidget() : nullptr;
    return tile && m_clickThrough.contains(tile) ? tile : nullptr;
}

bool OverviewView::eventFilter(QObject* watched, QEvent* event)
{
    const auto it = m_clickThrough.constFind(watched);
    if (it != m_clickThrough.constEnd()) {
        bool open = false;
        if (event->type() == QEvent::MouseButtonRelease)
            open = static_cast<QMouseEvent*>(event)->button() == Qt::LeftButton;
        else if (event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent*>(event)->key();
            open = key == Qt::Key_Return || key == Qt::Key_Enter || key == Qt::Key_Space;
        }
        if (open) {
            const FindingsFilter filter = *it; // the slot may rebuild the tiles
            emit findingsRequested(filter);
            return true;
        }
    }
    return View::eventFilter(watched, event);
}

} // namespace nullify::ui
