#include "operationrow.h"

#include "apierror.h"
#include "loadstatebanner.h"
#include "poller.h"
#include "requesttracker.h"
#include "retrycountdown.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QNetworkReply>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace nullify::ui {

OperationRow::OperationRow(RequestTracker* tracker, const QString& title, QWidget* parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("operationRow"));
    setFrameShape(QFrame::StyledPanel);
    setAccessibleName(title);
    m_work = new QObject(this);

    m_title = new QLabel(title, this);
    m_title->setObjectName(QStringLiteral("operationTitle"));
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("operationStatus"));
    m_status->setTextFormat(Qt::PlainText);
    m_status->setAccessibleName(tr("Status"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("operationProgress"));
    m_progress->setRange(0, 100);
    m_progress->setAccessibleName(tr("Progress"));
    m_progress->setVisible(false);
    m_detail = new QLabel(this);
    m_detail->setObjectName(QStringLiteral("operationDetail"));
    m_detail->setTextFormat(Qt::PlainText);
    m_detail->setWordWrap(true);
    m_detail->setVisible(false);
    m_hint = new QLabel(this);
    m_hint->setObjectName(QStringLiteral("operationHint"));
    m_hint->setTextFormat(Qt::PlainText);
    m_hint->setWordWrap(true);
    m_hint->setAccessibleName(tr("Problem"));
    m_hint->setVisible(false);
    m_countdown = new RetryCountdown(tracker, this);
    m_dismiss = new QPushButton(tr("Dismiss"), this);
    m_dismiss->setObjectName(QStringLiteral("dismissButton"));
    m_dismiss->setAccessibleName(tr("Dismiss this row"));
    m_dismiss->setVisible(false);
    connect(m_dismiss, &QPushButton::clicked, this, &OperationRow::dismissRequested);

    auto* top = new QHBoxLayout;
    top->addWidget(m_title);
    top->addWidget(m_status, 1);
    top->addWidget(m_progress);
    m_buttons = new QHBoxLayout;
    m_buttons->addStretch(1);
    m_buttons->addWidget(m_dismiss);
    top->addLayout(m_buttons);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_detail);
    layout->addWidget(m_countdown);
    layout->addWidget(m_hint);

    if (tracker) {
        // A poller sends each poll from inside its own call; the reply is known to it only once
        // that call returns, hence the look one event-loop turn later.
        connect(tracker, &RequestTracker::requestStarted, this, [this] {
            if (m_current)
                QTimer::singleShot(0, this, &OperationRow::rebind);
        });
        connect(tracker, &RequestTracker::retryPending, this, [this] { rebind(); });
    }
}

OperationRow::~OperationRow()
{
    m_current = {};
    // Stopped first, a poller drops its aborted poll instead of reporting it.
    for (api::Poller* poller : m_work->findChildren<api::Poller*>())
        poller->stop();
    delete m_work;
}

QString OperationRow::title() const
{
    return m_title->text();
}

void OperationRow::setTitle(const QString& title)
{
    m_title->setText(title);
    setAccessibleName(title);
}

void OperationRow::setStatus(const QString& status)
{
    m_status->setText(status);
}

QString OperationRow::status() const
{
    return m_status->text();
}

void OperationRow::setProgress(int percent)
{
    m_progress->setVisible(percent >= 0);
    if (percent >= 0)
        m_progress->setValue(std::min(percent, 100));
}

int OperationRow::progress() const
{
    return m_progress->isVisibleTo(this) ? m_progress->value() : -1;
}

void OperationRow::setDetail(const QString& detail)
{
    m_detail->setText(detail);
    m_detail->setVisible(!detail.isEmpty());
}

QString OperationRow::detail() const
{
    return m_detail->text();
}

void OperationRow::setHint(const QString& hint)
{
    m_hint->setText(hint);
    m_hint->setVisible(!hint.isEmpty());
}

QString OperationRow::hint() const
{
    return m_hint->text();
}

void OperationRow::addButton(QPushButton* button)
{
    button->setParent(this);
    m_buttons->insertWidget(m_buttons->count() - 1, button);
}

void OperationRow::bindReply(QNetworkReply* reply)
{
    m_current = {};
    m_countdown->setReply(reply);
}

void OperationRow::followRequests(std::function<QNetworkReply*()> current)
{
    m_current = std::move(current);
    rebind();
}

void OperationRow::rebind()
{
    if (!m_current)
        return;
    QNetworkReply* reply = m_current();
    if (reply && reply != m_countdown->reply())
        m_countdown->setReply(reply);
}

void OperationRow::setEnded(bool ended)
{
    m_ended = ended;
    m_dismiss->setVisible(ended);
    if (ended)
        m_current = {};
}

QString operationErrorText(const api::ApiError& error)
{
    // The same words as a failed load, except that a cancelled operation is the user's own doing.
    if (error.kind == api::ApiError::Kind::Cancelled)
        return OperationRow::tr("Cancelled.");
    return loadErrorText(error);
}

} // namespace nullify::ui
