#include "logging.h"

#include <QUrl>
#include <QUrlQuery>

namespace nullify {

Q_LOGGING_CATEGORY(lcRetry, "nullify.network.retry", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAuth, "nullify.network.auth", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRedirect, "nullify.network.redirect", QtInfoMsg)
Q_LOGGING_CATEGORY(lcBody, "nullify.network.body", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSession, "nullify.auth.session", QtInfoMsg)
Q_LOGGING_CATEGORY(lcKeychain, "nullify.auth.keychain", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSignIn, "nullify.auth.signin", QtInfoMsg)

namespace {

bool looksSecret(const QString& name)
{
    static const QLatin1String markers[] = {QLatin1String("token"),
                                            QLatin1String("secret"),
                                            QLatin1String("password"),
                                            QLatin1String("auth"),
                                            QLatin1String("key"),
                                            QLatin1String("session"),
                                            QLatin1String("code")};
    for (const auto& marker : markers) {
        if (name.contains(marker, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace

QString redactedUrl(const QUrl& url)
{
    QUrl clean = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveFragment);
    if (clean.hasQuery()) {
        QUrlQuery query(clean);
        auto items = query.queryItems(QUrl::FullyEncoded);
        for (auto& item : items) {
            if (looksSecret(item.first))
                item.second = QStringLiteral("<redacted>");
        }
        query.setQueryItems(items);
        clean.setQuery(query);
    }
    return clean.toString(QUrl::FullyEncoded);
}

} // namespace nullify
