// The event channel and grant request parser: every op parses from its wire struct, and
// everything a message can get wrong by itself is refused with the right errno, and with a
// disconnect exactly when the framing is broken.
#include <cerrno>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "loopback/hypercall.hpp"

using namespace xensnd::loopback;
namespace wire = xensnd::platform::loopback_wire;

namespace {

template <class T>
std::vector<std::byte> bytes_of(const T& message) {
    std::vector<std::byte> out(sizeof message);
    std::memcpy(out.data(), &message, sizeof message);
    return out;
}

ParsedHypercall parse(const std::vector<std::byte>& datagram, bool truncated = false,
                      std::size_t fds = 0) {
    return parse_hypercall(datagram, truncated, fds);
}

// By value: callers pass temporaries.
Refusal refusal(const ParsedHypercall& p) {
    REQUIRE(std::holds_alternative<Refusal>(p));
    return std::get<Refusal>(p);
}

template <class T>
T call(const ParsedHypercall& p) {
    REQUIRE(std::holds_alternative<Hypercall>(p));
    const Hypercall& h = std::get<Hypercall>(p);
    REQUIRE(std::holds_alternative<T>(h));
    return std::get<T>(h);
}

std::vector<std::byte> map_request(std::uint16_t remote, std::uint8_t flags,
                                   const std::vector<std::uint32_t>& refs,
                                   std::uint32_t count_field) {
    wire::MapRequest m{};
    std::size_t length = sizeof m + refs.size() * sizeof(std::uint32_t);
    m.header = wire::make_header(wire::Op::Map, length);
    m.remote_domid = remote;
    m.flags = flags;
    m.count = count_field;
    std::vector<std::byte> out(length);
    std::memcpy(out.data(), &m, sizeof m);
    if (!refs.empty()) std::memcpy(out.data() + sizeof m, refs.data(), refs.size() * 4);
    return out;
}

wire::ShareRequest share_request() {
    wire::ShareRequest s{};
    s.header = wire::make_header(wire::Op::Share, sizeof s);
    s.remote_domid = 2;
    s.flags = wire::kWritable;
    s.count = 4;
    return s;
}

}  // namespace

TEST_CASE("each op parses from its wire struct") {
    wire::AllocUnboundRequest alloc{};
    alloc.header = wire::make_header(wire::Op::AllocUnbound, sizeof alloc);
    alloc.remote_domid = 5;
    CHECK(call<AllocUnbound>(parse(bytes_of(alloc))).remote == 5);

    wire::BindInterdomainRequest bind{};
    bind.header = wire::make_header(wire::Op::BindInterdomain, sizeof bind);
    bind.remote_domid = 1;
    bind.remote_port = 33;
    const auto& b = call<BindInterdomain>(parse(bytes_of(bind)));
    CHECK(b.remote == 1);
    CHECK(b.remote_port == 33);

    wire::ClosePortRequest close{};
    close.header = wire::make_header(wire::Op::ClosePort, sizeof close);
    close.port = 9;
    CHECK(call<ClosePort>(parse(bytes_of(close))).port == 9);

    auto share = share_request();
    const auto& s = call<Share>(parse(bytes_of(share)));
    CHECK(s.remote == 2);
    CHECK(s.count == 4);
    CHECK(s.writable);
    CHECK(!s.notify);

    share.flags = wire::kUnmapNotify;
    share.count = 1;
    share.notify_offset = 4095;
    share.notify_port = 3;
    const auto& n = call<Share>(parse(bytes_of(share)));
    CHECK(!n.writable);
    REQUIRE(n.notify);
    CHECK(n.notify->offset == 4095);
    CHECK(n.notify->port == 3);

    wire::UnshareRequest unshare{};
    unshare.header = wire::make_header(wire::Op::Unshare, sizeof unshare);
    unshare.first_ref = 8;
    CHECK(call<Unshare>(parse(bytes_of(unshare))).first_ref == 8);

    const auto& m = call<Map>(parse(map_request(1, wire::kWritable, {8, 9, 8}, 3)));
    CHECK(m.remote == 1);
    CHECK(m.writable);
    CHECK(m.refs == std::vector<std::uint32_t>{8, 9, 8});

    wire::UnmapRequest unmap{};
    unmap.header = wire::make_header(wire::Op::Unmap, sizeof unmap);
    unmap.mapping = 4;
    CHECK(call<Unmap>(parse(bytes_of(unmap))).mapping == 4);

    wire::StatsRequest stats{};
    stats.header = wire::make_header(wire::Op::Stats, sizeof stats);
    stats.domid = 7;
    CHECK(call<Stats>(parse(bytes_of(stats))).domid == 7);
    CHECK(reply_op(std::get<Hypercall>(parse(bytes_of(stats)))) ==
          (static_cast<std::uint16_t>(wire::Op::Stats) | wire::kReplyBit));
}

TEST_CASE("broken framing is refused with a disconnect") {
    wire::StatsRequest stats{};
    stats.header = wire::make_header(wire::Op::Stats, sizeof stats);
    auto good = bytes_of(stats);

    CHECK(refusal(parse({})).disconnect);
    CHECK(refusal(parse(std::vector<std::byte>(15))).error == EBADMSG);
    CHECK(refusal(parse(good, true)).error == EMSGSIZE);
    CHECK(refusal(parse(good, true)).disconnect);
    CHECK(refusal(parse(std::vector<std::byte>(wire::kMaxMessage + 1))).error == EMSGSIZE);

    auto magic = stats;
    magic.header.magic ^= 1;
    CHECK(refusal(parse(bytes_of(magic))).error == EBADMSG);
    CHECK(refusal(parse(bytes_of(magic))).disconnect);

    auto length = stats;
    length.header.length += 4;
    CHECK(refusal(parse(bytes_of(length))).disconnect);

    CHECK(refusal(parse(good, false, 1)).error == EBADMSG);
    CHECK(refusal(parse(good, false, 1)).disconnect);

    auto reply = stats;
    reply.header.op |= wire::kReplyBit;
    CHECK(refusal(parse(bytes_of(reply))).disconnect);
}

TEST_CASE("a well-framed bad request is refused and the connection may go on") {
    wire::StatsRequest stats{};
    stats.header = wire::make_header(wire::Op::Stats, sizeof stats);

    auto version = stats;
    version.header.version = 99;
    const auto& v = refusal(parse(bytes_of(version)));
    CHECK(v.error == EPROTONOSUPPORT);
    CHECK(!v.disconnect);
    CHECK(v.reply_op == (static_cast<std::uint16_t>(wire::Op::Stats) | wire::kReplyBit));

    auto unknown = stats;
    unknown.header.op = 1234;
    CHECK(refusal(parse(bytes_of(unknown))).error == ENOSYS);
    CHECK(refusal(parse(bytes_of(unknown))).reply_op == (1234 | wire::kReplyBit));

    auto reserved = stats;
    reserved.header.reserved = 1;
    CHECK(refusal(parse(bytes_of(reserved))).error == EINVAL);
    reserved = stats;
    reserved.reserved1 = 1;
    CHECK(refusal(parse(bytes_of(reserved))).error == EINVAL);

    // A request one byte short or long of its struct.
    auto bytes = bytes_of(stats);
    bytes.push_back(std::byte{0});
    wire::Header h = wire::make_header(wire::Op::Stats, bytes.size());
    std::memcpy(bytes.data(), &h, sizeof h);
    CHECK(refusal(parse(bytes)).error == EINVAL);
    CHECK(!refusal(parse(bytes)).disconnect);

    auto reserved_domain = stats;
    reserved_domain.domid = 0x7FF0;  // DOMID_SELF and above name no domain here
    CHECK(refusal(parse(bytes_of(reserved_domain))).error == EINVAL);
}

TEST_CASE("share: counts, flags and the notify offset are checked") {
    auto s = share_request();
    s.count = 0;
    CHECK(refusal(parse(bytes_of(s))).error == EINVAL);
    s.count = wire::kMaxPagesPerRequest + 1;
    CHECK(refusal(parse(bytes_of(s))).error == EINVAL);
    s.count = wire::kMaxPagesPerRequest;
    CHECK(call<Share>(parse(bytes_of(s))).count == wire::kMaxPagesPerRequest);

    s = share_request();
    s.flags = 0x80;
    CHECK(refusal(parse(bytes_of(s))).error == EINVAL);

    s = share_request();
    s.flags = wire::kUnmapNotify;
    s.count = 1;
    s.notify_offset = 4096;
    CHECK(refusal(parse(bytes_of(s))).error == EINVAL);
    s.count = 2;  // within the second page
    CHECK(call<Share>(parse(bytes_of(s))).notify->offset == 4096);

    s = share_request();
    s.notify_port = 5;  // notify fields without the flag
    CHECK(refusal(parse(bytes_of(s))).error == EINVAL);
}

TEST_CASE("map: a count field is never trusted") {
    CHECK(refusal(parse(map_request(1, 0, {}, 0))).error == EINVAL);
    CHECK(refusal(parse(map_request(1, 0, {8}, 2))).error == EINVAL);
    CHECK(refusal(parse(map_request(1, 0, {8, 9}, 1))).error == EINVAL);
    CHECK(refusal(parse(map_request(1, 0, {8}, 0xFFFFFFFF))).error == EINVAL);
    CHECK(refusal(parse(map_request(1, 2, {8}, 1))).error == EINVAL);  // unknown flag
    std::vector<std::uint32_t> most(wire::kMaxPagesPerRequest, 8);
    CHECK(call<Map>(parse(map_request(1, 0, most, wire::kMaxPagesPerRequest))).refs.size() ==
          wire::kMaxPagesPerRequest);
    std::vector<std::uint32_t> more(wire::kMaxPagesPerRequest + 1, 8);
    CHECK(refusal(parse(map_request(1, 0, more, wire::kMaxPagesPerRequest + 1))).error == EINVAL);
    // Too short for even the fixed part.
    auto cut = map_request(1, 0, {8}, 1);
    cut.resize(20);
    wire::Header h = wire::make_header(wire::Op::Map, cut.size());
    std::memcpy(cut.data(), &h, sizeof h);
    CHECK(refusal(parse(cut)).error == EINVAL);
}
