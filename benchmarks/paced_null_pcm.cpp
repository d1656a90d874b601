// `pcm.type benchnull`: an ALSA ioplug sink that discards what it is given at the pace of a
// real device (the monotonic clock), waking its poll descriptor (a timerfd) once per period.
// It is the CPU floor of the product benchmarks: what an ALSA player costs when the device
// does nothing. alsa-lib's own `null` PCM consumes at infinite speed, so it cannot serve.
// Playback only, S16_LE, 1-8 channels, any rate.
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <new>
#include <string_view>

namespace {

struct PacedNull {
    snd_pcm_ioplug_t io{};
    int timer = -1;
    std::int64_t started_ns = 0;
    bool running = false;
};

std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

PacedNull* self(snd_pcm_ioplug_t* io) {
    return static_cast<PacedNull*>(io->private_data);
}

// Frames the device has consumed since start.
std::uint64_t elapsed(const PacedNull* p) {
    if (!p->running) return 0;
    return static_cast<std::uint64_t>(now_ns() - p->started_ns) * p->io.rate / 1'000'000'000ULL;
}

int arm(PacedNull* p, bool on) {
    itimerspec its{};
    if (on && p->io.period_size != 0 && p->io.rate != 0) {
        const std::int64_t period_ns =
            static_cast<std::int64_t>(p->io.period_size) * 1'000'000'000LL / p->io.rate;
        its.it_value = {period_ns / 1'000'000'000LL, period_ns % 1'000'000'000LL};
        its.it_interval = its.it_value;
    }
    return ::timerfd_settime(p->timer, 0, &its, nullptr) == 0 ? 0 : -errno;
}

int start(snd_pcm_ioplug_t* io) {
    PacedNull* p = self(io);
    p->started_ns = now_ns();
    p->running = true;
    return arm(p, true);
}

// Stopped (after an underrun) or prepared, the sink can take a buffer at once: the timer keeps
// ticking so that a player waiting in poll() is told so (poll_revents checks avail).
int stop(snd_pcm_ioplug_t* io) {
    PacedNull* p = self(io);
    p->running = false;
    return arm(p, true);
}

int prepare(snd_pcm_ioplug_t* io) {
    return arm(self(io), true);
}

snd_pcm_sframes_t pointer(snd_pcm_ioplug_t* io) {
    PacedNull* p = self(io);
    const std::uint64_t consumed = elapsed(p);
    if (consumed > io->appl_ptr) return -EPIPE;  // the player was late: an underrun
    return static_cast<snd_pcm_sframes_t>(consumed % io->buffer_size);
}

snd_pcm_sframes_t transfer(snd_pcm_ioplug_t*, const snd_pcm_channel_area_t*, snd_pcm_uframes_t,
                           snd_pcm_uframes_t size) {
    return static_cast<snd_pcm_sframes_t>(size);
}

int poll_revents(snd_pcm_ioplug_t* io, struct pollfd* pfd, unsigned int nfds,
                 unsigned short* revents) {
    if (nfds != 1) return -EINVAL;
    std::uint64_t ticks;
    if (pfd[0].revents & POLLIN) (void)!::read(self(io)->timer, &ticks, sizeof ticks);
    const snd_pcm_sframes_t avail = snd_pcm_avail_update(io->pcm);
    snd_pcm_uframes_t avail_min = 1;
    snd_pcm_sw_params_t* sw;
    snd_pcm_sw_params_alloca(&sw);
    if (snd_pcm_sw_params_current(io->pcm, sw) == 0)
        snd_pcm_sw_params_get_avail_min(sw, &avail_min);
    *revents = avail < 0                                            ? POLLERR
               : static_cast<snd_pcm_uframes_t>(avail) >= avail_min ? POLLOUT
                                                                    : 0;
    return 0;
}

int close_pcm(snd_pcm_ioplug_t* io) {
    PacedNull* p = self(io);
    if (p->timer >= 0) ::close(p->timer);
    delete p;
    return 0;
}

const snd_pcm_ioplug_callback_t kCallbacks = [] {
    snd_pcm_ioplug_callback_t c{};
    c.start = start;
    c.stop = stop;
    c.prepare = prepare;
    c.pointer = pointer;
    c.transfer = transfer;
    c.poll_revents = poll_revents;
    c.close = close_pcm;
    return c;
}();

}  // namespace

extern "C" {

SND_PCM_PLUGIN_DEFINE_FUNC(benchnull) {
    (void)root;
    snd_config_iterator_t i, next;
    snd_config_for_each(i, next, conf) {
        snd_config_t* n = snd_config_iterator_entry(i);
        const char* id;
        if (snd_config_get_id(n, &id) < 0) continue;
        std::string_view key(id);
        if (key == "comment" || key == "type" || key == "hint") continue;
        SNDERR("benchnull: unknown parameter %s", id);
        return -EINVAL;
    }
    if (stream != SND_PCM_STREAM_PLAYBACK) {
        SNDERR("benchnull: playback only");
        return -EINVAL;
    }
    auto* p = new (std::nothrow) PacedNull;
    if (!p) return -ENOMEM;
    p->timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (p->timer < 0) {
        delete p;
        return -errno;
    }
    p->io.version = SND_PCM_IOPLUG_VERSION;
    p->io.name = "xensnd benchmark paced null sink";
    p->io.callback = &kCallbacks;
    p->io.private_data = p;
    p->io.poll_fd = p->timer;
    p->io.poll_events = POLLIN;
    p->io.mmap_rw = 0;
    int err = snd_pcm_ioplug_create(&p->io, name, stream, mode);
    if (err < 0) {
        ::close(p->timer);
        delete p;
        return err;
    }
    const unsigned access[] = {SND_PCM_ACCESS_RW_INTERLEAVED};
    const unsigned format[] = {SND_PCM_FORMAT_S16_LE};
    if ((err = snd_pcm_ioplug_set_param_list(&p->io, SND_PCM_IOPLUG_HW_ACCESS, 1, access)) < 0 ||
        (err = snd_pcm_ioplug_set_param_list(&p->io, SND_PCM_IOPLUG_HW_FORMAT, 1, format)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_CHANNELS, 1, 8)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_RATE, 8000, 192000)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 64,
                                               1 << 20)) < 0 ||
        (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIODS, 2, 1024)) < 0) {
        snd_pcm_ioplug_delete(&p->io);  // calls close_pcm, which frees p
        return err;
    }
    *pcmp = p->io.pcm;
    return 0;
}

SND_PCM_PLUGIN_SYMBOL(benchnull);
}
