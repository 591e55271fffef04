#pragma once

#include "types.h"

#include <QColor>
#include <QCoreApplication>
#include <QDateTime>
#include <QIcon>
#include <QPalette>
#include <QString>

namespace nullify::ui {

// The words and colours the models show for the API's values, in one place so every view says
// "In progress" the same way. Every string goes through tr() (context nullify::ui::DisplayText).
class DisplayText
{
    Q_DECLARE_TR_FUNCTIONS(nullify::ui::DisplayText)

public:
    static QString severity(api::Severity severity, const QString& serverText = {});
    static QString findingType(api::FindingType type, const QString& serverText = {});
    static QString autofixState(api::AutofixState state);
    static QString scanStatus(api::ScanStatus status, const QString& serverText = {});
    static QString scanner(api::Scanner scanner);
    // Short local date and time; empty for an invalid time (the server left it out).
    static QString dateTime(const QDateTime& time);
    static QString longDateTime(const QDateTime& time);
};

// Severity ranks: higher is more severe, so a descending sort puts Critical first.
int severityRank(api::Severity severity);

// A severity's colour for text on palette's Base. The table has a light and a dark variant of each
// colour, picked by how light the palette's Base is (Qt 6.4 has no colour-scheme API), so the
// text keeps its contrast in both. Severities without a colour of their own use the palette's
// PlaceholderText.
QColor severityColor(api::Severity severity, const QPalette& palette);
// A small filled circle in severityColor, for DecorationRole. Cached per colour.
QIcon severityIcon(api::Severity severity, const QPalette& palette);

} // namespace nullify::ui
