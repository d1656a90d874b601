#include "frontend-user/xen_pcm.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/protocol/pcm_format.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "frontend-user/alsa_format.hpp"
#include "frontend-user/device_connection.hpp"
#include "frontend-user/mixer_state.hpp"
#include "frontend-user/position_tracker.hpp"

namespace xensnd::frontend {

namespace {

using Clock = std::chrono::steady_clock;

class XenPcm final : public StreamListener {
  public:
    snd_pcm_ioplug_t io{};
    PluginParams params;
    std::shared_ptr<DeviceConnection> conn;
    const config::StreamConfig* stream = nullptr;
    unsigned ring = 0;
    std::uint64_t generation = 0;
    Direction direction = Direction::Playback;
    int event_fd = -1;
    log::Logger log;

    // Application threads (ALSA serialises the callbacks of one PCM).
    std::shared_ptr<StreamBuffer> buffer;
    bool opened = false;   // OPEN sent for the current buffer
    bool started = false;  // TRIGGER START sent, no STOP since
    bool ran = false;      // started at least once since the OPEN
    std::uint8_t format = 0;
    std::uint32_t frame_bytes = 0;
    unsigned sample_bits = 0;
    // Volume and mute from ctl.xen (mixer_state.hpp), for the first stream of each direction.
    bool mixed = false;
    StreamMix wanted;   // what the mixer file says
    StreamMix applied;  // what the backend has for the current OPEN
    std::uint64_t mixer_seen = 0;
    bool mix_warned = false;

    // Shared with the reactor thread.
    std::mutex m;
    PositionTracker tracker;
    int lost = 0;
    bool running = false;
    Clock::time_point last_position_at{};
    snd_pcm_uframes_t avail_min = 1;
    snd_pcm_uframes_t boundary = 0;
    bool warned_backwards = false;
    bool warned_beyond = false;

    void on_position(std::uint64_t position_bytes) override {
        std::lock_guard lock(m);
        auto u = tracker.on_position(position_bytes);
        if (u.backwards && !warned_backwards) {
            warned_backwards = true;
            log.warning("backend position went backwards (to {} bytes): ignored", position_bytes);
        }
        if (u.beyond && !warned_beyond) {
            // Normal at the end of a drain or in an underrun; a lying backend looks the same.
            warned_beyond = true;
            log.debug("backend position passed the data written (underrun)");
        }
        last_position_at = Clock::now();
        if ((u.advanced || u.beyond) && (tracker.avail() >= avail_min || tracker.xrun())) wake();
    }

    void on_lost(int error) override {
        std::lock_guard lock(m);
        lost = error;
        wake();
    }

    void wake() const {
        const std::uint64_t one = 1;
        (void)!::write(event_fd, &one, sizeof one);
    }

    int lost_error() {
        std::lock_guard lock(m);
        return lost != 0 ? -lost : 0;
    }

    // One request; 0 or a negative errno for ALSA.
    int request(sndif::Request req, sndif::Response* out = nullptr) {
        if (int e = lost_error()) return e;
        auto rsp = conn->call(ring, generation, req);
        if (!rsp) {
            const int e = rsp.errno_value();
            if (e == ETIMEDOUT) {
                log.error("the backend did not answer {} within {} ms",
                          sndif::operation_name(req.operation), params.timeout.count());
                return -EIO;
            }
            if (e == EPROTO) {
                log.error("the backend broke the protocol answering {}",
                          sndif::operation_name(req.operation));
                return -EIO;
            }
            return e == ECANCELED || e == ENOTCONN ? -ENODEV : -e;
        }
        if (out) *out = *rsp;
        if (rsp->status != 0) {
            // A Xen errno, negated; anything outside the errno range is an I/O error.
            const int s = rsp->status;
            log.info("{} answered {}", sndif::operation_name(req.operation), s);
            return s < 0 && s > -4096 ? s : -EIO;
        }
        return 0;
    }

    int trigger(std::uint8_t type) {
        sndif::Request req = sndif::make_request(0, XENSND_OP_TRIGGER);
        req.op.trigger.type = type;
        return request(req);
    }

    // Re-reads the mixer file if its doorbell rang since the last look (or `force`).
    void refresh_mix(bool force) {
        if (!mixed) return;
        const std::uint64_t rings = conn->mixer_rings();
        if (!force && rings == mixer_seen) return;
        mixer_seen = rings;
        auto v = load_mixer(conn->mixer_path());
        if (!v) {
            if (!mix_warned) log.warning("{}: {}", conn->mixer_path(), v.error().message());
            mix_warned = true;
            return;
        }
        wanted = v->of(direction);
    }

    // Sends the wanted volume and mute if the backend has other values. sndif exchanges the
    // values through the stream's buffer: `room` bytes at `offset` that neither side needs
    // now (the region the current transfer is about to fill); with too little room the values
    // wait for the next transfer.
    void apply_mix(std::uint32_t offset, std::uint64_t room) {
        if (!mixed || !buffer || !opened || wanted == applied) return;
        const std::uint32_t channels = io.channels;
        if (room < channels * sizeof(std::int32_t) || offset > buffer->bytes ||
            buffer->bytes - offset < channels * sizeof(std::int32_t))
            return;
        std::byte* at = buffer->data() + offset;
        auto send = [&](std::uint8_t op, std::uint32_t length) {
            sndif::Request req = sndif::make_request(0, op);
            req.op.rw.offset = offset;
            req.op.rw.length = length;
            if (int e = request(req); e < 0) {
                if (!mix_warned)
                    log.warning("the backend refused {}: {}", sndif::operation_name(op),
                                snd_strerror(e));
                mix_warned = true;
            }
        };
        if (wanted.volume_mdb != applied.volume_mdb) {
            for (std::uint32_t c = 0; c < channels; ++c)
                std::memcpy(at + c * sizeof(std::int32_t), &wanted.volume_mdb,
                            sizeof(std::int32_t));
            send(XENSND_OP_SET_VOLUME, channels * static_cast<std::uint32_t>(sizeof(std::int32_t)));
        }
        if (wanted.muted != applied.muted) {
            std::memset(at, 1, channels);
            send(wanted.muted ? XENSND_OP_MUTE : XENSND_OP_UNMUTE, channels);
        }
        applied = wanted;  // a refusal is not retried on every period
    }

    void close_backend_stream() {
        if (opened) (void)request(sndif::make_request(0, XENSND_OP_CLOSE));
        opened = false;
        started = false;
        ran = false;
        if (buffer) conn->release(std::move(buffer));
        buffer.reset();
    }
};

XenPcm* self(snd_pcm_ioplug_t* io) {
    return static_cast<XenPcm*>(io->private_data);
}

int xen_start(snd_pcm_ioplug_t* io) {
    XenPcm* p = self(io);
    if (int e = p->trigger(XENSND_OP_TRIGGER_START); e < 0) return e;
    p->started = true;
    p->ran = true;
    std::lock_guard lock(p->m);
    p->running = true;
    p->last_position_at = Clock::now();
    return 0;
}

int xen_stop(snd_pcm_ioplug_t* io) {
    XenPcm* p = self(io);
    {
        std::lock_guard lock(p->m);
        p->running = false;
    }
    if (p->started) {
        p->started = false;
        (void)p->trigger(XENSND_OP_TRIGGER_STOP);
    }
    return 0;
}

snd_pcm_sframes_t xen_pointer(snd_pcm_ioplug_t* io) {
    XenPcm* p = self(io);
    std::lock_guard lock(p->m);
    if (p->lost != 0) {
        snd_pcm_ioplug_set_state(io, SND_PCM_STATE_DISCONNECTED);
        return -ENODEV;
    }
    if (p->tracker.xrun()) return -EPIPE;
    const snd_pcm_uframes_t b = p->boundary != 0 ? p->boundary : io->buffer_size;
    return static_cast<snd_pcm_sframes_t>(p->tracker.hw_frames() % b);
}

snd_pcm_sframes_t xen_transfer(snd_pcm_ioplug_t* io, const snd_pcm_channel_area_t* areas,
                               snd_pcm_uframes_t offset, snd_pcm_uframes_t size) {
    XenPcm* p = self(io);
    if (!p->buffer) return -EBADFD;
    const snd_pcm_uframes_t bsize = io->buffer_size;
    snd_pcm_uframes_t pos = io->appl_ptr % bsize;
    p->refresh_mix(false);
    p->apply_mix(static_cast<std::uint32_t>(pos * p->frame_bytes),
                 std::uint64_t{std::min(size, bsize - pos)} * p->frame_bytes);
    snd_pcm_channel_area_t shared[64];
    const unsigned channels = std::min(io->channels, 64u);
    for (unsigned c = 0; c < channels; ++c) {
        shared[c].addr = p->buffer->data();
        shared[c].first = c * p->sample_bits;
        shared[c].step = p->frame_bytes * 8;
    }
    snd_pcm_uframes_t done = 0;
    while (done < size) {
        const snd_pcm_uframes_t chunk = std::min(size - done, bsize - pos);
        sndif::Request req = sndif::make_request(
            0, p->direction == Direction::Playback ? XENSND_OP_WRITE : XENSND_OP_READ);
        req.op.rw.offset = static_cast<std::uint32_t>(pos * p->frame_bytes);
        req.op.rw.length = static_cast<std::uint32_t>(chunk * p->frame_bytes);
        if (p->direction == Direction::Playback) {
            snd_pcm_areas_copy(shared, pos, areas, offset + done, channels, chunk, io->format);
            {
                // Counted before the WRITE: the backend may report playing it before the
                // answer reaches this thread.
                std::lock_guard lock(p->m);
                p->tracker.on_transferred(chunk);
            }
            if (int e = p->request(req); e < 0) return done > 0 ? done : e;
        } else {
            if (int e = p->request(req); e < 0) return done > 0 ? done : e;
            snd_pcm_areas_copy(areas, offset + done, shared, pos, channels, chunk, io->format);
            std::lock_guard lock(p->m);
            p->tracker.on_transferred(chunk);
        }
        done += chunk;
        pos = (pos + chunk) % bsize;
    }
    return static_cast<snd_pcm_sframes_t>(done);
}

int xen_hw_params(snd_pcm_ioplug_t* io, snd_pcm_hw_params_t*) {
    XenPcm* p = self(io);
    if (int e = p->lost_error()) return e;
    auto fmt = sndif_format(io->format);
    auto fb = fmt ? sndif::bytes_per_frame(*fmt, io->channels) : std::nullopt;
    if (!fb) return -EINVAL;
    const std::uint64_t buffer_bytes = std::uint64_t{io->buffer_size} * *fb;
    const std::uint64_t period_bytes = std::uint64_t{io->period_size} * *fb;
    if (buffer_bytes == 0 || buffer_bytes > p->stream->hw.buffer_bytes) return -EINVAL;

    // The backend's word on the exact configuration (frames for buffer and period).
    sndif::Request q = sndif::make_request(0, XENSND_OP_HW_PARAM_QUERY);
    q.op.hw_param.formats = sndif::format_bit(*fmt);
    q.op.hw_param.rates = {io->rate, io->rate};
    q.op.hw_param.channels = {io->channels, io->channels};
    q.op.hw_param.buffer = {static_cast<std::uint32_t>(io->buffer_size),
                            static_cast<std::uint32_t>(io->buffer_size)};
    q.op.hw_param.period = {static_cast<std::uint32_t>(io->period_size),
                            static_cast<std::uint32_t>(io->period_size)};
    sndif::Response rsp;
    if (int e = p->request(q, &rsp); e < 0) return e;
    const auto& a = rsp.resp.hw_param;
    auto in = [](auto range, std::uint64_t v) { return range.min <= v && v <= range.max; };
    if ((a.formats & sndif::format_bit(*fmt)) == 0 || !in(a.rates, io->rate) ||
        !in(a.channels, io->channels)) {
        p->log.info("the backend refused {} Hz x {} channels", io->rate, io->channels);
        return -EINVAL;
    }

    p->close_backend_stream();
    auto buffer = p->conn->share_buffer(p->generation, static_cast<std::uint32_t>(buffer_bytes));
    if (!buffer) return -buffer.errno_value();
    p->buffer = std::move(*buffer);
    p->format = *fmt;
    p->frame_bytes = *fb;
    p->sample_bits = static_cast<unsigned>(snd_pcm_format_physical_width(io->format));
    (void)period_bytes;
    std::lock_guard lock(p->m);
    // ALSA's boundary: the largest power-of-two multiple of the buffer below LONG_MAX.
    snd_pcm_uframes_t b = io->buffer_size;
    while (b * 2 <= static_cast<snd_pcm_uframes_t>(LONG_MAX) - io->buffer_size)
        b *= 2;
    p->boundary = b;
    p->tracker.open(p->direction, p->frame_bytes, io->buffer_size);
    return 0;
}

int xen_hw_free(snd_pcm_ioplug_t* io) {
    self(io)->close_backend_stream();
    return 0;
}

int xen_sw_params(snd_pcm_ioplug_t* io, snd_pcm_sw_params_t* params) {
    XenPcm* p = self(io);
    snd_pcm_uframes_t avail_min = 1, boundary = 0;
    snd_pcm_sw_params_get_avail_min(params, &avail_min);
    snd_pcm_sw_params_get_boundary(params, &boundary);
    std::lock_guard lock(p->m);
    p->avail_min = std::max<snd_pcm_uframes_t>(avail_min, 1);
    if (boundary != 0) p->boundary = boundary;
    return 0;
}

int xen_prepare(snd_pcm_ioplug_t* io) {
    XenPcm* p = self(io);
    if (int e = p->lost_error()) return e;
    if (!p->buffer) return -EBADFD;
    if (p->started) {
        // Recovering from an xrun: STOP first.
        p->started = false;
        if (int e = p->trigger(XENSND_OP_TRIGGER_STOP); e < 0) return e;
    }
    if (p->opened && p->ran) {
        // A prepare restarts ALSA's pointers at 0, so the next data goes to the start of the
        // buffer; a backend that reads where its position (which went on through the xrun)
        // points would play it shifted. CLOSE and OPEN again: the backend's position is 0 too.
        // (Linux only STOPs and STARTs; the spec leaves where a backend reads after START open.)
        if (int e = p->request(sndif::make_request(0, XENSND_OP_CLOSE)); e < 0) return e;
        p->opened = false;
    }
    if (!p->opened) {
        sndif::Request req = sndif::make_request(0, XENSND_OP_OPEN);
        req.op.open.pcm_rate = io->rate;
        req.op.open.pcm_format = p->format;
        req.op.open.pcm_channels = static_cast<std::uint8_t>(io->channels);
        req.op.open.buffer_sz = p->buffer->bytes;
        req.op.open.gref_directory = p->buffer->directory_ref();
        req.op.open.period_sz = static_cast<std::uint32_t>(io->period_size * p->frame_bytes);
        if (int e = p->request(req); e < 0) return e;
        p->opened = true;
        p->ran = false;
        // A fresh OPEN has the backend's defaults: send the mixer's values before any data.
        p->applied = StreamMix{};
        p->refresh_mix(true);
        p->apply_mix(0, p->buffer->bytes);
        std::lock_guard lock(p->m);
        p->tracker.open(p->direction, p->frame_bytes, io->buffer_size);
    } else {
        std::lock_guard lock(p->m);
        p->tracker.restart();
    }
    std::lock_guard lock(p->m);
    p->running = false;
    p->wake();
    return 0;
}

int xen_pause(snd_pcm_ioplug_t* io, int enable) {
    XenPcm* p = self(io);
    if (int e = p->trigger(enable ? XENSND_OP_TRIGGER_PAUSE : XENSND_OP_TRIGGER_RESUME); e < 0)
        return e;
    std::lock_guard lock(p->m);
    p->running = !enable;
    p->last_position_at = Clock::now();
    return 0;
}

int xen_drain(snd_pcm_ioplug_t* io) {
    XenPcm* p = self(io);
    if (p->direction == Direction::Capture) return 0;
    {
        std::lock_guard lock(p->m);
        if (p->tracker.appl_frames() == 0) return 0;
    }
    if (!p->started) {
        if (int e = xen_start(io); e < 0) return e;
    }
    // Bounded: what is left to play, plus the response timeout for a backend that stalls.
    std::uint64_t left = 0;
    {
        std::lock_guard lock(p->m);
        left = p->tracker.appl_frames() - p->tracker.hw_frames();
    }
    const auto deadline = Clock::now() +
                          std::chrono::milliseconds(left * 1000 / std::max(io->rate, 1u)) +
                          p->params.timeout;
    for (;;) {
        {
            std::lock_guard lock(p->m);
            if (p->lost != 0) return -p->lost;
            if (p->tracker.xrun() || p->tracker.hw_frames() >= p->tracker.appl_frames()) return 0;
        }
        if (io->nonblock) return -EAGAIN;
        const auto now = Clock::now();
        if (now >= deadline) {
            p->log.error("drain: the backend stopped reporting progress");
            return -EIO;
        }
        pollfd pfd{p->event_fd, POLLIN, 0};
        const auto wait = std::min<std::int64_t>(
            50, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1);
        (void)::poll(&pfd, 1, static_cast<int>(wait));
        std::uint64_t v;
        (void)!::read(p->event_fd, &v, sizeof v);
    }
}

int xen_delay(snd_pcm_ioplug_t* io, snd_pcm_sframes_t* delayp) {
    XenPcm* p = self(io);
    std::lock_guard lock(p->m);
    if (p->lost != 0) return -p->lost;
    const std::uint64_t hw = p->tracker.hw_frames();
    const std::uint64_t appl = p->tracker.appl_frames();
    std::uint64_t extra = 0;
    if (p->running) {
        // Between two CUR_POS the device keeps moving: interpolate with the monotonic clock.
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
                                 Clock::now() - p->last_position_at)
                                 .count();
        extra =
            static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed, 0)) * io->rate / 1'000'000;
        extra = std::min<std::uint64_t>(extra, io->period_size);
    }
    if (p->direction == Direction::Playback) {
        const std::uint64_t queued = appl - hw;
        *delayp = static_cast<snd_pcm_sframes_t>(queued - std::min(extra, queued));
    } else {
        *delayp = static_cast<snd_pcm_sframes_t>(
            std::min<std::uint64_t>(hw - appl + extra, io->buffer_size));
    }
    return 0;
}

int xen_poll_revents(snd_pcm_ioplug_t* io, struct pollfd* pfd, unsigned int nfds,
                     unsigned short* revents) {
    XenPcm* p = self(io);
    if (nfds != 1 || pfd[0].fd != p->event_fd) return -EINVAL;
    std::uint64_t v;
    (void)!::read(p->event_fd, &v, sizeof v);
    const unsigned short ready = p->direction == Direction::Playback ? POLLOUT : POLLIN;
    if (pfd[0].revents & (POLLERR | POLLNVAL)) {
        *revents = POLLERR;
        return 0;
    }
    snd_pcm_uframes_t avail_min = 1;
    bool lost = false;
    {
        std::lock_guard lock(p->m);
        avail_min = p->avail_min;
        lost = p->lost != 0;
    }
    const snd_pcm_sframes_t avail = snd_pcm_avail_update(io->pcm);
    *revents = 0;
    if (lost || avail < 0) {
        *revents = ready | POLLERR;
    } else if (static_cast<snd_pcm_uframes_t>(avail) >= avail_min) {
        *revents = ready;
    }
    // Level-triggered for the application: stay readable while the condition holds.
    if (*revents != 0) p->wake();
    return 0;
}

int xen_close(snd_pcm_ioplug_t* io) {
    XenPcm* p = self(io);
    p->conn->detach(p->ring, p);
    p->close_backend_stream();
    if (p->event_fd >= 0) ::close(p->event_fd);
    delete p;
    return 0;
}

const snd_pcm_ioplug_callback_t kCallbacks = [] {
    snd_pcm_ioplug_callback_t c{};
    c.start = xen_start;
    c.stop = xen_stop;
    c.pointer = xen_pointer;
    c.transfer = xen_transfer;
    c.close = xen_close;
    c.hw_params = xen_hw_params;
    c.hw_free = xen_hw_free;
    c.sw_params = xen_sw_params;
    c.prepare = xen_prepare;
    c.drain = xen_drain;
    c.pause = xen_pause;
    c.poll_revents = xen_poll_revents;
    c.delay = xen_delay;
    return c;
}();

// The stream the parameters name, of the wanted direction.
const config::StreamConfig* pick_stream(const config::VsndDeviceConfig& cfg,
                                        const PluginParams& params, config::StreamType type,
                                        std::string& why) {
    const char* dir_name = type == config::StreamType::Playback ? "playback" : "capture";
    for (const auto& pcm : cfg.card.pcm_devices) {
        if (params.pcm && pcm.index != *params.pcm) continue;
        for (const auto& s : pcm.streams) {
            if (params.stream && s.index != *params.stream) continue;
            if (s.type == type) return &s;
            if (params.stream) {
                why = "stream " + s.relative_dir() + " is not a " + dir_name + " stream";
                return nullptr;
            }
        }
    }
    why = "no " + std::string(dir_name) + " stream";
    if (params.pcm) why += " in PCM device " + std::to_string(*params.pcm);
    if (params.stream) why += " with index " + std::to_string(*params.stream);
    return nullptr;
}

int set_constraints(XenPcm& p) {
    const config::PcmHwConfig& hw = p.stream->hw;
    // What the backend says it can do within the configuration.
    sndif::Request q = sndif::make_request(0, XENSND_OP_HW_PARAM_QUERY);
    q.op.hw_param.formats = hw.formats;
    q.op.hw_param.rates = {hw.rates.range.min, hw.rates.range.max};
    q.op.hw_param.channels = {hw.channels.min, hw.channels.max};
    q.op.hw_param.buffer = {1, hw.buffer_bytes};
    q.op.hw_param.period = {1, hw.buffer_bytes};
    sndif::Response rsp;
    if (int e = p.request(q, &rsp); e < 0) return e;
    const auto& a = rsp.resp.hw_param;

    snd_pcm_ioplug_t* io = &p.io;
    static const unsigned kAccess[] = {
        SND_PCM_ACCESS_RW_INTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED,
        SND_PCM_ACCESS_RW_NONINTERLEAVED, SND_PCM_ACCESS_MMAP_NONINTERLEAVED};
    int err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 4, kAccess);
    if (err < 0) return err;

    std::vector<unsigned> formats;
    for (snd_pcm_format_t f : alsa_formats_of_mask(hw.formats & a.formats))
        formats.push_back(static_cast<unsigned>(f));
    if (formats.empty()) return -EINVAL;
    err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT,
                                        static_cast<unsigned>(formats.size()), formats.data());
    if (err < 0) return err;

    const unsigned ch_min = std::max<unsigned>(hw.channels.min, a.channels.min);
    const unsigned ch_max = std::min<unsigned>(hw.channels.max, a.channels.max);
    if (ch_min > ch_max) return -EINVAL;
    err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, ch_min, ch_max);
    if (err < 0) return err;

    const unsigned r_min = std::max<unsigned>(hw.rates.range.min, a.rates.min);
    const unsigned r_max = std::min<unsigned>(hw.rates.range.max, a.rates.max);
    if (hw.rates.continuous) {
        if (r_min > r_max) return -EINVAL;
        err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE, r_min, r_max);
    } else {
        std::vector<unsigned> rates;
        for (unsigned r : hw.rates.list)
            if (r >= r_min && r <= r_max) rates.push_back(r);
        if (rates.empty()) return -EINVAL;
        err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_RATE,
                                            static_cast<unsigned>(rates.size()), rates.data());
    }
    if (err < 0) return err;

    const unsigned buffer_max = hw.buffer_bytes;
    err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_BUFFER_BYTES,
                                          2 * hw.period_bytes_min(), buffer_max);
    if (err < 0) return err;
    err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, hw.period_bytes_min(),
                                          buffer_max / 2);
    if (err < 0) return err;
    return snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, hw.periods_min(),
                                           std::max(hw.periods_min(), hw.periods_max()));
}

}  // namespace

int open_xen_pcm(snd_pcm_t** pcmp, const char* name, const PluginParams& params,
                 snd_pcm_stream_t stream, int mode, std::string& why) {
    auto conn = DeviceConnection::acquire(params, &why);
    if (!conn) return -conn.errno_value();
    const auto type = stream == SND_PCM_STREAM_PLAYBACK ? config::StreamType::Playback
                                                        : config::StreamType::Capture;
    const config::StreamConfig* s = pick_stream((*conn)->config(), params, type, why);
    if (!s) return -ENOENT;

    auto p = std::make_unique<XenPcm>();
    p->params = params;
    p->conn = std::move(*conn);
    p->stream = s;
    p->ring = s->ring_index;
    p->direction = type == config::StreamType::Playback ? Direction::Playback : Direction::Capture;
    p->generation = p->conn->generation();
    p->log = p->conn->log().child(s->relative_dir());
    {
        std::string ignored;
        p->mixed = pick_stream(p->conn->config(), PluginParams{}, type, ignored) == s;
    }
    if (p->generation == 0) {
        why = "vsnd device " + std::to_string(params.device) + " is not connected";
        return -ENODEV;
    }
    if (!p->conn->attach(p->ring, p.get())) {
        why = "stream " + s->relative_dir() + " is already open in this process";
        return -EBUSY;
    }
    p->event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (p->event_fd < 0) {
        const int e = errno;
        p->conn->detach(p->ring, p.get());
        why = "eventfd failed";
        return -e;
    }
    p->io.version = SND_PCM_IOPLUG_VERSION;
    p->io.name = "Xen para-virtual sound";
    // No SND_PCM_IOPLUG_FLAG_MONOTONIC: it makes ioplug take the trigger and status
    // timestamps from CLOCK_MONOTONIC, but ioplug never sets SND_PCM_INFO_MONOTONIC in the
    // hw_params it reports, so snd_pcm_hw_params_is_monotonic() says "gettimeofday" and
    // applications (aplay's "underrun!!! (at least N ms long)") subtract a monotonic stamp from
    // the wall clock. Without the flag every stamp is the wall clock the PCM reports.
    p->io.flags = SND_PCM_IOPLUG_FLAG_BOUNDARY_WA;
    p->io.poll_fd = p->event_fd;
    p->io.poll_events = POLLIN;
    p->io.mmap_rw = 0;
    p->io.callback = &kCallbacks;
    p->io.private_data = p.get();

    int err = snd_pcm_ioplug_create(&p->io, name, stream, mode);
    if (err < 0) {
        p->conn->detach(p->ring, p.get());
        ::close(p->event_fd);
        why = "snd_pcm_ioplug_create failed";
        return err;
    }
    XenPcm* raw = p.release();  // owned by the ioplug from here: xen_close deletes it
    err = set_constraints(*raw);
    if (err < 0) {
        why = "stream " + s->relative_dir() + ": " +
              (err == -EINVAL
                   ? std::string("no configuration the backend accepts")
                   : std::string("asking the backend what it can do: ") + snd_strerror(err));
        snd_pcm_ioplug_delete(&raw->io);
        return err;
    }
    *pcmp = raw->io.pcm;
    return 0;
}

}  // namespace xensnd::frontend
