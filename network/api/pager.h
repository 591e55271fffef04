#pragma once

#include "apierror.h"
#include "nullifyapi.h"
#include "types.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

class QNetworkReply;

namespace nullify::api {

// "Load more" over the three paging styles of the API:
//   NextToken  /context/repositories, /dast/pentest/scans: limit + nextToken; no total (numItems
//              is per page); the end is an empty nextToken.
//   Offset     the scan-run lists: limit + offset; totalCount when the server sends it, else a
//              short page is the end.
//   PageNumber /admin/findings: page + a constant pageSize; the end is hasMoreData == false.
// A view connects itemsAppended, calls loadMore() when the user scrolls to the end, and reads
// items() from the typed subclass. One request at a time; a failed page can be asked for again.
class Pager : public QObject
{
    Q_OBJECT

public:
    enum class Style { NextToken, Offset, PageNumber };

    // Where the next page starts, in each style's terms.
    struct Cursor
    {
        QString nextToken;
        qint64 offset = 0;
        qint64 page = 1;
    };

    Pager(Style style, int pageSize, QObject* parent);

    Style style() const { return m_style; }
    int pageSize() const { return m_pageSize; }
    bool hasMore() const { return m_hasMore; }
    bool isLoading() const { return m_loading; }
    int pagesLoaded() const { return m_pagesLoaded; }
    // The server's count of all items, when the endpoint reports one; nullopt otherwise.
    std::optional<qint64> totalCount() const { return m_total; }
    virtual int count() const = 0;

    // Asks for the next page. Returns the reply (for retry signals or abort), or nullptr when a
    // page is already loading, there is nothing more, or the request was refused (then failed()
    // follows).
    QNetworkReply* loadMore();
    // Forgets every item and starts again from the first page (aborting a page in flight).
    void reset();
    // Where reset() starts: the first offset (Offset style) and page number (PageNumber style).
    void setStart(qint64 offset, qint64 page);

signals:
    void itemsAppended(int first, int count);
    void loadingChanged(bool loading);
    void exhausted(); // the last page has arrived
    void failed(const nullify::api::ApiError& error);
    void cleared();

protected:
    virtual QNetworkReply* fetch(const Cursor& cursor) = 0;
    virtual void clearItems() = 0;

    // Subclasses call one of these with each answer; generation is the one the request began in
    // (answers to requests from before a reset() are dropped).
    bool isCurrent(quint64 generation) const { return generation == m_generation; }
    quint64 generation() const { return m_generation; }
    void pageArrived(
        int first, int count, const QString& nextToken, std::optional<qint64> total, std::optional<bool> hasMoreData);
    void pageFailed(const ApiError& error);

private:
    void setLoading(bool loading);

    Style m_style;
    int m_pageSize;
    Cursor m_cursor;
    qint64 m_firstOffset = 0;
    qint64 m_firstPage = 1;
    bool m_hasMore = true;
    bool m_loading = false;
    quint64 m_generation = 0;
    int m_pagesLoaded = 0;
    std::optional<qint64> m_total;
    QPointer<QNetworkReply> m_reply;
};

// A pager that keeps its items. fetch is one NullifyApi call bound to this pager.
template <typename T> class ItemPager : public Pager
{
public:
    using Fetch = std::function<QNetworkReply*(const Cursor&, QObject* context, Callback<Page<T>> done)>;

    ItemPager(Style style, int pageSize, Fetch fetch, QObject* parent = nullptr)
        : Pager(style, pageSize, parent)
        , m_fetch(std::move(fetch))
    { }

    const QList<T>& items() const { return m_items; }
    int count() const override { return int(m_items.size()); }

protected:
    QNetworkReply* fetch(const Cursor& cursor) override
    {
        return m_fetch(cursor, this, [this, generation = generation()](const Result<Page<T>>& result) {
            if (!isCurrent(generation))
                return;
            if (!result) {
                pageFailed(result.error());
                return;
            }
            const Page<T>& page = result.value();
            const int first = int(m_items.size());
            m_items.append(page.items);
            pageArrived(first, int(page.items.size()), page.nextToken, page.total, page.hasMoreData);
        });
    }
    void clearItems() override { m_items.clear(); }

private:
    Fetch m_fetch;
    QList<T> m_items;
};

using RepositoryPager = ItemPager<Repository>;
using ScanRunPager = ItemPager<ScanRun>;
using FindingsPager = ItemPager<Finding>;
using PentestScanPager = ItemPager<PentestScan>;

// The pagers of the lists the app shows, each bound to its endpoint and paging style.
RepositoryPager* makeRepositoryPager(NullifyApi* api, int pageSize, QObject* parent = nullptr);
PentestScanPager* makePentestScanPager(NullifyApi* api, int pageSize, QObject* parent = nullptr);
// query.repositoryId is required; query.limit is the page size, query.offset where to start.
ScanRunPager* makeScanRunPager(NullifyApi* api, const ScanRunQuery& query, QObject* parent = nullptr);
// query.page is the first page asked for, query.pageSize is kept for every page.
FindingsPager* makeFindingsPager(NullifyApi* api, const FindingsQuery& query, QObject* parent = nullptr);

} // namespace nullify::api
