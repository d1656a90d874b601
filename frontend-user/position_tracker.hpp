// PositionTracker: turns the backend's CUR_POS byte positions into ALSA's hardware pointer for
// one run of a stream (prepare .. stop), without trusting them.
//
// A position is bytes since OPEN and never goes backwards for the life of the open stream (it is
// not reset by STOP or by a prepare after an xrun), so a run counts from the position seen when
// it began. The backend is a peer we do not trust:
//   - a position below the highest one seen is ignored (and flagged: the caller logs once);
//   - for playback, a position past what we wrote is clamped to what we wrote: the device ran
//     out of data (an underrun, reported as an xrun) or the backend lies (flagged);
//   - for capture, more captured than the buffer holds beyond what the application read is an
//     overrun (an xrun).
// Arithmetic is on unsigned 64-bit values with explicit bounds, so no input wraps the pointer.
// Pure: no clock, no locking (the caller serialises), so it is fuzzed on its own.
#pragma once

#include <cstdint>

namespace xensnd::frontend {

enum class Direction { Playback, Capture };

class PositionTracker {
  public:
    struct Update {
        bool advanced = false;   // the hardware pointer moved
        bool backwards = false;  // the position was below one already seen (ignored)
        bool beyond = false;     // playback: past what was written (clamped)
    };

    // A stream freshly OPENed: positions count from 0.
    void open(Direction direction, std::uint32_t frame_bytes, std::uint64_t buffer_frames);
    // A new run (prepare): the hardware and application pointers restart at 0, counted from
    // the highest position seen so far.
    void restart();

    Update on_position(std::uint64_t position_bytes);
    // The application transferred `frames` more (playback: written, capture: read).
    void on_transferred(std::uint64_t frames);

    // Frames the device has played/captured in this run (playback: never above appl_frames()).
    std::uint64_t hw_frames() const { return hw_frames_; }
    // Frames the application wrote/read in this run.
    std::uint64_t appl_frames() const { return appl_frames_; }
    // Playback: free frames; capture: frames ready to read (at most the buffer).
    std::uint64_t avail() const;
    // Playback: the device consumed past the data (underrun); capture: the buffer overflowed.
    bool xrun() const;

    std::uint32_t frame_bytes() const { return frame_bytes_; }
    std::uint64_t buffer_frames() const { return buffer_frames_; }
    Direction direction() const { return direction_; }

  private:
    Direction direction_ = Direction::Playback;
    std::uint32_t frame_bytes_ = 1;
    std::uint64_t buffer_frames_ = 0;
    std::uint64_t highest_ = 0;  // highest position seen since OPEN (bytes)
    std::uint64_t base_ = 0;     // position at the start of this run (bytes)
    std::uint64_t hw_frames_ = 0;
    std::uint64_t appl_frames_ = 0;
    bool underrun_ = false;
};

}  // namespace xensnd::frontend
