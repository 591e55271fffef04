#include "replayablebody.h"

#include "logging.h"

#include <QIODevice>
#include <QLocale>
#include <QTemporaryFile>

namespace nullify {

namespace {

constexpr qint64 kChunkSize = 64 * 1024;

// A sequential device that yields an already spooled prefix, then whatever the original
// stream still has. Used once, for a body too large to keep for replay.
class SpoolThenStreamDevice : public QIODevice
{
public:
    SpoolThenStreamDevice(QIODevice* spool, QIODevice* stream)
        : m_spool(spool)
        , m_stream(stream)
    {
        connect(stream, &QIODevice::readyRead, this, &QIODevice::readyRead);
        connect(stream, &QIODevice::readChannelFinished, this, &QIODevice::readChannelFinished);
        m_spool->seek(0);
        open(QIODevice::ReadOnly);
    }

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override
    {
        return (m_spool->size() - m_spool->pos()) + m_stream->bytesAvailable() + QIODevice::bytesAvailable();
    }

protected:
    qint64 readData(char* data, qint64 maxSize) override
    {
        if (!m_spool->atEnd())
            return m_spool->read(data, maxSize);
        return m_stream->read(data, maxSize);
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QIODevice* m_spool;
    QIODevice* m_stream;
};

} // namespace

ReplayableBody::ReplayableBody(QIODevice* source, qint64 spoolLimit, QObject* parent)
    : QObject(parent)
    , m_source(source)
    , m_spoolLimit(spoolLimit)
{
    if (source && !source->isSequential()) {
        m_startPosition = source->pos();
        m_state = State::Ready;
    }
}

ReplayableBody::~ReplayableBody() = default;

void ReplayableBody::prepare()
{
    if (m_state != State::Unprepared) {
        QMetaObject::invokeMethod(
            this, [this] { isReady() ? emit ready() : emit failed(m_error); }, Qt::QueuedConnection);
        return;
    }
    if (!m_source || !m_source->isReadable()) {
        fail(tr("The request body can not be read."));
        return;
    }
    m_spool = std::make_unique<QTemporaryFile>();
    if (!m_spool->open()) {
        fail(tr("The request body can not be kept for a retry: no temporary file (%1).").arg(m_spool->errorString()));
        return;
    }
    m_state = State::Spooling;
    connect(m_source, &QIODevice::readyRead, this, &ReplayableBody::spoolAvailable);
    connect(m_source, &QIODevice::readChannelFinished, this, [this] {
        spoolAvailable();
        if (m_state == State::Spooling)
            finishSpooling();
    });
    QMetaObject::invokeMethod(this, &ReplayableBody::spoolAvailable, Qt::QueuedConnection);
}

void ReplayableBody::spoolAvailable()
{
    if (m_state != State::Spooling || !m_source)
        return;
    char chunk[kChunkSize];
    for (;;) {
        const qint64 read = m_source->read(chunk, sizeof chunk);
        if (read < 0) { // end of the stream
            finishSpooling();
            return;
        }
        if (read == 0)
            return; // more arrives with readyRead() or readChannelFinished()
        if (m_spool->write(chunk, read) != read) {
            fail(tr("The request body can not be kept for a retry: %1").arg(m_spool->errorString()));
            return;
        }
        if (m_spool->size() > m_spoolLimit) {
            // Too large to keep: send it once, the spooled part first, and refuse any replay.
            qCInfo(lcBody) << "sequential body exceeds the replay limit of" << m_spoolLimit << "bytes; sent once";
            m_source->disconnect(this);
            m_spool->flush();
            m_singleShot = std::make_unique<SpoolThenStreamDevice>(m_spool.get(), m_source);
            m_state = State::SingleShot;
            emit ready();
            return;
        }
    }
}

void ReplayableBody::finishSpooling()
{
    m_source->disconnect(this);
    if (!m_spool->flush()) {
        fail(tr("The request body can not be kept for a retry: %1").arg(m_spool->errorString()));
        return;
    }
    qCDebug(lcBody) << "spooled a sequential body of" << m_spool->size() << "bytes for replay";
    m_state = State::Ready;
    emit ready();
}

void ReplayableBody::fail(const QString& reason)
{
    m_state = State::Failed;
    m_error = reason;
    QMetaObject::invokeMethod(
        this, [this] { emit failed(m_error); }, Qt::QueuedConnection);
}

QIODevice* ReplayableBody::deviceForAttempt()
{
    ++m_attemptsServed;
    switch (m_state) {
    case State::Ready: {
        QIODevice* device = m_spool ? static_cast<QIODevice*>(m_spool.get()) : m_source.data();
        const qint64 start = m_spool ? 0 : m_startPosition;
        if (!device)
            return nullptr;
        // reset() rather than seek(0): QHttpMultiPart's device rewinds its parts only in reset().
        const bool rewound = start == 0 ? device->reset() : device->seek(start);
        if (!rewound) {
            m_error = tr("The request body can not be rewound for a retry.");
            return nullptr;
        }
        return device;
    }
    case State::SingleShot:
        m_state = State::Used;
        // formattedDataSize: a limit below 1 MiB must not read as "more than 0 MiB".
        m_error = tr("The request body was too large to keep for a retry (more than %1), so it was sent once.")
                      .arg(QLocale().formattedDataSize(m_spoolLimit, 0));
        return m_singleShot.get();
    default:
        return nullptr;
    }
}

} // namespace nullify
