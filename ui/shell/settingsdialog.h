#pragma once

#include "appsettings.h"

#include <QDialog>
#include <QHash>
#include <QPointer>

class QDialogButtonBox;

namespace nullify::ui {

// Edits the settings that have a label in the AppSettings table, one widget per type (a line
// edit, a check box, a spin box with the table's limits, a combo box). Non-modal; OK and Apply
// write through AppSettings, which tells whoever applies them.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit SettingsDialog(AppSettings* settings, QWidget* parent = nullptr);

    // The editor of a setting; nullptr for one the dialog does not show.
    QWidget* editor(AppSettings::Key key) const { return m_editors.value(key); }

    // Shows the stored values in the editors (on every open, so Cancel forgets edits).
    void load();
    // Writes the editors' values; false when one was refused (it stays as it was).
    bool apply();

private:
    QPointer<AppSettings> m_settings;
    QHash<AppSettings::Key, QWidget*> m_editors;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace nullify::ui
