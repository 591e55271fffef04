#include "secretscrubber.h"

#include <QMutex>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace nullify {

namespace {

QMutex g_mutex;
QSet<QByteArray> g_secrets; // guarded by g_mutex
QtMessageHandler g_nextHandler = nullptr;

// Credentials by their shape, for secrets this process never registered (an old token the
// server echoes back, a token of another session): the value after a scheme or a parameter
// name, up to the next delimiter.
const QRegularExpression& credentialPattern()
{
    static const QRegularExpression pattern(
        QStringLiteral(R"((\bBearer\s+|\b(?:access_token|refresh_token|id_token|redemption_secret|)"
                       R"(session_id|accessToken|refreshToken|token)["']?\s*[=:]\s*["']?))"
                       R"([^\s"'&;,<>}\]\\]+)"),
        QRegularExpression::CaseInsensitiveOption);
    return pattern;
}

QString scrubShapes(QString text)
{
    return text.replace(credentialPattern(), QStringLiteral("\\1") + SecretScrubber::replacement);
}

void scrubbingHandler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    const QString clean = SecretScrubber::scrub(message);
    if (g_nextHandler)
        g_nextHandler(type, context, clean);
}

} // namespace

void SecretScrubber::add(const QByteArray& secret)
{
    if (secret.size() < minimumLength)
        return;
    QMutexLocker lock(&g_mutex);
    g_secrets.insert(secret);
}

void SecretScrubber::remove(const QByteArray& secret)
{
    QMutexLocker lock(&g_mutex);
    g_secrets.remove(secret);
}

void SecretScrubber::clear()
{
    QMutexLocker lock(&g_mutex);
    g_secrets.clear();
}

QString SecretScrubber::scrub(const QString& text)
{
    if (text.isEmpty())
        return text;
    QList<QByteArray> secrets;
    {
        QMutexLocker lock(&g_mutex);
        secrets = g_secrets.values();
    }
    // Longest first: a secret that contains another is replaced whole.
    std::sort(
        secrets.begin(), secrets.end(), [](const QByteArray& a, const QByteArray& b) { return a.size() > b.size(); });
    QString clean = text;
    for (const QByteArray& secret : std::as_const(secrets)) {
        const QString value = QString::fromUtf8(secret);
        clean.replace(value, replacement);
        // The same secret percent-encoded, as it stands in a URL or a form body.
        const QString encoded = QString::fromLatin1(secret.toPercentEncoding());
        if (encoded != value)
            clean.replace(encoded, replacement);
    }
    return scrubShapes(clean);
}

QByteArray SecretScrubber::scrub(const QByteArray& text)
{
    return scrub(QString::fromUtf8(text)).toUtf8();
}

void SecretScrubber::installMessageHandler()
{
    QtMessageHandler previous = qInstallMessageHandler(scrubbingHandler);
    if (previous != scrubbingHandler)
        g_nextHandler = previous;
}

} // namespace nullify
