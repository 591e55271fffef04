#include "countdownticker.h"

#include <QCoreApplication>
#include <QPointer>

#include <limits>

namespace nullify::ui {

CountdownTicker::CountdownTicker(QObject* parent)
    : QObject(parent)
{
    m_timer.setSingleShot(true);
    // A coarse timer may fire up to 5 % early or late; the number on screen would change visibly
    // off the second. Waking a few times a second costs nothing next to that.
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &CountdownTicker::onTimeout);
}

CountdownTicker::~CountdownTicker() = default;

CountdownTicker* CountdownTicker::shared()
{
    static QPointer<CountdownTicker> instance;
    if (!instance)
        instance = new CountdownTicker(QCoreApplication::instance());
    return instance;
}

int CountdownTicker::secondsLeft(qint64 dueAtMs, qint64 nowMs)
{
    const qint64 remaining = dueAtMs - nowMs;
    if (remaining <= 0)
        return 0;
    return int((remaining + 999) / 1000);
}

void CountdownTicker::add(QObject* receiver, const QDateTime& dueAt, Callback onChange)
{
    if (!receiver)
        return;
    if (!m_entries.contains(receiver)) {
        connect(receiver, &QObject::destroyed, this, [this](QObject* gone) {
            m_entries.remove(gone);
            reschedule();
        });
    }
    Entry entry;
    entry.dueAtMs = dueAt.isValid() ? dueAt.toMSecsSinceEpoch() : QDateTime::currentMSecsSinceEpoch();
    entry.onChange = std::move(onChange);
    entry.generation = ++m_generation;
    entry.shown = secondsLeft(entry.dueAtMs, QDateTime::currentMSecsSinceEpoch());
    const int shown = entry.shown;
    const quint64 generation = entry.generation;
    const Callback callback = entry.onChange;
    m_entries.insert(receiver, std::move(entry));
    reschedule();
    // Show the first number at once; the callback may remove or replace the subscription.
    if (callback && m_entries.value(receiver).generation == generation)
        callback(shown);
}

void CountdownTicker::remove(QObject* receiver)
{
    if (m_entries.remove(receiver)) {
        disconnect(receiver, &QObject::destroyed, this, nullptr);
        reschedule();
    }
}

void CountdownTicker::reschedule()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 soonest = std::numeric_limits<qint64>::max();
    for (const Entry& entry : std::as_const(m_entries)) {
        const qint64 remaining = entry.dueAtMs - now;
        if (remaining <= 0)
            continue; // shows 0 already (or will on this wake-up); nothing more to count
        // The number shown, s = ceil(remaining / 1000), becomes s - 1 once remaining reaches
        // (s - 1) * 1000: that is the next moment this entry changes.
        const int shown = secondsLeft(entry.dueAtMs, now);
        soonest = std::min(soonest, remaining - qint64(shown - 1) * 1000);
    }
    if (soonest == std::numeric_limits<qint64>::max()) {
        m_timer.stop();
        return;
    }
    m_timer.start(int(std::max<qint64>(soonest, 1)));
}

void CountdownTicker::onTimeout()
{
    ++m_wakeUps;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    struct Due
    {
        const QObject* receiver;
        quint64 generation;
        int seconds;
    };
    QList<Due> changed;
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        const int seconds = secondsLeft(it->dueAtMs, now);
        if (seconds != it->shown) {
            it->shown = seconds;
            changed.append(Due {it.key(), it->generation, seconds});
        }
    }
    // Woken before any number changed (timers round to whole milliseconds): reschedule() simply
    // aims again at the same moment.
    reschedule();
    for (const Due& due : std::as_const(changed)) {
        auto it = m_entries.constFind(due.receiver);
        if (it == m_entries.cend() || it->generation != due.generation)
            continue; // removed or replaced by an earlier callback
        const Callback callback = it->onChange;
        if (callback)
            callback(due.seconds);
    }
}

} // namespace nullify::ui
