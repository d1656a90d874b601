// The loopback platform's event channel and grant services: clients of the loopback daemon
// (loopback/), which hands out eventfds and memfd pages over SCM_RIGHTS with Xen's rules.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/platform/event_channel.hpp"
#include "core/platform/grants.hpp"
#include "coro/reactor.hpp"
#include "coro/result.hpp"

namespace xensnd::platform {

// Which loopback domain this process speaks for. The daemon serves each service's sockets as
// <rundir>/<service>/domain-<id>.sock (service: xenstore, evtchn, gnttab), so the XenStore
// socket named by XENSTORED_PATH gives both the run directory and the domain id.
struct LoopbackDomain {
    std::string rundir;
    DomId domid = 0;
    std::string socket(std::string_view service) const;  // <rundir>/<service>/domain-<id>.sock
};

// Parses XENSTORED_PATH; EINVAL with `why` if unset or not of that form.
Result<LoopbackDomain> loopback_domain(std::string* why = nullptr);

Result<std::unique_ptr<EventChannelService>> open_loopback_events(coro::Reactor& reactor,
                                                                  const LoopbackDomain& domain);
Result<std::unique_ptr<GrantService>> open_loopback_grants(const LoopbackDomain& domain);

}  // namespace xensnd::platform
