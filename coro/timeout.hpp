// timeout: run a task with a time limit. On expiry the task is cancelled, awaited to its end,
// and the result is ETIMEDOUT. A task returning Result<U> yields Result<U> (flattened).
#pragma once

#include "coro/select.hpp"
#include "coro/spawn.hpp"
#include "coro/timer.hpp"

namespace xensnd::coro {

template <class T>
Task<FlatResult<T>> timeout_at(TimePoint deadline, Task<T> task) {
    auto r = co_await select(std::move(task), sleep_task(deadline));
    if (r.index() == 0) co_return detail::flatten<T>(std::move(std::get<0>(r)));
    const Result<void>& slept = std::get<1>(r);
    // The sleep finishing first because the caller was cancelled is not a time-out.
    if (!slept) co_return Err(slept.error());
    co_return Err(ETIMEDOUT);
}

template <class T>
Task<FlatResult<T>> timeout(Duration limit, Task<T> task) {
    return timeout_at(Clock::now() + limit, std::move(task));
}

}  // namespace xensnd::coro
