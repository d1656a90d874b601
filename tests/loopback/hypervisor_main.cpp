// The runner for process-level tests of the event channel and grant services: they need the
// daemon binary and io_uring (the client's wait() runs on a reactor); without either the test
// is skipped (exit 77) with the reason printed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "coro/reactor.hpp"

int main(int argc, char** argv) {
    const char* daemon = std::getenv("XENSND_LOOPBACK_DAEMON");
    if (daemon == nullptr || access(daemon, X_OK) != 0) {
        std::printf("SKIP: XENSND_LOOPBACK_DAEMON does not name the xensnd-loopback binary\n");
        return 77;
    }
    std::string why;
    if (!xensnd::coro::Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
