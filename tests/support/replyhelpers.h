#pragma once

#include "retrypolicy.h"

#include <QNetworkReply>

#include <chrono>

namespace nullify::test {

// A policy for tests that are about which attempts happen, not about how long they wait: tiny
// fixed backoff (no jitter), so a test with three retries still finishes in well under a second.
RetryPolicy fastRetryPolicy(std::chrono::milliseconds initialBackoff = std::chrono::milliseconds(10));

// Spins the event loop until reply has finished, has been destroyed or timeout has passed.
// Returns true when the reply finished (it may have been deleted right after, by auto-delete).
bool waitForFinished(QNetworkReply* reply, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// How many attempts a finished RetryingReply made (its ReplyAttribute::AttemptCount).
int attemptCount(const QNetworkReply* reply);

} // namespace nullify::test
