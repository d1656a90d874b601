// xensnd-xl vsnd-detach against the loopback daemon: libxl's removal sequence (online = 0 and
// Closing together, the wait for Closed, then all three directories gone), with a backend that
// answers and without one.
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "loopback/toolstack/vsnd_detach.hpp"
#include "loopback/toolstack/xenstore_connection.hpp"
#include "test_toolstack_fixture.hpp"

using namespace xensnd::loopback::testing;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void attach_example(const Daemon& d, const std::string& expected_devid) {
    auto e = xl(d, attach_args({"--no-wait"}, 1));
    REQUIRE_MESSAGE(e.status == 0, e.err);
    REQUIRE(e.out == expected_devid + "\n");
}

}  // namespace

TEST_CASE("with a backend that closes, detach removes all three directories at once") {
    Daemon d("1");
    auto before = ls(d);
    attach_example(d, "0");
    FakeBackend backend(d, 1, {.init_wait = false, .close = true});

    const auto start = std::chrono::steady_clock::now();
    auto e = xl(d, {"vsnd-detach", "1", "0"});  // the default wait: 10 s
    const double took = seconds_since(start);
    CHECK_MESSAGE(e.status == 0, e.err);
    CHECK(e.err.empty());
    CHECK(took < 5.0);

    // The backend saw Closing with online already 0: libxl writes both in one transaction.
    CHECK(backend.online_at_closing() == std::vector<std::string>{"0"});
    CHECK(!exists(d, "/local/domain/1/device/vsnd/0"));
    CHECK(!exists(d, "/local/domain/0/backend/vsnd/1/0"));
    CHECK(!exists(d, "/libxl/1/device/vsnd/0"));
    // The parents left empty go too, as with libxl, but never a domain's home.
    CHECK(ls(d) == before);
    CHECK(exists(d, "/local/domain/1"));
}

TEST_CASE("without a backend, detach removes the device after its timeout and says so") {
    Daemon d("1");
    attach_example(d, "0");
    attach_example(d, "1");

    const auto start = std::chrono::steady_clock::now();
    auto e = xl(d, {"vsnd-detach", "--timeout", "1", "1", "0"});
    const double took = seconds_since(start);
    CHECK_MESSAGE(e.status == 0, e.err);
    CHECK(contains(e.err, "backend domain 0 did not close vsnd device 0 of domain 1 within 1 s"));
    CHECK(contains(e.err, "its state is Closing"));
    CHECK(contains(e.err, "removed the device anyway"));
    CHECK(took >= 0.9);
    CHECK(took < 5.0);
    CHECK(!exists(d, "/local/domain/1/device/vsnd/0"));
    CHECK(!exists(d, "/local/domain/0/backend/vsnd/1/0"));
    CHECK(!exists(d, "/libxl/1/device/vsnd/0"));

    // The other device is untouched, and so are the parents it still needs.
    CHECK(read(d, "/local/domain/1/device/vsnd/1/state") == "1");
    CHECK(read(d, "/local/domain/0/backend/vsnd/1/1/online") == "1");
    CHECK(read(d, "/libxl/1/device/vsnd/1/frontend") == "/local/domain/1/device/vsnd/1");
}

TEST_CASE("a backend already Closed is not asked again; one whose directory is gone is skipped") {
    Daemon d("1");
    attach_example(d, "0");
    attach_example(d, "1");
    REQUIRE(
        run_as(d, 0, {"xenstore-write", "/local/domain/0/backend/vsnd/1/0/state", "6"}).status ==
        0);
    const auto start = std::chrono::steady_clock::now();
    auto closed = xl(d, {"vsnd-detach", "1", "0"});
    CHECK_MESSAGE(closed.status == 0, closed.err);
    CHECK(closed.err.empty());
    CHECK(!exists(d, "/local/domain/1/device/vsnd/0"));

    REQUIRE(run_as(d, 0, {"xenstore-rm", "/local/domain/0/backend/vsnd/1/1"}).status == 0);
    auto gone = xl(d, {"vsnd-detach", "1", "1"});
    CHECK_MESSAGE(gone.status == 0, gone.err);
    CHECK(seconds_since(start) < 5.0);
    CHECK(!exists(d, "/local/domain/1/device/vsnd/1"));
    CHECK(!exists(d, "/libxl/1/device/vsnd/1"));
    // Writing online/state to a vanished backend would have recreated its directory.
    CHECK(!exists(d, "/local/domain/0/backend/vsnd/1/1"));
}

TEST_CASE("the guest cannot redirect the removal to nodes that are not its device's") {
    Daemon d("1");
    attach_example(d, "0");
    REQUIRE(run_as(d, 0, {"xenstore-write", "/local/domain/0/precious", "x"}).status == 0);
    // The guest owns its frontend directory and rewrites the link to its backend.
    REQUIRE(run_as(d, 1,
                   {"xenstore-write", "device/vsnd/0/backend", "/local/domain/0",
                    "device/vsnd/0/backend-id", "5"})
                .status == 0);
    auto e = xl(d, {"vsnd-detach", "--timeout", "0.2", "1", "0"});
    CHECK_MESSAGE(e.status == 0, e.err);
    CHECK(read(d, "/local/domain/0/precious") == "x");
    CHECK(!exists(d, "/local/domain/0/backend/vsnd/1/0"));
    CHECK(!exists(d, "/local/domain/1/device/vsnd/0"));
}

TEST_CASE("detach errors: no such device, no such domain, bad arguments") {
    Daemon d("1");
    attach_example(d, "0");
    auto before = ls(d);

    auto no_device = xl(d, {"vsnd-detach", "1", "3"});
    CHECK(no_device.status == 1);
    CHECK(contains(no_device.err, "domain 1 has no vsnd device 3"));

    auto no_domain = xl(d, {"vsnd-detach", "7", "0"});
    CHECK(no_domain.status == 1);
    CHECK(contains(no_domain.err, "domain 7 does not exist"));

    auto bad_devid = xl(d, {"vsnd-detach", "1", "first"});
    CHECK(bad_devid.status == 2);
    CHECK(contains(bad_devid.err, "'first' is not a device index"));

    auto missing = xl(d, {"vsnd-detach", "1"});
    CHECK(missing.status == 2);
    CHECK(contains(missing.err, "no device index given"));

    auto bad_timeout = xl(d, {"vsnd-detach", "--timeout", "-1", "1", "0"});
    CHECK(bad_timeout.status == 2);
    CHECK(contains(bad_timeout.err, "--timeout: '-1' is not a number of seconds"));
    CHECK(ls(d) == before);
}

TEST_CASE("the library: detach_vsnd reports how the backend behaved") {
    using namespace xensnd::loopback::toolstack;
    Daemon d("1");
    attach_example(d, "0");
    attach_example(d, "1");
    auto xs = connect_xenstore(d.socket(0));
    unsetenv("XENSTORED_PATH");
    REQUIRE_MESSAGE(xs.ok(), xs.error().message);

    auto timed_out = detach_vsnd(xs->get(), 1, 0, DetachOptions{std::chrono::milliseconds(200)});
    REQUIRE_MESSAGE(timed_out.ok(), timed_out.error().message);
    CHECK(timed_out->backend == Detached::Backend::TimedOut);
    CHECK(timed_out->backend_state == "5");
    CHECK(!exists(d, "/local/domain/1/device/vsnd/0"));

    {
        FakeBackend backend(d, 1, {.init_wait = false, .close = true});
        auto closed = detach_vsnd(xs->get(), 1, 1);
        REQUIRE_MESSAGE(closed.ok(), closed.error().message);
        CHECK(closed->backend == Detached::Backend::Closed);
        CHECK(closed->address.backend_path() == "/local/domain/0/backend/vsnd/1/1");
    }

    auto none = detach_vsnd(xs->get(), 1, 0);
    REQUIRE(!none.ok());
    CHECK(none.error().code == std::errc::no_such_file_or_directory);
    CHECK(none.error().message == "domain 1 has no vsnd device 0");
}
