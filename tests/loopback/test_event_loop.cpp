// The daemon's event loop: readiness dispatch, removal during dispatch, signals.
#include <sys/epoll.h>
#include <unistd.h>

#include <csignal>

#include <doctest/doctest.h>

#include "loopback/event_loop.hpp"

using namespace xensnd::loopback;

TEST_CASE("a ready descriptor's handler runs; a removed one's never does") {
    auto loop = EventLoop::create();
    REQUIRE(loop.ok());
    int a[2];
    int b[2];
    REQUIRE(pipe(a) == 0);
    REQUIRE(pipe(b) == 0);
    int a_calls = 0;
    int b_calls = 0;
    // Both become ready together; whichever runs first removes the other.
    REQUIRE((*loop)
                ->add(a[0], EPOLLIN,
                      [&](std::uint32_t) {
                          ++a_calls;
                          (*loop)->remove(b[0]);
                          (*loop)->stop();
                      })
                .ok());
    REQUIRE((*loop)
                ->add(b[0], EPOLLIN,
                      [&](std::uint32_t) {
                          ++b_calls;
                          (*loop)->remove(a[0]);
                          (*loop)->stop();
                      })
                .ok());
    CHECK((*loop)->add(a[0], EPOLLIN, [](std::uint32_t) {}).errno_value() == EEXIST);
    REQUIRE(write(a[1], "x", 1) == 1);
    REQUIRE(write(b[1], "x", 1) == 1);
    REQUIRE((*loop)->run().ok());
    CHECK(a_calls + b_calls == 1);
    for (int fd : {a[0], a[1], b[0], b[1]})
        close(fd);
}

TEST_CASE("a handler may remove itself while it runs") {
    auto loop = EventLoop::create();
    REQUIRE(loop.ok());
    int p[2];
    REQUIRE(pipe(p) == 0);
    int calls = 0;
    REQUIRE((*loop)
                ->add(p[0], EPOLLIN,
                      [&, fd = p[0]](std::uint32_t events) {
                          ++calls;
                          CHECK((events & EPOLLIN) != 0);
                          (*loop)->remove(fd);
                          (*loop)->stop();
                      })
                .ok());
    REQUIRE(write(p[1], "x", 1) == 1);
    REQUIRE((*loop)->run().ok());
    CHECK(calls == 1);
    CHECK((*loop)->modify(p[0], EPOLLIN).errno_value() == ENOENT);
    close(p[0]);
    close(p[1]);
}

TEST_CASE("signals arrive as loop events") {
    auto loop = EventLoop::create();
    REQUIRE(loop.ok());
    int got = 0;
    REQUIRE((*loop)
                ->handle_signals({SIGUSR1},
                                 [&](int signo) {
                                     got = signo;
                                     (*loop)->stop();
                                 })
                .ok());
    REQUIRE(kill(getpid(), SIGUSR1) == 0);
    REQUIRE((*loop)->run().ok());
    CHECK(got == SIGUSR1);
}
