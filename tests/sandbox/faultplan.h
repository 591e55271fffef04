#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QRandomGenerator>
#include <QString>

#include <optional>

namespace nullify::sandbox {

// One injected failure, as the server applies it to one request.
struct Fault
{
    enum class Kind {
        Status, // answer with `status` (and optional Retry-After / skewed Date) instead of the handler
        Revoke, // revoke the presented access token and answer 401, so the client must refresh
        Latency, // wait `latencyMs`, then serve the request normally
        Close, // read the request, then close the connection without a byte
        ResetMidBody, // serve the real response but abort the socket after half its body
        Stall, // read the request and never answer
    };

    Kind kind = Kind::Status;
    int ruleId = 0;
    int status = 503;
    // Retry-After in seconds (retryAfterSeconds >= 0) or as an HTTP-date this many seconds after
    // the response's Date (retryAfterDateSeconds set); or given verbatim (retryAfterRaw).
    int retryAfterSeconds = -1;
    std::optional<int> retryAfterDateSeconds;
    QByteArray retryAfterRaw;
    int dateSkewSeconds = 0; // shifts the Date header (and a date Retry-After with it)
    int latencyMs = 0;
    QString message; // the {"error"} text of a status or revoke answer
    // status: the {"error"} text also quotes the request's Authorization and Cookie headers, as a
    // careless server's error page does (the client must keep them out of its logs and windows).
    bool echoCredentials = false;

    static QString kindName(Kind kind);
    QJsonObject toJson() const; // what the request log records
};

class FaultRuleBuilder;

// A rule of the fault plan: which requests (method, path glob) and which fault, in sequence mode
// ("the next `count` matching requests, after skipping `after`") or rate mode (each matching
// request with probability `rate`, drawn from a generator seeded with `seed`).
struct FaultRule
{
    // Starts a rule for requests matching `method` ("*": any) and the path glob `path`; see
    // FaultRuleBuilder below: FaultRule::on("GET", "/sast/findings/*").status(503).retryAfter(2).
    static FaultRuleBuilder on(const char* method, const char* path);
    static FaultRuleBuilder on(const char* method, const QString& path);
    static FaultRuleBuilder on(const QString& method, const QString& path);

    int id = 0;
    QByteArray method = QByteArrayLiteral("*");
    QString pathPattern = QStringLiteral("*");
    Fault fault;
    int after = 0; // matching requests let through before the rule starts firing
    int count = 1; // fires left; -1 = unlimited (the default in rate mode)
    std::optional<double> rate;
    quint32 seed = 1;

    // Bookkeeping.
    int matched = 0;
    int fired = 0;
    QRandomGenerator random;

    // Parses one rule; on failure returns nullopt and sets *error.
    static std::optional<FaultRule> fromJson(const QJsonObject& object, QString* error);
    // The rule as the control port's POST /faults takes it (what fromJson reads back).
    QJsonObject toControlJson() const;
    QJsonObject toJson() const; // toControlJson() and the bookkeeping, as GET /faults lists it
    bool exhausted() const { return count >= 0 && fired >= count; }
};

// Builds one FaultRule in the words of a test; rule() is the typed rule, toJson() the control port's form:
//   FaultRule::on("GET", "/context/repositories").status(503).retryAfter(1)   the next matching request
//   FaultRule::on("POST", "/admin/findings").status(500).always()            every matching request
//   FaultRule::on("*", "*").latency(100).always()
//   FaultRule::on("*", "/sast/*").stall().rate(0.1, 7)                       a seeded share of them
// A rule fires once unless told otherwise (times, always, rate). Converts to the JSON rule the
// control port takes, so a list of them is a fault plan: sandbox.addFaults({rule, rule}).
class FaultRuleBuilder
{
public:
    FaultRuleBuilder(const QByteArray& method, const QString& path);

    // The fault: an HTTP status (503 unless set) or one of the transport faults.
    FaultRuleBuilder& status(int httpStatus);
    FaultRuleBuilder& retryAfter(int seconds); // Retry-After: <seconds>
    FaultRuleBuilder& retryAfterDate(int secondsAfterDate); // Retry-After as an HTTP-date
    FaultRuleBuilder& retryAfterRaw(const QByteArray& value); // Retry-After verbatim
    FaultRuleBuilder& dateSkew(int seconds);
    FaultRuleBuilder& message(const QString& text);
    FaultRuleBuilder& echoingCredentials();
    FaultRuleBuilder& revoke();
    FaultRuleBuilder& latency(int milliseconds);
    FaultRuleBuilder& close();
    FaultRuleBuilder& resetMidBody();
    FaultRuleBuilder& stall();

    // Which of the matching requests.
    FaultRuleBuilder& times(int count); // the next `count`
    FaultRuleBuilder& always(); // every one
    FaultRuleBuilder& after(int skipped); // let `skipped` through first
    FaultRuleBuilder& rate(double probability, quint32 seed); // each with this probability, unlimited

    const FaultRule& rule() const { return m_rule; }
    QJsonObject toJson() const { return m_rule.toControlJson(); }
    operator QJsonValue() const { return toJson(); } // so a braced list of rules is a QJsonArray

private:
    FaultRule m_rule;
};

// "*" matches any run of characters, "/" included; everything else is literal.
bool globMatches(const QString& pattern, const QString& text);

class FaultPlan
{
public:
    // Accepts {"faults": [rule, ...]}, a bare array of rules, or one rule object. All or nothing:
    // on any invalid rule nothing is added and *error says which and why.
    bool add(const QJsonValue& plan, QString* error);
    bool addJsonText(const QByteArray& text, QString* error);
    void clear();
    bool isEmpty() const { return m_rules.isEmpty(); }

    // The fault for this request, if any rule fires. Rules are tried in the order they were added;
    // each matching, unexhausted rule counts the request (a rate rule draws its number) until one
    // fires, and later rules do not see it. So the outcome for a seed and a request sequence is fixed.
    std::optional<Fault> take(const QByteArray& method, const QString& path);

    QJsonArray toJson() const;

private:
    QList<FaultRule> m_rules;
    int m_nextId = 1;
};

} // namespace nullify::sandbox
