#pragma once

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QtTest>

namespace nullify::test {

// The message box of that object name ("startConfirmation", "startRefused") that is open now, or
// opens within timeoutMs; nullptr when none does. Boxes are windows of their own (their parent is
// the view), hence the look through the top-level widgets.
inline QMessageBox* openBox(const char* name, int timeoutMs)
{
    QMessageBox* found = nullptr;
    // The answer is found itself: nullptr when the wait ran out.
    [[maybe_unused]] const bool opened = QTest::qWaitFor(
        [&found, name] {
            const QWidgetList windows = QApplication::topLevelWidgets();
            for (QWidget* window : windows) {
                auto* box = qobject_cast<QMessageBox*>(window);
                if (box && box->isVisible() && box->objectName() == QLatin1String(name))
                    found = box;
            }
            return found != nullptr;
        },
        timeoutMs);
    return found;
}

// Answers the start confirmation that opens within timeoutMs: Start (confirm) or Cancel. Its text
// goes to *text. False when no confirmation opened.
inline bool answerStart(bool confirm, QString* text = nullptr, int timeoutMs = 10'000)
{
    QMessageBox* box = openBox("startConfirmation", timeoutMs);
    if (!box)
        return false;
    if (text)
        *text = box->text();
    QAbstractButton* button = confirm ? box->findChild<QAbstractButton*>(QStringLiteral("confirmStartButton"))
                                      : box->button(QMessageBox::Cancel);
    if (!button)
        return false;
    QTest::mouseClick(button, Qt::LeftButton);
    return QTest::qWaitFor([box = QPointer<QMessageBox>(box)] { return !box || !box->isVisible(); }, 5000);
}

// Closes the refusal message that opens within timeoutMs; its text goes to *text. False when none.
inline bool dismissRefusal(QString* text = nullptr, int timeoutMs = 10'000)
{
    QMessageBox* box = openBox("startRefused", timeoutMs);
    if (!box)
        return false;
    if (text)
        *text = box->text();
    QTest::mouseClick(box->button(QMessageBox::Ok), Qt::LeftButton);
    return QTest::qWaitFor([box = QPointer<QMessageBox>(box)] { return !box || !box->isVisible(); }, 5000);
}

} // namespace nullify::test
