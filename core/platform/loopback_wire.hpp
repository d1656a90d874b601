// The loopback daemon's event channel and grant protocol: what a client and xensnd-loopback
// say to each other on <rundir>/evtchn/domain-<id>.sock and <rundir>/gnttab/domain-<id>.sock.
//
// Transport: AF_UNIX SOCK_SEQPACKET, so every message is one datagram and descriptors travel
// beside it (SCM_RIGHTS). Strictly request/reply, in order: the client sends one request and
// reads one reply. Structs are fixed-size, in host byte order (both ends share one host), with
// explicit reserved fields that must be zero, so a later version can give them a meaning.
// Every field is checked on receipt by both sides; a count never sizes anything before it has
// been checked against the datagram's real length.
//
//   request  = Header + body (+ for Map, `count` references)          no descriptors
//   reply    = ReplyHeader (+ body when error == 0)                    descriptors as listed
//
//   op               socket   request body            reply body        reply descriptors
//   AllocUnbound     evtchn   AllocUnboundRequest     PortReply         inbox, peer inbox, status
//   BindInterdomain  evtchn   BindInterdomainRequest  PortReply         inbox, peer inbox, status
//   ClosePort        evtchn   ClosePortRequest        -                 -
//   Share            gnttab   ShareRequest            ShareReply+refs   the pages (memfd, rw)
//   Unshare          gnttab   UnshareRequest          -                 -
//   Map              gnttab   MapRequest+refs         MapReply+slots    one per distinct grant
//   Unmap            gnttab   UnmapRequest            -                 -
//   Stats            both     StatsRequest            StatsReply        -
//
// An event channel is a pair of ends. Each end has an inbox, an eventfd its holder waits on;
// notifying is writing 1 to the peer's inbox, straight from one client to the other. The
// pair's status page (a read-only memfd page, ChannelStatus) says which ends are held, so a
// notify to an end nobody holds is dropped (as Xen drops it on an unbound port) and a waiter
// learns that its peer closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace xensnd::platform::loopback_wire {

inline constexpr std::uint32_t kMagic = 0x646e7378;  // "xsnd" in memory order
inline constexpr std::uint16_t kVersion = 1;

// No datagram in either direction is larger: a Map of kMaxPagesPerRequest references is
// about 4 KiB, its reply about 8 KiB.
inline constexpr std::size_t kMaxMessage = 16384;
// Descriptors in one reply, below the kernel's SCM_MAX_FD (253).
inline constexpr std::size_t kMaxFds = 250;
// Pages in one Share or Map (grants.hpp's kMaxMapPages).
inline constexpr std::uint32_t kMaxPagesPerRequest = 1024 + 2;
inline constexpr std::uint32_t kPageSize = 4096;

// Per-domain caps the daemon enforces; beyond them requests fail with ENOSPC.
inline constexpr std::uint32_t kMaxPortsPerDomain = 4096;
inline constexpr std::uint32_t kMaxGrantPagesPerDomain = 65536;
inline constexpr std::uint32_t kMaxGrantsPerDomain = 4096;  // Shares (each is one memfd)
inline constexpr std::uint32_t kMaxMappedPagesPerDomain = 65536;
// Grant references below this are never handed out: Linux keeps 0..7 for the toolstack
// (GNTTAB_NR_RESERVED_ENTRIES), so a ref is never 0.
inline constexpr std::uint32_t kFirstGrantRef = 8;

enum class Op : std::uint16_t {
    AllocUnbound = 1,
    BindInterdomain = 2,
    ClosePort = 3,
    Share = 16,
    Unshare = 17,
    Map = 18,
    Unmap = 19,
    Stats = 32,
};
// A reply's op is its request's op with this bit set; a reply to a message whose op could not
// be read carries the bit alone.
inline constexpr std::uint16_t kReplyBit = 0x8000;

struct Header {
    std::uint32_t magic;
    std::uint16_t version;
    std::uint16_t op;
    std::uint32_t length;  // of the whole datagram, this header included
    std::uint32_t reserved;
};

struct ReplyHeader {
    Header header;
    std::int32_t error;  // 0, or a positive errno value
    std::uint32_t reserved;
};

// Share/Map flags.
inline constexpr std::uint8_t kWritable = 1;
inline constexpr std::uint8_t kUnmapNotify = 2;  // Share only

struct AllocUnboundRequest {
    Header header;
    std::uint16_t remote_domid;
    std::uint16_t reserved0;
    std::uint32_t reserved1;
};

struct BindInterdomainRequest {
    Header header;
    std::uint16_t remote_domid;
    std::uint16_t reserved;
    std::uint32_t remote_port;
};

struct ClosePortRequest {
    Header header;
    std::uint32_t port;
    std::uint32_t reserved;
};

struct ShareRequest {
    Header header;
    std::uint16_t remote_domid;
    std::uint8_t flags;  // kWritable | kUnmapNotify
    std::uint8_t reserved0;
    std::uint32_t count;          // pages
    std::uint32_t notify_offset;  // with kUnmapNotify: byte cleared on release (else 0)
    std::uint32_t notify_port;    // with kUnmapNotify: port of the sharer's domain (else 0)
    std::uint32_t reserved1;
};

struct UnshareRequest {
    Header header;
    std::uint32_t first_ref;  // names the Share it came from
    std::uint32_t reserved;
};

struct MapRequest {
    Header header;
    std::uint16_t remote_domid;
    std::uint8_t flags;  // kWritable
    std::uint8_t reserved0;
    std::uint32_t count;  // references that follow, as std::uint32_t
};

struct UnmapRequest {
    Header header;
    std::uint32_t mapping;  // from MapReply
    std::uint32_t reserved;
};

struct StatsRequest {
    Header header;
    std::uint16_t domid;  // the caller's own, or any for domain 0
    std::uint16_t reserved0;
    std::uint32_t reserved1;
};

struct PortReply {
    ReplyHeader reply;
    std::uint32_t port;  // in the caller's domain
    std::uint32_t end;   // which end of the pair the caller holds: 0 or 1
};

struct ShareReply {
    ReplyHeader reply;
    std::uint32_t count;  // references that follow, one per page in page order
    std::uint32_t reserved;
};

struct MapReply {
    ReplyHeader reply;
    std::uint32_t mapping;  // names this mapping for Unmap
    std::uint32_t count;    // slots that follow, one per requested reference, in order
    std::uint32_t fds;      // descriptors attached
    std::uint32_t reserved;
};

// Where one requested reference's page lives: page `page` of attached descriptor `fd`.
struct MapSlot {
    std::uint32_t fd;
    std::uint32_t page;
};

struct StatsReply {
    ReplyHeader reply;
    std::uint32_t ports;         // ports the domain has in use (bound, unbound or closing)
    std::uint32_t grants;        // Shares whose references are still in use
    std::uint32_t grant_pages;   // pages behind those references
    std::uint32_t mapped_pages;  // pages the domain has mapped from others
    std::uint32_t connections;   // open connections of the domain, both services
    std::uint32_t reserved;
};

// The status page of an event channel pair: page 0 of the status descriptor, read-only to
// clients; the daemon changes it before it wakes anyone, so a woken waiter reads the news.
enum class EndState : std::uint32_t {
    Unbound = 0,  // nobody has held this end yet
    Bound = 1,    // a port holds it
    Closed = 2,   // its port was closed (unbound, or its process died); may be bound again
};

struct ChannelStatus {
    std::uint32_t magic;  // kMagic
    std::uint32_t version;
    std::uint32_t end[2];  // EndState of each end
};

#define XENSND_WIRE_STRUCT(T, size)                                                 \
    static_assert(std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>); \
    static_assert(sizeof(T) == (size), #T " changed size: bump kVersion")
XENSND_WIRE_STRUCT(Header, 16);
XENSND_WIRE_STRUCT(ReplyHeader, 24);
XENSND_WIRE_STRUCT(AllocUnboundRequest, 24);
XENSND_WIRE_STRUCT(BindInterdomainRequest, 24);
XENSND_WIRE_STRUCT(ClosePortRequest, 24);
XENSND_WIRE_STRUCT(ShareRequest, 36);
XENSND_WIRE_STRUCT(UnshareRequest, 24);
XENSND_WIRE_STRUCT(MapRequest, 24);
XENSND_WIRE_STRUCT(UnmapRequest, 24);
XENSND_WIRE_STRUCT(StatsRequest, 24);
XENSND_WIRE_STRUCT(PortReply, 32);
XENSND_WIRE_STRUCT(ShareReply, 32);
XENSND_WIRE_STRUCT(MapReply, 40);
XENSND_WIRE_STRUCT(MapSlot, 8);
XENSND_WIRE_STRUCT(StatsReply, 48);
XENSND_WIRE_STRUCT(ChannelStatus, 16);
#undef XENSND_WIRE_STRUCT

static_assert(sizeof(MapRequest) + kMaxPagesPerRequest * sizeof(std::uint32_t) <= kMaxMessage);
static_assert(sizeof(MapReply) + kMaxPagesPerRequest * sizeof(MapSlot) <= kMaxMessage);
static_assert(sizeof(ShareReply) + kMaxPagesPerRequest * sizeof(std::uint32_t) <= kMaxMessage);

inline Header make_header(Op op, std::size_t length, bool reply = false) {
    return Header{
        kMagic, kVersion,
        static_cast<std::uint16_t>(static_cast<std::uint16_t>(op) | (reply ? kReplyBit : 0)),
        static_cast<std::uint32_t>(length), 0};
}

// Copies a T out of `bytes` at `offset` (datagrams carry no alignment promise); false if it
// does not fit.
template <class T>
bool read_at(std::span<const std::byte> bytes, std::size_t offset, T& out) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
    std::memcpy(&out, bytes.data() + offset, sizeof(T));
    return true;
}

}  // namespace xensnd::platform::loopback_wire
