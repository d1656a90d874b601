#include "loopback/port_table.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <vector>

#include "core/platform/loopback_wire.hpp"
#include "loopback/memory_file.hpp"

namespace xensnd::loopback {

namespace wire = platform::loopback_wire;

struct PortTable::Pair {
    UniqueFd inbox[2];
    UniqueFd status;
    bool held[2] = {false, false};

    // The status page is changed before anyone is woken, so a woken end reads the news. A
    // failed write (the page is ours, sized and sealed) cannot happen short of a kernel bug.
    void set_state(unsigned end, wire::EndState state) {
        auto value = static_cast<std::uint32_t>(state);
        off_t at = static_cast<off_t>(offsetof(wire::ChannelStatus, end) + end * sizeof value);
        (void)::pwrite(status.get(), &value, sizeof value, at);
    }
    void ring(unsigned end) {
        std::uint64_t one = 1;
        // EAGAIN only if the count is about to overflow: the end is woken already.
        (void)::write(inbox[end].get(), &one, sizeof one);
    }
    // What the previous holder of the end left unread must not wake the next one.
    void drain(unsigned end) {
        std::uint64_t count;
        (void)::read(inbox[end].get(), &count, sizeof count);
    }
};

PortTable::Entry* PortTable::find(DomId domid, Port port) {
    auto d = domains_.find(domid);
    if (d == domains_.end()) return nullptr;
    auto p = d->second.find(port);
    return p == d->second.end() ? nullptr : &p->second;
}

Result<Port> PortTable::free_port(DomId domid) const {
    Port candidate = 1;
    if (auto d = domains_.find(domid); d != domains_.end()) {
        if (d->second.size() >= wire::kMaxPortsPerDomain) return Err(ENOSPC);
        // Lowest free number, as Xen's get_free_port.
        for (const auto& [port, entry] : d->second) {
            if (port != candidate) break;
            ++candidate;
        }
    }
    if (candidate > wire::kMaxPortsPerDomain) return Err(ENOSPC);
    return candidate;
}

Result<HeldPort> PortTable::hand_out(Port port, const Entry& entry) {
    HeldPort held;
    held.port = port;
    held.end = entry.end;
    auto inbox = duplicate(entry.pair->inbox[entry.end].get());
    if (!inbox) return Err(inbox.error());
    auto peer = duplicate(entry.pair->inbox[1 - entry.end].get());
    if (!peer) return Err(peer.error());
    auto status = read_only_view(entry.pair->status.get());
    if (!status) return Err(status.error());
    held.inbox = std::move(*inbox);
    held.peer_inbox = std::move(*peer);
    held.status = std::move(*status);
    return held;
}

Result<HeldPort> PortTable::alloc_unbound(ConnectionId owner, DomId domid, DomId remote) {
    auto port = free_port(domid);
    if (!port) return Err(port.error());

    auto pair = std::make_shared<Pair>();
    for (auto& inbox : pair->inbox) {
        // Non-blocking: waiters drain their inbox with a plain read after a poll says so.
        inbox.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
        if (!inbox) return Err(errno);
    }
    auto status = create_memory("xensnd-evtchn", wire::kPageSize);
    if (!status) return Err(status.error());
    pair->status = std::move(*status);
    wire::ChannelStatus initial{wire::kMagic,
                                wire::kVersion,
                                {static_cast<std::uint32_t>(wire::EndState::Bound),
                                 static_cast<std::uint32_t>(wire::EndState::Unbound)}};
    if (::pwrite(pair->status.get(), &initial, sizeof initial, 0) !=
        static_cast<ssize_t>(sizeof initial)) {
        return Err(errno != 0 ? errno : EIO);
    }
    pair->held[0] = true;

    Entry entry{pair, 0, remote, owner, 0, false};
    auto held = hand_out(*port, entry);
    if (!held) return Err(held.error());
    domains_[domid].emplace(*port, std::move(entry));
    owned_[owner].emplace(domid, *port);
    return held;
}

Result<HeldPort> PortTable::bind_interdomain(ConnectionId owner, DomId domid, DomId remote,
                                             Port remote_port) {
    Entry* target = find(remote, remote_port);
    if (target == nullptr || target->closing) return Err(EINVAL);
    unsigned end = 1 - target->end;
    std::shared_ptr<Pair> pair = target->pair;
    if (pair->held[end]) return Err(EINVAL);  // bound already: not unbound
    if (target->remote != domid) return Err(EPERM);
    auto port = free_port(domid);
    if (!port) return Err(port.error());

    Entry entry{pair, end, remote, owner, 0, false};
    auto held = hand_out(*port, entry);
    if (!held) return Err(held.error());
    pair->drain(end);
    pair->held[end] = true;
    pair->set_state(end, wire::EndState::Bound);
    // Xen sets an event pending on the new port, for notifications the unbound end dropped.
    pair->ring(end);
    domains_[domid].emplace(*port, std::move(entry));
    owned_[owner].emplace(domid, *port);
    return held;
}

void PortTable::close_now(DomId domid, Port port) {
    auto d = domains_.find(domid);
    if (d == domains_.end()) return;
    auto it = d->second.find(port);
    if (it == d->second.end()) return;
    std::shared_ptr<Pair> pair = it->second.pair;
    unsigned end = it->second.end;
    pair->held[end] = false;
    pair->set_state(end, wire::EndState::Closed);
    if (pair->held[1 - end]) pair->ring(1 - end);
    d->second.erase(it);
    if (d->second.empty()) domains_.erase(d);
    // The pair goes with its last port, and with it the daemon's descriptors.
}

Result<void> PortTable::close(ConnectionId owner, DomId domid, Port port) {
    Entry* entry = find(domid, port);
    if (entry == nullptr || entry->owner != owner || entry->closing) return Err(EINVAL);
    if (auto o = owned_.find(owner); o != owned_.end()) {
        o->second.erase({domid, port});
        if (o->second.empty()) owned_.erase(o);
    }
    if (entry->holds > 0) {
        entry->closing = true;
        entry->owner = 0;
        return ok();
    }
    close_now(domid, port);
    return ok();
}

void PortTable::release(ConnectionId owner) {
    auto o = owned_.find(owner);
    if (o == owned_.end()) return;
    std::vector<std::pair<DomId, Port>> ports(o->second.begin(), o->second.end());
    for (const auto& [domid, port] : ports)
        (void)close(owner, domid, port);
    owned_.erase(owner);
}

Result<void> PortTable::hold(DomId domid, Port port) {
    Entry* entry = find(domid, port);
    if (entry == nullptr || entry->closing) return Err(EINVAL);
    ++entry->holds;
    return ok();
}

void PortTable::drop_hold(DomId domid, Port port) {
    Entry* entry = find(domid, port);
    if (entry == nullptr || entry->holds == 0) return;
    if (--entry->holds == 0 && entry->closing) close_now(domid, port);
}

void PortTable::notify(DomId domid, Port port) {
    Entry* entry = find(domid, port);
    if (entry == nullptr) return;
    if (entry->pair->held[1 - entry->end]) entry->pair->ring(1 - entry->end);
}

std::size_t PortTable::ports(DomId domid) const {
    auto d = domains_.find(domid);
    return d == domains_.end() ? 0 : d->second.size();
}

}  // namespace xensnd::loopback
