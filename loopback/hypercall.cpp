#include "loopback/hypercall.hpp"

#include <cerrno>
#include <cstring>
#include <type_traits>

namespace xensnd::loopback {

namespace wire = platform::loopback_wire;

namespace {

constexpr std::uint16_t kNoOp = wire::kReplyBit;

Refusal broken(int error, const char* why) {
    return Refusal{error, kNoOp, true, why};
}

Refusal refuse(std::uint16_t op, int error, const char* why) {
    return Refusal{error, static_cast<std::uint16_t>(op | wire::kReplyBit), false, why};
}

bool valid_domid(std::uint16_t domid) {
    return domid < xenstore::kFirstReservedDomain;
}

// Reads the fixed-size request T, which must be the whole datagram.
template <class T>
bool exact(std::span<const std::byte> datagram, T& out) {
    return datagram.size() == sizeof(T) && wire::read_at(datagram, 0, out);
}

ParsedHypercall parse_body(std::uint16_t op, std::span<const std::byte> datagram) {
    switch (static_cast<wire::Op>(op)) {
        case wire::Op::AllocUnbound: {
            wire::AllocUnboundRequest r;
            if (!exact(datagram, r)) return refuse(op, EINVAL, "alloc_unbound: wrong size");
            if (r.reserved0 != 0 || r.reserved1 != 0) {
                return refuse(op, EINVAL, "alloc_unbound: reserved field set");
            }
            if (!valid_domid(r.remote_domid)) {
                return refuse(op, EINVAL, "alloc_unbound: reserved domain id");
            }
            return Hypercall(AllocUnbound{r.remote_domid});
        }
        case wire::Op::BindInterdomain: {
            wire::BindInterdomainRequest r;
            if (!exact(datagram, r)) return refuse(op, EINVAL, "bind_interdomain: wrong size");
            if (r.reserved != 0) return refuse(op, EINVAL, "bind_interdomain: reserved field set");
            if (!valid_domid(r.remote_domid)) {
                return refuse(op, EINVAL, "bind_interdomain: reserved domain id");
            }
            return Hypercall(BindInterdomain{r.remote_domid, r.remote_port});
        }
        case wire::Op::ClosePort: {
            wire::ClosePortRequest r;
            if (!exact(datagram, r)) return refuse(op, EINVAL, "close: wrong size");
            if (r.reserved != 0) return refuse(op, EINVAL, "close: reserved field set");
            return Hypercall(ClosePort{r.port});
        }
        case wire::Op::Share: {
            wire::ShareRequest r;
            if (!exact(datagram, r)) return refuse(op, EINVAL, "share: wrong size");
            if (r.reserved0 != 0 || r.reserved1 != 0) {
                return refuse(op, EINVAL, "share: reserved field set");
            }
            if ((r.flags & ~(wire::kWritable | wire::kUnmapNotify)) != 0) {
                return refuse(op, EINVAL, "share: unknown flag");
            }
            if (!valid_domid(r.remote_domid))
                return refuse(op, EINVAL, "share: reserved domain id");
            if (r.count == 0 || r.count > wire::kMaxPagesPerRequest) {
                return refuse(op, EINVAL, "share: page count out of range");
            }
            Share share{r.remote_domid, r.count, (r.flags & wire::kWritable) != 0, std::nullopt};
            if ((r.flags & wire::kUnmapNotify) != 0) {
                // count is at most kMaxPagesPerRequest, so the product cannot overflow.
                if (r.notify_offset >= r.count * wire::kPageSize) {
                    return refuse(op, EINVAL, "share: notify offset outside the pages");
                }
                share.notify = UnmapNotify{r.notify_offset, r.notify_port};
            } else if (r.notify_offset != 0 || r.notify_port != 0) {
                return refuse(op, EINVAL, "share: notify fields without the notify flag");
            }
            return Hypercall(share);
        }
        case wire::Op::Unshare: {
            wire::UnshareRequest r;
            if (!exact(datagram, r)) return refuse(op, EINVAL, "unshare: wrong size");
            if (r.reserved != 0) return refuse(op, EINVAL, "unshare: reserved field set");
            return Hypercall(Unshare{r.first_ref});
        }
        case wire::Op::Map: {
            wire::MapRequest r;
            if (!wire::read_at(datagram, 0, r)) return refuse(op, EINVAL, "map: too short");
            if (r.reserved0 != 0) return refuse(op, EINVAL, "map: reserved field set");
            if ((r.flags & ~wire::kWritable) != 0) return refuse(op, EINVAL, "map: unknown flag");
            if (!valid_domid(r.remote_domid)) return refuse(op, EINVAL, "map: reserved domain id");
            // The count is checked against the limit before it sizes anything, and against
            // the datagram before a reference is read.
            if (r.count == 0 || r.count > wire::kMaxPagesPerRequest) {
                return refuse(op, EINVAL, "map: reference count out of range");
            }
            if (datagram.size() != sizeof r + std::size_t{r.count} * sizeof(std::uint32_t)) {
                return refuse(op, EINVAL, "map: size does not match the reference count");
            }
            Map map{r.remote_domid, (r.flags & wire::kWritable) != 0, {}};
            map.refs.resize(r.count);
            std::memcpy(map.refs.data(), datagram.data() + sizeof r,
                        map.refs.size() * sizeof(std::uint32_t));
            return Hypercall(std::move(map));
        }
        case wire::Op::Unmap: {
            wire::UnmapRequest r;
            if (!exact(datagram, r)) return refuse(op, EINVAL, "unmap: wrong size");
            if (r.reserved != 0) return refuse(op, EINVAL, "unmap: reserved field set");
            return Hypercall(Unmap{r.mapping});
        }
        case wire::Op::Stats: {
            wire::StatsRequest r;
            if (!exact(datagram, r)) return refuse(op, EINVAL, "stats: wrong size");
            if (r.reserved0 != 0 || r.reserved1 != 0) {
                return refuse(op, EINVAL, "stats: reserved field set");
            }
            if (!valid_domid(r.domid)) return refuse(op, EINVAL, "stats: reserved domain id");
            return Hypercall(Stats{r.domid});
        }
    }
    return refuse(op, ENOSYS, "unknown op");
}

}  // namespace

ParsedHypercall parse_hypercall(std::span<const std::byte> datagram, bool truncated,
                                std::size_t fds) {
    if (truncated || datagram.size() > wire::kMaxMessage) {
        return broken(EMSGSIZE, "message larger than the protocol allows");
    }
    wire::Header h;
    if (!wire::read_at(datagram, 0, h)) return broken(EBADMSG, "message shorter than a header");
    if (h.magic != wire::kMagic) return broken(EBADMSG, "bad magic");
    if (h.length != datagram.size()) return broken(EBADMSG, "length field does not match");
    if (fds != 0) return broken(EBADMSG, "descriptors attached to a request");
    if ((h.op & wire::kReplyBit) != 0) return broken(EBADMSG, "a reply sent as a request");
    if (h.version != wire::kVersion) {
        return refuse(h.op, EPROTONOSUPPORT, "unsupported protocol version");
    }
    if (h.reserved != 0) return refuse(h.op, EINVAL, "reserved header field set");
    return parse_body(h.op, datagram);
}

std::uint16_t reply_op(const Hypercall& call) {
    wire::Op op = std::visit(
        [](const auto& c) -> wire::Op {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, AllocUnbound>) return wire::Op::AllocUnbound;
            if constexpr (std::is_same_v<T, BindInterdomain>) return wire::Op::BindInterdomain;
            if constexpr (std::is_same_v<T, ClosePort>) return wire::Op::ClosePort;
            if constexpr (std::is_same_v<T, Share>) return wire::Op::Share;
            if constexpr (std::is_same_v<T, Unshare>) return wire::Op::Unshare;
            if constexpr (std::is_same_v<T, Map>) return wire::Op::Map;
            if constexpr (std::is_same_v<T, Unmap>) return wire::Op::Unmap;
            if constexpr (std::is_same_v<T, Stats>) return wire::Op::Stats;
        },
        call);
    return static_cast<std::uint16_t>(static_cast<std::uint16_t>(op) | wire::kReplyBit);
}

}  // namespace xensnd::loopback
