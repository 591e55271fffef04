// libFuzzer target: the tenant / base-URL parser (network/session/tenant.*, which applies
// api::ApiClient::resolveBaseUrl).
//
// Input: what a user typed into the sign-in window's tenant field or passed as --api-url, as UTF-8.
// It decides where the app sends its token, so the properties below are the security ones.

#include "fuzzsupport.h"
#include "tenant.h"

#include <QString>
#include <QUrl>

using nullify::session::Tenant;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    nullify::fuzz::silenceQtMessages();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QString input = QString::fromUtf8(nullify::fuzz::bytesOf(data, size));
    QString whyNot;
    const std::optional<Tenant> tenant = Tenant::fromInput(input, &whyNot);
    if (!tenant) {
        // A refusal always tells the user why.
        NULLIFY_FUZZ_CHECK(!whyNot.isEmpty());
        return 0;
    }

    NULLIFY_FUZZ_CHECK(tenant->isValid());
    NULLIFY_FUZZ_CHECK(!tenant->name.isEmpty());
    NULLIFY_FUZZ_CHECK(tenant->storageKey() == tenant->host);
    // No credentials, query or fragment ride along with every request the token goes to.
    NULLIFY_FUZZ_CHECK(tenant->apiBase.userInfo().isEmpty());
    NULLIFY_FUZZ_CHECK(!tenant->apiBase.hasQuery());
    NULLIFY_FUZZ_CHECK(!tenant->apiBase.hasFragment());

    const QString scheme = tenant->apiBase.scheme();
    if (tenant->isLoopback()) {
        NULLIFY_FUZZ_CHECK(scheme == QLatin1String("http") || scheme == QLatin1String("https"));
    } else {
        // Off this machine the token goes only to https://api.<one label>.nullify.ai.
        NULLIFY_FUZZ_CHECK(scheme == QLatin1String("https"));
        NULLIFY_FUZZ_CHECK(tenant->apiBase.host() == QLatin1String("api.") + tenant->host);
        NULLIFY_FUZZ_CHECK(tenant->host == tenant->name + QLatin1String(".nullify.ai"));
        NULLIFY_FUZZ_CHECK(!tenant->name.contains(QLatin1Char('.')));
        NULLIFY_FUZZ_CHECK(tenant->apiBase.path().isEmpty() && tenant->apiBase.port() == -1);
    }

    // --api-url hands apiBase on as text (app/main.cpp to AppController), which parses it again:
    // the tenant must survive that trip unchanged, or a valid command line fails to start.
    whyNot.clear();
    const std::optional<Tenant> again = Tenant::fromInput(tenant->apiBase.toString(), &whyNot);
    NULLIFY_FUZZ_CHECK(again);
    NULLIFY_FUZZ_CHECK(*again == *tenant);
    NULLIFY_FUZZ_CHECK(again->host == tenant->host && again->name == tenant->name);
    return 0;
}
