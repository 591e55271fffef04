#pragma once

#include "apierror.h"
#include "retryinfo.h"

#include <QDateTime>
#include <QPointer>
#include <QWidget>

#include <optional>

class QLabel;
class QNetworkReply;
class QPushButton;

namespace nullify::ui {

class RequestTracker;

// Shows what one request is waiting for: "HTTP 503 · retrying in 4 s" with "Retry now" and
// "Cancel" while the reply waits to retry, and "The server asks to wait until 12:34" when it
// finished because the server's Retry-After was longer than the app waits on its own. Hidden the
// rest of the time (an attempt under way, finished normally). Ticks on the shared CountdownTicker.
class RetryCountdown : public QWidget
{
    Q_OBJECT

public:
    enum class Mode {
        Hidden,
        Countdown, // a retry is pending
        WaitUntil, // finished; the server asked to wait longer than the app's cap
    };
    Q_ENUM(Mode)

    // The tracker of the manager that made the reply: it says when a wait starts and ends.
    explicit RetryCountdown(RequestTracker* tracker, QWidget* parent = nullptr);
    ~RetryCountdown() override;

    // Follows reply until it finishes, or until clear() or another setReply(). When it is waiting
    // to retry right now, the countdown starts at once (the tracker knows the wait).
    void setReply(QNetworkReply* reply);
    void clear(); // unbinds and hides
    QNetworkReply* reply() const { return m_reply; }

    Mode mode() const { return m_mode; }
    QString text() const; // what the label says
    int secondsLeft() const { return m_secondsLeft; } // in Countdown mode
    RetryInfo pendingRetry() const { return m_info; } // in Countdown mode
    QDateTime waitUntil() const { return m_waitUntil; } // in WaitUntil mode (UTC)

    QPushButton* retryNowButton() const { return m_retryNow; }
    QPushButton* cancelButton() const { return m_cancel; }

    // "HTTP 503 · retrying in 4 s"; "HTTP 503 · retrying now" once seconds reaches 0.
    static QString countdownText(const QString& reason, int seconds);
    // "The server asks to wait until 12:34": local time, the locale's short format, with the date
    // when it is not today.
    static QString waitUntilText(const QDateTime& until);

signals:
    void modeChanged(nullify::ui::RetryCountdown::Mode mode);
    void retryNowClicked(); // after retryNow() was called on the reply
    void cancelClicked(); // after abort() was called on the reply

private:
    void onRetryPending(QNetworkReply* reply, const RetryInfo& info);
    void onRetryCleared(QNetworkReply* reply);
    void onReplyFinished();
    void showCountdown(const RetryInfo& info);
    void showFinished();
    void setMode(Mode mode);
    void onTick(int seconds);
    void retryNow();
    void cancel();

    QPointer<RequestTracker> m_tracker;
    QPointer<QNetworkReply> m_reply;
    Mode m_mode = Mode::Hidden;
    RetryInfo m_info;
    int m_secondsLeft = 0;
    QDateTime m_waitUntil;
    QLabel* m_label = nullptr;
    QPushButton* m_retryNow = nullptr;
    QPushButton* m_cancel = nullptr;
};

// For a request that is never sent twice automatically (POST/PATCH without an idempotency mark)
// and failed in a way that leaves open whether the server acted on it (a 5xx, or the connection
// lost or timed out after sending): "The server failed; the scan may or may not have started:
// check the list before starting again". Empty when the outcome is not ambiguous. `what` names
// the thing started ("the autofix"); empty means the scan.
QString ambiguousFailureHint(const QByteArray& verb, const api::ApiError& error, const QString& what = QString());

} // namespace nullify::ui
