#pragma once

namespace nullify {

// Token bucket that limits retries to one host when it fails for everybody (in the style of the
// AWS SDKs' retry quota): each retry takes a whole token and gives it back if it succeeds, so
// productive retries are never refused and only failing ones drain the bucket; a success at the
// first attempt returns a fraction of a token.
class RetryBudget
{
public:
    RetryBudget(double capacity, double refillPerSuccess);

    bool tryAcquire(); // takes one token for a retry; false when fewer than one is left
    void recordSuccess(); // a first attempt succeeded: adds refillPerSuccess
    void refundRetry(); // a retry succeeded: the token it took comes back
    double tokens() const { return m_tokens; }
    double capacity() const { return m_capacity; }

private:
    double m_capacity;
    double m_refillPerSuccess;
    double m_tokens;
};

} // namespace nullify
