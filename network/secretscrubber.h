#pragma once

#include <QByteArray>
#include <QString>

namespace nullify {

// The one place that keeps secrets out of messages. Every live secret (access token, refresh
// token, service token, sign-in session id, redemption secret) is registered here while it is in
// use; scrub() replaces each of them, and anything shaped like a credential in a header or a
// query ("Bearer …", "refresh_token=…", "access_token=…", "redemption_secret=…"), with
// "<redacted>". Log lines pass through it (installScrubbingMessageHandler()), and so does every
// text the app shows that carries words from elsewhere (a server's error, a keychain's message).
// Thread-safe: Qt logs from its HTTP thread too.
class SecretScrubber
{
public:
    static constexpr QLatin1String replacement {"<redacted>"};
    // Shorter values are not registered: scrubbing "a1" would mangle every message and hide
    // nothing worth hiding.
    static constexpr qsizetype minimumLength = 6;

    static void add(const QByteArray& secret);
    static void add(const QString& secret) { add(secret.toUtf8()); }
    static void remove(const QByteArray& secret);
    static void remove(const QString& secret) { remove(secret.toUtf8()); }
    static void clear(); // for tests

    static QString scrub(const QString& text);
    static QByteArray scrub(const QByteArray& text);

    // Installs a Qt message handler that scrubs every message before the handler that was
    // installed before it (Qt's default one if none) sees it. Call once, early in main().
    static void installMessageHandler();
};

} // namespace nullify
