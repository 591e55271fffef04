// Retry behaviour of nullify::NetworkAccessManager over real loopback sockets: which status and
// method combinations retry, Retry-After in all its forms, the cap, the deadline, per-attempt
// timeouts, transport failures, the per-host retry budget, connection reuse and the UI signals.
// Every test checks what the scripted server received as well as what the caller saw.

#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "ports.h"
#include "replyhelpers.h"
#include "retryinfo.h"
#include "retryingreply.h"
#include "retrypolicy.h"
#include "scriptedhttpserver.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QLocale>
#include <QLoggingCategory>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QtTest>

#include <chrono>
#include <memory>
#include <vector>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::RetryInfo;
using nullify::RetryingReply;
using nullify::RetryPolicy;
using nullify::toAttribute;
using nullify::test::attemptCount;
using nullify::test::closedPort;
using nullify::test::fastRetryPolicy;
using nullify::test::RecordedRequest;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::waitForFinished;
namespace RequestAttribute = nullify::RequestAttribute;
namespace ReplyAttribute = nullify::ReplyAttribute;

namespace {

const QByteArray kBody = QByteArrayLiteral("{\"scan\":\"repo-42\",\"autofix\":true}");

bool methodHasBody(const QByteArray& verb)
{
    return verb == "PUT" || verb == "POST" || verb == "PATCH";
}

// Sends `verb` the way an application would: the dedicated QNetworkAccessManager call where one
// exists, sendCustomRequest() otherwise.
QNetworkReply* send(QNetworkAccessManager& nam, const QByteArray& verb, QNetworkRequest request, const QByteArray& body)
{
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (verb == "GET")
        return nam.get(request);
    if (verb == "HEAD")
        return nam.head(request);
    if (verb == "DELETE")
        return nam.deleteResource(request);
    if (verb == "PUT")
        return nam.put(request, body);
    if (verb == "POST")
        return nam.post(request, body);
    if (body.isEmpty())
        return nam.sendCustomRequest(request, verb);
    return nam.sendCustomRequest(request, verb, body);
}

// Records what one reply emitted. A QObject so that its connections die with it, whatever state
// the reply is left in by a failing test.
class ReplyWatcher : public QObject
{
public:
    explicit ReplyWatcher(QNetworkReply* reply)
    {
        retrying = qobject_cast<RetryingReply*>(reply);
        if (retrying) {
            connect(retrying, &RetryingReply::attemptStarted, this, [this](int attempt) {
                attempts.append(attempt);
                events.append(QStringLiteral("start %1").arg(attempt));
            });
            connect(retrying, &RetryingReply::retryScheduled, this, [this](const RetryInfo& info) {
                retries.append(info);
                retryEmittedAt.append(QDateTime::currentDateTimeUtc());
                events.append(QStringLiteral("retry %1 %2").arg(info.nextAttempt).arg(info.reason));
            });
        }
        connect(reply, &QNetworkReply::finished, this, [this] {
            ++finished;
            events.append(QStringLiteral("finished"));
        });
        connect(reply, &QNetworkReply::errorOccurred, this, [this] { ++errors; });
    }

    RetryingReply* retrying = nullptr;
    QList<int> attempts;
    QList<RetryInfo> retries;
    QList<QDateTime> retryEmittedAt;
    QStringList events;
    int finished = 0;
    int errors = 0;
};

int httpStatus(const QNetworkReply* reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

// The three HTTP-date forms of RFC 9110 section 5.6.7, always in English whatever the locale.
QByteArray imfFixdate(const QDateTime& t)
{
    return QLocale::c().toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")).toLatin1();
}

QByteArray rfc850Date(const QDateTime& t)
{
    return QLocale::c().toString(t.toUTC(), QStringLiteral("dddd, dd-MMM-yy hh:mm:ss 'GMT'")).toLatin1();
}

QByteArray asctimeDate(const QDateTime& t)
{
    const QDateTime utc = t.toUTC();
    // asctime pads the day of the month with a space, not a zero: "Sun Nov  6 08:49:37 1994".
    const QString day = QStringLiteral("%1").arg(utc.date().day(), 2, 10, QLatin1Char(' '));
    return (QLocale::c().toString(utc, QStringLiteral("ddd MMM ")) + day
            + QLocale::c().toString(utc, QStringLiteral(" hh:mm:ss yyyy")))
        .toLatin1();
}

enum class DateForm { Delta, Imf, Rfc850, Asctime, Raw };

QByteArray formatRetryAfter(DateForm form, const QDateTime& at)
{
    switch (form) {
    case DateForm::Imf:
        return imfFixdate(at);
    case DateForm::Rfc850:
        return rfc850Date(at);
    case DateForm::Asctime:
        return asctimeDate(at);
    case DateForm::Delta:
    case DateForm::Raw:
        break;
    }
    return {};
}

QByteArray patterned(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char('a' + (i * 7 + i / 251) % 26);
    return data;
}

} // namespace

Q_DECLARE_METATYPE(DateForm)

class tst_Retries : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void statusMethodTable_data();
    void statusMethodTable();
    void recoversAfterTwo503s();
    void retries429PostWithIdenticalBody();
    void retryAfterForms_data();
    void retryAfterForms();
    void retryAfterAboveCap_data();
    void retryAfterAboveCap();
    void deadlineLimitsRetryAfterWaits();
    void deadlineEndsStallingRequestAsTimeout();
    void attemptTimeoutRetriesGet();
    void attemptTimeoutDoesNotRetrySentPost();
    void closeBeforeResponse_data();
    void closeBeforeResponse();
    void staleKeepAliveGetSucceeds();
    void connectionRefusedPostIsRetried();
    void resetMidBodyGetIsRetried();
    void retryBudgetThrottlesAndRefills();
    void productiveRetriesAreNeverRefused();
    void hundredSequentialRetriesShareOneConnection();
    void errorBodyDrainedOrAborted_data();
    void errorBodyDrainedOrAborted();
    void signalsForTheUi_data();
    void signalsForTheUi();

private:
    QNetworkRequest request(const QString& path, bool markedIdempotent = false) const;

    std::unique_ptr<ScriptedHttpServer> m_server;
    std::unique_ptr<NetworkAccessManager> m_nam;
};

void tst_Retries::initTestCase()
{
    // Each retry is logged at info level; hundreds of them would bury the test output.
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.info=false"));
}

void tst_Retries::init()
{
    m_server = std::make_unique<ScriptedHttpServer>();
    QVERIFY(m_server->listen());
    m_nam = std::make_unique<NetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy); // an http_proxy in the environment must not matter
    m_nam->setRetryPolicy(fastRetryPolicy());
}

void tst_Retries::cleanup()
{
    // Replies are children of the manager; they go first so nothing talks to a dead server.
    m_nam.reset();
    m_server.reset();
}

QNetworkRequest tst_Retries::request(const QString& path, bool markedIdempotent) const
{
    QNetworkRequest req(m_server->url(path));
    if (markedIdempotent)
        req.setAttribute(toAttribute(RequestAttribute::MarkedIdempotent), true);
    return req;
}

// ---------------------------------------------------------------------------------------------
// 1. status x method

void tst_Retries::statusMethodTable_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("marked");
    QTest::addColumn<bool>("retryable");
    QTest::addColumn<int>("expectedError");

    // The error Qt gives each status; the reply must pass the final attempt's error through.
    const QList<QPair<int, QNetworkReply::NetworkError>> statuses {
        {200, QNetworkReply::NoError},
        {400, QNetworkReply::ProtocolInvalidOperationError},
        {401, QNetworkReply::AuthenticationRequiredError},
        {404, QNetworkReply::ContentNotFoundError},
        {408, QNetworkReply::UnknownContentError},
        {429, QNetworkReply::UnknownContentError},
        {500, QNetworkReply::InternalServerError},
        {501, QNetworkReply::OperationNotImplementedError},
        {502, QNetworkReply::UnknownServerError},
        {503, QNetworkReply::ServiceUnavailableError},
        {504, QNetworkReply::UnknownServerError},
    };
    const QList<QPair<QByteArray, bool>> methods {
        {"GET", false},
        {"HEAD", false},
        {"PUT", false},
        {"DELETE", false},
        {"OPTIONS", false},
        {"TRACE", false},
        {"POST", false},
        {"PATCH", false},
        {"POST", true},
        {"PATCH", true},
    };
    const QList<QByteArray> idempotent {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    for (const auto& [status, error] : statuses) {
        for (const auto& [verb, marked] : methods) {
            const bool busy = status == 500 || status == 502 || status == 503 || status == 504;
            const bool retryable = status == 429 || (busy && (marked || idempotent.contains(verb)));
            const QByteArray name = QByteArray::number(status) + ' ' + verb + (marked ? " marked" : "");
            QTest::newRow(name.constData()) << status << verb << marked << retryable << int(error);
        }
    }
}

void tst_Retries::statusMethodTable()
{
    QFETCH(int, status);
    QFETCH(QByteArray, verb);
    QFETCH(bool, marked);
    QFETCH(bool, retryable);
    QFETCH(int, expectedError);

    m_nam->setRetryPolicy(fastRetryPolicy(5ms));
    // Every attempt gets the same status; the body names the attempt so the test can tell which
    // attempt's body the caller ended up with.
    m_server->setFallback([this, status](const RecordedRequest&) {
        return ScriptedResponse::status(status, "attempt " + QByteArray::number(m_server->requestCount()));
    });

    const QByteArray body = methodHasBody(verb) ? kBody : QByteArray();
    QNetworkReply* reply = send(*m_nam, verb, request(QStringLiteral("/v1/scans"), marked), body);
    ReplyWatcher watch(reply);
    QVERIFY(watch.retrying);
    QVERIFY(waitForFinished(reply));

    const int expectedAttempts = retryable ? 4 : 1;
    const auto requests = m_server->requests();
    QCOMPARE(requests.size(), expectedAttempts);
    for (const auto& seen : requests) {
        QCOMPARE(seen.method, verb);
        QCOMPARE(seen.path, QStringLiteral("/v1/scans"));
        QCOMPARE(seen.body, body); // a replay carries the same bytes
        QVERIFY(!seen.hasHeader("Authorization")); // no token provider, no token
    }

    QCOMPARE(httpStatus(reply), status);
    QCOMPARE(int(reply->error()), expectedError);
    // The class of the error follows the status: none, content (4xx) or server (5xx).
    const int error = int(reply->error());
    if (status < 400)
        QCOMPARE(error, int(QNetworkReply::NoError));
    else if (status == 400)
        QVERIFY(error >= QNetworkReply::ProtocolUnknownError && error <= QNetworkReply::ProtocolFailure);
    else if (status < 500)
        QVERIFY(error >= QNetworkReply::ContentAccessDenied && error <= QNetworkReply::UnknownContentError);
    else
        QVERIFY(error >= QNetworkReply::InternalServerError && error <= QNetworkReply::UnknownServerError);

    QCOMPARE(attemptCount(reply), expectedAttempts);
    QCOMPARE(watch.attempts.size(), expectedAttempts);
    QCOMPARE(watch.retries.size(), expectedAttempts - 1);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, status >= 400 ? 1 : 0);
    if (verb != "HEAD")
        QCOMPARE(reply->readAll(), "attempt " + QByteArray::number(expectedAttempts));
}

// ---------------------------------------------------------------------------------------------
// 2. recovery

void tst_Retries::recoversAfterTwo503s()
{
    const QString path = QStringLiteral("/v1/findings");
    m_server->enqueue("GET", path, ScriptedResponse::status(503, "busy one"));
    m_server->enqueue("GET", path, ScriptedResponse::status(503, "busy two"));
    m_server->enqueue("GET", path, ScriptedResponse::json(200, "{\"findings\":[1,2,3]}"));

    QNetworkReply* reply = m_nam->get(request(path));
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply));

    QCOMPARE(m_server->requestCount("GET", path), 3);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(httpStatus(reply), 200);
    QCOMPARE(reply->header(QNetworkRequest::ContentTypeHeader).toString(), QStringLiteral("application/json"));
    QCOMPARE(reply->readAll(), QByteArrayLiteral("{\"findings\":[1,2,3]}"));
    QCOMPARE(attemptCount(reply), 3);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 0);
}

void tst_Retries::retries429PostWithIdenticalBody()
{
    const QString path = QStringLiteral("/v1/scans");
    m_server->enqueue("POST", path, ScriptedResponse::status(429, "slow down"));
    m_server->enqueue("POST", path, ScriptedResponse::json(201, "{\"id\":7}"));

    QNetworkReply* reply = send(*m_nam, "POST", request(path), kBody);
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply));

    const auto requests = m_server->requests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.at(0).method, QByteArrayLiteral("POST"));
    QCOMPARE(requests.at(1).method, QByteArrayLiteral("POST"));
    QCOMPARE(requests.at(0).body, kBody);
    QCOMPARE(requests.at(1).body, kBody);
    QCOMPARE(requests.at(1).bodySha256, requests.at(0).bodySha256);
    QCOMPARE(requests.at(1).header("Content-Length"), QByteArray::number(kBody.size()));
    QCOMPARE(httpStatus(reply), 201);
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("{\"id\":7}"));
    QCOMPARE(attemptCount(reply), 2);
    QCOMPARE(watch.retries.size(), 1);
    QCOMPARE(watch.retries.at(0).httpStatus, 429);
}

// ---------------------------------------------------------------------------------------------
// 3. Retry-After in every form

void tst_Retries::retryAfterForms_data()
{
    QTest::addColumn<DateForm>("form");
    QTest::addColumn<QByteArray>("raw"); // the value for DateForm::Delta and DateForm::Raw
    QTest::addColumn<bool>("sendDate"); // false: the Date header is empty, so only the local clock is left
    QTest::addColumn<int>("skewSeconds"); // how far the server's Date is from the local clock
    QTest::addColumn<int>("aheadSeconds"); // a date Retry-After this far after the server's now
    QTest::addColumn<int>("minDelayMs");
    QTest::addColumn<int>("maxDelayMs");
    QTest::addColumn<bool>("fromRetryAfter");
    QTest::addColumn<bool>("waitForReal"); // false: retryNow() once the RetryInfo is checked

    const int backoff = 50; // the policy's first backoff; jitter is off
    // A date exactly one second after a skewed Date must wait exactly one second: the local clock,
    // an hour off from the server's, must not matter.
    for (const int skew : {3600, -3600}) {
        const QByteArray sign = skew > 0 ? "+1h" : "-1h";
        QTest::newRow(("delta 1, Date " + sign).constData())
            << DateForm::Delta << QByteArray("1") << true << skew << 0 << 1000 << 1000 << true << (skew > 0);
        QTest::newRow(("IMF-fixdate, Date " + sign).constData())
            << DateForm::Imf << QByteArray() << true << skew << 1 << 1000 << 1000 << true << (skew < 0);
        QTest::newRow(("RFC 850, Date " + sign).constData())
            << DateForm::Rfc850 << QByteArray() << true << skew << 1 << 1000 << 1000 << true << false;
        QTest::newRow(("asctime, Date " + sign).constData())
            << DateForm::Asctime << QByteArray() << true << skew << 1 << 1000 << 1000 << true << false;
    }
    // Without a usable Date the local clock is the reference; a date two seconds ahead, written
    // with whole seconds, is between one and two seconds away.
    QTest::newRow("delta 1, no Date") << DateForm::Delta << QByteArray("1") << false << 0 << 0 << 1000 << 1000 << true
                                      << false;
    QTest::newRow("IMF-fixdate, no Date")
        << DateForm::Imf << QByteArray() << false << 0 << 2 << 900 << 2000 << true << false;
    QTest::newRow("RFC 850, no Date") << DateForm::Rfc850 << QByteArray() << false << 0 << 2 << 900 << 2000 << true
                                      << false;
    QTest::newRow("asctime, no Date") << DateForm::Asctime << QByteArray() << false << 0 << 2 << 900 << 2000 << true
                                      << false;
    QTest::newRow("delta 2, server's own Date")
        << DateForm::Delta << QByteArray("2") << true << 0 << 0 << 2000 << 2000 << true << false;

    // A date in the past asks for no wait: the computed backoff applies, never zero.
    QTest::newRow("past date, Date -1h") << DateForm::Imf << QByteArray() << true << -3600 << -30 << backoff << backoff
                                         << false << false;
    QTest::newRow("past date, no Date") << DateForm::Imf << QByteArray() << false << 0 << -30 << backoff << backoff
                                        << false << false;
    QTest::newRow("zero") << DateForm::Delta << QByteArray("0") << true << 0 << 0 << backoff << backoff << false
                          << false;

    // Malformed values fall back to the computed backoff and are never an error.
    const QList<QByteArray> malformed {
        "abc",
        "-5",
        "1m0s",
        "0.493",
        "123456789012345678901234567890",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "",
    };
    for (const QByteArray& value : malformed) {
        QTest::newRow(("malformed '" + value + "'").constData())
            << DateForm::Raw << value << true << 0 << 0 << backoff << backoff << false << false;
    }
}

void tst_Retries::retryAfterForms()
{
    QFETCH(DateForm, form);
    QFETCH(QByteArray, raw);
    QFETCH(bool, sendDate);
    QFETCH(int, skewSeconds);
    QFETCH(int, aheadSeconds);
    QFETCH(int, minDelayMs);
    QFETCH(int, maxDelayMs);
    QFETCH(bool, fromRetryAfter);
    QFETCH(bool, waitForReal);

    RetryPolicy policy = fastRetryPolicy(50ms);
    m_nam->setRetryPolicy(policy);

    const QString path = QStringLiteral("/v1/status");
    QByteArray sentRetryAfter;
    QByteArray sentDate;
    // The headers are written when the server answers, so "now" is the server's now.
    m_server->setFallback([&](const RecordedRequest&) {
        if (m_server->requestCount() > 1)
            return ScriptedResponse::status(200, "recovered");
        const QDateTime serverNow = QDateTime::currentDateTimeUtc().addSecs(skewSeconds);
        sentRetryAfter = (form == DateForm::Delta || form == DateForm::Raw)
            ? raw
            : formatRetryAfter(form, serverNow.addSecs(aheadSeconds));
        // The scripted server adds its own Date when the script has none; an empty value is
        // the closest to "no Date" that reaches the client, and it does not parse.
        sentDate = sendDate ? imfFixdate(serverNow) : QByteArray();
        return ScriptedResponse::status(503, "busy").header("Retry-After", sentRetryAfter).header("Date", sentDate);
    });

    QNetworkReply* reply = m_nam->get(request(path));
    ReplyWatcher watch(reply);
    QTRY_COMPARE_WITH_TIMEOUT(watch.retries.size(), 1, 5000);
    QCOMPARE(watch.finished, 0);
    QCOMPARE(m_server->requestCount(), 1);

    const RetryInfo info = watch.retries.first();
    const qint64 delay = info.delay.count();
    QVERIFY2(delay >= minDelayMs && delay <= maxDelayMs,
             qPrintable(QStringLiteral("delay %1 ms not in [%2, %3] for Retry-After '%4', Date '%5'")
                            .arg(delay)
                            .arg(minDelayMs)
                            .arg(maxDelayMs)
                            .arg(QString::fromLatin1(sentRetryAfter), QString::fromLatin1(sentDate))));
    QCOMPARE(info.fromRetryAfter, fromRetryAfter);
    QCOMPARE(info.httpStatus, 503);
    QCOMPARE(info.networkError, QNetworkReply::NoError);
    QCOMPARE(info.nextAttempt, 2);
    QCOMPARE(info.reason, QStringLiteral("HTTP 503"));
    QVERIFY(info.dueAt.isValid());
    QCOMPARE(info.dueAt.timeSpec(), Qt::UTC);
    const qint64 dueIn = watch.retryEmittedAt.first().msecsTo(info.dueAt);
    QVERIFY2(qAbs(dueIn - delay) < 250,
             qPrintable(QStringLiteral("dueAt is %1 ms away, delay %2").arg(dueIn).arg(delay)));
    // The reply waits rather than failing.
    QVERIFY(watch.retrying->isWaitingToRetry());

    if (!waitForReal)
        watch.retrying->retryNow();
    QVERIFY(waitForFinished(reply));

    QCOMPARE(m_server->requestCount(), 2); // the retry reached the server
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(httpStatus(reply), 200);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("recovered"));
    QCOMPARE(attemptCount(reply), 2);
    QCOMPARE(watch.retries.size(), 1);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 0);
    if (waitForReal) {
        // The server asked for a pause and got it: no early retry. (Only a lower bound: an upper
        // one belongs in the benchmark on a busy shared machine.)
        const auto requests = m_server->requests();
        const qint64 gap = requests.at(1).receivedAtMs - requests.at(0).receivedAtMs;
        QVERIFY2(gap >= delay - 20, qPrintable(QStringLiteral("retry came %1 ms after the first attempt").arg(gap)));
        QVERIFY(reply->attribute(toAttribute(ReplyAttribute::TotalWaitMs)).toLongLong() >= delay - 20);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Retry-After above the cap

void tst_Retries::retryAfterAboveCap_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("asDate");
    QTest::addColumn<int>("skewSeconds");
    QTest::addColumn<int>("expectedError");

    QTest::newRow("delta 3600, GET 503") << QByteArray("GET") << 503 << false << 0
                                         << int(QNetworkReply::ServiceUnavailableError);
    QTest::newRow("delta 3600, POST 429")
        << QByteArray("POST") << 429 << false << 0 << int(QNetworkReply::UnknownContentError);
    // A date one hour after the server's Date, the server's clock two hours behind or one hour ahead
    // of ours: the server still asks for one hour from now.
    QTest::newRow("date Date+1h, Date -2h")
        << QByteArray("GET") << 503 << true << -7200 << int(QNetworkReply::ServiceUnavailableError);
    QTest::newRow("date Date+1h, Date +1h")
        << QByteArray("GET") << 503 << true << 3600 << int(QNetworkReply::ServiceUnavailableError);
}

void tst_Retries::retryAfterAboveCap()
{
    QFETCH(QByteArray, verb);
    QFETCH(int, status);
    QFETCH(bool, asDate);
    QFETCH(int, skewSeconds);
    QFETCH(int, expectedError);

    m_server->setFallback([&](const RecordedRequest&) {
        const QDateTime serverNow = QDateTime::currentDateTimeUtc().addSecs(skewSeconds);
        return ScriptedResponse::status(status, "come back later")
            .header("Retry-After", asDate ? imfFixdate(serverNow.addSecs(3600)) : QByteArray("3600"))
            .header("Date", imfFixdate(serverNow));
    });

    QElapsedTimer clock;
    clock.start();
    const QDateTime startedAt = QDateTime::currentDateTimeUtc();
    QNetworkReply* reply
        = send(*m_nam, verb, request(QStringLiteral("/v1/scans")), methodHasBody(verb) ? kBody : QByteArray());
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply, 5s));

    QVERIFY2(clock.elapsed() < 3000, "an hour-long Retry-After must end the reply at once, not wait");
    QCOMPARE(m_server->requestCount(), 1);
    QCOMPARE(attemptCount(reply), 1);
    QCOMPARE(watch.retries.size(), 0);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 1);
    QCOMPARE(int(reply->error()), expectedError);
    QCOMPARE(httpStatus(reply), status);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("come back later"));

    const QDateTime until = reply->attribute(toAttribute(ReplyAttribute::RetryAfterUntil)).toDateTime();
    QVERIFY(until.isValid());
    const qint64 fromStart = startedAt.secsTo(until);
    QVERIFY2(fromStart >= 3600 - 60 && fromStart <= 3600 + 60,
             qPrintable(QStringLiteral("RetryAfterUntil is %1 s after the request").arg(fromStart)));
    // The UI must be able to say until when: the message carries the time.
    const QString shown = until.toLocalTime().toString(QStringLiteral("HH:mm"));
    QVERIFY2(reply->errorString().contains(shown), qPrintable(reply->errorString()));
}

// ---------------------------------------------------------------------------------------------
// 5. the request deadline

void tst_Retries::deadlineLimitsRetryAfterWaits()
{
    RetryPolicy policy = fastRetryPolicy();
    policy.deadline = 1500ms;
    m_nam->setRetryPolicy(policy);
    m_server->setFallback(
        [](const RecordedRequest&) { return ScriptedResponse::status(503, "busy").header("Retry-After", "1"); });

    QElapsedTimer clock;
    clock.start();
    QNetworkReply* reply = m_nam->get(request(QStringLiteral("/v1/status")));
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply, 10s));
    const qint64 elapsed = clock.elapsed();

    // One wait of 1 s fits in 1.5 s, a second one does not: it is not even started.
    const auto requests = m_server->requests();
    QVERIFY(!requests.isEmpty());
    QVERIFY2(requests.size() <= 2, qPrintable(QString::number(requests.size())));
    QVERIFY2(elapsed < 2000, qPrintable(QStringLiteral("ended after %1 ms").arg(elapsed)));
    for (const auto& seen : requests)
        QVERIFY(seen.receivedAtMs - requests.first().receivedAtMs <= 1500);
    QCOMPARE(watch.retries.size(), requests.size() - 1);
    for (const RetryInfo& info : std::as_const(watch.retries))
        QVERIFY(info.fromRetryAfter);
    // It ends with the last answer, not with a timeout: the deadline never expired.
    QCOMPARE(httpStatus(reply), 503);
    QCOMPARE(reply->error(), QNetworkReply::ServiceUnavailableError);
    QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::TimedOut)).toBool(), false);
    QCOMPARE(attemptCount(reply), requests.size());
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 1);
    // The wait the server asked for, which the deadline did not allow, is reported.
    QVERIFY(reply->attribute(toAttribute(ReplyAttribute::RetryAfterUntil)).toDateTime().isValid());
}

void tst_Retries::deadlineEndsStallingRequestAsTimeout()
{
    RetryPolicy policy = fastRetryPolicy();
    policy.attemptTimeout = 300ms;
    policy.deadline = 1s;
    m_nam->setRetryPolicy(policy);
    m_server->setFallback([](const RecordedRequest&) { return ScriptedResponse::stall(); });

    QElapsedTimer clock;
    clock.start();
    QNetworkReply* reply = m_nam->get(request(QStringLiteral("/v1/slow")));
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply, 10s));
    const qint64 elapsed = clock.elapsed();

    QCOMPARE(reply->error(), QNetworkReply::TimeoutError); // not OperationCanceledError
    QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::TimedOut)).toBool(), true);
    QVERIFY2(elapsed >= 800 && elapsed < 3000, qPrintable(QStringLiteral("ended after %1 ms").arg(elapsed)));
    // Attempts time out after 300 ms and are retried until the deadline ends it all.
    QVERIFY2(m_server->requestCount() >= 2 && m_server->requestCount() <= 4,
             qPrintable(QString::number(m_server->requestCount())));
    QCOMPARE(attemptCount(reply), m_server->requestCount());
    for (const RetryInfo& info : std::as_const(watch.retries))
        QCOMPARE(info.networkError, QNetworkReply::TimeoutError);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 1);
    QTRY_COMPARE(m_server->openConnectionCount(), 0); // every stalled attempt was given up
}

// ---------------------------------------------------------------------------------------------
// 6. per-attempt timeout

void tst_Retries::attemptTimeoutRetriesGet()
{
    RetryPolicy policy = fastRetryPolicy();
    policy.attemptTimeout = 300ms;
    m_nam->setRetryPolicy(policy);
    const QString path = QStringLiteral("/v1/report");
    m_server->enqueue("GET", path, ScriptedResponse::stall());
    m_server->enqueue("GET", path, ScriptedResponse::status(200, "report"));

    QElapsedTimer clock;
    clock.start();
    QNetworkReply* reply = m_nam->get(request(path));
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply, 10s));

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("report"));
    QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::TimedOut)).toBool(), false);
    QVERIFY(clock.elapsed() >= 250); // the first attempt was given its time
    const auto requests = m_server->requests();
    QCOMPARE(requests.size(), 2);
    QVERIFY(requests.at(1).connectionId != requests.at(0).connectionId); // the stalled one is dead
    QCOMPARE(attemptCount(reply), 2);
    QCOMPARE(watch.retries.size(), 1);
    const RetryInfo info = watch.retries.first();
    QCOMPARE(info.networkError, QNetworkReply::TimeoutError);
    QCOMPARE(info.httpStatus, 0);
    QCOMPARE(info.reason, QStringLiteral("timed out"));
    QCOMPARE(info.nextAttempt, 2);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 0);
}

void tst_Retries::attemptTimeoutDoesNotRetrySentPost()
{
    RetryPolicy policy = fastRetryPolicy();
    policy.attemptTimeout = 300ms;
    m_nam->setRetryPolicy(policy);
    const QString path = QStringLiteral("/v1/scans");
    m_server->enqueue("POST", path, ScriptedResponse::stall());
    m_server->enqueue("POST", path, ScriptedResponse::status(201, "second scan"));

    QNetworkReply* reply = send(*m_nam, "POST", request(path), kBody);
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply, 10s));

    // The server got the POST and may be acting on it: a replay could start a second scan.
    QCOMPARE(m_server->requestCount("POST", path), 1);
    QCOMPARE(m_server->requests().first().body, kBody);
    QCOMPARE(reply->error(), QNetworkReply::TimeoutError);
    QCOMPARE(reply->attribute(toAttribute(ReplyAttribute::TimedOut)).toBool(), true);
    QCOMPARE(attemptCount(reply), 1);
    QCOMPARE(watch.retries.size(), 0);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 1);
    QTRY_COMPARE(m_server->openConnectionCount(), 0);
    QCOMPARE(m_server->requestCount(), 1);
}

// ---------------------------------------------------------------------------------------------
// 7. transport failures

void tst_Retries::closeBeforeResponse_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("marked");
    QTest::addColumn<bool>("reusedConnection");
    QTest::addColumn<bool>("resentByQt");

    // Qt sends a request again by itself when its connection closes before the answer, on a fresh
    // connection and on a reused keep-alive one, whatever the method (tst_qtresendcanary pins
    // this). That is accepted for a request that may run again (curl and Go do the same); a POST or
    // PATCH is never sent again, neither by Qt nor by the retry policy.
    for (const bool reused : {false, true}) {
        const char* connection = reused ? " kept-alive" : " fresh";
        QTest::addRow("GET%s", connection) << QByteArray("GET") << false << reused << true;
        QTest::addRow("HEAD%s", connection) << QByteArray("HEAD") << false << reused << true;
        QTest::addRow("PUT%s", connection) << QByteArray("PUT") << false << reused << true;
        QTest::addRow("DELETE%s", connection) << QByteArray("DELETE") << false << reused << true;
        QTest::addRow("OPTIONS%s", connection) << QByteArray("OPTIONS") << false << reused << true;
        QTest::addRow("POST%s", connection) << QByteArray("POST") << false << reused << false;
        QTest::addRow("PATCH%s", connection) << QByteArray("PATCH") << false << reused << false;
        QTest::addRow("POST marked%s", connection) << QByteArray("POST") << true << reused << true;
    }
}

void tst_Retries::closeBeforeResponse()
{
    QFETCH(QByteArray, verb);
    QFETCH(bool, marked);
    QFETCH(bool, reusedConnection);
    QFETCH(bool, resentByQt);

    if (reusedConnection) {
        m_server->enqueue("GET", QStringLiteral("/v1/warm"), ScriptedResponse::status(200, "warm"));
        std::unique_ptr<QNetworkReply> warm(m_nam->get(request(QStringLiteral("/v1/warm"))));
        QVERIFY(waitForFinished(warm.get()));
        QCOMPARE(warm->error(), QNetworkReply::NoError);
    }
    const QString path = QStringLiteral("/v1/scans");
    m_server->enqueue(verb, path, ScriptedResponse::closeBeforeResponse());
    m_server->enqueue(verb, path, ScriptedResponse::status(200, verb == "HEAD" ? QByteArray() : "done"));

    const QByteArray body = methodHasBody(verb) ? kBody : QByteArray();
    QNetworkReply* reply = send(*m_nam, verb, request(path, marked), body);
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply));
    QTest::qWait(100); // a resend that should not happen would arrive now

    QList<RecordedRequest> requests = m_server->requests();
    requests.removeIf([&](const RecordedRequest& seen) { return seen.path != path; });
    QCOMPARE(requests.size(), resentByQt ? 2 : 1);
    if (reusedConnection)
        QCOMPARE(requests.first().connectionId, m_server->requests().first().connectionId);
    for (const auto& seen : requests) {
        QCOMPARE(seen.method, verb);
        QCOMPARE(seen.body, body); // Qt's resend rewinds the body
    }
    // Qt's own resend is invisible to the reply: one attempt, no retry, no countdown.
    QCOMPARE(attemptCount(reply), 1);
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.retries.size(), 0);
    if (resentByQt) {
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->readAll(), verb == "HEAD" ? QByteArray() : QByteArrayLiteral("done"));
        QCOMPARE(watch.errors, 0);
    } else {
        QCOMPARE(reply->error(), QNetworkReply::RemoteHostClosedError);
        QCOMPARE(watch.errors, 1);
    }
}

void tst_Retries::staleKeepAliveGetSucceeds()
{
    // The server closes an idle keep-alive connection between two GETs, as servers do after their
    // keep-alive timeout. Whether Qt notices before it writes the second GET or only when the
    // connection turns out to be closed (and then sends it again itself), the GET succeeds in one
    // attempt of the reply's: no retry, no countdown, no retry-budget token.
    const QUrl probe = m_server->url(QStringLiteral("/"));
    for (int round = 0; round < 5; ++round) {
        const QString path = QStringLiteral("/v1/repositories/%1").arg(round);
        m_server->enqueue("GET", path, ScriptedResponse::status(200, "first"));
        m_server->enqueue("GET", path, ScriptedResponse::status(200, "second"));
        std::unique_ptr<QNetworkReply> first(m_nam->get(request(path)));
        QVERIFY(waitForFinished(first.get()));
        QCOMPARE(first->error(), QNetworkReply::NoError);

        m_server->closeAllConnections();
        QTRY_COMPARE(m_server->openConnectionCount(), 0);
        std::unique_ptr<QNetworkReply> second(m_nam->get(request(path)));
        ReplyWatcher watch(second.get());
        QVERIFY(waitForFinished(second.get()));
        QCOMPARE(second->error(), QNetworkReply::NoError);
        QCOMPARE(second->readAll(), QByteArrayLiteral("second"));
        QCOMPARE(attemptCount(second.get()), 1);
        QCOMPARE(watch.retries.size(), 0);
        QCOMPARE(m_server->requestCount("GET", path), 2);
    }
    QCOMPARE(m_nam->retryBudgetTokens(probe), m_nam->retryPolicy().budgetCapacity);
}

void tst_Retries::connectionRefusedPostIsRetried()
{
    const quint16 port = closedPort();
    QVERIFY(port != 0);
    QUrl url(QStringLiteral("http://127.0.0.1/v1/scans"));
    url.setPort(port);
    QNetworkRequest req(url);

    QNetworkReply* reply = send(*m_nam, "POST", req, kBody);
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply));

    // Nothing was sent, so even a POST is safe to try again, up to the attempt limit.
    QCOMPARE(reply->error(), QNetworkReply::ConnectionRefusedError);
    QCOMPARE(attemptCount(reply), 4);
    QCOMPARE(watch.attempts, QList<int>({1, 2, 3, 4}));
    QCOMPARE(watch.retries.size(), 3);
    for (const RetryInfo& info : std::as_const(watch.retries)) {
        QCOMPARE(info.networkError, QNetworkReply::ConnectionRefusedError);
        QCOMPARE(info.httpStatus, 0);
        QCOMPARE(info.reason, QStringLiteral("connection refused"));
    }
    QCOMPARE(watch.finished, 1);
    QCOMPARE(watch.errors, 1);
    QCOMPARE(m_server->requestCount(), 0); // nothing went to the wrong place either
}

void tst_Retries::resetMidBodyGetIsRetried()
{
    const QByteArray payload = patterned(256 * 1024);
    // The first request for each path is cut off halfway through its body; any later one gets it all.
    QHash<QString, int> served;
    m_server->setFallback([&](const RecordedRequest& seen) {
        if (served[seen.path]++ == 0)
            return ScriptedResponse::resetMidBody(payload);
        return ScriptedResponse::status(200, payload);
    });

    // Whether Qt reports the cut-off as an error or (Qt 6.4, depending on timing) as a finished
    // reply depends on the order in which the close and the data are noticed, so this runs a few
    // times: every round must end with the whole body.
    for (int round = 0; round < 8; ++round) {
        const QString path = QStringLiteral("/v1/export/%1").arg(round);
        QNetworkReply* reply = m_nam->get(request(path));
        ReplyWatcher watch(reply);
        QVERIFY(waitForFinished(reply));

        const QByteArray received = reply->readAll();
        QVERIFY2(reply->error() == QNetworkReply::NoError && received.size() == payload.size(),
                 qPrintable(QStringLiteral("round %1: error %2 (%3) after %4 attempt(s) with %5 of %6 body bytes")
                                .arg(round)
                                .arg(int(reply->error()))
                                .arg(reply->errorString())
                                .arg(attemptCount(reply))
                                .arg(received.size())
                                .arg(payload.size())));
        QVERIFY(received == payload); // not the half body, not both bodies
        QCOMPARE(httpStatus(reply), 200);
        QCOMPARE(attemptCount(reply), 2);
        QCOMPARE(watch.retries.size(), 1);
        QCOMPARE(watch.retries.first().httpStatus, 0);
        QVERIFY(RetryPolicy::isTransportError(watch.retries.first().networkError));
        QCOMPARE(watch.finished, 1);
        QCOMPARE(watch.errors, 0);
        // The cut-off request and the retry. Qt 6.4 may also send the cut-off GET once more by
        // itself, on a new connection, and still end the attempt with half the body and no error
        // (the answer to its resend never reaches the reply; the truncation check sends the retry).
        // Accepted for a GET, as in closeBeforeResponse; a POST gets no such resend.
        QStringList seen;
        for (const RecordedRequest& request : m_server->requests()) {
            if (request.path == path)
                seen << QStringLiteral("connection %1 at %2 ms").arg(request.connectionId).arg(request.receivedAtMs);
        }
        const int sent = m_server->requestCount("GET", path);
        QVERIFY2(sent == 2 || sent == 3, qPrintable(seen.join(QStringLiteral(", "))));
    }
}

// ---------------------------------------------------------------------------------------------
// 8. retry budget

void tst_Retries::retryBudgetThrottlesAndRefills()
{
    RetryPolicy policy = fastRetryPolicy();
    policy.budgetCapacity = 20;
    policy.budgetRefillPerSuccess = 0.5;
    m_nam->setRetryPolicy(policy);
    bool down = true;
    m_server->setFallback([&down](const RecordedRequest&) {
        return down ? ScriptedResponse::status(503, "down") : ScriptedResponse::status(200, "up");
    });
    QSignalSpy throttled(m_nam.get(), &NetworkAccessManager::hostThrottled);
    // 200 "budget is empty" warnings are the expected outcome here, not news.
    QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.info=false\nnullify.network.retry.warning=false"));
    const auto restoreLogging
        = qScopeGuard([] { QLoggingCategory::setFilterRules(QStringLiteral("nullify.*.info=false")); });
    const QUrl probe = m_server->url(QStringLiteral("/"));
    QCOMPARE(m_nam->retryBudgetTokens(probe), 20.0);

    constexpr int count = 200;
    std::vector<QPointer<QNetworkReply>> replies;
    std::vector<int> finishedCount(count, 0);
    int finishedTotal = 0;
    for (int i = 0; i < count; ++i) {
        QNetworkReply* reply = m_nam->get(request(QStringLiteral("/v1/items/%1").arg(i)));
        connect(reply, &QNetworkReply::finished, this, [&finishedCount, &finishedTotal, i] {
            ++finishedCount[i];
            ++finishedTotal;
        });
        replies.emplace_back(reply);
    }
    QTRY_COMPARE_WITH_TIMEOUT(finishedTotal, count, 30000);

    // The host failing for everyone gets at most the budget's worth of retries, not 3 per request.
    const int seen = m_server->requestCount();
    qInfo("budget script: %d concurrent GETs, always 503: %d requests reached the server (%d without a budget)",
          count,
          seen,
          count * policy.maxAttempts);
    QVERIFY2(seen >= count && seen <= count + 20, qPrintable(QString::number(seen)));
    int attemptsReported = 0;
    for (const auto& reply : replies) {
        QVERIFY(reply);
        QCOMPARE(reply->error(), QNetworkReply::ServiceUnavailableError);
        attemptsReported += attemptCount(reply);
    }
    QCOMPARE(attemptsReported, seen);
    QVERIFY(!throttled.isEmpty());
    QCOMPARE(throttled.first().first().toString(), QStringLiteral("127.0.0.1"));
    QVERIFY(m_nam->retryBudgetTokens(probe) < 1.0);

    // Successes refill the bucket, half a token each, up to its capacity.
    down = false;
    const double before = m_nam->retryBudgetTokens(probe);
    for (int i = 0; i < 10; ++i) {
        QNetworkReply* reply = m_nam->get(request(QStringLiteral("/v1/ok")));
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        reply->deleteLater();
    }
    QCOMPARE(m_nam->retryBudgetTokens(probe), before + 5.0);
    for (int i = 0; i < 50; ++i) {
        QNetworkReply* reply = m_nam->get(request(QStringLiteral("/v1/ok")));
        QVERIFY(waitForFinished(reply));
        reply->deleteLater();
    }
    QCOMPARE(m_nam->retryBudgetTokens(probe), 20.0);

    // With tokens back, a 503 is retried again.
    m_server->clearRecords();
    m_server->enqueue("GET", QStringLiteral("/v1/again"), ScriptedResponse::status(503, "blip"));
    QNetworkReply* again = m_nam->get(request(QStringLiteral("/v1/again")));
    QVERIFY(waitForFinished(again));
    QCOMPARE(again->error(), QNetworkReply::NoError);
    QCOMPARE(m_server->requestCount("GET", QStringLiteral("/v1/again")), 2);

    // Every one of the 200 finished exactly once, even after all this event-loop time.
    for (int i = 0; i < count; ++i)
        QCOMPARE(finishedCount[i], 1);
}

// A retry that succeeds gives its token back (the AWS SDK's retry quota), so a host that answers
// every request on the second try is never throttled: only failing retries drain the budget.
void tst_Retries::productiveRetriesAreNeverRefused()
{
    RetryPolicy policy = fastRetryPolicy(2ms);
    policy.budgetCapacity = 20; // the defaults, stated: the budget is what this test is about
    policy.budgetRefillPerSuccess = 0.5;
    m_nam->setRetryPolicy(policy);
    const QString path = QStringLiteral("/v1/flaky");
    constexpr int count = 100;
    for (int i = 0; i < count; ++i) {
        m_server->enqueue("GET", path, ScriptedResponse::status(503, "busy"));
        m_server->enqueue("GET", path, ScriptedResponse::status(200, "ok " + QByteArray::number(i)));
    }
    // A refused retry ends its reply with the 503, and the 200 meant for it goes to the next one.
    m_server->setFallback([](const RecordedRequest&) { return ScriptedResponse::status(503, "busy"); });

    int completed = 0;
    for (int i = 0; i < count; ++i) {
        QNetworkReply* reply = m_nam->get(request(path));
        QVERIFY(waitForFinished(reply));
        completed += reply->error() == QNetworkReply::NoError ? 1 : 0;
        reply->deleteLater();
    }
    qInfo("budget script: %d sequential (503, 200) requests: %d completed", count, completed);
    QCOMPARE(completed, count);
    QCOMPARE(m_server->requestCount("GET", path), 2 * count);
    QCOMPARE(m_nam->retryBudgetTokens(m_server->url(path)), policy.budgetCapacity);
}

// ---------------------------------------------------------------------------------------------
// 9. connection reuse

void tst_Retries::hundredSequentialRetriesShareOneConnection()
{
    // Every request here needs a retry, and each one succeeds, so the default budget allows them
    // all (productiveRetriesAreNeverRefused). This test is about sockets.
    m_nam->setRetryPolicy(fastRetryPolicy(2ms));
    const QString path = QStringLiteral("/v1/poll");
    for (int i = 0; i < 100; ++i) {
        m_server->enqueue("GET", path, ScriptedResponse::status(503, "busy").header("Retry-After", "0"));
        m_server->enqueue("GET", path, ScriptedResponse::status(200, "ok " + QByteArray::number(i)));
    }

    for (int i = 0; i < 100; ++i) {
        QNetworkReply* reply = m_nam->get(request(path));
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->readAll(), "ok " + QByteArray::number(i));
        QCOMPARE(attemptCount(reply), 2);
        reply->deleteLater();
    }

    QCOMPARE(m_server->requestCount(), 200);
    QCOMPARE(m_server->connectionCount(), 1);
    const int id = m_server->requests().first().connectionId;
    for (const auto& seen : m_server->requests())
        QCOMPARE(seen.connectionId, id);
}

void tst_Retries::errorBodyDrainedOrAborted_data()
{
    QTest::addColumn<int>("bodySize");
    QTest::addColumn<bool>("reused");

    QTest::newRow("10 KiB drained") << 10 * 1024 << true;
    QTest::newRow("64 KiB drained") << 64 * 1024 << true;
    QTest::newRow("1 MiB aborted") << 1024 * 1024 << false;
    QTest::newRow("8 MiB aborted") << 8 * 1024 * 1024 << false;
}

void tst_Retries::errorBodyDrainedOrAborted()
{
    QFETCH(int, bodySize);
    QFETCH(bool, reused);

    const QString path = QStringLiteral("/v1/dump");
    m_server->enqueue("GET", path, ScriptedResponse::status(503, patterned(bodySize)));
    m_server->enqueue("GET", path, ScriptedResponse::status(200, "fresh"));

    QNetworkReply* reply = m_nam->get(request(path));
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply));

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArrayLiteral("fresh")); // nothing of the error body leaks in
    QCOMPARE(attemptCount(reply), 2);
    const auto requests = m_server->requests();
    QCOMPARE(requests.size(), 2);
    // A small error body is read to its end so the connection carries the retry; a large one costs
    // more to read than a new connection, so that attempt is aborted.
    QCOMPARE(m_server->connectionCount(), reused ? 1 : 2);
    QCOMPARE(requests.at(1).connectionId == requests.at(0).connectionId, reused);
}

// ---------------------------------------------------------------------------------------------
// 10. signals

void tst_Retries::signalsForTheUi_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<QList<int>>("statuses");
    QTest::addColumn<QStringList>("expectedEvents");

    QTest::newRow("GET 503 503 503 200") << QByteArray("GET") << QList<int>({503, 503, 503, 200})
                                         << QStringList({QStringLiteral("start 1"),
                                                         QStringLiteral("retry 2 HTTP 503"),
                                                         QStringLiteral("start 2"),
                                                         QStringLiteral("retry 3 HTTP 503"),
                                                         QStringLiteral("start 3"),
                                                         QStringLiteral("retry 4 HTTP 503"),
                                                         QStringLiteral("start 4"),
                                                         QStringLiteral("finished")});
    QTest::newRow("POST 429 201") << QByteArray("POST") << QList<int>({429, 201})
                                  << QStringList({QStringLiteral("start 1"),
                                                  QStringLiteral("retry 2 HTTP 429"),
                                                  QStringLiteral("start 2"),
                                                  QStringLiteral("finished")});
    QTest::newRow("DELETE 502 504 200") << QByteArray("DELETE") << QList<int>({502, 504, 200})
                                        << QStringList({QStringLiteral("start 1"),
                                                        QStringLiteral("retry 2 HTTP 502"),
                                                        QStringLiteral("start 2"),
                                                        QStringLiteral("retry 3 HTTP 504"),
                                                        QStringLiteral("start 3"),
                                                        QStringLiteral("finished")});
}

void tst_Retries::signalsForTheUi()
{
    QFETCH(QByteArray, verb);
    QFETCH(QList<int>, statuses);
    QFETCH(QStringList, expectedEvents);

    const QString path = QStringLiteral("/v1/thing");
    for (const int status : statuses)
        m_server->enqueue(verb, path, ScriptedResponse::status(status, "s" + QByteArray::number(status)));

    QList<QPair<QNetworkReply*, int>> managerAttempts;
    QList<QPair<QNetworkReply*, RetryInfo>> managerRetries;
    connect(m_nam.get(), &NetworkAccessManager::attemptStarted, this, [&](QNetworkReply* r, int attempt) {
        managerAttempts.append({r, attempt});
    });
    connect(m_nam.get(), &NetworkAccessManager::retryScheduled, this, [&](QNetworkReply* r, const RetryInfo& info) {
        managerRetries.append({r, info});
    });

    QNetworkReply* reply = send(*m_nam, verb, request(path), methodHasBody(verb) ? kBody : QByteArray());
    ReplyWatcher watch(reply);
    QVERIFY(waitForFinished(reply));
    m_nam->disconnect(this);

    const int attempts = int(statuses.size());
    QCOMPARE(m_server->requestCount(verb, path), attempts);
    QCOMPARE(httpStatus(reply), statuses.last());
    QCOMPARE(watch.events, expectedEvents);

    QList<int> numbers;
    for (int n = 1; n <= attempts; ++n)
        numbers.append(n);
    QCOMPARE(watch.attempts, numbers);
    QCOMPARE(managerAttempts.size(), attempts);
    for (int i = 0; i < attempts; ++i) {
        QCOMPARE(managerAttempts.at(i).first, reply);
        QCOMPARE(managerAttempts.at(i).second, i + 1);
    }

    // One retryScheduled per retry, on the reply and on the manager, with the same content.
    QCOMPARE(watch.retries.size(), attempts - 1);
    QCOMPARE(managerRetries.size(), attempts - 1);
    const RetryPolicy policy = m_nam->retryPolicy();
    for (int i = 0; i < attempts - 1; ++i) {
        const RetryInfo& info = watch.retries.at(i);
        QCOMPARE(managerRetries.at(i).first, reply);
        const RetryInfo& fromManager = managerRetries.at(i).second;
        QCOMPARE(fromManager.nextAttempt, info.nextAttempt);
        QCOMPARE(fromManager.delay, info.delay);
        QCOMPARE(fromManager.dueAt, info.dueAt);
        QCOMPARE(fromManager.reason, info.reason);
        QCOMPARE(info.nextAttempt, i + 2);
        QCOMPARE(info.httpStatus, statuses.at(i));
        QCOMPARE(info.reason, QStringLiteral("HTTP %1").arg(statuses.at(i)));
        QCOMPARE(info.fromRetryAfter, false);
        QCOMPARE(info.networkError, QNetworkReply::NoError);
        QCOMPARE(info.delay, policy.backoff(i + 1, 0.5)); // jitter is off, so the random draw is moot
    }
    QCOMPARE(watch.finished, 1);
}

QTEST_GUILESS_MAIN(tst_Retries)
#include "tst_retries.moc"
