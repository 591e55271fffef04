#pragma once

#include <QString>
#include <QStringList>

namespace nullify::ui {

// The levels --log-level and the settings accept, lowest first.
QStringList logLevels();

// Logging rules for every nullify.* category: `level` and everything more severe on, the rest off.
// "default" (or empty) clears the rules so each category's own default applies again.
// False, and nothing changed, for an unknown level. QT_LOGGING_RULES still wins when set.
bool applyLogLevel(const QString& level);

} // namespace nullify::ui
