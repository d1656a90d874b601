// A reactor for a test body, and a bounded way to drive one task on it: a task that does not
// finish in time fails with ETIMEDOUT instead of hanging the test.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "core/platform/store.hpp"
#include "coro/spawn.hpp"
#include "coro/timeout.hpp"
#include "loopback_daemon.hpp"

namespace xensnd::platform::test {

using namespace std::chrono_literals;

inline std::unique_ptr<coro::Reactor> make_reactor() {
    auto r = coro::Reactor::create();
    REQUIRE_MESSAGE(r.ok(), "Reactor::create: " << r.error().message());
    return std::move(*r);
}

// Runs task on reactor to its end, or ETIMEDOUT after `limit`.
template <class T>
coro::FlatResult<T> run(coro::Reactor& reactor, coro::Task<T> task, coro::Duration limit = 10s) {
    return coro::block_on(reactor, coro::timeout(limit, std::move(task)));
}

// A Store connected as `domid`.
inline std::unique_ptr<Store> open_store(coro::Reactor& reactor, const LoopbackDaemon& daemon,
                                         unsigned domid) {
    daemon.become(domid);
    std::string why;
    auto store = Store::open(reactor, &why);
    REQUIRE_MESSAGE(store.ok(), "Store::open as domain " << domid << ": " << why);
    return std::move(*store);
}

// Lets the reactor run its ready tasks once (spawned tasks take their first step).
inline void turn(coro::Reactor& reactor) {
    coro::block_on(reactor, []() -> coro::Task<void> { co_return; }());
}

}  // namespace xensnd::platform::test
