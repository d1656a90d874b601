// TaskScope: structured concurrency: join waits for every child, cancelling the owner
// cancels the children.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("join waits for every task spawned into the scope") {
    auto reactor = make_reactor();
    auto task = []() -> Task<int> {
        int done = 0;
        TaskScope scope(co_await current_context());
        for (int i = 0; i < 10; ++i)
            scope.spawn([](int* d, int ms) -> Task<void> {
                (void)co_await sleep_for(std::chrono::milliseconds(ms));
                ++*d;
            }(&done, i % 3));
        co_await scope.join();
        co_return done;
    };
    CHECK(block_on(*reactor, task()) == 10);
}

TEST_CASE("aborting the scope's owner cancels its children, and join still completes") {
    auto reactor = make_reactor();
    int cancelled = 0;
    auto owner = [](int* c) -> Task<void> {
        TaskScope scope(co_await current_context());
        for (int i = 0; i < 5; ++i)
            scope.spawn([](int* cc) -> Task<void> {
                auto r = co_await sleep_for(1h);
                if (r.errno_value() == ECANCELED) ++*cc;
            }(c));
        co_await scope.join();
    };
    auto task = [&](Reactor& r) -> Task<void> {
        auto h = spawn(r, owner(&cancelled));
        (void)co_await sleep_for(2ms);
        h.abort();
        (void)co_await h;
    };
    block_on(*reactor, task(*reactor));
    CHECK(cancelled == 5);
}

TEST_CASE("cancel() stops the scope's tasks") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::size_t> {
        TaskScope scope(co_await current_context());
        scope.spawn([]() -> Task<void> { (void)co_await sleep_for(1h); }());
        (void)co_await sleep_for(1ms);
        std::size_t running = scope.active();
        scope.cancel();
        co_await scope.join();
        co_return running - scope.active();
    };
    CHECK(block_on(*reactor, task()) == 1);
}
