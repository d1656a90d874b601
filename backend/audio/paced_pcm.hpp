// PacedPcm: a HostPcm without a sound card, paced by a DeviceClock exactly like a device with
// a buffer of host_buffer_frames() frames. What happens to the frames is its medium's
// business (a WAV file, nothing, a sine); the timing is the same for all of them.
//
// Playback: write() fills the virtual buffer (the medium gets the frames at once, in order);
// the clock drains it at `rate`. avail = buffer - queued, delay = queued. When the clock
// needs frames the stream has not handed over, the device plays silence (counted in
// silence_frames) and counts one xrun per starvation: from the moment the buffer ran dry
// until the next write(), however long. The device keeps running (ALSA's stop_threshold =
// boundary), so no restart is needed.
// Capture: the clock fills the buffer; read() takes frames (the medium produces them then).
// When the buffer is full and more frames arrive, the oldest are lost (the medium skips
// them) and one xrun is counted per overrun, until the next read().
//
// Time comes from a Timebase: CLOCK_MONOTONIC and io_uring timers by default, a fake clock in
// tests. wait_avail() sleeps until the exact instant the clock makes avail() reach the
// target, or until start/stop/pause change the picture.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "backend/audio/device_clock.hpp"
#include "backend/audio/host_pcm.hpp"
#include "coro/notify.hpp"
#include "coro/task.hpp"
#include "coro/timer.hpp"

namespace xensnd::backend::audio {

// Where paced endpoints get the time from. sleep_until's task must not outlive the Timebase
// (it lives in the PacedPcm that awaits it).
struct Timebase {
    std::function<coro::TimePoint()> now;
    std::function<coro::Task<Result<void>>(coro::TimePoint)> sleep_until;

    // CLOCK_MONOTONIC (std::chrono::steady_clock) and coro::sleep_until.
    static Timebase monotonic();
};

// What a paced endpoint does with the frames.
class PacedMedium {
  public:
    virtual ~PacedMedium() = default;
    // Playback: the frames the stream handed over, whole frames, in order.
    virtual Result<void> consume(std::span<const std::byte> frames) = 0;
    // Capture: fills whole frames with the next ones of the source; returns how many of them
    // are silence because the source has ended.
    virtual Result<std::size_t> produce(std::span<std::byte> frames) = 0;
    // Capture: the next frames were lost to an overrun; the source moves on past them.
    virtual void skip(std::uint64_t frames) = 0;
};

class PacedPcm final : public HostPcm {
  public:
    // params.frame_bytes must be set. host_buffer_frames > 0.
    PacedPcm(const PcmParams& params, std::uint32_t host_buffer_frames,
             std::unique_ptr<PacedMedium> medium, Timebase timebase);
    ~PacedPcm() override;

    // The buffer a paced device picks for params: two guest periods (10 ms periods when the
    // guest gave none), within [32, 524288] frames.
    static std::uint32_t choose_buffer_frames(const PcmParams& params);

    const PcmParams& params() const override { return params_; }
    std::uint32_t host_buffer_frames() const override { return buffer_; }
    Result<void> start() override;
    Result<void> stop() override;
    Result<void> pause(bool paused) override;
    Result<std::size_t> avail() override;
    Result<std::size_t> write(std::span<const std::byte> frames) override;
    Result<std::size_t> read(std::span<std::byte> frames) override;
    Result<std::size_t> delay() override;
    coro::Task<Result<void>> wait_avail(std::size_t min_frames) override;
    // As of the last call that looked at the clock (avail, write, read, delay, wait_avail).
    PcmCounters counters() const override { return counters_; }

    PacedMedium& medium() { return *medium_; }

  private:
    // Brings the buffer up to the clock's position now.
    void advance();
    std::size_t current_avail() const;

    PcmParams params_;
    std::uint32_t buffer_;
    std::unique_ptr<PacedMedium> medium_;
    Timebase timebase_;
    DeviceClock clock_;
    coro::Notify changed_;        // start/stop/pause: wakes wait_avail
    std::uint64_t observed_ = 0;  // clock position already accounted for
    std::uint64_t queued_ = 0;    // playback: frames written, not yet played
    std::uint64_t ready_ = 0;     // capture: frames captured, not yet read
    bool starved_ = false;        // playback: ran dry since the last write
    bool overrun_ = false;        // capture: lost frames since the last read
    PcmCounters counters_;
};

}  // namespace xensnd::backend::audio
