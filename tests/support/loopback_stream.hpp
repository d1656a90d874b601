// Both ends of one sndif stream's channel pair on the loopback platform, set up the way the
// device connection code does it (the frontend shares the ring and event pages and allocates
// two unbound ports; the backend maps and binds them), minus XenStore: the four numbers the
// frontend would publish travel in a `Published` record instead. Used by the session's
// cross-process tests and the CUR_POS benchmark.
#pragma once

#include <cstddef>
#include <memory>

#include "core/platform/loopback_client.hpp"
#include "coro/reactor.hpp"
#include "coro/result.hpp"

namespace xensnd::test {

// What a frontend publishes per stream (ring-ref, evt-ring-ref, event-channel,
// evt-event-channel).
struct Published {
    platform::GrantRef ring_ref = 0;
    platform::GrantRef evt_ref = 0;
    platform::Port ring_port = 0;
    platform::Port evt_port = 0;
};

struct FrontendEnd {
    std::unique_ptr<platform::EventChannelService> events;
    std::unique_ptr<platform::GrantService> grants;
    std::unique_ptr<platform::SharedPages> pages;
    std::unique_ptr<platform::EventChannel> ring_channel;
    std::unique_ptr<platform::EventChannel> event_channel;

    void* ring_page() const { return pages->data(); }
    void* event_page() const {
        return static_cast<std::byte*>(pages->data()) + platform::kPageSize;
    }
    Published published() const {
        return {pages->refs()[0], pages->refs()[1], ring_channel->local_port(),
                event_channel->local_port()};
    }

    static Result<FrontendEnd> open(coro::Reactor& reactor, const platform::LoopbackDomain& self,
                                    platform::DomId backend) {
        FrontendEnd f;
        auto events = platform::open_loopback_events(reactor, self);
        if (!events) return Err(events.error());
        f.events = std::move(*events);
        auto grants = platform::open_loopback_grants(self);
        if (!grants) return Err(grants.error());
        f.grants = std::move(*grants);
        auto pages = f.grants->share(backend, 2, true);
        if (!pages) return Err(pages.error());
        f.pages = std::move(*pages);
        auto ring = f.events->alloc_unbound(backend);
        if (!ring) return Err(ring.error());
        f.ring_channel = std::move(*ring);
        auto evt = f.events->alloc_unbound(backend);
        if (!evt) return Err(evt.error());
        f.event_channel = std::move(*evt);
        return f;
    }
};

struct BackendEnd {
    std::unique_ptr<platform::EventChannelService> events;
    std::unique_ptr<platform::GrantService> grants;
    std::unique_ptr<platform::MappedPages> pages;
    std::unique_ptr<platform::EventChannel> ring_channel;
    std::unique_ptr<platform::EventChannel> event_channel;

    void* ring_page() const { return pages->data(); }
    void* event_page() const {
        return static_cast<std::byte*>(pages->data()) + platform::kPageSize;
    }

    static Result<BackendEnd> open(coro::Reactor& reactor, const platform::LoopbackDomain& self,
                                   platform::DomId frontend, const Published& pub) {
        BackendEnd b;
        auto events = platform::open_loopback_events(reactor, self);
        if (!events) return Err(events.error());
        b.events = std::move(*events);
        auto grants = platform::open_loopback_grants(self);
        if (!grants) return Err(grants.error());
        b.grants = std::move(*grants);
        const platform::GrantRef refs[] = {pub.ring_ref, pub.evt_ref};
        auto pages = b.grants->map(frontend, refs, true);
        if (!pages) return Err(pages.error());
        b.pages = std::move(*pages);
        auto ring = b.events->bind_interdomain(frontend, pub.ring_port);
        if (!ring) return Err(ring.error());
        b.ring_channel = std::move(*ring);
        auto evt = b.events->bind_interdomain(frontend, pub.evt_port);
        if (!evt) return Err(evt.error());
        b.event_channel = std::move(*evt);
        return b;
    }
};

}  // namespace xensnd::test
