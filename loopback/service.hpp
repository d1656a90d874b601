// One kind of per-domain socket the daemon serves: XenStore today; event channels and grants
// are meant to be further services beside it. Each service keeps its sockets in its own
// directory, <rundir>/<name>/domain-<id>.sock, so that the socket a client connects to
// names both the service and the domain the client speaks for.
#pragma once

#include <string_view>

#include "coro/result.hpp"
#include "loopback/xenstore/ids.hpp"

namespace xensnd::loopback {

using xenstore::DomId;

class Service {
  public:
    virtual ~Service() = default;

    // The directory name under the run directory ("xenstore").
    virtual std::string_view name() const = 0;
    // A domain came into being (configured at start, or introduced later): serve its socket.
    virtual Result<void> add_domain(DomId domid) = 0;
    // The domain is gone: close its socket and its clients.
    virtual void remove_domain(DomId domid) = 0;
    // Shutting down: close every client and socket and remove the socket files.
    virtual void stop() = 0;
};

}  // namespace xensnd::loopback
