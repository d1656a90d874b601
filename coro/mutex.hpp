// Mutex: an async lock for state shared by tasks across suspension points. FIFO hand-off.
// Reactor thread only. lock() is cancellation-safe: a cancelled waiter leaves the queue; if
// the lock was already handed to it, it returns the guard instead of ECANCELED.
#pragma once

#include <utility>

#include "coro/detail/waiter.hpp"

namespace xensnd::coro {

class Mutex {
  public:
    class Guard {
      public:
        Guard() = default;
        explicit Guard(Mutex* m) : m_(m) {}
        Guard(Guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
        Guard& operator=(Guard&& o) noexcept {
            if (this != &o) {
                unlock();
                m_ = std::exchange(o.m_, nullptr);
            }
            return *this;
        }
        ~Guard() { unlock(); }
        void unlock() {
            if (m_) std::exchange(m_, nullptr)->release();
        }
        bool owns_lock() const { return m_ != nullptr; }

      private:
        Mutex* m_ = nullptr;
    };

    bool is_locked() const { return locked_; }
    // Takes the lock if free.
    std::optional<Guard> try_lock() {
        if (locked_) return std::nullopt;
        locked_ = true;
        return Guard(this);
    }

    struct Awaiter : detail::ListAwaiter {
        Mutex* m;
        explicit Awaiter(Mutex* owner) : m(owner) {}
        bool await_ready() noexcept {
            if (m->locked_) return false;
            m->locked_ = true;
            return true;
        }
        template <RuntimePromise P>
        bool await_suspend(std::coroutine_handle<P> h) {
            return park(h, m->waiters_);
        }
        Result<Guard> await_resume() {
            // The lock is handed over while still held: a woken waiter owns it already.
            if (int s = unpark()) return Err(s);
            return Guard(m);
        }
    };
    Awaiter lock() { return Awaiter(this); }

  private:
    void release() {
        if (auto* w = waiters_.pop_front())
            detail::wake(w);  // ownership passes on
        else
            locked_ = false;
    }
    bool locked_ = false;
    detail::WaiterList waiters_;
};

}  // namespace xensnd::coro
