#include "diffview.h"

#include <QEvent>
#include <QFontDatabase>
#include <QTextBlock>
#include <QTextCursor>

namespace nullify::ui {

namespace {

QString fileTitle(const api::DiffFile& file)
{
    if (!file.header.isEmpty())
        return file.header;
    switch (file.mode) {
    case 0:
        return DiffView::tr("deleted: %1").arg(file.origName);
    case 2:
        return DiffView::tr("new file: %1").arg(file.newName);
    default:
        if (!file.origName.isEmpty() && !file.newName.isEmpty() && file.origName != file.newName)
            return DiffView::tr("%1 → %2").arg(file.origName, file.newName);
        return file.newName.isEmpty() ? file.origName : file.newName;
    }
}

QChar marker(api::DiffLine::Kind kind)
{
    switch (kind) {
    case api::DiffLine::Kind::Added:
        return QLatin1Char('+');
    case api::DiffLine::Kind::Removed:
        return QLatin1Char('-');
    default:
        return QLatin1Char(' ');
    }
}

} // namespace

DiffView::DiffView(QWidget* parent)
    : QPlainTextEdit(parent)
{
    setObjectName(QStringLiteral("diffView"));
    setAccessibleName(tr("Proposed change"));
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    // The system's fixed font, and the hints that pick a monospaced one where it names none.
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    font.setStyleHint(QFont::Monospace, QFont::PreferDefault);
    font.setFixedPitch(true);
    setFont(font);
    render();
}

QColor DiffView::blend(const QColor& a, const QColor& b, double amount)
{
    const double keep = 1.0 - amount;
    return QColor::fromRgbF(float(a.redF() * keep + b.redF() * amount),
                            float(a.greenF() * keep + b.greenF() * amount),
                            float(a.blueF() * keep + b.blueF() * amount));
}

QColor DiffView::background(BlockKind kind, const QPalette& palette)
{
    const QColor base = palette.color(QPalette::Base);
    // A dark Base needs a stronger tint for the colour to show at all.
    const bool dark = base.lightnessF() < 0.5;
    const double amount = dark ? 0.35 : 0.22;
    switch (kind) {
    case AddedLine:
        return blend(base, QColor(Qt::green), amount);
    case RemovedLine:
        return blend(base, QColor(Qt::red), amount);
    case FileHeader:
        return blend(base, palette.color(QPalette::Highlight), amount);
    case HunkHeader:
        return palette.color(QPalette::AlternateBase);
    default:
        return QColor();
    }
}

void DiffView::setDiff(const api::AutofixDiff& diff)
{
    m_diff = diff;
    m_hasDiff = true;
    m_message.clear();
    render();
}

void DiffView::showMessage(const QString& message)
{
    m_diff = {};
    m_hasDiff = false;
    m_message = message;
    render();
}

void DiffView::clearDiff()
{
    showMessage(QString());
}

void DiffView::changeEvent(QEvent* event)
{
    QPlainTextEdit::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        render();
}

void DiffView::render()
{
    m_added = 0;
    m_removed = 0;
    clear();
    QTextCursor cursor(document());
    bool first = true;
    const auto append = [&](const QString& text, BlockKind kind) {
        if (!first)
            cursor.insertBlock();
        first = false;
        QTextBlockFormat format;
        const QColor colour = background(kind, palette());
        if (colour.isValid())
            format.setBackground(colour);
        cursor.setBlockFormat(format);
        QTextCharFormat chars;
        if (kind == FileHeader || kind == HunkHeader)
            chars.setFontWeight(QFont::Bold);
        cursor.setCharFormat(chars);
        cursor.insertText(text);
        cursor.block().setUserState(kind);
    };

    if (!m_hasDiff) {
        if (!m_message.isEmpty())
            append(m_message, Message);
        return;
    }
    if (m_diff.diffs.isEmpty())
        append(tr("The fix changes no file."), Message);
    for (const api::DiffFile& file : std::as_const(m_diff.diffs)) {
        append(fileTitle(file), FileHeader);
        for (const api::DiffHunk& hunk : file.hunks) {
            append(hunk.header.isEmpty() ? QStringLiteral("@@ %1,%2 @@").arg(hunk.start).arg(hunk.length) : hunk.header,
                   HunkHeader);
            for (const api::DiffLine& line : hunk.lines) {
                const QString number = line.number > 0 ? QString::number(line.number) : QString();
                QString content = line.content;
                if (content.endsWith(QLatin1Char('\n')))
                    content.chop(1);
                BlockKind kind = UnchangedLine;
                if (line.kind == api::DiffLine::Kind::Added) {
                    kind = AddedLine;
                    ++m_added;
                } else if (line.kind == api::DiffLine::Kind::Removed) {
                    kind = RemovedLine;
                    ++m_removed;
                }
                append(QStringLiteral("%1 %2 %3").arg(number, 5).arg(marker(line.kind)).arg(content), kind);
            }
        }
    }
    moveCursor(QTextCursor::Start);
}

} // namespace nullify::ui
