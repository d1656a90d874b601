// The device clock, driven by made-up instants: exact positions, pauses, no drift.
#include <doctest/doctest.h>

#include "backend/audio/device_clock.hpp"

using namespace xensnd::backend::audio;
using namespace std::chrono_literals;
using TimePoint = DeviceClock::TimePoint;

TEST_CASE("the position is floor(elapsed * rate)") {
    DeviceClock clock(48000);
    TimePoint t0 = TimePoint{} + 1000s;
    CHECK(clock.position(t0) == 0);
    clock.start(t0);
    CHECK(clock.running());
    CHECK(clock.position(t0) == 0);
    CHECK(clock.position(t0 + 20833ns) == 0);  // 0.99998 frames
    CHECK(clock.position(t0 + 20834ns) == 1);
    CHECK(clock.position(t0 + 1s) == 48000);
    CHECK(clock.position(t0 + 10ms) == 480);
    CHECK(clock.position(t0 - 1s) == 0);  // before start: nothing
}

TEST_CASE("when() is the first instant a position is reached") {
    for (unsigned rate : {8000u, 44100u, 48000u, 5512u, 384000u}) {
        CAPTURE(rate);
        DeviceClock clock(rate);
        TimePoint t0 = TimePoint{} + 5s;
        clock.start(t0);
        for (std::uint64_t target : {1ull, 7ull, 441ull, 1000ull, 123457ull}) {
            TimePoint at = clock.when(target);
            CHECK(clock.position(at) == target);
            CHECK(clock.position(at - 1ns) == target - 1);
        }
        CHECK(clock.when(0) == t0);
    }
}

TEST_CASE("a pause holds the position; resume continues from it") {
    DeviceClock clock(1000);
    TimePoint t0{};
    clock.start(t0);
    clock.pause(t0 + 1500us);  // 1.5 frames: one frame is kept
    CHECK(clock.paused());
    CHECK(clock.position(t0 + 10s) == 1);
    clock.resume(t0 + 10s);
    CHECK(clock.position(t0 + 10s) == 1);
    CHECK(clock.position(t0 + 10s + 999us) == 1);
    CHECK(clock.position(t0 + 11s) == 1001);
    CHECK(clock.when(1001) == t0 + 11s);
    clock.stop();
    CHECK(!clock.running());
    CHECK(clock.position(t0 + 20s) == 0);
}

TEST_CASE("no drift over simulated days, whatever the reading pattern") {
    DeviceClock clock(44100);
    TimePoint t0 = TimePoint{} + 12345s;
    clock.start(t0);
    // Reading every 1 ms 3 ns for a simulated while changes nothing.
    std::uint64_t last = 0;
    TimePoint t = t0;
    for (int i = 0; i < 100000; ++i) {
        t += 1000003ns;
        auto p = clock.position(t);
        CHECK_MESSAGE(p >= last, "monotonic");
        last = p;
    }
    CHECK(clock.position(t0 + 48h) == 44100ull * 48 * 3600);
    CHECK(clock.position(t0 + 24h * 365) == 44100ull * 3600 * 24 * 365);
    DeviceClock fast(384000);
    fast.start(t0);
    CHECK(fast.position(t0 + 24h * 365 * 10) == 384000ull * 3600 * 24 * 365 * 10);
}
