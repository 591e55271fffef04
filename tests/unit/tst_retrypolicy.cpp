// Unit tests for RetryPolicy (what is retryable, how long to wait) and RetryBudget.
#include "retrybudget.h"
#include "retrypolicy.h"

#include <QtTest>

#include <chrono>
#include <cmath>
#include <limits>

using namespace std::chrono_literals;
using nullify::RetryBudget;
using nullify::RetryPolicy;

namespace {

const QList<QByteArray> kIdempotentMethods {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
const QList<QByteArray> kUnsafeMethods {"POST", "PATCH"};

bool isIdempotentVerb(const QByteArray& verb)
{
    return kIdempotentMethods.contains(verb);
}

// The errors that mean "the network failed"; everything else in the enum must not retry.
const QList<QNetworkReply::NetworkError> kTransportFailures {
    QNetworkReply::ConnectionRefusedError,
    QNetworkReply::RemoteHostClosedError,
    QNetworkReply::HostNotFoundError,
    QNetworkReply::TimeoutError,
    QNetworkReply::TemporaryNetworkFailureError,
    QNetworkReply::NetworkSessionFailedError,
    QNetworkReply::UnknownNetworkError,
    QNetworkReply::ProxyConnectionRefusedError,
    QNetworkReply::ProxyConnectionClosedError,
    QNetworkReply::ProxyNotFoundError,
    QNetworkReply::ProxyTimeoutError,
    QNetworkReply::UnknownProxyError,
};

const QList<QNetworkReply::NetworkError> kDefiniteAnswers {
    QNetworkReply::NoError,
    QNetworkReply::OperationCanceledError,
    QNetworkReply::SslHandshakeFailedError,
    QNetworkReply::BackgroundRequestNotAllowedError,
    QNetworkReply::TooManyRedirectsError,
    QNetworkReply::InsecureRedirectError,
    QNetworkReply::ProxyAuthenticationRequiredError,
    QNetworkReply::ContentAccessDenied,
    QNetworkReply::ContentOperationNotPermittedError,
    QNetworkReply::ContentNotFoundError,
    QNetworkReply::AuthenticationRequiredError,
    QNetworkReply::ContentReSendError,
    QNetworkReply::ContentConflictError,
    QNetworkReply::ContentGoneError,
    QNetworkReply::UnknownContentError,
    QNetworkReply::ProtocolUnknownError,
    QNetworkReply::ProtocolInvalidOperationError,
    QNetworkReply::ProtocolFailure,
    QNetworkReply::InternalServerError,
    QNetworkReply::OperationNotImplementedError,
    QNetworkReply::ServiceUnavailableError,
    QNetworkReply::UnknownServerError,
};

QByteArray errorName(QNetworkReply::NetworkError error)
{
    return QMetaEnum::fromType<QNetworkReply::NetworkError>().valueToKey(error);
}

RetryPolicy zeroJitterPolicy()
{
    RetryPolicy p;
    p.jitter = 0.0;
    return p;
}

} // namespace

class TestRetryPolicy : public QObject
{
    Q_OBJECT

private slots:
    void idempotentMethods_data();
    void idempotentMethods();
    void statusTable_data();
    void statusTable();
    void transportErrors_data();
    void transportErrors();
    void everyNetworkErrorIsClassified();
    void neverProcessed_data();
    void neverProcessed();

    void backoffSequenceWithoutJitter_data();
    void backoffSequenceWithoutJitter();
    void backoffJitterBounds_data();
    void backoffJitterBounds();
    void backoffHugeAndOddInputs();
    void backoffCustomPolicies();
    void metaTypeRoundTrip();

    void budgetDrainsAfterCapacity();
    void budgetRefillsWithSuccesses();
    void budgetNeverExceedsCapacity();
    void budgetSucceededRetriesPayForThemselves();
    void budgetOnlyFailingRetriesDrain();
    void budgetFractionalRefills();
    void budgetDegenerateArguments();
};

void TestRetryPolicy::idempotentMethods_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("idempotent");
    for (const QByteArray& verb : kIdempotentMethods)
        QTest::newRow(verb.constData()) << verb << true;
    for (const QByteArray& verb : kUnsafeMethods)
        QTest::newRow(verb.constData()) << verb << false;
    QTest::newRow("CONNECT") << QByteArray("CONNECT") << false;
    QTest::newRow("lowercase get (methods are case-sensitive)") << QByteArray("get") << false;
    QTest::newRow("mixed case Put") << QByteArray("Put") << false;
    QTest::newRow("padded GET") << QByteArray(" GET") << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void TestRetryPolicy::idempotentMethods()
{
    QFETCH(QByteArray, verb);
    QFETCH(bool, idempotent);
    QCOMPARE(RetryPolicy::isIdempotentMethod(verb), idempotent);
}

void TestRetryPolicy::statusTable_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("marked");
    QTest::addColumn<bool>("retryable");

    const QList<int> statuses {200, 301, 400, 401, 403, 404, 408, 409, 429, 500, 501, 502, 503, 504};
    const QList<int> retryableForReplayable {500, 502, 503, 504};
    for (const int status : statuses) {
        for (const QByteArray& verb : kIdempotentMethods + kUnsafeMethods) {
            for (const bool marked : {false, true}) {
                // Marking only matters for POST/PATCH; marked GET rows are still worth a check.
                const bool replayable = marked || isIdempotentVerb(verb);
                const bool expected = status == 429 || (replayable && retryableForReplayable.contains(status));
                const QByteArray name = QByteArray::number(status) + ' ' + verb + (marked ? " marked" : "");
                QTest::newRow(name.constData()) << status << verb << marked << expected;
            }
        }
    }
    // Numbers outside the usual range are never retryable.
    QTest::newRow("0 GET") << 0 << QByteArray("GET") << false << false;
    QTest::newRow("-503 GET") << -503 << QByteArray("GET") << false << false;
    QTest::newRow("505 GET") << 505 << QByteArray("GET") << false << false;
    QTest::newRow("599 GET") << 599 << QByteArray("GET") << false << false;
    QTest::newRow("503 lowercase get") << 503 << QByteArray("get") << false << false;
    QTest::newRow("429 lowercase get") << 429 << QByteArray("get") << false << true;
}

void TestRetryPolicy::statusTable()
{
    QFETCH(int, status);
    QFETCH(QByteArray, verb);
    QFETCH(bool, marked);
    QFETCH(bool, retryable);
    QCOMPARE(RetryPolicy().isRetryableStatus(status, verb, marked), retryable);
}

void TestRetryPolicy::transportErrors_data()
{
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<bool>("sent");
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("marked");
    QTest::addColumn<bool>("retryable");

    for (const QNetworkReply::NetworkError error : kTransportFailures + kDefiniteAnswers) {
        const bool isFailure = kTransportFailures.contains(error);
        for (const QByteArray& verb : kIdempotentMethods + kUnsafeMethods) {
            for (const bool sent : {false, true}) {
                for (const bool marked : {false, true}) {
                    const bool expected = isFailure && (!sent || marked || isIdempotentVerb(verb));
                    const QByteArray name
                        = errorName(error) + ' ' + verb + (sent ? " sent" : " unsent") + (marked ? " marked" : "");
                    QTest::newRow(name.constData()) << error << sent << verb << marked << expected;
                }
            }
        }
    }
}

void TestRetryPolicy::transportErrors()
{
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(bool, sent);
    QFETCH(QByteArray, verb);
    QFETCH(bool, marked);
    QFETCH(bool, retryable);
    QCOMPARE(RetryPolicy().isRetryableTransportError(error, sent, verb, marked), retryable);
}

void TestRetryPolicy::everyNetworkErrorIsClassified()
{
    // Guards the two lists above against a Qt version adding a value nobody thought about.
    const QMetaEnum meta = QMetaEnum::fromType<QNetworkReply::NetworkError>();
    for (int i = 0; i < meta.keyCount(); ++i) {
        const auto error = static_cast<QNetworkReply::NetworkError>(meta.value(i));
        QVERIFY2(kTransportFailures.contains(error) != kDefiniteAnswers.contains(error), meta.key(i));
        QCOMPARE(RetryPolicy::isTransportError(error), kTransportFailures.contains(error));
    }
    QCOMPARE(kTransportFailures.size() + kDefiniteAnswers.size(), meta.keyCount());
    // A value outside the enum is not a network failure.
    QVERIFY(!RetryPolicy::isTransportError(static_cast<QNetworkReply::NetworkError>(12345)));
    QVERIFY(
        !RetryPolicy().isRetryableTransportError(static_cast<QNetworkReply::NetworkError>(12345), false, "GET", true));
}

void TestRetryPolicy::neverProcessed_data()
{
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("neverProcessed");

    // Qt 6.4's words for the three cases (tst_http2retries checks them against the running Qt).
    const QString goawayAboveLast
        = QStringLiteral("Server stopped accepting new streams before this stream was established");
    const QString refused = QStringLiteral("Server refused a stream");
    const QString queuedAtGoaway = QStringLiteral("GOAWAY received, cannot start a request");
    const QList<QPair<QNetworkReply::NetworkError, QString>> matches {
        {QNetworkReply::ContentReSendError, goawayAboveLast},
        {QNetworkReply::ProtocolFailure, refused},
        {QNetworkReply::ProtocolUnknownError, queuedAtGoaway},
    };
    // Every error code with every text: only the exact pairs match. An error code alone is too
    // broad (ProtocolFailure is also a reset with CANCEL, ContentReSendError also HTTP/1's failed
    // rewind), and so is a text with another code.
    const QStringList texts {goawayAboveLast,
                             refused,
                             queuedAtGoaway,
                             QStringLiteral("Stream is no longer needed"),
                             QStringLiteral("Connection closed"),
                             QString()};
    for (const QNetworkReply::NetworkError error : kTransportFailures + kDefiniteAnswers) {
        for (const QString& text : texts) {
            const bool expected = matches.contains(qMakePair(error, text));
            const QByteArray name = errorName(error) + " \"" + text.left(24).toLatin1() + '"';
            QTest::newRow(name.constData()) << error << text << expected;
        }
    }
    // Near misses of the text do not count.
    QTest::newRow("refused, other case") << QNetworkReply::ProtocolFailure << refused.toLower() << false;
    QTest::newRow("refused, with a suffix")
        << QNetworkReply::ProtocolFailure << QString(refused + QStringLiteral(" (7)")) << false;
    QTest::newRow("queued, as a prefix") << QNetworkReply::ProtocolUnknownError << queuedAtGoaway.left(15) << false;
}

void TestRetryPolicy::neverProcessed()
{
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(QString, text);
    QFETCH(bool, neverProcessed);
    QCOMPARE(RetryPolicy::wasNeverProcessed(error, text), neverProcessed);
}

void TestRetryPolicy::backoffSequenceWithoutJitter_data()
{
    QTest::addColumn<int>("retry");
    QTest::addColumn<qint64>("expectedMs");
    const QList<qint64> expected {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (int i = 0; i < expected.size(); ++i)
        QTest::newRow(QByteArray("retry " + QByteArray::number(i + 1)).constData()) << i + 1 << expected[i];
}

void TestRetryPolicy::backoffSequenceWithoutJitter()
{
    QFETCH(int, retry);
    QFETCH(qint64, expectedMs);
    const RetryPolicy p = zeroJitterPolicy();
    // Without jitter the random number must not matter.
    for (const double u : {0.0, 0.25, 0.5, 0.999999})
        QCOMPARE(p.backoff(retry, u).count(), expectedMs);
}

void TestRetryPolicy::backoffJitterBounds_data()
{
    QTest::addColumn<int>("retry");
    QTest::addColumn<double>("unitRandom");
    QTest::addColumn<qint64>("expectedMs");

    // Default policy: jitter 0.2, so the factor runs from 0.8 (u = 0) to just under 1.2.
    QTest::newRow("retry 1, u=0") << 1 << 0.0 << qint64(400);
    QTest::newRow("retry 1, u=0.5") << 1 << 0.5 << qint64(500);
    QTest::newRow("retry 1, u~1") << 1 << 0.9999999 << qint64(600);
    QTest::newRow("retry 4, u=0") << 4 << 0.0 << qint64(3200);
    QTest::newRow("retry 4, u~1") << 4 << 0.9999999 << qint64(4800);
    QTest::newRow("retry 5, u~1") << 5 << 0.9999999 << qint64(9600);
    QTest::newRow("retry 6, u~1 (19200 still under the cap)") << 6 << 0.9999999 << qint64(19200);
    QTest::newRow("retry 7, u=0 (capped base scaled down)") << 7 << 0.0 << qint64(24000);
    QTest::newRow("retry 7, u~1 (never above the cap)") << 7 << 0.9999999 << qint64(30000);
    QTest::newRow("u above range is pinned to 1") << 1 << 7.0 << qint64(600);
    QTest::newRow("negative u is pinned to 0") << 1 << -3.0 << qint64(400);
}

void TestRetryPolicy::backoffJitterBounds()
{
    QFETCH(int, retry);
    QFETCH(double, unitRandom);
    QFETCH(qint64, expectedMs);
    QCOMPARE(RetryPolicy().backoff(retry, unitRandom).count(), expectedMs);
}

void TestRetryPolicy::backoffHugeAndOddInputs()
{
    const RetryPolicy p;
    for (const int retry : {20, 62, 63, 64, 100, 1000, std::numeric_limits<int>::max()}) {
        QCOMPARE(p.backoff(retry, 0.0).count(), 24000);
        QCOMPARE(p.backoff(retry, 0.9999999).count(), 30000);
    }
    // Retry numbers below 1 behave like the first retry.
    QCOMPARE(p.backoff(0, 0.5).count(), 500);
    QCOMPARE(p.backoff(-7, 0.5).count(), 500);
    QCOMPARE(p.backoff(std::numeric_limits<int>::min(), 0.5).count(), 500);
    // NaN and infinities stay inside the bounds.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const double u : {nan, inf, -inf}) {
        const auto d = p.backoff(3, u).count();
        QVERIFY(d >= 1600 && d <= 2400);
    }
    // Sweep: every result is within [1 - jitter, 1 + jitter] of the base and never above the cap.
    for (int retry = 1; retry <= 12; ++retry) {
        const double base = std::min(500.0 * std::pow(2.0, retry - 1), 30000.0);
        for (int step = 0; step < 100; ++step) {
            const double u = step / 100.0;
            const auto d = double(p.backoff(retry, u).count());
            QVERIFY(d >= std::floor(base * 0.8));
            QVERIFY(d <= std::min(std::ceil(base * 1.2), 30000.0));
        }
    }
}

void TestRetryPolicy::backoffCustomPolicies()
{
    RetryPolicy p;
    p.jitter = 0.0;

    // Huge caps must not overflow while doubling.
    p.initialBackoff = std::chrono::milliseconds(std::numeric_limits<qint64>::max() / 3);
    p.maxBackoff = std::chrono::milliseconds(std::numeric_limits<qint64>::max());
    QCOMPARE(p.backoff(1000, 0.5), p.maxBackoff);
    QVERIFY(p.backoff(2, 0.5).count() > p.initialBackoff.count());

    // Degenerate settings still give at least 1 ms (a zero delay would spin) and respect the cap.
    p.initialBackoff = 0ms;
    p.maxBackoff = 30'000ms;
    QCOMPARE(p.backoff(1, 0.5), 1ms);
    QCOMPARE(p.backoff(3, 0.5), 4ms);
    p.initialBackoff = -100ms;
    QCOMPARE(p.backoff(1, 0.5), 1ms);
    p.initialBackoff = 500ms;
    p.maxBackoff = 0ms;
    QCOMPARE(p.backoff(5, 0.5), 1ms);
    p.maxBackoff = 200ms; // initial above max: the cap wins
    QCOMPARE(p.backoff(1, 0.5), 200ms);

    // Jitter outside [0, 1] is pinned: 5 acts like 1 (factor 0..2), NaN acts like 0.
    p.maxBackoff = 30'000ms;
    p.jitter = 5.0;
    QCOMPARE(p.backoff(1, 0.0), 1ms);
    QCOMPARE(p.backoff(1, 0.75), 750ms);
    p.jitter = -1.0;
    QCOMPARE(p.backoff(1, 0.0), 500ms);
    p.jitter = std::numeric_limits<double>::quiet_NaN();
    QCOMPARE(p.backoff(1, 0.0), 500ms);
}

void TestRetryPolicy::metaTypeRoundTrip()
{
    RetryPolicy p;
    p.maxAttempts = 7;
    p.initialBackoff = 123ms;
    const QVariant v = QVariant::fromValue(p);
    QVERIFY(v.canConvert<RetryPolicy>());
    QCOMPARE(v.value<RetryPolicy>().maxAttempts, 7);
    QCOMPARE(v.value<RetryPolicy>().initialBackoff, 123ms);
    QVERIFY(QMetaType::fromName("nullify::RetryPolicy").isValid());
}

void TestRetryPolicy::budgetDrainsAfterCapacity()
{
    RetryBudget budget(20.0, 0.5);
    QCOMPARE(budget.tokens(), 20.0);
    QCOMPARE(budget.capacity(), 20.0);
    for (int i = 0; i < 20; ++i)
        QVERIFY2(budget.tryAcquire(), QByteArray::number(i).constData());
    QVERIFY(!budget.tryAcquire());
    QVERIFY(!budget.tryAcquire());
    QCOMPARE(budget.tokens(), 0.0);

    // A fractional capacity buys only the whole tokens it holds.
    RetryBudget small(2.5, 0.5);
    QVERIFY(small.tryAcquire());
    QVERIFY(small.tryAcquire());
    QVERIFY(!small.tryAcquire());
    QCOMPARE(small.tokens(), 0.5);
}

void TestRetryPolicy::budgetRefillsWithSuccesses()
{
    RetryBudget budget(3.0, 0.5);
    while (budget.tryAcquire()) { }
    QCOMPARE(budget.tokens(), 0.0);
    budget.recordSuccess();
    QVERIFY(!budget.tryAcquire()); // half a token is not enough
    QCOMPARE(budget.tokens(), 0.5);
    budget.recordSuccess();
    QVERIFY(budget.tryAcquire());
    QVERIFY(!budget.tryAcquire());
    for (int i = 0; i < 4; ++i)
        budget.recordSuccess();
    QCOMPARE(budget.tokens(), 2.0);
    QVERIFY(budget.tryAcquire());
    QVERIFY(budget.tryAcquire());
    QVERIFY(!budget.tryAcquire());
}

void TestRetryPolicy::budgetSucceededRetriesPayForThemselves()
{
    // A host that answers every request on the second try: each retry takes a token and gives it
    // back, so 1000 of them in a row are all allowed and the bucket ends where it began.
    RetryBudget budget(20.0, 0.5);
    for (int i = 0; i < 1000; ++i) {
        QVERIFY2(budget.tryAcquire(), QByteArray::number(i).constData());
        budget.refundRetry();
    }
    QCOMPARE(budget.tokens(), 20.0);

    // A refund never lifts the bucket above its capacity, fractional or full.
    budget.refundRetry();
    QCOMPARE(budget.tokens(), 20.0);
    RetryBudget fractional(2.5, 0.5);
    QVERIFY(fractional.tryAcquire());
    fractional.refundRetry();
    fractional.refundRetry(); // a refund without a retry (a caller's bug) still stops at the cap
    QCOMPARE(fractional.tokens(), 2.5);
    // Less than one token of capacity never allows a retry, so there is nothing to refund.
    RetryBudget tiny(0.5, 0.5);
    QVERIFY(!tiny.tryAcquire());
    tiny.refundRetry();
    QCOMPARE(tiny.tokens(), 0.5);
}

void TestRetryPolicy::budgetOnlyFailingRetriesDrain()
{
    RetryBudget budget(3.0, 0.5);
    QVERIFY(budget.tryAcquire()); // failed: spent
    QVERIFY(budget.tryAcquire()); // succeeded
    budget.refundRetry();
    QCOMPARE(budget.tokens(), 2.0);
    QVERIFY(budget.tryAcquire()); // failed
    QVERIFY(budget.tryAcquire()); // failed
    QVERIFY(!budget.tryAcquire()); // three failures in all: the bucket is empty
    QCOMPARE(budget.tokens(), 0.0);
    // Only first-attempt successes (half a token each) or a later retry's success refill it.
    budget.recordSuccess();
    QVERIFY(!budget.tryAcquire());
    budget.recordSuccess();
    QVERIFY(budget.tryAcquire());
    budget.refundRetry();
    QCOMPARE(budget.tokens(), 1.0);
}

void TestRetryPolicy::budgetNeverExceedsCapacity()
{
    RetryBudget budget(5.0, 0.75);
    for (int i = 0; i < 1000; ++i) {
        budget.recordSuccess();
        QVERIFY(budget.tokens() <= budget.capacity());
    }
    QCOMPARE(budget.tokens(), 5.0);
    QVERIFY(budget.tryAcquire());
    QCOMPARE(budget.tokens(), 4.0);
    budget.recordSuccess();
    budget.recordSuccess(); // 4.75, then capped at 5 rather than 5.5
    QCOMPARE(budget.tokens(), 5.0);
}

void TestRetryPolicy::budgetFractionalRefills()
{
    // 0.1 is inexact in binary: ten successes must still add up to one retry.
    RetryBudget budget(1.0, 0.1);
    QVERIFY(budget.tryAcquire());
    QVERIFY(!budget.tryAcquire());
    for (int i = 0; i < 9; ++i)
        budget.recordSuccess();
    QVERIFY(!budget.tryAcquire());
    budget.recordSuccess();
    QVERIFY(budget.tryAcquire());
    QVERIFY(budget.tokens() >= 0.0);
}

void TestRetryPolicy::budgetDegenerateArguments()
{
    RetryBudget empty(0.0, 1.0);
    QVERIFY(!empty.tryAcquire());
    empty.recordSuccess();
    QVERIFY(!empty.tryAcquire());

    RetryBudget negative(-5.0, -1.0);
    QCOMPARE(negative.capacity(), 0.0);
    QVERIFY(!negative.tryAcquire());

    RetryBudget nan(std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN());
    QVERIFY(!nan.tryAcquire());
    nan.recordSuccess();
    QCOMPARE(nan.tokens(), 0.0);

    RetryBudget noRefill(1.0, 0.0);
    QVERIFY(noRefill.tryAcquire());
    noRefill.recordSuccess();
    QVERIFY(!noRefill.tryAcquire());
}

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
