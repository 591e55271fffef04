#pragma once

#include "pager.h"
#include "pentestreportdialog.h"
#include "types.h"
#include "view.h"

#include <QHash>
#include <QPointer>

#include <chrono>

class QComboBox;
class QLabel;
class QPushButton;
class QTableView;
class QVBoxLayout;

namespace nullify::api {
struct ApiError;
}

namespace nullify::ui {

class OperationRow;
class PentestScansModel;
class StartConfirmation;

// The scans a user starts with a click: cloud scans and pentests. Each start and each scan being
// followed is a row (OperationRow) with its status, progress and the retry countdown of the
// request it waits for; the pentest history is a table below, with reports.
//
// Starts are billable and never sent twice by the app: each asks the user first (StartConfirmation)
// and says what it starts; a second start of the same thing while one is in flight (a cloud scan
// starting or running; a pentest of the same application, here or in the server's history) is
// refused with a message and sends nothing. A start that failed in a way that leaves open whether
// the server acted (a 5xx, a connection lost after sending) says so in its row and refreshes the
// history instead of trying again.
class ScansView : public View
{
    Q_OBJECT

public:
    explicit ScansView(const ViewContext& context, QWidget* parent = nullptr);
    ~ScansView() override;

    // The navigation entry, known before the view is built (MainWindow::addPage).
    static QString pageTitle();
    static QIcon pageIcon();
    QString title() const override;
    QIcon icon() const override;
    void activate() override;
    void refresh() override;
    // Ctrl+Shift+N starts a cloud scan: the one start here that needs no choice first (a pentest
    // needs an application). Refused, with a message, while a cloud scan is in flight.
    void startPrimaryAction() override;

    // How often running scans are asked about (default 5 s).
    void setPollInterval(std::chrono::milliseconds interval) { m_pollInterval = interval; }

    QPushButton* startCloudScanButton() const { return m_startCloudScan; }
    QPushButton* startPentestButton() const { return m_startPentest; }
    QComboBox* applicationChooser() const { return m_applications; }
    QTableView* historyTable() const { return m_history; }
    QPushButton* openReportButton() const { return m_openReport; }
    PentestScansModel* pentestModel() const { return m_model; }
    api::PentestScanPager* pentestPager() const { return m_pager; }
    PentestReportDialog* reportDialog() const { return m_reportDialog; }
    QList<OperationRow*> cloudScanRows() const;
    QList<OperationRow*> pentestRows() const;

public slots:
    // Ask to start (after the user's confirmation), or say why not.
    void startCloudScan();
    void startPentest();
    void openSelectedReport();

private:
    OperationRow* addRow(QVBoxLayout* rows, const QString& title);
    void sendCloudScanStart();
    void sendPentestStart(const QString& applicationId);
    OperationRow* runningCloudScan() const;
    bool isPentestRunning(const QString& applicationId) const;
    QString tenantName() const;
    void loadApplications();
    void reloadHistory();
    void updateButtons();
    void followCloudScan(OperationRow* row, const QString& scanId);
    void followPentest(OperationRow* row, const api::PentestScan& scan);
    void showCloudStatus(OperationRow* row, const api::CloudScanStatus& status);
    void showPentest(OperationRow* row, const api::PentestScan& scan);
    void startFailed(OperationRow* row, const api::ApiError& error, const QString& what);
    QString applicationName(const QString& applicationId) const;

    std::chrono::milliseconds m_pollInterval {5000};
    bool m_loaded = false;
    bool m_cloudStarting = false;
    bool m_pentestStarting = false;
    bool m_reportLoading = false;
    QList<api::Application> m_applicationList;
    QHash<QString, QPointer<OperationRow>> m_pentestRowByApplication; // the latest row of each
    StartConfirmation* m_confirmation = nullptr;

    QPushButton* m_startCloudScan = nullptr;
    QVBoxLayout* m_cloudRows = nullptr;
    QComboBox* m_applications = nullptr;
    QPushButton* m_startPentest = nullptr;
    QLabel* m_applicationsStatus = nullptr;
    QVBoxLayout* m_pentestRows = nullptr;
    QTableView* m_history = nullptr;
    QLabel* m_historyStatus = nullptr;
    QPushButton* m_loadMore = nullptr;
    QPushButton* m_refreshHistory = nullptr;
    QPushButton* m_openReport = nullptr;
    PentestScansModel* m_model = nullptr;
    api::PentestScanPager* m_pager = nullptr;
    QPointer<PentestReportDialog> m_reportDialog;
    QObject* m_requests = nullptr; // the context of the view's own requests, ended first
};

} // namespace nullify::ui
