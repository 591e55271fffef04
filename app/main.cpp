#include "appcontroller.h"
#include "cacertificates.h"
#include "loglevel.h"
#include "mainwindow.h"
#include "secretscrubber.h"
#include "tenant.h"

#include <QApplication>
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QEvent>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QLoggingCategory>
#include <QPointer>
#include <QTimer>
#include <QTranslator>
#include <QUrl>
#include <QWidget>

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

// The app's translations for the system's languages (compiled in by qt_add_translations), with
// the English source text as the fallback, and Qt's own for its standard dialogs and buttons.
void installTranslations(QCoreApplication* app)
{
    auto* own = new QTranslator(app);
    if (own->load(QLocale(),
                  QStringLiteral("nullify_desktop"),
                  QStringLiteral("_"),
                  QStringLiteral(":/nullify/translations")))
        QCoreApplication::installTranslator(own);
    auto* qt = new QTranslator(app);
    if (qt->load(QLocale(),
                 QStringLiteral("qtbase"),
                 QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
}

void fail(const QString& message)
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(QCoreApplication::applicationName()), qPrintable(message));
}

// --exit-when-shown: a start-up check for packaging tests and smoke runs. Watches every widget's
// Show event; once the first top-level window (a window or dialog, not a popup or tooltip) has
// been shown and the event loop has had a turn, prints one line "shown: <objectName>" (the window
// title when the window has no object name) to stdout and quits with exit code 0.
class FirstWindowReporter : public QObject
{
public:
    using QObject::QObject;

    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Show && !m_seen && watched->isWidgetType()) {
            auto* widget = static_cast<QWidget*>(watched);
            const Qt::WindowType type = widget->windowType();
            if (widget->isWindow() && (type == Qt::Window || type == Qt::Dialog)) {
                m_seen = true;
                QPointer<QWidget> window(widget);
                QTimer::singleShot(0, this, [window] {
                    QString name;
                    if (window) {
                        name = window->objectName().isEmpty() ? window->windowTitle() : window->objectName();
                    }
                    std::printf("shown: %s\n", qPrintable(name));
                    std::fflush(stdout);
                    QCoreApplication::exit(0);
                });
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    bool m_seen = false;
};

} // namespace

int main(int argc, char* argv[])
{
    // First of all: every log line of the process, Qt's own included, passes the scrubber.
    nullify::SecretScrubber::installMessageHandler();
    QCoreApplication::setOrganizationName(QStringLiteral("Nullify"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("nullify.ai"));
    QCoreApplication::setApplicationName(QStringLiteral("nullify-desktop"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NULLIFY_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Nullify Desktop"));
    // Lets Wayland compositors and portals match windows to the installed desktop entry.
    QGuiApplication::setDesktopFileName(QStringLiteral("ai.nullify.Desktop"));

    if (onlyPrintsText(argc, argv) && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }

    QApplication app(argc, argv);
    installTranslations(&app);
    QApplication::setWindowIcon(QIcon(nullify::MainWindow::iconPath()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "Nullify Desktop: a native desktop client for the Nullify application-security platform."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption apiUrlOption(
        QStringLiteral("api-url"),
        QCoreApplication::translate(
            "main",
            "Base URL of the Nullify API, e.g. https://api.acme.nullify.ai or http://127.0.0.1:PORT "
            "for a local sandbox."),
        QStringLiteral("url"));
    const QCommandLineOption logLevelOption(
        QStringLiteral("log-level"),
        QCoreApplication::translate(
            "main",
            "Lowest level logged for the nullify.* categories: debug, info, warning or critical. "
            "QT_LOGGING_RULES, when set, takes precedence."),
        QStringLiteral("level"));
    const QCommandLineOption exitWhenShownOption(
        QStringLiteral("exit-when-shown"),
        QCoreApplication::translate(
            "main",
            "Start-up check: once the first window is shown, print \"shown: <window name>\" and exit "
            "with code 0 (used by the package tests, e.g. with QT_QPA_PLATFORM=offscreen)."));
    const QCommandLineOption caCertificatesOption(
        QStringLiteral("ca-certificates"),
        QCoreApplication::translate(
            "main",
            "Also trust the certificate authorities in this PEM or DER file, for an API gateway whose "
            "certificate a private CA issued (default: $NULLIFY_CA_CERTIFICATES). The system's stay "
            "trusted, and certificates are always verified."),
        QStringLiteral("file"));
    parser.addOption(apiUrlOption);
    parser.addOption(caCertificatesOption);
    parser.addOption(logLevelOption);
    parser.addOption(exitWhenShownOption);
    parser.process(app); // handles --help, --version and unknown options (exits)

    if (parser.isSet(logLevelOption) && !nullify::ui::applyLogLevel(parser.value(logLevelOption))) {
        fail(QCoreApplication::translate("main", "unknown log level '%1' (use debug, info, warning or critical)")
                 .arg(parser.value(logLevelOption)));
        return EXIT_FAILURE;
    }

    const QString caFile = parser.isSet(caCertificatesOption) ? parser.value(caCertificatesOption)
                                                              : qEnvironmentVariable("NULLIFY_CA_CERTIFICATES");
    if (!caFile.isEmpty()) {
        QString error;
        const auto authorities = nullify::app::loadCaCertificates(caFile, &error);
        if (!authorities) {
            fail(error);
            return EXIT_FAILURE;
        }
        nullify::app::trustCaCertificates(*authorities);
        qCInfo(lcApp).noquote() << "trusting" << authorities->size() << "more CA certificate(s) from" << caFile;
    }

    QUrl apiUrl;
    if (parser.isSet(apiUrlOption)) {
        // The same rules as the sign-in window's tenant field: "acme", "acme.nullify.ai",
        // https://api.acme.nullify.ai, or an explicit loopback URL for the sandbox.
        QString reason;
        const std::optional<nullify::session::Tenant> tenant
            = nullify::session::Tenant::fromInput(parser.value(apiUrlOption), &reason);
        if (!tenant) {
            // Echo the URL without any user:password part the user may have typed.
            const QUrl typed(parser.value(apiUrlOption));
            const QString shown = typed.isValid() ? typed.toDisplayString(QUrl::RemoveUserInfo) : QStringLiteral("?");
            fail(QCoreApplication::translate("main", "invalid --api-url '%1': %2").arg(shown, reason));
            return EXIT_FAILURE;
        }
        apiUrl = tenant->apiBase;
    }
    if (!parser.positionalArguments().isEmpty()) {
        fail(QCoreApplication::translate("main", "unexpected argument '%1' (see --help)")
                 .arg(parser.positionalArguments().constFirst()));
        return EXIT_FAILURE;
    }

    qCDebug(lcApp).noquote() << "Nullify Desktop" << QCoreApplication::applicationVersion() << "starting"
                             << (apiUrl.isEmpty() ? QStringLiteral("without an API URL")
                                                  : QStringLiteral("against ") + apiUrl.toDisplayString());

    if (parser.isSet(exitWhenShownOption)) {
        app.installEventFilter(new FirstWindowReporter(&app));
    }

    // Shows the sign-in window, or the main window when the keychain holds a session for the last
    // tenant; whichever comes first is what --exit-when-shown reports.
    nullify::app::AppController::Options options;
    options.apiUrl = apiUrl;
    if (parser.isSet(logLevelOption))
        options.logLevelOverride = parser.value(logLevelOption);
    nullify::app::AppController controller(options);
    controller.start();
    return app.exec();
}
