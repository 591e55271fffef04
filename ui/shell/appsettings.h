#pragma once

#include "retrypolicy.h"

#include <QObject>
#include <QStringList>
#include <QVariant>

#include <memory>

class QSettings;

namespace nullify::ui {

// Every setting of the app, declared once (key, type, default, limits, description) and read and
// written only through here, so a bad value in the file falls back to its default with a warning
// instead of reaching the code that uses it. Holds no secret and never will: tokens live in the
// keychain (session/).
class AppSettings : public QObject
{
    Q_OBJECT

public:
    enum class Key {
        Tenant,
        NotificationsEnabled,
        RetryCapSeconds,
        MaxAttempts,
        LogLevel,
        WindowGeometry,
        WindowState,
        LastPage,
        SignedInAtExit, // a session was open when the app last closed: show the main window at once
        EventFeedState, // per tenant: where the event feed was read up to, and the ids seen (JSON)
        FindingsFilter, // the Findings page's last filter and order (FindingsFilter::toJson)
    };
    Q_ENUM(Key)

    enum class Type { Text, Bool, Int, Choice, Bytes };

    struct Definition
    {
        Key key;
        const char* name; // the QSettings key
        Type type;
        QVariant defaultValue;
        int minimum = 0; // Int only
        int maximum = 0;
        QStringList choices; // Choice only
        const char* label = nullptr; // translated through AppSettings::tr; nullptr: not shown in the dialog
        const char* description = nullptr; // ditto, a tooltip
    };

    static const QList<Definition>& definitions();
    static const Definition& definition(Key key);

    // The application's QSettings (organisation and application name).
    explicit AppSettings(QObject* parent = nullptr);
    // An INI file of its own: tests, or a portable setup.
    explicit AppSettings(const QString& iniFile, QObject* parent = nullptr);
    ~AppSettings() override;

    // The stored value when it is valid for its definition, else the default (with a warning once).
    QVariant value(Key key) const;
    // False, and nothing written, when `value` is not valid for the key's definition.
    bool setValue(Key key, const QVariant& value);
    void reset(Key key);
    static bool isValid(const Definition& definition, const QVariant& value, QVariant* normalized = nullptr);

    QString tenant() const { return value(Key::Tenant).toString(); }
    bool notificationsEnabled() const { return value(Key::NotificationsEnabled).toBool(); }
    int retryCapSeconds() const { return value(Key::RetryCapSeconds).toInt(); }
    int maxAttempts() const { return value(Key::MaxAttempts).toInt(); }
    QString logLevel() const { return value(Key::LogLevel).toString(); }

    // `policy` with the user's retry limits: at most maxAttempts() attempts, no wait (backoff or
    // Retry-After) longer than retryCapSeconds().
    RetryPolicy applyTo(RetryPolicy policy) const;

    QSettings* store() const { return m_settings.get(); }

signals:
    void changed(nullify::ui::AppSettings::Key key);

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace nullify::ui
