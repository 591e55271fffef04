#pragma once

// NULLIFY_SKIP_ENV(reason): the one way a test skips because this machine lacks something it
// needs (a tool such as nghttpd, a keychain, a TLS backend, the OpenAPI spec or Prism, root).
//
// On a user's machine that is a clear skip ("environment: <reason>"). In CI (CI=true, which
// .ci/run sets and CI services set) it is a failure: a green CI must mean every test ran. Use it
// like QSKIP, in a test function or initTestCase/init, with a const char* or a QString:
//
//     if (nghttpd.isEmpty())
//         NULLIFY_SKIP_ENV("nghttpd not found: install nghttp2-server (scripts/setup.sh does)");
//
// A skip that is not about the environment (a case that runs in another CTest entry, say) stays a
// plain QSKIP with a comment saying why.

#include <QByteArray>
#include <QString>
#include <QTest>

namespace nullify::test {

// CI=true (or 1): environment skips fail.
inline bool environmentSkipsFail()
{
    const QByteArray ci = qgetenv("CI").trimmed().toLower();
    return ci == "true" || ci == "1";
}

inline QByteArray environmentSkipReason(const char* reason)
{
    return QByteArray(reason);
}

inline QByteArray environmentSkipReason(const QString& reason)
{
    return reason.toUtf8();
}

} // namespace nullify::test

#define NULLIFY_SKIP_ENV(reason)                                                                                       \
    do {                                                                                                               \
        const QByteArray nullifySkipReason_ = ::nullify::test::environmentSkipReason(reason);                          \
        if (::nullify::test::environmentSkipsFail())                                                                   \
            QFAIL(("CI=true, so an environment skip is a failure: " + nullifySkipReason_).constData());                \
        QSKIP(("environment: " + nullifySkipReason_).constData());                                                     \
    } while (false)
