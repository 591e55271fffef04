#include "displaytext.h"

#include <QHash>
#include <QLocale>
#include <QPainter>
#include <QPixmap>

namespace nullify::ui {

QString DisplayText::severity(api::Severity severity, const QString& serverText)
{
    switch (severity) {
    case api::Severity::Critical:
        return tr("Critical");
    case api::Severity::High:
        return tr("High");
    case api::Severity::Medium:
        return tr("Medium");
    case api::Severity::Low:
        return tr("Low");
    case api::Severity::None:
        return tr("None");
    case api::Severity::Informational:
        return tr("Informational");
    case api::Severity::Unknown:
        break;
    }
    // A severity this client does not know yet: the server's word is better than nothing.
    return serverText.isEmpty() ? tr("Unknown") : serverText;
}

QString DisplayText::findingType(api::FindingType type, const QString& serverText)
{
    switch (type) {
    case api::FindingType::Code:
        return tr("Code");
    case api::FindingType::Dependencies:
        return tr("Dependency");
    case api::FindingType::Containers:
        return tr("Container");
    case api::FindingType::SecretsCredentials:
        return tr("Secret");
    case api::FindingType::SecretsSensitiveData:
        return tr("Sensitive data");
    case api::FindingType::Pentest:
        return tr("Pentest");
    case api::FindingType::BugHunt:
        return tr("Bug hunt");
    case api::FindingType::Cloud:
        return tr("Cloud");
    case api::FindingType::Platform:
        return tr("Platform");
    case api::FindingType::Unknown:
        break;
    }
    return serverText.isEmpty() ? tr("Unknown") : serverText;
}

QString DisplayText::autofixState(api::AutofixState state)
{
    switch (state) {
    case api::AutofixState::Unknown:
    case api::AutofixState::None:
        return QString(); // no autofix: an empty cell reads better than "None" 100,000 times
    case api::AutofixState::Cancelled:
        return tr("Cancelled");
    case api::AutofixState::InProgressRequested:
        return tr("Requested");
    case api::AutofixState::InProgressAgent:
        return tr("In progress");
    case api::AutofixState::Cached:
        return tr("Fix ready");
    case api::AutofixState::InProgressPreviewAvailable:
        return tr("Preview available");
    case api::AutofixState::InProgressCreatingPr:
        return tr("Creating pull request");
    case api::AutofixState::InProgressDraft:
        return tr("Draft");
    case api::AutofixState::PendingReview:
        return tr("Pending review");
    case api::AutofixState::FailedRetry:
        return tr("Failed, will retry");
    case api::AutofixState::FailedAbort:
        return tr("Failed");
    case api::AutofixState::PrMerged:
        return tr("Pull request merged");
    case api::AutofixState::PrClosed:
        return tr("Pull request closed");
    case api::AutofixState::FailedPrCreation:
        return tr("Pull request failed");
    }
    return QString();
}

QString DisplayText::scanStatus(api::ScanStatus status, const QString& serverText)
{
    switch (status) {
    case api::ScanStatus::Queued:
        return tr("Queued");
    case api::ScanStatus::InProgress:
        return tr("In progress");
    case api::ScanStatus::Stopping:
        return tr("Stopping");
    case api::ScanStatus::Completed:
        return tr("Completed");
    case api::ScanStatus::Cancelled:
        return tr("Cancelled");
    case api::ScanStatus::Failed:
        return tr("Failed");
    case api::ScanStatus::AbortedConfigError:
        return tr("Aborted: configuration error");
    case api::ScanStatus::HumanFallback:
        return tr("Handed to a person");
    case api::ScanStatus::Unknown:
        break;
    }
    return serverText.isEmpty() ? tr("Unknown") : serverText;
}

QString DisplayText::scanner(api::Scanner scanner)
{
    switch (scanner) {
    case api::Scanner::Sast:
        return tr("Code");
    case api::Scanner::Secrets:
        return tr("Secrets");
    case api::Scanner::ScaDependencies:
        return tr("Dependencies");
    case api::Scanner::ScaContainers:
        return tr("Containers");
    }
    return QString();
}

QString DisplayText::dateTime(const QDateTime& time)
{
    return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::ShortFormat) : QString();
}

QString DisplayText::longDateTime(const QDateTime& time)
{
    return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::LongFormat) : QString();
}

int severityRank(api::Severity severity)
{
    switch (severity) {
    case api::Severity::Critical:
        return 6;
    case api::Severity::High:
        return 5;
    case api::Severity::Medium:
        return 4;
    case api::Severity::Low:
        return 3;
    case api::Severity::Informational:
        return 2;
    case api::Severity::None:
        return 1;
    case api::Severity::Unknown:
        break;
    }
    return 0;
}

QColor severityColor(api::Severity severity, const QPalette& palette)
{
    // Light variants are dark enough for white Base, dark variants light enough for a dark one;
    // both are about 4.5:1 against the usual Base of their scheme.
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    switch (severity) {
    case api::Severity::Critical:
        return dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb3, 0x26, 0x1e);
    case api::Severity::High:
        return dark ? QColor(0xff, 0xb7, 0x4d) : QColor(0xb4, 0x4a, 0x00);
    case api::Severity::Medium:
        return dark ? QColor(0xff, 0xd5, 0x4f) : QColor(0x80, 0x62, 0x00);
    case api::Severity::Low:
        return dark ? QColor(0x90, 0xca, 0xf9) : QColor(0x1d, 0x4e, 0xd8);
    default:
        return palette.color(QPalette::PlaceholderText);
    }
}

QIcon severityIcon(api::Severity severity, const QPalette& palette)
{
    // Views ask for the decoration of every visible row on every paint: draw each colour once.
    static QHash<QRgb, QIcon> cache;
    const QColor color = severityColor(severity, palette);
    auto it = cache.constFind(color.rgba());
    if (it != cache.constEnd())
        return *it;
    QIcon icon;
    for (const int size : {12, 16, 24, 32}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
        const qreal margin = size / 4.0;
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
        painter.end();
        icon.addPixmap(pixmap);
    }
    return *cache.insert(color.rgba(), icon);
}

} // namespace nullify::ui
