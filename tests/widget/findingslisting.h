#pragma once

// What the Findings page's widget tests read back: the rows a FindingsView shows, whether its
// listing has settled, and the sandbox's request log entries of the findings queries it sent.

#include "findingsmodel.h"
#include "findingsview.h"
#include "nullifyapi.h"

#include <QAbstractItemModel>
#include <QCryptographicHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTableView>
#include <QTest>

#include <memory>

namespace nullify::test {

// The sandbox's bodyHash of a request body: the first 12 hex digits of its SHA-256.
inline QString bodyHash(const QByteArray& body)
{
    return QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex().left(12));
}

// The bodyHash of the findings query for one page of `query`.
inline QString hashOf(api::FindingsQuery query, qint64 page)
{
    query.page = page;
    return bodyHash(api::NullifyApi::findingsQueryBody(query));
}

inline QStringList bodyHashes(const QList<QJsonObject>& entries)
{
    QStringList hashes;
    for (const QJsonObject& entry : entries)
        hashes << entry.value(QStringLiteral("bodyHash")).toString();
    return hashes;
}

// The ids the table shows, top to bottom.
inline QStringList shownIds(const ui::FindingsView& view)
{
    QStringList ids;
    const QAbstractItemModel* model = view.findingsTable()->model();
    for (int row = 0; row < model->rowCount(); ++row)
        ids << model->index(row, 0).data(ui::FindingsModel::IdRole).toString();
    return ids;
}

// A page is in and no other is on its way.
inline bool listingSettled(const ui::FindingsView& view)
{
    return view.pager() && view.pager()->pagesLoaded() > 0 && !view.pager()->isLoading();
}

// A Findings page shown and activated, as the main window does; "Any status" when asked (it
// opens on Open). nullptr when the window never got exposed.
inline std::unique_ptr<ui::FindingsView> shownFindingsView(const ui::ViewContext& context, bool anyStatus, QSize size)
{
    auto view = std::make_unique<ui::FindingsView>(context);
    view->setSearchDelay(50);
    if (anyStatus)
        view->statusFilter()->setCurrentIndex(view->statusFilter()->findData(int(ui::FindingsView::StatusFilter::Any)));
    view->resize(size);
    view->show();
    if (!QTest::qWaitForWindowExposed(view.get()))
        return nullptr;
    view->activate();
    return view;
}

} // namespace nullify::test
