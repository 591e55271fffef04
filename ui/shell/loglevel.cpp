#include "loglevel.h"

#include <QLoggingCategory>

namespace nullify::ui {

QStringList logLevels()
{
    return {QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("critical")};
}

bool applyLogLevel(const QString& level)
{
    if (level.isEmpty() || level.compare(QLatin1String("default"), Qt::CaseInsensitive) == 0) {
        QLoggingCategory::setFilterRules(QString());
        return true;
    }
    const QStringList levels = logLevels();
    const qsizetype threshold = levels.indexOf(level.toLower());
    if (threshold < 0)
        return false;
    QStringList rules;
    for (qsizetype i = 0; i < levels.size(); ++i) {
        rules << QStringLiteral("nullify.*.%1=%2")
                     .arg(levels.at(i), i >= threshold ? QStringLiteral("true") : QStringLiteral("false"));
    }
    QLoggingCategory::setFilterRules(rules.join(QLatin1Char('\n')));
    return true;
}

} // namespace nullify::ui
