#include "eventnoticebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace nullify::ui {

EventNoticeBar::EventNoticeBar(QWidget* parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("eventNoticeBar"));
    setFrameShape(QFrame::StyledPanel);
    setAccessibleName(tr("Notification"));
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("eventNoticeText"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_open = new QPushButton(tr("Open"), this);
    m_open->setObjectName(QStringLiteral("eventNoticeOpen"));
    m_dismiss = new QPushButton(tr("Dismiss"), this);
    m_dismiss->setObjectName(QStringLiteral("eventNoticeDismiss"));
    auto* layout = new QHBoxLayout(this);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_open);
    layout->addWidget(m_dismiss);
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (m_notification)
            emit openRequested(m_notification->target);
        hide();
    });
    connect(m_dismiss, &QPushButton::clicked, this, &QWidget::hide);
    hide();
}

void EventNoticeBar::showNotification(const EventNotification& notification)
{
    m_notification = notification;
    m_text->setText(notification.message.isEmpty() ? notification.title
                                                   : tr("%1: %2").arg(notification.title, notification.message));
    m_open->setAccessibleName(tr("Open: %1").arg(notification.title));
    m_open->setVisible(notification.target.kind != NotificationTarget::Kind::None);
    show();
}

} // namespace nullify::ui
