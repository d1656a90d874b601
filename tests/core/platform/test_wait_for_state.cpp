// Waiting for a peer's XenBus state on a real Store (the loopback daemon): at once when it is
// already there, through the peer's changes, with a time limit, and against a hostile value.
#include <string>

#include <doctest/doctest.h>

#include "core/platform/xenbus_state.hpp"
#include "coro/spawn.hpp"
#include "coro/timer.hpp"
#include "reactor_fixture.hpp"

using namespace xensnd;
using namespace xensnd::platform;
using namespace xensnd::platform::test;

namespace {

const std::string kDir = "/local/domain/1/device/vsnd/0";

coro::Task<Result<XenbusState>> join(coro::JoinHandle<Result<XenbusState>>* h) {
    co_return co_await *h;
}

// The peer: moves through `states`, pausing between them so the waiter sees each.
coro::Task<Result<void>> walk(Store* peer, std::vector<XenbusState> states) {
    for (XenbusState s : states) {
        Result<void> slept = co_await coro::sleep_for(20ms);
        if (!slept) co_return slept;
        auto writing = write_state(*peer, kDir, s);
        Result<void> written = co_await std::move(writing);
        if (!written) co_return written;
    }
    co_return ok();
}

}  // namespace

TEST_CASE("read_state and write_state use <dir>/state; a missing node is Unknown") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    auto missing = run(r, read_state(*store, kDir));
    REQUIRE(missing.ok());
    CHECK(*missing == XenbusState::Unknown);
    REQUIRE(run(r, write_state(*store, kDir, XenbusState::InitWait)).ok());
    CHECK(run(r, store->read(kDir + "/state")).value() == "2");
    // A trailing '/' on the directory makes no difference.
    auto s = run(r, read_state(*store, kDir + "/"));
    REQUIRE(s.ok());
    CHECK(*s == XenbusState::InitWait);
}

TEST_CASE("wait_for_state returns at once when the state is already there") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    REQUIRE(run(r, write_state(*store, kDir, XenbusState::Connected)).ok());
    auto s = run(r, wait_for_state(*store, kDir, {XenbusState::Connected}, 5s));
    REQUIRE(s.ok());
    CHECK(*s == XenbusState::Connected);
    // Unknown is a state like any other: wait for a missing node to be "gone".
    auto gone = run(r, wait_for_state(*store, kDir + "/none", {XenbusState::Unknown}, 5s));
    REQUIRE(gone.ok());
    CHECK(*gone == XenbusState::Unknown);
}

TEST_CASE("wait_for_state follows the peer through the states it does not want") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    auto peer = open_store(r, d, 1);
    REQUIRE(run(r, write_state(*store, kDir, XenbusState::Initialising)).ok());

    auto waiter = coro::spawn(
        r, wait_for_state(*store, kDir, {XenbusState::Connected, XenbusState::Closed}, 10s));
    REQUIRE(run(r, walk(peer.get(),
                        {XenbusState::InitWait, XenbusState::Initialised, XenbusState::Connected}))
                .ok());
    auto s = run(r, join(&waiter));
    REQUIRE(s.ok());
    CHECK(*s == XenbusState::Connected);

    // A predicate instead of a set.
    auto closing = coro::spawn(
        r, wait_for_state(
               *store, kDir, [](XenbusState x) { return x >= XenbusState::Closing; }, 10s));
    REQUIRE(run(r, walk(peer.get(), {XenbusState::Connected, XenbusState::Closed})).ok());
    auto c = run(r, join(&closing));
    REQUIRE(c.ok());
    CHECK(*c == XenbusState::Closed);
}

TEST_CASE("wait_for_state gives up with ETIMEDOUT and leaves no watch behind") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    REQUIRE(run(r, write_state(*store, kDir, XenbusState::InitWait)).ok());
    auto s = run(r, wait_for_state(*store, kDir, {XenbusState::Connected}, 100ms));
    CHECK(s.errno_value() == ETIMEDOUT);
    // More time-outs than a guest has watches (128): each one's watch went away.
    for (int i = 0; i < 150; ++i) {
        auto t = run(r, wait_for_state(*store, kDir, {XenbusState::Connected}, 2ms));
        REQUIRE_MESSAGE(t.errno_value() == ETIMEDOUT, "wait #" << i << ": " << t.error().message());
    }
    REQUIRE(run(r, write_state(*store, kDir, XenbusState::Connected)).ok());
    auto later = run(r, wait_for_state(*store, kDir, {XenbusState::Connected}, 5s));
    REQUIRE_MESSAGE(later.ok(), later.error().message());
}

TEST_CASE("a state that is no state ends the wait with EINVAL") {
    LoopbackDaemon d;
    auto reactor = make_reactor();
    auto& r = *reactor;
    auto store = open_store(r, d, 1);
    REQUIRE(run(r, store->write(kDir + "/state", "connected")).ok());
    CHECK(run(r, read_state(*store, kDir)).errno_value() == EINVAL);
    auto s = run(r, wait_for_state(*store, kDir, {XenbusState::Connected}, 5s));
    CHECK(s.errno_value() == EINVAL);
}
