#include "mainwindow.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QStatusBar>
#include <QVBoxLayout>
#include <QWidget>

namespace nullify {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Nullify Desktop"));
    setWindowIcon(QIcon(iconPath()));
    resize(960, 640);
    setMinimumSize(480, 360);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(48, 48, 48, 48);
    layout->setSpacing(16);
    layout->addStretch(1);

    auto* logo = new QLabel(central);
    logo->setObjectName(QStringLiteral("logoLabel"));
    logo->setAlignment(Qt::AlignCenter);
    logo->setPixmap(windowIcon().pixmap(96, 96));
    layout->addWidget(logo);

    auto* heading = new QLabel(tr("Welcome to Nullify Desktop"), central);
    heading->setObjectName(QStringLiteral("headingLabel"));
    heading->setAlignment(Qt::AlignCenter);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);
    layout->addWidget(heading);

    auto* placeholder = new QLabel(tr("Sign-in arrives with the upcoming sessions work. Once you are signed in, "
                                      "your repositories, scan runs and findings will appear here."),
                                   central);
    placeholder->setObjectName(QStringLiteral("placeholderLabel"));
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setWordWrap(true);
    placeholder->setForegroundRole(QPalette::PlaceholderText);
    // Centred in a row with stretches (not with an alignment flag, which would lose the
    // word-wrapped label's height-for-width and clip its second line).
    placeholder->setMaximumWidth(520);
    auto* placeholderRow = new QHBoxLayout;
    placeholderRow->addStretch(1);
    placeholderRow->addWidget(placeholder, 4);
    placeholderRow->addStretch(1);
    layout->addLayout(placeholderRow);

    layout->addStretch(2);
    setCentralWidget(central);

    auto* sessionLabel = new QLabel(tr("Not signed in"), this);
    sessionLabel->setObjectName(QStringLiteral("sessionLabel"));
    statusBar()->addWidget(sessionLabel);

    m_apiLabel = new QLabel(this);
    m_apiLabel->setObjectName(QStringLiteral("apiLabel"));
    m_apiLabel->setVisible(false);
    statusBar()->addPermanentWidget(m_apiLabel);
}

QString MainWindow::iconPath()
{
    return QStringLiteral(":/nullify/icons/nullify.svg");
}

void MainWindow::setApiUrl(const QUrl& url)
{
    m_apiUrl = url;
    m_apiLabel->setText(tr("API: %1").arg(url.toDisplayString()));
    m_apiLabel->setVisible(!url.isEmpty());
}

} // namespace nullify
