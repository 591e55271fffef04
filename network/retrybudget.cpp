#include "retrybudget.h"

#include <algorithm>
#include <cmath>

namespace nullify {

namespace {

// Refills such as 0.1 are not exact in binary: ten of them sum to 0.999...9, which must still buy
// a retry. The slack is far below any meaningful fraction of a token.
constexpr double kEpsilon = 1e-9;

double sanitized(double value)
{
    return std::isfinite(value) && value > 0.0 ? value : 0.0;
}

} // namespace

RetryBudget::RetryBudget(double capacity, double refillPerSuccess)
    : m_capacity(sanitized(capacity))
    , m_refillPerSuccess(sanitized(refillPerSuccess))
    , m_tokens(m_capacity) // a host starts trusted; throttling only kicks in after failures
{ }

bool RetryBudget::tryAcquire()
{
    if (m_tokens + kEpsilon < 1.0)
        return false;
    m_tokens = std::max(0.0, m_tokens - 1.0);
    return true;
}

void RetryBudget::recordSuccess()
{
    m_tokens = std::min(m_capacity, m_tokens + m_refillPerSuccess);
}

void RetryBudget::refundRetry()
{
    m_tokens = std::min(m_capacity, m_tokens + 1.0);
}

} // namespace nullify
