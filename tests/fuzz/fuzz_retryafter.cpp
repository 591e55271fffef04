// libFuzzer target: the Retry-After header and the HTTP-date parser (network/retryafter.*).
//
// Input: the Retry-After value, optionally followed by a NUL and the response's Date header (the
// clock a date-valued Retry-After is measured against). Both come straight from a server.

#include "fuzzsupport.h"
#include "retryafter.h"
#include "utctime.h"

#include <QDate>
#include <QDateTime>
#include <QLocale>
#include <QTime>
#include <QTimeZone>

#include <array>
#include <chrono>

using namespace nullify;

namespace {

// "Now" for the two-digit RFC 850 years and for delay(): the RFC's own example day, today-ish, the
// last second before the 50-year window moves a century, the first day QDate's proleptic calendar
// has a year for, and one not in UTC. Fixed, so a crash file replays the same way tomorrow.
const std::array<QDateTime, 5>& references()
{
    static const std::array<QDateTime, 5> values {
        nullify::utcDateTime(QDate(1994, 11, 6), QTime(8, 49, 37)),
        nullify::utcDateTime(QDate(2025, 6, 1), QTime(12, 0)),
        nullify::utcDateTime(QDate(2049, 12, 31), QTime(23, 59, 59)),
        nullify::utcDateTime(QDate(1, 1, 1), QTime(0, 0)),
        QDateTime(QDate(2030, 3, 1), QTime(1, 30), QTimeZone(-12 * 3600)),
    };
    return values;
}

// The IMF-fixdate spelling of a parsed instant (the form servers should send).
QByteArray imfFixdate(const QDateTime& utc)
{
    return QLocale::c().toString(utc, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")).toLatin1();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    fuzz::silenceQtMessages();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray input = fuzz::bytesOf(data, size);
    const qsizetype nul = input.indexOf('\0');
    const QByteArrayView retryAfter = nul < 0 ? QByteArrayView(input) : QByteArrayView(input).first(nul);
    const QByteArrayView date = nul < 0 ? QByteArrayView() : QByteArrayView(input).sliced(nul + 1);

    for (const QDateTime& reference : references()) {
        for (const QByteArrayView text : {retryAfter, date}) {
            const std::optional<QDateTime> parsed = RetryAfter::parseHttpDate(text, reference);
            if (!parsed)
                continue;
            // A date is always a real UTC instant with a four-digit year...
            NULLIFY_FUZZ_CHECK(parsed->isValid());
            NULLIFY_FUZZ_CHECK(parsed->timeSpec() == Qt::UTC);
            NULLIFY_FUZZ_CHECK(parsed->date().year() >= 1 && parsed->date().year() <= 9999);
            // ...that reads back as itself when written the way RFC 9110 prefers.
            const std::optional<QDateTime> again = RetryAfter::parseHttpDate(imfFixdate(*parsed), reference);
            NULLIFY_FUZZ_CHECK(again && *again == *parsed);
        }

        const auto wait = RetryAfter::delay(retryAfter, date, reference);
        if (wait) {
            // Never negative, never past the plausible maximum: the retry layer sleeps this long.
            NULLIFY_FUZZ_CHECK(wait->count() >= 0);
            NULLIFY_FUZZ_CHECK(*wait <= RetryAfter::kPlausibleMaximum);
        }
    }
    return 0;
}
