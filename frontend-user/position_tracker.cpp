#include "frontend-user/position_tracker.hpp"

#include <algorithm>

namespace xensnd::frontend {

void PositionTracker::open(Direction direction, std::uint32_t frame_bytes,
                           std::uint64_t buffer_frames) {
    direction_ = direction;
    frame_bytes_ = frame_bytes == 0 ? 1 : frame_bytes;
    buffer_frames_ = buffer_frames;
    highest_ = 0;
    restart();
}

void PositionTracker::restart() {
    base_ = highest_;
    hw_frames_ = 0;
    appl_frames_ = 0;
    underrun_ = false;
}

PositionTracker::Update PositionTracker::on_position(std::uint64_t position_bytes) {
    Update u;
    if (position_bytes < highest_) {
        u.backwards = true;
        return u;
    }
    highest_ = position_bytes;
    // highest_ >= base_ always: base_ is a past value of highest_.
    std::uint64_t frames = (highest_ - base_) / frame_bytes_;
    if (direction_ == Direction::Playback && frames > appl_frames_) {
        u.beyond = true;
        underrun_ = true;
        frames = appl_frames_;
    }
    if (frames > hw_frames_) {
        hw_frames_ = frames;
        u.advanced = true;
    }
    return u;
}

void PositionTracker::on_transferred(std::uint64_t frames) {
    if (direction_ == Direction::Playback) {
        // Never more than the buffer ahead of the device (ALSA's transfer guarantees it; a
        // bound here keeps a caller's mistake from corrupting the pointer).
        const std::uint64_t room =
            buffer_frames_ - std::min(buffer_frames_, appl_frames_ - hw_frames_);
        appl_frames_ += std::min(frames, room);
    } else {
        appl_frames_ += std::min(frames, hw_frames_ - appl_frames_);
    }
}

std::uint64_t PositionTracker::avail() const {
    if (direction_ == Direction::Playback)
        return buffer_frames_ - std::min(buffer_frames_, appl_frames_ - hw_frames_);
    return std::min(buffer_frames_, hw_frames_ - appl_frames_);
}

bool PositionTracker::xrun() const {
    if (direction_ == Direction::Playback) return underrun_;
    return hw_frames_ - appl_frames_ > buffer_frames_;
}

}  // namespace xensnd::frontend
