// xensnd-scripted-backend: a test-side backend for the pcm.xen plugin's tests, on the loopback
// platform. It plays the XenBus backend role for one vsnd device (InitWait, map + bind what the
// frontend published, Connected), serves every stream with a BackendSession, records what it
// sees, and posts CUR_POS on a clock paced like a sound card. With --behaviour it misbehaves in
// one named way, which is how the plugin's hostile-backend tests are written.
//
//   xensnd-scripted-backend --frontend 1 --device 0 --record FILE --log FILE
//                           [--behaviour NAME] [--connections N] [--vanish-after N]
//
// XENSTORED_PATH must name the backend domain's socket. Files:
//   --record: the bytes of every WRITE, in order (playback data, for bit-exact checks);
//   --log:    one line per request ("open 48000 2 2 16384 4096", "write 0 4096", "trigger
//             start", ...) and per connection ("connected", "disconnected"); how a connection
//             ended: "frontend Closing" (the state it left Connected for) or "transport
//             ended" (its channels closed first: it died, or tore down before saying so).
// Capture data is a pattern: the k-th byte captured since OPEN is (k * 7 + 3) & 0xff.
//
// Behaviours: normal, wrong-id, wrong-operation, bad-rsp-prod, bad-evt-prod, backwards, beyond,
// silent, vanish (exit without a word after --vanish-after WRITEs).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/config/vsnd_config.hpp"
#include "core/platform/platform.hpp"
#include "core/platform/xenbus_state.hpp"
#include "core/protocol/page_directory.hpp"
#include "core/protocol/pcm_format.hpp"
#include "core/session/session.hpp"
#include "coro/coro.hpp"
#include "frontend-user/store_tree_reader.hpp"

using namespace xensnd;
using namespace std::chrono_literals;
using platform::XenbusState;

namespace {

struct Options {
    platform::DomId frontend = 1;
    unsigned device = 0;
    std::string record, log;
    std::string behaviour = "normal";
    int connections = 1000;
    int vanish_after = 4;
};

Options opts;
std::ofstream record_out, log_out;

void note(const std::string& line) {
    if (!log_out.is_open()) return;
    log_out << line << std::endl;
}

struct Stream {
    const config::StreamConfig* config = nullptr;
    std::unique_ptr<platform::MappedPages> pages;
    std::unique_ptr<platform::EventChannel> ring_channel, event_channel;
    std::unique_ptr<session::BackendSession> session;
    // The open buffer.
    std::unique_ptr<platform::MappedPages> buffer;
    std::uint32_t buffer_sz = 0, period_sz = 0, rate = 0, frame_bytes = 0;
    bool running = false;
    std::uint64_t position = 0;  // bytes since OPEN
    std::uint64_t captured = 0;  // bytes handed out by READ since OPEN
    std::uint64_t written = 0;   // bytes received by WRITE since OPEN
    int writes = 0;
    bool done = false;
};

platform::Platform* plat = nullptr;
// Set when a stream's transport ends (its frontend died: the channels closed).
coro::Event* transport_ended = nullptr;

bool is(const char* name) {
    return opts.behaviour == name;
}

Result<void> open_buffer(Stream& s, const sndif::Request& req) {
    s.buffer.reset();
    const auto& o = req.op.open;
    auto fb = sndif::bytes_per_frame(o.pcm_format, o.pcm_channels);
    if (!fb || o.buffer_sz == 0 || o.pcm_rate == 0) return Err(EINVAL);
    std::vector<std::unique_ptr<platform::MappedPages>> dir_pages;
    auto refs = sndif::read_page_directory(
        o.gref_directory, o.buffer_sz, 4 << 20, [&](sndif::GrantRef ref) -> Result<const void*> {
            const platform::GrantRef one[] = {ref};
            auto m = plat->grants->map(opts.frontend, one, false);
            if (!m) return Err(m.error());
            dir_pages.push_back(std::move(*m));
            return static_cast<const void*>(dir_pages.back()->data());
        });
    if (!refs) return Err(refs.error());
    auto buf = plat->grants->map(opts.frontend, *refs, true);
    if (!buf) return Err(buf.error());
    s.buffer = std::move(*buf);
    s.buffer_sz = o.buffer_sz;
    s.period_sz = o.period_sz;
    s.rate = o.pcm_rate;
    s.frame_bytes = *fb;
    s.position = s.captured = s.written = 0;
    s.running = false;
    return ok();
}

void post(Stream& s, std::uint64_t pos) {
    (void)s.session->post_cur_pos(pos);
}

coro::Task<void> pace(Stream* s) {
    // The "sound card": while running, the position follows the clock, frame-aligned, at least
    // twice per period (PROTOCOL-NOTES), through underruns too.
    auto last = coro::Clock::now();
    double frames = 0;
    while (!s->done) {
        auto tick = 5ms;
        if (s->period_sz && s->rate && s->frame_bytes) {
            auto half = std::chrono::microseconds(std::uint64_t{s->period_sz} / s->frame_bytes *
                                                  500'000 / s->rate);
            tick = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::clamp<std::chrono::microseconds>(half, 1ms, 20ms));
        }
        auto r = co_await coro::sleep_for(tick);
        if (!r) co_return;
        auto now = coro::Clock::now();
        if (s->running && s->frame_bytes) {
            frames += std::chrono::duration<double>(now - last).count() * s->rate;
            auto whole = static_cast<std::uint64_t>(frames);
            frames -= static_cast<double>(whole);
            s->position += whole * s->frame_bytes;
            post(*s, s->position);
        }
        last = now;
    }
}

coro::Task<Result<void>> serve(Stream* s) {
    std::array<sndif::Request, 32> reqs;
    for (;;) {
        auto n = co_await s->session->next_requests(reqs);
        if (!n) {
            if (n.errno_value() != ECANCELED) {
                note("transport ended");
                transport_ended->set();
            }
            co_return Err(n.error());
        }
        for (std::size_t i = 0; i < *n; ++i) {
            const sndif::Request& req = reqs[i];
            sndif::Response rsp = sndif::make_response(req, 0);
            switch (req.operation) {
                case XENSND_OP_OPEN: {
                    auto r = open_buffer(*s, req);
                    rsp.status = r ? 0 : -r.errno_value();
                    note("open " + std::to_string(req.op.open.pcm_rate) + " " +
                         std::to_string(req.op.open.pcm_format) + " " +
                         std::to_string(req.op.open.pcm_channels) + " " +
                         std::to_string(req.op.open.buffer_sz) + " " +
                         std::to_string(req.op.open.period_sz));
                    break;
                }
                case XENSND_OP_CLOSE:
                    s->buffer.reset();
                    s->running = false;
                    s->session->drop_pending_events();
                    note("close");
                    break;
                case XENSND_OP_WRITE:
                case XENSND_OP_READ: {
                    const auto off = std::uint64_t{req.op.rw.offset};
                    const auto len = std::uint64_t{req.op.rw.length};
                    const bool write = req.operation == XENSND_OP_WRITE;
                    note(std::string(write ? "write " : "read ") + std::to_string(off) + " " +
                         std::to_string(len));
                    if (!s->buffer || off + len > s->buffer_sz) {
                        rsp.status = -EINVAL;
                        break;
                    }
                    auto* base = static_cast<unsigned char*>(s->buffer->data()) + off;
                    if (write) {
                        record_out.write(reinterpret_cast<const char*>(base),
                                         static_cast<std::streamsize>(len));
                        record_out.flush();
                        s->written += len;
                        if (is("vanish") && ++s->writes >= opts.vanish_after) {
                            note("vanish");
                            ::_exit(0);
                        }
                    } else {
                        for (std::uint64_t k = 0; k < len; ++k)
                            base[k] = static_cast<unsigned char>((s->captured + k) * 7 + 3);
                        s->captured += len;
                    }
                    break;
                }
                case XENSND_OP_TRIGGER: {
                    const auto t = req.op.trigger.type;
                    note(std::string("trigger ") + std::string(sndif::trigger_name(t)));
                    if (t == XENSND_OP_TRIGGER_START || t == XENSND_OP_TRIGGER_RESUME)
                        s->running = true;
                    else
                        s->running = false;
                    if (t == XENSND_OP_TRIGGER_START && is("backwards")) {
                        post(*s, s->position + 4 * s->frame_bytes);
                        post(*s, 0);
                        s->position += 4 * s->frame_bytes;
                    }
                    if (t == XENSND_OP_TRIGGER_START && is("beyond")) {
                        s->position = s->written + (1u << 20);
                        post(*s, s->position);
                    }
                    break;
                }
                case XENSND_OP_HW_PARAM_QUERY: {
                    auto p = req.op.hw_param;
                    note("query");
                    if (p.rates.min > p.rates.max || p.channels.min > p.channels.max ||
                        p.formats == 0)
                        rsp.status = -EINVAL;
                    rsp.resp.hw_param = p;
                    break;
                }
                case XENSND_OP_SET_VOLUME:
                case XENSND_OP_MUTE:
                case XENSND_OP_UNMUTE: {
                    // "set-volume -6020 -6020", "mute 1 1": the values the frontend put in
                    // the buffer, one per channel.
                    const auto off = std::uint64_t{req.op.rw.offset};
                    const auto len = std::uint64_t{req.op.rw.length};
                    std::string line(sndif::operation_name(req.operation));
                    if (!s->buffer || off + len > s->buffer_sz || len > 256) {
                        rsp.status = -EINVAL;
                        note(line + " refused");
                        break;
                    }
                    const auto* base = static_cast<const unsigned char*>(s->buffer->data()) + off;
                    if (req.operation == XENSND_OP_SET_VOLUME) {
                        for (std::uint64_t k = 0; k + 4 <= len; k += 4) {
                            std::int32_t v;
                            std::memcpy(&v, base + k, 4);
                            line += " " + std::to_string(v);
                        }
                    } else {
                        for (std::uint64_t k = 0; k < len; ++k)
                            line += " " + std::to_string(base[k]);
                    }
                    note(line);
                    break;
                }
                default:
                    note(std::string(sndif::operation_name(req.operation)));
                    break;
            }
            if (is("silent")) continue;
            if (is("wrong-id")) rsp.id = static_cast<std::uint16_t>(rsp.id + 1);
            if (is("wrong-operation")) rsp.operation = XENSND_OP_CLOSE + 100;
            (void)s->session->respond(rsp);
            if (is("bad-rsp-prod")) {
                reinterpret_cast<xen_sndif_sring*>(s->pages->data())->rsp_prod += 500;
                (void)s->ring_channel->notify();
            }
            if (is("bad-evt-prod") && req.operation == XENSND_OP_TRIGGER) {
                auto* page = reinterpret_cast<xensnd_event_page*>(
                    static_cast<std::byte*>(s->pages->data()) + sndif::kPageSize);
                page->in_prod += 1000;
                (void)s->event_channel->notify();
            }
        }
    }
}

coro::Task<int> run() {
    platform::Store& store = *plat->store;
    const std::string be_dir = "/local/domain/0/backend/vsnd/" + std::to_string(opts.frontend) +
                               "/" + std::to_string(opts.device);
    auto fe = co_await store.read(be_dir + "/frontend");
    if (!fe) {
        std::fprintf(stderr, "scripted backend: no device at %s\n", be_dir.c_str());
        co_return 2;
    }
    const std::string fe_dir = *fe;
    for (int c = 0; c < opts.connections; ++c) {
        (void)co_await platform::write_state(store, be_dir, XenbusState::InitWait);
        note("initwait");
        auto st = co_await platform::wait_for_state(
            store, fe_dir, [](XenbusState s) { return s == XenbusState::Initialised; },
            std::chrono::hours(1));
        if (!st) co_return 3;
        auto tree = co_await frontend::read_store_tree(store, fe_dir);
        if (!tree) co_return 4;
        auto cfg = config::parse_vsnd_tree(*tree, fe_dir);
        if (!cfg) co_return 5;
        std::vector<std::unique_ptr<Stream>> streams;
        for (unsigned ring = 0; ring < cfg->stream_count(); ++ring) {
            auto s = std::make_unique<Stream>();
            s->config = cfg->stream_by_ring(ring);
            const std::string dir = fe_dir + "/" + s->config->relative_dir();
            auto get = [&](const char* key) -> unsigned {
                auto it = tree->find(s->config->relative_dir() + "/" + key);
                return it == tree->end() ? 0u : static_cast<unsigned>(std::stoul(it->second));
            };
            const platform::GrantRef refs[] = {get("ring-ref"), get("evt-ring-ref")};
            auto pages = plat->grants->map(opts.frontend, refs, true);
            if (!pages) co_return 6;
            s->pages = std::move(*pages);
            auto rc = plat->events->bind_interdomain(opts.frontend, get("event-channel"));
            auto ec = plat->events->bind_interdomain(opts.frontend, get("evt-event-channel"));
            if (!rc || !ec) co_return 7;
            s->ring_channel = std::move(*rc);
            s->event_channel = std::move(*ec);
            auto* base = static_cast<std::byte*>(s->pages->data());
            s->session = std::make_unique<session::BackendSession>(
                base, base + sndif::kPageSize, *s->ring_channel, *s->event_channel);
            streams.push_back(std::move(s));
        }
        coro::Event ended_event;
        transport_ended = &ended_event;
        (void)co_await platform::write_state(store, be_dir, XenbusState::Connected);
        note("connected");
        {
            coro::TaskScope scope(co_await coro::current_context());
            for (auto& s : streams) {
                scope.spawn(serve(s.get()));
                scope.spawn(pace(s.get()));
            }
            // Until the frontend leaves (or dies: its channels close and serve() ends).
            auto gone = [](platform::Store* st,
                           std::string dir) -> coro::Task<Result<XenbusState>> {
                co_return co_await platform::wait_for_state(
                    *st, dir,
                    [](XenbusState s) {
                        return s != XenbusState::Connected && s != XenbusState::Initialised;
                    },
                    std::chrono::hours(1));
            };
            auto ended = [](coro::Event* e) -> coro::Task<Result<void>> {
                co_return co_await e->wait();
            };
            auto why = co_await coro::select(gone(&store, fe_dir), ended(transport_ended));
            // A frontend that leaves writes Closing first: the tests check it did.
            if (why.index() == 0 && std::get<0>(why))
                note("frontend " + std::string(platform::to_string(*std::get<0>(why))));
            for (auto& s : streams)
                s->done = true;
            scope.cancel();
            co_await scope.join();
        }
        note("disconnected");
        streams.clear();
    }
    (void)co_await platform::write_state(store, be_dir, XenbusState::Closed);
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--frontend")
            opts.frontend = static_cast<platform::DomId>(std::stoul(v));
        else if (k == "--device")
            opts.device = static_cast<unsigned>(std::stoul(v));
        else if (k == "--record")
            opts.record = v;
        else if (k == "--log")
            opts.log = v;
        else if (k == "--behaviour")
            opts.behaviour = v;
        else if (k == "--connections")
            opts.connections = std::stoi(v);
        else if (k == "--vanish-after")
            opts.vanish_after = std::stoi(v);
        else {
            std::fprintf(stderr, "scripted backend: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (!opts.record.empty()) record_out.open(opts.record, std::ios::binary | std::ios::app);
    if (!opts.log.empty()) log_out.open(opts.log, std::ios::app);
    auto reactor = coro::Reactor::create();
    if (!reactor) return 77;
    std::string why;
    auto p = platform::open_platform(**reactor, platform::PlatformKind::Loopback, &why);
    if (!p) {
        std::fprintf(stderr, "scripted backend: %s\n", why.c_str());
        return 2;
    }
    plat = &*p;
    int rc = coro::block_on(**reactor, run());
    p->store.reset();
    return rc;
}
