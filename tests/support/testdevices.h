#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QTimer>

#include <cstring>

namespace nullify::test {

// Upload bodies like a pipe or a socket: sequential, no size, so neither QNetworkAccessManager nor
// the retry layer can learn the length up front or seek back.

// All data available at once; the end is readData() returning -1.
class SequentialSource : public QIODevice
{
public:
    explicit SequentialSource(QByteArray data, QObject* parent = nullptr)
        : QIODevice(parent)
        , m_data(std::move(data))
    {
        open(QIODevice::ReadOnly);
    }

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return m_data.size() - m_pos + QIODevice::bytesAvailable(); }
    bool atEnd() const override { return m_pos >= m_data.size() && QIODevice::bytesAvailable() == 0; }

protected:
    qint64 readData(char* out, qint64 maxSize) override
    {
        const qint64 count = qMin<qint64>(maxSize, m_data.size() - m_pos);
        if (count <= 0)
            return -1;
        std::memcpy(out, m_data.constData() + m_pos, size_t(count));
        m_pos += count;
        return count;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_pos = 0;
};

// Data trickles in over time (readyRead per chunk), nothing is available in between (readData
// returns 0), and the end is signalled by readData returning -1 and readChannelFinished.
class TricklingSource : public QIODevice
{
public:
    TricklingSource(QByteArray data, qsizetype chunkSize, int intervalMs, QObject* parent = nullptr)
        : QIODevice(parent)
        , m_data(std::move(data))
        , m_chunkSize(chunkSize)
    {
        open(QIODevice::ReadOnly);
        m_timer.setInterval(intervalMs);
        connect(&m_timer, &QTimer::timeout, this, [this] { deliverChunk(); });
        m_timer.start(); // the first chunk arrives later, not at once
    }

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return (m_available - m_readPos) + QIODevice::bytesAvailable(); }
    bool isComplete() const { return m_available == m_data.size(); }

protected:
    qint64 readData(char* out, qint64 maxSize) override
    {
        const qint64 count = qMin<qint64>(maxSize, m_available - m_readPos);
        if (count <= 0)
            return isComplete() ? -1 : 0;
        std::memcpy(out, m_data.constData() + m_readPos, size_t(count));
        m_readPos += count;
        return count;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    void deliverChunk()
    {
        m_available = qMin<qint64>(m_available + m_chunkSize, m_data.size());
        emit readyRead();
        if (isComplete()) {
            m_timer.stop();
            emit readChannelFinished();
        }
    }

    QByteArray m_data;
    qsizetype m_chunkSize;
    qint64 m_available = 0;
    qint64 m_readPos = 0;
    QTimer m_timer;
};

} // namespace nullify::test
