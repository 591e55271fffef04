#include "startconfirmation.h"

#include <QLoggingCategory>
#include <QMessageBox>
#include <QPushButton>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiStart, "nullify.ui.start", QtInfoMsg)

StartConfirmation::StartConfirmation(QWidget* parent)
    : QObject(parent)
    , m_view(parent)
{ }

bool StartConfirmation::isAsking(const QString& key) const
{
    return m_question && m_questionKey == key;
}

void StartConfirmation::ask(const QString& key,
                            const QString& title,
                            const QString& text,
                            std::function<void()> start,
                            std::function<void()> cancelled)
{
    if (isAsking(key)) {
        m_question->raise();
        m_question->activateWindow();
        return;
    }
    if (m_question)
        m_question->reject(); // another question (only a program can get here past a modal box)

    auto* box = new QMessageBox(QMessageBox::Question, title, text, QMessageBox::Cancel, m_view);
    box->setObjectName(QLatin1String(questionName));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    box->setInformativeText(tr("This starts billable work on the server."));
    QPushButton* startButton = box->addButton(tr("Start"), QMessageBox::AcceptRole);
    startButton->setObjectName(QLatin1String(startButtonName));
    // A stray Enter must not spend money: Cancel is the default.
    box->setDefaultButton(QMessageBox::Cancel);
    box->setEscapeButton(QMessageBox::Cancel);
    m_question = box;
    m_questionKey = key;
    connect(box,
            &QMessageBox::finished,
            this,
            [this, box, startButton, key, start = std::move(start), cancelled = std::move(cancelled)] {
                const bool confirmed = box->clickedButton() == startButton;
                if (m_question == box)
                    m_questionKey.clear();
                qCInfo(lcUiStart).noquote() << (confirmed ? "confirmed:" : "not confirmed:") << key;
                if (confirmed)
                    start();
                else if (cancelled)
                    cancelled();
            });
    box->open();
}

void StartConfirmation::refuse(const QString& title, const QString& text)
{
    qCInfo(lcUiStart).noquote() << "refused a second start:" << title;
    if (!m_refusal) {
        m_refusal = new QMessageBox(QMessageBox::Information, title, text, QMessageBox::Ok, m_view);
        m_refusal->setObjectName(QLatin1String(refusalName));
        m_refusal->setAttribute(Qt::WA_DeleteOnClose);
        m_refusal->setWindowModality(Qt::WindowModal);
        m_refusal->open();
        return;
    }
    m_refusal->setWindowTitle(title);
    m_refusal->setText(text);
    m_refusal->raise();
}

} // namespace nullify::ui
