// Tenant::fromInput: every way a user may name a cloud tenant, the loopback sandbox URLs, and the
// inputs that must be refused because a token would go somewhere it must not.

#include "tenant.h"

#include <QtTest>

using namespace Qt::StringLiterals;

using nullify::session::Tenant;

class TestTenant : public QObject
{
    Q_OBJECT

private slots:
    void cloudTenant_data();
    void cloudTenant();
    void loopback_data();
    void loopback();
    void refused_data();
    void refused();
    void sameTenantCompareEqual();
    void defaultTenantIsInvalid();
};

void TestTenant::cloudTenant_data()
{
    QTest::addColumn<QString>("input");
    QTest::newRow("name") << u"acme"_s;
    QTest::newRow("name, upper case") << u"ACME"_s;
    QTest::newRow("name, spaces around") << u"  acme \t"_s;
    QTest::newRow("bare host") << u"acme.nullify.ai"_s;
    QTest::newRow("bare host, trailing slash") << u"acme.nullify.ai/"_s;
    QTest::newRow("api host") << u"api.acme.nullify.ai"_s;
    QTest::newRow("https url") << u"https://acme.nullify.ai"_s;
    QTest::newRow("https url with path") << u"https://acme.nullify.ai/anything"_s;
    QTest::newRow("https url with path, query, fragment") << u"https://acme.nullify.ai/a/b?c=d#e"_s;
    QTest::newRow("https api url") << u"https://api.acme.nullify.ai/"_s;
    QTest::newRow("https url, upper case") << u"HTTPS://ACME.Nullify.AI/Dashboard"_s;
}

void TestTenant::cloudTenant()
{
    QFETCH(QString, input);
    QString whyNot;
    const std::optional<Tenant> tenant = Tenant::fromInput(input, &whyNot);
    QVERIFY2(tenant, qPrintable(whyNot));
    QCOMPARE(tenant->apiBase, QUrl(QStringLiteral("https://api.acme.nullify.ai")));
    QCOMPARE(tenant->host, QStringLiteral("acme.nullify.ai"));
    QCOMPARE(tenant->storageKey(), QStringLiteral("acme.nullify.ai"));
    QCOMPARE(tenant->name, QStringLiteral("acme"));
    QVERIFY(!tenant->isLoopback());
    QVERIFY(tenant->isValid());
}

void TestTenant::loopback_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QUrl>("apiBase");
    QTest::addColumn<QString>("host");

    QTest::newRow("127.0.0.1") << u"http://127.0.0.1:8080"_s << QUrl(u"http://127.0.0.1:8080"_s) << u"127.0.0.1:8080"_s;
    QTest::newRow("127.0.0.1, trailing slash")
        << u"http://127.0.0.1:8080/"_s << QUrl(u"http://127.0.0.1:8080"_s) << u"127.0.0.1:8080"_s;
    QTest::newRow("[::1]") << u"http://[::1]:9000"_s << QUrl(u"http://[::1]:9000"_s) << u"[::1]:9000"_s;
    QTest::newRow("localhost") << u"http://localhost:1234"_s << QUrl(u"http://localhost:1234"_s) << u"localhost:1234"_s;
    QTest::newRow("LOCALHOST") << u"http://LOCALHOST:1234"_s << QUrl(u"http://localhost:1234"_s) << u"localhost:1234"_s;
    QTest::newRow("https loopback") << u"https://127.0.0.1:8443"_s << QUrl(u"https://127.0.0.1:8443"_s)
                                    << u"127.0.0.1:8443"_s;
    QTest::newRow("no port") << u"http://127.0.0.1"_s << QUrl(u"http://127.0.0.1"_s) << u"127.0.0.1"_s;
    QTest::newRow("query and fragment dropped")
        << u"http://127.0.0.1:8080/?x=1#y"_s << QUrl(u"http://127.0.0.1:8080"_s) << u"127.0.0.1:8080"_s;
}

void TestTenant::loopback()
{
    QFETCH(QString, input);
    QFETCH(QUrl, apiBase);
    QFETCH(QString, host);
    QString whyNot;
    const std::optional<Tenant> tenant = Tenant::fromInput(input, &whyNot);
    QVERIFY2(tenant, qPrintable(whyNot));
    QCOMPARE(tenant->apiBase, apiBase);
    QCOMPARE(tenant->host, host);
    QCOMPARE(tenant->name, host);
    QVERIFY(tenant->isLoopback());
    QVERIFY(tenant->isValid());
}

void TestTenant::refused_data()
{
    QTest::addColumn<QString>("input");
    QTest::newRow("empty") << u""_s;
    QTest::newRow("blank") << u"   "_s;
    QTest::newRow("plain http to the tenant") << u"http://acme.nullify.ai"_s;
    QTest::newRow("plain http to the api host") << u"http://api.acme.nullify.ai/"_s;
    QTest::newRow("plain http elsewhere") << u"http://example.com"_s;
    QTest::newRow("another domain") << u"https://example.com"_s;
    QTest::newRow("another domain, bare") << u"example.com"_s;
    QTest::newRow("lookalike suffix") << u"acme.nullify.ai.evil.com"_s;
    QTest::newRow("lookalike suffix, https") << u"https://acme.nullify.ai.evil.com/"_s;
    QTest::newRow("lookalike domain") << u"https://acme.nullify.ai-evil.com"_s;
    QTest::newRow("lookalike label") << u"https://acmenullify.ai"_s;
    QTest::newRow("userinfo trick") << u"https://acme.nullify.ai@evil.com"_s;
    QTest::newRow("userinfo trick with path") << u"https://acme.nullify.ai@evil.com/acme.nullify.ai"_s;
    QTest::newRow("userinfo on loopback") << u"http://user:secret@127.0.0.1:8080"_s;
    QTest::newRow("fragment trick") << u"https://evil.com#@acme.nullify.ai"_s;
    QTest::newRow("two labels") << u"a.b.nullify.ai"_s;
    QTest::newRow("bare nullify.ai") << u"nullify.ai"_s;
    QTest::newRow("garbage") << u"!!!"_s;
    QTest::newRow("spaces inside") << u"ac me"_s;
    QTest::newRow("path in a bare name") << u"acme/evil"_s;
    QTest::newRow("label with a leading dash") << u"-acme"_s;
    QTest::newRow("label too long") << QString(64, QLatin1Char('a'));
    // A regular expression's "$" matches before a final newline; these once came out as a tenant
    // with an invalid host (fuzz_tenant).
    QTest::newRow("newline before the slash") << u"acme\n/"_s;
    QTest::newRow("newline before the suffix") << u"acme\n.nullify.ai"_s;
    QTest::newRow("ftp") << u"ftp://acme.nullify.ai"_s;
    QTest::newRow("file") << u"file:///etc/passwd"_s;
    QTest::newRow("scheme only") << u"https://"_s;
    QTest::newRow("loopback lookalike") << u"http://127.0.0.1.evil.com:8080"_s;
    QTest::newRow("localhost lookalike") << u"http://localhost.evil.com:8080"_s;
    QTest::newRow("private address over http") << u"http://192.168.1.10:8080"_s;
}

void TestTenant::refused()
{
    QFETCH(QString, input);
    QString whyNot;
    const std::optional<Tenant> tenant = Tenant::fromInput(input, &whyNot);
    QVERIFY2(!tenant, qPrintable(tenant ? tenant->apiBase.toString() : QString()));
    QVERIFY2(!whyNot.isEmpty(), "a refusal says why");
    // The reason is for people; it must not echo a password typed into a URL.
    QVERIFY(!whyNot.contains(QLatin1String("secret")));
    // Without a reason pointer it is refused all the same.
    QVERIFY(!Tenant::fromInput(input));
}

void TestTenant::sameTenantCompareEqual()
{
    QCOMPARE(*Tenant::fromInput(QStringLiteral("acme")),
             *Tenant::fromInput(QStringLiteral("https://acme.nullify.ai/x")));
    QVERIFY(!(*Tenant::fromInput(QStringLiteral("acme")) == *Tenant::fromInput(QStringLiteral("acme2"))));
    QVERIFY(!(*Tenant::fromInput(QStringLiteral("http://127.0.0.1:1"))
              == *Tenant::fromInput(QStringLiteral("http://127.0.0.1:2"))));
}

void TestTenant::defaultTenantIsInvalid()
{
    const Tenant tenant;
    QVERIFY(!tenant.isValid());
    QVERIFY(!tenant.isLoopback());
}

QTEST_GUILESS_MAIN(TestTenant)
#include "tst_tenant.moc"
