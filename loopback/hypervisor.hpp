// The loopback hypervisor's event channel and grant half: which domains exist, who is
// connected, the port and grant tables, and the dispatch of each request to them. No I/O of
// its own (evtchn_service and gnttab_service own the sockets): a datagram in, a reply with its
// descriptors out, so it is tested and fuzzed in-process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <vector>

#include "core/platform/loopback_fd.hpp"
#include "coro/result.hpp"
#include "loopback/grant_table.hpp"
#include "loopback/hypercall.hpp"
#include "loopback/port_table.hpp"

namespace xensnd::loopback {

// Which socket a connection came in on; each answers only its own ops (and Stats).
enum class HypercallFamily { EventChannels, Grants };

// Connections the daemon accepts, per domain and in all; beyond, a new one gets EMFILE.
inline constexpr std::size_t kMaxConnectionsPerDomain = 1024;
inline constexpr std::size_t kMaxConnections = 8192;

class Hypervisor {
  public:
    Hypervisor() : grants_(ports_) {}
    Hypervisor(const Hypervisor&) = delete;
    Hypervisor& operator=(const Hypervisor&) = delete;

    // Both services report domains coming and going; the calls are idempotent.
    void add_domain(DomId domid) { domains_.insert(domid); }
    void remove_domain(DomId domid) { domains_.erase(domid); }
    bool has_domain(DomId domid) const { return domains_.count(domid) != 0; }

    // A client of `domid` connected. EMFILE beyond the connection caps.
    Result<ConnectionId> connect(DomId domid, HypercallFamily family);
    // It went away (closed, died, or was dropped): everything it held is released, and the
    // peers are told (closed ports wake their peer; unmap notifications fire).
    void disconnect(ConnectionId id);

    struct Answer {
        std::vector<std::byte> reply;
        std::vector<UniqueFd> fds;
        bool disconnect = false;        // close the connection once the reply is sent
        const char* problem = nullptr;  // why the message was refused, for the log
    };
    // One datagram from connection `id` (see parse_hypercall for the other arguments).
    Answer handle(ConnectionId id, std::span<const std::byte> datagram, bool truncated,
                  std::size_t fds);

    // A reply refusing a connection before it sent anything (op kReplyBit alone).
    static std::vector<std::byte> refusal(int error);

    PortTable& ports() { return ports_; }
    GrantTable& grants() { return grants_; }

  private:
    struct Connection {
        DomId domid;
        HypercallFamily family;
    };

    Answer dispatch(const Connection& c, ConnectionId id, Hypercall& call);

    std::set<DomId> domains_;
    PortTable ports_;
    GrantTable grants_;
    std::map<ConnectionId, Connection> connections_;
    std::map<DomId, std::size_t> per_domain_;
    ConnectionId next_id_ = 1;
};

}  // namespace xensnd::loopback
