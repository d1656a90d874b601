// Timers: absolute CLOCK_MONOTONIC deadlines, and Interval's drift-free pacing with
// honest accounting of ticks missed by a late consumer.
#include <doctest/doctest.h>

#include <thread>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("sleep_until never wakes before its deadline, and a past deadline returns at once") {
    auto reactor = make_reactor();
    auto task = []() -> Task<bool> {
        TimePoint deadline = Clock::now() + 3ms;
        auto r = co_await sleep_until(deadline);
        bool on_time = r.ok() && Clock::now() >= deadline;
        auto past = co_await sleep_until(Clock::now() - 1s);
        co_return on_time&& past.ok();
    };
    CHECK(block_on(*reactor, task()));
}

TEST_CASE("Interval ticks at start + k * period over many ticks, without drift") {
    auto reactor = make_reactor();
    auto task = []() -> Task<bool> {
        const Duration period = 1ms;
        const TimePoint start = Clock::now() + 1ms;
        Interval iv(start, period);
        std::int64_t k = 0;
        for (int i = 0; i < 200; ++i) {
            auto t = co_await iv.tick();
            if (!t) co_return false;
            // Each tick is for the deadline it promised, however late the wake-up was;
            // deadlines skipped by a late wake-up are counted, never fired in a burst.
            if (t->deadline != start + period * k) co_return false;
            k += static_cast<std::int64_t>(t->missed) + 1;
        }
        co_return iv.next_deadline() == start + period* k;
    };
    CHECK(block_on(*reactor, task()));
}

TEST_CASE("a consumer that falls behind gets the missed ticks counted, not a burst") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::pair<std::uint64_t, std::uint64_t>> {
        Interval iv(Clock::now(), 2ms);
        (void)co_await iv.tick();
        std::this_thread::sleep_for(11ms);  // the consumer stalls (blocking on purpose)
        auto late = co_await iv.tick();
        // The tick after a late one is again in the future: no catch-up burst.
        TimePoint before = Clock::now();
        auto next = co_await iv.tick();
        bool waited = next.ok() && next->deadline >= before;
        co_return std::pair{late.ok() ? late->missed : 0, waited ? iv.missed_total() : 0};
    };
    auto [missed, total] = block_on(*reactor, task());
    CHECK(missed >= 4);
    CHECK(total >= missed);
}
