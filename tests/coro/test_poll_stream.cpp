// PollStream: a multishot poll yields every readiness, survives a cancelled next(), and
// frees itself when dropped while armed.
#include <doctest/doctest.h>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;

TEST_CASE("one multishot poll delivers many readiness events") {
    auto reactor = make_reactor();
    EventFd ev;
    auto consumer = [](EventFd& e) -> Task<int> {
        PollStream stream(e.fd, POLLIN);
        int seen = 0;
        for (int i = 0; i < 1000; ++i) {
            e.signal();
            auto r = co_await stream.next();
            if (!r) {
                // The kernel may end a multishot; next() re-arms it.
                if (r.errno_value() == EAGAIN) continue;
                co_return -r.errno_value();
            }
            if (*r & POLLIN) ++seen;
            e.drain();
        }
        co_return seen;
    };
    CHECK(block_on(*reactor, consumer(ev)) >= 990);
}

TEST_CASE("a cancelled next() keeps the poll armed and loses no readiness") {
    auto reactor = make_reactor();
    EventFd ev;
    auto task = [](EventFd& e) -> Task<std::pair<int, std::uint32_t>> {
        PollStream stream(e.fd, POLLIN);
        // First next() is cut short by a timeout: nothing was signalled.
        auto first = co_await timeout(std::chrono::milliseconds(5),
                                      [](PollStream& s) -> Task<Result<std::uint32_t>> {
                                          co_return co_await s.next();
                                      }(stream));
        e.signal();
        auto second = co_await stream.next();
        co_return std::pair{first.errno_value(), second.ok() ? *second : 0u};
    };
    auto [first, second] = block_on(*reactor, task(ev));
    CHECK(first == ETIMEDOUT);
    CHECK((second & POLLIN) != 0);
}

TEST_CASE("dropping an armed stream cancels it and frees its state on the final completion") {
    auto reactor = make_reactor();
    EventFd ev;
    auto task = [](EventFd& e, Reactor& r) -> Task<std::size_t> {
        std::size_t before = r.operations_in_flight();
        {
            PollStream stream(e.fd, POLLIN);
            e.signal();
            (void)co_await stream.next();
        }
        // Give the cancel a turn to complete.
        (void)co_await sleep_for(std::chrono::milliseconds(2));
        co_return r.operations_in_flight() - before;
    };
    CHECK(block_on(*reactor, task(ev, *reactor)) == 0);
}
