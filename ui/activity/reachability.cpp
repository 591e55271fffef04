#include "reachability.h"

#include <QLoggingCategory>
#include <QNetworkInformation>
#include <QTimer>

namespace nullify::ui {

Q_LOGGING_CATEGORY(lcUiReachability, "nullify.ui.reachability", QtInfoMsg)

namespace {

bool isOnlineValue(QNetworkInformation::Reachability reachability)
{
    // Unknown, Local and Site are not "offline": an API on the local network (or the loopback
    // sandbox) stays reachable, and transport failures catch a real outage anyway.
    return reachability != QNetworkInformation::Reachability::Disconnected;
}

} // namespace

SystemReachability::SystemReachability(QObject* parent)
    : ReachabilitySource(parent)
{
    // Loading a backend costs tens of milliseconds (the NetworkManager/glib plugins and their
    // libraries): not on the start-up path, but once the first window is up. Until then the answer
    // is "online", as it is without a backend, and failed requests would still say otherwise.
    QTimer::singleShot(backendLoadDelay, this, &SystemReachability::loadBackend);
}

void SystemReachability::loadBackend()
{
    // Qt 6.4 has loadDefaultBackend() and loadBackendByFeatures() (load() is deprecated there).
    // On a headless machine neither loads anything and instance() stays null: treat as online.
    if (!QNetworkInformation::instance() && !QNetworkInformation::loadDefaultBackend())
        QNetworkInformation::loadBackendByFeatures(QNetworkInformation::Feature::Reachability);
    QNetworkInformation* info = QNetworkInformation::instance();
    if (!info || !info->supports(QNetworkInformation::Feature::Reachability)) {
        qCInfo(lcUiReachability) << "no network information backend; assuming online";
        return;
    }
    m_hasBackend = true;
    qCInfo(lcUiReachability) << "backend" << info->backendName() << "reports" << info->reachability();
    const auto follow = [this](QNetworkInformation::Reachability value) {
        const bool online = isOnlineValue(value);
        if (online == m_online)
            return;
        m_online = online;
        emit onlineChanged(online);
    };
    connect(info, &QNetworkInformation::reachabilityChanged, this, [follow](QNetworkInformation::Reachability value) {
        qCInfo(lcUiReachability) << "reachability changed:" << value;
        follow(value);
    });
    follow(info->reachability());
}

} // namespace nullify::ui
