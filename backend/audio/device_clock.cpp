#include "backend/audio/device_clock.hpp"

#include "coro/result.hpp"

namespace xensnd::backend::audio {

namespace {
constexpr unsigned __int128 kNsPerSecond = 1'000'000'000;
}

DeviceClock::DeviceClock(unsigned rate) : rate_(rate) {
    if (rate == 0) bug("DeviceClock with rate 0");
}

void DeviceClock::start(DeviceClock::TimePoint now) {
    state_ = State::Running;
    anchor_ = now;
    anchor_frames_ = 0;
}

void DeviceClock::stop() {
    state_ = State::Stopped;
    anchor_frames_ = 0;
}

void DeviceClock::pause(DeviceClock::TimePoint now) {
    if (state_ != State::Running) return;
    anchor_frames_ = position(now);
    state_ = State::Paused;
}

void DeviceClock::resume(DeviceClock::TimePoint now) {
    if (state_ != State::Paused) return;
    anchor_ = now;
    state_ = State::Running;
}

std::uint64_t DeviceClock::position(DeviceClock::TimePoint now) const {
    if (state_ != State::Running || now <= anchor_) return anchor_frames_;
    // 128-bit product: hours of nanoseconds times 384 kHz overflows 64 bits.
    auto ns = static_cast<unsigned __int128>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - anchor_).count());
    return anchor_frames_ + static_cast<std::uint64_t>(ns * rate_ / kNsPerSecond);
}

DeviceClock::TimePoint DeviceClock::when(std::uint64_t target) const {
    if (target <= anchor_frames_) return anchor_;
    auto frames = static_cast<unsigned __int128>(target - anchor_frames_);
    // Round up: the first whole nanosecond at which floor(ns * rate / 1e9) reaches frames.
    auto ns = (frames * kNsPerSecond + rate_ - 1) / rate_;
    return anchor_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::nanoseconds(static_cast<std::int64_t>(ns)));
}

}  // namespace xensnd::backend::audio
