#include "itemreveal.h"

#include "findingsfilterproxy.h"
#include "findingsmodel.h"
#include "findingsview.h"
#include "pager.h"
#include "pentestscansmodel.h"
#include "scansview.h"

#include <QAbstractItemModel>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>

#include <functional>
#include <memory>

namespace nullify::ui {

namespace {

constexpr int giveUpAfterMs = 60'000;

// Runs `found` whenever the model gains rows (and once now) until it returns true, asking `pager`
// for the next page while it says more is to come, at most maxPages times.
void watch(QObject* owner,
           QAbstractItemModel* model,
           std::function<api::Pager*()> pager,
           std::function<bool()> found,
           int maxPages)
{
    auto* watcher = new QObject(owner);
    auto pagesAsked = std::make_shared<int>(0);
    auto step = [watcher, pager, found, pagesAsked, maxPages] {
        if (found()) {
            watcher->deleteLater();
            return;
        }
        api::Pager* p = pager();
        if (!p || p->isLoading())
            return; // its rows will come
        if (!p->hasMore() || *pagesAsked >= maxPages) {
            if (p->pagesLoaded() > 0)
                watcher->deleteLater(); // the whole list (or as much as we ask for) has no such row
            return;
        }
        ++*pagesAsked;
        p->loadMore();
    };
    // Queued: a pager is still in its own signal when the model says it has the rows.
    QObject::connect(model, &QAbstractItemModel::rowsInserted, watcher, step, Qt::QueuedConnection);
    QObject::connect(model, &QAbstractItemModel::modelReset, watcher, step, Qt::QueuedConnection);
    QTimer::singleShot(0, watcher, step);
    QTimer::singleShot(giveUpAfterMs, watcher, &QObject::deleteLater);
}

} // namespace

void revealFinding(FindingsView* view, const QString& findingId, int maxPages)
{
    if (!view || findingId.isEmpty())
        return;
    auto found = [view, findingId] {
        FindingsModel* model = view->findingsModel();
        const int row = model->rowOf(findingId);
        if (row < 0)
            return false;
        const QModelIndex index = view->proxy()->mapFromSource(model->index(row, 0));
        if (!index.isValid())
            return false;
        view->findingsTable()->setCurrentIndex(index);
        view->findingsTable()->scrollTo(index);
        return true;
    };
    watch(
        view, view->findingsModel(), [view]() -> api::Pager* { return view->pager(); }, found, maxPages);
}

void revealPentest(ScansView* view, const QString& scanId, int maxPages)
{
    if (!view || scanId.isEmpty())
        return;
    auto found = [view, scanId] {
        const int row = view->pentestModel()->rowOf(scanId);
        if (row < 0)
            return false;
        view->historyTable()->selectRow(row);
        view->historyTable()->scrollTo(view->pentestModel()->index(row, 0));
        view->openSelectedReport(); // a finished pentest's report; nothing for one still running
        return true;
    };
    watch(
        view, view->pentestModel(), [view]() -> api::Pager* { return view->pentestPager(); }, found, maxPages);
}

} // namespace nullify::ui
