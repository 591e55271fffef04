#include "faultplan.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace nullify::sandbox {

namespace {

struct KindName
{
    Fault::Kind kind;
    const char* name;
};

constexpr KindName KindNames[] = {
    {Fault::Kind::Status, "status"},
    {Fault::Kind::Revoke, "revoke"},
    {Fault::Kind::Latency, "latency"},
    {Fault::Kind::Close, "close"},
    {Fault::Kind::ResetMidBody, "reset"},
    {Fault::Kind::Stall, "stall"},
};

std::optional<Fault::Kind> kindFromName(const QString& name)
{
    for (const auto& entry : KindNames) {
        if (name == QLatin1String(entry.name)) {
            return entry.kind;
        }
    }
    return std::nullopt;
}

// Integers in JSON are doubles; "2.5" seconds or "-3" counts are mistakes worth reporting.
bool readInt(const QJsonObject& object, const char* key, int min, int* out, QString* error)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined() || value.isNull()) {
        return true;
    }
    const double number = value.toDouble(-1e300);
    if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number)) || number < min
        || number > 1e9) {
        *error = QStringLiteral("\"%1\" must be an integer >= %2").arg(QLatin1String(key)).arg(min);
        return false;
    }
    *out = static_cast<int>(number);
    return true;
}

} // namespace

QString Fault::kindName(Kind kind)
{
    for (const auto& entry : KindNames) {
        if (entry.kind == kind) {
            return QLatin1String(entry.name);
        }
    }
    return {};
}

QJsonObject Fault::toJson() const
{
    QJsonObject object {{QStringLiteral("rule"), ruleId}, {QStringLiteral("fault"), kindName(kind)}};
    switch (kind) {
    case Kind::Status:
        object.insert(QStringLiteral("status"), status);
        if (retryAfterSeconds >= 0) {
            object.insert(QStringLiteral("retryAfter"), retryAfterSeconds);
        }
        if (retryAfterDateSeconds) {
            object.insert(QStringLiteral("retryAfterDate"), *retryAfterDateSeconds);
        }
        if (!retryAfterRaw.isEmpty()) {
            object.insert(QStringLiteral("retryAfter"), QString::fromLatin1(retryAfterRaw));
        }
        if (dateSkewSeconds != 0) {
            object.insert(QStringLiteral("dateSkew"), dateSkewSeconds);
        }
        if (echoCredentials) {
            object.insert(QStringLiteral("echo"), true);
        }
        break;
    case Kind::Latency:
        object.insert(QStringLiteral("latencyMs"), latencyMs);
        break;
    case Kind::Revoke:
    case Kind::Close:
    case Kind::ResetMidBody:
    case Kind::Stall:
        break;
    }
    return object;
}

std::optional<FaultRule> FaultRule::fromJson(const QJsonObject& object, QString* error)
{
    static const QStringList known {
        QStringLiteral("method"),
        QStringLiteral("path"),
        QStringLiteral("fault"),
        QStringLiteral("status"),
        QStringLiteral("retryAfter"),
        QStringLiteral("retryAfterDate"),
        QStringLiteral("dateSkew"),
        QStringLiteral("latencyMs"),
        QStringLiteral("message"),
        QStringLiteral("echo"),
        QStringLiteral("count"),
        QStringLiteral("after"),
        QStringLiteral("rate"),
        QStringLiteral("seed"),
    };
    // A misspelt key would otherwise silently make a rule fire everywhere or never.
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key())) {
            *error = QStringLiteral("unknown key \"%1\"").arg(it.key());
            return std::nullopt;
        }
    }

    FaultRule rule;
    if (object.contains(QStringLiteral("method"))) {
        const QString method = object.value(QStringLiteral("method")).toString();
        if (method.isEmpty()) {
            *error = QStringLiteral("\"method\" must be a method name or \"*\"");
            return std::nullopt;
        }
        rule.method = method == QStringLiteral("*") ? QByteArrayLiteral("*") : method.toUpper().toLatin1();
    }
    if (object.contains(QStringLiteral("path"))) {
        rule.pathPattern = object.value(QStringLiteral("path")).toString();
        if (rule.pathPattern.isEmpty()) {
            *error = QStringLiteral("\"path\" must be a path pattern such as \"/sast/findings/*\"");
            return std::nullopt;
        }
    }

    const QString kindText = object.value(QStringLiteral("fault")).toString();
    const auto kind = kindFromName(kindText);
    if (!kind) {
        *error = QStringLiteral("\"fault\" must be one of status, revoke, latency, close, reset, stall (got \"%1\")")
                     .arg(kindText);
        return std::nullopt;
    }
    rule.fault.kind = *kind;

    if (!readInt(object, "status", 100, &rule.fault.status, error)
        || !readInt(object, "latencyMs", 0, &rule.fault.latencyMs, error)
        || !readInt(object, "after", 0, &rule.after, error)) {
        return std::nullopt;
    }
    if (rule.fault.status > 599) {
        *error = QStringLiteral("\"status\" must be an HTTP status code");
        return std::nullopt;
    }
    if (*kind == Fault::Kind::Latency && rule.fault.latencyMs <= 0) {
        *error = QStringLiteral("a latency fault needs \"latencyMs\" > 0");
        return std::nullopt;
    }
    const QJsonValue skew = object.value(QStringLiteral("dateSkew"));
    if (!skew.isUndefined()) {
        if (!skew.isDouble()) {
            *error = QStringLiteral("\"dateSkew\" must be a number of seconds (may be negative)");
            return std::nullopt;
        }
        rule.fault.dateSkewSeconds = skew.toInt();
    }

    const QJsonValue retryAfter = object.value(QStringLiteral("retryAfter"));
    if (retryAfter.isString()) {
        rule.fault.retryAfterRaw = retryAfter.toString().toLatin1();
    } else if (!retryAfter.isUndefined()) {
        int seconds = -1;
        if (!readInt(object, "retryAfter", 0, &seconds, error)) {
            return std::nullopt;
        }
        rule.fault.retryAfterSeconds = seconds;
    }
    if (object.contains(QStringLiteral("retryAfterDate"))) {
        int seconds = 0;
        if (!readInt(object, "retryAfterDate", 0, &seconds, error)) {
            return std::nullopt;
        }
        rule.fault.retryAfterDateSeconds = seconds;
    }
    rule.fault.message = object.value(QStringLiteral("message")).toString();
    const QJsonValue echo = object.value(QStringLiteral("echo"));
    if (!echo.isUndefined()) {
        if (!echo.isBool()) {
            *error = QStringLiteral("\"echo\" must be true or false");
            return std::nullopt;
        }
        if (echo.toBool() && *kind != Fault::Kind::Status) {
            *error = QStringLiteral("\"echo\" is for a status fault");
            return std::nullopt;
        }
        rule.fault.echoCredentials = echo.toBool();
    }

    const QJsonValue rate = object.value(QStringLiteral("rate"));
    if (!rate.isUndefined()) {
        if (!rate.isDouble() || rate.toDouble() < 0.0 || rate.toDouble() > 1.0) {
            *error = QStringLiteral("\"rate\" must be a number from 0 to 1");
            return std::nullopt;
        }
        rule.rate = rate.toDouble();
        rule.count = -1; // a rate rule keeps firing unless "count" caps it
    }
    const QJsonValue count = object.value(QStringLiteral("count"));
    if (!count.isUndefined()) {
        if (!readInt(object, "count", -1, &rule.count, error)) {
            return std::nullopt;
        }
    }
    const QJsonValue seed = object.value(QStringLiteral("seed"));
    if (!seed.isUndefined()) {
        const double value = seed.toDouble(-1);
        if (!seed.isDouble() || value < 0 || value > 4294967295.0
            || value != static_cast<double>(static_cast<qint64>(value))) {
            *error = QStringLiteral("\"seed\" must be an unsigned 32-bit integer");
            return std::nullopt;
        }
        rule.seed = static_cast<quint32>(value);
    }
    rule.random.seed(rule.seed);
    return rule;
}

QJsonObject FaultRule::toControlJson() const
{
    QJsonObject object = fault.toJson();
    object.remove(QStringLiteral("rule"));
    object.insert(QStringLiteral("method"), QString::fromLatin1(method));
    object.insert(QStringLiteral("path"), pathPattern);
    if (!fault.message.isEmpty()) {
        object.insert(QStringLiteral("message"), fault.message);
    }
    object.insert(QStringLiteral("count"), count);
    object.insert(QStringLiteral("after"), after);
    if (rate) {
        object.insert(QStringLiteral("rate"), *rate);
        object.insert(QStringLiteral("seed"), static_cast<qint64>(seed));
    }
    return object;
}

QJsonObject FaultRule::toJson() const
{
    QJsonObject object = toControlJson();
    object.insert(QStringLiteral("id"), id);
    object.insert(QStringLiteral("matched"), matched);
    object.insert(QStringLiteral("fired"), fired);
    return object;
}

FaultRuleBuilder FaultRule::on(const char* method, const char* path)
{
    return FaultRuleBuilder(QByteArray(method), QString::fromLatin1(path));
}

FaultRuleBuilder FaultRule::on(const char* method, const QString& path)
{
    return FaultRuleBuilder(QByteArray(method), path);
}

FaultRuleBuilder FaultRule::on(const QString& method, const QString& path)
{
    return FaultRuleBuilder(method.toLatin1(), path);
}

FaultRuleBuilder::FaultRuleBuilder(const QByteArray& method, const QString& path)
{
    // As fromJson reads them: a method name in upper case or "*".
    m_rule.method = method == QByteArrayLiteral("*") ? method : method.toUpper();
    m_rule.pathPattern = path;
    m_rule.fault.kind = Fault::Kind::Status;
}

FaultRuleBuilder& FaultRuleBuilder::status(int httpStatus)
{
    m_rule.fault.kind = Fault::Kind::Status;
    m_rule.fault.status = httpStatus;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::retryAfter(int seconds)
{
    m_rule.fault.retryAfterSeconds = seconds;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::retryAfterDate(int secondsAfterDate)
{
    m_rule.fault.retryAfterDateSeconds = secondsAfterDate;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::retryAfterRaw(const QByteArray& value)
{
    m_rule.fault.retryAfterRaw = value;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::dateSkew(int seconds)
{
    m_rule.fault.dateSkewSeconds = seconds;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::message(const QString& text)
{
    m_rule.fault.message = text;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::echoingCredentials()
{
    m_rule.fault.echoCredentials = true;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::revoke()
{
    m_rule.fault.kind = Fault::Kind::Revoke;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::latency(int milliseconds)
{
    m_rule.fault.kind = Fault::Kind::Latency;
    m_rule.fault.latencyMs = milliseconds;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::close()
{
    m_rule.fault.kind = Fault::Kind::Close;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::resetMidBody()
{
    m_rule.fault.kind = Fault::Kind::ResetMidBody;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::stall()
{
    m_rule.fault.kind = Fault::Kind::Stall;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::times(int count)
{
    m_rule.count = count;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::always()
{
    m_rule.count = -1;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::after(int skipped)
{
    m_rule.after = skipped;
    return *this;
}

FaultRuleBuilder& FaultRuleBuilder::rate(double probability, quint32 seed)
{
    m_rule.rate = probability;
    m_rule.seed = seed;
    m_rule.random.seed(seed);
    m_rule.count = -1; // as in JSON: a rate rule keeps firing unless times() caps it afterwards
    return *this;
}

bool globMatches(const QString& pattern, const QString& text)
{
    // Iterative wildcard match with backtracking to the last '*': linear enough for paths.
    qsizetype p = 0;
    qsizetype t = 0;
    qsizetype starP = -1;
    qsizetype starT = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern.at(p) == QLatin1Char('*')) {
            starP = p++;
            starT = t;
        } else if (p < pattern.size() && pattern.at(p) == text.at(t)) {
            ++p;
            ++t;
        } else if (starP >= 0) {
            p = starP + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern.at(p) == QLatin1Char('*')) {
        ++p;
    }
    return p == pattern.size();
}

bool FaultPlan::add(const QJsonValue& plan, QString* error)
{
    QJsonArray rules;
    if (plan.isArray()) {
        rules = plan.toArray();
    } else if (plan.isObject() && plan.toObject().contains(QStringLiteral("faults"))) {
        const QJsonValue list = plan.toObject().value(QStringLiteral("faults"));
        if (!list.isArray()) {
            *error = QStringLiteral("\"faults\" must be an array of rules");
            return false;
        }
        rules = list.toArray();
    } else if (plan.isObject()) {
        rules.append(plan);
    } else {
        *error = QStringLiteral("a fault plan is a rule object, an array of rules or {\"faults\": [...]}");
        return false;
    }

    QList<FaultRule> parsed;
    for (qsizetype i = 0; i < rules.size(); ++i) {
        if (!rules.at(i).isObject()) {
            *error = QStringLiteral("rule %1: must be an object").arg(i + 1);
            return false;
        }
        QString ruleError;
        auto rule = FaultRule::fromJson(rules.at(i).toObject(), &ruleError);
        if (!rule) {
            *error = QStringLiteral("rule %1: %2").arg(i + 1).arg(ruleError);
            return false;
        }
        parsed.append(std::move(*rule));
    }
    for (FaultRule& rule : parsed) {
        rule.id = m_nextId++;
        rule.fault.ruleId = rule.id;
        m_rules.append(std::move(rule));
    }
    return true;
}

bool FaultPlan::addJsonText(const QByteArray& text, QString* error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("malformed JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString());
        return false;
    }
    return add(document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object()), error);
}

void FaultPlan::clear()
{
    m_rules.clear();
}

std::optional<Fault> FaultPlan::take(const QByteArray& method, const QString& path)
{
    for (FaultRule& rule : m_rules) {
        if (rule.exhausted() || (rule.method != QByteArrayLiteral("*") && rule.method != method)
            || !globMatches(rule.pathPattern, path)) {
            continue;
        }
        ++rule.matched;
        if (rule.matched <= rule.after) {
            continue;
        }
        if (rule.rate && !(rule.random.generateDouble() < *rule.rate)) {
            continue;
        }
        ++rule.fired;
        return rule.fault;
    }
    return std::nullopt;
}

QJsonArray FaultPlan::toJson() const
{
    QJsonArray rules;
    for (const FaultRule& rule : m_rules) {
        rules.append(rule.toJson());
    }
    return rules;
}

} // namespace nullify::sandbox
