// Which loopback domain a process speaks for, from XENSTORED_PATH, and where its event
// channel and grant sockets are.
#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

#include "core/platform/loopback_client.hpp"

using namespace xensnd::platform;

namespace {

xensnd::Result<LoopbackDomain> with_path(const char* value, std::string* why = nullptr) {
    if (value == nullptr) {
        ::unsetenv("XENSTORED_PATH");
    } else {
        ::setenv("XENSTORED_PATH", value, 1);
    }
    return loopback_domain(why);
}

}  // namespace

TEST_CASE("the XenStore socket's path gives the run directory and the domain") {
    auto d = with_path("/run/xl/xenstore/domain-12.sock");
    REQUIRE(d.ok());
    CHECK(d->rundir == "/run/xl");
    CHECK(d->domid == 12);
    CHECK(d->socket("evtchn") == "/run/xl/evtchn/domain-12.sock");
    CHECK(d->socket("gnttab") == "/run/xl/gnttab/domain-12.sock");

    d = with_path("xenstore/domain-0.sock");
    REQUIRE(d.ok());
    CHECK(d->rundir == ".");
    CHECK(d->domid == 0);
    d = with_path("rel/dir/xenstore/domain-3.sock");
    REQUIRE(d.ok());
    CHECK(d->socket("evtchn") == "rel/dir/evtchn/domain-3.sock");
}

TEST_CASE("anything else is EINVAL with a reason") {
    for (const char* bad :
         {"", "/run/xl/xenstore/domain-.sock", "/run/xl/xenstore/domain-01.sock",
          "/run/xl/xenstore/domain-32752.sock", "/run/xl/xenstore/domain-1",
          "/run/xl/store/domain-1.sock", "/run/xl/xenstore/dom-1.sock", "domain-1.sock",
          "/run/xl/xenstore/domain-1x.sock", "/run/xl/xenstore/domain--1.sock"}) {
        std::string why;
        auto d = with_path(bad, &why);
        CHECK_MESSAGE(d.errno_value() == EINVAL, bad);
        CHECK_MESSAGE(!why.empty(), bad);
    }
    std::string why;
    CHECK(with_path(nullptr, &why).errno_value() == EINVAL);
    CHECK(why.find("XENSTORED_PATH") != std::string::npos);
}
