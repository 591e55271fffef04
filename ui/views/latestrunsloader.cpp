#include "latestrunsloader.h"

#include "nullifyapi.h"
#include "repositoriesmodel.h"

#include <QLoggingCategory>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiLatestRuns, "nullify.ui.repositories.latestruns", QtInfoMsg)

namespace {

constexpr api::Scanner kScanners[]
    = {api::Scanner::Sast, api::Scanner::Secrets, api::Scanner::ScaDependencies, api::Scanner::ScaContainers};

QString jobKey(const QString& repositoryId, api::Scanner scanner)
{
    return repositoryId + QLatin1Char('\n') + QString::number(int(scanner));
}

} // namespace

LatestRunsLoader::LatestRunsLoader(api::NullifyApi* api, RepositoriesModel* model, QObject* parent)
    : QObject(parent)
    , m_api(api)
    , m_model(model)
    , m_requests(new QObject(this))
{ }

void LatestRunsLoader::setWanted(const QStringList& repositoryIds)
{
    m_queue.clear();
    for (const QString& id : repositoryIds) {
        if (id.isEmpty())
            continue;
        for (api::Scanner scanner : kScanners) {
            if (!m_asked.contains(jobKey(id, scanner)))
                m_queue.append({id, scanner});
        }
    }
    pump();
}

void LatestRunsLoader::setPaused(bool paused)
{
    m_paused = paused;
    pump();
}

void LatestRunsLoader::reset()
{
    m_queue.clear();
    m_asked.clear();
    m_started = 0;
    m_inFlight = 0;
    delete m_requests; // aborts them; their callbacks never run
    m_requests = new QObject(this);
}

void LatestRunsLoader::pump()
{
    while (!m_paused && m_api && m_inFlight < m_maxInFlight && !m_queue.isEmpty()) {
        const Job job = m_queue.takeFirst();
        m_asked.insert(jobKey(job.first, job.second));
        ++m_inFlight;
        ++m_started;
        api::ScanRunQuery query;
        query.scanner = job.second;
        query.repositoryId = job.first;
        query.limit = 1;
        m_api->scanRuns(query, m_requests, [this, job](const api::Result<api::Page<api::ScanRun>>& result) {
            --m_inFlight;
            if (!result) {
                // Not asked again on its own: the cell stays empty until the list is refreshed.
                api::logFailure(lcUiLatestRuns(), "latest run", result.error());
            } else if (!result.value().items.isEmpty() && m_model) {
                m_model->setLatestRun(job.first, job.second, result.value().items.first());
            }
            pump();
        });
    }
    if (isIdle())
        emit idle();
}

} // namespace nullify::ui
