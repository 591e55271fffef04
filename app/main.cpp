#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QHostAddress>
#include <QIcon>
#include <QLoggingCategory>
#include <QUrl>

#include <cstdio>
#include <cstdlib>
#include <cstring>

Q_LOGGING_CATEGORY(lcApp, "nullify.app", QtInfoMsg)

namespace {

// --help and --version only print text. Give them the offscreen platform (unless the user chose
// one) so that they work on a machine without a display, such as a CI runner or an ssh session.
bool onlyPrintsText(int argc, char* argv[])
{
    for (int i = 1; i < argc; ++i) {
        const char* arg = argv[i];
        if (std::strcmp(arg, "--") == 0) {
            return false;
        }
        for (const char* option : {"-h", "--help", "--help-all", "-v", "--version"}) {
            if (std::strcmp(arg, option) == 0) {
                return true;
            }
        }
    }
    return false;
}

void fail(const QString& message)
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(QCoreApplication::applicationName()), qPrintable(message));
}

// Logging rules for every nullify.* category: the given level and everything more severe is on.
bool applyLogLevel(const QString& level)
{
    static const QStringList levels
        = {QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("critical")};
    const qsizetype threshold = levels.indexOf(level.toLower());
    if (threshold < 0) {
        return false;
    }
    QStringList rules;
    for (qsizetype i = 0; i < levels.size(); ++i) {
        rules << QStringLiteral("nullify.*.%1=%2")
                     .arg(levels.at(i), i >= threshold ? QStringLiteral("true") : QStringLiteral("false"));
    }
    QLoggingCategory::setFilterRules(rules.join(QLatin1Char('\n')));
    return true;
}

// The API base URL rule from the API notes: https on a *.nullify.ai host, or an explicit
// loopback address (http or https) for the local sandbox. Tenant shorthand ("acme") is the
// sign-in screen's job and arrives with the sessions work.
bool isAcceptedApiUrl(const QUrl& url, QString* reason)
{
    if (!url.isValid() || url.isRelative() || url.host().isEmpty()) {
        *reason = QStringLiteral("not an absolute URL");
        return false;
    }
    if (!url.userInfo().isEmpty()) {
        *reason = QStringLiteral("credentials in the URL are not accepted");
        return false;
    }
    const QString scheme = url.scheme().toLower();
    const QString host = url.host().toLower();
    const bool loopback = QHostAddress(host).isLoopback();
    if (scheme == QLatin1String("https") && (host.endsWith(QLatin1String(".nullify.ai")) || loopback)) {
        return true;
    }
    if (scheme == QLatin1String("http") && loopback) {
        return true;
    }
    *reason = QStringLiteral("expected https://<host>.nullify.ai or a loopback address such as http://127.0.0.1:PORT");
    return false;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication::setOrganizationName(QStringLiteral("Nullify"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("nullify.ai"));
    QCoreApplication::setApplicationName(QStringLiteral("nullify-desktop"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NULLIFY_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Nullify Desktop"));

    if (onlyPrintsText(argc, argv) && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }

    QApplication app(argc, argv);
    QApplication::setWindowIcon(QIcon(nullify::MainWindow::iconPath()));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Nullify Desktop: a native desktop client for the Nullify application-security platform."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption apiUrlOption(
        QStringLiteral("api-url"),
        QStringLiteral("Base URL of the Nullify API, e.g. https://api.acme.nullify.ai or http://127.0.0.1:PORT "
                       "for a local sandbox."),
        QStringLiteral("url"));
    const QCommandLineOption logLevelOption(
        QStringLiteral("log-level"),
        QStringLiteral("Lowest level logged for the nullify.* categories: debug, info, warning or critical. "
                       "QT_LOGGING_RULES, when set, takes precedence."),
        QStringLiteral("level"));
    parser.addOption(apiUrlOption);
    parser.addOption(logLevelOption);
    parser.process(app); // handles --help, --version and unknown options (exits)

    if (parser.isSet(logLevelOption) && !applyLogLevel(parser.value(logLevelOption))) {
        fail(QStringLiteral("unknown log level '%1' (use debug, info, warning or critical)")
                 .arg(parser.value(logLevelOption)));
        return EXIT_FAILURE;
    }

    QUrl apiUrl;
    if (parser.isSet(apiUrlOption)) {
        apiUrl = QUrl(parser.value(apiUrlOption), QUrl::StrictMode);
        QString reason;
        if (!isAcceptedApiUrl(apiUrl, &reason)) {
            // Echo the URL without any user:password part the user may have typed.
            const QString shown
                = apiUrl.isValid() ? apiUrl.toDisplayString(QUrl::RemoveUserInfo) : parser.value(apiUrlOption);
            fail(QStringLiteral("invalid --api-url '%1': %2").arg(shown, reason));
            return EXIT_FAILURE;
        }
    }
    if (!parser.positionalArguments().isEmpty()) {
        fail(QStringLiteral("unexpected argument '%1' (see --help)").arg(parser.positionalArguments().constFirst()));
        return EXIT_FAILURE;
    }

    qCDebug(lcApp).noquote() << "Nullify Desktop" << QCoreApplication::applicationVersion() << "starting"
                             << (apiUrl.isEmpty() ? QStringLiteral("without an API URL")
                                                  : QStringLiteral("against ") + apiUrl.toDisplayString());

    nullify::MainWindow window;
    window.setApiUrl(apiUrl);
    window.show();
    return app.exec();
}
