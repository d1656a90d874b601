// The daemon's port table in-process: Xen's numbering and binding rules, the descriptors each
// end gets (crossed inboxes, one status page), what closing an end does to the other, and
// the holds that keep a port open for an unmap notification.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include <doctest/doctest.h>

#include "core/platform/loopback_wire.hpp"
#include "loopback/port_table.hpp"

using namespace xensnd::loopback;
namespace wire = xensnd::platform::loopback_wire;

namespace {

// The count waiting in an eventfd (0 if none), taking it.
std::uint64_t take(const UniqueFd& fd) {
    std::uint64_t count = 0;
    if (::read(fd.get(), &count, sizeof count) != static_cast<ssize_t>(sizeof count)) return 0;
    return count;
}

void ring(const UniqueFd& fd) {
    std::uint64_t one = 1;
    REQUIRE(::write(fd.get(), &one, sizeof one) == static_cast<ssize_t>(sizeof one));
}

wire::EndState state(const UniqueFd& status, unsigned end) {
    wire::ChannelStatus s{};
    REQUIRE(::pread(status.get(), &s, sizeof s, 0) == static_cast<ssize_t>(sizeof s));
    CHECK(s.magic == wire::kMagic);
    return static_cast<wire::EndState>(s.end[end]);
}

constexpr ConnectionId kFrontend = 1;
constexpr ConnectionId kBackend = 2;
constexpr ConnectionId kOther = 3;

}  // namespace

TEST_CASE("ports are numbered per domain from 1, lowest free first") {
    PortTable table;
    auto a = table.alloc_unbound(kFrontend, 1, 2);
    auto b = table.alloc_unbound(kFrontend, 1, 2);
    auto c = table.alloc_unbound(kOther, 3, 2);
    REQUIRE((a.ok() && b.ok() && c.ok()));
    CHECK(a->port == 1);
    CHECK(b->port == 2);
    CHECK(c->port == 1);
    CHECK(a->end == 0);
    REQUIRE(table.close(kFrontend, 1, 1).ok());
    auto d = table.alloc_unbound(kFrontend, 1, 2);
    REQUIRE(d.ok());
    CHECK(d->port == 1);
    CHECK(table.ports(1) == 2);
}

TEST_CASE("binding: only the named remote, only an unbound port, and the inboxes cross") {
    PortTable table;
    auto fe = table.alloc_unbound(kFrontend, 1, 2);
    REQUIRE(fe.ok());
    CHECK(state(fe->status, 0) == wire::EndState::Bound);
    CHECK(state(fe->status, 1) == wire::EndState::Unbound);

    CHECK(table.bind_interdomain(kOther, 3, 1, fe->port).errno_value() == EPERM);
    CHECK(table.bind_interdomain(kBackend, 2, 1, 77).errno_value() == EINVAL);
    CHECK(table.bind_interdomain(kBackend, 2, 4, fe->port).errno_value() == EINVAL);
    auto be = table.bind_interdomain(kBackend, 2, 1, fe->port);
    REQUIRE(be.ok());
    CHECK(be->end == 1);
    CHECK(table.bind_interdomain(kBackend, 2, 1, fe->port).errno_value() == EINVAL);
    CHECK(state(fe->status, 1) == wire::EndState::Bound);

    // The binder finds one event pending (Xen's conservative pending on bind).
    CHECK(take(be->inbox) == 1);
    // Each end's "peer inbox" is the other end's inbox.
    ring(fe->peer_inbox);
    CHECK(take(be->inbox) == 1);
    ring(be->peer_inbox);
    CHECK(take(fe->inbox) == 1);
    CHECK(take(fe->inbox) == 0);
    // The status page is the daemon's to write: clients get it read-only.
    CHECK(::mmap(nullptr, wire::kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fe->status.get(),
                 0) == MAP_FAILED);
}

TEST_CASE("closing one end wakes the other and leaves it unbound for the closer's domain") {
    PortTable table;
    auto fe = table.alloc_unbound(kFrontend, 1, 2);
    REQUIRE(fe.ok());
    auto be = table.bind_interdomain(kBackend, 2, 1, fe->port);
    REQUIRE(be.ok());
    take(be->inbox);

    REQUIRE(table.close(kBackend, 2, be->port).ok());
    CHECK(state(fe->status, 1) == wire::EndState::Closed);
    CHECK(take(fe->inbox) == 1);
    CHECK(table.ports(2) == 0);
    CHECK(table.ports(1) == 1);

    // What the old binder left unread does not wake the next one twice.
    ring(fe->peer_inbox);
    ring(fe->peer_inbox);
    CHECK(table.bind_interdomain(kOther, 3, 1, fe->port).errno_value() == EPERM);
    auto again = table.bind_interdomain(kBackend, 2, 1, fe->port);
    REQUIRE(again.ok());
    CHECK(take(again->inbox) == 1);
    CHECK(state(fe->status, 1) == wire::EndState::Bound);

    // Closing the allocator's end instead: the binder's port waits for domain 1.
    REQUIRE(table.close(kFrontend, 1, fe->port).ok());
    CHECK(state(again->status, 0) == wire::EndState::Closed);
    CHECK(take(again->inbox) == 1);
    auto rebound = table.bind_interdomain(kFrontend, 1, 2, again->port);
    REQUIRE(rebound.ok());
    CHECK(rebound->end == 0);
    CHECK(state(again->status, 0) == wire::EndState::Bound);
}

TEST_CASE("only the owner closes a port, and release closes all of the owner's and no more") {
    PortTable table;
    auto a = table.alloc_unbound(kFrontend, 1, 2);
    auto b = table.alloc_unbound(kFrontend, 1, 2);
    auto c = table.alloc_unbound(kOther, 1, 2);
    REQUIRE((a.ok() && b.ok() && c.ok()));
    CHECK(table.close(kOther, 1, a->port).errno_value() == EINVAL);
    CHECK(table.close(kFrontend, 2, a->port).errno_value() == EINVAL);
    table.release(kFrontend);
    CHECK(table.ports(1) == 1);
    CHECK(table.close(kFrontend, 1, a->port).errno_value() == EINVAL);
    CHECK(table.close(kOther, 1, c->port).ok());
    CHECK(table.ports(1) == 0);
}

TEST_CASE("a held port stays open until the hold is dropped") {
    PortTable table;
    auto fe = table.alloc_unbound(kFrontend, 1, 2);
    REQUIRE(fe.ok());
    auto be = table.bind_interdomain(kBackend, 2, 1, fe->port);
    REQUIRE(be.ok());
    take(be->inbox);

    CHECK(table.hold(1, 99).errno_value() == EINVAL);
    REQUIRE(table.hold(1, fe->port).ok());
    table.release(kFrontend);
    // Closing is deferred: the peer sees nothing yet, and the port can still be rung.
    CHECK(state(be->status, 0) == wire::EndState::Bound);
    CHECK(take(be->inbox) == 0);
    CHECK(table.ports(1) == 1);
    CHECK(table.hold(1, fe->port).errno_value() == EINVAL);  // closing: no new holds
    table.notify(1, fe->port);
    CHECK(take(be->inbox) == 1);

    table.drop_hold(1, fe->port);
    CHECK(state(be->status, 0) == wire::EndState::Closed);
    CHECK(take(be->inbox) == 1);
    CHECK(table.ports(1) == 0);
}

TEST_CASE("notify on an unbound port rings nobody") {
    PortTable table;
    auto fe = table.alloc_unbound(kFrontend, 1, 2);
    REQUIRE(fe.ok());
    table.notify(1, fe->port);
    table.notify(1, 1234);  // no such port: nothing happens
    auto be = table.bind_interdomain(kBackend, 2, 1, fe->port);
    REQUIRE(be.ok());
    CHECK(take(be->inbox) == 1);  // only the bind's own pending event
}
