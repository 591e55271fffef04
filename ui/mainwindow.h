#pragma once

#include <QMainWindow>
#include <QUrl>

class QAction;
class QLabel;

namespace nullify {

// The application's main window. For now a small shell: a title, the app icon, a summary where
// the signed-in views will go, an Account menu, and a status bar that says who is signed in and
// which API the app points at. It knows nothing about sessions: AppController fills it in.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);

    // The resource path of the application icon (an SVG; needs the Qt SVG plugins at run time).
    static QString iconPath();

    // The API base URL chosen on the command line (--api-url), shown in the status bar.
    QUrl apiUrl() const { return m_apiUrl; }
    void setApiUrl(const QUrl& url);

    // Who is signed in, for the status bar; empty: nobody (and Sign out is disabled).
    void setSignedInAs(const QString& who);
    QString signedInAs() const { return m_signedInAs; }

    // The text in the middle of the window (what was loaded, or why not).
    void setSummary(const QString& text);
    QString summary() const;

    // A calm, lasting note in the status bar (e.g. the keychain could not keep the session);
    // empty hides it.
    void setNotice(const QString& text);
    QString notice() const;

    QAction* signOutAction() const { return m_signOutAction; }

signals:
    void signOutRequested();

private:
    QUrl m_apiUrl;
    QString m_signedInAs;
    QLabel* m_apiLabel = nullptr;
    QLabel* m_sessionLabel = nullptr;
    QLabel* m_summaryLabel = nullptr;
    QLabel* m_noticeLabel = nullptr;
    QAction* m_signOutAction = nullptr;
};

} // namespace nullify
