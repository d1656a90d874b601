#include "loopback/grant_table.hpp"

#include <unistd.h>

#include <cerrno>

#include "core/platform/loopback_wire.hpp"
#include "loopback/memory_file.hpp"

namespace xensnd::loopback {

namespace wire = platform::loopback_wire;

Result<SharedGrant> GrantTable::share(ConnectionId owner, DomId domid, DomId remote,
                                      std::uint32_t count, bool writable,
                                      std::optional<UnmapNotify> notify) {
    if (count == 0 || count > wire::kMaxPagesPerRequest) return Err(EINVAL);
    if (notify && notify->offset >= count * wire::kPageSize) return Err(EINVAL);
    Domain& d = domains_[domid];
    if (d.next == 0) d.next = wire::kFirstGrantRef;
    if (d.usage.grant_pages + count > wire::kMaxGrantPagesPerDomain ||
        d.usage.grants >= wire::kMaxGrantsPerDomain) {
        return Err(ENOSPC);
    }

    if (notify) {
        if (auto held = ports_.hold(domid, notify->port); !held) return Err(held.error());
    }
    auto drop = [&] {
        if (notify) ports_.drop_hold(domid, notify->port);
    };
    auto memory = create_memory("xensnd-grant", std::size_t{count} * wire::kPageSize);
    if (!memory) {
        drop();
        return Err(memory.error());
    }
    auto handed = duplicate(memory->get());
    if (!handed) {
        drop();
        return Err(handed.error());
    }

    GrantId id = next_grant_++;
    Grant grant;
    grant.domid = domid;
    grant.remote = remote;
    grant.writable = writable;
    grant.owner = owner;
    grant.memory = std::move(*memory);
    grant.notify = notify;
    grant.refs.reserve(count);
    for (std::uint32_t page = 0; page < count; ++page) {
        // The page cap bounds the references in use, so `next` stays below
        // kFirstGrantRef + kMaxGrantPagesPerDomain.
        GrantRef ref;
        if (!d.free.empty()) {
            ref = *d.free.begin();
            d.free.erase(d.free.begin());
        } else {
            ref = d.next++;
        }
        d.refs.emplace(ref, Slot{id, page});
        grant.refs.push_back(ref);
    }
    d.usage.grants += 1;
    d.usage.grant_pages += count;
    SharedGrant shared{grant.refs, std::move(*handed)};
    grants_.emplace(id, std::move(grant));
    shares_[owner].insert(id);
    return shared;
}

void GrantTable::end(GrantId id) {
    auto it = grants_.find(id);
    if (it == grants_.end() || it->second.ended) return;
    Grant& g = it->second;
    g.ended = true;
    if (g.notify) {
        // gntalloc's order: clear the byte, then send the event, then let the port go.
        const std::uint8_t zero = 0;
        (void)::pwrite(g.memory.get(), &zero, 1, static_cast<off_t>(g.notify->offset));
        ports_.notify(g.domid, g.notify->port);
        ports_.drop_hold(g.domid, g.notify->port);
    }
    g.memory.reset();
    if (auto s = shares_.find(g.owner); s != shares_.end()) {
        s->second.erase(id);
        if (s->second.empty()) shares_.erase(s);
    }
    g.owner = 0;
    forget_if_unused(id);
}

void GrantTable::forget_if_unused(GrantId id) {
    auto it = grants_.find(id);
    if (it == grants_.end() || !it->second.ended || it->second.mappings != 0) return;
    Grant& g = it->second;
    auto d = domains_.find(g.domid);
    if (d != domains_.end()) {
        for (GrantRef ref : g.refs) {
            d->second.refs.erase(ref);
            d->second.free.insert(ref);
        }
        d->second.usage.grants -= 1;
        d->second.usage.grant_pages -= static_cast<std::uint32_t>(g.refs.size());
    }
    grants_.erase(it);
}

Result<void> GrantTable::unshare(ConnectionId owner, DomId domid, GrantRef first_ref) {
    auto d = domains_.find(domid);
    if (d == domains_.end()) return Err(EINVAL);
    auto slot = d->second.refs.find(first_ref);
    if (slot == d->second.refs.end()) return Err(EINVAL);
    auto it = grants_.find(slot->second.grant);
    if (it == grants_.end()) return Err(EINVAL);
    const Grant& g = it->second;
    if (g.ended || g.owner != owner || g.refs.front() != first_ref) return Err(EINVAL);
    end(it->first);
    return ok();
}

Result<GrantMapping> GrantTable::map(ConnectionId owner, DomId mapper, DomId remote,
                                     std::span<const GrantRef> refs, bool writable) {
    if (refs.empty() || refs.size() > wire::kMaxPagesPerRequest) return Err(EINVAL);
    auto count = static_cast<std::uint32_t>(refs.size());
    if (auto m = domains_.find(mapper);
        m != domains_.end() &&
        m->second.usage.mapped_pages + count > wire::kMaxMappedPagesPerDomain) {
        return Err(ENOSPC);
    }
    auto r = domains_.find(remote);
    if (r == domains_.end()) return Err(ENOENT);

    GrantMapping result;
    std::vector<GrantId> distinct;
    std::map<GrantId, std::uint32_t> index;
    result.slots.reserve(refs.size());
    for (GrantRef ref : refs) {
        auto slot = r->second.refs.find(ref);
        if (slot == r->second.refs.end()) return Err(ENOENT);
        const Grant& g = grants_.at(slot->second.grant);
        if (g.ended) return Err(ENOENT);
        if (g.remote != mapper) return Err(EPERM);
        if (writable && !g.writable) return Err(EPERM);
        auto [it, fresh] =
            index.emplace(slot->second.grant, static_cast<std::uint32_t>(distinct.size()));
        if (fresh) {
            if (distinct.size() == wire::kMaxFds) return Err(E2BIG);
            distinct.push_back(slot->second.grant);
        }
        result.slots.push_back({it->second, slot->second.page});
    }
    for (GrantId id : distinct) {
        int fd = grants_.at(id).memory.get();
        auto handed = writable ? duplicate(fd) : read_only_view(fd);
        if (!handed) return Err(handed.error());
        result.fds.push_back(std::move(*handed));
    }

    if (next_mapping_ == 0) next_mapping_ = 1;
    result.mapping = next_mapping_++;
    for (GrantId id : distinct)
        grants_.at(id).mappings += 1;
    Domain& m = domains_[mapper];
    if (m.next == 0) m.next = wire::kFirstGrantRef;
    m.usage.mapped_pages += count;
    mappings_[owner][result.mapping] = Mapping{mapper, count, std::move(distinct)};
    return result;
}

void GrantTable::undo(const Mapping& m) {
    for (GrantId id : m.grants) {
        auto it = grants_.find(id);
        if (it == grants_.end()) continue;
        it->second.mappings -= 1;
        forget_if_unused(id);
    }
    if (auto d = domains_.find(m.mapper); d != domains_.end()) {
        d->second.usage.mapped_pages -= m.pages;
    }
}

Result<void> GrantTable::unmap(ConnectionId owner, std::uint32_t mapping) {
    auto o = mappings_.find(owner);
    if (o == mappings_.end()) return Err(EINVAL);
    auto it = o->second.find(mapping);
    if (it == o->second.end()) return Err(EINVAL);
    undo(it->second);
    o->second.erase(it);
    if (o->second.empty()) mappings_.erase(o);
    return ok();
}

void GrantTable::release(ConnectionId owner) {
    if (auto s = shares_.find(owner); s != shares_.end()) {
        std::vector<GrantId> ids(s->second.begin(), s->second.end());
        for (GrantId id : ids)
            end(id);
    }
    if (auto o = mappings_.find(owner); o != mappings_.end()) {
        for (const auto& [id, m] : o->second)
            undo(m);
        mappings_.erase(o);
    }
}

GrantTable::Usage GrantTable::usage(DomId domid) const {
    auto d = domains_.find(domid);
    return d == domains_.end() ? Usage{} : d->second.usage;
}

}  // namespace xensnd::loopback
