// xensnd-loopback: the loopback hypervisor daemon. See usage() in options.cpp.
#include <cstdio>
#include <span>

#include "loopback/daemon.hpp"
#include "loopback/options.hpp"

int main(int argc, char** argv) {
    using namespace xensnd::loopback;
    auto parsed =
        parse_options(std::span<const char* const>(argv + 1, static_cast<std::size_t>(argc - 1)));
    if (!parsed.ok()) {
        (void)std::fprintf(stderr, "xensnd-loopback: %s\n%s", parsed.error.c_str(),
                           usage(argv[0]).c_str());
        return 2;
    }
    if (parsed.options.help) {
        (void)std::fputs(usage(argv[0]).c_str(), stdout);
        return 0;
    }
    auto daemon = Daemon::start(parsed.options);
    if (!daemon) return 1;
    auto ran = (*daemon)->run();
    return ran ? 0 : 1;
}
