#include "loadstatebanner.h"

#include "connectionstate.h"
#include "requesttracker.h"
#include "retrycountdown.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace nullify::ui {

LoadStateBanner::LoadStateBanner(RequestTracker* tracker, QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_label = new QLabel(this);
    m_label->setObjectName(QStringLiteral("loadStateText"));
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_label->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    m_retry = new QPushButton(tr("Retry"), this);
    m_retry->setObjectName(QStringLiteral("retryButton"));
    m_retry->setAccessibleName(tr("Retry loading"));
    m_countdown = new RetryCountdown(tracker, this);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_countdown);
    layout->addWidget(m_retry);
    connect(m_retry, &QPushButton::clicked, this, &LoadStateBanner::retryRequested);
    setState(State::Hidden, QString());
}

void LoadStateBanner::showLoading(const QString& text, QNetworkReply* reply)
{
    setState(State::Loading, text);
    if (reply)
        m_countdown->setReply(reply);
}

void LoadStateBanner::showOffline(const QString& text)
{
    setState(State::Offline, text);
}

void LoadStateBanner::showError(const QString& what, const api::ApiError& error)
{
    setState(State::Error, QStringLiteral("%1 %2").arg(what, loadErrorText(error)));
}

void LoadStateBanner::showEmpty(const QString& text)
{
    setState(State::Empty, text);
}

void LoadStateBanner::hideState()
{
    setState(State::Hidden, QString());
}

void LoadStateBanner::retryWhenBackOnline(ConnectionState* connection)
{
    if (!connection)
        return;
    connect(connection, &ConnectionState::pausedChanged, this, [this](bool paused) {
        if (!paused && m_state == State::Error)
            emit retryRequested();
    });
}

QString LoadStateBanner::text() const
{
    return m_label->text();
}

void LoadStateBanner::setState(State state, const QString& text)
{
    m_state = state;
    m_label->setText(text);
    m_retry->setVisible(state == State::Error || state == State::Offline);
    // A countdown belongs to the load under way; once it ended (or failed) it has nothing to say,
    // except the server's own "wait until", which the error text carries already.
    if (state != State::Loading)
        m_countdown->clear();
    setVisible(state != State::Hidden);
}

QString loadErrorText(const api::ApiError& error)
{
    using Kind = api::ApiError::Kind;
    switch (error.kind) {
    case Kind::Http:
        if (error.httpStatus >= 500)
            return LoadStateBanner::tr("The server had a problem (HTTP %1): %2")
                .arg(error.httpStatus)
                .arg(error.message.isEmpty() ? LoadStateBanner::tr("no details") : error.message);
        if (error.httpStatus == 403)
            return LoadStateBanner::tr("Your account may not see this (HTTP 403).");
        if (error.httpStatus == 404)
            return LoadStateBanner::tr("The server does not know it (HTTP 404).");
        if (!error.message.isEmpty())
            return LoadStateBanner::tr("The server answered HTTP %1: %2").arg(error.httpStatus).arg(error.message);
        return LoadStateBanner::tr("The server answered HTTP %1.").arg(error.httpStatus);
    case Kind::Network:
        return LoadStateBanner::tr("The server could not be reached (%1).")
            .arg(RequestTracker::describeError(error.networkError));
    case Kind::TimedOut:
        return LoadStateBanner::tr("The server did not answer in time.");
    case Kind::Cancelled:
        return LoadStateBanner::tr("The request was cancelled.");
    case Kind::RetryAfterTooLong:
        return RetryCountdown::waitUntilText(error.retryAfterUntil);
    case Kind::ResponseTooLarge:
        // The network core's message names the cap.
        if (!error.message.isEmpty())
            return error.message;
        return LoadStateBanner::tr("The server's answer was too large to read.");
    case Kind::Decoding:
        return LoadStateBanner::tr("The server's answer was not understood (at %1).").arg(error.field);
    case Kind::Rejected:
        return LoadStateBanner::tr("The server refused: %1").arg(error.message);
    case Kind::AuthenticationRequired:
        return LoadStateBanner::tr("Your session is over: sign in again.");
    case Kind::InvalidRequest:
        return error.message;
    }
    return error.message;
}

} // namespace nullify::ui
