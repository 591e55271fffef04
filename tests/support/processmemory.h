#pragma once

#include <QtGlobal>

namespace nullify::test {

// A field of /proc/self/status in bytes ("VmRSS", "VmHWM"), or -1 when it can not be read.
qint64 processStatusBytes(const char* field);

// Sets the peak (VmHWM) back to the current RSS, so the next VmHWM is the peak of what follows
// (Linux 4.0+). False when the kernel refused; sample VmRSS instead then.
bool resetPeakRss();

} // namespace nullify::test
