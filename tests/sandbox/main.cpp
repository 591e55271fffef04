// nullify-sandbox: a local, stateful Nullify tenant with scriptable faults. See README.md.

#include "sandboxserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace nullify::sandbox;

namespace {

int signalPipe[2] = {-1, -1};

// Only async-signal-safe work here: the event loop reads the pipe and quits.
void onSignal(int signalNumber)
{
    const char byte = static_cast<char>(signalNumber);
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

void installSignalHandlers(QCoreApplication& app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) != 0) {
        return;
    }
    auto* notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [notifier] {
        notifier->setEnabled(false);
        char byte = 0;
        [[maybe_unused]] const auto bytesRead = ::read(signalPipe[0], &byte, 1);
        QCoreApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

bool parseInt(const QString& text, int min, int max, int* out)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < min || value > max) {
        return false;
    }
    *out = value;
    return true;
}

[[noreturn]] void fail(const QString& message)
{
    std::fprintf(stderr, "nullify-sandbox: %s\n", qPrintable(message));
    std::exit(2);
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("nullify-sandbox"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NULLIFY_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("A local, stateful Nullify tenant on 127.0.0.1 with scriptable faults. Prints "
                       "{\"api\": ..., \"control\": ...} on stdout once it listens."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("API port (0: any free port)."),
                                  QStringLiteral("port"),
                                  QStringLiteral("0"));
    const QCommandLineOption controlPort(QStringLiteral("control-port"),
                                         QStringLiteral("Control port (0: any free port)."),
                                         QStringLiteral("port"),
                                         QStringLiteral("0"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Tenant seed: same seed, same data."),
                                  QStringLiteral("n"),
                                  QStringLiteral("1"));
    const QCommandLineOption findings(
        QStringLiteral("findings"), QStringLiteral("Number of findings."), QStringLiteral("n"), QStringLiteral("400"));
    const QCommandLineOption workSeconds(QStringLiteral("work-seconds"),
                                         QStringLiteral("Seconds a cloud scan or pentest takes."),
                                         QStringLiteral("s"),
                                         QStringLiteral("20"));
    const QCommandLineOption autofixSeconds(QStringLiteral("autofix-seconds"),
                                            QStringLiteral("Seconds an autofix takes to reach \"cached\"."),
                                            QStringLiteral("s"),
                                            QStringLiteral("12"));
    const QCommandLineOption failScans(QStringLiteral("fail-scans"),
                                       QStringLiteral("Started scans end \"failed\" instead of \"completed\"."));
    const QCommandLineOption tokenLifetime(QStringLiteral("token-lifetime"),
                                           QStringLiteral("Access-token lifetime in seconds."),
                                           QStringLiteral("s"),
                                           QStringLiteral("3600"));
    const QCommandLineOption rotate(
        QStringLiteral("rotate-refresh-tokens"),
        QStringLiteral("Each refresh returns a new refresh token; the old one stops working."));
    const QCommandLineOption legacyRefreshBody(
        QStringLiteral("legacy-refresh-body"),
        QStringLiteral("The refresh answer carries the access token in its JSON body instead of "
                       "Set-Cookie: access_token (as older servers did)."));
    const QCommandLineOption autoApprove(QStringLiteral("auto-approve"),
                                         QStringLiteral("The sign-in page approves at once and redirects."));
    const QCommandLineOption legacyCallback(
        QStringLiteral("legacy-callback"),
        QStringLiteral("An older server: the approval redirect carries no redemption_secret, and /auth/cli/token "
                       "takes {\"session_id\"} alone."));
    const QCommandLineOption approvalDelay(
        QStringLiteral("approval-delay-ms"),
        QStringLiteral("After the approval redirect, /auth/cli/token answers \"authorization_pending\" this long."),
        QStringLiteral("ms"),
        QStringLiteral("0"));
    const QCommandLineOption serviceToken(QStringLiteral("service-token"),
                                          QStringLiteral("A service-account bearer token (repeatable); principal "
                                                         "service:<n>, never expires, no refresh."),
                                          QStringLiteral("token"));
    const QCommandLineOption faultPlan(QStringLiteral("fault-plan"),
                                       QStringLiteral("A JSON fault plan file (see README.md)."),
                                       QStringLiteral("file"));
    const QCommandLineOption fault(
        QStringLiteral("fault"), QStringLiteral("A fault rule as JSON (repeatable)."), QStringLiteral("json"));
    const QCommandLineOption log(QStringLiteral("log"),
                                 QStringLiteral("Append one JSON line per request to this file (\"-\": stderr)."),
                                 QStringLiteral("file"));
    parser.addOptions({port,
                       controlPort,
                       seed,
                       findings,
                       workSeconds,
                       autofixSeconds,
                       failScans,
                       tokenLifetime,
                       rotate,
                       legacyRefreshBody,
                       autoApprove,
                       legacyCallback,
                       approvalDelay,
                       serviceToken,
                       faultPlan,
                       fault,
                       log});
    parser.process(app);

    ServerOptions options;
    int value = 0;
    if (!parseInt(parser.value(port), 0, 65535, &value)) {
        fail(QStringLiteral("--port must be 0..65535"));
    }
    options.port = static_cast<quint16>(value);
    if (!parseInt(parser.value(controlPort), 0, 65535, &value)) {
        fail(QStringLiteral("--control-port must be 0..65535"));
    }
    options.controlPort = static_cast<quint16>(value);
    bool ok = false;
    options.tenant.seed = parser.value(seed).toUInt(&ok);
    if (!ok) {
        fail(QStringLiteral("--seed must be an unsigned integer"));
    }
    if (!parseInt(parser.value(findings), 0, 10000000, &options.tenant.findingCount)) {
        fail(QStringLiteral("--findings must be a non-negative integer"));
    }
    if (!parseInt(parser.value(workSeconds), 0, 86400, &options.tenant.workSeconds)) {
        fail(QStringLiteral("--work-seconds must be 0..86400"));
    }
    if (!parseInt(parser.value(autofixSeconds), 0, 86400, &options.tenant.autofixSeconds)) {
        fail(QStringLiteral("--autofix-seconds must be 0..86400"));
    }
    options.tenant.failScans = parser.isSet(failScans);
    if (!parseInt(parser.value(tokenLifetime), 1, 100000000, &options.auth.tokenLifetimeSeconds)) {
        fail(QStringLiteral("--token-lifetime must be a positive number of seconds"));
    }
    options.auth.rotateRefreshTokens = parser.isSet(rotate);
    options.auth.legacyRefreshBody = parser.isSet(legacyRefreshBody);
    options.auth.autoApprove = parser.isSet(autoApprove);
    options.auth.legacyCallback = parser.isSet(legacyCallback);
    if (!parseInt(parser.value(approvalDelay), 0, 86400000, &options.auth.approvalDelayMs)) {
        fail(QStringLiteral("--approval-delay-ms must be 0..86400000"));
    }
    options.auth.serviceTokens = parser.values(serviceToken);
    for (const QString& token : std::as_const(options.auth.serviceTokens)) {
        if (token.isEmpty() || token.contains(QLatin1Char(' '))) {
            fail(QStringLiteral("--service-token must be a non-empty token without spaces"));
        }
    }
    options.logPath = parser.value(log);

    SandboxServer server(options);
    QString error;
    if (parser.isSet(faultPlan)) {
        QFile file(parser.value(faultPlan));
        if (!file.open(QIODevice::ReadOnly)) {
            fail(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        }
        if (!server.faultPlan().addJsonText(file.readAll(), &error)) {
            fail(QStringLiteral("%1: %2").arg(file.fileName(), error));
        }
    }
    const QStringList faults = parser.values(fault);
    for (const QString& rule : faults) {
        if (!server.faultPlan().addJsonText(rule.toUtf8(), &error)) {
            fail(QStringLiteral("--fault %1: %2").arg(rule, error));
        }
    }
    if (!server.start(&error)) {
        fail(error);
    }
    installSignalHandlers(app);

    const QJsonObject ports {
        {QStringLiteral("api"), QStringLiteral("http://127.0.0.1:%1").arg(server.apiPort())},
        {QStringLiteral("control"), QStringLiteral("http://127.0.0.1:%1").arg(server.controlPort())},
    };
    const QByteArray line = QJsonDocument(ports).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), stdout);
    std::fflush(stdout);

    return app.exec();
}
