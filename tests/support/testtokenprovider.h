#pragma once

#include "accesstokenprovider.h"

#include <QByteArray>
#include <QString>

namespace nullify::test {

// An AccessTokenProvider whose refresh a test scripts: what it answers (a new token, or a failure
// with or without signInRequired) and when (inside refreshAccessToken(), after a delay on the
// event loop, or only when the test calls release()). It counts refresh calls so tests can prove
// single flight, and it keeps a refresh pending until answered, like a real network refresh.
class TestTokenProvider : public AccessTokenProvider
{
    Q_OBJECT

public:
    enum class Timing {
        Synchronous, // answered before refreshAccessToken() returns
        Delayed, // answered from the event loop after delayMs (0: next loop iteration)
        Held, // answered only when the test calls release()
    };

    explicit TestTokenProvider(const QByteArray& token = QByteArrayLiteral("old"), QObject* parent = nullptr);

    QByteArray accessToken() const override { return m_token; }
    void refreshAccessToken() override;

    void setToken(const QByteArray& token) { m_token = token; }

    // What the next refreshes answer (default: succeed with "new").
    void setRefreshSucceeds(const QByteArray& newToken);
    void setRefreshFails(const QString& reason, bool signInRequired);
    // When the next refreshes answer (default: Delayed, 0 ms).
    void setTiming(Timing timing, int delayMs = 0);

    // Answers the pending refresh now with the scripted outcome; false when none is pending.
    bool release();

    int refreshCount() const { return m_refreshCount; }
    bool isRefreshPending() const { return m_pending; }

signals:
    void refreshRequested(int count);

private:
    void answer();

    QByteArray m_token;
    QByteArray m_nextToken = QByteArrayLiteral("new");
    bool m_succeeds = true;
    QString m_failureReason;
    bool m_signInRequired = false;
    Timing m_timing = Timing::Delayed;
    int m_delayMs = 0;
    int m_refreshCount = 0;
    bool m_pending = false;
    quint64 m_refreshSerial = 0; // so a delayed answer of an earlier refresh can not answer a later one
};

} // namespace nullify::test
