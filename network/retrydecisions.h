#pragma once

// The decisions RetryingReply takes between attempts, as pure functions of plain values: what an
// attempt's status means for its body, what comes after an attempt, whether and when to retry,
// whether and where to follow a redirect. No sockets, no timers, no Qt replies: the reply gathers
// the facts, asks here, and carries out the answer (tests/unit/tst_retrydecisions.cpp).

#include "retrypolicy.h"

#include <QByteArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrl>

#include <chrono>
#include <optional>

namespace nullify {

bool isRedirectStatus(int status);

// Whether an answer with this status to this method carries a body (RFC 9110 section 6.4.1).
bool responseHasBody(const QByteArray& verb, int status);

// What the reply has done so far that the decisions depend on.
struct RetryHistory
{
    QByteArray verb;
    bool markedIdempotent = false;
    int retriesScheduled = 0;
    bool attemptHadToken = false; // the attempt carried an access token of ours
    bool unauthorizedReplayUsed = false; // the one replay after a 401 has been made
};

// Whether an answer with this status may be followed by another attempt (a redirect followed, the
// replay after a 401, a retry): its body is then held back (and drained, so the connection can be
// reused) instead of being the caller's from the first byte.
bool mightRetryStatus(const RetryPolicy& policy, const RetryHistory& history, int status);

// What comes after an attempt finished.
struct AttemptResult
{
    int status = 0; // 0: no HTTP answer
    QNetworkReply::NetworkError error = QNetworkReply::NoError; // what happened (qtworkarounds::correctedAttemptEnd)
    bool bodyDelivered = false; // the body was the caller's from the first byte
    bool callerHasRead = false; // the caller has read some of it
    bool attemptHadToken = false;
    bool unauthorizedReplayUsed = false;
};

struct AfterAttempt
{
    enum class Action {
        // The network failed (no answer, or the answer was cut mid-body before the caller read any
        // of it): retry if the policy allows, else finish with the failure.
        RetryFailure,
        // The answer was cut after the caller read some of it: what was read can not be taken back.
        Finish,
        // An HTTP answer: follow it if it is a redirect, else replay it if it is a 401, else retry
        // it if the policy allows, else finish with it; each step in that order, when it applies.
        HandleAnswer,
    };
    Action action = Action::HandleAnswer;
    bool hostAnswered = false; // the host is answering: a retry that got here gets its budget token back
    bool hostAsksToWait = false; // a 429 or 503: its Retry-After holds every request to the host
    bool tryRedirect = false;
    bool tryUnauthorizedReplay = false;

    friend bool operator==(const AfterAttempt& a, const AfterAttempt& b)
    {
        return a.action == b.action && a.hostAnswered == b.hostAnswered && a.hostAsksToWait == b.hostAsksToWait
            && a.tryRedirect == b.tryRedirect && a.tryUnauthorizedReplay == b.tryUnauthorizedReplay;
    }
};

AfterAttempt decideAfterAttempt(const AttemptResult& result);

// Whether another attempt may be made for this failure at all: the policy's rule for the status
// or error, and the attempts left. Cheap; decideRetry() then says when.
struct RetryQuestion
{
    int status = 0; // 0: a transport failure, described by `error`
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    bool neverProcessed = false; // Qt's report that an HTTP/2 server never processed the stream
    bool attemptSent = false; // the attempt may have reached the server
};

struct RetryDecision
{
    enum class Kind {
        NotRetryable, // the policy does not retry this status or error for this method
        OutOfAttempts,
        BodyNotReplayable, // the request body can not be sent again
        RetryAfterTooLong, // the server asks for a longer wait than the policy's cap
        PastDeadline, // the wait would end after the request's deadline
        Retry,
    };
    Kind kind = Kind::NotRetryable;
    std::chrono::milliseconds delay {0};
    bool fromRetryAfter = false; // the delay is the server's Retry-After (it was not below the backoff)
};

bool isRetryable(const RetryPolicy& policy, const RetryHistory& history, const RetryQuestion& question);

struct RetryTiming
{
    bool bodyCanReplay = true;
    double unitRandom = 0.0; // in [0, 1), for the backoff's jitter
    std::optional<std::chrono::milliseconds> serverDelay; // the answer's Retry-After, when it has one
    qint64 elapsedMs = 0; // since the request started
};

RetryDecision decideRetry(const RetryPolicy& policy,
                          const RetryHistory& history,
                          const RetryQuestion& question,
                          const RetryTiming& timing);

// Where a 3xx leads, if anywhere.
struct RedirectQuestion
{
    int status = 0;
    bool manualPolicy = false; // the caller (or the manager's owner) handles redirects itself
    QUrl from;
    QUrl location; // the answer's Location, possibly relative; empty without one
    int redirectsSoFar = 0;
    int maxRedirects = 10;
    QNetworkAccessManager::Operation operation = QNetworkAccessManager::GetOperation;
};

struct RedirectDecision
{
    enum class Kind {
        NotFollowed, // the 3xx is the caller's answer
        Follow,
        TooMany, // refused: more than maxRedirects
        UnsupportedScheme, // refused: not http or https
        InsecureDowngrade, // refused: from https to http
    };
    Kind kind = Kind::NotFollowed;
    QUrl to; // resolved against `from`
    bool dropCredentials = false; // another origin: Authorization, Cookie, Proxy-Authorization stay behind
    bool becomesGet = false; // a POST after 301/302, or anything but HEAD after 303: a GET without body

    // Followed or refused, a redirect counts against maxRedirects.
    bool counts() const { return kind != Kind::NotFollowed; }
};

RedirectDecision decideRedirect(const RedirectQuestion& question);

} // namespace nullify
