// DmaEngine: moves frames between the guest's shared buffer and the host PCM the way a sound
// card's DMA engine does, one synchronous step at a time (the StreamServer's pump awaits the
// host between steps; tests and the fuzzer call the steps directly).
//
// Playback hands the host only what the guest has written (WRITE, in the order written), up
// to a target fill; it never reads ahead of the guest, so a guest that keeps only a little written
// ahead loses nothing. Only when the guest has nothing more and the host would run dry before the
// next wake-up does the engine hand silence (counted as underrun frames, never stale samples): the
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
#include <deque>
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
    // caller). Written bytes are played in the order of the WRITEs, each from its offset, as
    // the deployed backend (snd_be) does: Linux restarts its pointers at prepare after an
    // xrun, so reading at position % buffer_sz would play its data shifted. More than a
    // buffer pending (a guest overwriting what it had not let us play) drops the oldest.
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
    // STOP drops what the guest wrote and was not heard, as ALSA's drop and xrun do (the
    // guest prepares and writes afresh, Linux from the start of its buffer). A pause the host
    // cannot do holds it instead: what the host dropped is played after START.
    enum class StopKind { Drop, Hold };
    Result<void> stop(audio::HostPcm& host, StopKind kind = StopKind::Drop);

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
    // Playback: what the guest wrote and the host has not had yet, in the order written
    // (byte ranges of the buffer), and what the host was handed lately (kSilence: silence).
    struct Segment {
        std::uint32_t offset;
        std::uint32_t length;
    };
    static constexpr std::uint32_t kSilence = 0xffffffff;
    static constexpr std::size_t kMaxSegments = 1024;
    // Takes `bytes` from the front of pending_, handing each piece to `taken`.
    template <class Taken>
    void take_pending_front(std::uint64_t bytes, Taken&& taken);
    void drop_pending_front(std::uint64_t bytes);
    std::size_t copy_pending(std::byte* out, std::size_t bytes) const;
    void hand_over(std::uint64_t data_bytes, std::uint64_t silence_bytes);
    void forget_heard(std::uint64_t host_holds_bytes);
    void give_back(std::uint64_t bytes);
    std::deque<Segment> pending_;
    std::uint64_t pending_bytes_ = 0;
    std::deque<Segment> handed_;
    std::uint64_t handed_bytes_ = 0;

    std::uint64_t moved_ = 0;          // frames handed to the host / captured from it
    std::uint64_t last_position_ = 0;  // bytes, what position() said last
    std::uint64_t frames_ = 0;
    std::uint64_t underrun_frames_ = 0;
    std::vector<std::byte> scratch_;
};

}  // namespace xensnd::backend::stream
