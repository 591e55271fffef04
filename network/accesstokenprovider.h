#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

namespace nullify {

// The seam between the network core and whatever owns the session. The manager reads the current
// token at every attempt and, after a 401, asks for one real refresh (never a re-read of the same
// stored token). The manager guarantees single flight: it never calls refreshAccessToken() while a
// refresh it started has not reported back.
class AccessTokenProvider : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    virtual QByteArray accessToken() const = 0; // empty when signed out

    // Starts a refresh; must later emit exactly one of refreshSucceeded() or refreshFailed().
    virtual void refreshAccessToken() = 0;

signals:
    void refreshSucceeded();
    // signInRequired: the session is over (refresh token rejected); otherwise a passing failure.
    void refreshFailed(const QString& reason, bool signInRequired);
};

} // namespace nullify
