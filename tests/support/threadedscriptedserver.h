#pragma once

#include "scriptedhttpserver.h"

#include <QThread>
#include <QUrl>

#include <functional>

namespace nullify::test {

// A ScriptedHttpServer on a thread of its own. It keeps sending while the test's thread is busy,
// the way a real server does while the app paints or parses: what Qt's HTTP thread reads ahead in
// that time shows in memory. Everything that touches the server runs on its thread, through with().
class ThreadedScriptedServer
{
public:
    ThreadedScriptedServer();
    ~ThreadedScriptedServer();

    ThreadedScriptedServer(const ThreadedScriptedServer&) = delete;
    ThreadedScriptedServer& operator=(const ThreadedScriptedServer&) = delete;

    bool isListening() const { return m_listening; }
    QUrl url(const QString& path);

    // Runs work on the server's thread and returns when it is done.
    void with(const std::function<void(ScriptedHttpServer&)>& work);

private:
    void run(const std::function<void()>& work);

    QThread m_thread;
    QObject* m_context; // lives on m_thread; work is queued to it
    ScriptedHttpServer* m_server = nullptr;
    bool m_listening = false;
};

} // namespace nullify::test
