// Reactor: I/O through io_uring, several reactors in one process, and a shutdown that
// cancels suspended tasks, drains every completion and frees every frame (run under ASan).
#include <doctest/doctest.h>

#include <array>
#include <thread>

#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::coro::test;

TEST_CASE("read and write move bytes through a pipe") {
    auto reactor = make_reactor();
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    auto task = [](int rfd, int wfd) -> Task<std::string> {
        const char msg[] = "pcm";
        auto w = co_await write(wfd, std::as_bytes(std::span(msg, 3)));
        REQUIRE(w.ok());
        CHECK(*w == 3);
        std::array<std::byte, 8> buf{};
        auto r = co_await read(rfd, buf);
        REQUIRE(r.ok());
        co_return std::string(reinterpret_cast<const char*>(buf.data()), *r);
    };
    CHECK(block_on(*reactor, task(fds[0], fds[1])) == "pcm");
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("an I/O error comes back as an errno value") {
    auto reactor = make_reactor();
    auto task = []() -> Task<int> {
        std::array<std::byte, 8> buf{};
        auto r = co_await read(-1, buf);
        co_return r.errno_value();
    };
    CHECK(block_on(*reactor, task()) == EBADF);
}

TEST_CASE("two reactors in one process run independently, each on its own thread") {
    EventFd a, b;
    int got_a = 0, got_b = 0;
    auto waiter = [](int fd, int* out) -> Task<void> {
        auto r = co_await poll(fd, POLLIN);
        *out = r.ok() ? 1 : -1;
    };
    std::thread ta([&] {
        auto r = make_reactor();
        block_on(*r, waiter(a.fd, &got_a));
    });
    std::thread tb([&] {
        auto r = make_reactor();
        block_on(*r, waiter(b.fd, &got_b));
    });
    b.signal();
    a.signal();
    ta.join();
    tb.join();
    CHECK(got_a == 1);
    CHECK(got_b == 1);
}

TEST_CASE("destroying a reactor cancels tasks suspended on I/O and leaks nothing") {
    EventFd never;
    int finished = 0;
    int cancelled = 0;
    {
        auto reactor = make_reactor();
        auto waiter = [](int fd, int* fin, int* can) -> Task<void> {
            std::array<std::byte, 8> buf{};
            auto r = co_await read(fd, buf);  // nobody writes: stays in the kernel
            if (!r && r.errno_value() == ECANCELED) ++*can;
            ++*fin;
        };
        for (int i = 0; i < 16; ++i)
            spawn(*reactor, waiter(never.fd, &finished, &cancelled)).detach();
        auto sleeper = []() -> Task<void> { (void)co_await sleep_for(std::chrono::hours(1)); };
        spawn(*reactor, sleeper()).detach();
        // Let every task reach its suspension point.
        block_on(*reactor, []() -> Task<void> { co_return; }());
        block_on(*reactor,
                 []() -> Task<void> { (void)co_await sleep_for(std::chrono::milliseconds(1)); }());
        CHECK(reactor->operations_in_flight() >= 17);
    }
    CHECK(finished == 16);
    CHECK(cancelled == 16);
}

TEST_CASE("a task suspended on an awaitable that ignores cancellation is freed at shutdown") {
    auto reactor = make_reactor();
    bool resumed = false;
    auto stuck = [](bool* r) -> Task<void> {
        std::string held(100, 'x');  // ASan reports it if the frame is never freed
        co_await std::suspend_always{};
        *r = true;
    };
    spawn(*reactor, stuck(&resumed)).detach();
    block_on(*reactor, []() -> Task<void> { co_return; }());
    reactor.reset();  // must neither hang nor leak
    CHECK_FALSE(resumed);
}

TEST_CASE("the reactor reports its io_uring set-up") {
    auto reactor = make_reactor();
    CHECK_FALSE(reactor->setup_description().empty());
    std::string why;
    CHECK(Reactor::probe(&why).ok());
}
