#pragma once

#include "triage.h"
#include "types.h"

#include <QDialog>
#include <QHash>
#include <QPointer>
#include <QWidget>

class QAction;
class QLabel;
class QPushButton;

namespace nullify::api {
class NullifyApi;
struct ApiError;
} // namespace nullify::api

namespace nullify::ui {

class FindingsModel;

// Triage of the findings selected in the Findings table, and the triage record of the current one.
//
// Allowlist (a type and a reason), unallowlist (a reason) and severity/priority overrides, through
// each finding type's own endpoints (api::triageEndpointsFor). A selection allowlists with one
// batch call per finding type where the spec has a batch endpoint (sast, secrets, sensitive data,
// scpm); the other types (SCA, pentest) have none, so each of their findings is one call. The
// PATCH of an override has no batch form either.
//
// A write the server accepted changes the model's row at once (status, severity, priority) and is
// announced with findingsChanged(); a write that failed changes nothing and says so in the panel.
// While writes are under way the actions are disabled: a second click cannot send them twice.
class TriagePanel : public QWidget
{
    Q_OBJECT

public:
    TriagePanel(api::NullifyApi* api, FindingsModel* model, QWidget* parent = nullptr);

    // The model rows the actions apply to (the table's selection, as source rows).
    void setSelection(const QList<int>& sourceRows);
    // Shows the triage record (GET …/triage) of this row's finding; -1 clears it.
    void showRecordOf(int sourceRow);

    QAction* allowlistAction() const { return m_allowlist; }
    QAction* unallowlistAction() const { return m_unallowlist; }
    QAction* overrideAction() const { return m_override; }
    QPushButton* allowlistButton() const { return m_allowlistButton; }
    QPushButton* unallowlistButton() const { return m_unallowlistButton; }
    QPushButton* overrideButton() const { return m_overrideButton; }
    QLabel* statusLabel() const { return m_status; }
    QLabel* recordLabel() const { return m_record; }
    // The triage dialog open now, if any (allowlistDialog, unallowlistDialog, overrideDialog).
    QDialog* activeDialog() const { return m_dialog; }
    bool isBusy() const { return m_pending > 0; }
    // The rows the last action changed, as they were and as they are (for counts kept elsewhere).
    const QList<QPair<api::Finding, api::Finding>>& lastChanges() const { return m_changes; }
    // The record shown is this finding's (empty while loading or when none).
    QString recordFindingId() const { return m_recordId; }

signals:
    // The server accepted a write: these findings' rows have changed.
    void findingsChanged(const QStringList& findingIds);
    // Every write of one action has answered (ok: none failed).
    void writesFinished(bool ok);

private:
    struct Target
    {
        int row = -1;
        api::Finding finding;
    };
    enum class Action { Allowlist, Unallowlist, Override };

    QList<Target> selectedTargets() const;
    void updateActions();
    void openAllowlist(bool allowlist);
    void openOverride();
    void allowlist(const QList<Target>& targets, api::AllowlistType type, const QString& reason);
    void unallowlist(const QList<Target>& targets, const QString& reason);
    void applyOverride(const QList<Target>& targets, const api::FindingOverride& change);
    void beginWrites(Action action, int calls);
    // One call's answer: on success apply runs for the targets it covered.
    void onWrite(const QList<Target>& targets,
                 const api::Result<api::TriageWrite>& result,
                 const std::function<void(api::Finding&)>& apply);
    void finishWrites();
    void loadRecord(const QString& findingId, api::FindingType type);
    void showRecord(const api::TriageRecord& record);
    int rowFor(const Target& target) const;

    api::NullifyApi* m_api;
    FindingsModel* m_model;
    QList<int> m_rows;
    QPointer<QDialog> m_dialog;

    Action m_action = Action::Allowlist;
    int m_pending = 0; // calls not answered yet
    int m_findingsDone = 0;
    int m_findingsFailed = 0;
    int m_findingsSkipped = 0; // of a type without the endpoint
    QString m_firstError;
    QStringList m_changed;
    QList<QPair<api::Finding, api::Finding>> m_changes; // before, after

    QString m_recordId;
    api::FindingType m_recordType = api::FindingType::Unknown;
    QObject* m_recordRequest = nullptr;
    QHash<QString, api::AllowlistType> m_allowlistTypes; // from the records seen: unallowlist sends it back

    QAction* m_allowlist = nullptr;
    QAction* m_unallowlist = nullptr;
    QAction* m_override = nullptr;
    QPushButton* m_allowlistButton = nullptr;
    QPushButton* m_unallowlistButton = nullptr;
    QPushButton* m_overrideButton = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_record = nullptr;
};

} // namespace nullify::ui
