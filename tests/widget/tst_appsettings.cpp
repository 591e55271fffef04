// The settings table (ui/shell/appsettings): defaults, bad values in the file, round trip, the
// retry limits reaching a real manager's policy (and its behaviour over loopback), the log level.
#include "appsettings.h"
#include "loglevel.h"
#include "networkaccessmanager.h"
#include "networkattributes.h"
#include "replyhelpers.h"
#include "scriptedhttpserver.h"

#include <QLoggingCategory>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>

using nullify::NetworkAccessManager;
using nullify::test::ScriptedHttpServer;
using nullify::test::ScriptedResponse;
using nullify::ui::AppSettings;
using Key = nullify::ui::AppSettings::Key;

Q_LOGGING_CATEGORY(lcProbe, "nullify.test.probe", QtInfoMsg)

class TestAppSettings : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanupTestCase();
    void eachSettingDeclaredOnce();
    void defaults();
    void badValuesInTheFileFallBackWithAWarning();
    void invalidValuesAreRefused();
    void roundTripAndChangedSignal();
    void retryCapReachesTheManagersPolicy();
    void logLevelIsApplied();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_file;
};

void TestAppSettings::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_file = m_dir->filePath(QStringLiteral("settings.ini"));
}

void TestAppSettings::cleanupTestCase()
{
    nullify::ui::applyLogLevel(QStringLiteral("default"));
}

void TestAppSettings::eachSettingDeclaredOnce()
{
    QSet<QString> names;
    QSet<int> keys;
    for (const AppSettings::Definition& d : AppSettings::definitions()) {
        QVERIFY2(!names.contains(QLatin1String(d.name)), d.name);
        names.insert(QLatin1String(d.name));
        keys.insert(int(d.key));
        QVERIFY2(AppSettings::isValid(d, d.defaultValue), d.name); // every default passes its own check
        // Nothing that could hold a secret.
        QVERIFY(!QString::fromLatin1(d.name).contains(QLatin1String("token"), Qt::CaseInsensitive));
    }
    QCOMPARE(keys.size(), QMetaEnum::fromType<AppSettings::Key>().keyCount());
}

void TestAppSettings::defaults()
{
    AppSettings settings(m_file);
    QCOMPARE(settings.tenant(), QString());
    QCOMPARE(settings.notificationsEnabled(), true);
    QCOMPARE(settings.retryCapSeconds(), 30);
    QCOMPARE(settings.maxAttempts(), 4);
    QCOMPARE(settings.logLevel(), QStringLiteral("default"));
    QVERIFY(settings.value(Key::WindowGeometry).toByteArray().isEmpty());
    QCOMPARE(settings.value(Key::LastPage).toInt(), 0);
    // Defaults equal the network core's own: an untouched table changes nothing.
    const nullify::RetryPolicy stock;
    const nullify::RetryPolicy applied = settings.applyTo(stock);
    QCOMPARE(applied.maxAttempts, stock.maxAttempts);
    QCOMPARE(applied.retryAfterCap, stock.retryAfterCap);
    QCOMPARE(applied.maxBackoff, stock.maxBackoff);
    QCOMPARE(applied.deadline, stock.deadline);

    // A long cap brings the deadline along, so the wait it allows can happen.
    QVERIFY(settings.setValue(Key::RetryCapSeconds, 300));
    QVERIFY(settings.applyTo(stock).deadline >= std::chrono::seconds(300) + stock.attemptTimeout);
    settings.reset(Key::RetryCapSeconds);
}

void TestAppSettings::badValuesInTheFileFallBackWithAWarning()
{
    {
        QFile file(m_file);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[notifications]\nenabled=maybe\n"
                   "[network]\nretryCapSeconds=-5\nmaxAttempts=lots\n"
                   "[logging]\nlevel=verbose\n"
                   "[window]\nlastPage=1000\n");
    }
    AppSettings settings(m_file);
    for (const char* key : {"notifications/enabled",
                            "network/retryCapSeconds",
                            "network/maxAttempts",
                            "logging/level",
                            "window/lastPage"}) {
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("invalid value of %1 ").arg(QLatin1String(key))));
    }
    QCOMPARE(settings.notificationsEnabled(), true);
    QCOMPARE(settings.retryCapSeconds(), 30);
    QCOMPARE(settings.maxAttempts(), 4);
    QCOMPARE(settings.logLevel(), QStringLiteral("default"));
    QCOMPARE(settings.value(Key::LastPage).toInt(), 0);
}

void TestAppSettings::invalidValuesAreRefused()
{
    AppSettings settings(m_file);
    QSignalSpy changed(&settings, &AppSettings::changed);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refusing an invalid value")));
    QVERIFY(!settings.setValue(Key::MaxAttempts, 0));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refusing an invalid value")));
    QVERIFY(!settings.setValue(Key::RetryCapSeconds, 100000));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("refusing an invalid value")));
    QVERIFY(!settings.setValue(Key::LogLevel, QStringLiteral("loud")));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(settings.maxAttempts(), 4);
    QVERIFY(!settings.store()->contains(QStringLiteral("network/maxAttempts")));
}

void TestAppSettings::roundTripAndChangedSignal()
{
    {
        AppSettings settings(m_file);
        QSignalSpy changed(&settings, &AppSettings::changed);
        QVERIFY(settings.setValue(Key::Tenant, QStringLiteral("  acme ")));
        QVERIFY(settings.setValue(Key::NotificationsEnabled, false));
        QVERIFY(settings.setValue(Key::RetryCapSeconds, 7));
        QVERIFY(settings.setValue(Key::MaxAttempts, 2));
        QVERIFY(settings.setValue(Key::LogLevel, QStringLiteral("Warning")));
        QVERIFY(settings.setValue(Key::WindowGeometry, QByteArray("\x01\x02geometry", 10)));
        QCOMPARE(changed.count(), 6);
        QVERIFY(settings.setValue(Key::MaxAttempts, 2)); // the same again: no change
        QCOMPARE(changed.count(), 6);
        QCOMPARE(changed.at(3).at(0).value<Key>(), Key::MaxAttempts);
        settings.store()->sync();
    }
    AppSettings reread(m_file);
    QCOMPARE(reread.tenant(), QStringLiteral("acme"));
    QCOMPARE(reread.notificationsEnabled(), false);
    QCOMPARE(reread.retryCapSeconds(), 7);
    QCOMPARE(reread.maxAttempts(), 2);
    QCOMPARE(reread.logLevel(), QStringLiteral("warning"));
    QCOMPARE(reread.value(Key::WindowGeometry).toByteArray(), QByteArray("\x01\x02geometry", 10));

    QSignalSpy changed(&reread, &AppSettings::changed);
    reread.reset(Key::MaxAttempts);
    QCOMPARE(reread.maxAttempts(), 4);
    QCOMPARE(changed.count(), 1);
}

void TestAppSettings::retryCapReachesTheManagersPolicy()
{
    AppSettings settings(m_file);
    QVERIFY(settings.setValue(Key::RetryCapSeconds, 2));
    QVERIFY(settings.setValue(Key::MaxAttempts, 2));

    NetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    nam.setRetryPolicy(settings.applyTo(nullify::test::fastRetryPolicy()));
    QCOMPARE(nam.retryPolicy().maxAttempts, 2);
    QCOMPARE(nam.retryPolicy().retryAfterCap, std::chrono::milliseconds(2000));
    QVERIFY(nam.retryPolicy().maxBackoff <= std::chrono::milliseconds(2000));

    // Over loopback: a Retry-After above the cap ends the reply at once, without a second attempt.
    ScriptedHttpServer server;
    QVERIFY(server.listen());
    server.setFallback(
        [](const auto&) { return ScriptedResponse::status(503, "busy").header("Retry-After", QByteArray("5")); });
    QNetworkReply* reply = nam.get(QNetworkRequest(server.url(QStringLiteral("/long"))));
    QVERIFY(nullify::test::waitForFinished(reply, std::chrono::seconds(4)));
    QCOMPARE(server.requestCount(), 1);
    QVERIFY(reply->attribute(nullify::toAttribute(nullify::ReplyAttribute::RetryAfterUntil)).toDateTime().isValid());
    reply->deleteLater();

    // Two attempts at most for what is retried.
    server.setFallback(
        [](const auto&) { return ScriptedResponse::status(503, "busy").header("Retry-After", QByteArray("0")); });
    reply = nam.get(QNetworkRequest(server.url(QStringLiteral("/again"))));
    QVERIFY(nullify::test::waitForFinished(reply, std::chrono::seconds(8)));
    QCOMPARE(server.requestCount(), 3);
    reply->deleteLater();
}

void TestAppSettings::logLevelIsApplied()
{
    QVERIFY(nullify::ui::applyLogLevel(QStringLiteral("warning")));
    QVERIFY(!lcProbe().isInfoEnabled());
    QVERIFY(lcProbe().isWarningEnabled());
    QVERIFY(nullify::ui::applyLogLevel(QStringLiteral("info")));
    QVERIFY(lcProbe().isInfoEnabled());
    QVERIFY(nullify::ui::applyLogLevel(QStringLiteral("critical")));
    QVERIFY(!lcProbe().isWarningEnabled());
    QVERIFY(lcProbe().isCriticalEnabled());
    QVERIFY(!nullify::ui::applyLogLevel(QStringLiteral("loud")));
    QVERIFY(!lcProbe().isWarningEnabled()); // an unknown level changes nothing
    QVERIFY(nullify::ui::applyLogLevel(QStringLiteral("default")));
    QVERIFY(lcProbe().isInfoEnabled()); // the category's own default again
}

QTEST_MAIN(TestAppSettings)
#include "tst_appsettings.moc"
