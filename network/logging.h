#pragma once

#include <QLoggingCategory>
#include <QString>

class QUrl;

namespace nullify {

// One category per area; enable with QT_LOGGING_RULES or the app's --log-level.
Q_DECLARE_LOGGING_CATEGORY(lcRetry) // nullify.network.retry
Q_DECLARE_LOGGING_CATEGORY(lcAuth) // nullify.network.auth
Q_DECLARE_LOGGING_CATEGORY(lcRedirect) // nullify.network.redirect
Q_DECLARE_LOGGING_CATEGORY(lcBody) // nullify.network.body
Q_DECLARE_LOGGING_CATEGORY(lcSession) // nullify.auth.session: sign-in state, renewal
Q_DECLARE_LOGGING_CATEGORY(lcKeychain) // nullify.auth.keychain
Q_DECLARE_LOGGING_CATEGORY(lcSignIn) // nullify.auth.signin: browser and token sign-in flows

// A URL fit for a log line: no user info, no fragment, and the values of query parameters whose
// names suggest a secret replaced by "<redacted>". Tokens never belong in URLs, but a log must
// not be the place where one leaks if a caller gets that wrong.
QString redactedUrl(const QUrl& url);

} // namespace nullify
