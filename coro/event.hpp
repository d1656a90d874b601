// Event: a manual-reset flag that tasks wait for. Reactor thread only.
// wait() is cancellation-safe: a cancelled wait yields ECANCELED and changes nothing.
#pragma once

#include "coro/detail/waiter.hpp"

namespace xensnd::coro {

class Event {
  public:
    bool is_set() const { return set_; }
    // Sets the flag and wakes every waiter.
    void set() {
        set_ = true;
        while (auto* w = waiters_.pop_front())
            detail::wake(w);
    }
    void reset() { set_ = false; }

    struct Awaiter : detail::ListAwaiter {
        Event* ev;
        explicit Awaiter(Event* owner) : ev(owner) {}
        bool await_ready() const noexcept { return ev->set_; }
        template <RuntimePromise P>
        bool await_suspend(std::coroutine_handle<P> h) {
            return park(h, ev->waiters_);
        }
        Result<void> await_resume() {
            if (int s = unpark()) return Err(s);
            return ok();
        }
    };
    Awaiter wait() { return Awaiter(this); }

  private:
    bool set_ = false;
    detail::WaiterList waiters_;
};

}  // namespace xensnd::coro
