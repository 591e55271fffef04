#pragma once

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>

namespace nullify::ui {

// One timer for every countdown on screen. Each subscriber shows whole seconds left until its own
// dueAt; the ticker wakes exactly when the earliest of those numbers changes (so a countdown never
// skips a second and never reaches 0 before its dueAt), rather than on a fixed grid that would
// show a stale number for up to a second, and rather than one QTimer per widget.
class CountdownTicker : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(int secondsLeft)>;

    explicit CountdownTicker(QObject* parent = nullptr);
    ~CountdownTicker() override;

    // The ticker the widgets share; created on first use, owned by the application object.
    static CountdownTicker* shared();

    // Calls onChange(secondsLeft) now and whenever the whole seconds left until dueAt change,
    // ending with 0 at dueAt. One subscription per receiver: a new add() replaces the old one. It
    // ends with remove() or when the receiver is destroyed.
    void add(QObject* receiver, const QDateTime& dueAt, Callback onChange);
    void remove(QObject* receiver);
    bool contains(const QObject* receiver) const { return m_entries.contains(receiver); }
    int count() const { return int(m_entries.size()); }
    quint64 wakeUps() const { return m_wakeUps; } // timer firings so far, for tests and benchmarks

    // ceil((dueAt - now) / 1 s), never below 0: 2.001 s left shows 3, exactly 2 s shows 2.
    static int secondsLeft(qint64 dueAtMs, qint64 nowMs);

private:
    struct Entry
    {
        qint64 dueAtMs = 0;
        Callback onChange;
        int shown = -1;
        quint64 generation = 0;
    };

    void onTimeout();
    void reschedule();

    QHash<const QObject*, Entry> m_entries;
    QTimer m_timer;
    quint64 m_generation = 0;
    quint64 m_wakeUps = 0;
};

} // namespace nullify::ui
