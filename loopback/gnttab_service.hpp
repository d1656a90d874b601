// The grant service: <rundir>/gnttab/domain-<id>.sock. Ops: Share, Unshare, Map, Unmap,
// Stats (core/platform/loopback_wire.hpp); the semantics are the grant table's
// (grant_table.hpp). Pages are memfds handed out over SCM_RIGHTS; a mapper gets read-only
// descriptors unless it maps writable pages writably.
#pragma once

#include <memory>
#include <string>

#include "loopback/hypercall_service.hpp"

namespace xensnd::loopback {

class GnttabService final : public HypercallService {
  public:
    // `hypervisor` is shared with the event channel service.
    GnttabService(EventLoop& loop, const std::string& rundir,
                  std::shared_ptr<Hypervisor> hypervisor);
};

}  // namespace xensnd::loopback
