// Event channels through the loopback client library against a running xensnd-loopback:
// allocation, binding and notification across processes, who may bind what, the peer's
// death seen as ENOTCONN, and a backend binding its frontend's port again.
#include <signal.h>

#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "forked.hpp"
#include "loopback_platform.hpp"

using namespace xensnd;
using namespace xensnd::loopback::testing;
using namespace std::chrono_literals;
using platform::Port;

namespace {

int errno_of(const auto& result) {
    return result.errno_value();
}

}  // namespace

TEST_CASE("a port allocated in one process is bound in another, and notify wakes each side") {
    Daemon daemon("1,2");
    Forked frontend([rundir = daemon.rundir()](Lines& lines) {
        DomainPlatform fe(rundir, 1);
        if (!fe.ok()) return 10;
        auto channel = fe.events->alloc_unbound(2);
        if (!channel) return 11;
        lines.send(std::to_string((*channel)->local_port()));
        // The backend rings first; we answer.
        if (!fe.wait(**channel, 5000ms)) return 12;
        lines.send("woken");
        if (!(*channel)->notify()) return 13;
        return lines.receive() == std::optional<std::string>("done") ? 0 : 14;
    });
    auto port_line = frontend.lines().receive();
    REQUIRE(port_line);
    Port port = static_cast<Port>(std::stoul(*port_line));
    CHECK(port >= 1);

    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE(be.ok());
    auto channel = be.events->bind_interdomain(1, port);
    REQUIRE_MESSAGE(channel.ok(), channel.error().message());
    // Xen sets an event pending on a freshly bound port (for what the unbound end dropped).
    CHECK(be.wait(**channel, 100ms).ok());
    CHECK(be.wait(**channel, 50ms).errno_value() == ETIMEDOUT);

    REQUIRE((*channel)->notify().ok());
    CHECK(frontend.lines().receive(5000) == std::optional<std::string>("woken"));
    auto woken = be.wait(**channel, 5000ms);
    CHECK_MESSAGE(woken.ok(), woken.error().message());
    frontend.lines().send("done");
    CHECK(frontend.wait() == 0);
}

TEST_CASE("only the named remote domain may bind, and only an unbound port") {
    Daemon daemon("1,2,3");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    DomainPlatform other(daemon.rundir(), 3);
    REQUIRE((fe.ok() && be.ok() && other.ok()));

    auto a = fe.events->alloc_unbound(2);
    REQUIRE(a.ok());
    auto b = fe.events->alloc_unbound(2);
    REQUIRE(b.ok());
    // Per-domain numbers from 1, lowest free first.
    CHECK((*a)->local_port() == 1);
    CHECK((*b)->local_port() == 2);

    CHECK(errno_of(other.events->bind_interdomain(1, (*a)->local_port())) == EPERM);
    CHECK(errno_of(be.events->bind_interdomain(1, 999)) == EINVAL);
    CHECK(errno_of(be.events->bind_interdomain(7, 1)) == ESRCH);  // no domain 7
    // A port in domain 2 numbers independently of domain 1's.
    auto bound = be.events->bind_interdomain(1, (*a)->local_port());
    REQUIRE(bound.ok());
    CHECK((*bound)->local_port() == 1);
    // Bound already: it is not unbound any more.
    CHECK(errno_of(be.events->bind_interdomain(1, (*a)->local_port())) == EINVAL);
    // The allocator's own domain is not the named remote either.
    CHECK(errno_of(fe.events->bind_interdomain(1, (*b)->local_port())) == EPERM);
    CHECK(errno_of(fe.events->alloc_unbound(platform::kFirstReservedDomId)) == EINVAL);

    // A closed port's number is free again.
    a->reset();
    auto again = fe.events->alloc_unbound(3);
    REQUIRE(again.ok());
    CHECK((*again)->local_port() == 1);
}

TEST_CASE("notify on a port whose peer has not bound is not an error") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    REQUIRE(fe.ok());
    auto channel = fe.events->alloc_unbound(2);
    REQUIRE(channel.ok());
    CHECK((*channel)->notify().ok());
    CHECK(fe.wait(**channel, 50ms).errno_value() == ETIMEDOUT);
}

TEST_CASE("SIGKILL of the frontend: the backend's wait() returns ENOTCONN at once") {
    Daemon daemon("1,2");
    Forked frontend([rundir = daemon.rundir()](Lines& lines) {
        DomainPlatform fe(rundir, 1);
        if (!fe.ok()) return 10;
        auto channel = fe.events->alloc_unbound(2);
        if (!channel) return 11;
        lines.send(std::to_string((*channel)->local_port()));
        ::pause();
        return 0;
    });
    auto port_line = frontend.lines().receive();
    REQUIRE(port_line);

    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE(be.ok());
    auto channel = be.events->bind_interdomain(1, static_cast<Port>(std::stoul(*port_line)));
    REQUIRE(channel.ok());
    REQUIRE(be.wait(**channel, 100ms).ok());  // the bind's pending event

    auto before = stats_of(daemon, 1);
    CHECK(before.ports == 1);
    CHECK(before.connections == 1);

    auto killed_at = std::chrono::steady_clock::now();
    frontend.kill(SIGKILL);
    auto woken = be.wait(**channel, 1000ms);
    auto took = std::chrono::steady_clock::now() - killed_at;
    CHECK(woken.errno_value() == ENOTCONN);
    CHECK(took < 1s);
    // And it stays that way: no wait hangs on a dead peer.
    CHECK(be.wait(**channel, 100ms).errno_value() == ENOTCONN);
    // Notify to a dead peer is dropped, as on an unbound port.
    CHECK((*channel)->notify().ok());

    auto after = stats_when(daemon, 1, [](const auto& s) { return s.ports == 0; });
    CHECK(after.ports == 0);
    CHECK(after.connections == 0);
    CHECK(frontend.wait() == 128 + SIGKILL);
}

TEST_CASE("a backend that closed its end binds the frontend's port again") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto frontend = fe.events->alloc_unbound(2);
    REQUIRE(frontend.ok());
    Port port = (*frontend)->local_port();

    auto backend = be.events->bind_interdomain(1, port);
    REQUIRE(backend.ok());
    backend->reset();
    // The frontend learns its peer went away...
    CHECK(fe.wait(**frontend, 1000ms).errno_value() == ENOTCONN);
    CHECK((*frontend)->notify().ok());
    CHECK(stats_of(daemon, 2).ports == 0);

    // ...and the port went back to unbound, for the same remote domain only.
    DomainPlatform other(daemon.rundir(), 0);
    REQUIRE(other.ok());
    CHECK(other.events->bind_interdomain(1, port).errno_value() == EPERM);
    auto rebound = be.events->bind_interdomain(1, port);
    REQUIRE_MESSAGE(rebound.ok(), rebound.error().message());
    REQUIRE(be.wait(**rebound, 100ms).ok());  // the bind's pending event

    // Waits work again on both sides.
    REQUIRE((*rebound)->notify().ok());
    CHECK(fe.wait(**frontend, 1000ms).ok());
    REQUIRE((*frontend)->notify().ok());
    CHECK(be.wait(**rebound, 1000ms).ok());
}

TEST_CASE("a frontend that closed its end leaves the backend's port for it to bind again") {
    // Xen's rule is symmetric: closing either end of an interdomain channel leaves the other
    // end unbound, waiting for the domain that closed.
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto frontend = fe.events->alloc_unbound(2);
    REQUIRE(frontend.ok());
    auto backend = be.events->bind_interdomain(1, (*frontend)->local_port());
    REQUIRE(backend.ok());
    REQUIRE(be.wait(**backend, 100ms).ok());

    frontend->reset();
    CHECK(be.wait(**backend, 1000ms).errno_value() == ENOTCONN);
    auto rebound = fe.events->bind_interdomain(2, (*backend)->local_port());
    REQUIRE_MESSAGE(rebound.ok(), rebound.error().message());
    REQUIRE((*rebound)->notify().ok());
    CHECK(be.wait(**backend, 1000ms).ok());
}

TEST_CASE("a wait cancelled by a timeout loses no event") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto frontend = fe.events->alloc_unbound(2);
    REQUIRE(frontend.ok());
    auto backend = be.events->bind_interdomain(1, (*frontend)->local_port());
    REQUIRE(backend.ok());

    CHECK(fe.wait(**frontend, 20ms).errno_value() == ETIMEDOUT);
    REQUIRE((*backend)->notify().ok());
    CHECK(fe.wait(**frontend, 20ms).ok());
    CHECK(fe.wait(**frontend, 20ms).errno_value() == ETIMEDOUT);
}
