#pragma once

#include "triage.h"
#include "types.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace nullify::ui {

// Asks how and why to allowlist one finding or a selection (a type and a reason), or why to take
// one off the allowlist (a reason). The submit button stays disabled until a reason is typed: the
// API requires one, and a blank one is refused here rather than by the server.
class AllowlistDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Mode { Allowlist, Unallowlist };

    // subject: the finding's title for one finding, empty for several (count says how many).
    AllowlistDialog(Mode mode, int count, const QString& subject, QWidget* parent = nullptr);

    Mode mode() const { return m_mode; }
    api::AllowlistType allowlistType() const;
    QString reason() const; // trimmed

    QComboBox* typeCombo() const { return m_type; }
    QPlainTextEdit* reasonEdit() const { return m_reason; }
    QPushButton* submitButton() const { return m_submit; }

private:
    void updateSubmit();

    Mode m_mode;
    QComboBox* m_type = nullptr;
    QPlainTextEdit* m_reason = nullptr;
    QLabel* m_hint = nullptr;
    QPushButton* m_submit = nullptr;
};

// Overrides the severity and/or the priority of one finding or a selection. Submits only a change:
// the first entry of each list keeps what the finding has.
class OverrideDialog : public QDialog
{
    Q_OBJECT

public:
    // canOverrideSeverity: false when a finding in the selection takes only a priority override.
    OverrideDialog(int count, const QString& subject, bool canOverrideSeverity, QWidget* parent = nullptr);

    api::FindingOverride change() const;

    QComboBox* severityCombo() const { return m_severity; }
    QComboBox* priorityCombo() const { return m_priority; }
    QPushButton* submitButton() const { return m_submit; }

private:
    QComboBox* m_severity = nullptr;
    QComboBox* m_priority = nullptr;
    QPushButton* m_submit = nullptr;
};

// "1 finding", "3 findings".
QString findingsText(int count);

// What a user sees for an allowlist type: "False positive", "Risk accepted", ...
QString allowlistTypeText(api::AllowlistType type);

} // namespace nullify::ui
