#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>

class QIODevice;
class QTemporaryFile;

namespace nullify {

// Makes an upload body sendable once per attempt, byte for byte:
// - a seekable device (QBuffer from a QByteArray body, QFile, QHttpMultiPart's device) is
//   rewound to the position it had when the request was made; nothing is copied;
// - a sequential device is first spooled into a temporary file, up to a limit. A larger body is
//   still sent once (the spooled part, then the rest of the stream), but can not be replayed.
class ReplayableBody : public QObject
{
    Q_OBJECT

public:
    ReplayableBody(QIODevice* source, qint64 spoolLimit, QObject* parent = nullptr);
    ~ReplayableBody() override;

    // Starts spooling a sequential source; emits ready() or failed() (queued, never from here).
    void prepare();
    bool isReady() const { return m_state == State::Ready || m_state == State::SingleShot; }

    // The device to hand to one attempt, positioned at the start of the body; nullptr when the
    // body can not be sent again.
    QIODevice* deviceForAttempt();
    bool canReplay() const { return m_state == State::Ready; }
    QString errorString() const { return m_error; }

signals:
    void ready();
    void failed(const QString& reason);

private:
    enum class State { Unprepared, Spooling, Ready, SingleShot, Used, Failed };

    void spoolAvailable();
    void finishSpooling();
    void fail(const QString& reason);

    QPointer<QIODevice> m_source;
    qint64 m_spoolLimit;
    qint64 m_startPosition = 0;
    State m_state = State::Unprepared;
    std::unique_ptr<QTemporaryFile> m_spool;
    std::unique_ptr<QIODevice> m_singleShot; // spooled part followed by the rest of the stream
    int m_attemptsServed = 0;
    QString m_error;
};

} // namespace nullify
