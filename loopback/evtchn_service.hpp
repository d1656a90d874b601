// The event channel service: <rundir>/evtchn/domain-<id>.sock. Ops: AllocUnbound,
// BindInterdomain, ClosePort, Stats (core/platform/loopback_wire.hpp); the semantics are the
// port table's (port_table.hpp). The daemon creates each channel's eventfds and hands them
// out; notifications then go from client to client without passing through here.
#pragma once

#include <memory>
#include <string>

#include "loopback/hypercall_service.hpp"

namespace xensnd::loopback {

class EvtchnService final : public HypercallService {
  public:
    // `hypervisor` is shared with the grant service (unmap notifications ring ports).
    EvtchnService(EventLoop& loop, const std::string& rundir,
                  std::shared_ptr<Hypervisor> hypervisor);
};

}  // namespace xensnd::loopback
