#include "cacertificates.h"

#include <QFile>
#include <QFileInfo>
#include <QSslConfiguration>

namespace nullify::app {

std::optional<QList<QSslCertificate>> loadCaCertificates(const QString& path, QString* error)
{
    QFile file(path);
    if (QFileInfo(path).isDir() || !file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the CA certificates file '%1': %2")
                     .arg(path, QFileInfo(path).isDir() ? QStringLiteral("it is a directory") : file.errorString());
        return std::nullopt;
    }
    // A CA bundle is a few kilobytes; anything far larger is not one.
    constexpr qint64 maxBytes = 16 * 1024 * 1024;
    const QByteArray data = file.read(maxBytes + 1);
    if (data.size() > maxBytes) {
        *error = QStringLiteral("the CA certificates file '%1' is larger than 16 MiB").arg(path);
        return std::nullopt;
    }
    QList<QSslCertificate> certificates = QSslCertificate::fromData(data, QSsl::Pem);
    if (certificates.isEmpty())
        certificates = QSslCertificate::fromData(data, QSsl::Der);
    certificates.removeIf([](const QSslCertificate& certificate) { return certificate.isNull(); });
    if (certificates.isEmpty()) {
        *error = QStringLiteral("the CA certificates file '%1' holds no PEM or DER certificate").arg(path);
        return std::nullopt;
    }
    return certificates;
}

void trustCaCertificates(const QList<QSslCertificate>& authorities)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.addCaCertificates(authorities);
    QSslConfiguration::setDefaultConfiguration(configuration);
}

} // namespace nullify::app
