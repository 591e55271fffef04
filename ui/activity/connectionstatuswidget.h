#pragma once

#include "connectionstate.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace nullify::ui {

// The status bar's connection state in one calm line: "Online"; the soonest retry's countdown
// ("HTTP 503 · retrying in 4 s") with "Retry now", a host's wait after its Retry-After the same
// way, once for all its requests ("HTTP 429 · retrying in 3 s (4 more waiting)"); "Offline · showing data as of 12:34"
// in the palette's placeholder (grey) colour, never an alarm colour; "Signed out" with "Sign in".
class ConnectionStatusWidget : public QWidget
{
    Q_OBJECT

public:
    explicit ConnectionStatusWidget(ConnectionState* state, QWidget* parent = nullptr);
    ~ConnectionStatusWidget() override;

    QString text() const;
    QLabel* label() const { return m_label; }
    QPushButton* signInButton() const { return m_signIn; }
    QPushButton* retryNowButton() const { return m_retryNow; }
    QPushButton* cancelButton() const { return m_cancel; }

    // "showing data as of 12:34": local time in the locale's short format, the date when not today.
    static QString asOfText(const QDateTime& when);

signals:
    void signInRequested();

private:
    void refresh();
    void onTick(int seconds);

    ConnectionState* m_state;
    QLabel* m_label = nullptr;
    QPushButton* m_retryNow = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_signIn = nullptr;
    QString m_retryReason;
    QString m_host; // the host whose wait is shown; empty when it is one request's
    int m_othersWaiting = 0;
};

} // namespace nullify::ui
