#include "core/platform/xen_event_channel.hpp"

#include <poll.h>
// libxenevtchn's header has no extern "C" of its own.
extern "C" {
#include <xenevtchn.h>
}

#include <cerrno>
#include <cstring>
#include <optional>

#include "core/platform/xen_device.hpp"
#include "coro/poll_stream.hpp"

namespace xensnd::platform {

namespace {

struct EvtchnCloser {
    void operator()(xenevtchn_handle* h) const { xenevtchn_close(h); }
};
using EvtchnHandle = std::unique_ptr<xenevtchn_handle, EvtchnCloser>;

Result<EvtchnHandle> open_handle() {
    // NULL logger: libxenevtchn's default logs its own errors to stderr.
    EvtchnHandle h(xenevtchn_open(nullptr, 0));
    if (!h) return Err(errno != 0 ? errno : EIO);
    return h;
}

class XenEventChannel final : public EventChannel {
  public:
    XenEventChannel(EvtchnHandle h, Port port)
        : h_(std::move(h)), port_(port), readable_(std::in_place, xenevtchn_fd(h_.get()), POLLIN) {}
    ~XenEventChannel() override {
        // The poll goes first (the stream cancels it), then the port, then the handle.
        readable_.reset();
        xenevtchn_unbind(h_.get(), port_);
    }

    Port local_port() const override { return port_; }

    Result<void> notify() override {
        if (xenevtchn_notify(h_.get(), port_) != 0) return Err(errno);
        return ok();
    }

    // Xen tells nobody when the peer closes its end: ENOTCONN never comes from here; the
    // peer's XenBus state (and gntalloc's unmap notification) say it instead.
    coro::Task<Result<void>> wait() override {
        for (;;) {
            Result<bool> drained = drain();
            if (!drained) co_return Err(drained.error());
            if (*drained) co_return ok();
            auto r = co_await readable_->next();
            if (!r && r.errno_value() != EAGAIN) co_return Err(r.error());
        }
    }

  private:
    // Takes every pending event off the handle and unmasks the port again; whether any was
    // ours. The fd's non-blocking mode is unreliable on some kernels (xenevtchn.h), so each
    // read is preceded by a zero-timeout poll.
    Result<bool> drain() {
        bool any = false;
        for (;;) {
            pollfd p{xenevtchn_fd(h_.get()), POLLIN, 0};
            int n = ::poll(&p, 1, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                return Err(errno);
            }
            if (n == 0 || !(p.revents & POLLIN)) return any;
            xenevtchn_port_or_error_t port = xenevtchn_pending(h_.get());
            if (port < 0) return Err(errno);
            // Only our port is bound to this handle; anything else is unmasked and ignored.
            if (static_cast<Port>(port) == port_) any = true;
            if (xenevtchn_unmask(h_.get(), static_cast<evtchn_port_t>(port)) != 0) {
                return Err(errno);
            }
        }
    }

    EvtchnHandle h_;
    Port port_;
    std::optional<coro::PollStream> readable_;
};

class XenEventChannelService final : public EventChannelService {
  public:
    Result<std::unique_ptr<EventChannel>> alloc_unbound(DomId remote) override {
        auto h = open_handle();
        if (!h) return Err(h.error());
        xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(h->get(), remote);
        if (port < 0) return Err(errno);
        return std::unique_ptr<EventChannel>(
            new XenEventChannel(std::move(*h), static_cast<Port>(port)));
    }

    Result<std::unique_ptr<EventChannel>> bind_interdomain(DomId remote,
                                                           Port remote_port) override {
        auto h = open_handle();
        if (!h) return Err(h.error());
        xenevtchn_port_or_error_t port = xenevtchn_bind_interdomain(h->get(), remote, remote_port);
        if (port < 0) return Err(errno);
        return std::unique_ptr<EventChannel>(
            new XenEventChannel(std::move(*h), static_cast<Port>(port)));
    }
};

}  // namespace

Result<std::unique_ptr<EventChannelService>> open_xen_events(std::string* why) {
    if (auto present = check_xen_device(kXenEvtchnDevice, "xen-evtchn", why); !present) {
        return Err(present.error());
    }
    // Open once now, so that a device we may not use fails here, with a reason.
    auto probe = open_handle();
    if (!probe) {
        if (why) *why = std::string(kXenEvtchnDevice) + ": " + std::strerror(probe.errno_value());
        return Err(probe.error());
    }
    return std::unique_ptr<EventChannelService>(new XenEventChannelService());
}

}  // namespace xensnd::platform
