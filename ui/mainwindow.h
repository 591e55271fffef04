#pragma once

#include <QMainWindow>

namespace nullify {

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
};

} // namespace nullify
