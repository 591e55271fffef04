#include "mainwindow.h"

#include "activitymodel.h"
#include "appsettings.h"
#include "connectionstate.h"
#include "connectionstatuswidget.h"
#include "eventnoticebar.h"
#include "requesttracker.h"
#include "settingsdialog.h"
#include "view.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QScreen>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

#include <utility>

namespace nullify {

namespace {

constexpr int kNumberedPages = 5; // Ctrl+1..Ctrl+5

QWidget* buildStartPage(QWidget* parent)
{
    auto* page = new QWidget(parent);
    page->setObjectName(QStringLiteral("startPage"));
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(48, 48, 48, 48);
    layout->setSpacing(16);
    layout->addStretch(1);

    auto* logo = new QLabel(page);
    logo->setObjectName(QStringLiteral("logoLabel"));
    logo->setAlignment(Qt::AlignCenter);
    logo->setPixmap(QIcon(MainWindow::iconPath()).pixmap(96, 96));
    layout->addWidget(logo);

    auto* heading = new QLabel(MainWindow::tr("Welcome to Nullify Desktop"), page);
    heading->setObjectName(QStringLiteral("headingLabel"));
    heading->setAlignment(Qt::AlignCenter);
    QFont headingFont = heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.6);
    headingFont.setBold(true);
    heading->setFont(headingFont);
    layout->addWidget(heading);

    auto* placeholder = new QLabel(
        MainWindow::tr("Once you are signed in, your repositories, scan runs and findings will appear here."), page);
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
    return page;
}

} // namespace

MainWindow::MainWindow(ui::AppSettings* settings, QWidget* parent)
    : QMainWindow(parent)
    , m_settings(settings ? settings : new ui::AppSettings(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Nullify Desktop"));
    setWindowIcon(QIcon(iconPath()));
    resize(1100, 720);
    setMinimumSize(480, 360);

    m_navigation = new QListWidget(this);
    m_navigation->setObjectName(QStringLiteral("navigationList"));
    m_navigation->setAccessibleName(tr("Pages"));
    m_navigation->setIconSize(QSize(20, 20));
    m_navigation->setSelectionMode(QAbstractItemView::SingleSelection);
    m_navigation->setUniformItemSizes(true);
    m_navigation->setVisible(false); // until there is a view to list

    m_stack = new QStackedWidget(this);
    m_stack->setObjectName(QStringLiteral("viewStack"));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(m_navigation);
    splitter->addWidget(m_stack);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({180, 900});
    // Above the pages: the in-app form of a notification, when the desktop has no tray.
    m_eventNotice = new ui::EventNoticeBar(this);
    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_eventNotice);
    centralLayout->addWidget(splitter, 1);
    setCentralWidget(central);

    connect(m_navigation, &QListWidget::currentRowChanged, this, &MainWindow::onPageChanged);

    buildMenus();
    buildActivityDock();

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

    const bool restored = restoreGeometry(m_settings->value(ui::AppSettings::Key::WindowGeometry).toByteArray());
    fitToScreen(restored);
    restoreState(m_settings->value(ui::AppSettings::Key::WindowState).toByteArray());
    m_restorePage = m_settings->value(ui::AppSettings::Key::LastPage).toInt();
    updateEmptyState();
}

MainWindow::~MainWindow()
{
    // Views may still emit while their children go; nothing here should hear it.
    for (ui::View* view : builtViews())
        view->disconnect(this);
}

QString MainWindow::iconPath()
{
    return QStringLiteral(":/nullify/icons/nullify.svg");
}

void MainWindow::buildMenus()
{
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->setObjectName(QStringLiteral("fileMenu"));
    m_settingsAction = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("preferences-system")), tr("&Settings…"));
    m_settingsAction->setObjectName(QStringLiteral("settingsAction"));
    m_settingsAction->setMenuRole(QAction::PreferencesRole);
    QList<QKeySequence> settingsKeys = QKeySequence::keyBindings(QKeySequence::Preferences);
    const QKeySequence ctrlComma(Qt::CTRL | Qt::Key_Comma);
    if (!settingsKeys.contains(ctrlComma))
        settingsKeys.append(ctrlComma);
    m_settingsAction->setShortcuts(settingsKeys);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::showSettings);
    fileMenu->addSeparator();
    m_quitAction = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"));
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setMenuRole(QAction::QuitRole);
    // Some platforms bind no key to Quit; Ctrl+Q is what people expect there.
    QList<QKeySequence> quitKeys = QKeySequence::keyBindings(QKeySequence::Quit);
    if (quitKeys.isEmpty())
        quitKeys.append(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setShortcuts(quitKeys);
    connect(m_quitAction, &QAction::triggered, this, &MainWindow::quitRequested);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->setObjectName(QStringLiteral("viewMenu"));
    m_pagesSeparator = m_viewMenu->addSeparator();
    m_refreshAction = m_viewMenu->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"));
    m_refreshAction->setObjectName(QStringLiteral("refreshAction"));
    QList<QKeySequence> refreshKeys = QKeySequence::keyBindings(QKeySequence::Refresh);
    if (!refreshKeys.contains(QKeySequence(Qt::Key_F5)))
        refreshKeys.prepend(QKeySequence(Qt::Key_F5));
    m_refreshAction->setShortcuts(refreshKeys);
    connect(m_refreshAction, &QAction::triggered, this, [this] {
        if (ui::View* view = currentView())
            view->refresh();
    });
    m_findAction = m_viewMenu->addAction(QIcon::fromTheme(QStringLiteral("edit-find")), tr("&Find…"));
    m_findAction->setObjectName(QStringLiteral("findAction"));
    m_findAction->setShortcuts(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        if (ui::View* view = currentView())
            view->focusSearch();
    });
    m_startAction = m_viewMenu->addAction(QIcon::fromTheme(QStringLiteral("document-new")), tr("&Start…"));
    m_startAction->setObjectName(QStringLiteral("startAction"));
    m_startAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    connect(m_startAction, &QAction::triggered, this, [this] {
        if (ui::View* view = currentView())
            view->startPrimaryAction();
    });
    m_viewMenu->addSeparator();

    QMenu* accountMenu = menuBar()->addMenu(tr("&Account"));
    accountMenu->setObjectName(QStringLiteral("accountMenu"));
    m_accountAction = accountMenu->addAction(tr("Not signed in"));
    m_accountAction->setObjectName(QStringLiteral("accountAction"));
    m_accountAction->setEnabled(false); // a label: who is signed in
    accountMenu->addSeparator();
    m_signOutAction = accountMenu->addAction(tr("Sign &out"));
    m_signOutAction->setObjectName(QStringLiteral("signOutAction"));
    m_signOutAction->setEnabled(false);
    connect(m_signOutAction, &QAction::triggered, this, &MainWindow::signOutRequested);
}

void MainWindow::buildActivityDock()
{
    m_activityDock = new QDockWidget(tr("Activity"), this);
    m_activityDock->setObjectName(QStringLiteral("activityDock"));
    m_activityDock->setAllowedAreas(Qt::BottomDockWidgetArea | Qt::RightDockWidgetArea);
    m_activityTable = new QTableView(m_activityDock);
    m_activityTable->setObjectName(QStringLiteral("activityTable"));
    m_activityTable->setAccessibleName(tr("Network activity"));
    m_activityTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_activityTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_activityTable->setSortingEnabled(true);
    m_activityTable->setWordWrap(false);
    m_activityTable->verticalHeader()->setVisible(false);
    m_activityTable->horizontalHeader()->setStretchLastSection(true);
    m_activityProxy = new QSortFilterProxyModel(this);
    m_activityProxy->setSortRole(ui::ActivityModel::SortRole);
    m_activityTable->setModel(m_activityProxy);
    m_activityDock->setWidget(m_activityTable);
    addDockWidget(Qt::BottomDockWidgetArea, m_activityDock);
    m_activityDock->hide();

    QAction* toggle = m_activityDock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("activityAction"));
    toggle->setText(tr("&Activity Panel"));
    toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    m_viewMenu->addAction(toggle);
}

QAction* MainWindow::activityAction() const
{
    return m_activityDock->toggleViewAction();
}

void MainWindow::setConnectionState(ui::ConnectionState* state)
{
    delete m_connectionWidget;
    m_connectionWidget = nullptr;
    delete m_activityModel;
    m_activityModel = nullptr;
    if (!state)
        return;
    m_connectionWidget = new ui::ConnectionStatusWidget(state, this);
    m_connectionWidget->setObjectName(QStringLiteral("connectionStatus"));
    statusBar()->addPermanentWidget(m_connectionWidget);
    m_connectionWidget->show();
    connect(m_connectionWidget, &ui::ConnectionStatusWidget::signInRequested, this, &MainWindow::signInRequested);

    if (state->tracker()) {
        m_activityModel = new ui::ActivityModel(state->tracker(), this);
        m_activityProxy->setSourceModel(m_activityModel);
        // Newest first: what just happened is what one opens the panel for.
        m_activityTable->sortByColumn(ui::ActivityModel::TimeColumn, Qt::DescendingOrder);
        // The path and the status say the most; give them room without measuring every row.
        const int em = m_activityTable->fontMetrics().horizontalAdvance(QLatin1Char('M'));
        m_activityTable->setColumnWidth(ui::ActivityModel::PathColumn, 24 * em);
        m_activityTable->setColumnWidth(ui::ActivityModel::StatusColumn, 14 * em);
    }
}

void MainWindow::addView(ui::View* view)
{
    Q_ASSERT(view);
    addPage(view->title(), view->icon(), [view] { return view; });
    this->view(int(m_pages.size()) - 1); // adopt it now: the caller handed it over built
}

int MainWindow::addPage(const QString& title, const QIcon& icon, ViewFactory build)
{
    Q_ASSERT(build);
    const int index = int(m_pages.size());
    m_pages.append({std::move(build), nullptr});

    auto* item = new QListWidgetItem(icon, title, m_navigation);
    item->setData(Qt::AccessibleTextRole, title);
    item->setToolTip(title);

    auto* action = new QAction(icon, title, this);
    action->setObjectName(QStringLiteral("pageAction%1").arg(index + 1));
    if (index < kNumberedPages)
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
    connect(action, &QAction::triggered, this, [this, index] { setCurrentPage(index); });
    m_viewMenu->insertAction(m_pagesSeparator, action);
    addAction(action);
    m_pageActions.append(action);

    updateEmptyState();
    if (index == 0 || index == m_restorePage)
        setCurrentPage(index);
    return index;
}

ui::View* MainWindow::view(int index)
{
    if (index < 0 || index >= m_pages.size())
        return nullptr;
    Page& page = m_pages[index];
    if (!page.view) {
        const ViewFactory build = std::exchange(page.build, ViewFactory());
        page.view = build();
        Q_ASSERT(page.view);
        m_stack->addWidget(page.view);
        connect(page.view, &ui::View::showRequested, this, [this](ui::View* target) { showView(target); });
        connect(page.view, &ui::View::notificationRequested, this, &MainWindow::notificationRequested);
        if (index == currentPage())
            m_stack->setCurrentWidget(page.view);
    }
    return page.view;
}

QList<ui::View*> MainWindow::views()
{
    QList<ui::View*> all;
    for (int i = 0; i < m_pages.size(); ++i)
        all.append(view(i));
    return all;
}

QList<ui::View*> MainWindow::builtViews() const
{
    QList<ui::View*> built;
    for (const Page& page : m_pages) {
        if (page.view)
            built.append(page.view);
    }
    return built;
}

ui::View* MainWindow::currentView() const
{
    return qobject_cast<ui::View*>(m_stack->currentWidget());
}

int MainWindow::currentPage() const
{
    return m_navigation->currentRow();
}

void MainWindow::setCurrentPage(int index)
{
    if (index < 0 || index >= m_pages.size())
        return;
    m_navigation->setCurrentRow(index); // onPageChanged does the rest
}

void MainWindow::showView(ui::View* view)
{
    for (int i = 0; i < m_pages.size(); ++i) {
        if (view && m_pages.at(i).view == view)
            setCurrentPage(i);
    }
}

void MainWindow::onPageChanged(int row)
{
    if (row < 0 || row >= m_pages.size())
        return;
    m_settings->setValue(ui::AppSettings::Key::LastPage, row);
    presentCurrentPage();
}

void MainWindow::presentCurrentPage()
{
    const int row = currentPage();
    if (row < 0 || row >= m_pages.size())
        return;
    // A hidden window builds nothing: the page is built when the window shows it.
    ui::View* current = isVisible() ? view(row) : m_pages.at(row).view;
    if (current)
        m_stack->setCurrentWidget(current);
    activateCurrent();
}

void MainWindow::activateCurrent()
{
    ui::View* view = currentView();
    // Nothing loads before it is seen: a page made current while hidden waits for showEvent, and
    // one shown while the session opens waits for setSessionOpening(false).
    if (!view || !isVisible() || m_sessionOpening || view == m_activated)
        return;
    m_activated = view;
    view->activate();
}

void MainWindow::updateEmptyState()
{
    const bool empty = m_pages.isEmpty();
    m_navigation->setVisible(!empty);
    if (empty && isVisible()) {
        // Only a window shown without pages needs it (the app adds its pages before it shows the
        // window), so it is not built, logo and all, on every start.
        if (!m_startPage) {
            m_startPage = buildStartPage(m_stack);
            m_stack->addWidget(m_startPage);
        }
        m_stack->setCurrentWidget(m_startPage);
    }
    m_refreshAction->setEnabled(!empty);
    m_findAction->setEnabled(!empty);
    m_startAction->setEnabled(!empty);
}

void MainWindow::fitToScreen(bool restored)
{
    const QScreen* where = screen();
    if (!where)
        return;
    // Logical pixels: a 1366 x 768 laptop at 2x scaling has 683 x 384 of them, less than the
    // default size and even the minimum, and a window larger than its screen cannot be moved.
    const QRect available = where->availableGeometry();
    const QSize room = restored ? available.size() : available.size() * 9 / 10;
    setMinimumSize(minimumSize().boundedTo(room));
    if (restored && available.contains(frameGeometry()))
        return;
    resize(size().boundedTo(room));
    QRect placed(QPoint(), size());
    placed.moveCenter(available.center());
    move(placed.topLeft());
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    m_everShown = true;
    updateEmptyState();
    presentCurrentPage();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveWindowState();
    QMainWindow::closeEvent(event);
}

void MainWindow::saveWindowState()
{
    if (!m_everShown)
        return;
    m_settings->setValue(ui::AppSettings::Key::WindowGeometry, saveGeometry());
    m_settings->setValue(ui::AppSettings::Key::WindowState, saveState());
    if (currentPage() >= 0)
        m_settings->setValue(ui::AppSettings::Key::LastPage, currentPage());
}

void MainWindow::showSettings()
{
    if (!m_settingsDialog)
        m_settingsDialog = new ui::SettingsDialog(m_settings, this);
    else
        m_settingsDialog->load();
    m_settingsDialog->show();
    m_settingsDialog->raise();
    m_settingsDialog->activateWindow();
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
    QString text = who.isEmpty() ? tr("Not signed in") : tr("Signed in as %1").arg(who);
    if (m_sessionOpening && who.isEmpty())
        text = tr("Opening your saved session…");
    m_sessionLabel->setText(text);
    m_accountAction->setText(text);
    m_signOutAction->setEnabled(!who.isEmpty());
}

void MainWindow::setSessionOpening(bool opening)
{
    if (m_sessionOpening == opening)
        return;
    m_sessionOpening = opening;
    setSignedInAs(m_signedInAs); // the session label says which
    activateCurrent();
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
