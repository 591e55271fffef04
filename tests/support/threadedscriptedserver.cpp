#include "threadedscriptedserver.h"

namespace nullify::test {

ThreadedScriptedServer::ThreadedScriptedServer()
    : m_context(new QObject)
{
    m_thread.setObjectName(QStringLiteral("scripted-server"));
    m_thread.start();
    m_context->moveToThread(&m_thread);
    run([this] {
        m_server = new ScriptedHttpServer;
        m_listening = m_server->listen();
    });
}

ThreadedScriptedServer::~ThreadedScriptedServer()
{
    run([this] {
        delete m_server;
        delete m_context;
    });
    m_thread.quit();
    m_thread.wait();
}

QUrl ThreadedScriptedServer::url(const QString& path)
{
    QUrl url;
    with([&](ScriptedHttpServer& server) { url = server.url(path); });
    return url;
}

void ThreadedScriptedServer::with(const std::function<void(ScriptedHttpServer&)>& work)
{
    run([&] { work(*m_server); });
}

void ThreadedScriptedServer::run(const std::function<void()>& work)
{
    QMetaObject::invokeMethod(m_context, work, Qt::BlockingQueuedConnection);
}

} // namespace nullify::test
