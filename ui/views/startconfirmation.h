#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>

class QMessageBox;
class QWidget;

namespace nullify::ui {

// The user's word before billable work starts (a cloud scan, a pentest, an autofix), and the
// refusal of a second start of the same thing while one is in flight.
//
// Both are window-modal message boxes opened without a nested event loop (QDialog::open), so the
// app keeps polling and repainting behind them and a test finds them as children of the view and
// clicks their buttons. Only the question's Start button starts anything; Cancel, Escape or
// closing it starts nothing. Asked again about the same thing while its question is open, the
// open question comes to the front: there is never a second one.
class StartConfirmation : public QObject
{
    Q_OBJECT

public:
    static constexpr const char* questionName = "startConfirmation";
    static constexpr const char* startButtonName = "confirmStartButton";
    static constexpr const char* refusalName = "startRefused";

    // parent: the view the boxes belong to.
    explicit StartConfirmation(QWidget* parent);

    // Asks "title" with text (what would start: which repository, target or finding); on Start,
    // calls start, otherwise cancelled (if any). key names the thing, e.g. "pentest:<application id>".
    void ask(const QString& key,
             const QString& title,
             const QString& text,
             std::function<void()> start,
             std::function<void()> cancelled = {});
    bool isAsking(const QString& key) const;

    // Says why nothing was started. Replaces the text of a refusal still open.
    void refuse(const QString& title, const QString& text);

private:
    QWidget* m_view;
    QPointer<QMessageBox> m_question;
    QString m_questionKey;
    QPointer<QMessageBox> m_refusal;
};

} // namespace nullify::ui
