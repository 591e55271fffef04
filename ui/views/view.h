#pragma once

#include <QIcon>
#include <QString>
#include <QWidget>

namespace nullify::api {
class NullifyApi;
}

namespace nullify::ui {

class ConnectionState;
class RequestTracker;

// What every view of the main window gets: the typed API (the only way to the network), the
// tracker of the manager behind it (for retry countdowns on a view's own requests) and the
// connection state (pollers hold off while it is paused). None of them is owned by a view.
struct ViewContext
{
    api::NullifyApi* api = nullptr;
    RequestTracker* tracker = nullptr;
    ConnectionState* connection = nullptr;
};

// One page of the main window's navigation list (Overview, Repositories, Findings, Scans,
// Autofix). The main window knows views only through this class: it lists them by title and
// icon, activates the one shown, and forwards the window-wide shortcuts to it.
class View : public QWidget
{
    Q_OBJECT

public:
    explicit View(const ViewContext& context, QWidget* parent = nullptr)
        : QWidget(parent)
        , m_context(context)
    { }

    virtual QString title() const = 0; // translated, for the navigation list
    virtual QIcon icon() const { return {}; }

    // The view became the visible page. The first activation loads its data; later ones may
    // refresh what went stale. Nothing is loaded before a view is first shown.
    virtual void activate() = 0;
    // Refresh (F5): load again from the server.
    virtual void refresh() = 0;
    // Find (Ctrl+F): focus the view's search or filter field, if it has one.
    virtual void focusSearch() { }
    // Start (Ctrl+Shift+N): the view's primary action (start a scan, start an autofix), if any.
    virtual void startPrimaryAction() { }

    const ViewContext& context() const { return m_context; }

signals:
    // Something the user may want to hear about even when looking elsewhere (a scan or an autofix
    // finished); the main window turns it into a tray notification when those are on.
    void notificationRequested(const QString& title, const QString& message);
    // Brings this view to the front (e.g. Findings asks for Autofix after "Autofix" is clicked).
    void showRequested(nullify::ui::View* view);

private:
    ViewContext m_context;
};

} // namespace nullify::ui
