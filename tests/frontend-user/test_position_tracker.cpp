// PositionTracker: the backend's byte positions become ALSA's hardware pointer without ever
// going backwards, past what was written, or past the buffer.
#include <doctest/doctest.h>

#include "frontend-user/position_tracker.hpp"

using namespace xensnd::frontend;

TEST_CASE("playback: positions in bytes become frames, bounded by what was written") {
    PositionTracker t;
    t.open(Direction::Playback, 4, 1024);
    CHECK(t.avail() == 1024);
    t.on_transferred(1024);
    CHECK(t.avail() == 0);
    auto u = t.on_position(400);
    CHECK(u.advanced);
    CHECK(t.hw_frames() == 100);
    CHECK(t.avail() == 100);
    CHECK(!t.xrun());
    u = t.on_position(402);  // half a frame more: not a frame yet
    CHECK(!u.advanced);
    CHECK(t.hw_frames() == 100);
}

TEST_CASE("playback: a position going backwards is ignored and flagged") {
    PositionTracker t;
    t.open(Direction::Playback, 4, 1024);
    t.on_transferred(512);
    (void)t.on_position(800);
    auto u = t.on_position(400);
    CHECK(u.backwards);
    CHECK(!u.advanced);
    CHECK(t.hw_frames() == 200);
}

TEST_CASE("playback: a position past the data written is clamped and is an underrun") {
    PositionTracker t;
    t.open(Direction::Playback, 4, 1024);
    t.on_transferred(100);
    auto u = t.on_position(1'000'000);
    CHECK(u.beyond);
    CHECK(t.hw_frames() == 100);
    CHECK(t.avail() == 1024);
    CHECK(t.xrun());
}

TEST_CASE("a new run counts from the last position; the old run's positions count for nothing") {
    PositionTracker t;
    t.open(Direction::Playback, 4, 1024);
    t.on_transferred(512);
    (void)t.on_position(2048);
    t.restart();
    CHECK(t.hw_frames() == 0);
    CHECK(t.appl_frames() == 0);
    CHECK(!t.xrun());
    (void)t.on_position(2048);
    CHECK(t.hw_frames() == 0);
    t.on_transferred(10);
    (void)t.on_position(2048 + 40);
    CHECK(t.hw_frames() == 10);
}

TEST_CASE("capture: avail is what was captured and not yet read; more than a buffer is an xrun") {
    PositionTracker t;
    t.open(Direction::Capture, 2, 100);
    (void)t.on_position(120);
    CHECK(t.avail() == 60);
    t.on_transferred(1000);  // cannot read more than was captured
    CHECK(t.appl_frames() == 60);
    (void)t.on_position(120 + 202);
    CHECK(t.xrun());
    CHECK(t.avail() == 100);
}

TEST_CASE("positions near 2^64 neither wrap nor move the pointer backwards") {
    PositionTracker t;
    t.open(Direction::Capture, 4, 1024);
    (void)t.on_position(~0ull - 3);
    const auto hw = t.hw_frames();
    auto u = t.on_position(0);
    CHECK(u.backwards);
    CHECK(t.hw_frames() == hw);
}
