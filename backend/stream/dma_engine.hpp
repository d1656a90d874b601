// DmaEngine: moves frames between the guest's shared buffer and the host PCM the way a sound
// card's DMA engine does, one synchronous step at a time (the StreamServer's pump awaits the
// host between steps; tests and the fuzzer call the steps directly).
//
// Playback hands the host only what the guest has written (WRITE), up to a target fill; it
// never reads ahead of the guest, so a guest that keeps only a little written ahead loses
// nothing. Only when the guest has nothing more and the host would run dry before the next
// wake-up does the engine hand silence (counted as underrun frames, never stale samples): the
// device clock, and so CUR_POS, goes on through a real underrun as DMA does, and the guest's
// ALSA sees its position pass what it wrote (its xrun). Capture writes the buffer at
// position % buffer_sz; READ only tells the guest to look.
//
// The position (bytes) is monotonic for the life of one OPEN: STOP, START and host xruns never
// move it back. Playback: frames handed to the host minus the host's delay (what was heard);
// capture: frames captured.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/audio/host_pcm.hpp"
#include "backend/audio/soft_volume.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::stream {

struct DmaGeometry {
    std::byte* buffer = nullptr;     // the mapped shared buffer
    std::uint32_t buffer_bytes = 0;  // a whole number of frames
    std::uint32_t frame_bytes = 0;
    std::uint32_t period_frames = 0;  // the guest's, >= 1
    audio::Direction direction = audio::Direction::Playback;
    std::uint8_t format = 0;
};

class DmaEngine {
  public:
    // `volume` must outlive the engine.
    DmaEngine(DmaGeometry geometry, const audio::SoftVolume* volume);

    const DmaGeometry& geometry() const { return g_; }

    // Playback: the guest wrote [offset, offset + length) of the buffer (range checked by the
    // caller). A write right after the previous one extends what is playable; any other write
    // is placed within one buffer after the last position reported (where the guest's own
    // pointer can be). Bytes already consumed stay consumed (they were heard as silence).
    void guest_wrote(std::uint32_t offset, std::uint32_t length);

    // What the pump waits for (HostPcm::wait_avail) before the next transfer(): playback wakes
    // once the host has played a step (half a guest period, at most half the target fill)
    // more or is down to its low water (a quarter step), capture when half a period is ready.
    // At least 1, at most the host's buffer.
    std::size_t wake_frames(audio::HostPcm& host) const;

    // Playback: tops the host up to its target fill (a guest period short of the guest's
    // buffer, at most the host's buffer) with what the guest wrote; a step of silence only
    // when the host is down to its low water and the guest has nothing more. Capture: takes every
    // ready frame. Returns the frames moved.
    Result<std::size_t> transfer(audio::HostPcm& host);

    // START/RESUME after a stop: playback first hands the host what it should hold.
    Result<void> start(audio::HostPcm& host);
    // STOP (or a pause the host cannot do): the host drops what it holds; playback takes back
    // what was handed over but not heard, so a later START plays it from the buffer again.
    Result<void> stop(audio::HostPcm& host);

    // The stream position in bytes (monotonic).
    Result<std::uint64_t> position(audio::HostPcm& host);

    std::uint64_t frames() const { return frames_; }
    std::uint64_t underrun_frames() const { return underrun_frames_; }

  private:
    std::size_t target_fill(const audio::HostPcm& host) const;
    std::size_t step_frames(const audio::HostPcm& host) const;
    std::size_t low_water_frames(const audio::HostPcm& host) const;
    Result<std::size_t> play(audio::HostPcm& host, std::size_t frames);
    Result<std::size_t> capture(audio::HostPcm& host, std::size_t frames);

    DmaGeometry g_;
    const audio::SoftVolume* volume_;
    std::uint64_t moved_ = 0;          // frames handed to the host / captured from it
    std::uint64_t written_end_ = 0;    // playback: absolute byte up to which the guest wrote
    std::uint64_t last_position_ = 0;  // bytes, what position() said last
    std::uint64_t frames_ = 0;
    std::uint64_t underrun_frames_ = 0;
    std::vector<std::byte> scratch_;
};

}  // namespace xensnd::backend::stream
