#pragma once

#include <QMainWindow>
#include <QUrl>

class QLabel;

namespace nullify {

// The application's main window. For now a small shell: a title, the app icon, a placeholder
// where the signed-in views will go, and a status bar that says which API the app points at.
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

private:
    QUrl m_apiUrl;
    QLabel* m_apiLabel = nullptr;
};

} // namespace nullify
