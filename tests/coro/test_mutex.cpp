// Mutex: mutual exclusion across suspension points, FIFO hand-off, cancellable waits.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("holders never overlap even when they suspend while holding the lock") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::pair<int, int>> {
        Mutex m;
        int inside = 0, max_inside = 0, entries = 0;
        TaskScope scope(co_await current_context());
        for (int i = 0; i < 8; ++i)
            scope.spawn([](Mutex& mu, int& in, int& mx, int& n) -> Task<void> {
                auto g = co_await mu.lock();
                if (!g) co_return;
                ++in;
                mx = std::max(mx, in);
                (void)co_await sleep_for(200us);
                --in;
                ++n;
            }(m, inside, max_inside, entries));
        co_await scope.join();
        co_return std::pair{max_inside, entries};
    };
    auto [max_inside, entries] = block_on(*reactor, task());
    CHECK(max_inside == 1);
    CHECK(entries == 8);
}

TEST_CASE("a cancelled lock waiter leaves the queue and the lock passes to the next") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::pair<int, bool>> {
        Mutex m;
        auto held = co_await m.lock();
        auto timed = co_await timeout(1ms, [](Mutex& mu) -> Task<Result<void>> {
            auto g = co_await mu.lock();
            if (!g) co_return Err(g.error());
            co_return ok();
        }(m));
        held->unlock();
        bool free_after = !m.is_locked();
        co_return std::pair{timed.errno_value(), free_after};
    };
    auto [err, free_after] = block_on(*reactor, task());
    CHECK(err == ETIMEDOUT);
    CHECK(free_after);
}
