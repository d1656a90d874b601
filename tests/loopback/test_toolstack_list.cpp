// xensnd-xl vsnd-list: a domain's devices with their backend, both ends' states by name and
// the stream count, including devices a guest made up and states that are no states.
#include <string>

#include <doctest/doctest.h>

#include "test_toolstack_fixture.hpp"

using namespace xensnd::loopback::testing;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const std::string kHeader = "Idx   BE    FE-state       BE-state       Streams\n";

}  // namespace

TEST_CASE("vsnd-list shows each device's backend, states and streams") {
    Daemon d("1,2");
    auto empty = xl(d, {"vsnd-list", "1"});
    CHECK_MESSAGE(empty.status == 0, empty.err);
    CHECK(empty.out == kHeader);

    REQUIRE(xl(d, attach_args({"--no-wait"}, 1)).status == 0);
    REQUIRE(xl(d, attach_args({"--no-wait"}, 1,
                              {"card, backend=2", "pcm", "stream, type=p", "pcm", "stream, type=p",
                               "stream, type=c", "stream, type=c"}))
                .status == 0);
    REQUIRE(
        run_as(d, 0, {"xenstore-write", "/local/domain/0/backend/vsnd/1/0/state", "2"}).status ==
        0);
    REQUIRE(run_as(d, 1, {"xenstore-write", "device/vsnd/0/state", "4"}).status == 0);

    auto e = xl(d, {"vsnd-list", "1"});
    CHECK_MESSAGE(e.status == 0, e.err);
    CHECK(e.out == kHeader +
                       "0     0     Connected      InitWait       2\n"
                       "1     2     Initialising   Initialising   4\n");

    // Another domain's list is its own.
    CHECK(xl(d, {"vsnd-list", "2"}).out == kHeader);
}

TEST_CASE("vsnd-list shows what a guest wrote without trusting it") {
    Daemon d("1");
    REQUIRE(xl(d, attach_args({"--no-wait"}, 1)).status == 0);
    // A state that is no state, and a device the toolstack never made.
    REQUIRE(run_as(d, 1,
                   {"xenstore-write", "device/vsnd/0/state", "x\n1", "device/vsnd/4/state", "3",
                    "device/vsnd/4/backend-id", "0"})
                .status == 0);
    auto e = xl(d, {"vsnd-list", "1"});
    CHECK_MESSAGE(e.status == 0, e.err);
    CHECK(e.out == kHeader +
                       "0     0     'x?1'          Initialising   2\n"
                       "4     0     Initialised    -              0\n");
}

TEST_CASE("vsnd-list errors") {
    Daemon d("1");
    auto absent = xl(d, {"vsnd-list", "7"});
    CHECK(absent.status == 1);
    CHECK(contains(absent.err, "domain 7 does not exist"));

    auto bad = xl(d, {"vsnd-list", "32752"});
    CHECK(bad.status == 2);
    CHECK(contains(bad.err, "'32752' is not a domain id"));

    auto extra = xl(d, {"vsnd-list", "1", "2"});
    CHECK(extra.status == 2);
    CHECK(contains(extra.err, "unexpected argument '2'"));
}
