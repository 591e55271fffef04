#pragma once

#include "accesstokenprovider.h"

#include <QObject>
#include <QPointer>

namespace nullify {

// Turns any number of 401s into at most one refresh at a time. Each successful refresh starts a
// new token generation; a reply remembers the generation its token came from, so a 401 for a
// token that has already been replaced replays at once instead of refreshing again.
class TokenRefreshCoordinator : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    void setProvider(AccessTokenProvider* provider);
    AccessTokenProvider* provider() const { return m_provider; }

    QByteArray currentToken() const;
    quint64 generation() const { return m_generation; }
    bool isRefreshing() const { return m_refreshing; }

    // SessionEnded: the refresh for this very token already failed with signInRequired; the
    // reply ends with sessionEndedReason() instead of asking (and signalling) again.
    enum class Outcome { ReplayNow, WaitForRefresh, CannotRefresh, SessionEnded };
    // A request sent with a token of `usedGeneration` got 401. Connect to refreshFinished()
    // before calling: the provider may answer at once.
    Outcome unauthorized(quint64 usedGeneration);
    QString sessionEndedReason() const { return m_sessionEndedReason; }

signals:
    void refreshFinished(bool succeeded, const QString& reason, bool signInRequired);

private:
    void startRefresh();
    void onSucceeded();
    void onFailed(const QString& reason, bool signInRequired);

    QPointer<AccessTokenProvider> m_provider;
    quint64 m_generation = 0;
    bool m_refreshing = false;
    bool m_sessionEnded = false; // the last refresh failed with signInRequired
    QByteArray m_tokenAtSessionEnd; // a different token (a new sign-in) lifts m_sessionEnded
    QString m_sessionEndedReason;
};

} // namespace nullify
