// Raw clients of the event channel and grant sockets that send garbage, oversized or
// truncated datagrams, unknown ops, descriptors, or floods: each gets an error reply or a
// disconnect, and a well-behaved client beside them is served as usual.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/platform/loopback_packet.hpp"
#include "core/platform/loopback_wire.hpp"
#include "loopback_platform.hpp"

using namespace xensnd;
using namespace xensnd::loopback::testing;
using namespace std::chrono_literals;
namespace wire = platform::loopback_wire;
using platform::UniqueFd;

namespace {

class RawClient {
  public:
    explicit RawClient(const std::string& path) {
        fd_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        REQUIRE(fd_);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }

    Result<void> send(std::span<const std::byte> bytes, std::span<const int> fds = {},
                      int flags = 0) {
        return platform::send_packet(fd_.get(), bytes, fds, flags);
    }
    template <class T>
    Result<void> send_struct(const T& message) {
        return send(platform::datagram_of(message));
    }

    struct Reply {
        bool hung_up = false;
        bool timed_out = false;
        wire::ReplyHeader header{};
        std::vector<std::byte> bytes;
        std::vector<UniqueFd> fds;
    };
    Reply receive(int timeout_ms = 5000) {
        Reply r;
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) {
            r.timed_out = true;
            return r;
        }
        std::vector<std::byte> buffer(wire::kMaxMessage);
        auto packet = platform::receive_packet(fd_.get(), buffer);
        // A reset (the daemon closed with a request of ours unread) is reported ahead of a
        // datagram it queued before closing; the next receive has that.
        if (!packet && packet.errno_value() == ECONNRESET) {
            packet = platform::receive_packet(fd_.get(), buffer, MSG_DONTWAIT);
        }
        if (!packet || (packet->size == 0 && !packet->truncated)) {
            r.hung_up = true;
            return r;
        }
        buffer.resize(packet->size);
        r.bytes = buffer;
        r.fds = std::move(packet->fds);
        REQUIRE(wire::read_at(std::span<const std::byte>(r.bytes), 0, r.header));
        CHECK(r.header.header.magic == wire::kMagic);
        CHECK(r.header.header.length == r.bytes.size());
        return r;
    }
    // Whether the daemon closed the connection (EOF after any replies still queued).
    bool closed_by_daemon(int timeout_ms = 5000) {
        for (;;) {
            Reply r = receive(timeout_ms);
            if (r.hung_up) return true;
            if (r.timed_out) return false;
        }
    }
    int fd() const { return fd_.get(); }

  private:
    UniqueFd fd_;
};

wire::StatsRequest stats_request(std::uint16_t domid) {
    wire::StatsRequest r{};
    r.header = wire::make_header(wire::Op::Stats, sizeof r);
    r.domid = domid;
    return r;
}

wire::AllocUnboundRequest alloc_request(std::uint16_t remote) {
    wire::AllocUnboundRequest r{};
    r.header = wire::make_header(wire::Op::AllocUnbound, sizeof r);
    r.remote_domid = remote;
    return r;
}

std::string evtchn(const Daemon& d, int domid) {
    return d.rundir() + "/evtchn/domain-" + std::to_string(domid) + ".sock";
}
std::string gnttab(const Daemon& d, int domid) {
    return d.rundir() + "/gnttab/domain-" + std::to_string(domid) + ".sock";
}

// A well-behaved client still gets a working channel pair.
void check_served(const Daemon& daemon) {
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto a = fe.events->alloc_unbound(2);
    REQUIRE_MESSAGE(a.ok(), a.error().message());
    auto b = be.events->bind_interdomain(1, (*a)->local_port());
    REQUIRE(b.ok());
    REQUIRE((*b)->notify().ok());
    CHECK(fe.wait(**a, 10000ms).ok());
    auto shared = fe.grants->share(2, 1, true);
    REQUIRE(shared.ok());
    CHECK(be.grants->map(1, (*shared)->refs(), true).ok());
}

}  // namespace

TEST_CASE("framing errors get an error reply and a disconnect") {
    Daemon daemon("1,2");
    auto stats = stats_request(1);

    SUBCASE("shorter than a header") {
        RawClient c(evtchn(daemon, 1));
        std::byte few[5]{};
        REQUIRE(c.send(few).ok());
        auto r = c.receive();
        CHECK(r.header.error == EBADMSG);
        CHECK(c.closed_by_daemon());
    }
    SUBCASE("bad magic") {
        RawClient c(evtchn(daemon, 1));
        auto bad = stats;
        bad.header.magic = 0x12345678;
        REQUIRE(c.send_struct(bad).ok());
        CHECK(c.receive().header.error == EBADMSG);
        CHECK(c.closed_by_daemon());
    }
    SUBCASE("a length field that lies") {
        RawClient c(gnttab(daemon, 1));
        auto bad = stats;
        bad.header.length = 1 << 30;
        REQUIRE(c.send_struct(bad).ok());
        CHECK(c.receive().header.error == EBADMSG);
        CHECK(c.closed_by_daemon());
    }
    SUBCASE("an oversized datagram") {
        RawClient c(evtchn(daemon, 1));
        std::vector<std::byte> big(wire::kMaxMessage + 100);
        auto h = wire::make_header(wire::Op::Stats, big.size());
        std::memcpy(big.data(), &h, sizeof h);
        REQUIRE(c.send(big).ok());
        CHECK(c.receive().header.error == EMSGSIZE);
        CHECK(c.closed_by_daemon());
    }
    SUBCASE("descriptors attached to a request") {
        RawClient c(evtchn(daemon, 1));
        UniqueFd efd(::eventfd(0, EFD_CLOEXEC));
        int fds[] = {efd.get(), efd.get()};
        REQUIRE(c.send(platform::datagram_of(stats), fds).ok());
        auto r = c.receive();
        CHECK(r.header.error == EBADMSG);
        CHECK(r.fds.empty());
        CHECK(c.closed_by_daemon());
    }
    SUBCASE("an empty datagram") {
        RawClient c(evtchn(daemon, 1));
        REQUIRE(c.send({}).ok());
        CHECK(c.closed_by_daemon());
    }
    check_served(daemon);
}

TEST_CASE("well-framed bad requests get an error reply and the connection stays") {
    Daemon daemon("1,2");
    RawClient c(evtchn(daemon, 1));
    auto still_served = [&] {
        REQUIRE(c.send_struct(stats_request(1)).ok());
        auto r = c.receive();
        CHECK(r.header.error == 0);
        CHECK(r.header.header.op ==
              (static_cast<std::uint16_t>(wire::Op::Stats) | wire::kReplyBit));
    };

    auto unknown = stats_request(1);
    unknown.header.op = 77;
    REQUIRE(c.send_struct(unknown).ok());
    auto r = c.receive();
    CHECK(r.header.error == ENOSYS);
    CHECK(r.header.header.op == (77 | wire::kReplyBit));
    still_served();

    auto version = stats_request(1);
    version.header.version = 2;
    REQUIRE(c.send_struct(version).ok());
    CHECK(c.receive().header.error == EPROTONOSUPPORT);
    still_served();

    auto reserved = alloc_request(2);
    reserved.reserved1 = 1;
    REQUIRE(c.send_struct(reserved).ok());
    CHECK(c.receive().header.error == EINVAL);

    // A grant op on the event channel socket.
    wire::UnshareRequest unshare{};
    unshare.header = wire::make_header(wire::Op::Unshare, sizeof unshare);
    unshare.first_ref = 8;
    REQUIRE(c.send_struct(unshare).ok());
    CHECK(c.receive().header.error == EOPNOTSUPP);

    // Closing a port that is not ours.
    wire::ClosePortRequest close{};
    close.header = wire::make_header(wire::Op::ClosePort, sizeof close);
    close.port = 1;
    REQUIRE(c.send_struct(close).ok());
    CHECK(c.receive().header.error == EINVAL);

    // Another domain's counters.
    REQUIRE(c.send_struct(stats_request(2)).ok());
    CHECK(c.receive().header.error == EPERM);

    // A Map whose count does not match its size, and one whose count is huge.
    RawClient g(gnttab(daemon, 2));
    wire::MapRequest map{};
    map.header = wire::make_header(wire::Op::Map, sizeof map + 4);
    map.remote_domid = 1;
    map.count = 0x40000000;
    std::vector<std::byte> bytes(sizeof map + 4);
    std::memcpy(bytes.data(), &map, sizeof map);
    REQUIRE(g.send(bytes).ok());
    CHECK(g.receive().header.error == EINVAL);
    map.count = 2;
    std::memcpy(bytes.data(), &map, sizeof map);
    REQUIRE(g.send(bytes).ok());
    CHECK(g.receive().header.error == EINVAL);
    map.count = 1;
    std::memcpy(bytes.data(), &map, sizeof map);
    REQUIRE(g.send(bytes).ok());
    CHECK(g.receive().header.error == ENOENT);  // well-formed: reference 0 is not in use

    still_served();
    check_served(daemon);
}

TEST_CASE("random garbage from many clients leaves the daemon serving") {
    Daemon daemon("1,2");
    std::mt19937 rng(12345);
    for (int round = 0; round < 200; ++round) {
        RawClient c(round % 2 == 0 ? evtchn(daemon, 1) : gnttab(daemon, 2));
        std::vector<std::byte> junk(rng() % 200);
        for (auto& b : junk)
            b = static_cast<std::byte>(rng());
        // Half of them look like our header, to get past the first checks.
        if (round % 4 < 2 && junk.size() >= sizeof(wire::Header)) {
            auto h = wire::make_header(static_cast<wire::Op>(rng() % 40), junk.size());
            std::memcpy(junk.data(), &h, sizeof h);
        }
        if (junk.empty()) continue;
        REQUIRE(c.send(junk).ok());
        // Every message is answered (checked well-formed by receive) or the client dropped.
        auto r = c.receive();
        CHECK(!r.timed_out);
        CHECK((r.hung_up || (r.header.header.op & wire::kReplyBit) != 0));
    }
    check_served(daemon);
    // Nothing leaked into the domains' tables from the garbage that happened to parse.
    auto s1 = stats_when(daemon, 1, [](const auto& s) { return s.ports == 0 && s.grants == 0; });
    CHECK(s1.ports == 0);
    CHECK(s1.grants == 0);
}

TEST_CASE("a client that floods requests without reading stalls only itself") {
    Daemon daemon("1,2");
    RawClient flooder(evtchn(daemon, 1));
    int flags = ::fcntl(flooder.fd(), F_GETFL);
    REQUIRE(::fcntl(flooder.fd(), F_SETFL, flags | O_NONBLOCK) == 0);
    auto request = alloc_request(2);
    std::size_t sent = 0;
    while (sent < 100000 && flooder.send_struct(request).ok())
        ++sent;
    CHECK(sent > 10);
    REQUIRE(::fcntl(flooder.fd(), F_SETFL, flags) == 0);

    // The daemon took one request and waits for the flooder to read its reply.
    check_served(daemon);
    CHECK(stats_when(daemon, 1, [](const auto& s) { return s.ports == 1; }).ports == 1);

    // Reading, it gets its replies in order; each reply's descriptors come with it.
    for (int i = 0; i < 5; ++i) {
        auto r = flooder.receive();
        REQUIRE(!r.timed_out);
        CHECK(r.header.error == 0);
        CHECK(r.fds.size() == 3);
        wire::PortReply port;
        REQUIRE(wire::read_at(std::span<const std::byte>(r.bytes), 0, port));
        CHECK(port.port == static_cast<std::uint32_t>(i + 1));
    }
}

TEST_CASE("a domain that allocates ports without end hits the cap, and nobody else does") {
    rlimit files{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
    // The daemon (started below, it inherits the limit) needs the descriptors: take them when
    // the hard limit allows, so that the case runs instead of being passed over.
    if (files.rlim_cur < 16384 && files.rlim_max >= 16384) {
        files.rlim_cur = 16384;
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &files) == 0);
    }
    if (files.rlim_cur < 16384) {
        MESSAGE("skipped: the daemon needs about 13000 descriptors for 4096 ports");
        return;
    }
    Daemon daemon("1,2");
    RawClient greedy(evtchn(daemon, 1));
    int refused = 0;
    std::uint32_t ports = 0;
    for (int i = 0; i < 4100; ++i) {
        REQUIRE(greedy.send_struct(alloc_request(2)).ok());
        auto r = greedy.receive();
        REQUIRE(!r.timed_out);
        if (r.header.error == 0) {
            ++ports;
        } else {
            CHECK(r.header.error == ENOSPC);
            ++refused;
        }
    }
    CHECK(ports == wire::kMaxPortsPerDomain);
    CHECK(refused == 4);
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    CHECK(fe.events->alloc_unbound(2).errno_value() == ENOSPC);
    CHECK(be.events->alloc_unbound(1).ok());
    // Closing the connection gives them all back.
    greedy = RawClient(evtchn(daemon, 1));
    CHECK(stats_when(daemon, 1, [](const auto& s) { return s.ports == 0; }).ports == 0);
    check_served(daemon);
}

TEST_CASE("connections beyond a domain's cap are refused with EMFILE") {
    Daemon daemon("1,2");
    std::vector<std::unique_ptr<RawClient>> many;
    for (std::size_t i = 0; i < 1024; ++i)
        many.push_back(std::make_unique<RawClient>(gnttab(daemon, 1)));
    // All of them are in; the daemon refuses the next one.
    CHECK(stats_when(daemon, 1, [](const auto& s) { return s.connections == 1024; }).connections ==
          1024);
    RawClient extra(gnttab(daemon, 1));
    // The refusal may come before or after our request: the send may find the socket closed.
    (void)extra.send_struct(stats_request(1));
    auto r = extra.receive();
    CHECK(r.header.error == EMFILE);
    CHECK(extra.closed_by_daemon());
    // Domain 1's clients of the library see the refusal, not a hang.
    for (int i = 0; i < 20; ++i) {
        auto refused = platform::query_loopback_stats(gnttab(daemon, 1), 1);
        CHECK(refused.errno_value() == EMFILE);
    }
    DomainPlatform fe(daemon.rundir(), 1);
    CHECK(!fe.ok());
    many.clear();
    check_served(daemon);
}
