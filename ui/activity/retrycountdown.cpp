#include "retrycountdown.h"

#include "countdownticker.h"
#include "networkattributes.h"
#include "requesttracker.h"
#include "retryingreply.h"
#include "retrypolicy.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QPushButton>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiCountdown, "nullify.ui.countdown", QtInfoMsg)

RetryCountdown::RetryCountdown(RequestTracker* tracker, QWidget* parent)
    : QWidget(parent)
    , m_tracker(tracker)
{
    setAccessibleName(tr("Retry countdown"));
    m_label = new QLabel(this);
    m_label->setAccessibleName(tr("Retry status"));
    m_label->setTextFormat(Qt::PlainText);
    m_retryNow = new QPushButton(tr("Retry now"), this);
    m_retryNow->setAccessibleName(tr("Retry now"));
    m_retryNow->setToolTip(tr("Send the request again without waiting"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setAccessibleName(tr("Cancel request"));
    m_cancel->setToolTip(tr("Stop waiting and cancel this request"));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_retryNow);
    layout->addWidget(m_cancel);

    connect(m_retryNow, &QPushButton::clicked, this, &RetryCountdown::retryNow);
    connect(m_cancel, &QPushButton::clicked, this, &RetryCountdown::cancel);
    if (tracker) {
        connect(tracker, &RequestTracker::retryPending, this, &RetryCountdown::onRetryPending);
        connect(tracker, &RequestTracker::retryCleared, this, &RetryCountdown::onRetryCleared);
    }
    setVisible(false);
}

RetryCountdown::~RetryCountdown() = default;

QString RetryCountdown::countdownText(const QString& reason, int seconds)
{
    if (seconds <= 0)
        return tr("%1 · retrying now").arg(reason);
    return tr("%1 · retrying in %n s", nullptr, seconds).arg(reason);
}

QString RetryCountdown::waitUntilText(const QDateTime& until)
{
    const QDateTime local = until.toLocalTime();
    const QLocale locale;
    const QString when = local.date() == QDate::currentDate() ? locale.toString(local.time(), QLocale::ShortFormat)
                                                              : locale.toString(local, QLocale::ShortFormat);
    return tr("The server asks to wait until %1").arg(when);
}

void RetryCountdown::setReply(QNetworkReply* reply)
{
    if (m_reply)
        m_reply->disconnect(this);
    m_reply = reply;
    m_waitUntil = QDateTime();
    if (!reply) {
        setMode(Mode::Hidden);
        return;
    }
    if (reply->isFinished()) {
        showFinished();
        return;
    }
    connect(reply, &QNetworkReply::finished, this, &RetryCountdown::onReplyFinished);
    const std::optional<RetryInfo> pending = m_tracker ? m_tracker->pendingRetry(reply) : std::nullopt;
    if (pending)
        showCountdown(*pending);
    else
        setMode(Mode::Hidden);
}

void RetryCountdown::clear()
{
    setReply(nullptr);
}

QString RetryCountdown::text() const
{
    return m_label->text();
}

void RetryCountdown::onRetryPending(QNetworkReply* reply, const RetryInfo& info)
{
    if (reply && reply == m_reply)
        showCountdown(info);
}

void RetryCountdown::onRetryCleared(QNetworkReply* reply)
{
    // The wait ended: the next attempt started (hide), or the reply finished (onReplyFinished
    // decides) or was deleted (m_reply is null by now).
    if (reply != m_reply.data() && m_reply)
        return;
    if (m_mode == Mode::Countdown && (!m_reply || !m_reply->isFinished()))
        setMode(Mode::Hidden);
}

void RetryCountdown::onReplyFinished()
{
    if (sender() == m_reply)
        showFinished();
}

void RetryCountdown::showFinished()
{
    const QDateTime until
        = m_reply ? m_reply->attribute(toAttribute(ReplyAttribute::RetryAfterUntil)).toDateTime() : QDateTime();
    if (!until.isValid()) {
        setMode(Mode::Hidden);
        return;
    }
    m_waitUntil = until;
    m_label->setText(waitUntilText(until));
    setMode(Mode::WaitUntil);
}

void RetryCountdown::showCountdown(const RetryInfo& info)
{
    m_info = info;
    setMode(Mode::Countdown);
    CountdownTicker::shared()->add(this, info.dueAt, [this](int seconds) { onTick(seconds); });
}

void RetryCountdown::onTick(int seconds)
{
    m_secondsLeft = seconds;
    m_label->setText(countdownText(m_info.reason, seconds));
}

void RetryCountdown::setMode(Mode mode)
{
    if (mode != Mode::Countdown)
        CountdownTicker::shared()->remove(this);
    m_retryNow->setVisible(mode == Mode::Countdown);
    m_cancel->setVisible(mode == Mode::Countdown);
    if (mode == Mode::Hidden)
        m_label->clear();
    setVisible(mode != Mode::Hidden);
    if (mode == m_mode)
        return;
    m_mode = mode;
    qCDebug(lcUiCountdown) << "mode" << mode;
    emit modeChanged(mode);
}

void RetryCountdown::retryNow()
{
    auto* retrying = qobject_cast<RetryingReply*>(m_reply.data());
    if (!retrying || m_mode != Mode::Countdown)
        return;
    retrying->retryNow();
    emit retryNowClicked();
}

void RetryCountdown::cancel()
{
    if (!m_reply || m_reply->isFinished())
        return;
    m_reply->abort();
    emit cancelClicked();
}

QString ambiguousFailureHint(const QByteArray& verb, const api::ApiError& error, const QString& what)
{
    if (RetryPolicy::isIdempotentMethod(verb.toUpper()))
        return QString(); // a failed GET/PUT/DELETE changed nothing or can simply be sent again
    const QString subject = what.isEmpty() ? RetryCountdown::tr("the scan") : what;
    switch (error.kind) {
    case api::ApiError::Kind::Http:
        if (error.httpStatus >= 500)
            return RetryCountdown::tr("The server failed; %1 may or may not have started: check the list before "
                                      "starting again")
                .arg(subject);
        return QString();
    case api::ApiError::Kind::TimedOut:
        return RetryCountdown::tr("The server did not answer in time; %1 may or may not have started: check the "
                                  "list before starting again")
            .arg(subject);
    case api::ApiError::Kind::Network:
        switch (error.networkError) {
        // These fail before a byte of the request leaves: nothing started.
        case QNetworkReply::ConnectionRefusedError:
        case QNetworkReply::HostNotFoundError:
        case QNetworkReply::ProxyConnectionRefusedError:
        case QNetworkReply::ProxyNotFoundError:
        case QNetworkReply::SslHandshakeFailedError:
            return QString();
        default:
            return RetryCountdown::tr("The connection was lost; %1 may or may not have started: check the list "
                                      "before starting again")
                .arg(subject);
        }
    default:
        return QString();
    }
}

} // namespace nullify::ui
