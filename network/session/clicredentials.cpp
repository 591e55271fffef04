#include "clicredentials.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cmath>

namespace nullify::session {

namespace {

// The CLI's file holds a few sessions of a few kilobytes each. A larger one is not read at all:
// it may be hostile (or /dev/zero behind a link), and importing is only a convenience.
constexpr qint64 maxFileBytes = 1024 * 1024;
// 9999-12-31T23:59:59Z: QDateTime's ISO range, and far beyond any real expiry.
constexpr double maxUnixSeconds = 253402300799.0;
// Doubles hold every integer up to 2^53 exactly; such a number is written without a fraction.
constexpr double maxExactInteger = 9007199254740992.0;

std::optional<Credentials> refuse(QString* whyNot, const QString& reason)
{
    if (whyNot)
        *whyNot = reason;
    return std::nullopt;
}

// A token goes into an Authorization or Cookie header: only the printable ASCII a token is made
// of, so a crafted file cannot smuggle a line break (another header) into a request.
bool isTokenText(const QString& text)
{
    for (const QChar c : text) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f)
            return false;
    }
    return true;
}

// A number in query_parameters as the CLI would put it in a URL: 123, not 123.0 or 1.23e+02.
QString decimalText(double number)
{
    if (std::floor(number) == number && std::fabs(number) <= maxExactInteger)
        return QString::number(static_cast<qint64>(number));
    return QString::number(number, 'g', QLocale::FloatingPointShortest);
}

} // namespace

QString CliCredentials::defaultPath()
{
    return QDir::homePath() + QStringLiteral("/.nullify/credentials.json");
}

std::optional<Credentials>
CliCredentials::find(const Tenant& tenant, const QString& path, QString* whyNot, const QDateTime& now)
{
    const QFileInfo info(path);
    if (!info.exists())
        return refuse(whyNot, QStringLiteral("no Nullify CLI credentials at %1").arg(path));
    // A FIFO or a device would block or never end; only a regular file is read.
    if (!info.isFile())
        return refuse(whyNot, QStringLiteral("%1 is not a regular file").arg(path));
    if (info.size() > maxFileBytes)
        return refuse(whyNot, QStringLiteral("%1 is too large to be the CLI's credentials").arg(path));

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return refuse(whyNot, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    // The size may change between the check and the read: the cap is enforced on what is read.
    const QByteArray json = file.read(maxFileBytes + 1);
    if (json.size() > maxFileBytes)
        return refuse(whyNot, QStringLiteral("%1 is too large to be the CLI's credentials").arg(path));
    return findIn(json, tenant, whyNot, now);
}

std::optional<Credentials>
CliCredentials::findIn(const QByteArray& json, const Tenant& tenant, QString* whyNot, const QDateTime& now)
{
    if (json.size() > maxFileBytes)
        return refuse(whyNot, QStringLiteral("the CLI's credentials are too large"));
    if (tenant.host.isEmpty())
        return refuse(whyNot, QStringLiteral("no tenant"));

    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    // The parser's message only: quoting the file would quote tokens.
    if (error.error != QJsonParseError::NoError)
        return refuse(whyNot, QStringLiteral("the CLI's credentials are not JSON (%1)").arg(error.errorString()));
    if (!document.isObject())
        return refuse(whyNot, QStringLiteral("the CLI's credentials are not a JSON object"));

    const QJsonValue entryValue = document.object().value(tenant.host);
    if (entryValue.isUndefined())
        return refuse(whyNot, QStringLiteral("the CLI has no session for %1").arg(tenant.host));
    if (!entryValue.isObject())
        return refuse(whyNot, QStringLiteral("the CLI's session for %1 is not an object").arg(tenant.host));
    const QJsonObject entry = entryValue.toObject();

    Credentials credentials;
    credentials.kind = Credentials::Kind::UserSession;

    const QJsonValue access = entry.value(QLatin1String("access_token"));
    if (!access.isString() || access.toString().isEmpty())
        return refuse(whyNot, QStringLiteral("the CLI's session for %1 has no access token").arg(tenant.host));
    const QJsonValue refresh = entry.value(QLatin1String("refresh_token"));
    if (!refresh.isUndefined() && !refresh.isNull() && !refresh.isString())
        return refuse(whyNot, QStringLiteral("the CLI's refresh token for %1 is not a string").arg(tenant.host));
    if (!isTokenText(access.toString()) || !isTokenText(refresh.toString()))
        return refuse(whyNot,
                      QStringLiteral("the CLI's session for %1 holds a token with characters a token cannot have")
                          .arg(tenant.host));
    credentials.accessToken = access.toString().toLatin1();
    credentials.refreshToken = refresh.toString().toLatin1();

    const QJsonValue expiresAt = entry.value(QLatin1String("expires_at"));
    if (!expiresAt.isUndefined() && !expiresAt.isNull()) {
        const double seconds = expiresAt.toDouble(-1);
        if (!expiresAt.isDouble() || !(seconds >= 0 && seconds <= maxUnixSeconds))
            return refuse(whyNot,
                          QStringLiteral("the CLI's expiry for %1 is not a time in Unix seconds").arg(tenant.host));
        credentials.expiresAt = QDateTime::fromSecsSinceEpoch(static_cast<qint64>(seconds), Qt::UTC);
    }
    const std::optional<qint64> left = credentials.secondsLeft(now.toUTC());
    if (left && *left <= 0 && !credentials.canRefresh())
        return refuse(whyNot,
                      QStringLiteral("the CLI's session for %1 has expired and cannot be renewed").arg(tenant.host));

    const QJsonValue parameters = entry.value(QLatin1String("query_parameters"));
    if (!parameters.isUndefined() && !parameters.isNull()) {
        if (!parameters.isObject())
            return refuse(whyNot,
                          QStringLiteral("the CLI's query_parameters for %1 are not an object").arg(tenant.host));
        const QJsonObject object = parameters.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.value().isString())
                credentials.scope.append({it.key(), it.value().toString()});
            else if (it.value().isDouble())
                credentials.scope.append({it.key(), decimalText(it.value().toDouble())});
            else
                return refuse(whyNot,
                              QStringLiteral("the CLI's query parameter %1 for %2 is neither a string nor a number")
                                  .arg(it.key(), tenant.host));
        }
    }
    return credentials;
}

} // namespace nullify::session
