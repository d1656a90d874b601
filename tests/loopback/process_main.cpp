// The runner for process-level tests: they need the daemon binary and the stock
// xenstore-* tools; without them the test is skipped (exit 77) with the reason printed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <doctest/doctest.h>

int main(int argc, char** argv) {
    const char* daemon = std::getenv("XENSND_LOOPBACK_DAEMON");
    if (daemon == nullptr || access(daemon, X_OK) != 0) {
        std::printf("SKIP: XENSND_LOOPBACK_DAEMON does not name the xensnd-loopback binary\n");
        return 77;
    }
    for (const char* tool : {"/usr/bin/xenstore-read", "/usr/bin/xenstore-ls"}) {
        if (access(tool, X_OK) != 0) {
            std::printf("SKIP: %s missing (Debian package xenstore-utils)\n", tool);
            return 77;
        }
    }
    doctest::Context context(argc, argv);
    return context.run();
}
