// Choosing and opening a platform: the names, the rule (explicit > XENSND_PLATFORM > /dev/xen),
// and errors that tell the user what to do on a machine without Xen.
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "core/platform/platform.hpp"
#include "coro/reactor.hpp"

using namespace xensnd;
using namespace xensnd::platform;

namespace {

bool has(const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
}

bool xen_here() {
    struct stat st {};
    return ::stat("/dev/xen", &st) == 0;
}

}  // namespace

TEST_CASE("platform names round trip; others are EINVAL") {
    CHECK(to_string(PlatformKind::Xen) == "xen");
    CHECK(to_string(PlatformKind::Loopback) == "loopback");
    CHECK(*parse_platform_kind("xen") == PlatformKind::Xen);
    CHECK(*parse_platform_kind("loopback") == PlatformKind::Loopback);
    for (const char* bad : {"", "Xen", "XEN", "loop", "loopback ", "kvm"}) {
        CHECK_MESSAGE(parse_platform_kind(bad).errno_value() == EINVAL, bad);
    }
}

TEST_CASE("an explicit choice wins, then XENSND_PLATFORM, then /dev/xen") {
    std::string why;
    CHECK(*resolve_platform(PlatformKind::Loopback, "xen", true, &why) == PlatformKind::Loopback);
    CHECK(*resolve_platform(PlatformKind::Xen, "loopback", false, &why) == PlatformKind::Xen);
    CHECK(*resolve_platform(std::nullopt, "loopback", true, &why) == PlatformKind::Loopback);
    CHECK(*resolve_platform(std::nullopt, "xen", false, &why) == PlatformKind::Xen);
    CHECK(*resolve_platform(std::nullopt, std::nullopt, true, &why) == PlatformKind::Xen);
}

TEST_CASE("without Xen and without a choice, the error says what to set") {
    std::string why;
    auto k = resolve_platform(std::nullopt, std::nullopt, false, &why);
    CHECK(k.errno_value() == EINVAL);
    CHECK(has(why, "/dev/xen"));
    CHECK(has(why, "--platform loopback"));
    CHECK(has(why, "XENSND_PLATFORM=loopback"));

    why.clear();
    auto bad = resolve_platform(std::nullopt, "lopback", true, &why);
    CHECK(bad.errno_value() == EINVAL);
    CHECK(has(why, "XENSND_PLATFORM='lopback'"));
}

TEST_CASE("choose_platform reads XENSND_PLATFORM and this machine's /dev/xen") {
    ::setenv("XENSND_PLATFORM", "loopback", 1);
    CHECK(*choose_platform(std::nullopt) == PlatformKind::Loopback);
    CHECK(*choose_platform(PlatformKind::Xen) == PlatformKind::Xen);
    ::setenv("XENSND_PLATFORM", "", 1);  // set but empty: as if unset
    std::string why;
    auto k = choose_platform(std::nullopt, &why);
    if (xen_here()) {
        CHECK(*k == PlatformKind::Xen);
    } else {
        CHECK(k.errno_value() == EINVAL);
        CHECK(has(why, "--platform loopback"));
    }
    ::unsetenv("XENSND_PLATFORM");
}

TEST_CASE("opening Xen where there is none fails, naming the missing device") {
    if (xen_here()) {
        MESSAGE("/dev/xen exists here: nothing to check about its absence");
        return;
    }
    auto reactor = coro::Reactor::create();
    REQUIRE(reactor.ok());
    std::string why;
    auto p = open_platform(**reactor, PlatformKind::Xen, &why);
    CHECK_FALSE(p.ok());
    CHECK(p.errno_value() == ENOENT);
    CHECK(has(why, "/dev/xen/evtchn"));
    CHECK(has(why, "loopback"));
}

TEST_CASE("opening the loopback platform without a daemon fails with a reason") {
    ::unsetenv("XENSTORED_PATH");
    auto reactor = coro::Reactor::create();
    REQUIRE(reactor.ok());
    std::string why;
    auto p = open_platform(**reactor, PlatformKind::Loopback, &why);
    CHECK_FALSE(p.ok());
    CHECK(has(why, "loopback"));
}
