#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <cmath>
#include <cstdio>

namespace nullify::bench {

// One machine-readable result line, the same in every benchmark, for example
//   BENCH {"name":"ui.load.ms","value":212.3,"unit":"ms","target":"<=300","met":true}
// value NaN prints as null (not measured); met -1 leaves it out (a figure without a target).
inline void figure(const QString& name, double value, const QString& unit, const QString& target = {}, int met = -1)
{
    QJsonObject line {{QStringLiteral("name"), name},
                      {QStringLiteral("value"), std::isnan(value) ? QJsonValue() : QJsonValue(value)},
                      {QStringLiteral("unit"), unit}};
    if (!target.isEmpty())
        line.insert(QStringLiteral("target"), target);
    if (met >= 0)
        line.insert(QStringLiteral("met"), met == 1);
    std::printf("BENCH %s\n", QJsonDocument(line).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

// A count option of a benchmark: its value into target when the option is set. False, with a
// message and target unchanged, when it is not a positive whole number.
inline bool readCount(const QCommandLineParser& parser, const QCommandLineOption& option, int& target)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < 1) {
        std::fprintf(stderr, "--%s needs a positive number\n", qPrintable(option.names().constFirst()));
        return false;
    }
    target = value;
    return true;
}

} // namespace nullify::bench
