#pragma once

#include "types.h"

#include <QColor>
#include <QPlainTextEdit>

namespace nullify::ui {

// A read-only, monospaced view of an autofix's proposed change: per file a header, per hunk its
// @@ line, then each line with its number and a +, - or space marker. Added and removed lines get
// a background blended from the palette's Base with green or red, so both light and dark themes
// keep their contrast; the colours follow palette changes.
class DiffView : public QPlainTextEdit
{
    Q_OBJECT

public:
    // What a text block of the document shows (QTextBlock::userState()).
    enum BlockKind {
        AddedLine = int(api::DiffLine::Kind::Added),
        RemovedLine = int(api::DiffLine::Kind::Removed),
        UnchangedLine = int(api::DiffLine::Kind::Unchanged),
        FileHeader = 10,
        HunkHeader = 11,
        Message = 12,
    };
    Q_ENUM(BlockKind)

    explicit DiffView(QWidget* parent = nullptr);

    void setDiff(const api::AutofixDiff& diff);
    void showMessage(const QString& message); // "Loading the diff…", "No change"
    void clearDiff();
    const api::AutofixDiff& diff() const { return m_diff; }
    int addedCount() const { return m_added; }
    int removedCount() const { return m_removed; }

    // The background of a block kind under palette; invalid for kinds without one.
    static QColor background(BlockKind kind, const QPalette& palette);
    // a blended towards b by amount (0..1).
    static QColor blend(const QColor& a, const QColor& b, double amount);

protected:
    void changeEvent(QEvent* event) override;

private:
    void render();

    api::AutofixDiff m_diff;
    QString m_message;
    bool m_hasDiff = false;
    int m_added = 0;
    int m_removed = 0;
};

} // namespace nullify::ui
