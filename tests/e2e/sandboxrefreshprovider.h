#pragma once

#include "accesstokenprovider.h"

#include <QByteArray>
#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;

namespace nullify::test {

// A test helper, not the app's session (that comes with issue 4): it holds the tokens of one
// sign-in and refreshes with a real GET /auth/refresh_token (Cookie: refresh_token=...) through
// the manager it serves, so a refresh is visible in the sandbox's request log like any request.
// The manager never adds Authorization to /auth/ paths, so the refresh cannot wait on itself.
class SandboxRefreshProvider : public AccessTokenProvider
{
    Q_OBJECT

public:
    SandboxRefreshProvider(QNetworkAccessManager* manager,
                           const QUrl& apiBase,
                           const QByteArray& accessToken,
                           const QByteArray& refreshToken,
                           QObject* parent = nullptr);

    QByteArray accessToken() const override { return m_accessToken; }
    void refreshAccessToken() override;

    QByteArray refreshToken() const { return m_refreshToken; }
    int refreshCount() const { return m_refreshCount; }

private:
    QPointer<QNetworkAccessManager> m_manager;
    QUrl m_apiBase;
    QByteArray m_accessToken;
    QByteArray m_refreshToken;
    int m_refreshCount = 0;
};

} // namespace nullify::test
