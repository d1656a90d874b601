// when_all: every task runs concurrently and every result comes back.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("when_all runs its tasks concurrently and returns every result in order") {
    auto reactor = make_reactor();
    auto task = []() -> Task<bool> {
        Event ready;
        // The first task can only finish after the second has run: sequential execution
        // would never get there.
        auto waits = [](Event& e) -> Task<int> {
            auto r = co_await e.wait();
            co_return r.ok() ? 1 : -1;
        };
        auto sets = [](Event& e) -> Task<int> {
            (void)co_await sleep_for(1ms);
            e.set();
            co_return 2;
        };
        auto [a, b, c] =
            co_await when_all(waits(ready), sets(ready), []() -> Task<void> { co_return; }());
        (void)c;
        co_return a == 1 && b == 2;
    };
    CHECK(block_on(*reactor, task()));
}

TEST_CASE("when_all over a vector, including an empty one") {
    auto reactor = make_reactor();
    auto task = []() -> Task<int> {
        std::vector<Task<int>> v;
        for (int i = 0; i < 50; ++i)
            v.push_back([](int x) -> Task<int> { co_return x; }(i));
        auto all = co_await when_all(std::move(v));
        auto none = co_await when_all(std::vector<Task<int>>{});
        int sum = 0;
        for (int x : all)
            sum += x;
        co_return none.empty() ? sum : -1;
    };
    CHECK(block_on(*reactor, task()) == 49 * 50 / 2);
}
