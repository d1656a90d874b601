#include "backend/audio/alsa_pcm.hpp"

#include <poll.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "core/protocol/pcm_format.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "coro/io.hpp"
#include "coro/select.hpp"
#include "coro/timer.hpp"

namespace xensnd::backend::audio {

snd_pcm_format_t alsa_format(std::uint8_t f) noexcept {
    switch (f) {
        case XENSND_PCM_FORMAT_S8:
            return SND_PCM_FORMAT_S8;
        case XENSND_PCM_FORMAT_U8:
            return SND_PCM_FORMAT_U8;
        case XENSND_PCM_FORMAT_S16_LE:
            return SND_PCM_FORMAT_S16_LE;
        case XENSND_PCM_FORMAT_S16_BE:
            return SND_PCM_FORMAT_S16_BE;
        case XENSND_PCM_FORMAT_U16_LE:
            return SND_PCM_FORMAT_U16_LE;
        case XENSND_PCM_FORMAT_U16_BE:
            return SND_PCM_FORMAT_U16_BE;
        case XENSND_PCM_FORMAT_S24_LE:
            return SND_PCM_FORMAT_S24_LE;
        case XENSND_PCM_FORMAT_S24_BE:
            return SND_PCM_FORMAT_S24_BE;
        case XENSND_PCM_FORMAT_U24_LE:
            return SND_PCM_FORMAT_U24_LE;
        case XENSND_PCM_FORMAT_U24_BE:
            return SND_PCM_FORMAT_U24_BE;
        case XENSND_PCM_FORMAT_S32_LE:
            return SND_PCM_FORMAT_S32_LE;
        case XENSND_PCM_FORMAT_S32_BE:
            return SND_PCM_FORMAT_S32_BE;
        case XENSND_PCM_FORMAT_U32_LE:
            return SND_PCM_FORMAT_U32_LE;
        case XENSND_PCM_FORMAT_U32_BE:
            return SND_PCM_FORMAT_U32_BE;
        case XENSND_PCM_FORMAT_F32_LE:
            return SND_PCM_FORMAT_FLOAT_LE;
        case XENSND_PCM_FORMAT_F32_BE:
            return SND_PCM_FORMAT_FLOAT_BE;
        case XENSND_PCM_FORMAT_F64_LE:
            return SND_PCM_FORMAT_FLOAT64_LE;
        case XENSND_PCM_FORMAT_F64_BE:
            return SND_PCM_FORMAT_FLOAT64_BE;
        case XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE:
            return SND_PCM_FORMAT_IEC958_SUBFRAME_LE;
        case XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE:
            return SND_PCM_FORMAT_IEC958_SUBFRAME_BE;
        case XENSND_PCM_FORMAT_MU_LAW:
            return SND_PCM_FORMAT_MU_LAW;
        case XENSND_PCM_FORMAT_A_LAW:
            return SND_PCM_FORMAT_A_LAW;
        case XENSND_PCM_FORMAT_IMA_ADPCM:
            return SND_PCM_FORMAT_IMA_ADPCM;
        case XENSND_PCM_FORMAT_MPEG:
            return SND_PCM_FORMAT_MPEG;
        case XENSND_PCM_FORMAT_GSM:
            return SND_PCM_FORMAT_GSM;
        default:
            return SND_PCM_FORMAT_UNKNOWN;
    }
}

namespace {

Err fail(std::string* why, std::string text, int e = EINVAL) {
    if (why) *why = std::move(text);
    return Err(e);
}

const char* dir_name(Direction d) {
    return d == Direction::Playback ? "playback" : "capture";
}

std::string format_name(std::uint8_t format) {
    auto* f = sndif::find_pcm_format(format);
    return f ? std::string(f->name) : "format " + std::to_string(format);
}

struct PcmCloser {
    void operator()(snd_pcm_t* p) const { snd_pcm_close(p); }
};
using PcmPtr = std::unique_ptr<snd_pcm_t, PcmCloser>;
struct HwFree {
    void operator()(snd_pcm_hw_params_t* p) const { snd_pcm_hw_params_free(p); }
};
struct SwFree {
    void operator()(snd_pcm_sw_params_t* p) const { snd_pcm_sw_params_free(p); }
};
using HwPtr = std::unique_ptr<snd_pcm_hw_params_t, HwFree>;
using SwPtr = std::unique_ptr<snd_pcm_sw_params_t, SwFree>;

Result<PcmPtr> open_pcm(const std::string& name, Direction d, std::string* why) {
    snd_pcm_t* pcm = nullptr;
    auto stream = d == Direction::Playback ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE;
    int rc = snd_pcm_open(&pcm, name.c_str(), stream, SND_PCM_NONBLOCK);
    if (rc < 0)
        return fail(
            why, "cannot open ALSA PCM '" + name + "' for " + dir_name(d) + ": " + snd_strerror(rc),
            -rc);
    return PcmPtr(pcm);
}

std::uint32_t clamp32(unsigned long v) {
    return static_cast<std::uint32_t>(
        std::min<unsigned long>(v, std::numeric_limits<std::uint32_t>::max()));
}

coro::Task<Result<std::uint32_t>> poll_one(int fd, std::uint32_t events) {
    co_return co_await coro::poll(fd, events);
}

class AlsaPcm final : public HostPcm {
  public:
    AlsaPcm(PcmPtr pcm, const PcmParams& params, snd_pcm_uframes_t buffer, snd_pcm_uframes_t period,
            bool can_pause, SwPtr sw)
        : pcm_(std::move(pcm)),
          params_(params),
          buffer_(buffer),
          period_(period),
          can_pause_(can_pause),
          sw_(std::move(sw)),
          avail_min_(period) {}

    const PcmParams& params() const override { return params_; }
    std::uint32_t host_buffer_frames() const override { return clamp32(buffer_); }
    PcmCounters counters() const override { return counters_; }

    Result<void> start() override {
        if (running_) return Err(EBADFD);
        running_ = true;
        paused_ = false;
        Result<void> r = start_device();
        if (!r) running_ = false;
        return r;
    }

    Result<void> stop() override {
        running_ = false;
        paused_ = false;
        snd_pcm_drop(pcm_.get());
        return check(snd_pcm_prepare(pcm_.get()));
    }

    Result<void> pause(bool paused) override {
        if (!running_) return Err(EBADFD);
        if (paused == paused_) return ok();
        paused_ = paused;
        snd_pcm_state_t state = snd_pcm_state(pcm_.get());
        if (can_pause_ && (state == SND_PCM_STATE_RUNNING || state == SND_PCM_STATE_PAUSED))
            return check(snd_pcm_pause(pcm_.get(), paused ? 1 : 0));
        if (paused) {
            snd_pcm_drop(pcm_.get());
            return check(snd_pcm_prepare(pcm_.get()));
        }
        return start_device();
    }

    Result<std::size_t> avail() override {
        for (int attempt = 0;; ++attempt) {
            snd_pcm_sframes_t a = snd_pcm_avail(pcm_.get());
            if (a >= 0) return static_cast<std::size_t>(a);
            if (attempt > 0) return Err(static_cast<int>(-a));
            if (auto r = recover(static_cast<int>(a)); !r) return Err(r.error());
        }
    }

    Result<std::size_t> write(std::span<const std::byte> frames) override {
        if (params_.direction != Direction::Playback) return Err(EBADFD);
        const snd_pcm_uframes_t n = frames.size() / params_.frame_bytes;
        if (n == 0) return std::size_t{0};
        for (int attempt = 0;; ++attempt) {
            snd_pcm_sframes_t w = snd_pcm_writei(pcm_.get(), frames.data(), n);
            if (w == -EAGAIN) return std::size_t{0};
            if (w >= 0) {
                counters_.frames += static_cast<std::uint64_t>(w);
                // After an xrun the device waits in PREPARED for data: start it again.
                if (running_ && !paused_ && snd_pcm_state(pcm_.get()) == SND_PCM_STATE_PREPARED)
                    if (auto r = check(snd_pcm_start(pcm_.get())); !r) return Err(r.error());
                return static_cast<std::size_t>(w);
            }
            if (attempt > 0) return Err(static_cast<int>(-w));
            if (auto r = recover(static_cast<int>(w)); !r) return Err(r.error());
        }
    }

    Result<std::size_t> read(std::span<std::byte> frames) override {
        if (params_.direction != Direction::Capture) return Err(EBADFD);
        const snd_pcm_uframes_t n = frames.size() / params_.frame_bytes;
        if (n == 0) return std::size_t{0};
        for (int attempt = 0;; ++attempt) {
            snd_pcm_sframes_t r = snd_pcm_readi(pcm_.get(), frames.data(), n);
            if (r == -EAGAIN) return std::size_t{0};
            if (r >= 0) {
                counters_.frames += static_cast<std::uint64_t>(r);
                return static_cast<std::size_t>(r);
            }
            if (attempt > 0) return Err(static_cast<int>(-r));
            if (auto rc = recover(static_cast<int>(r)); !rc) return Err(rc.error());
        }
    }

    Result<std::size_t> delay() override {
        if (params_.direction != Direction::Playback) return std::size_t{0};
        snd_pcm_sframes_t d = 0;
        int rc = snd_pcm_delay(pcm_.get(), &d);
        if (rc == -ENODEV) return Err(ENODEV);
        if (rc < 0) {
            // Not running (or just ran dry): what the buffer holds is what is yet to be heard.
            snd_pcm_sframes_t a = snd_pcm_avail_update(pcm_.get());
            if (a < 0) return std::size_t{0};
            return static_cast<std::size_t>(buffer_ - std::min<snd_pcm_uframes_t>(a, buffer_));
        }
        return static_cast<std::size_t>(std::max<snd_pcm_sframes_t>(d, 0));
    }

    // One poll per descriptor when there are several (when_any: the first ready wins, the
    // others are cancelled); most PCMs have one. alsa-lib then turns the revents into
    // POLLOUT/POLLIN/POLLERR for the PCM as a whole.
    coro::Task<Result<void>> wait_avail(std::size_t min_frames) override {
        const snd_pcm_uframes_t target =
            std::max<snd_pcm_uframes_t>(1, std::min<snd_pcm_uframes_t>(min_frames, buffer_));
        if (min_frames == 0) co_return ok();
        int idle_wakeups = 0;
        for (;;) {
            Result<std::size_t> a = avail();
            if (!a) co_return Err(a.error());
            if (*a >= target) co_return ok();
            if (auto r = set_avail_min(target); !r) co_return r;
            int count = snd_pcm_poll_descriptors_count(pcm_.get());
            if (count <= 0) co_return Err(EIO);
            std::vector<pollfd> fds(static_cast<std::size_t>(count));
            if (snd_pcm_poll_descriptors(pcm_.get(), fds.data(), static_cast<unsigned>(count)) !=
                count)
                co_return Err(EIO);
            if (count == 1) {
                Result<std::uint32_t> r =
                    co_await coro::poll(fds[0].fd, static_cast<std::uint16_t>(fds[0].events));
                if (!r) co_return Err(r.error());
                fds[0].revents = static_cast<short>(*r);
            } else {
                std::vector<coro::Task<Result<std::uint32_t>>> polls;
                for (const pollfd& p : fds)
                    polls.push_back(poll_one(p.fd, static_cast<std::uint16_t>(p.events)));
                auto won = co_await coro::when_any(std::move(polls));
                if (!won.value) co_return Err(won.value.error());
                fds[won.index].revents = static_cast<short>(*won.value);
            }
            unsigned short revents = 0;
            int rc = snd_pcm_poll_descriptors_revents(pcm_.get(), fds.data(),
                                                      static_cast<unsigned>(count), &revents);
            if (rc < 0) co_return Err(-rc);
            if (revents & POLLNVAL) co_return Err(ENODEV);
            if (revents & POLLERR) {
                if (auto r = recover_state(); !r) co_return r;
                continue;
            }
            // A plugin whose descriptors wake before avail_min is reached: do not spin.
            if (++idle_wakeups > 3) {
                idle_wakeups = 0;
                auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(period_) *
                                                       1'000'000'000 / params_.rate);
                Result<void> slept = co_await coro::sleep_for(period);
                if (!slept) co_return slept;
            }
        }
    }

  private:
    Result<void> check(int rc) {
        if (rc < 0) return Err(-rc);
        return ok();
    }

    Result<void> start_device() {
        if (!running_ || paused_) return ok();
        snd_pcm_state_t state = snd_pcm_state(pcm_.get());
        if (state != SND_PCM_STATE_PREPARED) return ok();
        // A playback device with nothing queued would run dry at once: the next write starts it.
        if (params_.direction == Direction::Playback) {
            snd_pcm_sframes_t a = snd_pcm_avail_update(pcm_.get());
            if (a >= 0 && static_cast<snd_pcm_uframes_t>(a) >= buffer_) return ok();
        }
        return check(snd_pcm_start(pcm_.get()));
    }

    // xrun (-EPIPE) or suspend (-ESTRPIPE): back to PREPARED (and RUNNING for capture),
    // without ever sleeping (snd_pcm_recover would sleep while a suspended device resumes).
    Result<void> recover(int err) {
        if (err == -ENODEV || err == -EBADFD) return Err(ENODEV);
        if (err != -EPIPE && err != -ESTRPIPE) return Err(-err);
        ++counters_.host_xruns;
        if (err == -ESTRPIPE) {
            int rc = snd_pcm_resume(pcm_.get());
            if (rc == 0) return ok();
            if (rc == -EAGAIN) return Err(EAGAIN);
        }
        if (auto r = check(snd_pcm_prepare(pcm_.get())); !r) return r;
        if (params_.direction == Direction::Capture) return start_device();
        return ok();
    }

    Result<void> recover_state() {
        switch (snd_pcm_state(pcm_.get())) {
            case SND_PCM_STATE_XRUN:
                return recover(-EPIPE);
            case SND_PCM_STATE_SUSPENDED: {
                Result<void> r = recover(-ESTRPIPE);
                return r.errno_value() == EAGAIN ? ok() : r;
            }
            case SND_PCM_STATE_DISCONNECTED:
                return Err(ENODEV);
            case SND_PCM_STATE_RUNNING:
            case SND_PCM_STATE_PREPARED:
            case SND_PCM_STATE_PAUSED:
            case SND_PCM_STATE_DRAINING:
                return ok();
            default:
                return Err(EIO);
        }
    }

    Result<void> set_avail_min(snd_pcm_uframes_t frames) {
        if (frames == avail_min_) return ok();
        if (auto r = check(snd_pcm_sw_params_set_avail_min(pcm_.get(), sw_.get(), frames)); !r)
            return r;
        if (auto r = check(snd_pcm_sw_params(pcm_.get(), sw_.get())); !r) return r;
        avail_min_ = frames;
        return ok();
    }

    PcmPtr pcm_;
    PcmParams params_;
    snd_pcm_uframes_t buffer_;
    snd_pcm_uframes_t period_;
    bool can_pause_;
    SwPtr sw_;
    snd_pcm_uframes_t avail_min_;
    bool running_ = false;
    bool paused_ = false;
    PcmCounters counters_;
};

}  // namespace

Result<PcmCapabilities> probe_alsa_capabilities(const std::string& name, Direction direction,
                                                std::string* why) {
    auto pcm = open_pcm(name, direction, why);
    if (!pcm) return Err(pcm.error());
    snd_pcm_hw_params_t* raw = nullptr;
    if (snd_pcm_hw_params_malloc(&raw) < 0) return Err(ENOMEM);
    HwPtr hw(raw);
    int rc = snd_pcm_hw_params_any(pcm->get(), hw.get());
    if (rc < 0)
        return fail(why, "ALSA PCM '" + name + "' has no usable configuration: " + snd_strerror(rc),
                    -rc);
    rc = snd_pcm_hw_params_set_access(pcm->get(), hw.get(), SND_PCM_ACCESS_RW_INTERLEAVED);
    if (rc < 0)
        return fail(why, "ALSA PCM '" + name + "' has no interleaved read/write access", -rc);
    PcmCapabilities caps;
    for (const auto& f : sndif::pcm_formats()) {
        snd_pcm_format_t af = alsa_format(f.value);
        if (af != SND_PCM_FORMAT_UNKNOWN &&
            snd_pcm_hw_params_test_format(pcm->get(), hw.get(), af) == 0)
            caps.formats |= sndif::format_bit(f.value);
    }
    unsigned v = 0;
    int dir = 0;
    snd_pcm_uframes_t frames = 0;
    if (snd_pcm_hw_params_get_rate_min(hw.get(), &v, &dir) == 0) caps.rates.min = v;
    if (snd_pcm_hw_params_get_rate_max(hw.get(), &v, &dir) == 0) caps.rates.max = v;
    if (snd_pcm_hw_params_get_channels_min(hw.get(), &v) == 0) caps.channels.min = v;
    if (snd_pcm_hw_params_get_channels_max(hw.get(), &v) == 0) caps.channels.max = v;
    if (snd_pcm_hw_params_get_buffer_size_min(hw.get(), &frames) == 0)
        caps.buffer_frames.min = clamp32(frames);
    if (snd_pcm_hw_params_get_buffer_size_max(hw.get(), &frames) == 0)
        caps.buffer_frames.max = clamp32(frames);
    if (snd_pcm_hw_params_get_period_size_min(hw.get(), &frames, &dir) == 0)
        caps.period_frames.min = clamp32(frames);
    if (snd_pcm_hw_params_get_period_size_max(hw.get(), &frames, &dir) == 0)
        caps.period_frames.max = clamp32(frames);
    if (caps.formats == 0)
        return fail(why, "ALSA PCM '" + name + "' takes no format sndif can name");
    return caps;
}

Result<std::unique_ptr<HostPcm>> open_alsa_pcm(const std::string& name, const PcmParams& in,
                                               std::string* why) {
    PcmParams params = in;
    auto frame = sndif::bytes_per_frame(params.format, params.channels);
    if (!frame || (params.frame_bytes != 0 && params.frame_bytes != *frame) || params.rate == 0)
        return fail(why, "bad stream parameters for ALSA PCM '" + name + "'");
    params.frame_bytes = *frame;
    auto pcm = open_pcm(name, params.direction, why);
    if (!pcm) return Err(pcm.error());
    snd_pcm_t* p = pcm->get();
    snd_pcm_hw_params_t* hw_raw = nullptr;
    if (snd_pcm_hw_params_malloc(&hw_raw) < 0) return Err(ENOMEM);
    HwPtr hw(hw_raw);
    auto refuse = [&](int rc, const std::string& what) {
        return fail(why, "ALSA PCM '" + name + "' refuses " + what + ": " + snd_strerror(rc),
                    rc == -EBUSY || rc == -ENODEV ? -rc : EINVAL);
    };
    int rc = snd_pcm_hw_params_any(p, hw.get());
    if (rc < 0) return refuse(rc, "any configuration");
    if ((rc = snd_pcm_hw_params_set_access(p, hw.get(), SND_PCM_ACCESS_RW_INTERLEAVED)) < 0)
        return refuse(rc, "interleaved access");
    if ((rc = snd_pcm_hw_params_set_format(p, hw.get(), alsa_format(params.format))) < 0)
        return refuse(rc, format_name(params.format));
    if ((rc = snd_pcm_hw_params_set_channels(p, hw.get(), params.channels)) < 0)
        return refuse(rc, std::to_string(params.channels) + " channels");
    if ((rc = snd_pcm_hw_params_set_rate(p, hw.get(), params.rate, 0)) < 0)
        return refuse(rc, "rate " + std::to_string(params.rate));
    snd_pcm_uframes_t guest_period =
        params.period_frames ? params.period_frames : params.rate / 100;
    snd_pcm_uframes_t period = std::max<snd_pcm_uframes_t>(guest_period / 2, 1);
    int dir = 0;
    if ((rc = snd_pcm_hw_params_set_period_size_near(p, hw.get(), &period, &dir)) < 0)
        return refuse(rc, "period size " + std::to_string(period));
    snd_pcm_uframes_t buffer = std::max<snd_pcm_uframes_t>(2 * guest_period, 2 * period);
    if ((rc = snd_pcm_hw_params_set_buffer_size_near(p, hw.get(), &buffer)) < 0)
        return refuse(rc, "buffer size " + std::to_string(buffer));
    if ((rc = snd_pcm_hw_params(p, hw.get())) < 0) return refuse(rc, "these parameters");
    snd_pcm_hw_params_get_buffer_size(hw.get(), &buffer);
    snd_pcm_hw_params_get_period_size(hw.get(), &period, &dir);
    const bool can_pause = snd_pcm_hw_params_can_pause(hw.get()) == 1;

    snd_pcm_sw_params_t* sw_raw = nullptr;
    if (snd_pcm_sw_params_malloc(&sw_raw) < 0) return Err(ENOMEM);
    SwPtr sw(sw_raw);
    snd_pcm_uframes_t boundary = 0;
    if ((rc = snd_pcm_sw_params_current(p, sw.get())) < 0 ||
        (rc = snd_pcm_sw_params_get_boundary(sw.get(), &boundary)) < 0 ||
        (rc = snd_pcm_sw_params_set_avail_min(p, sw.get(), period)) < 0 ||
        (rc = snd_pcm_sw_params_set_start_threshold(p, sw.get(), boundary)) < 0 ||
        (rc = snd_pcm_sw_params_set_stop_threshold(p, sw.get(), buffer)) < 0 ||
        (rc = snd_pcm_sw_params(p, sw.get())) < 0)
        return refuse(rc, "its software parameters");
    if ((rc = snd_pcm_prepare(p)) < 0) return refuse(rc, "to prepare");
    return std::unique_ptr<HostPcm>(std::make_unique<AlsaPcm>(std::move(*pcm), params, buffer,
                                                              period, can_pause, std::move(sw)));
}

}  // namespace xensnd::backend::audio
