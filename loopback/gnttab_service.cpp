#include "loopback/gnttab_service.hpp"

namespace xensnd::loopback {

GnttabService::GnttabService(EventLoop& loop, const std::string& rundir,
                             std::shared_ptr<Hypervisor> hypervisor)
    : HypercallService(loop, rundir, "gnttab", HypercallFamily::Grants, std::move(hypervisor)) {}

}  // namespace xensnd::loopback
