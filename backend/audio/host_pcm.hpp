// HostPcm: one stream's audio on the host side of the backend, opened and prepared, driven
// from the reactor thread without ever blocking it.
//
// The stream server (backend/stream/) runs the sndif stream like a DMA engine over the guest's
// shared buffer: whenever the host device can take (playback) or has (capture) frames, it moves
// them between the shared buffer and the HostPcm, and reports the device's position to the
// guest as CUR_POS. HostPcm is the device half of that: an ALSA PCM (any alsa-lib name), or one
// of the built-in endpoints that need no sound card (WAV file sink/source, null sink, sine
// source), which are paced by CLOCK_MONOTONIC exactly like a device with a buffer of
// params().host_buffer_frames frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::backend::audio {

enum class Direction { Playback, Capture };

// What a stream asks of the host, in the guest's format (no conversion in the backend: the
// capabilities advertised to the guest are what the host PCM takes as it is).
struct PcmParams {
    Direction direction = Direction::Playback;
    std::uint8_t format = 0;  // XENSND_PCM_FORMAT_*
    unsigned rate = 48000;
    unsigned channels = 2;
    // The guest's period and buffer (OPEN's sizes converted to frames). The host wakes the
    // stream at least twice per guest period; its own buffer is chosen by the HostPcm.
    std::uint32_t period_frames = 0;
    std::uint32_t buffer_frames = 0;
    // Bytes per frame of `format` x `channels` (filled in by the stream server).
    std::uint32_t frame_bytes = 0;
};

struct PcmCounters {
    std::uint64_t frames = 0;      // moved to/from the device
    std::uint64_t host_xruns = 0;  // the device ran dry/over and was restarted
    // Silence the device played because the stream had handed nothing over in time
    // (built-in playback endpoints), or produced because its source had ended (WAV source).
    std::uint64_t silence_frames = 0;
};

class HostPcm {
  public:
    virtual ~HostPcm() = default;
    virtual const PcmParams& params() const = 0;
    // The device's own buffer in frames (what wait_avail() can wait for at most).
    virtual std::uint32_t host_buffer_frames() const = 0;

    // Starts the device clock. Playback devices should hold some frames first (write()).
    virtual Result<void> start() = 0;
    // Stops the clock and drops what the device still holds; start() may follow.
    virtual Result<void> stop() = 0;
    // Holds the clock (true) or lets it go on (false) without dropping anything.
    virtual Result<void> pause(bool paused) = 0;

    // Frames the device can take (playback) or has ready (capture) now.
    virtual Result<std::size_t> avail() = 0;
    // Playback: hands whole frames over; returns how many were taken (at most avail()).
    virtual Result<std::size_t> write(std::span<const std::byte> frames) = 0;
    // Capture: takes ready whole frames; returns how many were read.
    virtual Result<std::size_t> read(std::span<std::byte> frames) = 0;
    // Playback: frames handed over that the listener has not heard yet (0 for capture).
    // The stream's position is (frames written) - delay().
    virtual Result<std::size_t> delay() = 0;

    // Suspends until avail() >= min_frames (min_frames is clamped to host_buffer_frames()).
    // Recovers a device xrun by itself (counted in counters()). Cancellation-safe. EIO/ENODEV
    // when the device is gone.
    virtual coro::Task<Result<void>> wait_avail(std::size_t min_frames) = 0;

    virtual PcmCounters counters() const = 0;
};

}  // namespace xensnd::backend::audio
