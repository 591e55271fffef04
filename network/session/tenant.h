#pragma once

#include <QString>
#include <QUrl>

#include <optional>

namespace nullify::session {

// Which Nullify tenant the app talks to. Built only from what a user typed, through fromInput(),
// so every Tenant is one the app is allowed to send a token to.
struct Tenant
{
    QUrl apiBase; // https://api.acme.nullify.ai, or http://127.0.0.1:PORT for the sandbox
    QString host; // the bare host the Nullify CLI keys its credentials by: acme.nullify.ai / 127.0.0.1:PORT
    QString name; // for people: "acme", or "127.0.0.1:8080" for a local sandbox

    // "acme", "acme.nullify.ai", "api.acme.nullify.ai" and "https://acme.nullify.ai/anything" all
    // mean https://api.acme.nullify.ai; an explicit loopback URL is taken as it is; anything else
    // (another domain, plain http to a non-loopback host) is nullopt with a reason for the user.
    static std::optional<Tenant> fromInput(const QString& input, QString* whyNot = nullptr);

    bool isLoopback() const;
    bool isValid() const { return apiBase.isValid() && !host.isEmpty(); }
    // The keychain entry's key: one entry per tenant.
    QString storageKey() const { return host; }

    friend bool operator==(const Tenant& a, const Tenant& b) { return a.apiBase == b.apiBase; }
};

} // namespace nullify::session
