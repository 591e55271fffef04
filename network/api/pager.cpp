#include "pager.h"

#include <QNetworkReply>
#include <QTimer>

namespace nullify::api {

Pager::Pager(Style style, int pageSize, QObject* parent)
    : QObject(parent)
    , m_style(style)
    , m_pageSize(pageSize)
{ }

QNetworkReply* Pager::loadMore()
{
    if (m_loading || !m_hasMore)
        return nullptr;
    setLoading(true);
    // A refused request (nullptr) still answers, from the event loop, through pageFailed().
    QNetworkReply* reply = fetch(m_cursor);
    if (m_loading)
        m_reply = reply;
    return reply;
}

void Pager::setStart(qint64 offset, qint64 page)
{
    m_firstOffset = offset;
    m_firstPage = page;
    if (m_pagesLoaded == 0 && !m_loading) {
        m_cursor.offset = offset;
        m_cursor.page = page;
    }
}

void Pager::reset()
{
    ++m_generation; // whatever is still on its way belongs to the old listing
    if (QNetworkReply* reply = m_reply)
        reply->abort();
    m_reply = nullptr;
    m_cursor = Cursor();
    m_cursor.offset = m_firstOffset;
    m_cursor.page = m_firstPage;
    m_hasMore = true;
    m_pagesLoaded = 0;
    m_total.reset();
    clearItems();
    setLoading(false);
    emit cleared();
}

void Pager::pageArrived(
    int first, int count, const QString& nextToken, std::optional<qint64> total, std::optional<bool> hasMoreData)
{
    m_reply = nullptr;
    ++m_pagesLoaded;
    switch (m_style) {
    case Style::NextToken:
        // The same token twice would load the same page forever.
        m_hasMore = !nextToken.isEmpty() && nextToken != m_cursor.nextToken;
        m_cursor.nextToken = nextToken;
        break;
    case Style::Offset:
        m_cursor.offset += count;
        m_total = total;
        m_hasMore = count > 0 && (total ? m_cursor.offset < *total : count >= m_pageSize);
        break;
    case Style::PageNumber:
        ++m_cursor.page;
        m_total = total;
        // An empty page that claims more would be asked for forever.
        m_hasMore = count > 0 && hasMoreData.value_or(count >= m_pageSize);
        break;
    }
    setLoading(false);
    if (count > 0)
        emit itemsAppended(first, count);
    if (!m_hasMore)
        emit exhausted();
}

void Pager::pageFailed(const ApiError& error)
{
    m_reply = nullptr;
    setLoading(false);
    emit failed(error);
}

void Pager::setLoading(bool loading)
{
    if (m_loading == loading)
        return;
    m_loading = loading;
    emit loadingChanged(loading);
}

namespace {

template <typename T> QNetworkReply* apiGone(QObject* context, Callback<T> done)
{
    ApiError error;
    error.kind = ApiError::Kind::Cancelled;
    error.message = QStringLiteral("The API is no longer available.");
    QTimer::singleShot(0, context, [error, done = std::move(done)] { done(Result<T>::failure(error)); });
    return nullptr;
}

} // namespace

RepositoryPager* makeRepositoryPager(NullifyApi* api, int pageSize, QObject* parent)
{
    QPointer<NullifyApi> guard(api);
    return new RepositoryPager(
        Pager::Style::NextToken,
        pageSize,
        [guard,
         pageSize](const Pager::Cursor& cursor, QObject* context, Callback<Page<Repository>> done) -> QNetworkReply* {
            if (!guard)
                return apiGone(context, std::move(done));
            return guard->repositories(pageSize, cursor.nextToken, context, std::move(done));
        },
        parent);
}

PentestScanPager* makePentestScanPager(NullifyApi* api, int pageSize, QObject* parent)
{
    QPointer<NullifyApi> guard(api);
    return new PentestScanPager(
        Pager::Style::NextToken,
        pageSize,
        [guard,
         pageSize](const Pager::Cursor& cursor, QObject* context, Callback<Page<PentestScan>> done) -> QNetworkReply* {
            if (!guard)
                return apiGone(context, std::move(done));
            return guard->pentestScans(pageSize, cursor.nextToken, context, std::move(done));
        },
        parent);
}

ScanRunPager* makeScanRunPager(NullifyApi* api, const ScanRunQuery& query, QObject* parent)
{
    QPointer<NullifyApi> guard(api);
    const int pageSize = query.limit > 0 ? query.limit : 10; // the server's default
    auto* pager = new ScanRunPager(
        Pager::Style::Offset,
        pageSize,
        [guard, query, pageSize](
            const Pager::Cursor& cursor, QObject* context, Callback<Page<ScanRun>> done) -> QNetworkReply* {
            if (!guard)
                return apiGone(context, std::move(done));
            ScanRunQuery page = query;
            page.limit = pageSize;
            page.offset = cursor.offset;
            return guard->scanRuns(page, context, std::move(done));
        },
        parent);
    pager->setStart(query.offset, 1);
    return pager;
}

FindingsPager* makeFindingsPager(NullifyApi* api, const FindingsQuery& query, QObject* parent)
{
    QPointer<NullifyApi> guard(api);
    auto* pager = new FindingsPager(
        Pager::Style::PageNumber,
        query.pageSize,
        [guard, query](const Pager::Cursor& cursor, QObject* context, Callback<Page<Finding>> done) -> QNetworkReply* {
            if (!guard)
                return apiGone(context, std::move(done));
            FindingsQuery page = query; // pageSize stays as it was: only page moves
            page.page = cursor.page;
            return guard->findings(page, context, std::move(done));
        },
        parent);
    pager->setStart(0, query.page);
    return pager;
}

} // namespace nullify::api
