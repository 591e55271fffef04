#include "connectionstatuswidget.h"

#include "countdownticker.h"
#include "requesttracker.h"
#include "retrycountdown.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>

namespace nullify::ui {

ConnectionStatusWidget::ConnectionStatusWidget(ConnectionState* state, QWidget* parent)
    : QWidget(parent)
    , m_state(state)
{
    setAccessibleName(tr("Connection status"));
    m_label = new QLabel(this);
    m_label->setAccessibleName(tr("Connection state"));
    m_label->setTextFormat(Qt::PlainText);
    m_retryNow = new QPushButton(tr("Retry now"), this);
    m_retryNow->setAccessibleName(tr("Retry the waiting request now"));
    m_retryNow->setFlat(true);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelRetryButton"));
    m_cancel->setAccessibleName(tr("Cancel the waiting request"));
    m_cancel->setFlat(true);
    m_signIn = new QPushButton(tr("Sign in"), this);
    m_signIn->setAccessibleName(tr("Sign in"));
    m_signIn->setFlat(true);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_retryNow);
    layout->addWidget(m_cancel);
    layout->addWidget(m_signIn);

    connect(m_signIn, &QPushButton::clicked, this, &ConnectionStatusWidget::signInRequested);
    // A host's wait is ended, or cancelled, for every request waiting for it.
    connect(m_retryNow, &QPushButton::clicked, this, [this] {
        if (!m_state || !m_state->tracker())
            return;
        if (!m_host.isEmpty())
            m_state->tracker()->retryHostNow(m_host);
        else
            m_state->tracker()->retryNow(m_state->soonestRetry());
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (!m_state || !m_state->tracker())
            return;
        if (!m_host.isEmpty())
            m_state->tracker()->cancelHost(m_host);
        else
            m_state->tracker()->abort(m_state->soonestRetry());
    });
    connect(state, &ConnectionState::stateChanged, this, &ConnectionStatusWidget::refresh);
    connect(state, &ConnectionState::soonestRetryChanged, this, &ConnectionStatusWidget::refresh);
    // "as of" moves with every successful request while online; refresh only matters offline,
    // where no request succeeds, so the state change is enough.
    refresh();
}

ConnectionStatusWidget::~ConnectionStatusWidget() = default;

QString ConnectionStatusWidget::text() const
{
    return m_label->text();
}

QString ConnectionStatusWidget::asOfText(const QDateTime& when)
{
    const QDateTime local = when.toLocalTime();
    const QLocale locale;
    const QString time = local.date() == QDate::currentDate() ? locale.toString(local.time(), QLocale::ShortFormat)
                                                              : locale.toString(local, QLocale::ShortFormat);
    return tr("showing data as of %1").arg(time);
}

void ConnectionStatusWidget::refresh()
{
    const ConnectionState::State state = m_state->state();
    m_retryNow->setVisible(state == ConnectionState::State::Retrying);
    m_cancel->setVisible(state == ConnectionState::State::Retrying);
    m_signIn->setVisible(state == ConnectionState::State::SignedOut);
    // Offline is grey, not red: the palette's placeholder colour follows light and dark themes.
    m_label->setForegroundRole(state == ConnectionState::State::Offline ? QPalette::PlaceholderText
                                                                        : QPalette::WindowText);
    if (state != ConnectionState::State::Retrying) {
        CountdownTicker::shared()->remove(this);
        m_host.clear();
    }

    switch (state) {
    case ConnectionState::State::Online:
        m_label->setText(tr("Online"));
        break;
    case ConnectionState::State::Offline:
        m_label->setText(m_state->dataAsOf().isValid() ? tr("Offline · %1").arg(asOfText(m_state->dataAsOf()))
                                                       : tr("Offline"));
        break;
    case ConnectionState::State::SignedOut:
        m_label->setText(tr("Signed out"));
        break;
    case ConnectionState::State::Retrying: {
        m_host = m_state->waitingHost();
        const std::optional<RetryInfo> info = m_host.isEmpty() || !m_state->tracker()
            ? m_state->soonestRetryInfo()
            : std::optional(m_state->tracker()->hostWaits().value(m_host));
        if (!info) {
            m_label->setText(tr("Online"));
            break;
        }
        m_retryReason = info->reason;
        RequestTracker* tracker = m_state->tracker();
        const int waiting = !tracker ? 1
            : m_host.isEmpty()       ? int(tracker->pendingRetries().size())
                                     : tracker->requestsWaitingFor(m_host);
        m_othersWaiting = std::max(waiting - 1, 0);
        CountdownTicker::shared()->add(this, info->dueAt, [this](int seconds) { onTick(seconds); });
        break;
    }
    }
    m_label->setAccessibleDescription(m_label->text());
}

void ConnectionStatusWidget::onTick(int seconds)
{
    // Requests join a host's wait while it lasts: counted at every tick.
    if (!m_host.isEmpty() && m_state->tracker())
        m_othersWaiting = std::max(m_state->tracker()->requestsWaitingFor(m_host) - 1, 0);
    QString line = RetryCountdown::countdownText(m_retryReason, seconds);
    if (m_othersWaiting > 0)
        line += QLatin1Char(' ') + tr("(%n more waiting)", nullptr, m_othersWaiting);
    m_label->setText(line);
    m_label->setAccessibleDescription(line);
}

} // namespace nullify::ui
