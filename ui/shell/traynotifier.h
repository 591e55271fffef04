#pragma once

#include <QObject>
#include <QPointer>

class QMenu;
class QSystemTrayIcon;

namespace nullify::ui {

class AppSettings;

// The app's tray icon (menu: Show, Quit) and the notifications the views ask for. Shows one only
// when the user has notifications on; without a system tray it does nothing, quietly.
class TrayNotifier : public QObject
{
    Q_OBJECT

public:
    // trayAvailable: whether to use a tray at all; the default asks the platform.
    explicit TrayNotifier(AppSettings* settings, QObject* parent = nullptr);
    TrayNotifier(AppSettings* settings, bool trayAvailable, QObject* parent = nullptr);
    ~TrayNotifier() override;

    bool isAvailable() const { return m_available; }
    QSystemTrayIcon* trayIcon() const { return m_icon; }

    // A view's notificationRequested: shown when available and enabled in the settings.
    void notify(const QString& title, const QString& message);

    // The handler the tray icon's messageClicked reaches: brings the window up and says which
    // message it was for (messageClicked(); the event notifications open their item).
    void onMessageClicked();

signals:
    void showRequested();
    void quitRequested();
    void messageClicked();

protected:
    // Hands the message to the tray. The seam for tests: offscreen has no tray to show it in.
    virtual void deliver(const QString& title, const QString& message);

private:
    QPointer<AppSettings> m_settings;
    bool m_available = false;
    QSystemTrayIcon* m_icon = nullptr;
    QMenu* m_menu = nullptr;
};

} // namespace nullify::ui
