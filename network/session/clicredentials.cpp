#include "clicredentials.h"

#include "utctime.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QScopeGuard>

#include <algorithm>
#include <cmath>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace nullify::session {

namespace {

// The CLI's file holds a few sessions of a few kilobytes each. A larger one is not read at all:
// it may be hostile (or /dev/zero behind a link), and importing is only a convenience.
constexpr qint64 maxFileBytes = 1024 * 1024;
// 9999-12-31T23:59:59Z: QDateTime's ISO range, and far beyond any real expiry.
constexpr double maxUnixSeconds = 253402300799.0;
// Doubles hold every integer up to 2^53 exactly; such a number is written without a fraction.
constexpr double maxExactInteger = 9007199254740992.0;

// Why the file was not read: an empty reason when it was.
struct NotRead
{
    NotRead(const QString& reason = QString(), CliCredentials::Refusal kind = CliCredentials::Refusal::NoSession)
        : reason(reason)
        , kind(kind)
    { }

    QString reason;
    CliCredentials::Refusal kind;
};

// A file that is there but is not read until the user fixes what reason says.
NotRead unsafe(const QString& reason)
{
    return NotRead(reason, CliCredentials::Refusal::Unsafe);
}

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

QString tooLarge(const QString& path)
{
    return QStringLiteral("%1 is too large to be the CLI's credentials").arg(path);
}

// Reads the opened file up to the cap, which holds on what is read: the file may grow after its
// size was checked.
NotRead readUpToCap(QFile& file, const QString& path, QByteArray* content)
{
    *content = file.read(maxFileBytes + 1);
    if (content->size() > maxFileBytes)
        return tooLarge(path);
    return QString();
}

#ifdef Q_OS_UNIX

// The path as one types it in a shell, for the commands in the messages: ~ for the home
// directory, and single quotes when it holds anything a shell would split or expand.
QString shellPath(const QString& path)
{
    const bool plain = std::all_of(path.begin(), path.end(), [](QChar c) {
        return c.isLetterOrNumber() || QStringLiteral("/._-+,:@%=").contains(c);
    });
    if (!plain)
        return QLatin1Char('\'') + QString(path).replace(QLatin1String("'"), QLatin1String("'\\''"))
            + QLatin1Char('\'');
    const QString home = QDir::homePath() + QLatin1Char('/');
    return path.startsWith(home) ? QLatin1String("~/") + path.mid(home.size()) : path;
}

// Why the opened directory or file could hold something its owner did not write, or no reason. Anyone else who can
// write to it could plant a session of theirs (the app would then work on their account) or a hostile file; fixMode is
// the chmod that makes it private again.
NotRead notPrivate(const struct stat& status, const QString& path, const char* fixMode)
{
    const QString shown = shellPath(path);
    if (status.st_uid != ::geteuid())
        return unsafe(QStringLiteral("%1 belongs to another user (uid %2), so it may hold someone else's session; "
                                     "if it is yours, run sudo chown $(id -u) %1")
                          .arg(shown, QString::number(status.st_uid)));
    if (status.st_mode & (S_IWGRP | S_IWOTH))
        return unsafe(
            QStringLiteral("%1 is writable by other users; run chmod %2 %1").arg(shown, QLatin1String(fixMode)));
    return NotRead();
}

QString systemError(const QString& path, int error)
{
    return QStringLiteral("cannot read %1: %2").arg(path, QString::fromLocal8Bit(std::strerror(error)));
}

// Why open(2) failed on the directory or the file, in words that say what to do.
NotRead openFailure(int error, const QString& path, const QString& filePath)
{
    if (error == ENOENT)
        return QStringLiteral("no Nullify CLI credentials at %1").arg(filePath);
    // O_NOFOLLOW fails on a link with ELOOP (EMLINK on FreeBSD); lstat tells a link from a loop.
    struct stat status;
    if (::lstat(QFile::encodeName(path).constData(), &status) == 0 && S_ISLNK(status.st_mode))
        return unsafe(QStringLiteral("%1 is a symbolic link, which is not followed; "
                                     "replace the link with the file or directory it points to")
                          .arg(shellPath(path)));
    if (error == ENOTDIR)
        return QStringLiteral("%1 is not a directory").arg(shellPath(path));
    return systemError(path, error);
}

// Reads the CLI's file only if no one but the user could have put it there. The directory and
// then the file in it are opened without following links, and each is checked on the opened
// descriptor (fstat), so what is checked is what is read: nothing can be swapped in between.
// O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused as not a regular file.
NotRead readCliFile(const QString& path, QByteArray* content)
{
    const QFileInfo info(path);
    const QString directory = info.absolutePath();
    const int directoryFd
        = ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (directoryFd < 0)
        return openFailure(errno, directory, path);
    const auto closeDirectory = qScopeGuard([directoryFd] { ::close(directoryFd); });
    struct stat status;
    if (::fstat(directoryFd, &status) != 0)
        return systemError(directory, errno);
    if (const NotRead refused = notPrivate(status, directory, "700"); !refused.reason.isEmpty())
        return refused;

    const int fd = ::openat(directoryFd,
                            QFile::encodeName(info.fileName()).constData(),
                            O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return openFailure(errno, path, path);
    QFile file;
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
    }
    if (::fstat(fd, &status) != 0)
        return systemError(path, errno);
    // A FIFO or a device would block or never end; only a regular file is read.
    if (!S_ISREG(status.st_mode))
        return unsafe(QStringLiteral("%1 is not a regular file; remove it and sign in with the Nullify CLI again")
                          .arg(shellPath(path)));
    if (const NotRead refused = notPrivate(status, path, "600"); !refused.reason.isEmpty())
        return refused;
    if (status.st_size > maxFileBytes)
        return tooLarge(path);
    return readUpToCap(file, path, content);
}

#else

// Without POSIX permissions to check (Windows): the file as it is, if it is a regular file.
NotRead readCliFile(const QString& path, QByteArray* content)
{
    const QFileInfo info(path);
    if (!info.exists())
        return QStringLiteral("no Nullify CLI credentials at %1").arg(path);
    // A FIFO or a device would block or never end; only a regular file is read.
    if (!info.isFile())
        return unsafe(QStringLiteral("%1 is not a regular file").arg(path));
    if (info.size() > maxFileBytes)
        return tooLarge(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
    return readUpToCap(file, path, content);
}

#endif

} // namespace

QString CliCredentials::defaultPath()
{
    return QDir::homePath() + QStringLiteral("/.nullify/credentials.json");
}

std::optional<Credentials>
CliCredentials::find(const Tenant& tenant, const QString& path, QString* whyNot, const QDateTime& now, Refusal* refusal)
{
    QByteArray json;
    const NotRead notRead = readCliFile(path, &json);
    if (refusal)
        *refusal = notRead.kind;
    if (!notRead.reason.isEmpty())
        return refuse(whyNot, notRead.reason);
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
        credentials.expiresAt = utcFromSecsSinceEpoch(static_cast<qint64>(seconds));
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
