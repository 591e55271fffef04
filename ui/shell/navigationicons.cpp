#include "navigationicons.h"

#include <QApplication>
#include <QPainter>
#include <QPalette>
#include <QPixmap>

namespace nullify::ui {

namespace {

struct IconNames
{
    const char* theme;
    const char* resource;
};

IconNames namesOf(NavigationIcon which)
{
    switch (which) {
    case NavigationIcon::Overview:
        return {"go-home", ":/nullify/icons/nav/overview.svg"};
    case NavigationIcon::Repositories:
        return {"folder", ":/nullify/icons/nav/repositories.svg"};
    case NavigationIcon::Findings:
        return {"dialog-warning", ":/nullify/icons/nav/findings.svg"};
    case NavigationIcon::Scans:
        return {"system-search", ":/nullify/icons/nav/scans.svg"};
    case NavigationIcon::Autofix:
        return {"tools-wizard", ":/nullify/icons/nav/autofix.svg"};
    }
    return {"", ""};
}

} // namespace

QIcon tintedIcon(const QString& svgPath, const QPalette& palette)
{
    const QIcon source(svgPath);
    QIcon result;
    for (const QIcon::Mode mode : {QIcon::Normal, QIcon::Disabled}) {
        const QColor colour
            = palette.color(mode == QIcon::Normal ? QPalette::Active : QPalette::Disabled, QPalette::WindowText);
        for (const int size : {16, 20, 24, 32, 48}) {
            QPixmap pixmap = source.pixmap(size, size);
            if (pixmap.isNull())
                continue;
            QPainter painter(&pixmap);
            painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
            painter.fillRect(pixmap.rect(), colour);
            painter.end();
            result.addPixmap(pixmap, mode);
        }
    }
    return result;
}

QIcon navigationIcon(NavigationIcon which, const QPalette& palette)
{
    const IconNames names = namesOf(which);
    const QString theme = QString::fromLatin1(names.theme);
    if (QIcon::hasThemeIcon(theme))
        return QIcon::fromTheme(theme);
    return tintedIcon(QString::fromLatin1(names.resource), palette);
}

QIcon navigationIcon(NavigationIcon which)
{
    return navigationIcon(which, QApplication::palette());
}

} // namespace nullify::ui
