#include "tenant.h"

#include "apiclient.h"

namespace nullify::session {

namespace {

const QLatin1String apiPrefix("api.");

} // namespace

std::optional<Tenant> Tenant::fromInput(const QString& input, QString* whyNot)
{
    // One set of rules for what a user may type: the API client's.
    const std::optional<QUrl> base = api::ApiClient::resolveBaseUrl(input, whyNot);
    if (!base)
        return std::nullopt;

    Tenant tenant;
    const QString apiHost = base->host().toLower();
    if (api::ApiClient::isLoopbackHost(apiHost)) {
        // A sandbox URL is taken as typed, but a token must never travel with someone's password
        // in the URL (and a log line must never show one): refuse user info outright.
        if (!base->userInfo().isEmpty()) {
            if (whyNot)
                *whyNot = QStringLiteral("A local sandbox URL must not contain a user name or password.");
            return std::nullopt;
        }
        tenant.apiBase = *base;
        // "http://127.0.0.1:8080/" is the same sandbox as "http://127.0.0.1:8080" (and must compare
        // equal): QUrl::StripTrailingSlash leaves a lone "/" alone.
        if (tenant.apiBase.path() == QLatin1String("/"))
            tenant.apiBase.setPath(QString());
        // The CLI's key for a sandbox is its authority: host and port, IPv6 in brackets.
        QString host = apiHost.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(apiHost) : apiHost;
        if (base->port() != -1)
            host += QLatin1Char(':') + QString::number(base->port());
        tenant.host = host;
        tenant.name = host;
    } else {
        // resolveBaseUrl only ever answers https://api.<tenant>.nullify.ai for everything else.
        Q_ASSERT(apiHost.startsWith(apiPrefix));
        tenant.apiBase = *base;
        tenant.host = apiHost.mid(apiPrefix.size());
        tenant.name = tenant.host.section(QLatin1Char('.'), 0, 0);
    }
    return tenant;
}

bool Tenant::isLoopback() const
{
    return apiBase.isValid() && api::ApiClient::isLoopbackHost(apiBase.host());
}

} // namespace nullify::session
