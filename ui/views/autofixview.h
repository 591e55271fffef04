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
class StartConfirmation;

// The autofixes of the tenant's findings: one row per finding with its phase, current activity and
// the retry countdown of its poll; the proposed change of the chosen one in a DiffView; "Open pull
// request" once there is one (for SCPM findings, "Create pull request" first, as only that service
// opens one on request).
//
// Autofix state is the server's, not the window's: shown first, the view lists the findings whose
// autofix the server knows (the findings query's autoFixState) and asks each one's status, so a
// fix started before a restart is found again with "Show fix". "Autofix" on a finding asks the
// server too, and a fix it already has (running or done) is shown instead of starting a new one.
// Only then, after the user's confirmation, is the billable fix POST sent, and never twice by the
// app: a second start while one runs is refused with a message, an ambiguous failure says so in
// the row, and only the user's next "Autofix" starts again.
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
    // The server's autofixes again (new ones join the list), the shown diff again, and autofixes
    // whose polling gave up are asked about again.
    void refresh() override;
    // No primary action of its own: an autofix starts from a finding (Findings view), and opening
    // a pull request is left to an explicit click.

    // How often a running autofix is asked about (default 3 s, the API's advice).
    void setPollInterval(std::chrono::milliseconds interval) { m_pollInterval = interval; }
    // How pull-request links are opened; default QDesktopServices::openUrl. For tests.
    void setUrlOpener(UrlOpener opener);

    // How many of the server's autofixes the list asks for (default 50, the newest).
    void setListSize(int findings) { m_listSize = findings; }

    DiffView* diffView() const { return m_diffView; }
    QList<OperationRow*> rows() const;
    OperationRow* rowFor(api::FindingService service, const QString& findingId) const;

public slots:
    // "Autofix" on a finding: the server's own fix for it when it has one, else a new one once the
    // user confirms. The repository is only for the question's words.
    void startAutofix(nullify::api::FindingService service,
                      const QString& findingId,
                      const QString& findingTitle,
                      const QString& repository = QString());
    // "Show fix" on a finding: what the server has for it, with its diff. Never starts one.
    void showAutofix(nullify::api::FindingService service, const QString& findingId, const QString& findingTitle);

signals:
    // The server's latest word on a finding's autofix, for the finding's details elsewhere.
    void autofixStatusChanged(nullify::api::FindingService service,
                              const QString& findingId,
                              const nullify::api::AutofixStatus& status);

private:
    struct Autofix;
    // Why a finding's row is opened: the user's "Autofix", the user's "Show fix", or the server's list.
    enum class Intent { Start, Show, List };

    Autofix* find(api::FindingService service, const QString& findingId) const;
    void open(api::FindingService service, const QString& findingId, const QString& title, Intent intent);
    Autofix* addRow(api::FindingService service, const QString& findingId, const QString& title, bool atTop);
    void checkServer(Autofix* autofix, Intent intent);
    void adopt(Autofix* autofix, const api::AutofixStatus& status, bool showFix);
    void confirmStart(Autofix* autofix);
    void sendStart(Autofix* autofix);
    void listServerAutofixes();
    void updateEmpty();
    void remove(Autofix* autofix);
    void follow(Autofix* autofix);
    void showStatus(Autofix* autofix, const api::AutofixStatus& status);
    void reachedEnd(Autofix* autofix, const api::AutofixStatus& status);
    void loadDiff(Autofix* autofix);
    void showDiffOf(Autofix* autofix);
    void createPullRequest(Autofix* autofix);
    void openPullRequest(Autofix* autofix);

    std::chrono::milliseconds m_pollInterval {3000};
    int m_listSize = 50;
    bool m_listWanted = false;
    bool m_listing = false;
    QString m_listProblem; // why the server's list could not be loaded, if it could not
    UrlOpener m_urlOpener;
    StartConfirmation* m_confirmation = nullptr;
    QObject* m_requests = nullptr; // the context of the view's own requests (the list), ended first
    QList<Autofix*> m_autofixes; // each a child of its row, gone with it
    Autofix* m_shown = nullptr;

    QVBoxLayout* m_rows = nullptr;
    QLabel* m_empty = nullptr;
    QLabel* m_diffTitle = nullptr;
    QLabel* m_explanation = nullptr;
    DiffView* m_diffView = nullptr;
};

} // namespace nullify::ui
