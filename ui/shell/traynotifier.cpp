#include "traynotifier.h"

#include "appsettings.h"

#include <QAction>
#include <QApplication>
#include <QIcon>
#include <QLoggingCategory>
#include <QMenu>
#include <QSystemTrayIcon>

namespace nullify::ui {

namespace {
Q_LOGGING_CATEGORY(lcTray, "nullify.ui.tray", QtInfoMsg)
} // namespace

TrayNotifier::TrayNotifier(AppSettings* settings, QObject* parent)
    : TrayNotifier(settings, QSystemTrayIcon::isSystemTrayAvailable(), parent)
{ }

TrayNotifier::TrayNotifier(AppSettings* settings, bool trayAvailable, QObject* parent)
    : QObject(parent)
    , m_settings(settings)
    , m_available(trayAvailable)
{
    if (!m_available) {
        qCDebug(lcTray) << "no system tray; notifications stay off";
        return;
    }
    m_menu = new QMenu;
    QAction* show = m_menu->addAction(tr("&Show Nullify Desktop"));
    show->setObjectName(QStringLiteral("trayShowAction"));
    connect(show, &QAction::triggered, this, &TrayNotifier::showRequested);
    QAction* quit = m_menu->addAction(tr("&Quit"));
    quit->setObjectName(QStringLiteral("trayQuitAction"));
    connect(quit, &QAction::triggered, this, &TrayNotifier::quitRequested);

    m_icon = new QSystemTrayIcon(QIcon(QStringLiteral(":/nullify/icons/nullify.svg")), this);
    m_icon->setToolTip(tr("Nullify Desktop"));
    m_icon->setContextMenu(m_menu);
    connect(m_icon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            emit showRequested();
    });
    connect(m_icon, &QSystemTrayIcon::messageClicked, this, &TrayNotifier::onMessageClicked);
    m_icon->show();
}

TrayNotifier::~TrayNotifier()
{
    delete m_menu; // a context menu is not owned by its tray icon
}

void TrayNotifier::notify(const QString& title, const QString& message)
{
    if (!m_available || !m_settings || !m_settings->notificationsEnabled())
        return;
    deliver(title, message);
}

void TrayNotifier::onMessageClicked()
{
    emit showRequested();
    emit messageClicked();
}

void TrayNotifier::deliver(const QString& title, const QString& message)
{
    if (m_icon)
        m_icon->showMessage(title, message, QIcon(QStringLiteral(":/nullify/icons/nullify.svg")));
}

} // namespace nullify::ui
