#pragma once

namespace nullify {

// Token bucket that limits retries to one host when it fails for everybody (gRPC-style retry
// throttling): each retry takes a whole token, each success returns a fraction of one.
class RetryBudget
{
public:
    RetryBudget(double capacity, double refillPerSuccess);

    bool tryAcquire(); // takes one token for a retry; false when fewer than one is left
    void recordSuccess();
    double tokens() const { return m_tokens; }
    double capacity() const { return m_capacity; }

private:
    double m_capacity;
    double m_refillPerSuccess;
    double m_tokens;
};

} // namespace nullify
