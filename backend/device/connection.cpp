#include "backend/device/connection.hpp"

#include <xen/io/sndif.h>

#include <utility>

namespace xensnd::backend::device {

// Members are destroyed in reverse order: the session (which points at the channels) first,
// then the channels, then the mappings.
struct Connection::Stream {
    const config::StreamConfig* config = nullptr;
    StreamChannels published;
    std::unique_ptr<platform::MappedPages> ring_page;
    std::unique_ptr<platform::MappedPages> event_page;
    std::unique_ptr<platform::EventChannel> ring_channel;
    std::unique_ptr<platform::EventChannel> event_channel;
    std::unique_ptr<session::BackendSession> session;
};

namespace {

std::string node_path(std::string_view frontend_dir, const config::StreamConfig& s,
                      const char* node) {
    return std::string(frontend_dir) + "/" + s.relative_dir() + "/" + node;
}

}  // namespace

Connection::Connection(platform::Platform& platform, platform::DomId frontend, unsigned devid,
                       log::Logger log)
    : platform_(&platform), frontend_(frontend), devid_(devid), log_(std::move(log)) {}

Connection::~Connection() {
    if (runners_ && runners_->active() != 0) bug("a Connection destroyed with runners running");
    // The scope was joined by stop(); destroy it before the streams it served.
    runners_.reset();
}

config::ConfigResult<std::unique_ptr<Connection>> Connection::open(
    platform::Platform& platform, platform::DomId frontend, unsigned devid,
    config::VsndDeviceConfig config, const config::StoreTree& tree, std::string_view frontend_dir,
    const log::Logger& log) {
    std::unique_ptr<Connection> c(new Connection(platform, frontend, devid, log));
    c->config_ = std::make_unique<const config::VsndDeviceConfig>(std::move(config));
    // Every stream's nodes are checked before anything is mapped.
    for (const auto& pcm : c->config_->card.pcm_devices) {
        for (const auto& s : pcm.streams) {
            auto published = read_stream_channels(tree, s.relative_dir(), frontend_dir);
            if (!published) return published.error();
            auto stream = std::make_unique<Stream>();
            stream->config = &s;
            stream->published = *published;
            c->streams_.push_back(std::move(stream));
        }
    }
    for (auto& s : c->streams_) {
        const StreamChannels& p = s->published;
        auto refused = [&](const char* node, std::uint32_t value, const Result<void>& why) {
            return config::config_error(node_path(frontend_dir, *s->config, node),
                                        std::to_string(value), why.error().message());
        };
        const platform::GrantRef ring_ref[] = {p.ring_ref};
        auto ring = platform.grants->map(frontend, ring_ref, true);
        if (!ring) return refused(XENSND_FIELD_RING_REF, p.ring_ref, Err(ring.error()));
        s->ring_page = std::move(*ring);
        const platform::GrantRef evt_ref[] = {p.evt_ring_ref};
        auto evt = platform.grants->map(frontend, evt_ref, true);
        if (!evt) return refused(XENSND_FIELD_EVT_RING_REF, p.evt_ring_ref, Err(evt.error()));
        s->event_page = std::move(*evt);
        auto ring_ch = platform.events->bind_interdomain(frontend, p.ring_port);
        if (!ring_ch) return refused(XENSND_FIELD_EVT_CHNL, p.ring_port, Err(ring_ch.error()));
        s->ring_channel = std::move(*ring_ch);
        auto evt_ch = platform.events->bind_interdomain(frontend, p.evt_port);
        if (!evt_ch) return refused(XENSND_FIELD_EVT_EVT_CHNL, p.evt_port, Err(evt_ch.error()));
        s->event_channel = std::move(*evt_ch);
        s->session = std::make_unique<session::BackendSession>(
            s->ring_page->data(), s->event_page->data(), *s->ring_channel, *s->event_channel);
    }
    return c;
}

coro::Task<void> Connection::serve(const StreamRunner* runner, ConnectedStream cs, Connection* self,
                                   std::string name, coro::Notify* wake) {
    auto serving = (*runner)(std::move(cs));
    Result<void> outcome = co_await std::move(serving);
    if (!self->ended_) {
        self->ended_ = true;
        self->end_reason_ =
            "stream " + name + ": " +
            (outcome ? std::string("its server returned") : outcome.error().message());
    }
    wake->notify_one();
}

coro::Task<void> Connection::start(const StreamRunner* runner, coro::Notify* wake) {
    if (runners_) bug("Connection::start called twice");
    coro::Context ctx = co_await coro::current_context();
    runners_.emplace(ctx);
    for (auto& s : streams_) {
        std::string name = s->config->relative_dir();
        ConnectedStream cs;
        cs.session = s->session.get();
        cs.frontend = frontend_;
        cs.device = devid_;
        cs.config = s->config;
        cs.grants = platform_->grants.get();
        cs.log = log_.child(name);
        runners_->spawn(serve(runner, std::move(cs), this, std::move(name), wake));
    }
}

coro::Task<void> Connection::stop() {
    if (!runners_) co_return;
    runners_->cancel();
    co_await runners_->join();
}

}  // namespace xensnd::backend::device
