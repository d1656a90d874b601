#include "tests/backend/hostile/scripted_guest.hpp"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/platform/loopback_client.hpp"
#include "core/protocol/page_directory.hpp"
#include "core/protocol/pcm_format.hpp"
#include "coro/timeout.hpp"

namespace xensnd::test {

struct ScriptedGuest::Stream {
    std::unique_ptr<platform::SharedPages> pages;  // ring page, then event page
    std::unique_ptr<platform::EventChannel> ring;
    std::unique_ptr<platform::EventChannel> evt;
    std::unique_ptr<session::FrontendSession> session;  // refers to the pages and channels
    std::optional<SharedBuffer> buffer;                 // of the last open_pcm
    PcmShape shape;

    ~Stream() {
        // The session before the channels and pages it points to.
        session.reset();
    }
};

std::uint32_t PcmShape::frame_bytes() const {
    return sndif::bytes_per_frame(format, channels).value_or(0);
}

std::uint32_t* SharedBuffer::directory_page(std::size_t i) const {
    return reinterpret_cast<std::uint32_t*>(static_cast<std::byte*>(directory->data()) +
                                            i * platform::kPageSize);
}

sndif::Request open_request(const PcmShape& shape, sndif::GrantRef gref_directory) {
    sndif::Request r{};
    r.operation = XENSND_OP_OPEN;
    r.op.open.pcm_format = shape.format;
    r.op.open.pcm_rate = shape.rate;
    r.op.open.pcm_channels = shape.channels;
    r.op.open.buffer_sz = shape.buffer_bytes;
    r.op.open.period_sz = shape.period_bytes;
    r.op.open.gref_directory = gref_directory;
    return r;
}

sndif::Request rw_request(std::uint8_t operation, std::uint32_t offset, std::uint32_t length) {
    sndif::Request r{};
    r.operation = operation;
    r.op.rw.offset = offset;
    r.op.rw.length = length;
    return r;
}

sndif::Request trigger_request(std::uint8_t type) {
    sndif::Request r{};
    r.operation = XENSND_OP_TRIGGER;
    r.op.trigger.type = type;
    return r;
}

Result<std::unique_ptr<ScriptedGuest>> ScriptedGuest::open(coro::Reactor& reactor,
                                                           const std::string& rundir,
                                                           platform::DomId dom, unsigned devid) {
    std::unique_ptr<ScriptedGuest> g(new ScriptedGuest());
    g->dom_ = dom;
    g->devid_ = devid;
    g->dir_ = "/local/domain/" + std::to_string(dom) + "/device/vsnd/" + std::to_string(devid);
    const platform::LoopbackDomain self{rundir, dom};
    const std::string socket = rundir + "/xenstore/domain-" + std::to_string(dom) + ".sock";
    ::setenv("XENSTORED_PATH", socket.c_str(), 1);
    auto store = platform::Store::open(reactor);
    if (!store) return Err(store.error());
    g->store_ = std::move(*store);
    auto events = platform::open_loopback_events(reactor, self);
    if (!events) return Err(events.error());
    g->events_ = std::move(*events);
    auto grants = platform::open_loopback_grants(self);
    if (!grants) return Err(grants.error());
    g->grants_ = std::move(*grants);
    return g;
}

ScriptedGuest::~ScriptedGuest() {
    streams_.clear();
}

std::string ScriptedGuest::backend_dir() const {
    return "/local/domain/0/backend/vsnd/" + std::to_string(dom_) + "/" + std::to_string(devid_);
}

void ScriptedGuest::drop_streams() {
    streams_.clear();
}

coro::Task<Result<void>> ScriptedGuest::publish(std::vector<std::string> stream_dirs) {
    streams_.clear();
    for (const std::string& sdir : stream_dirs) {
        auto s = std::make_unique<Stream>();
        auto pages = grants_->share(kBackendDom, 2, true);
        if (!pages) co_return Err(pages.error());
        s->pages = std::move(*pages);
        auto ring = events_->alloc_unbound(kBackendDom);
        if (!ring) co_return Err(ring.error());
        s->ring = std::move(*ring);
        auto evt = events_->alloc_unbound(kBackendDom);
        if (!evt) co_return Err(evt.error());
        s->evt = std::move(*evt);
        auto* base = static_cast<std::byte*>(s->pages->data());
        s->session = std::make_unique<session::FrontendSession>(base, base + platform::kPageSize,
                                                                *s->ring, *s->evt);
        const std::array<std::pair<const char*, std::uint32_t>, 4> nodes = {{
            {XENSND_FIELD_RING_REF, s->pages->refs()[0]},
            {XENSND_FIELD_EVT_CHNL, s->ring->local_port()},
            {XENSND_FIELD_EVT_RING_REF, s->pages->refs()[1]},
            {XENSND_FIELD_EVT_EVT_CHNL, s->evt->local_port()},
        }};
        for (const auto& [node, value] : nodes) {
            std::string path = dir_ + "/" + sdir + "/" + node;
            Result<void> w = co_await store_->write(std::move(path), std::to_string(value));
            if (!w) co_return w;
        }
        streams_.push_back(std::move(s));
    }
    co_return ok();
}

coro::Task<Result<void>> ScriptedGuest::set_state(platform::XenbusState state) {
    return platform::write_state(*store_, dir_, state);
}

coro::Task<Result<platform::XenbusState>> ScriptedGuest::wait_backend(platform::XenbusStates wanted,
                                                                      coro::Duration limit) {
    return platform::wait_for_state(*store_, backend_dir(), wanted, limit);
}

coro::Task<Result<void>> ScriptedGuest::connect(std::vector<std::string> stream_dirs,
                                                coro::Duration limit) {
    using platform::XenbusState;
    Result<void> r = co_await set_state(XenbusState::Initialising);
    if (!r) co_return r;
    // Linux waits for InitWait before it publishes (the backend may still be tearing down).
    const platform::XenbusStates init_wait{XenbusState::InitWait};
    Result<XenbusState> s = co_await wait_backend(init_wait, limit);
    if (!s) co_return Err(s.error());
    r = co_await publish(std::move(stream_dirs));
    if (!r) co_return r;
    r = co_await set_state(XenbusState::Initialised);
    if (!r) co_return r;
    const platform::XenbusStates connected{XenbusState::Connected};
    s = co_await wait_backend(connected, limit);
    if (!s) co_return Err(s.error());
    co_return co_await set_state(XenbusState::Connected);
}

session::FrontendSession& ScriptedGuest::session(std::size_t i) {
    return *streams_.at(i)->session;
}

void* ScriptedGuest::ring_page(std::size_t i) {
    return streams_.at(i)->pages->data();
}

platform::EventChannel& ScriptedGuest::ring_channel(std::size_t i) {
    return *streams_.at(i)->ring;
}

SharedBuffer& ScriptedGuest::buffer(std::size_t i) {
    return *streams_.at(i)->buffer;
}

coro::Task<Result<sndif::Response>> ScriptedGuest::call(std::size_t i, sndif::Request request) {
    return streams_.at(i)->session->call(request);
}

coro::Task<Result<std::int32_t>> ScriptedGuest::status(std::size_t i, sndif::Request request) {
    Result<sndif::Response> rsp = co_await call(i, request);
    if (!rsp) co_return Err(rsp.error());
    co_return rsp->status;
}

Result<SharedBuffer> ScriptedGuest::share_buffer(std::uint32_t bytes) {
    SharedBuffer b;
    b.bytes = bytes;
    const std::uint32_t pages = std::max<std::uint32_t>(sndif::buffer_page_count(bytes), 1);
    auto shared = grants_->share(kBackendDom, pages, true);
    if (!shared) return Err(shared.error());
    b.pages = std::move(*shared);
    const std::uint32_t dir_pages = sndif::directory_page_count(pages);
    auto directory = grants_->share(kBackendDom, dir_pages, false);
    if (!directory) return Err(directory.error());
    b.directory = std::move(*directory);
    std::vector<void*> dir_ptrs;
    for (std::uint32_t p = 0; p < dir_pages; ++p)
        dir_ptrs.push_back(b.directory_page(p));
    auto written = sndif::write_page_directory(b.pages->refs(), b.directory->refs(), dir_ptrs);
    if (!written) return Err(written.error());
    return b;
}

coro::Task<Result<void>> ScriptedGuest::open_pcm(std::size_t i, PcmShape shape) {
    Stream& s = *streams_.at(i);
    s.buffer.reset();
    auto buffer = share_buffer(shape.buffer_bytes);
    if (!buffer) co_return Err(buffer.error());
    s.buffer = std::move(*buffer);
    s.shape = shape;
    Result<std::int32_t> st = co_await status(i, open_request(shape, s.buffer->gref_directory()));
    if (!st) co_return Err(st.error());
    if (*st != 0) co_return Err(-*st);
    co_return ok();
}

coro::Task<Result<void>> ScriptedGuest::expect_ok(std::size_t i, sndif::Request request,
                                                  RunReport* report) {
    ++report->requests;
    Result<std::int32_t> st = co_await status(i, request);
    if (!st) co_return Err(st.error());
    if (*st != 0) co_return Err(-*st);
    co_return ok();
}

// The newest CUR_POS beyond `known`, waiting for events as they come.
coro::Task<Result<std::uint64_t>> ScriptedGuest::next_position(std::size_t i, std::uint64_t known,
                                                               coro::Duration stall,
                                                               RunReport* report) {
    std::array<sndif::Event, sndif::kEventRingSize> events;
    for (;;) {
        auto waiting = streams_.at(i)->session->next_events(events);
        Result<std::size_t> n = co_await coro::timeout(stall, std::move(waiting));
        if (!n) co_return Err(n.error());
        std::uint64_t position = known;
        for (std::size_t e = 0; e < *n; ++e) {
            if (events[e].type != XENSND_EVT_CUR_POS) continue;
            ++report->cur_pos_events;
            position = std::max<std::uint64_t>(position, events[e].op.cur_pos.position);
        }
        if (position > known) co_return position;
    }
}

coro::Task<Result<RunReport>> ScriptedGuest::play(std::size_t i, std::vector<std::byte> signal,
                                                  coro::Duration stall, const bool* finish) {
    RunReport report;
    Stream& s = *streams_.at(i);
    if (!s.buffer) co_return Err(EBADFD);
    const std::uint64_t size = s.shape.buffer_bytes;
    const std::uint64_t period = s.shape.period_bytes;
    std::uint64_t total = signal.size();
    std::uint64_t written = 0;
    std::uint64_t heard = 0;
    bool started = false;
    while (heard < total) {
        if (finish != nullptr && *finish && written > 0) total = written;
        if (heard >= total) break;
        // Keep the buffer as full as the position allows, a period per WRITE as ALSA does.
        const std::uint64_t limit = std::min(total, heard + size);
        while (written < limit) {
            const std::uint64_t offset = written % size;
            const std::uint64_t n = std::min({limit - written, size - offset, period});
            std::memcpy(s.buffer->data() + offset, signal.data() + written, n);
            Result<void> w =
                co_await expect_ok(i,
                                   rw_request(XENSND_OP_WRITE, static_cast<std::uint32_t>(offset),
                                              static_cast<std::uint32_t>(n)),
                                   &report);
            if (!w) co_return Err(w.error());
            written += n;
        }
        if (!started) {
            Result<void> t =
                co_await expect_ok(i, trigger_request(XENSND_OP_TRIGGER_START), &report);
            if (!t) co_return Err(t.error());
            started = true;
        }
        Result<std::uint64_t> pos = co_await next_position(i, heard, stall, &report);
        if (!pos) co_return Err(pos.error());
        heard = *pos;
    }
    Result<void> t = co_await expect_ok(i, trigger_request(XENSND_OP_TRIGGER_STOP), &report);
    if (!t) co_return Err(t.error());
    report.bytes = total;
    co_return report;
}

coro::Task<Result<std::vector<std::byte>>> ScriptedGuest::capture(std::size_t i, std::size_t bytes,
                                                                  coro::Duration stall) {
    RunReport report;
    Stream& s = *streams_.at(i);
    if (!s.buffer) co_return Err(EBADFD);
    const std::uint64_t size = s.shape.buffer_bytes;
    std::vector<std::byte> got;
    got.reserve(bytes);
    Result<void> t = co_await expect_ok(i, trigger_request(XENSND_OP_TRIGGER_START), &report);
    if (!t) co_return Err(t.error());
    std::uint64_t taken = 0;
    while (got.size() < bytes) {
        Result<std::uint64_t> pos = co_await next_position(i, taken, stall, &report);
        if (!pos) co_return Err(pos.error());
        // More than a buffer behind: the backend overwrote what we had not read (an overrun).
        if (*pos - taken > size) co_return Err(ENOBUFS);
        while (taken < *pos) {
            const std::uint64_t offset = taken % size;
            const std::uint64_t n = std::min(*pos - taken, size - offset);
            // Copied at once: the backend writes this region again one buffer later.
            const std::byte* from = s.buffer->data() + offset;
            got.insert(got.end(), from, from + n);
            Result<void> r =
                co_await expect_ok(i,
                                   rw_request(XENSND_OP_READ, static_cast<std::uint32_t>(offset),
                                              static_cast<std::uint32_t>(n)),
                                   &report);
            if (!r) co_return Err(r.error());
            taken += n;
        }
    }
    t = co_await expect_ok(i, trigger_request(XENSND_OP_TRIGGER_STOP), &report);
    if (!t) co_return Err(t.error());
    got.resize(bytes);
    co_return got;
}

}  // namespace xensnd::test
