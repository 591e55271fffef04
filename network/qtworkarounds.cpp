#include "qtworkarounds.h"

#include <algorithm>

namespace nullify::qtworkarounds {

SendOnceDevice::SendOnceDevice(QIODevice* source, QObject* parent)
    : QIODevice(parent)
    , m_source(source)
    , m_size(source ? std::max<qint64>(source->size() - source->pos(), 0) : 0)
    // An empty body has no byte whose reading would say it went out, and Qt 6.4 emits no
    // requestSent() for it (emptyBodyGetsNoRequestSent): count it as sent, so Qt can not send the
    // request again by itself.
    , m_sent(m_size == 0)
{
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);
}

bool SendOnceDevice::seek(qint64 position)
{
    if (!m_sent && position == pos())
        return QIODevice::seek(position);
    if (!m_sent && position == 0 && m_source && m_source->seek(m_source->pos() - pos()))
        return QIODevice::seek(0);
    m_rewindRefused = true;
    return false;
}

qint64 SendOnceDevice::readData(char* data, qint64 maxSize)
{
    const qint64 wanted = std::min(maxSize, m_size - pos());
    if (!m_source || wanted <= 0)
        return -1;
    const qint64 read = m_source->read(data, wanted);
    if (read > 0)
        m_sent = true;
    return read;
}

void restateReadBufferSizeOnceStarted(QNetworkReply* attempt, qint64 limit)
{
    QMetaObject::invokeMethod(
        attempt,
        [attempt, limit] {
            if (attempt->readBufferSize() == limit)
                attempt->setReadBufferSize(limit);
        },
        Qt::QueuedConnection);
}

QNetworkReply::NetworkError errorForStatus(int status)
{
    switch (status) {
    case 401:
        return QNetworkReply::AuthenticationRequiredError;
    case 403:
        return QNetworkReply::ContentAccessDenied;
    case 404:
        return QNetworkReply::ContentNotFoundError;
    case 405:
        return QNetworkReply::ContentOperationNotPermittedError;
    case 409:
        return QNetworkReply::ContentConflictError;
    case 410:
        return QNetworkReply::ContentGoneError;
    case 500:
        return QNetworkReply::InternalServerError;
    case 501:
        return QNetworkReply::OperationNotImplementedError;
    case 503:
        return QNetworkReply::ServiceUnavailableError;
    default:
        if (status >= 500)
            return QNetworkReply::UnknownServerError;
        return status >= 400 ? QNetworkReply::UnknownContentError : QNetworkReply::NoError;
    }
}

AttemptEnd correctedAttemptEnd(const AttemptReport& report)
{
    AttemptEnd end;
    // An answer proves the request went out, whatever requestSent() said.
    end.countsAsSent = report.status != 0;

    end.error = report.qtError;
    if (report.qtError == QNetworkReply::ContentReSendError && report.sendOnce && report.rewindRefused) {
        end.error = resendRefusedError();
    } else if (report.qtError == QNetworkReply::OperationCanceledError) {
        // Qt reports a transfer it ended itself (its transfer timeout) as a cancel; we know
        // whether we cancelled, and why.
        if (report.timedOutByUs || !report.abortedByUs)
            end.error = QNetworkReply::TimeoutError;
        else
            end.error = errorForStatus(report.status);
    }

    if (report.sendOnce && report.rewindRefused) {
        end.reason = AttemptEnd::Reason::ResendRefused;
        end.countsAsSent = true; // Qt had sent it and wanted to send it again
    } else if (end.error == QNetworkReply::NoError && !report.abortedByUs && report.hasBody
               && isCutShort(report.bodyBytes, report.contentLength)) {
        // Half a body is not a success.
        end.error = QNetworkReply::RemoteHostClosedError;
        end.reason = AttemptEnd::Reason::CutShort;
    } else if (isStreamResetByServer(end.error, report.status)) {
        end.error = QNetworkReply::RemoteHostClosedError;
        end.reason = AttemptEnd::Reason::StreamReset;
    }
    // What normally proves that a request without a body went out is Qt's own attempt to send it
    // again, which the send-once device refuses (above). When the server closes the connection after
    // reading the head and Qt reports it at once, without that attempt, nothing says whether the
    // head was written, so a request that must not run twice counts as sent (the soak saw a
    // cloud-scan start reach the server twice under load).
    if (report.status == 0 && end.error == QNetworkReply::RemoteHostClosedError && report.sendOnce)
        end.countsAsSent = true;
    return end;
}

} // namespace nullify::qtworkarounds
