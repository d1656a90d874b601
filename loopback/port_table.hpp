// Event channel ports, with Xen's rules: port numbers are per domain (1 up, 0 is never used),
// a port allocated unbound may be bound only by the remote domain named at allocation, and
// closing one end of an interdomain channel leaves the other end unbound, so the remote domain
// may bind it again (a backend reconnecting to its frontend's port).
//
// Behind each channel is a pair (loopback_wire.hpp): one inbox eventfd per end and a status
// page. The daemon never relays a notification; it only creates the pair, hands its
// descriptors to the two ends, and changes the status page (then wakes the survivor) when an
// end closes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "core/platform/loopback_fd.hpp"
#include "coro/result.hpp"
#include "loopback/service.hpp"

namespace xensnd::loopback {

using Port = std::uint32_t;
using platform::UniqueFd;
using xenstore::ConnectionId;

// What a client receives for a port it now holds.
struct HeldPort {
    Port port = 0;
    unsigned end = 0;     // which end of the pair
    UniqueFd inbox;       // to wait on
    UniqueFd peer_inbox;  // to notify
    UniqueFd status;      // read-only status page
};

class PortTable {
  public:
    // A fresh port in `domid`, unbound, that only `remote` may bind. ENOSPC beyond
    // kMaxPortsPerDomain; EMFILE/ENFILE/ENOMEM when descriptors or memory run out.
    Result<HeldPort> alloc_unbound(ConnectionId owner, DomId domid, DomId remote);

    // A fresh port in `domid` connected to `remote`'s `remote_port`. EINVAL if that port does
    // not exist or is not unbound (Xen's answer for both); EPERM if it waits for another
    // domain; ENOSPC when `domid` has no port left. The binder finds an event pending at
    // once, as Xen sets one conservatively on bind.
    Result<HeldPort> bind_interdomain(ConnectionId owner, DomId domid, DomId remote,
                                      Port remote_port);

    // Closes a port `owner` holds (EINVAL otherwise). The peer end, if bound, becomes unbound
    // and is woken to read that its peer closed.
    Result<void> close(ConnectionId owner, DomId domid, Port port);

    // Closes every port `owner` holds: the owner's process closed its socket or died.
    void release(ConnectionId owner);

    // gntalloc's unmap notification keeps the port it will signal open until then: while a
    // port is held, closing it is deferred until the last hold is dropped. EINVAL if the port
    // does not exist or is closing.
    Result<void> hold(DomId domid, Port port);
    void drop_hold(DomId domid, Port port);
    // Rings the peer of `port`, if it has one (as evtchn_send on an interdomain port).
    void notify(DomId domid, Port port);

    // Ports `domid` has in use (bound, unbound, or closing but held).
    std::size_t ports(DomId domid) const;

  private:
    struct Pair;
    struct Entry {
        std::shared_ptr<Pair> pair;
        unsigned end = 0;
        DomId remote = 0;        // the domain that may bind (unbound) or is bound
        ConnectionId owner = 0;  // 0 once the owner let go of a held port
        unsigned holds = 0;
        bool closing = false;
    };

    Entry* find(DomId domid, Port port);
    Result<Port> free_port(DomId domid) const;
    Result<HeldPort> hand_out(Port port, const Entry& entry);
    void close_now(DomId domid, Port port);

    std::map<DomId, std::map<Port, Entry>> domains_;
    std::map<ConnectionId, std::set<std::pair<DomId, Port>>> owned_;
};

}  // namespace xensnd::loopback
