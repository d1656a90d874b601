// select / when_any: the first finisher wins, losers are cancelled and awaited before
// select returns.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

namespace {
Task<Result<int>> sleep_then(Duration d, int v, bool* finished) {
    auto r = co_await sleep_for(d);
    *finished = true;
    if (!r) co_return Err(r.error());
    co_return v;
}
}  // namespace

TEST_CASE("the first task to finish wins and the loser has finished before select returns") {
    auto reactor = make_reactor();
    auto task = []() -> Task<bool> {
        bool fast_done = false, slow_done = false;
        auto r = co_await select(sleep_then(1h, 1, &slow_done), sleep_then(1ms, 2, &fast_done));
        co_return r.index() == 1 && *std::get<1>(r) == 2 && fast_done&& slow_done;
    };
    CHECK(block_on(*reactor, task()));
}

TEST_CASE("select with both sides ready picks the first and still completes the second") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::size_t> {
        auto ready = [](int v) -> Task<int> { co_return v; };
        auto r = co_await select(ready(1), ready(2));
        co_return r.index();
    };
    CHECK(block_on(*reactor, task()) == 0);
}

TEST_CASE("a loser blocked in the kernel is cancelled, not left running") {
    auto reactor = make_reactor();
    EventFd never, ev;
    auto task = [](int quiet, EventFd& loud, Reactor& r) -> Task<std::pair<std::size_t, int>> {
        int loser_status = 0;
        std::size_t base = r.operations_in_flight();
        auto loser = [](int fd, int* st) -> Task<int> {
            auto p = co_await poll(fd, POLLIN);
            *st = p.ok() ? 1 : p.errno_value();
            co_return 0;
        };
        auto winner = [](int fd) -> Task<int> {
            (void)co_await poll(fd, POLLIN);
            co_return 1;
        };
        loud.signal();
        auto res = co_await select(loser(quiet, &loser_status), winner(loud.fd));
        co_return std::pair{res.index() + (r.operations_in_flight() - base), loser_status};
    };
    auto [index_plus_leftover, status] = block_on(*reactor, task(never.fd, ev, *reactor));
    CHECK(index_plus_leftover == 1);  // winner index 1, nothing left in flight
    CHECK(status == ECANCELED);
}

TEST_CASE("when_any over a vector reports the winner's index") {
    auto reactor = make_reactor();
    auto task = []() -> Task<std::size_t> {
        bool flags[3] = {};
        std::vector<Task<Result<int>>> v;
        v.push_back(sleep_then(1h, 0, &flags[0]));
        v.push_back(sleep_then(1h, 1, &flags[1]));
        v.push_back(sleep_then(1ms, 2, &flags[2]));
        auto r = co_await when_any(std::move(v));
        co_return (flags[0] && flags[1] && r.value.ok()) ? r.index : 99;
    };
    CHECK(block_on(*reactor, task()) == 2);
}
