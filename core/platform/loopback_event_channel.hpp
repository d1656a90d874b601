// The loopback platform's event channels (loopback_client.hpp's open_loopback_events).
//
// A channel is one end of a pair the daemon created (loopback_wire.hpp): an inbox eventfd to
// wait on, the peer's inbox to notify, and the pair's read-only status page. notify() is one
// write(2) to the peer's eventfd, straight into the other process, and is dropped while the
// peer end is not bound (as Xen drops a send on an unbound port). wait() awaits the inbox on
// the reactor; it returns ENOTCONN when the status page says the peer's end was closed (its
// process closed the port or died; the daemon marks the page, then rings us). If the remote
// domain binds the port again, waits work again: that is a backend reconnecting.
//
// Each channel owns its own connection to the daemon: destroying the channel (or the process
// dying) closes the port, so teardown never waits for the daemon.
#pragma once

#include <memory>
#include <string>

#include "core/platform/event_channel.hpp"
#include "core/platform/loopback_client.hpp"

namespace xensnd::platform {

class LoopbackEventChannelService final : public EventChannelService {
  public:
    // `socket_path`: the domain's socket of the daemon's evtchn service.
    explicit LoopbackEventChannelService(std::string socket_path)
        : socket_path_(std::move(socket_path)) {}

    // Thread-safe: each call makes its own connection.
    Result<std::unique_ptr<EventChannel>> alloc_unbound(DomId remote) override;
    Result<std::unique_ptr<EventChannel>> bind_interdomain(DomId remote, Port remote_port) override;

  private:
    std::string socket_path_;
};

}  // namespace xensnd::platform
