#pragma once

#include <QFrame>
#include <QPointer>

#include <functional>

class QLabel;
class QNetworkReply;
class QProgressBar;
class QPushButton;
class QHBoxLayout;

namespace nullify::api {
struct ApiError;
}

namespace nullify::ui {

class RequestTracker;
class RetryCountdown;

// One operation the user started (a cloud scan, a pentest, an autofix), as a row of the view that
// started it: what it is, where it stands, how far it got, and the retry countdown of the request
// it is waiting for right now, so a 503 on a poll shows in the row it belongs to.
class OperationRow : public QFrame
{
    Q_OBJECT

public:
    OperationRow(RequestTracker* tracker, const QString& title, QWidget* parent = nullptr);
    ~OperationRow() override;

    // The parent of the operation's pollers and the context of its requests. It goes first when the
    // row goes, while the row is still whole: a request aborted then may still call back into it.
    QObject* work() const { return m_work; }

    QString title() const;
    void setTitle(const QString& title);
    void setStatus(const QString& status);
    QString status() const;
    void setProgress(int percent); // negative hides the bar
    int progress() const;
    void setDetail(const QString& detail); // the per-provider line, the current activity
    QString detail() const;
    // An error or the "may or may not have started" hint; empty hides it.
    void setHint(const QString& hint);
    QString hint() const;

    void addButton(QPushButton* button); // actions of this operation (Stop, Open pull request...)
    RetryCountdown* countdown() const { return m_countdown; }

    // The countdown follows one known reply (a start POST)...
    void bindReply(QNetworkReply* reply);
    // ...or whichever reply `current` names as requests come and go (a poller's currentReply()).
    // An empty function stops following; the countdown keeps what it shows (e.g. "wait until").
    void followRequests(std::function<QNetworkReply*()> current);

    // The operation is over: the row offers to be dismissed.
    void setEnded(bool ended);
    bool isEnded() const { return m_ended; }

signals:
    void dismissRequested();

private:
    void rebind();

    std::function<QNetworkReply*()> m_current;
    QObject* m_work = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_status = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_detail = nullptr;
    QLabel* m_hint = nullptr;
    RetryCountdown* m_countdown = nullptr;
    QHBoxLayout* m_buttons = nullptr;
    QPushButton* m_dismiss = nullptr;
    bool m_ended = false;
};

// Words for a failed call, for the row that made it: the server's own message when it sent one,
// else what happened in plain terms. Never a URL or a token.
QString operationErrorText(const api::ApiError& error);

} // namespace nullify::ui
