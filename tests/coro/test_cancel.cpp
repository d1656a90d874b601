// Cancellation: a stop request reaches a task waiting in io_uring; the task is resumed only
// after the cancelled operation's completion has arrived, and a completion that wins the
// race is delivered instead of being lost.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("aborting a task cancels its in-flight poll") {
    auto reactor = make_reactor();
    EventFd never;
    auto task = [](int fd, Reactor& r) -> Task<std::pair<int, std::size_t>> {
        int seen = 0;
        auto h = spawn(r, [](int f, int* out) -> Task<Result<std::uint32_t>> {
            auto res = co_await poll(f, POLLIN);
            *out = res.ok() ? 1 : res.errno_value();
            co_return res;
        }(fd, &seen));
        (void)co_await sleep_for(1ms);  // the poll is now in the kernel
        std::size_t in_flight_before = r.operations_in_flight();
        h.abort();
        auto joined = co_await h;
        co_return std::pair{joined.errno_value() == ECANCELED ? seen : -1,
                            in_flight_before - r.operations_in_flight()};
    };
    auto [seen, released] = block_on(*reactor, task(never.fd, *reactor));
    CHECK(seen == ECANCELED);  // the task itself saw the cancelled poll
    CHECK(released == 1);      // and its operation left the kernel before it resumed
}

TEST_CASE("a completion that races a cancel is delivered, not lost") {
    auto reactor = make_reactor();
    EventFd ev;
    // The fd is ready before the cancel is submitted: the poll's own result may win.
    for (int round = 0; round < 50; ++round) {
        auto task = [](EventFd& e, Reactor& r) -> Task<int> {
            Result<std::uint32_t> res = Err(EINVAL);
            auto h = spawn(r, [](int f, Result<std::uint32_t>* out) -> Task<void> {
                *out = co_await poll(f, POLLIN);
            }(e.fd, &res));
            (void)co_await sleep_for(std::chrono::microseconds(50));
            e.signal();
            h.abort();
            (void)co_await h;
            e.drain();
            if (res.ok()) co_return (*res & POLLIN) ? 1 : -1;
            co_return res.errno_value() == ECANCELED ? 0 : -1;
        };
        CHECK(block_on(*reactor, task(ev, *reactor)) >= 0);
    }
}

TEST_CASE("a task that is already stopped does not submit I/O") {
    auto reactor = make_reactor();
    EventFd never;
    auto task = [](int fd, Reactor& r) -> Task<bool> {
        auto h = spawn(r, [](int f) -> Task<Result<std::uint32_t>> {
            co_return co_await poll(f, POLLIN);
        }(fd));
        h.abort();  // before it ever ran
        auto joined = co_await h;
        co_return joined.errno_value() == ECANCELED;
    };
    CHECK(block_on(*reactor, task(never.fd, *reactor)));
}

TEST_CASE("cancellation flows from a parent to the tasks it awaits") {
    auto reactor = make_reactor();
    EventFd never;
    auto task = [](int fd, Reactor& r) -> Task<int> {
        int depth_reached = 0;
        auto leaf = [](int f, int* d) -> Task<Result<std::uint32_t>> {
            *d = 3;
            co_return co_await poll(f, POLLIN);
        };
        auto middle = [&](int f) -> Task<Result<std::uint32_t>> {
            co_return co_await leaf(f, &depth_reached);
        };
        auto h = spawn(r, middle(fd));
        (void)co_await sleep_for(1ms);
        h.abort();
        auto joined = co_await h;
        co_return joined.errno_value() == ECANCELED ? depth_reached : -1;
    };
    CHECK(block_on(*reactor, task(never.fd, *reactor)) == 3);
}
