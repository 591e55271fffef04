#pragma once

#include "eventnotifier.h"

#include <QFrame>

class QLabel;
class QPushButton;

namespace nullify::ui {

// The in-app form of an event notification, for a desktop without a system tray: a bar at the top
// of the main window with the notification's words, "Open" (what a click on the tray message
// would do) and "Dismiss". A newer notification replaces the one shown.
class EventNoticeBar : public QFrame
{
    Q_OBJECT

public:
    explicit EventNoticeBar(QWidget* parent = nullptr);

    void showNotification(const EventNotification& notification);
    std::optional<EventNotification> notification() const { return m_notification; }

    QLabel* textLabel() const { return m_text; }
    QPushButton* openButton() const { return m_open; }
    QPushButton* dismissButton() const { return m_dismiss; }

signals:
    void openRequested(const nullify::ui::NotificationTarget& target);

private:
    QLabel* m_text = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_dismiss = nullptr;
    std::optional<EventNotification> m_notification;
};

} // namespace nullify::ui
