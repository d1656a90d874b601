// Event: manual-reset flag; waiters wake on set(), a cancelled wait changes nothing.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("every waiter wakes when the event is set; a set event does not block") {
    auto reactor = make_reactor();
    auto task = []() -> Task<int> {
        Event ev;
        int woken = 0;
        TaskScope scope(co_await current_context());
        for (int i = 0; i < 3; ++i)
            scope.spawn([](Event& e, int* w) -> Task<void> {
                if ((co_await e.wait()).ok()) ++*w;
            }(ev, &woken));
        (void)co_await sleep_for(1ms);
        int before = woken;
        ev.set();
        co_await scope.join();
        auto again = co_await ev.wait();  // already set: returns at once
        co_return (before == 0 && again.ok()) ? woken : -1;
    };
    CHECK(block_on(*reactor, task()) == 3);
}

TEST_CASE("a wait cut short by a timeout yields ECANCELED inside and leaves the event alone") {
    auto reactor = make_reactor();
    auto task = []() -> Task<bool> {
        Event ev;
        int inner = 0;
        auto r = co_await timeout(1ms, [](Event& e, int* in) -> Task<Result<void>> {
            auto w = co_await e.wait();
            *in = w.errno_value();
            co_return w;
        }(ev, &inner));
        ev.set();
        co_return r.errno_value() == ETIMEDOUT&& inner == ECANCELED&& ev.is_set();
    };
    CHECK(block_on(*reactor, task()));
}
