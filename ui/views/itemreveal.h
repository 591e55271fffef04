#pragma once

#include <QString>

namespace nullify::ui {

class FindingsView;
class ScansView;

// Opening an item a notification names, in a view that lists it: the row is selected (and for a
// pentest its report opened) once it is among the loaded rows. While it is not, more pages are
// asked for, up to maxPages, then it gives up quietly (the view still shows its list). Returns at
// once; the selection happens when the rows arrive (or now, when they are there already).
void revealFinding(FindingsView* view, const QString& findingId, int maxPages = 20);
void revealPentest(ScansView* view, const QString& scanId, int maxPages = 10);

} // namespace nullify::ui
