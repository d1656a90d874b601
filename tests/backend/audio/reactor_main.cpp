// Runner for the tests that need a reactor: skips (exit 77, meson's "skipped") with the reason
// when io_uring is not usable here.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "coro/reactor.hpp"

int main(int argc, char** argv) {
    std::string why;
    if (!xensnd::coro::Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
