#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace nullify {

// The one place that keeps secrets out of messages. Every live secret (access token, refresh
// token, service token, sign-in session id, redemption secret) is registered here while it is in
// use; scrub() replaces each of them (as is and percent-encoded), and anything shaped like a
// credential in a header or a query ("Bearer …", "Cookie: …", "refresh_token=…",
// "access_token=…", "redemption_secret=…"), with "<redacted>". Log lines pass through it
// (installMessageHandler()), and so does every text the app shows that carries words from
// elsewhere (a server's error, a keychain's message).
//
// Registrations are counted: two owners of the same token (the session, and the flow that
// produced it) each add and remove it, and it stays registered until the last one lets go.
// Thread-safe: Qt logs from its HTTP thread too.
class SecretScrubber
{
public:
    static constexpr QLatin1String replacement {"<redacted>"};
    // Shorter values are not registered: scrubbing "abc123" would mangle every message and hide
    // nothing worth hiding (the secrets here are 20 bytes and more).
    static constexpr qsizetype minimumLength = 8;

    static void add(const QByteArray& secret);
    static void add(const QString& secret) { add(secret.toUtf8()); }
    static void remove(const QByteArray& secret);
    static void remove(const QString& secret) { remove(secret.toUtf8()); }
    static bool isRegistered(const QByteArray& secret);
    static void clear(); // for tests

    static QString scrub(const QString& text);
    static QByteArray scrub(const QByteArray& text);

    // Installs a Qt message handler that scrubs every message before the handler that was
    // installed before it (Qt's default one if none) sees it. Call once, early in main(); a
    // second call changes nothing.
    static void installMessageHandler();

    // Keeps secrets registered while it lives: for secrets with an owner (a session's tokens, a
    // flow's pasted token), so they are removed when the owner lets go of them. Empty and short
    // values are ignored, like add() does.
    class Registration
    {
    public:
        Registration() = default;
        explicit Registration(const QList<QByteArray>& secrets);
        ~Registration();
        Registration(Registration&& other) noexcept;
        Registration& operator=(Registration&& other) noexcept;
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;

    private:
        void release();
        QList<QByteArray> m_secrets;
    };
};

} // namespace nullify
