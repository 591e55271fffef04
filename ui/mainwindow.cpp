#include "mainwindow.h"

namespace nullify {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Nullify Desktop"));
}

} // namespace nullify
