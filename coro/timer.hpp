// Timers on io_uring, with absolute CLOCK_MONOTONIC deadlines (std::chrono::steady_clock is
// CLOCK_MONOTONIC on Linux), so pacing never accumulates drift from wake-up delays.
//
// Cancellation: as every io.hpp operation (async cancel, resumed after the completion);
// a cancelled sleep yields ECANCELED, a finished one ok().
#pragma once

#include <chrono>
#include <cstdint>

#include "coro/io.hpp"

namespace xensnd::coro {

using Clock = std::chrono::steady_clock;
using Duration = Clock::duration;
using TimePoint = Clock::time_point;

namespace detail {

struct TimeoutPrep {
    __kernel_timespec* ts;
    void operator()(io_uring_sqe* sqe) const {
        io_uring_prep_timeout(sqe, ts, 0, IORING_TIMEOUT_ABS);
    }
};

struct SleepAwaiter : IoAwaiter<TimeoutPrep> {
    __kernel_timespec ts{};
    bool expired = false;
    explicit SleepAwaiter(TimePoint deadline) : IoAwaiter<TimeoutPrep>(TimeoutPrep{&ts}) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch());
        ts.tv_sec = ns.count() / 1'000'000'000;
        ts.tv_nsec = ns.count() % 1'000'000'000;
        expired = deadline <= Clock::now();
        prep.ts = &ts;
    }
    SleepAwaiter(SleepAwaiter&&) = delete;
    template <RuntimePromise P>
    bool await_suspend(std::coroutine_handle<P> h) {
        if (expired) {
            res = h.promise().ctx.stop.stop_requested() ? -ECANCELED : -ETIME;
            return false;
        }
        return IoAwaiter<TimeoutPrep>::await_suspend(h);
    }
    Result<void> await_resume() {
        int r = raw_result();
        // A timeout completes with -ETIME when the deadline passes.
        if (r == -ETIME || r == 0) return ok();
        return Err(-r);
    }
};

}  // namespace detail

// Suspends until deadline on CLOCK_MONOTONIC.
inline detail::SleepAwaiter sleep_until(TimePoint deadline) {
    return detail::SleepAwaiter(deadline);
}
// Suspends for d (from now).
inline detail::SleepAwaiter sleep_for(Duration d) {
    return detail::SleepAwaiter(Clock::now() + d);
}

// Sleeping as a Task (for select/timeout, which race tasks).
inline Task<Result<void>> sleep_task(TimePoint deadline) {
    co_return co_await sleep_until(deadline);
}

// Periodic pacing with deadlines start + k * period: drift-free, and honest about lateness.
class Interval {
  public:
    struct Tick {
        TimePoint deadline;    // the deadline this tick was for
        std::uint64_t missed;  // whole periods skipped because we woke up too late
    };

    Interval(TimePoint start, Duration period) : next_(start), period_(period) {
        if (period <= Duration::zero()) bug("Interval with a non-positive period");
    }

    // Waits for the next deadline. If the caller fell behind by whole periods, they are
    // skipped (not fired in a burst) and counted in Tick::missed.
    Task<Result<Tick>> tick() {
        TimePoint deadline = next_;
        Result<void> slept = co_await sleep_until(deadline);
        if (!slept) co_return Err(slept.error());
        TimePoint now = Clock::now();
        std::uint64_t missed = 0;
        if (now >= deadline + period_) {
            missed = static_cast<std::uint64_t>((now - deadline) / period_);
        }
        next_ = deadline + period_ * static_cast<std::int64_t>(missed + 1);
        missed_total_ += missed;
        co_return Tick{deadline, missed};
    }

    TimePoint next_deadline() const { return next_; }
    Duration period() const { return period_; }
    std::uint64_t missed_total() const { return missed_total_; }

  private:
    TimePoint next_;
    Duration period_;
    std::uint64_t missed_total_ = 0;
};

}  // namespace xensnd::coro
