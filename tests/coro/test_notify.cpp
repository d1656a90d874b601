// Notify: one waiter per notify_one, a stored permit when nobody waits.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("notify_one before anyone waits leaves exactly one permit") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::pair<bool, int>> {
        Notify n;
        n.notify_one();
        n.notify_one();  // permits do not accumulate
        auto first = co_await n.notified();
        auto second = co_await timeout(
            2ms, [](Notify& nn) -> Task<Result<void>> { co_return co_await nn.notified(); }(n));
        co_return std::pair{first.ok(), second.errno_value()};
    };
    auto [first, second] = block_on(*reactor, task());
    CHECK(first);
    CHECK(second == ETIMEDOUT);
}

TEST_CASE("notify_one wakes waiters one at a time in FIFO order; notify_all wakes the rest") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::vector<int>> {
        Notify n;
        std::vector<int> order;
        TaskScope scope(co_await current_context());
        for (int i = 0; i < 3; ++i)
            scope.spawn([](Notify& nn, std::vector<int>& o, int id) -> Task<void> {
                if ((co_await nn.notified()).ok()) o.push_back(id);
            }(n, order, i));
        (void)co_await sleep_for(1ms);
        n.notify_one();
        (void)co_await sleep_for(1ms);
        n.notify_all();
        co_await scope.join();
        co_return order;
    };
    CHECK(block_on(*reactor, task()) == std::vector<int>{0, 1, 2});
}
