#pragma once

#include "apiclient.h"
#include "connectionstate.h"
#include "networkaccessmanager.h"
#include "nullifyapi.h"
#include "reachability.h"
#include "replyhelpers.h"
#include "requesttracker.h"
#include "sandboxharness.h"
#include "session.h"
#include "tenant.h"

#include <QString>

#include <chrono>
#include <memory>

namespace nullify::test {

// What a view test needs behind a ViewContext: an in-process sandbox, and the app's own stack
// signed in to it (manager with quick retries, API client, session, typed API, request tracker,
// connection state over a reachability the test switches by hand). Members are torn down in
// reverse order, so views built on them must be gone first.
struct SignedInStack
{
    std::unique_ptr<SandboxHarness> sandbox;
    std::unique_ptr<NetworkAccessManager> manager;
    std::unique_ptr<api::ApiClient> client;
    std::unique_ptr<session::Session> session;
    std::unique_ptr<api::NullifyApi> api;
    std::unique_ptr<ui::RequestTracker> tracker;
    std::unique_ptr<ui::ManualReachability> reachability;
    std::unique_ptr<ui::ConnectionState> connection;

    // Starts the sandbox with options (auto-approve is forced on), signs in through it and clears
    // its request log, so a test sees only its own requests. False with the reason on failure.
    bool start(sandbox::ServerOptions options, QString* why)
    {
        using namespace std::chrono_literals;
        options.auth.autoApprove = true;
        auto harness = std::make_unique<SandboxHarness>(options);
        if (!harness->start(why))
            return false;
        return signInTo(std::move(harness), why);
    }

    // The same against a sandbox that is already running (one on another thread: a benchmark that
    // times the UI thread must not count the server's work), through a harness made for it.
    bool signInTo(std::unique_ptr<SandboxHarness> harness, QString* why)
    {
        using namespace std::chrono_literals;
        sandbox = std::move(harness);
        manager = std::make_unique<NetworkAccessManager>();
        RetryPolicy policy = fastRetryPolicy(20ms);
        policy.attemptTimeout = 10s;
        policy.deadline = 60s;
        manager->setRetryPolicy(policy);
        const auto credentials = sandbox->signIn(manager.get(), why);
        const auto tenant = session::Tenant::fromInput(sandbox->apiUrl().toString(QUrl::StripTrailingSlash), why);
        if (!credentials || !tenant)
            return false;
        client = std::make_unique<api::ApiClient>(manager.get());
        session = std::make_unique<session::Session>(manager.get(), client.get(), nullptr);
        session->signIn(*tenant, *credentials);
        api = std::make_unique<api::NullifyApi>(client.get());
        tracker = std::make_unique<ui::RequestTracker>(manager.get());
        reachability = std::make_unique<ui::ManualReachability>(true);
        connection = std::make_unique<ui::ConnectionState>(tracker.get(), reachability.get());
        if (!sandbox->resetLog()) {
            *why = sandbox->lastError();
            return false;
        }
        return true;
    }

    ~SignedInStack()
    {
        connection.reset();
        reachability.reset();
        tracker.reset();
        api.reset();
        session.reset();
        client.reset();
        manager.reset();
        sandbox.reset();
    }
};

} // namespace nullify::test
