#include "credentials.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace nullify::session {

namespace {

constexpr int payloadVersion = 1;
// A keychain entry is a few kilobytes at most; anything far larger was not written by this app.
constexpr qsizetype maxPayloadBytes = 1024 * 1024;

const QLatin1String kindUser("user");
const QLatin1String kindService("service");

// Tokens are bytes; Latin-1 maps every byte to one character and back, so any token survives the
// JSON round trip unchanged.
QString tokenText(const QByteArray& token)
{
    return QString::fromLatin1(token);
}

std::optional<Credentials> refuse(QString* whyNot, const QString& reason)
{
    if (whyNot)
        *whyNot = reason;
    return std::nullopt;
}

// An optional string field: absent (or null) reads as empty, anything but a string is damage.
bool readString(const QJsonObject& object, QLatin1String name, QString* out, QString* whyNot)
{
    const QJsonValue value = object.value(name);
    if (value.isUndefined() || value.isNull()) {
        out->clear();
        return true;
    }
    if (!value.isString()) {
        if (whyNot)
            *whyNot = QStringLiteral("%1 is not a string").arg(name);
        return false;
    }
    *out = value.toString();
    return true;
}

// A Latin-1 token field: characters beyond one byte cannot come from tokenText().
bool readToken(const QJsonObject& object, QLatin1String name, QByteArray* out, QString* whyNot)
{
    QString text;
    if (!readString(object, name, &text, whyNot))
        return false;
    for (const QChar c : text) {
        if (c.unicode() > 0xff) {
            if (whyNot)
                *whyNot = QStringLiteral("%1 holds characters a token cannot have").arg(name);
            return false;
        }
    }
    *out = text.toLatin1();
    return true;
}

// The scope as written ([[name, value], ...], in order); an object is read too (in key order),
// for a hand-made or future entry.
bool readScope(const QJsonValue& value, api::QueryParameters* out, QString* whyNot)
{
    out->clear();
    const auto fail = [whyNot](const QString& reason) {
        if (whyNot)
            *whyNot = reason;
        return false;
    };
    if (value.isUndefined() || value.isNull())
        return true;
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isString())
                return fail(QStringLiteral("scope %1 is not a string").arg(it.key()));
            out->append({it.key(), it.value().toString()});
        }
        return true;
    }
    if (!value.isArray())
        return fail(QStringLiteral("scope is neither a list nor an object"));
    for (const QJsonValue& item : value.toArray()) {
        const QJsonArray pair = item.toArray();
        if (!item.isArray() || pair.size() != 2 || !pair.at(0).isString() || !pair.at(1).isString())
            return fail(QStringLiteral("scope holds an item that is not a [name, value] pair of strings"));
        out->append({pair.at(0).toString(), pair.at(1).toString()});
    }
    return true;
}

} // namespace

std::optional<qint64> Credentials::secondsLeft(const QDateTime& now) const
{
    if (!expiresAt.isValid())
        return std::nullopt;
    return now.secsTo(expiresAt);
}

bool operator==(const Credentials& a, const Credentials& b)
{
    // Two unknown expiries are the same; QDateTime compares a valid and an invalid one as unequal.
    const bool sameExpiry
        = a.expiresAt.isValid() == b.expiresAt.isValid() && (!a.expiresAt.isValid() || a.expiresAt == b.expiresAt);
    return a.kind == b.kind && a.accessToken == b.accessToken && a.refreshToken == b.refreshToken && sameExpiry
        && a.scope == b.scope && a.account == b.account;
}

QByteArray toKeychainPayload(const Credentials& credentials)
{
    QJsonObject object;
    object.insert(QStringLiteral("v"), payloadVersion);
    object.insert(QStringLiteral("kind"),
                  credentials.kind == Credentials::Kind::ServiceAccount ? kindService : kindUser);
    object.insert(QStringLiteral("access_token"), tokenText(credentials.accessToken));
    object.insert(QStringLiteral("refresh_token"), tokenText(credentials.refreshToken));
    if (credentials.expiresAt.isValid())
        object.insert(QStringLiteral("expires_at"), credentials.expiresAt.toUTC().toString(Qt::ISODateWithMs));
    // A list of pairs, not an object: the order of the scope parameters is kept as it came.
    QJsonArray scope;
    for (const auto& [name, value] : credentials.scope)
        scope.append(QJsonArray {name, value});
    object.insert(QStringLiteral("scope"), scope);
    object.insert(QStringLiteral("account"), credentials.account);
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

std::optional<Credentials> fromKeychainPayload(const QByteArray& payload, QString* whyNot)
{
    if (payload.isEmpty())
        return refuse(whyNot, QStringLiteral("the entry is empty"));
    if (payload.size() > maxPayloadBytes)
        return refuse(whyNot, QStringLiteral("the entry is too large (%1 bytes)").arg(payload.size()));

    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    // The parser's message only, never the payload: it holds tokens.
    if (error.error != QJsonParseError::NoError)
        return refuse(whyNot, QStringLiteral("the entry is not JSON (%1)").arg(error.errorString()));
    if (!document.isObject())
        return refuse(whyNot, QStringLiteral("the entry is not a JSON object"));
    const QJsonObject object = document.object();

    const QJsonValue version = object.value(QLatin1String("v"));
    if (!version.isDouble())
        return refuse(whyNot, QStringLiteral("the entry has no format version"));
    if (version.toDouble() != payloadVersion) {
        return refuse(whyNot,
                      QStringLiteral("the entry has format version %1; this app reads version %2")
                          .arg(version.toDouble())
                          .arg(payloadVersion));
    }

    Credentials credentials;
    QString kind;
    if (!readString(object, QLatin1String("kind"), &kind, whyNot))
        return std::nullopt;
    if (kind == kindUser)
        credentials.kind = Credentials::Kind::UserSession;
    else if (kind == kindService)
        credentials.kind = Credentials::Kind::ServiceAccount;
    else
        return refuse(whyNot, QStringLiteral("the entry's kind is neither user nor service"));

    if (!readToken(object, QLatin1String("access_token"), &credentials.accessToken, whyNot)
        || !readToken(object, QLatin1String("refresh_token"), &credentials.refreshToken, whyNot))
        return std::nullopt;
    if (credentials.accessToken.isEmpty())
        return refuse(whyNot, QStringLiteral("the entry has no access token"));

    const QJsonValue expiresAt = object.value(QLatin1String("expires_at"));
    if (!expiresAt.isUndefined() && !expiresAt.isNull()) {
        credentials.expiresAt = QDateTime::fromString(expiresAt.toString(), Qt::ISODateWithMs);
        // Only an absolute instant will do: a time without a zone would shift with the machine's.
        if (!expiresAt.isString() || !credentials.expiresAt.isValid()
            || credentials.expiresAt.timeSpec() == Qt::LocalTime)
            return refuse(whyNot, QStringLiteral("expires_at is not an ISO 8601 time in UTC"));
        credentials.expiresAt = credentials.expiresAt.toUTC();
    }

    if (!readScope(object.value(QLatin1String("scope")), &credentials.scope, whyNot)
        || !readString(object, QLatin1String("account"), &credentials.account, whyNot))
        return std::nullopt;
    return credentials;
}

QString redactedToken(const QByteArray& token)
{
    if (token.isEmpty())
        return QStringLiteral("<no token>");
    // Eight hex digits of a hash tell two tokens apart in a log without helping anyone guess one.
    const QByteArray hash = QCryptographicHash::hash(token, QCryptographicHash::Sha256).toHex().left(8);
    return QStringLiteral("<token: %1 bytes, sha256 %2>").arg(token.size()).arg(QString::fromLatin1(hash));
}

} // namespace nullify::session
