// timeout: a completion racing the deadline, in both orders.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("a task that finishes before the deadline returns its value") {
    auto reactor = make_reactor();
    auto task = []() -> Task<int> {
        auto r = co_await timeout(1h, []() -> Task<int> {
            (void)co_await sleep_for(1ms);
            co_return 7;
        }());
        co_return r.ok() ? *r : -r.errno_value();
    };
    CHECK(block_on(*reactor, task()) == 7);
}

TEST_CASE("a deadline that passes first cancels the task and yields ETIMEDOUT") {
    auto reactor = make_reactor();
    EventFd never;
    auto task = [](int fd) -> Task<std::pair<int, int>> {
        int inner = 0;
        auto r = co_await timeout(2ms, [](int f, int* in) -> Task<Result<std::uint32_t>> {
            auto p = co_await poll(f, POLLIN);
            *in = p.ok() ? 1 : p.errno_value();
            co_return p;
        }(fd, &inner));
        co_return std::pair{r.errno_value(), inner};
    };
    auto [outer, inner] = block_on(*reactor, task(never.fd));
    CHECK(outer == ETIMEDOUT);
    CHECK(inner == ECANCELED);  // the task was cancelled and had finished
}

TEST_CASE("completion and deadline at the same instant: the result is one or the other, intact") {
    auto reactor = make_reactor();
    for (int i = 0; i < 100; ++i) {
        auto task = []() -> Task<int> {
            TimePoint t = Clock::now() + 200us;
            auto r = co_await timeout_at(t, [](TimePoint tp) -> Task<Result<int>> {
                auto s = co_await sleep_until(tp);
                if (!s) co_return Err(s.error());
                co_return 5;
            }(t));
            if (r.ok()) co_return *r == 5 ? 1 : -1;
            co_return r.errno_value() == ETIMEDOUT ? 0 : -1;
        };
        CHECK(block_on(*reactor, task()) >= 0);
    }
}

TEST_CASE("cancelling the caller of timeout is reported as ECANCELED, not ETIMEDOUT") {
    auto reactor = make_reactor();
    auto task = [](Reactor& r) -> Task<int> {
        auto h = spawn(
            r, timeout(1h, []() -> Task<Result<void>> { co_return co_await sleep_for(1h); }()));
        (void)co_await sleep_for(1ms);
        h.abort();
        auto j = co_await h;
        co_return j.errno_value();
    };
    CHECK(block_on(*reactor, task(*reactor)) == ECANCELED);
}
