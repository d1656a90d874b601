// Channel<T>: bounded queue into a reactor; try_send from any thread, recv on the reactor.
#include <doctest/doctest.h>

#include <thread>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;
using namespace std::chrono_literals;

TEST_CASE("items sent from another thread arrive in order, and full means EAGAIN") {
    auto reactor = make_reactor();
    Channel<int> ch(*reactor, 16);
    constexpr int kItems = 20000;
    std::thread producer([&] {
        for (int i = 0; i < kItems;) {
            auto r = ch.try_send(i);
            if (r.ok())
                ++i;
            else if (r.errno_value() == EAGAIN)
                std::this_thread::yield();
            else
                FAIL("unexpected try_send error");
        }
        ch.close();
    });
    auto consumer = [](Channel<int>& c) -> Task<std::pair<int, int>> {
        int expected = 0, errors = 0;
        for (;;) {
            auto v = co_await c.recv();
            if (!v) {
                if (v.errno_value() != EPIPE) ++errors;
                break;
            }
            if (*v != expected++) ++errors;
        }
        co_return std::pair{expected, errors};
    };
    auto [count, errors] = block_on(*reactor, consumer(ch));
    producer.join();
    CHECK(count == kItems);
    CHECK(errors == 0);
}

TEST_CASE("send waits for room; recv after close drains then reports EPIPE") {
    auto reactor = make_reactor();
    auto task = [](Reactor& r) -> Task<bool> {
        Channel<std::string> ch(r, 1);
        auto producer = spawn(r, [](Channel<std::string>& c) -> Task<Result<void>> {
            for (const char* s : {"a", "b", "c"}) {
                auto sent = co_await c.send(s);
                if (!sent) co_return sent;
            }
            c.close();
            co_return ok();
        }(ch));
        std::string got;
        for (;;) {
            auto v = co_await ch.recv();
            if (!v) {
                if (v.errno_value() != EPIPE) co_return false;
                break;
            }
            got += *v;
        }
        auto p = co_await producer;
        co_return got == "abc" && p.ok();
    };
    CHECK(block_on(*reactor, task(*reactor)));
}

TEST_CASE("try_send on a closed channel fails with EPIPE") {
    auto reactor = make_reactor();
    Channel<int> ch(*reactor, 4);
    ch.close();
    CHECK(ch.try_send(1).errno_value() == EPIPE);
}
