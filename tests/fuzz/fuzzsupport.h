#pragma once

// Shared by the libFuzzer targets in this directory.

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace nullify::fuzz {

// A property the code under test promises: when it does not hold, the fuzzer must stop and keep
// the input, so this aborts (libFuzzer reports a deadly signal and writes the crash file).
#define NULLIFY_FUZZ_CHECK(condition)                                                                                  \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__);                   \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (false)

// Parsers log what they refuse; at tens of thousands of inputs a second that output would cost
// more than the parsing. Fatal messages still abort, so Q_ASSERT and qFatal stay findings.
inline void silenceQtMessages()
{
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& message) {
        if (type == QtFatalMsg) {
            std::fprintf(stderr, "%s\n", qPrintable(message));
            std::abort();
        }
    });
}

// The input as Qt bytes without a copy. libFuzzer allocates every input at its exact size, so a
// read one byte past the end is an ASan report; a copy would add a terminating NUL and Qt's
// rounded-up capacity, and hide exactly that bug. Valid only during the call, which is all the
// code under test needs.
inline QByteArray bytesOf(const std::uint8_t* data, std::size_t size)
{
    return QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
}

// Parts of such an input, equally without a copy (QByteArray::sliced() and first() copy).
inline QByteArray bytesFrom(const QByteArray& bytes, qsizetype position)
{
    return QByteArray::fromRawData(bytes.constData() + position, bytes.size() - position);
}

inline QByteArray firstBytes(const QByteArray& bytes, qsizetype length)
{
    return QByteArray::fromRawData(bytes.constData(), length);
}

} // namespace nullify::fuzz
