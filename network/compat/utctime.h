#pragma once

// UTC times the same way on every supported Qt, without the Qt::TimeSpec forms that Qt 6.8 warns
// about (deprecated for 6.9). Their replacement, a QTimeZone::UTC time, exists from Qt 6.5 on; on
// Qt 6.4 the nearest thing, QTimeZone::utc(), makes a Qt::TimeZone time that toString(Qt::ISODate)
// writes with "+00:00" instead of "Z", so Qt 6.4 keeps Qt::UTC. Header only, and without the rest
// of the network library, so that the sandbox can use it too.

#include <QDate>
#include <QDateTime>
#include <QTime>
#include <QTimeZone>
#include <QtGlobal>

namespace nullify {

#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
inline QTimeZone utcZone()
{
    return QTimeZone(QTimeZone::UTC);
}
#else
inline constexpr Qt::TimeSpec utcZone()
{
    return Qt::UTC;
}
#endif

inline QDateTime utcDateTime(QDate date, QTime time)
{
    return QDateTime(date, time, utcZone());
}
inline QDateTime utcFromSecsSinceEpoch(qint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(seconds, utcZone());
}
inline QDateTime utcFromMSecsSinceEpoch(qint64 msecs)
{
    return QDateTime::fromMSecsSinceEpoch(msecs, utcZone());
}

// The same date and time read as UTC (what setTimeSpec(Qt::UTC) did).
inline QDateTime asUtc(const QDateTime& time)
{
    return time.isValid() ? utcDateTime(time.date(), time.time()) : time;
}

} // namespace nullify
