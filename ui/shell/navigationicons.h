#pragma once

#include <QIcon>

class QPalette;

namespace nullify::ui {

// The navigation list's icons, for the views to return from View::icon(): the desktop theme's icon
// when it has one (it follows light and dark by itself), else the app's own SVG tinted with the
// palette's text colour, so it reads on light and dark palettes alike.
enum class NavigationIcon { Overview, Repositories, Findings, Scans, Autofix };

QIcon navigationIcon(NavigationIcon which);
QIcon navigationIcon(NavigationIcon which, const QPalette& palette);

// An SVG drawn in one colour (any), redrawn in the palette's WindowText colour at common sizes.
QIcon tintedIcon(const QString& svgPath, const QPalette& palette);

} // namespace nullify::ui
