// Fuzz target: the event channel and grant request parser on arbitrary datagrams. Whatever it
// accepts must satisfy every promise the tables rely on; whatever it refuses must carry an
// errno and a reply op.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "loopback/hypercall.hpp"

using namespace xensnd::loopback;
namespace wire = xensnd::platform::loopback_wire;

namespace {

void require(bool promise) {
    if (!promise) std::abort();
}

void check(const Hypercall& call, std::size_t size) {
    auto domid_ok = [](DomId d) { return d < 0x7FF0; };
    if (auto* a = std::get_if<AllocUnbound>(&call)) {
        require(domid_ok(a->remote) && size == sizeof(wire::AllocUnboundRequest));
    } else if (auto* b = std::get_if<BindInterdomain>(&call)) {
        require(domid_ok(b->remote) && size == sizeof(wire::BindInterdomainRequest));
    } else if (auto* s = std::get_if<Share>(&call)) {
        require(domid_ok(s->remote) && s->count >= 1 && s->count <= wire::kMaxPagesPerRequest);
        if (s->notify) require(s->notify->offset < s->count * wire::kPageSize);
        require(size == sizeof(wire::ShareRequest));
    } else if (auto* m = std::get_if<Map>(&call)) {
        require(domid_ok(m->remote) && !m->refs.empty() &&
                m->refs.size() <= wire::kMaxPagesPerRequest);
        require(size == sizeof(wire::MapRequest) + m->refs.size() * sizeof(std::uint32_t));
    } else if (auto* st = std::get_if<Stats>(&call)) {
        require(domid_ok(st->domid));
    }
    require((reply_op(call) & wire::kReplyBit) != 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // The first byte is the transport's say: truncated, descriptors attached, and whether to
    // frame the rest with a valid magic and length (the fuzzer's time then goes to the
    // bodies; unframed inputs keep exercising the framing checks).
    bool truncated = (data[0] & 1) != 0;
    std::size_t fds = (data[0] >> 1) & 3;
    std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data + 1),
                                 reinterpret_cast<const std::byte*>(data + size));
    if ((data[0] & 8) != 0 && bytes.size() >= sizeof(wire::Header)) {
        wire::Header h;
        std::memcpy(&h, bytes.data(), sizeof h);
        h.magic = wire::kMagic;
        h.length = static_cast<std::uint32_t>(bytes.size());
        std::memcpy(bytes.data(), &h, sizeof h);
    }
    std::span<const std::byte> datagram(bytes);
    ParsedHypercall parsed = parse_hypercall(datagram, truncated, fds);
    if (auto* refusal = std::get_if<Refusal>(&parsed)) {
        require(refusal->error > 0 && refusal->why != nullptr);
        require((refusal->reply_op & wire::kReplyBit) != 0);
        // Whatever would break framing must disconnect.
        if (truncated || fds != 0 || datagram.size() < sizeof(wire::Header)) {
            require(refusal->disconnect);
        }
        return 0;
    }
    require(!truncated && fds == 0);
    check(std::get<Hypercall>(parsed), datagram.size());
    return 0;
}
