// Grants, with Xen's rules: references are numbers in the granting domain's table (from
// kFirstGrantRef up, so never 0), only the domain named at grant time may map them, and only
// writably if granted writable. The pages are a memfd per Share; a Map hands the mapper
// descriptors to the same files, so both processes see the same bytes.
//
// Ending a grant while a peer still maps it does not pull the pages from under the peer (the
// kernel keeps them while mapped) and, as Xen defers the release of a grant in use, its
// references stay taken until the last Map of them is undone; they cannot be mapped anew.
// A grant with an unmap notification (gntalloc's) clears its byte and rings its port when it
// ends, which is also when its sharer's process dies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "core/platform/loopback_fd.hpp"
#include "coro/result.hpp"
#include "loopback/hypercall.hpp"
#include "loopback/port_table.hpp"

namespace xensnd::loopback {

using GrantRef = std::uint32_t;

struct SharedGrant {
    std::vector<GrantRef> refs;  // one per page, in page order
    UniqueFd memory;             // read-write
};

struct GrantMapping {
    std::uint32_t mapping = 0;
    struct Slot {
        std::uint32_t fd;    // index into fds
        std::uint32_t page;  // page within that file
    };
    std::vector<Slot> slots;    // one per requested reference, in order
    std::vector<UniqueFd> fds;  // one per distinct grant; read-only unless mapped writable
};

class GrantTable {
  public:
    // `ports` rings unmap notifications; it must outlive the table.
    explicit GrantTable(PortTable& ports) : ports_(ports) {}

    // Shares `count` fresh zeroed pages of `domid` with `remote`. ENOSPC beyond
    // kMaxGrantPagesPerDomain; EINVAL if `notify` names a port `domid` does not have.
    Result<SharedGrant> share(ConnectionId owner, DomId domid, DomId remote, std::uint32_t count,
                              bool writable, std::optional<UnmapNotify> notify);
    // Ends the Share whose first reference is `first_ref` (EINVAL unless `owner` made it).
    Result<void> unshare(ConnectionId owner, DomId domid, GrantRef first_ref);

    // `mapper` maps `refs` of `remote`. ENOENT for a reference not in use; EPERM for one
    // granted to another domain, or read-only when `writable`; ENOSPC beyond
    // kMaxMappedPagesPerDomain; E2BIG if the references span more than kMaxFds grants.
    Result<GrantMapping> map(ConnectionId owner, DomId mapper, DomId remote,
                             std::span<const GrantRef> refs, bool writable);
    Result<void> unmap(ConnectionId owner, std::uint32_t mapping);

    // Ends every Share and undoes every Map of `owner`.
    void release(ConnectionId owner);

    struct Usage {
        std::uint32_t grants = 0;
        std::uint32_t grant_pages = 0;
        std::uint32_t mapped_pages = 0;
    };
    Usage usage(DomId domid) const;

  private:
    using GrantId = std::uint64_t;
    struct Grant {
        DomId domid = 0;
        DomId remote = 0;
        bool writable = false;
        bool ended = false;
        ConnectionId owner = 0;
        UniqueFd memory;  // closed when the grant ends: mappings keep the pages alive
        std::vector<GrantRef> refs;
        std::optional<UnmapNotify> notify;
        std::uint32_t mappings = 0;  // Maps that use it
    };
    struct Slot {
        GrantId grant;
        std::uint32_t page;
    };
    struct Domain {
        std::map<GrantRef, Slot> refs;
        std::set<GrantRef> free;  // below `next`
        GrantRef next = 0;
        Usage usage;
    };
    struct Mapping {
        DomId mapper = 0;
        std::uint32_t pages = 0;
        std::vector<GrantId> grants;  // distinct
    };

    void end(GrantId id);
    void forget_if_unused(GrantId id);
    void undo(const Mapping& m);

    PortTable& ports_;
    GrantId next_grant_ = 1;
    std::uint32_t next_mapping_ = 1;
    std::map<GrantId, Grant> grants_;
    std::map<DomId, Domain> domains_;
    std::map<ConnectionId, std::set<GrantId>> shares_;
    std::map<ConnectionId, std::map<std::uint32_t, Mapping>> mappings_;
};

}  // namespace xensnd::loopback
