// DeviceClock: the position of a device that consumes or produces `rate` frames per second,
// derived from absolute instants so it never drifts: position = frames at the last anchor +
// floor((now - anchor) * rate / 1 s). The anchor moves only when the clock starts, resumes
// from a pause or stops, never on reads, so rounding never accumulates.
//
// Pure arithmetic over the instants the caller passes: tests drive it with made-up times.
#pragma once

#include <chrono>
#include <cstdint>

namespace xensnd::backend::audio {

class DeviceClock {
  public:
    // CLOCK_MONOTONIC, the same type as coro::TimePoint (without the coroutine headers).
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit DeviceClock(unsigned rate);

    unsigned rate() const { return rate_; }
    bool running() const { return state_ == State::Running; }
    bool paused() const { return state_ == State::Paused; }

    // Position 0 at `now`, running.
    void start(TimePoint now);
    // Back to position 0, stopped.
    void stop();
    // Holds the position at `now` (pause) or lets it go on from there (resume). A pause keeps
    // the frames already elapsed; the fraction of a frame in progress is dropped.
    void pause(TimePoint now);
    void resume(TimePoint now);

    // Frames elapsed since start, not counting pauses.
    std::uint64_t position(TimePoint now) const;
    // The first instant at which position() >= target while running (the last anchor for a
    // target already reached then).
    TimePoint when(std::uint64_t target) const;

  private:
    enum class State { Stopped, Running, Paused };
    unsigned rate_;
    State state_ = State::Stopped;
    TimePoint anchor_{};
    std::uint64_t anchor_frames_ = 0;
};

}  // namespace xensnd::backend::audio
