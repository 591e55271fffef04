#include "appsettings.h"

#include "loglevel.h"

#include <QLoggingCategory>
#include <QSettings>

namespace nullify::ui {

namespace {

Q_LOGGING_CATEGORY(lcSettings, "nullify.ui.settings", QtInfoMsg)

QList<AppSettings::Definition> buildDefinitions()
{
    using K = AppSettings::Key;
    using T = AppSettings::Type;
    QStringList levels = logLevels();
    levels.prepend(QStringLiteral("default"));
    // The defaults of the retry limits are the network core's own (network/retrypolicy.h).
    const RetryPolicy policy;
    const int capSeconds = int(std::chrono::duration_cast<std::chrono::seconds>(policy.retryAfterCap).count());
    return {
        {K::Tenant,
         "session/tenant",
         T::Text,
         QString(),
         0,
         0,
         {},
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings", "Tenant"),
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings",
                           "The Nullify tenant opened at start-up, e.g. acme or https://api.acme.nullify.ai.")},
        {K::NotificationsEnabled,
         "notifications/enabled",
         T::Bool,
         true,
         0,
         0,
         {},
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings", "Show desktop notifications"),
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings",
                           "Tell you about new critical findings, fixes ready, pull requests opened and finished "
                           "scans while you look elsewhere.")},
        {K::RetryCapSeconds,
         "network/retryCapSeconds",
         T::Int,
         capSeconds,
         1,
         600,
         {},
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings", "Longest wait before a retry (seconds)"),
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings",
                           "A server that asks to wait longer than this gets an error instead of a wait.")},
        {K::MaxAttempts,
         "network/maxAttempts",
         T::Int,
         policy.maxAttempts,
         1,
         10,
         {},
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings", "Attempts per request"),
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings",
                           "How many times a request is tried in all when it is safe to try again.")},
        {K::LogLevel,
         "logging/level",
         T::Choice,
         QStringLiteral("default"),
         0,
         0,
         levels,
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings", "Log level"),
         QT_TRANSLATE_NOOP("nullify::ui::AppSettings",
                           "The lowest level logged; --log-level overrides it for one run.")},
        {K::WindowGeometry, "window/geometry", T::Bytes, QByteArray(), 0, 0, {}},
        {K::WindowState, "window/state", T::Bytes, QByteArray(), 0, 0, {}},
        {K::LastPage, "window/lastPage", T::Int, 0, 0, 99, {}},
        {K::SignedInAtExit, "session/signedInAtExit", T::Bool, false, 0, 0, {}},
        {K::EventFeedState, "notifications/eventFeed", T::Bytes, QByteArray(), 0, 0, {}},
        {K::FindingsFilter, "findings/filter", T::Bytes, QByteArray(), 0, 0, {}},
    };
}

} // namespace

const QList<AppSettings::Definition>& AppSettings::definitions()
{
    static const QList<Definition> all = buildDefinitions();
    return all;
}

const AppSettings::Definition& AppSettings::definition(Key key)
{
    for (const Definition& d : definitions()) {
        if (d.key == key)
            return d;
    }
    Q_UNREACHABLE();
}

AppSettings::AppSettings(QObject* parent)
    : QObject(parent)
    , m_settings(std::make_unique<QSettings>())
{ }

AppSettings::AppSettings(const QString& iniFile, QObject* parent)
    : QObject(parent)
    , m_settings(std::make_unique<QSettings>(iniFile, QSettings::IniFormat))
{ }

AppSettings::~AppSettings() = default;

bool AppSettings::isValid(const Definition& definition, const QVariant& value, QVariant* normalized)
{
    QVariant result;
    switch (definition.type) {
    case Type::Text:
        if (!value.canConvert<QString>())
            return false;
        result = value.toString().trimmed();
        break;
    case Type::Bool: {
        // QSettings' INI files hand back "true"/"false" as strings: accept those and real bools only.
        if (value.typeId() == QMetaType::Bool) {
            result = value.toBool();
            break;
        }
        const QString text = value.toString().trimmed().toLower();
        if (text == QLatin1String("true") || text == QLatin1String("1"))
            result = true;
        else if (text == QLatin1String("false") || text == QLatin1String("0"))
            result = false;
        else
            return false;
        break;
    }
    case Type::Int: {
        bool ok = false;
        const int number = value.toString().trimmed().toInt(&ok);
        if (!ok || number < definition.minimum || number > definition.maximum)
            return false;
        result = number;
        break;
    }
    case Type::Choice: {
        const QString text = value.toString().trimmed().toLower();
        if (!definition.choices.contains(text))
            return false;
        result = text;
        break;
    }
    case Type::Bytes:
        if (value.typeId() != QMetaType::QByteArray)
            return false;
        result = value.toByteArray();
        break;
    }
    if (normalized)
        *normalized = result;
    return true;
}

QVariant AppSettings::value(Key key) const
{
    const Definition& d = definition(key);
    const QString name = QLatin1String(d.name);
    if (!m_settings->contains(name))
        return d.defaultValue;
    const QVariant stored = m_settings->value(name);
    QVariant normalized;
    if (isValid(d, stored, &normalized))
        return normalized;
    qCWarning(lcSettings).noquote() << "ignoring the invalid value of" << name << "in" << m_settings->fileName()
                                    << "; using the default";
    return d.defaultValue;
}

bool AppSettings::setValue(Key key, const QVariant& value)
{
    const Definition& d = definition(key);
    QVariant normalized;
    if (!isValid(d, value, &normalized)) {
        qCWarning(lcSettings).noquote() << "refusing an invalid value for" << d.name;
        return false;
    }
    const QString name = QLatin1String(d.name);
    const QVariant before = this->value(key);
    m_settings->setValue(name, normalized);
    if (before != normalized)
        emit changed(key);
    return true;
}

void AppSettings::reset(Key key)
{
    const QVariant before = value(key);
    m_settings->remove(QLatin1String(definition(key).name));
    if (before != value(key))
        emit changed(key);
}

RetryPolicy AppSettings::applyTo(RetryPolicy policy) const
{
    const std::chrono::milliseconds cap = std::chrono::seconds(retryCapSeconds());
    policy.maxAttempts = maxAttempts();
    policy.retryAfterCap = cap;
    policy.maxBackoff = cap;
    policy.initialBackoff = std::min(policy.initialBackoff, cap);
    // A wait the user accepts must fit in the request's deadline, or the deadline would cut it short.
    policy.deadline = std::max(policy.deadline, cap + policy.attemptTimeout);
    return policy;
}

} // namespace nullify::ui
