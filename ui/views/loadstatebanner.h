#pragma once

#include "apierror.h"

#include <QWidget>

class QLabel;
class QNetworkReply;
class QPushButton;

namespace nullify::ui {

class ConnectionState;
class RequestTracker;
class RetryCountdown;

// The one line above a browsing view's content that says how its load is going: "Loading
// findings...", "Offline: ...", a readable error with a Retry button, or an empty state
// ("No findings match these filters"). While a request waits to retry, its RetryCountdown shows
// beside it. Errors stay inline: a view never pops up a dialog for a failed load.
class LoadStateBanner : public QWidget
{
    Q_OBJECT

public:
    enum class State { Hidden, Loading, Offline, Error, Empty };
    Q_ENUM(State)

    explicit LoadStateBanner(RequestTracker* tracker, QWidget* parent = nullptr);

    void showLoading(const QString& text, QNetworkReply* reply = nullptr);
    void showOffline(const QString& text);
    // what: "Could not load the findings." The error's own words follow it.
    void showError(const QString& what, const api::ApiError& error);
    void showEmpty(const QString& text);
    void hideState();
    // When the connection comes back (the status bar's Online), a banner showing an error asks
    // for its retry once: a page that failed while offline reloads by itself. Only that
    // transition retries, so a failing server is not asked again and again.
    void retryWhenBackOnline(ConnectionState* connection);

    State state() const { return m_state; }
    QString text() const;
    QPushButton* retryButton() const { return m_retry; }
    RetryCountdown* countdown() const { return m_countdown; }

signals:
    void retryRequested();

private:
    void setState(State state, const QString& text);

    State m_state = State::Hidden;
    QLabel* m_label = nullptr;
    QPushButton* m_retry = nullptr;
    RetryCountdown* m_countdown = nullptr;
};

// An ApiError in words a person understands (never Qt's errorString(), which quotes the URL).
QString loadErrorText(const api::ApiError& error);

} // namespace nullify::ui
