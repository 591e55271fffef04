#include "triagedialog.h"

#include "displaytext.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace nullify::ui {

namespace {

const QList<api::Severity> kOverrideSeverities {api::Severity::Critical,
                                                api::Severity::High,
                                                api::Severity::Medium,
                                                api::Severity::Low,
                                                api::Severity::Informational};

QString subjectText(int count, const QString& subject)
{
    if (count == 1 && !subject.isEmpty())
        return subject;
    return findingsText(count);
}

} // namespace

QString findingsText(int count)
{
    return count == 1 ? AllowlistDialog::tr("1 finding") : AllowlistDialog::tr("%1 findings").arg(count);
}

QString allowlistTypeText(api::AllowlistType type)
{
    switch (type) {
    case api::AllowlistType::UserFalsePositive:
        return AllowlistDialog::tr("False positive");
    case api::AllowlistType::UserAssumeRisk:
        return AllowlistDialog::tr("Risk accepted");
    case api::AllowlistType::UserFixed:
        return AllowlistDialog::tr("Fixed");
    case api::AllowlistType::UserOther:
        return AllowlistDialog::tr("Other");
    case api::AllowlistType::Ai:
        return AllowlistDialog::tr("By Nullify's triage");
    case api::AllowlistType::Unknown:
        break;
    }
    return AllowlistDialog::tr("Unknown");
}

AllowlistDialog::AllowlistDialog(Mode mode, int count, const QString& subject, QWidget* parent)
    : QDialog(parent)
    , m_mode(mode)
{
    setObjectName(mode == Mode::Allowlist ? QStringLiteral("allowlistDialog") : QStringLiteral("unallowlistDialog"));
    const QString what = subjectText(count, subject);
    setWindowTitle(mode == Mode::Allowlist ? tr("Allowlist %1").arg(what)
                                           : tr("Remove %1 from the allowlist").arg(what));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(this);
    intro->setWordWrap(true);
    intro->setText(mode == Mode::Allowlist
                       ? tr("Allowlisted findings no longer count as open. Say why, for whoever reads this later.")
                       : tr("The finding counts as open again. Say why it goes back on the list."));
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    if (mode == Mode::Allowlist) {
        m_type = new QComboBox(this);
        m_type->setObjectName(QStringLiteral("allowlistType"));
        m_type->setAccessibleName(tr("Why it is allowlisted"));
        for (api::AllowlistType type : api::userAllowlistTypes())
            m_type->addItem(allowlistTypeText(type), int(type));
        form->addRow(tr("Kind"), m_type);
    }
    m_reason = new QPlainTextEdit(this);
    m_reason->setObjectName(QStringLiteral("triageReason"));
    m_reason->setAccessibleName(tr("Reason (required)"));
    m_reason->setTabChangesFocus(true);
    m_reason->setPlaceholderText(tr("Required"));
    form->addRow(tr("Reason"), m_reason);
    layout->addLayout(form);

    m_hint = new QLabel(tr("A reason is required."), this);
    m_hint->setObjectName(QStringLiteral("reasonHint"));
    layout->addWidget(m_hint);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_submit = buttons->addButton(mode == Mode::Allowlist ? tr("Allowlist %1").arg(what) : tr("Unallowlist"),
                                  QDialogButtonBox::AcceptRole);
    m_submit->setObjectName(QStringLiteral("triageSubmit"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!reason().isEmpty())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_reason, &QPlainTextEdit::textChanged, this, &AllowlistDialog::updateSubmit);
    updateSubmit();
    m_reason->setFocus();
}

api::AllowlistType AllowlistDialog::allowlistType() const
{
    return m_type ? api::AllowlistType(m_type->currentData().toInt()) : api::AllowlistType::Unknown;
}

QString AllowlistDialog::reason() const
{
    return m_reason->toPlainText().trimmed();
}

void AllowlistDialog::updateSubmit()
{
    const bool ready = !reason().isEmpty();
    m_submit->setEnabled(ready);
    m_hint->setVisible(!ready);
}

OverrideDialog::OverrideDialog(int count, const QString& subject, bool canOverrideSeverity, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("overrideDialog"));
    setWindowTitle(tr("Override %1").arg(subjectText(count, subject)));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_severity = new QComboBox(this);
    m_severity->setObjectName(QStringLiteral("overrideSeverity"));
    m_severity->setAccessibleName(tr("Severity"));
    m_severity->addItem(tr("Keep as it is"), -1);
    for (api::Severity severity : kOverrideSeverities)
        m_severity->addItem(DisplayText::severity(severity), int(severity));
    m_severity->setEnabled(canOverrideSeverity);
    if (!canOverrideSeverity)
        m_severity->setToolTip(tr("The severity of this kind of finding cannot be overridden"));
    form->addRow(tr("Severity"), m_severity);
    m_priority = new QComboBox(this);
    m_priority->setObjectName(QStringLiteral("overridePriority"));
    m_priority->setAccessibleName(tr("Priority"));
    m_priority->addItem(tr("Keep as it is"), QString());
    for (const QString& label : api::priorityLabels())
        m_priority->addItem(label, label);
    form->addRow(tr("Priority"), m_priority);
    layout->addLayout(form);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_submit = buttons->addButton(tr("Override"), QDialogButtonBox::AcceptRole);
    m_submit->setObjectName(QStringLiteral("triageSubmit"));
    m_submit->setEnabled(false);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!change().isEmpty())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    for (QComboBox* combo : {m_severity, m_priority})
        connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
            m_submit->setEnabled(!change().isEmpty());
        });
}

api::FindingOverride OverrideDialog::change() const
{
    api::FindingOverride change;
    const int severity = m_severity->currentData().toInt();
    if (severity >= 0 && m_severity->isEnabled())
        change.severity = api::Severity(severity);
    change.priorityLabel = m_priority->currentData().toString();
    return change;
}

} // namespace nullify::ui
