// The runner for tests that need io_uring (and, built with XENSND_TEST_NEEDS_DAEMON, the
// loopback daemon): without them the test is skipped (exit 77, meson's "skipped") with the
// reason printed, never passed silently.
#define DOCTEST_CONFIG_IMPLEMENT
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "coro/reactor.hpp"

int main(int argc, char** argv) {
#ifdef XENSND_TEST_NEEDS_DAEMON
    const char* daemon = std::getenv("XENSND_LOOPBACK_BIN");
    if (daemon == nullptr || ::access(daemon, X_OK) != 0) {
        std::printf("SKIP: XENSND_LOOPBACK_BIN does not name the xensnd-loopback binary\n");
        return 77;
    }
#endif
    std::string why;
    if (!xensnd::coro::Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
