#include "triagepanel.h"

#include "displaytext.h"
#include "findingsmodel.h"
#include "nullifyapi.h"
#include "triagedialog.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QLoggingCategory>
#include <QPushButton>
#include <QVBoxLayout>

#include <utility>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiTriage, "nullify.ui.triage", QtInfoMsg)

namespace {

bool isAllowlisted(const api::Finding& f)
{
    return f.isAllowlisted.value_or(false);
}

// The selection grouped by finding type, in the order the types first appear.
template <typename T> QList<QPair<api::FindingType, QList<T>>> byType(const QList<T>& targets)
{
    QList<QPair<api::FindingType, QList<T>>> groups;
    for (const T& target : targets) {
        auto it = std::find_if(
            groups.begin(), groups.end(), [&target](const auto& group) { return group.first == target.finding.type; });
        if (it == groups.end()) {
            groups.append({target.finding.type, {}});
            it = std::prev(groups.end());
        }
        it->second.append(target);
    }
    return groups;
}

QString errorText(const api::ApiError& error)
{
    return error.message.isEmpty() ? error.summary() : error.message;
}

} // namespace

TriagePanel::TriagePanel(api::NullifyApi* api, FindingsModel* model, QWidget* parent)
    : QWidget(parent)
    , m_api(api)
    , m_model(model)
{
    setObjectName(QStringLiteral("triagePanel"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_record = new QLabel(this);
    m_record->setObjectName(QStringLiteral("triageRecord"));
    m_record->setWordWrap(true);
    m_record->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_record->setAccessibleName(tr("Triage record"));
    m_record->hide();
    layout->addWidget(m_record);

    m_allowlist = new QAction(tr("Allowlist..."), this);
    m_allowlist->setObjectName(QStringLiteral("allowlistAction"));
    m_unallowlist = new QAction(tr("Remove from allowlist..."), this);
    m_unallowlist->setObjectName(QStringLiteral("unallowlistAction"));
    m_override = new QAction(tr("Override severity or priority..."), this);
    m_override->setObjectName(QStringLiteral("overrideAction"));
    connect(m_allowlist, &QAction::triggered, this, [this] { openAllowlist(true); });
    connect(m_unallowlist, &QAction::triggered, this, [this] { openAllowlist(false); });
    connect(m_override, &QAction::triggered, this, &TriagePanel::openOverride);

    auto* buttons = new QHBoxLayout;
    m_allowlistButton = new QPushButton(tr("Allowlist..."), this);
    m_allowlistButton->setObjectName(QStringLiteral("allowlistButton"));
    m_unallowlistButton = new QPushButton(tr("Unallowlist..."), this);
    m_unallowlistButton->setObjectName(QStringLiteral("unallowlistButton"));
    m_overrideButton = new QPushButton(tr("Override..."), this);
    m_overrideButton->setObjectName(QStringLiteral("overrideButton"));
    m_overrideButton->setAccessibleName(tr("Override severity or priority"));
    connect(m_allowlistButton, &QPushButton::clicked, m_allowlist, &QAction::trigger);
    connect(m_unallowlistButton, &QPushButton::clicked, m_unallowlist, &QAction::trigger);
    connect(m_overrideButton, &QPushButton::clicked, m_override, &QAction::trigger);
    buttons->addStretch(1);
    buttons->addWidget(m_allowlistButton);
    buttons->addWidget(m_unallowlistButton);
    buttons->addWidget(m_overrideButton);
    layout->addLayout(buttons);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("triageStatus"));
    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Triage result"));
    m_status->hide();
    layout->addWidget(m_status);

    // Rows go when a new listing starts: the selection they were goes with them.
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { setSelection({}); });
    updateActions();
}

void TriagePanel::setSelection(const QList<int>& sourceRows)
{
    m_rows = sourceRows;
    updateActions();
}

QList<TriagePanel::Target> TriagePanel::selectedTargets() const
{
    QList<Target> targets;
    targets.reserve(m_rows.size());
    for (int row : m_rows) {
        if (row >= 0 && row < m_model->count())
            targets.append({row, m_model->finding(row)});
    }
    return targets;
}

int TriagePanel::rowFor(const Target& target) const
{
    // The row it was, unless the rows changed since (then look it up).
    if (target.row >= 0 && target.row < m_model->count() && m_model->finding(target.row).id == target.finding.id)
        return target.row;
    return m_model->rowOf(target.finding.id);
}

void TriagePanel::updateActions()
{
    const QList<Target> targets = selectedTargets();
    bool anyToAllowlist = false;
    bool anyToUnallowlist = false;
    bool allOverride = !targets.isEmpty();
    for (const Target& t : targets) {
        const auto endpoints = api::triageEndpointsFor(t.finding.type);
        anyToAllowlist = anyToAllowlist || (endpoints && !isAllowlisted(t.finding));
        anyToUnallowlist = anyToUnallowlist || (endpoints && isAllowlisted(t.finding));
        allOverride = allOverride && endpoints && endpoints->canOverride;
    }
    const bool idle = m_pending == 0;
    m_allowlist->setEnabled(idle && anyToAllowlist);
    m_unallowlist->setEnabled(idle && anyToUnallowlist);
    m_override->setEnabled(idle && allOverride);
    const int n = int(targets.size());
    m_allowlistButton->setText(n > 1 ? tr("Allowlist %1...").arg(n) : tr("Allowlist..."));
    m_allowlistButton->setAccessibleName(n > 1 ? tr("Allowlist the %1 selected findings").arg(n)
                                               : tr("Allowlist this finding"));
    for (auto [action, button] : {std::pair {m_allowlist, m_allowlistButton},
                                  std::pair {m_unallowlist, m_unallowlistButton},
                                  std::pair {m_override, m_overrideButton}}) {
        button->setEnabled(action->isEnabled());
        button->setVisible(!targets.isEmpty());
    }
    if (!idle)
        m_allowlistButton->setToolTip(tr("Waiting for the server's answer"));
    else if (!targets.isEmpty() && !anyToAllowlist && !anyToUnallowlist)
        m_allowlistButton->setToolTip(tr("This kind of finding cannot be allowlisted here"));
    else
        m_allowlistButton->setToolTip(QString());
}

void TriagePanel::openAllowlist(bool allowlist)
{
    if (m_dialog || m_pending > 0)
        return;
    QList<Target> targets;
    for (const Target& t : selectedTargets()) {
        // Allowlist what is not allowlisted yet; unallowlist what is.
        if (api::triageEndpointsFor(t.finding.type) && isAllowlisted(t.finding) != allowlist)
            targets.append(t);
    }
    if (targets.isEmpty())
        return;
    const QString subject = targets.size() == 1 ? FindingsModel::titleOf(targets.first().finding) : QString();
    auto* dialog
        = new AllowlistDialog(allowlist ? AllowlistDialog::Mode::Allowlist : AllowlistDialog::Mode::Unallowlist,
                              int(targets.size()),
                              subject,
                              this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    connect(dialog, &QDialog::accepted, this, [this, dialog, targets, allowlist] {
        if (allowlist)
            this->allowlist(targets, dialog->allowlistType(), dialog->reason());
        else
            unallowlist(targets, dialog->reason());
    });
    dialog->open();
}

void TriagePanel::openOverride()
{
    if (m_dialog || m_pending > 0)
        return;
    const QList<Target> targets = selectedTargets();
    if (targets.isEmpty())
        return;
    bool severity = true;
    for (const Target& t : targets) {
        const auto endpoints = api::triageEndpointsFor(t.finding.type);
        if (!endpoints || !endpoints->canOverride)
            return;
        severity = severity && endpoints->canOverrideSeverity;
    }
    const QString subject = targets.size() == 1 ? FindingsModel::titleOf(targets.first().finding) : QString();
    auto* dialog = new OverrideDialog(int(targets.size()), subject, severity, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    connect(dialog, &QDialog::accepted, this, [this, dialog, targets] { applyOverride(targets, dialog->change()); });
    dialog->open();
}

void TriagePanel::beginWrites(Action action, int calls)
{
    m_action = action;
    m_pending = calls;
    m_findingsDone = 0;
    m_findingsFailed = 0;
    m_findingsSkipped = 0;
    m_firstError.clear();
    m_changed.clear();
    m_changes.clear();
    m_status->setText(tr("Saving..."));
    m_status->setProperty("failed", false);
    m_status->show();
    updateActions();
}

void TriagePanel::allowlist(const QList<Target>& targets, api::AllowlistType type, const QString& reason)
{
    const auto groups = byType(targets);
    int calls = 0;
    for (const auto& [findingType, group] : groups) {
        const auto endpoints = api::triageEndpointsFor(findingType);
        if (!endpoints)
            continue;
        calls += (!endpoints->batchPath.isEmpty() && group.size() > 1) ? 1 : int(group.size());
    }
    beginWrites(Action::Allowlist, calls);
    const auto apply = [](api::Finding& f) {
        f.isAllowlisted = true;
        f.isResolved = true; // the spec's isResolved includes isAllowlisted
    };
    for (const auto& [findingType, group] : groups) {
        const auto endpoints = api::triageEndpointsFor(findingType);
        if (!endpoints) {
            m_findingsSkipped += int(group.size());
            continue;
        }
        if (!endpoints->batchPath.isEmpty() && group.size() > 1) {
            QStringList ids;
            ids.reserve(group.size());
            for (const Target& t : group)
                ids.append(t.finding.id);
            qCInfo(lcUiTriage) << "allowlisting" << ids.size() << wireName(findingType) << "findings in one batch";
            m_api->allowlistFindings(
                findingType, ids, type, reason, this, [this, group, apply](const api::Result<api::TriageWrite>& r) {
                    onWrite(group, r, apply);
                });
            continue;
        }
        for (const Target& t : group) {
            m_api->allowlistFinding(
                findingType,
                t.finding.id,
                type,
                reason,
                this,
                [this, t, apply](const api::Result<api::TriageWrite>& r) { onWrite({t}, r, apply); });
        }
    }
    if (calls == 0)
        finishWrites();
}

void TriagePanel::unallowlist(const QList<Target>& targets, const QString& reason)
{
    beginWrites(Action::Unallowlist, int(targets.size()));
    const auto apply = [](api::Finding& f) {
        f.isAllowlisted = false;
        f.isResolved = f.isFalsePositive; // what else resolved it is not known here; the next listing says
    };
    for (const Target& t : targets) {
        const api::AllowlistType previous = m_allowlistTypes.value(t.finding.id, api::AllowlistType::Unknown);
        m_api->unallowlistFinding(t.finding.type,
                                  t.finding.id,
                                  reason,
                                  previous,
                                  this,
                                  [this, t, apply](const api::Result<api::TriageWrite>& r) { onWrite({t}, r, apply); });
    }
    if (targets.isEmpty())
        finishWrites();
}

void TriagePanel::applyOverride(const QList<Target>& targets, const api::FindingOverride& change)
{
    beginWrites(Action::Override, int(targets.size()));
    const auto apply = [change](api::Finding& f) {
        if (change.severity) {
            f.severity = *change.severity;
            f.severityText = api::wireName(*change.severity);
        }
        if (!change.priorityLabel.isEmpty())
            f.priorityLabel = change.priorityLabel;
    };
    for (const Target& t : targets) {
        m_api->overrideFinding(
            t.finding.type, t.finding.id, change, this, [this, t, apply](const api::Result<api::TriageWrite>& r) {
                onWrite({t}, r, apply);
            });
    }
    if (targets.isEmpty())
        finishWrites();
}

void TriagePanel::onWrite(const QList<Target>& targets,
                          const api::Result<api::TriageWrite>& result,
                          const std::function<void(api::Finding&)>& apply)
{
    --m_pending;
    if (!result) {
        api::logFailure(lcUiTriage(), "triage write", result.error());
        m_findingsFailed += int(targets.size());
        if (m_firstError.isEmpty())
            m_firstError = errorText(result.error());
    } else {
        // The server took it: the rows show it now (one model update for the whole answer), the
        // next listing will too.
        QList<QPair<int, api::Finding>> rows;
        rows.reserve(targets.size());
        for (const Target& t : targets) {
            const int row = rowFor(t);
            if (row < 0)
                continue;
            const api::Finding before = m_model->finding(row);
            api::Finding changed = before;
            apply(changed);
            rows.append({row, changed});
            m_changes.append({before, changed});
            m_changed.append(t.finding.id);
        }
        m_model->replaceFindings(rows);
        m_findingsDone += int(targets.size());
    }
    if (m_pending == 0)
        finishWrites();
}

void TriagePanel::finishWrites()
{
    m_pending = 0;
    const bool ok = m_findingsFailed == 0;
    QString done;
    switch (m_action) {
    case Action::Allowlist:
        done = tr("Allowlisted %1.").arg(findingsText(m_findingsDone));
        break;
    case Action::Unallowlist:
        done = tr("Removed %1 from the allowlist.").arg(findingsText(m_findingsDone));
        break;
    case Action::Override:
        done = tr("Overrode %1.").arg(findingsText(m_findingsDone));
        break;
    }
    QString text;
    if (ok) {
        text = done;
    } else {
        const QString verb = m_action == Action::Allowlist ? tr("allowlist")
            : m_action == Action::Unallowlist              ? tr("unallowlist")
                                                           : tr("override");
        text = tr("Could not %1 %2: %3. Nothing changed for them.")
                   .arg(verb, findingsText(m_findingsFailed), m_firstError);
        if (m_findingsDone > 0)
            text += QLatin1Char(' ') + done;
    }
    if (m_findingsSkipped > 0)
        text += QLatin1Char(' ')
            + tr("%1 of a kind without triage left as they are.").arg(findingsText(m_findingsSkipped));
    m_status->setText(text);
    m_status->setProperty("failed", !ok);
    m_status->setStyleSheet(ok ? QString() : QStringLiteral("font-weight: bold;"));
    m_status->show();
    updateActions();
    if (!m_changed.isEmpty()) {
        // The record of the finding shown may have changed (its allowlist): ask again.
        m_recordId.clear();
        emit findingsChanged(m_changed);
    }
    emit writesFinished(ok);
}

void TriagePanel::showRecordOf(int sourceRow)
{
    const bool valid = sourceRow >= 0 && sourceRow < m_model->count();
    const QString id = valid ? m_model->finding(sourceRow).id : QString();
    if (!id.isEmpty() && id == m_recordId)
        return;
    delete m_recordRequest; // the previous finding's answer is no longer wanted
    m_recordRequest = nullptr;
    m_recordId.clear();
    m_record->clear();
    m_record->hide();
    if (!valid)
        return;
    const api::FindingType type = m_model->finding(sourceRow).type;
    if (!api::triageEndpointsFor(type))
        return;
    loadRecord(id, type);
}

void TriagePanel::loadRecord(const QString& findingId, api::FindingType type)
{
    m_recordRequest = new QObject(this);
    m_recordType = type;
    m_record->setText(tr("Loading the triage record..."));
    m_record->show();
    const QString requested = findingId;
    m_api->triageRecord(type, findingId, m_recordRequest, [this, requested](const api::Result<api::TriageRecord>& r) {
        if (!r) {
            api::logFailure(lcUiTriage(), "triage record", r.error());
            m_record->setText(tr("Could not load the triage record: %1").arg(errorText(r.error())));
            return;
        }
        m_recordId = requested;
        if (r.value().allowlistType != api::AllowlistType::Unknown)
            m_allowlistTypes.insert(requested, r.value().allowlistType);
        showRecord(r.value());
    });
}

void TriagePanel::showRecord(const api::TriageRecord& record)
{
    QStringList lines;
    if (record.isAllowlisted.value_or(false)) {
        const QString kind = record.allowlistType != api::AllowlistType::Unknown
            ? allowlistTypeText(record.allowlistType)
            : record.allowlistTypeText;
        QString line = kind.isEmpty() ? tr("Allowlisted") : tr("Allowlisted (%1)").arg(kind);
        if (!record.allowlistReason.isEmpty())
            line += tr(": %1").arg(record.allowlistReason);
        lines.append(line);
    } else if (record.isAllowlisted) {
        lines.append(tr("Not allowlisted"));
    }
    if (record.isFalsePositive.value_or(false))
        lines.append(record.falsePositiveReason.isEmpty()
                         ? tr("Triage: false positive")
                         : tr("Triage: false positive: %1").arg(record.falsePositiveReason));
    if (!record.summary.isEmpty())
        lines.append(tr("Triage: %1").arg(record.summary));
    if (!record.priorityLabel.isEmpty())
        lines.append(record.priorityScore
                         ? tr("Triage priority: %1 (score %2)").arg(record.priorityLabel).arg(*record.priorityScore)
                         : tr("Triage priority: %1").arg(record.priorityLabel));
    if (!record.assessmentFactors.isEmpty())
        lines.append(tr("Assessment: %1").arg(record.assessmentFactors.join(QStringLiteral(", "))));
    if (record.lastTriagedAt.isValid())
        lines.append(tr("Triaged %1").arg(DisplayText::dateTime(record.lastTriagedAt)));
    m_record->setText(lines.isEmpty() ? tr("No triage record for this finding yet.") : lines.join(QLatin1Char('\n')));
    m_record->show();
}

} // namespace nullify::ui
