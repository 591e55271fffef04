#include "secretscrubber.h"

#include <QHash>
#include <QMutex>
#include <QRegularExpression>

#include <algorithm>
#include <utility>

namespace nullify {

namespace {

QMutex g_mutex;
QHash<QByteArray, int> g_registered; // secret -> how many owners hold it; guarded by g_mutex
QStringList g_needles; // what scrub() looks for, longest first; rebuilt on every change, guarded
QtMessageHandler g_nextHandler = nullptr;

// Called with g_mutex held. Each secret as is and percent-encoded (as it stands in a URL or a
// form body); longest first, so a secret that contains another is replaced whole.
void rebuildNeedles()
{
    QStringList needles;
    for (auto it = g_registered.cbegin(); it != g_registered.cend(); ++it) {
        const QString value = QString::fromUtf8(it.key());
        needles << value;
        const QString encoded = QString::fromLatin1(it.key().toPercentEncoding());
        if (encoded != value)
            needles << encoded;
    }
    std::sort(needles.begin(), needles.end(), [](const QString& a, const QString& b) { return a.size() > b.size(); });
    g_needles = needles;
}

// Credentials by their shape, for secrets this process never registered (an old token the
// server echoes back, a token of another session). Group 1 is what stays: the scheme, the
// header or the parameter name; the value after it becomes the replacement. A value needs 8
// characters to count as a credential (as a registered secret does), so prose such as
// "'accessToken': no access token" or "Bearer realm" keeps its words.
const QList<QRegularExpression>& credentialShapes()
{
    // One copy per thread: a QRegularExpression shared between threads is not guaranteed safe.
    thread_local const QList<QRegularExpression> shapes {
        // A whole header value: "Cookie: a=b; c=d", "Authorization: Negotiate …", to the line's end.
        QRegularExpression(QStringLiteral(R"((\b(?:Set-)?Cookie["']?\s*:\s*|\b(?:Proxy-)?Authorization["']?\s*:\s*))"
                                          R"([^\r\n"]+)"),
                           QRegularExpression::CaseInsensitiveOption),
        // An authorization scheme and its credentials, wherever it stands.
        QRegularExpression(QStringLiteral(R"((\b(?:Bearer|Basic)\s+)[^\s"'&;,<>}\]\\]{8,})"),
                           QRegularExpression::CaseInsensitiveOption),
        // name=value, name: value, "name": "value" for the names credentials go by.
        QRegularExpression(
            QStringLiteral(R"((\b(?:access_token|refresh_token|id_token|redemption_secret|session_id|accessToken|)"
                           R"(refreshToken|client_secret|password|api_key|token)["']?\s*[=:]\s*["']?))"
                           R"([^\s"'&;,<>}\]\\]{8,})"),
            QRegularExpression::CaseInsensitiveOption),
    };
    return shapes;
}

void scrubbingHandler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (g_nextHandler)
        g_nextHandler(type, context, SecretScrubber::scrub(message));
}

} // namespace

void SecretScrubber::add(const QByteArray& secret)
{
    if (secret.size() < minimumLength)
        return;
    QMutexLocker lock(&g_mutex);
    if (g_registered[secret]++ == 0)
        rebuildNeedles();
}

void SecretScrubber::remove(const QByteArray& secret)
{
    QMutexLocker lock(&g_mutex);
    const auto it = g_registered.find(secret);
    if (it == g_registered.end())
        return;
    if (--it.value() > 0)
        return;
    g_registered.erase(it);
    rebuildNeedles();
}

bool SecretScrubber::isRegistered(const QByteArray& secret)
{
    QMutexLocker lock(&g_mutex);
    return g_registered.contains(secret);
}

void SecretScrubber::clear()
{
    QMutexLocker lock(&g_mutex);
    g_registered.clear();
    g_needles.clear();
}

QString SecretScrubber::scrub(const QString& text)
{
    if (text.isEmpty())
        return text;
    QStringList needles;
    {
        QMutexLocker lock(&g_mutex);
        needles = g_needles; // a shared copy: the replacing happens outside the lock
    }
    QString clean = text;
    for (const QString& needle : std::as_const(needles))
        clean.replace(needle, replacement);
    const QString keepName = QStringLiteral("\\1") + replacement;
    for (const QRegularExpression& shape : credentialShapes())
        clean.replace(shape, keepName);
    return clean;
}

QByteArray SecretScrubber::scrub(const QByteArray& text)
{
    // Bytes that hold nothing to scrub come back unchanged, even when they are not UTF-8.
    const QString in = QString::fromUtf8(text);
    const QString out = scrub(in);
    return out == in ? text : out.toUtf8();
}

void SecretScrubber::installMessageHandler()
{
    const QtMessageHandler previous = qInstallMessageHandler(scrubbingHandler);
    if (previous != scrubbingHandler)
        g_nextHandler = previous; // Qt returns its default handler when none was installed
}

SecretScrubber::Registration::Registration(const QList<QByteArray>& secrets)
{
    for (const QByteArray& secret : secrets) {
        if (secret.size() < minimumLength)
            continue;
        add(secret);
        m_secrets << secret;
    }
}

SecretScrubber::Registration::~Registration()
{
    release();
}

SecretScrubber::Registration::Registration(Registration&& other) noexcept
    : m_secrets(std::exchange(other.m_secrets, {}))
{ }

SecretScrubber::Registration& SecretScrubber::Registration::operator=(Registration&& other) noexcept
{
    if (this != &other) {
        release();
        m_secrets = std::exchange(other.m_secrets, {});
    }
    return *this;
}

void SecretScrubber::Registration::release()
{
    for (const QByteArray& secret : std::as_const(m_secrets))
        remove(secret);
    m_secrets.clear();
}

} // namespace nullify
