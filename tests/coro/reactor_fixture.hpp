// Shared by the runtime's tests: a fresh reactor, and small fd helpers.
#pragma once

#include <doctest/doctest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <memory>

#include "coro/coro.hpp"

namespace xensnd::coro::test {

inline std::unique_ptr<Reactor> make_reactor() {
    auto r = Reactor::create();
    REQUIRE_MESSAGE(r.ok(), "Reactor::create: " << r.error().message());
    return std::move(*r);
}

// An eventfd closed at scope exit.
struct EventFd {
    int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    EventFd() { REQUIRE(fd >= 0); }
    ~EventFd() { ::close(fd); }
    void signal(std::uint64_t n = 1) const { REQUIRE(::write(fd, &n, sizeof n) == sizeof n); }
    std::uint64_t drain() const {
        std::uint64_t v = 0;
        if (::read(fd, &v, sizeof v) != sizeof v) return 0;
        return v;
    }
};

}  // namespace xensnd::coro::test
