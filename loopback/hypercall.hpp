// A request to the event channel or grant service (core/platform/loopback_wire.hpp), parsed
// and checked: the loopback daemon's hypercalls. Pure: bytes in, a Hypercall or a Refusal out,
// so the parser is fuzzed on its own. Everything the message itself can get wrong is caught
// here (framing, version, op, sizes, counts, flags, reserved fields, domain ids); what needs
// the daemon's state (does the port exist, is it ours) is the tables' business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "core/platform/loopback_wire.hpp"
#include "loopback/service.hpp"

namespace xensnd::loopback {

struct AllocUnbound {
    DomId remote;
};
struct BindInterdomain {
    DomId remote;
    std::uint32_t remote_port;
};
struct ClosePort {
    std::uint32_t port;
};
// gntalloc's UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT.
struct UnmapNotify {
    std::uint32_t offset;
    std::uint32_t port;
};
struct Share {
    DomId remote;
    std::uint32_t count;
    bool writable;
    std::optional<UnmapNotify> notify;
};
struct Unshare {
    std::uint32_t first_ref;
};
struct Map {
    DomId remote;
    bool writable;
    std::vector<std::uint32_t> refs;  // 1..kMaxPagesPerRequest, duplicates allowed
};
struct Unmap {
    std::uint32_t mapping;
};
struct Stats {
    DomId domid;
};

using Hypercall =
    std::variant<AllocUnbound, BindInterdomain, ClosePort, Share, Unshare, Map, Unmap, Stats>;

// A message that gets an error reply instead of being carried out.
struct Refusal {
    int error;               // errno for the reply
    std::uint16_t reply_op;  // the op the reply carries (request op | kReplyBit)
    bool disconnect;         // the framing is broken: reply, then close the connection
    const char* why;         // for the log
};

using ParsedHypercall = std::variant<Hypercall, Refusal>;

// `datagram`: the bytes received; `truncated`: the datagram (or its descriptors) did not fit
// the receive buffers; `fds`: descriptors that came with it (requests carry none).
ParsedHypercall parse_hypercall(std::span<const std::byte> datagram, bool truncated,
                                std::size_t fds);

// The op a hypercall answers with (request op | kReplyBit).
std::uint16_t reply_op(const Hypercall& call);

}  // namespace xensnd::loopback
