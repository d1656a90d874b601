// The loopback platform's grants (loopback_client.hpp's open_loopback_grants).
//
// share() asks the daemon for a memfd of fresh zeroed pages and the grant references it
// assigned, and maps the pages read-write here. map() sends the references; the daemon checks
// each against the granting domain's table (ENOENT: not in use; EPERM: granted to another
// domain, or read-only and we asked to write) and answers with descriptors and a page per
// reference; we reserve address space and map each page into place, so the pages lie
// contiguously in the order of the references (duplicates included, as on Xen). A read-only
// grant comes as a read-only descriptor, so no mapping of it can ever be made writable.
//
// Each SharedPages and MappedPages owns its own connection to the daemon: destroying it (or
// the process dying) ends the grant or the mapping, and fires a share_with_notify's
// notification, without a round trip. A peer's mapping survives the sharer's unshare (the
// kernel keeps the pages), as Xen defers a grant's release while it is mapped.
#pragma once

#include <memory>
#include <string>

#include "core/platform/grants.hpp"
#include "core/platform/loopback_client.hpp"

namespace xensnd::platform {

class LoopbackGrantService final : public GrantService {
  public:
    // `socket_path`: the domain's socket of the daemon's gnttab service.
    explicit LoopbackGrantService(std::string socket_path) : socket_path_(std::move(socket_path)) {}

    // Thread-safe: each call makes its own connection.
    Result<std::unique_ptr<SharedPages>> share(DomId remote, std::size_t count,
                                               bool writable) override;
    Result<std::unique_ptr<SharedPages>> share_with_notify(DomId remote, bool writable,
                                                           std::size_t offset, Port port) override;
    Result<std::unique_ptr<MappedPages>> map(DomId remote, std::span<const GrantRef> refs,
                                             bool writable) override;
    std::size_t max_map_pages() const override { return kMaxMapPages; }

  private:
    Result<std::unique_ptr<SharedPages>> share_pages(DomId remote, std::size_t count, bool writable,
                                                     std::size_t notify_offset, Port notify_port,
                                                     bool notify);

    std::string socket_path_;
};

}  // namespace xensnd::platform
