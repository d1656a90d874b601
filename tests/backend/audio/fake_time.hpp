// A made-up CLOCK_MONOTONIC for paced endpoints: time moves only when the test says so, or
// when an endpoint sleeps (the sleep jumps to its deadline at once), so tests assert exact
// positions and instants without timing thresholds.
#pragma once

#include <chrono>
#include <vector>

#include "backend/audio/paced_pcm.hpp"
#include "coro/coro.hpp"

namespace xensnd::backend::audio::test {

struct FakeTime {
    coro::TimePoint now = coro::TimePoint{} + std::chrono::hours(1);
    std::vector<coro::TimePoint> deadlines;  // every sleep an endpoint asked for

    void advance(coro::Duration d) { now += d; }

    static coro::Task<Result<void>> jump(FakeTime* t, coro::TimePoint deadline) {
        t->deadlines.push_back(deadline);
        if (deadline > t->now) t->now = deadline;
        co_return ok();
    }

    // The FakeTime must outlive the endpoints using this.
    Timebase timebase() {
        return Timebase{[this] { return now; },
                        [this](coro::TimePoint d) { return jump(this, d); }};
    }
};

inline std::unique_ptr<coro::Reactor> make_reactor() {
    auto r = coro::Reactor::create();
    if (!r) bug("io_uring became unusable after the probe");
    return std::move(*r);
}

}  // namespace xensnd::backend::audio::test
