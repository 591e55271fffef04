#pragma once

#include <QHostAddress>
#include <QUrl>

namespace nullify {

// RFC 6454 origin comparison: scheme, host and port, with the scheme's default port filled in.
inline bool isSameOrigin(const QUrl& a, const QUrl& b)
{
    const auto port = [](const QUrl& url) {
        return url.port(url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0 ? 443 : 80);
    };
    return a.scheme().compare(b.scheme(), Qt::CaseInsensitive) == 0
        && a.host().compare(b.host(), Qt::CaseInsensitive) == 0 && port(a) == port(b);
}

// "localhost" or a loopback address (127.0.0.0/8, ::1): the only hosts this app talks plain http to.
inline bool isLoopbackHost(const QString& host)
{
    // The usual spellings first: parsing an address costs more than the rest of this check, and it
    // runs for every attempt to a sandbox on this machine.
    if (host == QLatin1String("127.0.0.1") || host == QLatin1String("::1")
        || host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

// Plain http leaves this machine: tokens, cookies and bodies would cross the network in the clear.
inline bool isCleartextToNetwork(const QUrl& url)
{
    return url.scheme().compare(QLatin1String("http"), Qt::CaseInsensitive) == 0 && !isLoopbackHost(url.host());
}

} // namespace nullify
