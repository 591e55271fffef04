#pragma once

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QObject>
#include <QUrl>

// The browser, played by a widget test: it is the SignInWindow's url opener. It GETs the auth URL
// with a plain QNetworkAccessManager (never the app's) and follows the sandbox's 302 to the app's
// loopback callback, as a browser would. With the sandbox's autoApprove the sign-in page approves
// at once. It answers asynchronously, like a real browser: opening returns before anything is sent.
class TestBrowser : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    // Whether open() starts visiting at once; off, a test visits later with visit(lastUrl()).
    void setAutoVisit(bool on) { m_autoVisit = on; }

    // The url opener: records the URL and, with auto-visit, visits it.
    bool open(const QUrl& url)
    {
        m_lastUrl = url;
        ++m_opened;
        if (m_autoVisit)
            visit(url);
        return true;
    }

    void visit(const QUrl& url)
    {
        QNetworkRequest request(url);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
        QNetworkReply* reply = m_http.get(request);
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            m_lastStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            m_lastError = reply->error();
            m_lastFinalUrl = reply->url();
            m_lastBody = reply->readAll();
            ++m_finished;
            reply->deleteLater();
        });
    }

    QUrl lastUrl() const { return m_lastUrl; }
    int openCount() const { return m_opened; }
    int finishedCount() const { return m_finished; }
    int lastStatus() const { return m_lastStatus; }
    QNetworkReply::NetworkError lastError() const { return m_lastError; }
    QUrl lastFinalUrl() const { return m_lastFinalUrl; } // after redirects: the app's callback
    QByteArray lastBody() const { return m_lastBody; }

private:
    QNetworkAccessManager m_http;
    bool m_autoVisit = true;
    QUrl m_lastUrl;
    int m_opened = 0;
    int m_finished = 0;
    int m_lastStatus = 0;
    QNetworkReply::NetworkError m_lastError = QNetworkReply::NoError;
    QUrl m_lastFinalUrl;
    QByteArray m_lastBody;
};
