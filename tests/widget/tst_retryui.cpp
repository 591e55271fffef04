// The retry UI over real loopback sockets: the countdown a waiting request shows ("HTTP 503 ·
// retrying in 3 s"), its "Retry now" and "Cancel", the over-cap Retry-After text, the activity
// table (attempts, statuses, never a token) and the status bar's connection state (online,
// retrying, offline from failures or from the system, signed out). What the scripted server
// received is checked as well as what the widgets show.

#include "activitymodel.h"
#include "apierror.h"
#include "connectionstate.h"
#include "connectionstatuswidget.h"
#include "countdownticker.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "ports.h"
#include "reachability.h"
#include "replyhelpers.h"
#include "requesttracker.h"
#include "retrycountdown.h"
#include "retryingreply.h"
#include "scriptedhttpserver.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLocale>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPushButton>
#include <QSignalSpy>
#include <QTimer>
#include <QVBoxLayout>
#include <QtTest>

#include <memory>

using namespace std::chrono_literals;
using nullify::NetworkAccessManager;
using nullify::RetryPolicy;
using nullify::toAttribute;
using nullify::test::closedPort;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::test::waitForFinished;
using nullify::ui::ActivityModel;
using nullify::ui::ConnectionState;
using nullify::ui::ConnectionStatusWidget;
using nullify::ui::CountdownTicker;
using nullify::ui::ManualReachability;
using nullify::ui::RequestRecord;
using nullify::ui::RequestTracker;
using nullify::ui::RetryCountdown;
namespace ReplyAttribute = nullify::ReplyAttribute;

namespace {

// A manager, its tracker and a shown window to put widgets in: what the app's views have.
struct Fixture
{
    explicit Fixture(int maxAttempts = 4)
    {
        RetryPolicy policy = nullify::test::fastRetryPolicy();
        policy.maxAttempts = maxAttempts;
        nam.setRetryPolicy(policy);
        nam.setProxy(QNetworkProxy::NoProxy); // an http_proxy in the environment must not matter
        tracker = std::make_unique<RequestTracker>(&nam);
        window.resize(640, 200);
        layout = new QVBoxLayout(&window);
    }

    void show()
    {
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
    }

    NetworkAccessManager nam;
    std::unique_ptr<RequestTracker> tracker;
    QWidget window;
    QVBoxLayout* layout = nullptr;
};

// The same with the status bar's connection state in the window, online.
struct StatusFixture : Fixture
{
    StatusFixture()
        : state(tracker.get(), &reachability)
        , status(new ConnectionStatusWidget(&state))
    {
        layout->addWidget(status);
    }

    ManualReachability reachability {true};
    ConnectionState state;
    ConnectionStatusWidget* status;
};

ScriptedResponse busy(const QByteArray& retryAfter)
{
    return ScriptedResponse::status(503, "busy").header("Retry-After", retryAfter);
}

// Makes the whole host wait 5 s (a 429 with Retry-After).
ScriptedResponse hostBusy()
{
    return ScriptedResponse::status(429).header("Retry-After", "5");
}

} // namespace

class tst_RetryUi : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void countdownShowsTicksAndRetryNow();
    void cancelAbortsAndNothingMoreIsSent();
    void overCapRetryAfterShowsWaitUntil();
    void hostWaitIsOneCountdownWithRetryNow();
    void hostWaitCancelCancelsEveryWaitingRequest();
    void countdownsShareOneTicker();
    void tickerSecondsNeverReachZeroEarly();
    void activityModelShowsAttemptsAndNoToken();
    void activityModelKeepsWithinCapacity();
    void offlineOnConnectionRefusedBackOnSuccess();
    void offlineFromReachabilityAndBack();
    void probeBringsStateBackByItself();
    void signedOutOffersSignIn();
    void ambiguousFailureHint();

private:
    ScriptedHttpServer* m_server = nullptr;
};

void tst_RetryUi::initTestCase()
{
    // Text checks below use the C locale's formats.
    QLocale::setDefault(QLocale::c());
}

void tst_RetryUi::init()
{
    delete m_server;
    m_server = new ScriptedHttpServer(this);
    QVERIFY(m_server->listen());
}

void tst_RetryUi::countdownShowsTicksAndRetryNow()
{
    Fixture f;
    ManualReachability reachability(true);
    ConnectionState state(f.tracker.get(), &reachability);
    auto* countdown = new RetryCountdown(f.tracker.get());
    auto* status = new ConnectionStatusWidget(&state);
    f.layout->addWidget(countdown);
    f.layout->addWidget(status);
    f.show();
    QVERIFY(!countdown->isVisible());
    QCOMPARE(status->text(), QStringLiteral("Online"));

    m_server->enqueue("GET", QStringLiteral("/poll"), busy("3"));
    m_server->enqueue("GET", QStringLiteral("/poll"), ScriptedResponse::json(200, "{\"status\":\"done\"}"));
    QNetworkReply* reply = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/poll"))));
    countdown->setReply(reply);

    QTRY_COMPARE(countdown->mode(), RetryCountdown::Mode::Countdown);
    QVERIFY(countdown->isVisible());
    QCOMPARE(countdown->text(), QStringLiteral("HTTP 503 · retrying in 3 s"));
    QVERIFY(countdown->retryNowButton()->isVisible());
    QVERIFY(countdown->cancelButton()->isVisible());
    QCOMPARE(countdown->retryNowButton()->accessibleName(), QStringLiteral("Retry now"));
    QVERIFY(!countdown->cancelButton()->accessibleName().isEmpty());
    QVERIFY(countdown->findChildren<QTimer*>().isEmpty()); // the shared ticker counts, not the widget
    QVERIFY(CountdownTicker::shared()->contains(countdown));

    // The status bar shows the same wait.
    QCOMPARE(state.state(), ConnectionState::State::Retrying);
    QCOMPARE(status->text(), QStringLiteral("HTTP 503 · retrying in 3 s"));
    QVERIFY(status->retryNowButton()->isVisible());

    QTRY_COMPARE_WITH_TIMEOUT(countdown->text(), QStringLiteral("HTTP 503 · retrying in 2 s"), 2500);
    QCOMPARE(m_server->requestCount(), 1);

    QTest::mouseClick(countdown->retryNowButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount(), 2, 1000);
    const auto requests = m_server->requests();
    // Sent at the click, about 1 s after the first attempt, not at the 3 s the server asked for.
    QCOMPARE_LT(requests.at(1).receivedAtMs - requests.at(0).receivedAtMs, 2500);

    QVERIFY(waitForFinished(reply));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->readAll(), QByteArray("{\"status\":\"done\"}"));
    QCOMPARE(countdown->mode(), RetryCountdown::Mode::Hidden);
    QVERIFY(!countdown->isVisible());
    QVERIFY(!CountdownTicker::shared()->contains(countdown));
    QCOMPARE(state.state(), ConnectionState::State::Online);
    QCOMPARE(status->text(), QStringLiteral("Online"));
    reply->deleteLater();
}

void tst_RetryUi::cancelAbortsAndNothingMoreIsSent()
{
    Fixture f;
    auto* countdown = new RetryCountdown(f.tracker.get());
    f.layout->addWidget(countdown);
    f.show();

    m_server->enqueue("GET", QStringLiteral("/poll"), busy("2"));
    m_server->enqueue("GET", QStringLiteral("/poll"), ScriptedResponse::json(200, "{}"));
    QNetworkReply* reply = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/poll"))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    // Bound once the wait has started: the countdown picks it up from the tracker.
    QTRY_VERIFY(f.tracker->pendingRetry(reply).has_value());
    countdown->setReply(reply);
    QCOMPARE(countdown->mode(), RetryCountdown::Mode::Countdown);
    QCOMPARE(countdown->text(), QStringLiteral("HTTP 503 · retrying in 2 s"));

    const QDateTime retryDueAt = f.tracker->pendingRetry(reply)->dueAt;
    QSignalSpy cancelled(countdown, &RetryCountdown::cancelClicked);
    QTest::mouseClick(countdown->cancelButton(), Qt::LeftButton);
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(reply->error(), QNetworkReply::OperationCanceledError);
    QCOMPARE(countdown->mode(), RetryCountdown::Mode::Hidden);
    QVERIFY(!countdown->isVisible());

    // Past the moment the retry was due: still only the first request. Negative, and the only
    // proof that the cancelled retry timer is gone; it was due 2 s (the Retry-After) after the 503.
    QTest::qWait(int(std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(retryDueAt))) + 200);
    QCOMPARE(m_server->requestCount(), 1);
    const RequestRecord* record = f.tracker->record(f.tracker->records().constLast().id);
    QVERIFY(record);
    QCOMPARE(record->outcome, RequestRecord::Outcome::Cancelled);
    reply->deleteLater();
}

// A 429 with Retry-After makes the host wait: the request that got it and the ones made after
// it wait together, and the status bar shows one countdown for the host (one signal for it, not
// one per request). Its "Retry now" ends the host's wait: every waiting request goes.
void tst_RetryUi::hostWaitIsOneCountdownWithRetryNow()
{
    StatusFixture f;
    f.show();
    QSignalSpy hostWaits(f.tracker.get(), &RequestTracker::hostWaitPending);
    QSignalSpy requestWaits(f.tracker.get(), &RequestTracker::retryPending);
    m_server->setFallback([](const nullify::test::RecordedRequest&) { return ScriptedResponse::json(200, "{}"); });

    m_server->enqueue("GET", QStringLiteral("/poll"), hostBusy());
    QNetworkReply* first = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/poll"))));
    QTRY_COMPARE(hostWaits.count(), 1);
    QList<QNetworkReply*> later;
    for (int i = 0; i < 2; ++i)
        later.append(f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/later/%1").arg(i)))));

    QCOMPARE(f.state.state(), ConnectionState::State::Retrying);
    QCOMPARE(f.state.waitingHost(), NetworkAccessManager::hostKey(m_server->url()));
    QTRY_COMPARE_WITH_TIMEOUT(f.status->text(), QStringLiteral("HTTP 429 · retrying in 4 s (2 more waiting)"), 2500);
    QCOMPARE(hostWaits.count(), 1);
    QCOMPARE(requestWaits.count(), 1); // only the request that got the 429 waits to retry itself
    QCOMPARE(m_server->requestCount(), 1);

    QTest::mouseClick(f.status->retryNowButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount(), 4, 1000);
    QVERIFY(waitForFinished(first));
    QCOMPARE(first->error(), QNetworkReply::NoError);
    for (QNetworkReply* reply : later) {
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
    }
    QTRY_COMPARE(f.state.state(), ConnectionState::State::Online);
    QCOMPARE(f.status->text(), QStringLiteral("Online"));
    QVERIFY(f.tracker->hostWaits().isEmpty());
}

void tst_RetryUi::hostWaitCancelCancelsEveryWaitingRequest()
{
    StatusFixture f;
    f.show();

    m_server->enqueue("GET", QStringLiteral("/poll"), hostBusy());
    QNetworkReply* first = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/poll"))));
    QTRY_COMPARE(f.state.state(), ConnectionState::State::Retrying);
    QNetworkReply* later = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/later"))));
    QVERIFY(f.status->cancelButton()->isVisible());

    QTest::mouseClick(f.status->cancelButton(), Qt::LeftButton);
    QVERIFY(first->isFinished());
    QVERIFY(later->isFinished());
    QCOMPARE(first->error(), QNetworkReply::OperationCanceledError);
    QCOMPARE(later->error(), QNetworkReply::OperationCanceledError);
    QCOMPARE(f.state.state(), ConnectionState::State::Online);
    QTest::qWait(100); // negative: a request let go by the cancel would be sent at once
    QCOMPARE(m_server->requestCount(), 1); // the 429; nothing after it
}

void tst_RetryUi::overCapRetryAfterShowsWaitUntil()
{
    Fixture f; // the default cap is 30 s
    auto* countdown = new RetryCountdown(f.tracker.get());
    f.layout->addWidget(countdown);
    f.show();

    m_server->enqueue("GET", QStringLiteral("/poll"), busy("3600"));
    QNetworkReply* reply = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/poll"))));
    countdown->setReply(reply);
    QVERIFY(waitForFinished(reply));
    QCOMPARE(m_server->requestCount(), 1);

    const QDateTime until = reply->attribute(toAttribute(ReplyAttribute::RetryAfterUntil)).toDateTime();
    QVERIFY(until.isValid());
    QCOMPARE(countdown->mode(), RetryCountdown::Mode::WaitUntil);
    QVERIFY(countdown->isVisible());
    QVERIFY(!countdown->retryNowButton()->isVisible());
    QVERIFY(!countdown->cancelButton()->isVisible());
    const QDateTime local = until.toLocalTime();
    const QString when = local.date() == QDate::currentDate() ? QLocale().toString(local.time(), QLocale::ShortFormat)
                                                              : QLocale().toString(local, QLocale::ShortFormat);
    QCOMPARE(countdown->text(), QStringLiteral("The server asks to wait until ") + when);

    // Bound after the end, it shows the same.
    RetryCountdown late(f.tracker.get());
    late.setReply(reply);
    QCOMPARE(late.mode(), RetryCountdown::Mode::WaitUntil);
    QCOMPARE(late.text(), countdown->text());
    reply->deleteLater();
}

void tst_RetryUi::countdownsShareOneTicker()
{
    Fixture f;
    QList<RetryCountdown*> countdowns;
    QList<QNetworkReply*> replies;
    for (int i = 0; i < 3; ++i) {
        const QString path = QStringLiteral("/poll/%1").arg(i);
        m_server->enqueue("GET", path, busy(QByteArray::number(2 + i)));
        m_server->enqueue("GET", path, ScriptedResponse::json(200, "{}"));
        auto* countdown = new RetryCountdown(f.tracker.get());
        f.layout->addWidget(countdown);
        QNetworkReply* reply = f.nam.get(QNetworkRequest(m_server->url(path)));
        countdown->setReply(reply);
        countdowns << countdown;
        replies << reply;
    }
    f.show();
    for (RetryCountdown* countdown : std::as_const(countdowns))
        QTRY_COMPARE(countdown->mode(), RetryCountdown::Mode::Countdown);
    QCOMPARE(CountdownTicker::shared()->count(), 3);
    QCOMPARE(f.window.findChildren<QTimer*>().size(), 0);
    QCOMPARE(countdowns.at(2)->secondsLeft(), 4);

    for (QNetworkReply* reply : std::as_const(replies)) {
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        reply->deleteLater();
    }
    for (RetryCountdown* countdown : std::as_const(countdowns))
        QCOMPARE(countdown->mode(), RetryCountdown::Mode::Hidden);
    QCOMPARE(CountdownTicker::shared()->count(), 0);
}

void tst_RetryUi::tickerSecondsNeverReachZeroEarly()
{
    QCOMPARE(CountdownTicker::secondsLeft(10'000, 7'000), 3);
    QCOMPARE(CountdownTicker::secondsLeft(10'000, 7'001), 3);
    QCOMPARE(CountdownTicker::secondsLeft(10'000, 7'999), 3);
    QCOMPARE(CountdownTicker::secondsLeft(10'000, 8'000), 2);
    QCOMPARE(CountdownTicker::secondsLeft(10'000, 9'999), 1);
    QCOMPARE(CountdownTicker::secondsLeft(10'000, 10'000), 0);
    QCOMPARE(CountdownTicker::secondsLeft(10'000, 12'000), 0);

    // Every number from 2 down to 0 is shown once, in order, and 0 only at dueAt.
    CountdownTicker ticker;
    QObject receiver;
    const QDateTime due = QDateTime::currentDateTimeUtc().addMSecs(1500);
    QList<int> shown;
    QList<qint64> shownAt;
    ticker.add(&receiver, due, [&](int seconds) {
        shown << seconds;
        shownAt << QDateTime::currentMSecsSinceEpoch();
    });
    QTRY_COMPARE_WITH_TIMEOUT(shown.size(), 3, 4000);
    QCOMPARE(shown, (QList<int> {2, 1, 0}));
    QVERIFY(shownAt.at(2) >= due.toMSecsSinceEpoch());
    QVERIFY(shownAt.at(1) >= due.toMSecsSinceEpoch() - 1000);
    QTest::qWait(50); // negative: a 0 shown twice would come from the same tick, not a second later
    QCOMPARE(shown.size(), 3);
}

void tst_RetryUi::activityModelShowsAttemptsAndNoToken()
{
    Fixture f;
    ActivityModel model(f.tracker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);

    m_server->enqueue("GET", QStringLiteral("/findings"), busy("1"));
    m_server->enqueue("GET", QStringLiteral("/findings"), ScriptedResponse::json(200, "[]"));
    m_server->enqueue("GET", QStringLiteral("/gone"), ScriptedResponse::status(404, "nope"));

    const QByteArray token = QByteArrayLiteral("sekrit-header-token-123");
    QUrl url = m_server->url(QStringLiteral("/findings"));
    url.setQuery(QStringLiteral("page=2&access_token=sekrit-query-456"));
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + token);
    QNetworkReply* first = f.nam.get(request);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(waitForFinished(first));
    QCOMPARE(first->error(), QNetworkReply::NoError);

    // Qt's own error text for this one quotes the whole URL, query and all.
    QUrl goneUrl = m_server->url(QStringLiteral("/gone"));
    goneUrl.setQuery(QStringLiteral("api_key=sekrit-key-789"));
    QNetworkRequest goneRequest(goneUrl);
    goneRequest.setRawHeader("Authorization", "Bearer " + token);
    QNetworkReply* second = f.nam.get(goneRequest);
    QVERIFY(waitForFinished(second));
    QVERIFY(second->errorString().contains(QStringLiteral("sekrit-key-789")));

    // The secrets really went out; the model shows none of them.
    QCOMPARE(m_server->requests().at(0).header("Authorization"), "Bearer " + token);
    QCOMPARE(model.rowCount(), 2);
    auto cell = [&](int row, int column, int role = Qt::DisplayRole) {
        return model.data(model.index(row, column), role).toString();
    };
    QCOMPARE(cell(0, ActivityModel::MethodColumn), QStringLiteral("GET"));
    QVERIFY2(cell(0, ActivityModel::PathColumn).startsWith(QStringLiteral("/findings?page=2&access_token=")),
             qPrintable(cell(0, ActivityModel::PathColumn)));
    QVERIFY(cell(0, ActivityModel::PathColumn).contains(QStringLiteral("redacted")));
    QCOMPARE(cell(0, ActivityModel::AttemptsColumn), QStringLiteral("2"));
    QCOMPARE(cell(0, ActivityModel::StatusColumn), QStringLiteral("HTTP 200"));
    QCOMPARE(cell(0, ActivityModel::WaitsColumn), QStringLiteral("1 s"));
    QVERIFY(cell(0, ActivityModel::OutcomeColumn).startsWith(QStringLiteral("Done")));
    const QString detail = cell(0, ActivityModel::OutcomeColumn, Qt::ToolTipRole);
    QVERIFY2(detail.contains(QStringLiteral("Attempt 1")) && detail.contains(QStringLiteral("HTTP 503"))
                 && detail.contains(QStringLiteral("Retry-After")) && detail.contains(QStringLiteral("Attempt 2")),
             qPrintable(detail));
    QCOMPARE(cell(1, ActivityModel::AttemptsColumn), QStringLiteral("1"));
    QCOMPARE(cell(1, ActivityModel::StatusColumn), QStringLiteral("HTTP 404"));
    QCOMPARE(cell(1, ActivityModel::OutcomeColumn), QStringLiteral("Failed: HTTP 404"));

    const QList<int> roles = model.roleNames().keys() << Qt::ToolTipRole << Qt::StatusTipRole << Qt::WhatsThisRole;
    for (int row = 0; row < model.rowCount(); ++row) {
        for (int column = 0; column < model.columnCount(); ++column) {
            for (int role : roles) {
                const QString text = cell(row, column, role);
                QVERIFY2(!text.contains(QStringLiteral("sekrit")), qPrintable(text));
            }
        }
    }
    for (const RequestRecord& record : f.tracker->records())
        QVERIFY(!record.url.contains(QStringLiteral("sekrit")));
    first->deleteLater();
    second->deleteLater();
}

void tst_RetryUi::activityModelKeepsWithinCapacity()
{
    Fixture f;
    f.tracker->setCapacity(3);
    ActivityModel model(f.tracker.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_server->setFallback([](const auto&) { return ScriptedResponse::json(200, "{}"); });

    QList<QNetworkReply*> replies;
    for (int i = 0; i < 5; ++i) {
        QNetworkReply* reply = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/r/%1").arg(i))));
        QVERIFY(waitForFinished(reply));
        reply->deleteLater();
    }
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.data(model.index(0, ActivityModel::PathColumn)).toString(), QStringLiteral("/r/2"));
    QCOMPARE(model.data(model.index(2, ActivityModel::PathColumn)).toString(), QStringLiteral("/r/4"));

    // Requests in flight are never dropped, even above capacity.
    m_server->setFallback([](const auto&) { return ScriptedResponse::stall(); });
    for (int i = 0; i < 4; ++i)
        replies << f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/slow/%1").arg(i))));
    QCOMPARE(model.rowCount(), 4);
    for (QNetworkReply* reply : std::as_const(replies)) {
        reply->abort();
        reply->deleteLater();
    }
    QCOMPARE(model.rowCount(), 3);
}

void tst_RetryUi::offlineOnConnectionRefusedBackOnSuccess()
{
    Fixture f(1); // one attempt per request: each refusal is its own request
    ManualReachability reachability(true);
    ConnectionState state(f.tracker.get(), &reachability);
    auto* status = new ConnectionStatusWidget(&state);
    f.layout->addWidget(status);
    f.show();
    QSignalSpy paused(&state, &ConnectionState::pausedChanged);

    m_server->setFallback([](const auto&) { return ScriptedResponse::json(200, "{}"); });
    QNetworkReply* ok = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/ok"))));
    QVERIFY(waitForFinished(ok));
    ok->deleteLater();
    const QDateTime asOf = state.dataAsOf();
    QVERIFY(asOf.isValid());
    QCOMPARE(state.state(), ConnectionState::State::Online);

    const quint16 port = closedPort();
    QVERIFY(port != 0);
    QUrl refused(QStringLiteral("http://127.0.0.1/x"));
    refused.setPort(port);
    for (int i = 0; i < 2; ++i) {
        QNetworkReply* reply = f.nam.get(QNetworkRequest(refused));
        QVERIFY(waitForFinished(reply));
        QCOMPARE(reply->error(), QNetworkReply::ConnectionRefusedError);
        reply->deleteLater();
        if (i == 0)
            QCOMPARE(state.state(), ConnectionState::State::Online); // one failure is not an outage
    }
    QCOMPARE(state.state(), ConnectionState::State::Offline);
    QVERIFY(state.isPaused());
    QCOMPARE(paused.count(), 1);
    QCOMPARE(paused.at(0).at(0).toBool(), true);

    // Grey (the palette's placeholder role, not a colour of its own) with the "as of" time.
    QCOMPARE(status->label()->foregroundRole(), QPalette::PlaceholderText);
    QCOMPARE(status->text(),
             QStringLiteral("Offline · showing data as of ")
                 + QLocale().toString(asOf.toLocalTime().time(), QLocale::ShortFormat));
    QVERIFY(!status->signInButton()->isVisible());

    QNetworkReply* back = f.nam.get(QNetworkRequest(m_server->url(QStringLiteral("/ok"))));
    QVERIFY(waitForFinished(back));
    back->deleteLater();
    QCOMPARE(state.state(), ConnectionState::State::Online);
    QVERIFY(!state.isPaused());
    QCOMPARE(paused.count(), 2);
    QCOMPARE(paused.at(1).at(0).toBool(), false);
    QCOMPARE(status->label()->foregroundRole(), QPalette::WindowText);
    QCOMPARE(status->text(), QStringLiteral("Online"));
}

void tst_RetryUi::offlineFromReachabilityAndBack()
{
    Fixture f(1);
    ManualReachability reachability(true);
    ConnectionState state(f.tracker.get(), &reachability);
    QSignalSpy paused(&state, &ConnectionState::pausedChanged);
    QSignalSpy changed(&state, &ConnectionState::stateChanged);

    reachability.setOnline(false);
    QCOMPARE(state.state(), ConnectionState::State::Offline);
    QVERIFY(state.isPaused());
    QCOMPARE(paused.count(), 1);
    reachability.setOnline(true);
    QCOMPARE(state.state(), ConnectionState::State::Online);
    QCOMPARE(paused.count(), 2);
    QCOMPARE(changed.count(), 2);

    // Offline from failures also ends when the system reports a network again.
    state.setOfflineAfterFailures(1);
    QUrl refused(QStringLiteral("http://127.0.0.1/x"));
    refused.setPort(closedPort());
    QNetworkReply* reply = f.nam.get(QNetworkRequest(refused));
    QVERIFY(waitForFinished(reply));
    reply->deleteLater();
    QCOMPARE(state.state(), ConnectionState::State::Offline);
    reachability.setOnline(false);
    reachability.setOnline(true);
    QCOMPARE(state.state(), ConnectionState::State::Online);
    QCOMPARE(state.consecutiveUnreachable(), 0);

    // Started offline.
    ManualReachability down(false);
    ConnectionState startedOffline(f.tracker.get(), &down);
    QCOMPARE(startedOffline.state(), ConnectionState::State::Offline);
    QVERIFY(startedOffline.isPaused());
}

void tst_RetryUi::probeBringsStateBackByItself()
{
    Fixture f(1);
    ManualReachability reachability(true);
    ConnectionState state(f.tracker.get(), &reachability);
    state.setOfflineAfterFailures(1);
    state.setProbeInterval(50ms, 100ms);
    state.setProbeUrl(m_server->url(QStringLiteral("/health")));
    QSignalSpy probes(&state, &ConnectionState::probeRequested);
    m_server->enqueue("GET", QStringLiteral("/health"), ScriptedResponse::status(204));

    QUrl refused(QStringLiteral("http://127.0.0.1/x"));
    refused.setPort(closedPort());
    QNetworkReply* reply = f.nam.get(QNetworkRequest(refused));
    QVERIFY(waitForFinished(reply));
    reply->deleteLater();
    QCOMPARE(state.state(), ConnectionState::State::Offline);

    QTRY_COMPARE(state.state(), ConnectionState::State::Online);
    QCOMPARE(probes.count(), 1);
    QCOMPARE(m_server->requestCount("GET", QStringLiteral("/health")), 1); // the API has no HEAD for it
    QTest::qWait(200); // negative: twice the longest probe interval (100 ms) without a probe
    QCOMPARE(probes.count(), 1); // online again: no more probes
}

void tst_RetryUi::signedOutOffersSignIn()
{
    Fixture f;
    ManualReachability reachability(false);
    ConnectionState state(f.tracker.get(), &reachability);
    auto* status = new ConnectionStatusWidget(&state);
    f.layout->addWidget(status);
    f.show();
    QCOMPARE(status->text(), QStringLiteral("Offline")); // no data yet, so no "as of"

    state.setSignedIn(false);
    QCOMPARE(state.state(), ConnectionState::State::SignedOut);
    QCOMPARE(status->text(), QStringLiteral("Signed out"));
    QVERIFY(status->signInButton()->isVisible());
    QCOMPARE(status->signInButton()->accessibleName(), QStringLiteral("Sign in"));
    QCOMPARE(status->label()->foregroundRole(), QPalette::WindowText);
    QSignalSpy signIn(status, &ConnectionStatusWidget::signInRequested);
    QTest::mouseClick(status->signInButton(), Qt::LeftButton);
    QCOMPARE(signIn.count(), 1);

    state.setSignedIn(true);
    QCOMPARE(state.state(), ConnectionState::State::Offline);
    QVERIFY(!status->signInButton()->isVisible());
}

void tst_RetryUi::ambiguousFailureHint()
{
    using nullify::api::ApiError;
    ApiError serverError;
    serverError.kind = ApiError::Kind::Http;
    serverError.httpStatus = 503;
    QCOMPARE(nullify::ui::ambiguousFailureHint("POST", serverError),
             QStringLiteral("The server failed; the scan may or may not have started: check the list before "
                            "starting again"));
    QVERIFY(nullify::ui::ambiguousFailureHint("POST", serverError, QStringLiteral("the autofix"))
                .contains(QStringLiteral("the autofix may or may not have started")));
    QVERIFY(nullify::ui::ambiguousFailureHint("GET", serverError).isEmpty());

    ApiError notFound = serverError;
    notFound.httpStatus = 404;
    QVERIFY(nullify::ui::ambiguousFailureHint("POST", notFound).isEmpty());

    ApiError refused;
    refused.kind = ApiError::Kind::Network;
    refused.networkError = QNetworkReply::ConnectionRefusedError;
    QVERIFY(nullify::ui::ambiguousFailureHint("POST", refused).isEmpty()); // never left the machine

    ApiError closed = refused;
    closed.networkError = QNetworkReply::RemoteHostClosedError;
    QVERIFY(!nullify::ui::ambiguousFailureHint("POST", closed).isEmpty());
    ApiError timedOut;
    timedOut.kind = ApiError::Kind::TimedOut;
    QVERIFY(!nullify::ui::ambiguousFailureHint("POST", timedOut).isEmpty());
}

QTEST_MAIN(tst_RetryUi)
#include "tst_retryui.moc"
