#include "testtokenprovider.h"

#include <QTimer>

namespace nullify::test {

TestTokenProvider::TestTokenProvider(const QByteArray& token, QObject* parent)
    : AccessTokenProvider(parent)
    , m_token(token)
{ }

void TestTokenProvider::setRefreshSucceeds(const QByteArray& newToken)
{
    m_succeeds = true;
    m_nextToken = newToken;
}

void TestTokenProvider::setRefreshFails(const QString& reason, bool signInRequired)
{
    m_succeeds = false;
    m_failureReason = reason;
    m_signInRequired = signInRequired;
}

void TestTokenProvider::setTiming(Timing timing, int delayMs)
{
    m_timing = timing;
    m_delayMs = delayMs;
}

void TestTokenProvider::refreshAccessToken()
{
    ++m_refreshCount;
    m_pending = true;
    const quint64 serial = ++m_refreshSerial;
    emit refreshRequested(m_refreshCount);
    switch (m_timing) {
    case Timing::Synchronous:
        answer();
        break;
    case Timing::Delayed:
        QTimer::singleShot(m_delayMs, this, [this, serial] {
            if (serial == m_refreshSerial)
                answer();
        });
        break;
    case Timing::Held:
        break;
    }
}

bool TestTokenProvider::release()
{
    if (!m_pending)
        return false;
    answer();
    return true;
}

void TestTokenProvider::answer()
{
    if (!m_pending)
        return;
    m_pending = false;
    if (m_succeeds) {
        // Like a real provider: the new token is readable by the time the signal arrives.
        m_token = m_nextToken;
        emit refreshSucceeded();
    } else {
        emit refreshFailed(m_failureReason, m_signInRequired);
    }
}

} // namespace nullify::test
