// Grants: memory one domain shares with another, page by page.
//
// A frontend shares pages (SharedPages: its own memory, with a grant reference per page that
// it publishes); a backend maps them by reference (MappedPages). Both are RAII: destroying
// one unshares/unmaps. Implementations: Xen (libxengnttab's gntshr and gnttab functions on
// /dev/xen/gntalloc and /dev/xen/gntdev) and loopback (memfd pages from the loopback daemon).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/platform/domain.hpp"
#include "core/platform/event_channel.hpp"
#include "coro/result.hpp"

namespace xensnd::platform {

using GrantRef = std::uint32_t;
inline constexpr std::size_t kPageSize = 4096;

// The most pages one map() or share() takes, on either platform. Sized for the largest sndif
// stream buffer we accept, 4 MiB (1024 pages), plus its page directory (1023 references per
// directory page: 2 pages) in case a caller maps both at once. A hostile page directory
// cannot make us map more.
inline constexpr std::size_t kMaxMapPages = 1024 + 2;

// Pages of ours that a peer may map. Zeroed when shared.
class SharedPages {
  public:
    virtual ~SharedPages() = default;
    virtual void* data() const = 0;
    virtual std::size_t page_count() const = 0;
    // One reference per page, in page order.
    virtual std::span<const GrantRef> refs() const = 0;
};

// A peer's pages mapped contiguously here, in the order of the references given.
class MappedPages {
  public:
    virtual ~MappedPages() = default;
    virtual void* data() const = 0;
    virtual std::size_t page_count() const = 0;
};

class GrantService {
  public:
    virtual ~GrantService() = default;
    // Frontend: share `count` fresh zeroed pages with `remote`. EINVAL for 0 or more than
    // max_map_pages().
    virtual Result<std::unique_ptr<SharedPages>> share(DomId remote, std::size_t count,
                                                       bool writable) = 0;
    // Frontend: as share() of one page, and when this process lets go of it (unshare, exit,
    // crash), the byte at `offset` in the page is cleared and `port` is notified, so the
    // peer learns that its frontend is gone (gntalloc's unmap notification). EINVAL for an
    // offset outside the page.
    virtual Result<std::unique_ptr<SharedPages>> share_with_notify(DomId remote, bool writable,
                                                                   std::size_t offset,
                                                                   Port port) = 0;
    // Backend: map `refs` that `remote` granted to us. EINVAL for an empty or oversized list,
    // EPERM/ENOENT for a reference that is not granted to us.
    virtual Result<std::unique_ptr<MappedPages>> map(DomId remote, std::span<const GrantRef> refs,
                                                     bool writable) = 0;
    // The most pages one map() accepts (a hostile page directory cannot ask for more).
    virtual std::size_t max_map_pages() const = 0;
};

}  // namespace xensnd::platform
