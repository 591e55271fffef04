#include "retrydecisions.h"

#include "origin.h"

namespace nullify {

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool responseHasBody(const QByteArray& verb, int status)
{
    return verb != "HEAD" && status >= 200 && status != 204 && status != 304;
}

bool mightRetryStatus(const RetryPolicy& policy, const RetryHistory& history, int status)
{
    if (isRedirectStatus(status))
        return true; // its body is never the result when the redirect is followed
    if (status == 401)
        return history.attemptHadToken && !history.unauthorizedReplayUsed;
    return policy.isRetryableStatus(status, history.verb, history.markedIdempotent)
        && history.retriesScheduled + 1 < policy.maxAttempts;
}

AfterAttempt decideAfterAttempt(const AttemptResult& result)
{
    AfterAttempt next;
    const bool cutMidBody = result.status != 0 && result.bodyDelivered && RetryPolicy::isTransportError(result.error);
    if (result.status == 0 || cutMidBody) {
        // A body already handed to the caller can not be taken back, so a failure mid-body is only
        // retried when the caller has not read any of it.
        next.action = result.callerHasRead ? AfterAttempt::Action::Finish : AfterAttempt::Action::RetryFailure;
        return next;
    }
    next.action = AfterAttempt::Action::HandleAnswer;
    next.hostAnswered = result.status != 429 && result.status < 500;
    next.hostAsksToWait = result.status == 429 || result.status == 503;
    next.tryRedirect = isRedirectStatus(result.status);
    next.tryUnauthorizedReplay = result.status == 401 && result.attemptHadToken && !result.unauthorizedReplayUsed;
    return next;
}

bool isRetryable(const RetryPolicy& policy, const RetryHistory& history, const RetryQuestion& question)
{
    // An HTTP/2 stream the server never processed is safe to send again whatever the method.
    if (question.status != 0)
        return policy.isRetryableStatus(question.status, history.verb, history.markedIdempotent);
    return question.neverProcessed
        || policy.isRetryableTransportError(
            question.error, question.attemptSent, history.verb, history.markedIdempotent);
}

RetryDecision decideRetry(const RetryPolicy& policy,
                          const RetryHistory& history,
                          const RetryQuestion& question,
                          const RetryTiming& timing)
{
    RetryDecision decision;
    if (!isRetryable(policy, history, question)) {
        decision.kind = RetryDecision::Kind::NotRetryable;
        return decision;
    }
    if (history.retriesScheduled + 1 >= policy.maxAttempts) {
        decision.kind = RetryDecision::Kind::OutOfAttempts;
        return decision;
    }
    if (!timing.bodyCanReplay) {
        decision.kind = RetryDecision::Kind::BodyNotReplayable;
        return decision;
    }
    const std::chrono::milliseconds backoff = policy.backoff(history.retriesScheduled + 1, timing.unitRandom);
    // Only an answer's Retry-After counts; a transport failure has none.
    const std::optional<std::chrono::milliseconds> serverDelay
        = question.status != 0 ? timing.serverDelay : std::nullopt;
    decision.fromRetryAfter = serverDelay && *serverDelay >= backoff;
    decision.delay = decision.fromRetryAfter ? *serverDelay : backoff;
    if (serverDelay && *serverDelay > policy.retryAfterCap) {
        decision.kind = RetryDecision::Kind::RetryAfterTooLong;
        decision.delay = *serverDelay;
        return decision;
    }
    if (decision.delay.count() >= policy.deadline.count() - timing.elapsedMs) {
        decision.kind = RetryDecision::Kind::PastDeadline;
        return decision;
    }
    decision.kind = RetryDecision::Kind::Retry;
    return decision;
}

RedirectDecision decideRedirect(const RedirectQuestion& question)
{
    RedirectDecision decision;
    if (!isRedirectStatus(question.status) || question.manualPolicy || question.location.isEmpty())
        return decision;
    decision.to = question.from.resolved(question.location);
    if (question.redirectsSoFar + 1 > question.maxRedirects) {
        decision.kind = RedirectDecision::Kind::TooMany;
        return decision;
    }
    const QString scheme = decision.to.scheme();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https")) {
        decision.kind = RedirectDecision::Kind::UnsupportedScheme;
        return decision;
    }
    if (question.from.scheme() == QLatin1String("https") && scheme == QLatin1String("http")) {
        decision.kind = RedirectDecision::Kind::InsecureDowngrade;
        return decision;
    }
    decision.kind = RedirectDecision::Kind::Follow;
    decision.dropCredentials = !isSameOrigin(question.from, decision.to);
    const bool keepsMethod = question.status == 307 || question.status == 308
        || (question.operation != QNetworkAccessManager::PostOperation && question.status != 303)
        || question.operation == QNetworkAccessManager::HeadOperation;
    decision.becomesGet = !keepsMethod;
    return decision;
}

} // namespace nullify
