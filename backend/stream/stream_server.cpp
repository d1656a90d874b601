#include "backend/stream/stream_server.hpp"

#include <array>
#include <optional>

#include "backend/stream/stream_state.hpp"
#include "core/log/log.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "coro/spawn.hpp"

namespace xensnd::backend::stream {

namespace {

// "TRIGGER START -> 0", "WRITE 4096+4096 -> 0": what --log-level debug shows per request, to
// follow a peer's sequence (the Linux frontend's under emulation, say) from the log alone.
std::string describe(const sndif::Request& req, const Handled& h) {
    const std::string_view op = sndif::operation_name(req.operation);
    switch (req.operation) {
        case XENSND_OP_WRITE:
        case XENSND_OP_READ:
            return fmt::format("{} {}+{} -> {}", op, req.op.rw.offset, req.op.rw.length,
                               h.response.status);
        case XENSND_OP_TRIGGER:
            return fmt::format("{} {} -> {}", op, sndif::trigger_name(req.op.trigger.type),
                               h.response.status);
        case XENSND_OP_OPEN:
            return fmt::format("{} format {} rate {} channels {} buffer {} period {} -> {}", op,
                               req.op.open.pcm_format, req.op.open.pcm_rate,
                               req.op.open.pcm_channels, req.op.open.buffer_sz,
                               req.op.open.period_sz, h.response.status);
        default:
            return fmt::format("{} id {} -> {}", op, req.id, h.response.status);
    }
}

}  // namespace

struct StreamServer::Impl {
    Impl(session::BackendSession& s, StreamEnv e) : session(&s), env(std::move(e)), state(env) {}

    session::BackendSession* session;
    StreamEnv env;
    StreamState state;  // refers to env
    std::optional<coro::JoinHandle<Result<void>>> pump;
    StreamStats stats;

    coro::Task<Result<void>> run_pump();
    void start_pump(coro::Reactor& reactor);
    coro::Task<void> stop_pump();
};

// The DMA engine's clock: wait for the host, move frames, tell the guest where the stream is.
// Runs while the stream is started; the request loop stops it (and awaits it) before any
// request that may replace or trigger the host.
coro::Task<Result<void>> StreamServer::Impl::run_pump() {
    audio::HostPcm* host = state.host();
    DmaEngine* engine = state.engine();
    std::optional<std::uint64_t> last_posted;
    for (;;) {
        auto woken = co_await host->wait_avail(engine->wake_frames(*host));
        if (!woken) {
            if (woken.errno_value() != ECANCELED)
                env.log.error(
                    "host PCM stopped delivering: {} ({}); the stream waits for the "
                    "guest's next trigger",
                    woken.error().message(), errno_name(woken.errno_value()));
            co_return woken;
        }
        if (auto moved = engine->transfer(*host); !moved) {
            env.log.error("host PCM transfer failed: {} ({})", moved.error().message(),
                          errno_name(moved.errno_value()));
            co_return Err(moved.error());
        }
        auto position = engine->position(*host);
        if (!position) continue;
        if (last_posted == *position) continue;
        // The device clock goes on through guest underruns (silence): so does CUR_POS.
        const std::int64_t posted_at = env.cur_pos_trace ? trace::monotonic_ns() : 0;
        if (auto posted = session->post_cur_pos(*position); !posted) co_return posted;
        if (env.cur_pos_trace) env.cur_pos_trace->record(env.trace_key, *position, posted_at);
        last_posted = *position;
        state.count_cur_pos();
    }
}

void StreamServer::Impl::start_pump(coro::Reactor& reactor) {
    if (pump || state.run_state() != RunState::Running) return;
    pump.emplace(coro::spawn(reactor, run_pump()));
}

coro::Task<void> StreamServer::Impl::stop_pump() {
    if (!pump) co_return;
    pump->abort();
    (void)co_await *pump;  // wait_avail is cancellation-safe: this returns promptly
    pump.reset();
}

StreamServer::StreamServer(session::BackendSession& session, StreamEnv env)
    : impl_(std::make_unique<Impl>(session, std::move(env))) {}

StreamServer::~StreamServer() = default;

const StreamStats& StreamServer::stats() const {
    impl_->stats = impl_->state.stats();
    return impl_->stats;
}

coro::Task<Result<void>> StreamServer::run() {
    Impl& s = *impl_;
    const coro::Context ctx = co_await coro::current_context();
    std::array<sndif::Request, sndif::kRequestRingSize> batch;
    Result<void> end = ok();
    for (bool serving = true; serving;) {
        auto n = co_await s.session->next_requests(batch);
        if (!n) {
            switch (n.errno_value()) {
                case ECANCELED:
                    break;
                case ENOTCONN:
                    s.env.log.info("frontend gone (its event channel closed)");
                    end = Err(ENOTCONN);
                    break;
                case EPROTO:
                    s.env.log.error("request ring broken by the frontend (indices out of range)");
                    end = Err(EPROTO);
                    break;
                default:
                    s.env.log.error("request ring: {} ({})", n.error().message(),
                                    errno_name(n.errno_value()));
                    end = Err(n.error());
                    break;
            }
            break;
        }
        bool pump_changed = false;
        for (std::size_t i = 0; i < *n; ++i) {
            const std::uint8_t op = batch[i].operation;
            // These may replace, trigger or close the host the pump is waiting on.
            if (op == XENSND_OP_OPEN || op == XENSND_OP_CLOSE || op == XENSND_OP_TRIGGER)
                co_await s.stop_pump();
            Handled h = s.state.handle(batch[i]);
            if (log::enabled(log::Level::Debug)) s.env.log.debug("{}", describe(batch[i], h));
            if (h.drop_events) s.session->drop_pending_events();
            pump_changed = pump_changed || h.pump_changed;
            if (auto r = s.session->respond(h.response); !r) {
                s.env.log.error("cannot answer {}: {} ({})", sndif::operation_name(op),
                                r.error().message(), errno_name(r.errno_value()));
                end = Err(r.errno_value() == ENOTCONN ? ENOTCONN : EPROTO);
                serving = false;
                break;
            }
        }
        if (!serving) break;
        // A CUR_POS held while the event page was full goes out as soon as there is room,
        // also when the pump has stopped posting (after STOP).
        (void)s.session->flush_events();
        if (pump_changed) s.start_pump(*ctx.reactor);
    }
    co_await s.stop_pump();
    s.state.close();
    co_return end;
}

}  // namespace xensnd::backend::stream
