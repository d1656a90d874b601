// Handle: other threads post work and spawn tasks onto a reactor (a storm, run under TSan).
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("a storm of posts and spawns from several threads all run on the reactor") {
    auto reactor = make_reactor();
    Handle handle = reactor->handle();
    constexpr int kThreads = 4, kEach = 5000;
    int posted_runs = 0;  // touched only on the reactor thread
    int spawned_runs = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                if ((i + t) % 2 == 0) {
                    REQUIRE(handle.post([&](Reactor&) { ++posted_runs; }).ok());
                } else {
                    REQUIRE(handle
                                .post([&](Reactor& r) {
                                    spawn(r,
                                          [](int* n) -> Task<void> {
                                              ++*n;
                                              co_return;
                                          }(&spawned_runs))
                                        .detach();
                                })
                                .ok());
                }
            }
        });
    }
    // The reactor sleeps in io_uring between bursts: posts must wake it.
    reactor->run_until([&] { return posted_runs + spawned_runs == kThreads * kEach; });
    for (auto& th : threads)
        th.join();
    CHECK(posted_runs + spawned_runs == kThreads * kEach);
}

TEST_CASE("a post wakes a reactor that is asleep in io_uring") {
    auto reactor = make_reactor();
    Handle handle = reactor->handle();
    bool woken = false;
    std::thread poster([&] {
        std::this_thread::sleep_for(5ms);  // the reactor is asleep by now
        REQUIRE(handle.post([&](Reactor&) { woken = true; }).ok());
    });
    reactor->run_until([&] { return woken; });
    poster.join();
    CHECK(woken);
}

TEST_CASE("posting to a destroyed reactor fails with ESHUTDOWN") {
    Handle handle;
    {
        auto reactor = make_reactor();
        handle = reactor->handle();
    }
    auto r = handle.post([](Reactor&) {});
    CHECK(r.errno_value() == ESHUTDOWN);
}
