#pragma once

#include <QByteArrayView>
#include <QDateTime>

#include <chrono>
#include <optional>

namespace nullify::RetryAfter {

// Parses the three HTTP-date forms of RFC 9110 section 5.6.7: IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"), obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and
// asctime ("Sun Nov  6 08:49:37 1994"). Returns a UTC QDateTime, or nothing when malformed.
std::optional<QDateTime> parseHttpDate(QByteArrayView text);

// The same, with the instant that an RFC 850 two-digit year is resolved against (the one-argument
// form uses the current time): a year more than 50 years after `reference` is taken as the
// previous century. Lets tests, and delay(), use one consistent clock.
std::optional<QDateTime> parseHttpDate(QByteArrayView text, const QDateTime& reference);

// How long a Retry-After header asks to wait, measured from `now`. A date is measured against
// the response's Date header when that parses (so a wrong local clock does not matter), else
// against `now`. A date in the past gives zero. Malformed or implausible values (negative,
// fractional, units, overflowing digits, more than a week away, year 9999) give nothing.
std::optional<std::chrono::milliseconds>
delay(QByteArrayView retryAfter, QByteArrayView responseDate, const QDateTime& now);

// The longest wait a Retry-After may plausibly ask for; beyond it the value counts as malformed.
constexpr std::chrono::hours kPlausibleMaximum {24 * 7};

} // namespace nullify::RetryAfter
