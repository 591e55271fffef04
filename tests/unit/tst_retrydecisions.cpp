// Unit tests for the decisions RetryingReply takes between attempts (network/retrydecisions.h) and
// for the pure part of its Qt workarounds (qtworkarounds::correctedAttemptEnd): tables of plain
// values, no sockets. The behaviour over real sockets is pinned by tst_retries, tst_redirects,
// tst_authrefresh and tst_replylifecycle; these tables say which input leads to which decision.
#include "qtworkarounds.h"
#include "retrydecisions.h"

#include <QtTest>

#include <chrono>
#include <optional>

using namespace std::chrono_literals;
using nullify::AfterAttempt;
using nullify::AttemptResult;
using nullify::RedirectDecision;
using nullify::RedirectQuestion;
using nullify::RetryDecision;
using nullify::RetryHistory;
using nullify::RetryPolicy;
using nullify::RetryQuestion;
using nullify::RetryTiming;
using nullify::qtworkarounds::AttemptEnd;
using nullify::qtworkarounds::AttemptReport;

Q_DECLARE_METATYPE(AfterAttempt::Action)
Q_DECLARE_METATYPE(RetryDecision::Kind)
Q_DECLARE_METATYPE(RedirectDecision::Kind)
Q_DECLARE_METATYPE(AttemptEnd::Reason)
Q_DECLARE_METATYPE(QNetworkAccessManager::Operation)
Q_DECLARE_METATYPE(std::optional<qint64>)

namespace {

RetryHistory historyFor(const QByteArray& verb, int retriesScheduled = 0)
{
    RetryHistory history;
    history.verb = verb;
    history.retriesScheduled = retriesScheduled;
    return history;
}

// Backoff without jitter: 500 ms, 1 s, 2 s, ... (RetryPolicy's defaults).
RetryPolicy exactPolicy()
{
    RetryPolicy policy;
    policy.jitter = 0.0;
    return policy;
}

} // namespace

class TestRetryDecisions : public QObject
{
    Q_OBJECT

private slots:
    void responseHasBody_data();
    void responseHasBody();
    void mightRetryStatus_data();
    void mightRetryStatus();
    void afterAttempt_data();
    void afterAttempt();
    void retry_data();
    void retry();
    void retryNeverProcessedAnyMethod();
    void redirect_data();
    void redirect();
    void attemptEnd_data();
    void attemptEnd();
};

void TestRetryDecisions::responseHasBody_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("hasBody");
    QTest::newRow("GET 200") << QByteArray("GET") << 200 << true;
    QTest::newRow("GET 404") << QByteArray("GET") << 404 << true;
    QTest::newRow("POST 201") << QByteArray("POST") << 201 << true;
    QTest::newRow("HEAD 200") << QByteArray("HEAD") << 200 << false;
    QTest::newRow("GET 204") << QByteArray("GET") << 204 << false;
    QTest::newRow("GET 304") << QByteArray("GET") << 304 << false;
    QTest::newRow("GET 101") << QByteArray("GET") << 101 << false;
    QTest::newRow("no answer") << QByteArray("GET") << 0 << false;
}

void TestRetryDecisions::responseHasBody()
{
    QFETCH(QByteArray, verb);
    QFETCH(int, status);
    QFETCH(bool, hasBody);
    QCOMPARE(nullify::responseHasBody(verb, status), hasBody);
}

void TestRetryDecisions::mightRetryStatus_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("hadToken");
    QTest::addColumn<bool>("replayUsed");
    QTest::addColumn<int>("retriesScheduled");
    QTest::addColumn<bool>("hold");

    QTest::newRow("200 is the caller's") << QByteArray("GET") << 200 << false << false << 0 << false;
    QTest::newRow("404 is the caller's") << QByteArray("GET") << 404 << false << false << 0 << false;
    for (int status : {301, 302, 303, 307, 308})
        QTest::addRow("%d may be followed", status) << QByteArray("GET") << status << false << false << 0 << true;
    QTest::newRow("304 is no redirect") << QByteArray("GET") << 304 << false << false << 0 << false;
    QTest::newRow("401 with our token: replayed") << QByteArray("GET") << 401 << true << false << 0 << true;
    QTest::newRow("401 without our token") << QByteArray("GET") << 401 << false << false << 0 << false;
    QTest::newRow("401 after the replay") << QByteArray("GET") << 401 << true << true << 0 << false;
    QTest::newRow("503 GET, attempts left") << QByteArray("GET") << 503 << false << false << 2 << true;
    QTest::newRow("503 GET, last attempt") << QByteArray("GET") << 503 << false << false << 3 << false;
    QTest::newRow("503 POST: never retried") << QByteArray("POST") << 503 << false << false << 0 << false;
    QTest::newRow("429 POST: retried") << QByteArray("POST") << 429 << false << false << 0 << true;
}

void TestRetryDecisions::mightRetryStatus()
{
    QFETCH(QByteArray, verb);
    QFETCH(int, status);
    QFETCH(bool, hadToken);
    QFETCH(bool, replayUsed);
    QFETCH(int, retriesScheduled);
    QFETCH(bool, hold);

    RetryHistory history = historyFor(verb, retriesScheduled);
    history.attemptHadToken = hadToken;
    history.unauthorizedReplayUsed = replayUsed;
    QCOMPARE(nullify::mightRetryStatus(RetryPolicy(), history, status), hold);
}

void TestRetryDecisions::afterAttempt_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<bool>("delivered");
    QTest::addColumn<bool>("callerHasRead");
    QTest::addColumn<bool>("hadToken");
    QTest::addColumn<bool>("replayUsed");
    QTest::addColumn<AfterAttempt::Action>("action");
    QTest::addColumn<bool>("hostAnswered");
    QTest::addColumn<bool>("hostAsksToWait");
    QTest::addColumn<bool>("tryRedirect");
    QTest::addColumn<bool>("tryReplay");

    using A = AfterAttempt::Action;
    const auto none = QNetworkReply::NoError;
    const auto closed = QNetworkReply::RemoteHostClosedError;
    // clang-format off
    QTest::newRow("no answer: retry or finish")        << 0   << closed << false << false << false << false << A::RetryFailure << false << false << false << false;
    QTest::newRow("no answer, refused")                << 0   << QNetworkReply::ConnectionRefusedError << false << false << false << false << A::RetryFailure << false << false << false << false;
    QTest::newRow("cut mid-body, nothing read")        << 200 << closed << true  << false << false << false << A::RetryFailure << false << false << false << false;
    QTest::newRow("cut mid-body after a read")         << 200 << closed << true  << true  << false << false << A::Finish       << false << false << false << false;
    QTest::newRow("held body cut: an answer")          << 503 << closed << false << false << false << false << A::HandleAnswer << false << true  << false << false;
    QTest::newRow("200")                               << 200 << none   << true  << false << false << false << A::HandleAnswer << true  << false << false << false;
    QTest::newRow("404")                               << 404 << QNetworkReply::ContentNotFoundError << true << false << false << false << A::HandleAnswer << true << false << false << false;
    QTest::newRow("302")                               << 302 << none   << false << false << false << false << A::HandleAnswer << true  << false << true  << false;
    QTest::newRow("401 with our token")                << 401 << QNetworkReply::AuthenticationRequiredError << false << false << true << false << A::HandleAnswer << true << false << false << true;
    QTest::newRow("401 after the replay")              << 401 << QNetworkReply::AuthenticationRequiredError << false << false << true << true << A::HandleAnswer << true << false << false << false;
    QTest::newRow("401 without our token")             << 401 << QNetworkReply::AuthenticationRequiredError << true << false << false << false << A::HandleAnswer << true << false << false << false;
    QTest::newRow("429: the host waits")               << 429 << QNetworkReply::UnknownContentError << false << false << false << false << A::HandleAnswer << false << true << false << false;
    QTest::newRow("503: the host waits")               << 503 << QNetworkReply::ServiceUnavailableError << false << false << false << false << A::HandleAnswer << false << true << false << false;
    QTest::newRow("500: not answering, no host wait")  << 500 << QNetworkReply::InternalServerError << false << false << false << false << A::HandleAnswer << false << false << false << false;
    QTest::newRow("499 still counts as answering")     << 499 << QNetworkReply::UnknownContentError << true << false << false << false << A::HandleAnswer << true << false << false << false;
    // clang-format on
}

void TestRetryDecisions::afterAttempt()
{
    QFETCH(int, status);
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(bool, delivered);
    QFETCH(bool, callerHasRead);
    QFETCH(bool, hadToken);
    QFETCH(bool, replayUsed);
    QFETCH(AfterAttempt::Action, action);
    QFETCH(bool, hostAnswered);
    QFETCH(bool, hostAsksToWait);
    QFETCH(bool, tryRedirect);
    QFETCH(bool, tryReplay);

    AttemptResult result;
    result.status = status;
    result.error = error;
    result.bodyDelivered = delivered;
    result.callerHasRead = callerHasRead;
    result.attemptHadToken = hadToken;
    result.unauthorizedReplayUsed = replayUsed;
    const AfterAttempt next = nullify::decideAfterAttempt(result);
    QCOMPARE(next.action, action);
    QCOMPARE(next.hostAnswered, hostAnswered);
    QCOMPARE(next.hostAsksToWait, hostAsksToWait);
    QCOMPARE(next.tryRedirect, tryRedirect);
    QCOMPARE(next.tryUnauthorizedReplay, tryReplay);
}

void TestRetryDecisions::retry_data()
{
    QTest::addColumn<QByteArray>("verb");
    QTest::addColumn<bool>("marked");
    QTest::addColumn<int>("status");
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<bool>("sent");
    QTest::addColumn<int>("retriesScheduled");
    QTest::addColumn<bool>("bodyCanReplay");
    QTest::addColumn<int>("retryAfterMs"); // -1: none
    QTest::addColumn<qint64>("elapsedMs");
    QTest::addColumn<RetryDecision::Kind>("kind");
    QTest::addColumn<qint64>("delayMs");
    QTest::addColumn<bool>("fromRetryAfter");

    using K = RetryDecision::Kind;
    const auto none = QNetworkReply::NoError;
    const auto refused = QNetworkReply::ConnectionRefusedError;
    const auto closed = QNetworkReply::RemoteHostClosedError;
    const QByteArray get("GET");
    const QByteArray post("POST");
    // clang-format off
    QTest::newRow("200 is final")                     << get  << false << 200 << none    << true  << 0 << true  << -1     << qint64(0)      << K::NotRetryable      << qint64(0)     << false;
    QTest::newRow("404 is final")                     << get  << false << 404 << QNetworkReply::ContentNotFoundError << true << 0 << true << -1 << qint64(0) << K::NotRetryable << qint64(0) << false;
    QTest::newRow("503 GET: first backoff")           << get  << false << 503 << QNetworkReply::ServiceUnavailableError << true << 0 << true << -1 << qint64(0) << K::Retry << qint64(500) << false;
    QTest::newRow("503 GET: third backoff")           << get  << false << 503 << QNetworkReply::ServiceUnavailableError << true << 2 << true << -1 << qint64(0) << K::Retry << qint64(2000) << false;
    QTest::newRow("503 GET: out of attempts")         << get  << false << 503 << QNetworkReply::ServiceUnavailableError << true << 3 << true << -1 << qint64(0) << K::OutOfAttempts << qint64(0) << false;
    QTest::newRow("503 POST: final")                  << post << false << 503 << QNetworkReply::ServiceUnavailableError << true << 0 << true << -1 << qint64(0) << K::NotRetryable << qint64(0) << false;
    QTest::newRow("503 POST marked: retried")         << post << true  << 503 << QNetworkReply::ServiceUnavailableError << true << 0 << true << -1 << qint64(0) << K::Retry << qint64(500) << false;
    QTest::newRow("429 POST: Retry-After above backoff") << post << false << 429 << QNetworkReply::UnknownContentError << true << 0 << true << 3000 << qint64(0) << K::Retry << qint64(3000) << true;
    QTest::newRow("429: Retry-After below backoff")   << get  << false << 429 << QNetworkReply::UnknownContentError << true << 0 << true << 100 << qint64(0) << K::Retry << qint64(500) << false;
    QTest::newRow("429: Retry-After equal to backoff") << get << false << 429 << QNetworkReply::UnknownContentError << true << 0 << true << 500 << qint64(0) << K::Retry << qint64(500) << true;
    QTest::newRow("429: Retry-After above the cap")   << get  << false << 429 << QNetworkReply::UnknownContentError << true << 0 << true << 60000 << qint64(0) << K::RetryAfterTooLong << qint64(60000) << true;
    QTest::newRow("503: wait past the deadline")      << get  << false << 503 << QNetworkReply::ServiceUnavailableError << true << 0 << true << 5000 << qint64(116000) << K::PastDeadline << qint64(5000) << true;
    QTest::newRow("503: backoff ends at the deadline") << get << false << 503 << QNetworkReply::ServiceUnavailableError << true << 0 << true << -1 << qint64(119500) << K::PastDeadline << qint64(500) << false;
    QTest::newRow("503: backoff just inside")         << get  << false << 503 << QNetworkReply::ServiceUnavailableError << true << 0 << true << -1 << qint64(119499) << K::Retry << qint64(500) << false;
    QTest::newRow("503: body can not be replayed")    << get  << false << 503 << QNetworkReply::ServiceUnavailableError << true << 0 << false << -1 << qint64(0) << K::BodyNotReplayable << qint64(0) << false;
    QTest::newRow("refused POST, never sent")         << post << false << 0   << refused << false << 0 << true  << -1     << qint64(0)      << K::Retry             << qint64(500)   << false;
    QTest::newRow("closed POST after sending")        << post << false << 0   << closed  << true  << 0 << true  << -1     << qint64(0)      << K::NotRetryable      << qint64(0)     << false;
    QTest::newRow("closed GET after sending")         << get  << false << 0   << closed  << true  << 0 << true  << -1     << qint64(0)      << K::Retry             << qint64(500)   << false;
    QTest::newRow("transport failure ignores Retry-After") << get << false << 0 << closed << true << 0 << true << 60000 << qint64(0)      << K::Retry             << qint64(500)   << false;
    QTest::newRow("cancel is final")                  << get  << false << 0   << QNetworkReply::OperationCanceledError << false << 0 << true << -1 << qint64(0) << K::NotRetryable << qint64(0) << false;
    // clang-format on
}

void TestRetryDecisions::retry()
{
    QFETCH(QByteArray, verb);
    QFETCH(bool, marked);
    QFETCH(int, status);
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(bool, sent);
    QFETCH(int, retriesScheduled);
    QFETCH(bool, bodyCanReplay);
    QFETCH(int, retryAfterMs);
    QFETCH(qint64, elapsedMs);
    QFETCH(RetryDecision::Kind, kind);
    QFETCH(qint64, delayMs);
    QFETCH(bool, fromRetryAfter);

    RetryHistory history = historyFor(verb, retriesScheduled);
    history.markedIdempotent = marked;
    RetryQuestion question;
    question.status = status;
    question.error = error;
    question.attemptSent = sent;
    RetryTiming timing;
    timing.bodyCanReplay = bodyCanReplay;
    timing.unitRandom = 0.5;
    if (retryAfterMs >= 0)
        timing.serverDelay = std::chrono::milliseconds(retryAfterMs);
    timing.elapsedMs = elapsedMs;

    const RetryPolicy policy = exactPolicy();
    const RetryDecision decision = nullify::decideRetry(policy, history, question, timing);
    QCOMPARE(decision.kind, kind);
    QCOMPARE(nullify::isRetryable(policy, history, question), kind != RetryDecision::Kind::NotRetryable);
    if (kind == RetryDecision::Kind::Retry || kind == RetryDecision::Kind::RetryAfterTooLong
        || kind == RetryDecision::Kind::PastDeadline) {
        QCOMPARE(qint64(decision.delay.count()), delayMs);
        QCOMPARE(decision.fromRetryAfter, fromRetryAfter);
    }
}

void TestRetryDecisions::retryNeverProcessedAnyMethod()
{
    // A GOAWAY or REFUSED_STREAM: the server did not process the stream, so even a POST that went
    // out is sent again; the same failure without that report is final for a POST.
    RetryQuestion question;
    question.error = QNetworkReply::ProtocolFailure;
    question.attemptSent = true;
    question.neverProcessed = true;
    const RetryDecision decision = nullify::decideRetry(exactPolicy(), historyFor("POST"), question, RetryTiming());
    QCOMPARE(decision.kind, RetryDecision::Kind::Retry);
    question.neverProcessed = false;
    QCOMPARE(nullify::decideRetry(exactPolicy(), historyFor("POST"), question, RetryTiming()).kind,
             RetryDecision::Kind::NotRetryable);
}

void TestRetryDecisions::redirect_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("manual");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("location");
    QTest::addColumn<int>("redirectsSoFar");
    QTest::addColumn<QNetworkAccessManager::Operation>("operation");
    QTest::addColumn<RedirectDecision::Kind>("kind");
    QTest::addColumn<QString>("to");
    QTest::addColumn<bool>("dropCredentials");
    QTest::addColumn<bool>("becomesGet");

    using K = RedirectDecision::Kind;
    const auto get = QNetworkAccessManager::GetOperation;
    const auto post = QNetworkAccessManager::PostOperation;
    const auto head = QNetworkAccessManager::HeadOperation;
    const auto custom = QNetworkAccessManager::CustomOperation;
    const QString api = QStringLiteral("https://api.nullify.ai/v1/scans");
    // clang-format off
    QTest::newRow("same origin, relative")        << 302 << false << api << "/v1/other" << 0 << get << K::Follow << "https://api.nullify.ai/v1/other" << false << false;
    QTest::newRow("other host drops credentials") << 302 << false << api << "https://cdn.nullify.ai/x" << 0 << get << K::Follow << "https://cdn.nullify.ai/x" << true << false;
    QTest::newRow("other port drops credentials") << 307 << false << api << "https://api.nullify.ai:8443/x" << 0 << get << K::Follow << "https://api.nullify.ai:8443/x" << true << false;
    QTest::newRow("explicit default port is the same origin") << 307 << false << api << "https://api.nullify.ai:443/x" << 0 << get << K::Follow << "https://api.nullify.ai:443/x" << false << false;
    QTest::newRow("manual policy: not followed")  << 302 << true  << api << "/v1/other" << 0 << get << K::NotFollowed << "" << false << false;
    QTest::newRow("no Location: not followed")    << 302 << false << api << "" << 0 << get << K::NotFollowed << "" << false << false;
    QTest::newRow("304 is not a redirect")        << 304 << false << api << "/v1/other" << 0 << get << K::NotFollowed << "" << false << false;
    QTest::newRow("the tenth is followed")        << 302 << false << api << "/v1/other" << 9 << get << K::Follow << "https://api.nullify.ai/v1/other" << false << false;
    QTest::newRow("the eleventh is refused")      << 302 << false << api << "/v1/other" << 10 << get << K::TooMany << "https://api.nullify.ai/v1/other" << false << false;
    QTest::newRow("https to http refused")        << 301 << false << api << "http://api.nullify.ai/v1/scans" << 0 << get << K::InsecureDowngrade << "http://api.nullify.ai/v1/scans" << false << false;
    QTest::newRow("http to https followed")       << 301 << false << "http://127.0.0.1:8080/a" << "https://127.0.0.1:8443/a" << 0 << get << K::Follow << "https://127.0.0.1:8443/a" << true << false;
    QTest::newRow("ftp refused")                  << 302 << false << api << "ftp://files.nullify.ai/x" << 0 << get << K::UnsupportedScheme << "ftp://files.nullify.ai/x" << false << false;
    QTest::newRow("POST after 301 becomes GET")   << 301 << false << api << "/v1/b" << 0 << post << K::Follow << "https://api.nullify.ai/v1/b" << false << true;
    QTest::newRow("POST after 302 becomes GET")   << 302 << false << api << "/v1/b" << 0 << post << K::Follow << "https://api.nullify.ai/v1/b" << false << true;
    QTest::newRow("POST after 303 becomes GET")   << 303 << false << api << "/v1/b" << 0 << post << K::Follow << "https://api.nullify.ai/v1/b" << false << true;
    QTest::newRow("POST after 307 stays POST")    << 307 << false << api << "/v1/b" << 0 << post << K::Follow << "https://api.nullify.ai/v1/b" << false << false;
    QTest::newRow("POST after 308 stays POST")    << 308 << false << api << "/v1/b" << 0 << post << K::Follow << "https://api.nullify.ai/v1/b" << false << false;
    QTest::newRow("PATCH after 302 stays PATCH")  << 302 << false << api << "/v1/b" << 0 << custom << K::Follow << "https://api.nullify.ai/v1/b" << false << false;
    QTest::newRow("PATCH after 303 becomes GET")  << 303 << false << api << "/v1/b" << 0 << custom << K::Follow << "https://api.nullify.ai/v1/b" << false << true;
    QTest::newRow("HEAD after 303 stays HEAD")    << 303 << false << api << "/v1/b" << 0 << head << K::Follow << "https://api.nullify.ai/v1/b" << false << false;
    // clang-format on
}

void TestRetryDecisions::redirect()
{
    QFETCH(int, status);
    QFETCH(bool, manual);
    QFETCH(QString, from);
    QFETCH(QString, location);
    QFETCH(int, redirectsSoFar);
    QFETCH(QNetworkAccessManager::Operation, operation);
    QFETCH(RedirectDecision::Kind, kind);
    QFETCH(QString, to);
    QFETCH(bool, dropCredentials);
    QFETCH(bool, becomesGet);

    RedirectQuestion question;
    question.status = status;
    question.manualPolicy = manual;
    question.from = QUrl(from);
    question.location = QUrl(location);
    question.redirectsSoFar = redirectsSoFar;
    question.maxRedirects = RetryPolicy().maxRedirects;
    question.operation = operation;
    const RedirectDecision decision = nullify::decideRedirect(question);
    QCOMPARE(decision.kind, kind);
    QCOMPARE(decision.counts(), kind != RedirectDecision::Kind::NotFollowed);
    if (kind != RedirectDecision::Kind::NotFollowed)
        QCOMPARE(decision.to, QUrl(to));
    if (kind == RedirectDecision::Kind::Follow) {
        QCOMPARE(decision.dropCredentials, dropCredentials);
        QCOMPARE(decision.becomesGet, becomesGet);
    }
}

void TestRetryDecisions::attemptEnd_data()
{
    QTest::addColumn<QNetworkReply::NetworkError>("qtError");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("sendOnce");
    QTest::addColumn<bool>("rewindRefused");
    QTest::addColumn<bool>("abortedByUs");
    QTest::addColumn<bool>("timedOutByUs");
    QTest::addColumn<qint64>("bodyBytes");
    QTest::addColumn<std::optional<qint64>>("contentLength");
    QTest::addColumn<QNetworkReply::NetworkError>("error");
    QTest::addColumn<AttemptEnd::Reason>("reason");
    QTest::addColumn<bool>("countsAsSent");

    using R = AttemptEnd::Reason;
    using E = QNetworkReply;
    const std::optional<qint64> noLength;
    const std::optional<qint64> length100 = 100;
    // clang-format off
    QTest::newRow("200 complete")                 << E::NoError << 200 << false << false << false << false << qint64(100) << length100 << E::NoError << R::AsReported << true;
    QTest::newRow("200 without Content-Length")   << E::NoError << 200 << false << false << false << false << qint64(40) << noLength << E::NoError << R::AsReported << true;
    QTest::newRow("200 cut short")                << E::NoError << 200 << false << false << false << false << qint64(40) << length100 << E::RemoteHostClosedError << R::CutShort << true;
    QTest::newRow("cut short, but we aborted")    << E::NoError << 200 << false << false << true  << false << qint64(40) << length100 << E::NoError << R::AsReported << true;
    QTest::newRow("resend refused")               << E::ContentReSendError << 0 << true << true << false << false << qint64(0) << noLength << E::RemoteHostClosedError << R::ResendRefused << true;
    QTest::newRow("resend error without the guard") << E::ContentReSendError << 0 << false << false << false << false << qint64(0) << noLength << E::ContentReSendError << R::AsReported << false;
    QTest::newRow("send-once, closed before answer") << E::RemoteHostClosedError << 0 << true << false << false << false << qint64(0) << noLength << E::RemoteHostClosedError << R::AsReported << true;
    QTest::newRow("closed before answer, may resend") << E::RemoteHostClosedError << 0 << false << false << false << false << qint64(0) << noLength << E::RemoteHostClosedError << R::AsReported << false;
    QTest::newRow("send-once, refused connection") << E::ConnectionRefusedError << 0 << true << false << false << false << qint64(0) << noLength << E::ConnectionRefusedError << R::AsReported << false;
    QTest::newRow("cancel after our timeout")     << E::OperationCanceledError << 0 << false << false << true << true << qint64(0) << noLength << E::TimeoutError << R::AsReported << false;
    QTest::newRow("cancel not ours: Qt's timeout") << E::OperationCanceledError << 0 << false << false << false << false << qint64(0) << noLength << E::TimeoutError << R::AsReported << false;
    QTest::newRow("we cut a held 503")            << E::OperationCanceledError << 503 << false << false << true << false << qint64(10) << noLength << E::ServiceUnavailableError << R::AsReported << true;
    QTest::newRow("we cut a held 401")            << E::OperationCanceledError << 401 << false << false << true << false << qint64(10) << noLength << E::AuthenticationRequiredError << R::AsReported << true;
    QTest::newRow("we cut a held 302")            << E::OperationCanceledError << 302 << false << false << true << false << qint64(10) << noLength << E::NoError << R::AsReported << true;
    QTest::newRow("HTTP/2 stream reset mid-200")  << E::InternalServerError << 200 << false << false << false << false << qint64(10) << length100 << E::RemoteHostClosedError << R::StreamReset << true;
    QTest::newRow("a real 500")                   << E::InternalServerError << 500 << false << false << false << false << qint64(10) << noLength << E::InternalServerError << R::AsReported << true;
    // clang-format on
}

void TestRetryDecisions::attemptEnd()
{
    QFETCH(QNetworkReply::NetworkError, qtError);
    QFETCH(int, status);
    QFETCH(bool, sendOnce);
    QFETCH(bool, rewindRefused);
    QFETCH(bool, abortedByUs);
    QFETCH(bool, timedOutByUs);
    QFETCH(qint64, bodyBytes);
    QFETCH(std::optional<qint64>, contentLength);
    QFETCH(QNetworkReply::NetworkError, error);
    QFETCH(AttemptEnd::Reason, reason);
    QFETCH(bool, countsAsSent);

    AttemptReport report;
    report.qtError = qtError;
    report.status = status;
    report.sendOnce = sendOnce;
    report.rewindRefused = rewindRefused;
    report.abortedByUs = abortedByUs;
    report.timedOutByUs = timedOutByUs;
    report.hasBody = nullify::responseHasBody("GET", status);
    report.bodyBytes = bodyBytes;
    report.contentLength = contentLength;
    const AttemptEnd end = nullify::qtworkarounds::correctedAttemptEnd(report);
    QCOMPARE(end.error, error);
    QCOMPARE(end.reason, reason);
    QCOMPARE(end.countsAsSent, countsAsSent);
}

QTEST_GUILESS_MAIN(TestRetryDecisions)
#include "tst_retrydecisions.moc"
