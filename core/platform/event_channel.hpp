// Event channels: the doorbell between a frontend and a backend. One EventChannel is one
// bound local port; notify() rings the peer, wait() suspends until the peer rings us.
//
// Two implementations behind one interface: Xen (libxenevtchn on /dev/xen/evtchn) and
// loopback (eventfds handed out by the loopback daemon). Choosing one is configuration
// (platform.hpp), never a rebuild.
#pragma once

#include <cstdint>
#include <memory>

#include "core/platform/domain.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::platform {

using Port = std::uint32_t;

class EventChannel {
  public:
    virtual ~EventChannel() = default;
    // The port number in this domain (what a frontend publishes in XenStore).
    virtual Port local_port() const = 0;
    // Signals the peer. Never blocks.
    virtual Result<void> notify() = 0;
    // Suspends until at least one event arrived since the last wait (events coalesce, as
    // on Xen). Cancellation-safe: an event that arrives meanwhile is kept for the next wait.
    // ENOTCONN once the peer's end is closed (its process died or it unbound).
    virtual coro::Task<Result<void>> wait() = 0;
};

class EventChannelService {
  public:
    virtual ~EventChannelService() = default;
    // Frontend: a new port in this domain that only `remote` may bind to.
    virtual Result<std::unique_ptr<EventChannel>> alloc_unbound(DomId remote) = 0;
    // Backend: connects to `remote_port`, which `remote` allocated for us.
    virtual Result<std::unique_ptr<EventChannel>> bind_interdomain(DomId remote,
                                                                   Port remote_port) = 0;
};

}  // namespace xensnd::platform
