#pragma once

#include "types.h"
#include "view.h"

#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>

class QLabel;
class QVBoxLayout;

namespace nullify::api {
struct ApiError;
}

namespace nullify::ui {

class DiffView;
class OperationRow;

// The autofixes started from findings: one row per finding with its phase, current activity and
// the retry countdown of its poll; the proposed change of the chosen one in a DiffView; "Open pull
// request" once there is one (for SCPM findings, "Create pull request" first, as only that service
// opens one on request). The fix POST is billable and never sent twice by the app: an ambiguous
// failure says so in the row; only the user's next "Autofix" starts again.
class AutofixView : public View
{
    Q_OBJECT

public:
    using UrlOpener = std::function<bool(const QUrl&)>;

    explicit AutofixView(const ViewContext& context, QWidget* parent = nullptr);
    ~AutofixView() override;

    // The navigation entry, known before the view is built (MainWindow::addPage).
    static QString pageTitle();
    static QIcon pageIcon();
    QString title() const override;
    QIcon icon() const override;
    void activate() override;
    // Loads the shown diff again, and asks again about autofixes whose polling gave up.
    void refresh() override;
    // No primary action of its own: an autofix starts from a finding (Findings view), and opening
    // a pull request is left to an explicit click.

    // How often a running autofix is asked about (default 3 s, the API's advice).
    void setPollInterval(std::chrono::milliseconds interval) { m_pollInterval = interval; }
    // How pull-request links are opened; default QDesktopServices::openUrl. For tests.
    void setUrlOpener(UrlOpener opener);

    DiffView* diffView() const { return m_diffView; }
    QList<OperationRow*> rows() const;
    OperationRow* rowFor(api::FindingService service, const QString& findingId) const;

public slots:
    void startAutofix(nullify::api::FindingService service, const QString& findingId, const QString& findingTitle);

private:
    struct Autofix;

    Autofix* find(api::FindingService service, const QString& findingId) const;
    void remove(Autofix* autofix);
    void follow(Autofix* autofix);
    void showStatus(Autofix* autofix, const api::AutofixStatus& status);
    void reachedEnd(Autofix* autofix, const api::AutofixStatus& status);
    void loadDiff(Autofix* autofix);
    void showDiffOf(Autofix* autofix);
    void createPullRequest(Autofix* autofix);
    void openPullRequest(Autofix* autofix);

    std::chrono::milliseconds m_pollInterval {3000};
    UrlOpener m_urlOpener;
    QList<Autofix*> m_autofixes; // each a child of its row, gone with it
    Autofix* m_shown = nullptr;

    QVBoxLayout* m_rows = nullptr;
    QLabel* m_empty = nullptr;
    QLabel* m_diffTitle = nullptr;
    QLabel* m_explanation = nullptr;
    DiffView* m_diffView = nullptr;
};

} // namespace nullify::ui
