#pragma once

#include "types.h"

#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QStringList>

namespace nullify::api {
class NullifyApi;
}

namespace nullify::ui {

class RepositoriesModel;

// Fills RepositoriesModel's scanner columns with each repository's latest scan run, one
// GET .../scan-runs?limit=1 per repository and scanner, only for the repositories a view wants
// now (the rows on screen, the selected one first) and a few requests at a time: a tenant with
// thousands of repositories must not cost thousands of requests at once. What was asked for once
// is not asked again until reset().
class LatestRunsLoader : public QObject
{
    Q_OBJECT

public:
    LatestRunsLoader(api::NullifyApi* api, RepositoriesModel* model, QObject* parent = nullptr);

    // The repositories whose latest runs are wanted now, most wanted first. Replaces the queue:
    // repositories no longer wanted and not started yet are dropped (asked again when wanted).
    void setWanted(const QStringList& repositoryIds);
    // While paused (offline) nothing new starts; what is queued waits.
    void setPaused(bool paused);
    // Forgets every answer and aborts what is in flight (the list was reloaded).
    void reset();

    void setMaxInFlight(int count) { m_maxInFlight = qMax(1, count); }
    int inFlight() const { return m_inFlight; }
    int queued() const { return int(m_queue.size()); }
    int started() const { return m_started; } // requests sent since the last reset()
    bool isIdle() const { return m_inFlight == 0 && m_queue.isEmpty(); }

signals:
    void idle();

private:
    using Job = QPair<QString, api::Scanner>;
    void pump();

    api::NullifyApi* m_api;
    QPointer<RepositoriesModel> m_model;
    QList<Job> m_queue;
    QSet<QString> m_asked; // "repositoryId\nscanner" of every job started
    int m_inFlight = 0;
    int m_maxInFlight = 4;
    int m_started = 0;
    bool m_paused = false;
    QObject* m_requests = nullptr; // context of the requests in flight; deleting it aborts them
};

} // namespace nullify::ui
