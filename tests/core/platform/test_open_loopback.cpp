// Opening the loopback platform against a running daemon: XENSTORED_PATH alone gives a process
// its domain, and the three services open (or, while the daemon serves XenStore only, the
// error names the socket that is missing and the daemon to run).
#include <sys/stat.h>

#include <string>

#include <doctest/doctest.h>

#include "core/platform/platform.hpp"
#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::platform;
using namespace xensnd::platform::test;

TEST_CASE("open_platform(Loopback) opens the domain that XENSTORED_PATH names") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    d.become(1);
    std::string why;
    auto p = open_platform(r, PlatformKind::Loopback, &why);

    std::string rundir = d.socket(1);
    rundir = rundir.substr(0, rundir.rfind('/'));
    rundir = rundir.substr(0, rundir.rfind('/'));
    struct stat st {};
    if (::stat((rundir + "/evtchn").c_str(), &st) != 0) {
        // The daemon does not serve event channels (yet): a clear error, no crash.
        REQUIRE_FALSE(p.ok());
        CHECK(why.find("evtchn") != std::string::npos);
        CHECK(why.find("xensnd-loopback") != std::string::npos);
        return;
    }
    REQUIRE_MESSAGE(p.ok(), why);
    CHECK(p->kind == PlatformKind::Loopback);
    REQUIRE(p->store);
    REQUIRE(p->events);
    REQUIRE(p->grants);
    REQUIRE(run(r, p->store->write("/local/domain/1/hello", "1")).ok());
    CHECK(run(r, p->store->read("hello")).value() == "1");
}

TEST_CASE("open_platform(Loopback) says what is wrong with XENSTORED_PATH") {
    auto reactor = make_reactor();
    ::setenv("XENSTORED_PATH", "/tmp/not-a-loopback-socket", 1);
    std::string why;
    auto p = open_platform(*reactor, PlatformKind::Loopback, &why);
    CHECK_FALSE(p.ok());
    CHECK(why.find("loopback platform") != std::string::npos);
    ::unsetenv("XENSTORED_PATH");
}
