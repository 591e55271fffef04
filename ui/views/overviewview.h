#pragma once

#include "findingsfilter.h"
#include "types.h"
#include "view.h"

#include <QDateTime>
#include <QHash>
#include <QPointer>

class QGridLayout;
class QLabel;
class QNetworkReply;
class QPushButton;
class QScrollArea;
class QTableWidget;

namespace nullify::ui {

class LoadStateBanner;

// The tenant's security posture from POST /admin/metrics/overview: open findings by severity, the
// detection funnel, this month's outcome figures against last month's, new findings by kind and
// the repositories with the most urgent findings, with the time the numbers were loaded.
class OverviewView : public View
{
    Q_OBJECT

public:
    explicit OverviewView(const ViewContext& context, QWidget* parent = nullptr);

    // The navigation entry, known before the view is built (MainWindow::addPage).
    static QString pageTitle();
    static QIcon pageIcon();
    QString title() const override;
    QIcon icon() const override;
    void activate() override;
    void refresh() override;

    // The text of one figure by key ("open.critical", "funnel.resolved.high", "findingsResolved",
    // "meanTriageDuration", "kind.code", ...); empty when the figure is not shown.
    QString figureText(const QString& key) const;
    QStringList figureKeys() const { return m_figures.keys(); }
    LoadStateBanner* banner() const { return m_banner; }
    QLabel* dataAsOfLabel() const { return m_asOf; }
    QTableWidget* topRepositoriesTable() const { return m_topRepositories; }
    bool hasData() const { return m_overview.has_value(); }

    // The tile of a figure that opens the Findings page filtered to what it counts ("open.high",
    // "open.total"), nullptr for one that does not.
    QWidget* clickThroughTile(const QString& key) const;

    // Formatting shared with the figures, so a reader (or a test) can say what a number shows as.
    static QString countText(double value);
    static QString ratioText(double value);
    static QString durationText(double milliseconds);

signals:
    // A tile ("Critical: 67 open") or a repository row was clicked: the Findings page with this filter.
    void findingsRequested(const nullify::ui::FindingsFilter& filter);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void makeClickThrough(QLabel* figure, const FindingsFilter& filter);
    void load();
    void onPausedChanged(bool paused);
    void showOverview(const api::MetricsOverview& overview);
    void clearFigures();
    QLabel* addFigure(QGridLayout* grid,
                      int row,
                      int column,
                      const QString& key,
                      const QString& caption,
                      const QString& value,
                      const QString& detail = QString());

    bool m_loadWanted = false; // activated at least once
    bool m_loading = false;
    std::optional<api::MetricsOverview> m_overview;
    QDateTime m_loadedAt;

    LoadStateBanner* m_banner = nullptr;
    QLabel* m_asOf = nullptr;
    QPushButton* m_refresh = nullptr;
    QScrollArea* m_scroll = nullptr;
    QWidget* m_content = nullptr;
    QTableWidget* m_topRepositories = nullptr;
    QHash<QString, QLabel*> m_figures;
    QHash<QObject*, FindingsFilter> m_clickThrough; // by tile
    QObject* m_requests = nullptr; // the context of the load in flight; deleting it aborts it
};

} // namespace nullify::ui
