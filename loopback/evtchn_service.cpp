#include "loopback/evtchn_service.hpp"

namespace xensnd::loopback {

EvtchnService::EvtchnService(EventLoop& loop, const std::string& rundir,
                             std::shared_ptr<Hypervisor> hypervisor)
    : HypercallService(loop, rundir, "evtchn", HypercallFamily::EventChannels,
                       std::move(hypervisor)) {}

}  // namespace xensnd::loopback
