// spawn / JoinHandle: join a result, abort, detach, and abort-on-drop.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

namespace {
Task<int> after(Duration d, int v) {
    (void)co_await sleep_for(d);
    co_return v;
}
Task<Result<int>> fallible(bool fail) {
    if (fail) co_return Err(EIO);
    co_return 9;
}
}  // namespace

TEST_CASE("a spawned task runs on the next turn and joins with its value") {
    auto reactor = make_reactor();
    auto task = [](Reactor& r) -> Task<int> {
        bool started = false;
        auto h = spawn(r, [](bool* s) -> Task<int> {
            *s = true;
            co_return 4;
        }(&started));
        bool ran_inline = started;  // spawning never runs the task inline
        auto v = co_await h;
        co_return (!ran_inline && v.ok()) ? *v : -1;
    };
    CHECK(block_on(*reactor, task(*reactor)) == 4);
}

TEST_CASE("joining flattens a task's own Result") {
    auto reactor = make_reactor();
    auto task = [](Reactor& r) -> Task<std::pair<int, int>> {
        auto good = spawn(r, fallible(false));
        auto bad = spawn(r, fallible(true));
        Result<int> g = co_await good;  // Result<int>, not Result<Result<int>>
        Result<int> b = co_await bad;
        co_return std::pair{g.ok() ? *g : -1, b.errno_value()};
    };
    auto [g, b] = block_on(*reactor, task(*reactor));
    CHECK(g == 9);
    CHECK(b == EIO);
}

TEST_CASE("abort() makes join return ECANCELED; a finished task is not affected") {
    auto reactor = make_reactor();
    auto task = [](Reactor& r) -> Task<std::pair<int, int>> {
        auto slow = spawn(r, after(1h, 1));
        auto fast = spawn(r, after(0ms, 2));
        (void)co_await sleep_for(2ms);
        slow.abort();
        fast.abort();  // already finished: no effect
        auto s = co_await slow;
        auto f = co_await fast;
        co_return std::pair{s.errno_value(), f.ok() ? *f : -1};
    };
    auto [s, f] = block_on(*reactor, task(*reactor));
    CHECK(s == ECANCELED);
    CHECK(f == 2);
}

TEST_CASE("dropping a JoinHandle aborts the task; detach lets it finish") {
    auto reactor = make_reactor();
    int dropped_result = 0, detached_result = 0;
    auto body = [](int* out) -> Task<void> {
        auto r = co_await sleep_for(3ms);
        *out = r.ok() ? 1 : -1;
    };
    auto task = [&](Reactor& r) -> Task<void> {
        { auto h = spawn(r, body(&dropped_result)); }
        spawn(r, body(&detached_result)).detach();
        (void)co_await sleep_for(10ms);
    };
    block_on(*reactor, task(*reactor));
    CHECK(dropped_result == -1);
    CHECK(detached_result == 1);
}
