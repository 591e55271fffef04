#include "mainwindow.h"

#include <QAction>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>
#include <QVBoxLayout>
#include <QWidget>

namespace nullify {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
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

    auto* placeholder = new QLabel(
        tr("Once you are signed in, your repositories, scan runs and findings will appear here."), central);
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
    m_summaryLabel = placeholder;

    layout->addStretch(2);
    setCentralWidget(central);

    QMenu* accountMenu = menuBar()->addMenu(tr("&Account"));
    accountMenu->setObjectName(QStringLiteral("accountMenu"));
    m_signOutAction = accountMenu->addAction(tr("Sign &out"));
    m_signOutAction->setObjectName(QStringLiteral("signOutAction"));
    m_signOutAction->setEnabled(false);
    connect(m_signOutAction, &QAction::triggered, this, &MainWindow::signOutRequested);

    m_sessionLabel = new QLabel(tr("Not signed in"), this);
    m_sessionLabel->setObjectName(QStringLiteral("sessionLabel"));
    m_sessionLabel->setAccessibleName(tr("Signed-in account"));
    statusBar()->addWidget(m_sessionLabel);

    m_noticeLabel = new QLabel(this);
    m_noticeLabel->setObjectName(QStringLiteral("noticeLabel"));
    m_noticeLabel->setAccessibleName(tr("Notice"));
    m_noticeLabel->setVisible(false);
    statusBar()->addWidget(m_noticeLabel, 1);

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

void MainWindow::setSignedInAs(const QString& who)
{
    m_signedInAs = who;
    m_sessionLabel->setText(who.isEmpty() ? tr("Not signed in") : tr("Signed in as %1").arg(who));
    m_signOutAction->setEnabled(!who.isEmpty());
}

void MainWindow::setSummary(const QString& text)
{
    m_summaryLabel->setText(text);
}

QString MainWindow::summary() const
{
    return m_summaryLabel->text();
}

void MainWindow::setNotice(const QString& text)
{
    m_noticeLabel->setText(text);
    m_noticeLabel->setToolTip(text);
    m_noticeLabel->setVisible(!text.isEmpty());
}

QString MainWindow::notice() const
{
    return m_noticeLabel->text();
}

} // namespace nullify
