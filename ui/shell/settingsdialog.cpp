#include "settingsdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace nullify::ui {

namespace {

QString levelText(const QString& level)
{
    if (level == QLatin1String("default"))
        return SettingsDialog::tr("Default for each category");
    if (level == QLatin1String("debug"))
        return SettingsDialog::tr("Debug");
    if (level == QLatin1String("info"))
        return SettingsDialog::tr("Information");
    if (level == QLatin1String("warning"))
        return SettingsDialog::tr("Warnings");
    if (level == QLatin1String("critical"))
        return SettingsDialog::tr("Critical only");
    return level;
}

} // namespace

SettingsDialog::SettingsDialog(AppSettings* settings, QWidget* parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));
    setModal(false);

    auto* form = new QFormLayout;
    for (const AppSettings::Definition& d : AppSettings::definitions()) {
        if (!d.label)
            continue; // window state and the like: kept by the app, not edited
        const QString label = AppSettings::tr(d.label);
        QWidget* editor = nullptr;
        switch (d.type) {
        case AppSettings::Type::Text:
            editor = new QLineEdit(this);
            break;
        case AppSettings::Type::Bool:
            editor = new QCheckBox(label, this);
            break;
        case AppSettings::Type::Int: {
            auto* spin = new QSpinBox(this);
            spin->setRange(d.minimum, d.maximum);
            editor = spin;
            break;
        }
        case AppSettings::Type::Choice: {
            auto* combo = new QComboBox(this);
            for (const QString& choice : d.choices)
                combo->addItem(levelText(choice), choice);
            editor = combo;
            break;
        }
        case AppSettings::Type::Bytes:
            continue;
        }
        editor->setObjectName(QString::fromLatin1(d.name).section(QLatin1Char('/'), -1) + QStringLiteral("Editor"));
        editor->setAccessibleName(label);
        if (d.description)
            editor->setToolTip(AppSettings::tr(d.description));
        if (d.type == AppSettings::Type::Bool)
            form->addRow(editor);
        else
            form->addRow(label, editor);
        m_editors.insert(d.key, editor);
    }

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &SettingsDialog::apply);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_buttons);
    load();
}

void SettingsDialog::load()
{
    if (!m_settings)
        return;
    for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
        const QVariant value = m_settings->value(it.key());
        if (auto* line = qobject_cast<QLineEdit*>(it.value()))
            line->setText(value.toString());
        else if (auto* check = qobject_cast<QCheckBox*>(it.value()))
            check->setChecked(value.toBool());
        else if (auto* spin = qobject_cast<QSpinBox*>(it.value()))
            spin->setValue(value.toInt());
        else if (auto* combo = qobject_cast<QComboBox*>(it.value()))
            combo->setCurrentIndex(std::max(0, combo->findData(value.toString())));
    }
}

bool SettingsDialog::apply()
{
    if (!m_settings)
        return false;
    bool ok = true;
    for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
        QVariant value;
        if (auto* line = qobject_cast<QLineEdit*>(it.value()))
            value = line->text();
        else if (auto* check = qobject_cast<QCheckBox*>(it.value()))
            value = check->isChecked();
        else if (auto* spin = qobject_cast<QSpinBox*>(it.value()))
            value = spin->value();
        else if (auto* combo = qobject_cast<QComboBox*>(it.value()))
            value = combo->currentData();
        ok = m_settings->setValue(it.key(), value) && ok;
    }
    return ok;
}

} // namespace nullify::ui
