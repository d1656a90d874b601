// Notify: wake one waiting task, or leave one permit for the next waiter (as tokio's Notify).
// Reactor thread only. notified() is cancellation-safe: a permit handed to a waiter that is
// being cancelled is not lost — that waiter returns ok with it.
#pragma once

#include "coro/detail/waiter.hpp"

namespace xensnd::coro {

class Notify {
  public:
    // Wakes the oldest waiter, or stores a single permit if none waits.
    void notify_one() {
        if (auto* w = waiters_.pop_front())
            detail::wake(w);
        else
            permit_ = true;
    }
    // Wakes every current waiter (stores no permit).
    void notify_all() {
        while (auto* w = waiters_.pop_front())
            detail::wake(w);
    }

    struct Awaiter : detail::ListAwaiter {
        Notify* n;
        explicit Awaiter(Notify* owner) : n(owner) {}
        bool await_ready() noexcept { return std::exchange(n->permit_, false); }
        template <RuntimePromise P>
        bool await_suspend(std::coroutine_handle<P> h) {
            return park(h, n->waiters_);
        }
        Result<void> await_resume() {
            if (int s = unpark()) return Err(s);
            return ok();
        }
    };
    Awaiter notified() { return Awaiter(this); }

  private:
    bool permit_ = false;
    detail::WaiterList waiters_;
};

}  // namespace xensnd::coro
