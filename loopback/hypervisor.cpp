#include "loopback/hypervisor.hpp"

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "core/platform/loopback_wire.hpp"

namespace xensnd::loopback {

namespace wire = platform::loopback_wire;

namespace {

template <class T>
void append(std::vector<std::byte>& out, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    out.insert(out.end(), p, p + sizeof value);
}

wire::ReplyHeader reply_header(std::uint16_t op, std::size_t length, int error) {
    wire::ReplyHeader r{};
    r.header =
        wire::Header{wire::kMagic, wire::kVersion, op, static_cast<std::uint32_t>(length), 0};
    r.error = error;
    return r;
}

Hypervisor::Answer refuse(std::uint16_t op, int error, const char* problem = nullptr,
                          bool disconnect = false) {
    Hypervisor::Answer a;
    append(a.reply, reply_header(op, sizeof(wire::ReplyHeader), error));
    a.problem = problem;
    a.disconnect = disconnect;
    return a;
}

Hypervisor::Answer done(std::uint16_t op) {
    return refuse(op, 0);
}

Hypervisor::Answer port_answer(std::uint16_t op, HeldPort held) {
    Hypervisor::Answer a;
    wire::PortReply r{};
    r.reply = reply_header(op, sizeof r, 0);
    r.port = held.port;
    r.end = held.end;
    append(a.reply, r);
    a.fds.push_back(std::move(held.inbox));
    a.fds.push_back(std::move(held.peer_inbox));
    a.fds.push_back(std::move(held.status));
    return a;
}

bool allowed(HypercallFamily family, const Hypercall& call) {
    if (std::holds_alternative<Stats>(call)) return true;
    bool evtchn = std::holds_alternative<AllocUnbound>(call) ||
                  std::holds_alternative<BindInterdomain>(call) ||
                  std::holds_alternative<ClosePort>(call);
    return evtchn == (family == HypercallFamily::EventChannels);
}

}  // namespace

Result<ConnectionId> Hypervisor::connect(DomId domid, HypercallFamily family) {
    if (connections_.size() >= kMaxConnections) return Err(EMFILE);
    std::size_t& count = per_domain_[domid];
    if (count >= kMaxConnectionsPerDomain) return Err(EMFILE);
    ++count;
    ConnectionId id = next_id_++;
    connections_.emplace(id, Connection{domid, family});
    return id;
}

void Hypervisor::disconnect(ConnectionId id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    DomId domid = it->second.domid;
    connections_.erase(it);
    if (auto d = per_domain_.find(domid); d != per_domain_.end() && --d->second == 0) {
        per_domain_.erase(d);
    }
    grants_.release(id);
    ports_.release(id);
}

std::vector<std::byte> Hypervisor::refusal(int error) {
    return refuse(wire::kReplyBit, error).reply;
}

Hypervisor::Answer Hypervisor::handle(ConnectionId id, std::span<const std::byte> datagram,
                                      bool truncated, std::size_t fds) {
    auto c = connections_.find(id);
    if (c == connections_.end()) return refuse(wire::kReplyBit, EBADF, "unknown connection", true);
    ParsedHypercall parsed = parse_hypercall(datagram, truncated, fds);
    if (auto* refusal = std::get_if<Refusal>(&parsed)) {
        return refuse(refusal->reply_op, refusal->error, refusal->why, refusal->disconnect);
    }
    return dispatch(c->second, id, std::get<Hypercall>(parsed));
}

Hypervisor::Answer Hypervisor::dispatch(const Connection& c, ConnectionId id, Hypercall& call) {
    std::uint16_t op = reply_op(call);
    if (!allowed(c.family, call)) return refuse(op, EOPNOTSUPP, "op of the other service");

    if (auto* alloc = std::get_if<AllocUnbound>(&call)) {
        auto held = ports_.alloc_unbound(id, c.domid, alloc->remote);
        if (!held) return refuse(op, held.errno_value());
        return port_answer(op, std::move(*held));
    }
    if (auto* bind = std::get_if<BindInterdomain>(&call)) {
        if (!has_domain(bind->remote)) return refuse(op, ESRCH);
        auto held = ports_.bind_interdomain(id, c.domid, bind->remote, bind->remote_port);
        if (!held) return refuse(op, held.errno_value());
        return port_answer(op, std::move(*held));
    }
    if (auto* close = std::get_if<ClosePort>(&call)) {
        auto closed = ports_.close(id, c.domid, close->port);
        return closed ? done(op) : refuse(op, closed.errno_value());
    }
    if (auto* share = std::get_if<Share>(&call)) {
        auto shared =
            grants_.share(id, c.domid, share->remote, share->count, share->writable, share->notify);
        if (!shared) return refuse(op, shared.errno_value());
        Answer a;
        wire::ShareReply r{};
        std::size_t length = sizeof r + shared->refs.size() * sizeof(std::uint32_t);
        r.reply = reply_header(op, length, 0);
        r.count = static_cast<std::uint32_t>(shared->refs.size());
        append(a.reply, r);
        for (GrantRef ref : shared->refs)
            append(a.reply, ref);
        a.fds.push_back(std::move(shared->memory));
        return a;
    }
    if (auto* unshare = std::get_if<Unshare>(&call)) {
        auto ended = grants_.unshare(id, c.domid, unshare->first_ref);
        return ended ? done(op) : refuse(op, ended.errno_value());
    }
    if (auto* map = std::get_if<Map>(&call)) {
        if (!has_domain(map->remote)) return refuse(op, ESRCH);
        auto mapped = grants_.map(id, c.domid, map->remote, map->refs, map->writable);
        if (!mapped) return refuse(op, mapped.errno_value());
        Answer a;
        wire::MapReply r{};
        std::size_t length = sizeof r + mapped->slots.size() * sizeof(wire::MapSlot);
        r.reply = reply_header(op, length, 0);
        r.mapping = mapped->mapping;
        r.count = static_cast<std::uint32_t>(mapped->slots.size());
        r.fds = static_cast<std::uint32_t>(mapped->fds.size());
        append(a.reply, r);
        for (const auto& slot : mapped->slots)
            append(a.reply, wire::MapSlot{slot.fd, slot.page});
        a.fds = std::move(mapped->fds);
        return a;
    }
    if (auto* unmap = std::get_if<Unmap>(&call)) {
        auto undone = grants_.unmap(id, unmap->mapping);
        return undone ? done(op) : refuse(op, undone.errno_value());
    }
    if (auto* stats = std::get_if<Stats>(&call)) {
        // A domain may look at itself; the toolstack domain at anyone.
        if (stats->domid != c.domid && c.domid != xenstore::kPrivilegedDomain) {
            return refuse(op, EPERM);
        }
        Answer a;
        wire::StatsReply r{};
        r.reply = reply_header(op, sizeof r, 0);
        r.ports = static_cast<std::uint32_t>(ports_.ports(stats->domid));
        GrantTable::Usage usage = grants_.usage(stats->domid);
        r.grants = usage.grants;
        r.grant_pages = usage.grant_pages;
        r.mapped_pages = usage.mapped_pages;
        auto n = per_domain_.find(stats->domid);
        r.connections = n == per_domain_.end() ? 0 : static_cast<std::uint32_t>(n->second);
        append(a.reply, r);
        return a;
    }
    return refuse(op, ENOSYS);
}

}  // namespace xensnd::loopback
