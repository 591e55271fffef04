#include "retryafter.h"

#include "utctime.h"

#include <QDate>
#include <QTime>

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>

namespace nullify::RetryAfter {

namespace {

// RFC 9110 names are case-sensitive ("HTTP-date is case sensitive", section 5.6.7), so every
// comparison below is byte-exact; a lowercase month is malformed, not a variant.
constexpr std::array<const char*, 7> kShortDays {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<const char*, 7> kLongDays {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<const char*, 12> kMonths {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool isSpaceOrTab(char c)
{
    // Header values may arrive with surrounding OWS; CR/LF are accepted too so that a value
    // copied with its line ending still parses.
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

QByteArrayView trimmed(QByteArrayView text)
{
    qsizetype begin = 0;
    qsizetype end = text.size();
    while (begin < end && isSpaceOrTab(text[begin]))
        ++begin;
    while (end > begin && isSpaceOrTab(text[end - 1]))
        --end;
    return text.sliced(begin, end - begin);
}

// A tiny cursor over the input: every method checks bounds so that no input can read past the end.
class Cursor
{
public:
    explicit Cursor(QByteArrayView text)
        : m_text(text)
    { }

    bool atEnd() const { return m_pos == m_text.size(); }

    bool literal(const char* expected)
    {
        qsizetype i = 0;
        for (; expected[i] != '\0'; ++i) {
            if (m_pos + i >= m_text.size() || m_text[m_pos + i] != expected[i])
                return false;
        }
        m_pos += i;
        return true;
    }

    bool character(char c)
    {
        if (m_pos >= m_text.size() || m_text[m_pos] != c)
            return false;
        ++m_pos;
        return true;
    }

    // Exactly `count` digits (count <= 4, so the value cannot overflow).
    std::optional<int> digits(int count)
    {
        if (m_pos + count > m_text.size())
            return std::nullopt;
        int value = 0;
        for (int i = 0; i < count; ++i) {
            const char c = m_text[m_pos + i];
            if (!isDigit(c))
                return std::nullopt;
            value = value * 10 + (c - '0');
        }
        m_pos += count;
        return value;
    }

    // Index of the name in `names` that matches at the cursor, consuming it.
    template <std::size_t N> std::optional<int> oneOf(const std::array<const char*, N>& names)
    {
        for (std::size_t i = 0; i < N; ++i) {
            if (literal(names[i]))
                return static_cast<int>(i);
        }
        return std::nullopt;
    }

private:
    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

struct Fields
{
    int weekday = 0; // 0 = Monday, matching the index into kShortDays / kLongDays
    int day = 0;
    int month = 0; // 1-12
    int year = 0;
    bool twoDigitYear = false;
    int hour = 0;
    int minute = 0;
    int second = 0;
};

// time-of-day = hour ":" minute ":" second, each exactly two digits; ranges are checked later.
bool readTime(Cursor& in, Fields& f)
{
    const auto h = in.digits(2);
    if (!h || !in.character(':'))
        return false;
    const auto m = in.digits(2);
    if (!m || !in.character(':'))
        return false;
    const auto s = in.digits(2);
    if (!s)
        return false;
    f.hour = *h;
    f.minute = *m;
    f.second = *s;
    return true;
}

bool readMonth(Cursor& in, Fields& f)
{
    const auto m = in.oneOf(kMonths);
    if (!m)
        return false;
    f.month = *m + 1;
    return true;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
bool readImfFixdate(QByteArrayView text, Fields& f)
{
    Cursor in(text);
    const auto wd = in.oneOf(kShortDays);
    if (!wd || !in.literal(", "))
        return false;
    const auto day = in.digits(2);
    if (!day || !in.character(' ') || !readMonth(in, f) || !in.character(' '))
        return false;
    const auto year = in.digits(4);
    if (!year || !in.character(' ') || !readTime(in, f) || !in.literal(" GMT") || !in.atEnd())
        return false;
    f.weekday = *wd;
    f.day = *day;
    f.year = *year;
    return true;
}

// Obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
bool readRfc850(QByteArrayView text, Fields& f)
{
    Cursor in(text);
    const auto wd = in.oneOf(kLongDays);
    if (!wd || !in.literal(", "))
        return false;
    const auto day = in.digits(2);
    if (!day || !in.character('-') || !readMonth(in, f) || !in.character('-'))
        return false;
    const auto year = in.digits(2);
    if (!year || !in.character(' ') || !readTime(in, f) || !in.literal(" GMT") || !in.atEnd())
        return false;
    f.weekday = *wd;
    f.day = *day;
    f.year = *year;
    f.twoDigitYear = true;
    return true;
}

// asctime: "Sun Nov  6 08:49:37 1994". The year comes last and there is no zone: it is GMT.
bool readAsctime(QByteArrayView text, Fields& f)
{
    Cursor in(text);
    const auto wd = in.oneOf(kShortDays);
    if (!wd || !in.character(' ') || !readMonth(in, f) || !in.character(' '))
        return false;
    // date3 = month SP ( 2DIGIT / ( SP DIGIT ) ): "Nov  6" and "Nov 16"; "Nov 06" is also
    // grammatical. "Nov 6" (single space, single digit) is not.
    const std::optional<int> day = in.character(' ') ? in.digits(1) : in.digits(2);
    if (!day || !in.character(' ') || !readTime(in, f) || !in.character(' '))
        return false;
    const auto year = in.digits(4);
    if (!year || !in.atEnd())
        return false;
    f.weekday = *wd;
    f.day = *day;
    f.year = *year;
    return true;
}

bool isLeapYear(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(int year, int month)
{
    static constexpr std::array<int, 12> kDays {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && isLeapYear(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

std::optional<QDateTime> build(const Fields& f, int year)
{
    // Year 0 does not exist in QDate's calendar, and RFC 5322 dates start at 1900 anyway.
    if (year < 1 || f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysInMonth(year, f.month))
        return std::nullopt;
    if (f.hour > 23 || f.minute > 59 || f.second > 60)
        return std::nullopt;
    // A leap second (":60") is legal in HTTP-date but QTime cannot hold it; 59 is off by at most
    // one second, which is far below the precision anyone retries with.
    const int second = f.second == 60 ? 59 : f.second;
    const QDate date(year, f.month, f.day);
    // A weekday that contradicts the date means the value is corrupt in a way we cannot repair
    // (we do not know which half is wrong), so it is rejected rather than silently trusted.
    if (!date.isValid() || date.dayOfWeek() != f.weekday + 1)
        return std::nullopt;
    return utcDateTime(date, QTime(f.hour, f.minute, second));
}

std::optional<QDateTime> parseWithReference(QByteArrayView raw, const QDateTime& reference)
{
    const QByteArrayView text = trimmed(raw);
    Fields f;
    // The three forms are told apart by what follows the day name: "," right after three letters
    // is IMF-fixdate, a comma later is RFC 850, no comma at all is asctime.
    const bool parsed = (text.size() > 3 && text[3] == ',') ? readImfFixdate(text, f)
        : text.contains(',')                                ? readRfc850(text, f)
                                                            : readAsctime(text, f);
    if (!parsed)
        return std::nullopt;
    if (!f.twoDigitYear)
        return build(f, f.year);

    // RFC 9110 section 5.6.7: a two-digit year that would be more than 50 years in the future is
    // the most recent matching year in the past. The window is measured on the full timestamp,
    // not just the year: take the latest candidate that is at most 50 years after the reference.
    // Candidates are compared as field tuples, so a 29 February in a non-leap candidate year
    // still lands in the right century and is then rejected by build().
    const QDateTime ref = reference.isValid() ? reference.toUTC() : QDateTime::currentDateTimeUtc();
    const QDateTime limit = ref.addYears(50);
    const auto limitFields = std::make_tuple(limit.date().year(),
                                             limit.date().month(),
                                             limit.date().day(),
                                             limit.time().hour(),
                                             limit.time().minute(),
                                             limit.time().second());
    const int refYear = ref.date().year();
    const int century = refYear - ((refYear % 100) + 100) % 100;
    for (const int year : {century + 100 + f.year, century + f.year, century - 100 + f.year}) {
        if (std::make_tuple(year, f.month, f.day, f.hour, f.minute, f.second) <= limitFields)
            return build(f, year);
    }
    return std::nullopt;
}

} // namespace

std::optional<QDateTime> parseHttpDate(QByteArrayView text)
{
    return parseWithReference(text, QDateTime::currentDateTimeUtc());
}

std::optional<QDateTime> parseHttpDate(QByteArrayView text, const QDateTime& reference)
{
    return parseWithReference(text, reference);
}

std::optional<std::chrono::milliseconds>
delay(QByteArrayView retryAfter, QByteArrayView responseDate, const QDateTime& now)
{
    using namespace std::chrono;
    const QByteArrayView value = trimmed(retryAfter);
    if (value.isEmpty())
        return std::nullopt;

    constexpr std::int64_t maxSeconds = duration_cast<seconds>(kPlausibleMaximum).count();

    // delta-seconds = 1*DIGIT. No sign, no fraction, no unit. Accumulation stops as soon as the
    // value passes the plausible maximum, so any number of digits is safe.
    bool allDigits = true;
    for (const char c : value) {
        if (!isDigit(c)) {
            allDigits = false;
            break;
        }
    }
    if (allDigits) {
        std::int64_t secs = 0;
        for (const char c : value) {
            secs = secs * 10 + (c - '0');
            if (secs > maxSeconds)
                return std::nullopt;
        }
        return duration_cast<milliseconds>(seconds(secs));
    }

    const QDateTime current = now.isValid() ? now.toUTC() : QDateTime::currentDateTimeUtc();
    const std::optional<QDateTime> until = parseWithReference(value, current);
    if (!until)
        return std::nullopt;
    // The server's own Date is the clock the Retry-After date was written against; using it
    // cancels out any skew of the local clock. Without a usable Date we have only our clock.
    const std::optional<QDateTime> serverNow = parseWithReference(responseDate, current);
    const QDateTime base = serverNow ? *serverNow : current;
    const qint64 ms = base.msecsTo(*until);
    if (ms <= 0)
        return milliseconds(0);
    if (ms > duration_cast<milliseconds>(kPlausibleMaximum).count())
        return std::nullopt;
    return milliseconds(ms);
}

} // namespace nullify::RetryAfter
