#pragma once

#include <QList>
#include <QSslCertificate>
#include <QString>

#include <optional>

namespace nullify::app {

// Extra certificate authorities for TLS, for an API reached through a gateway whose certificate a
// private CA issued (a corporate proxy, a local test gateway): --ca-certificates FILE or
// NULLIFY_CA_CERTIFICATES. They are trusted in addition to the system's, never instead of them,
// and certificate verification stays on.

// The certificates in a PEM (one or more) or DER file. nullopt with a message saying why when the
// file can not be read or holds no certificate.
std::optional<QList<QSslCertificate>> loadCaCertificates(const QString& path, QString* error);

// Adds them to the default QSslConfiguration, which every request of the process starts from.
void trustCaCertificates(const QList<QSslCertificate>& authorities);

} // namespace nullify::app
