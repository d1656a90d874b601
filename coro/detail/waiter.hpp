// Internal: a coroutine waiting on a synchronisation primitive, kept in an intrusive FIFO.
// Cancellation removes the waiter and schedules it with ECANCELED; a waiter that was already
// handed what it waited for is resumed with it instead (nothing is lost to a cancel).
#pragma once

#include <coroutine>
#include <optional>
#include <stop_token>

#include "coro/reactor.hpp"
#include "coro/task.hpp"

namespace xensnd::coro::detail {

struct Waiter {
    Waiter* prev = nullptr;
    Waiter* next = nullptr;
    std::coroutine_handle<> handle;
    Reactor* reactor = nullptr;
    int status = 0;  // 0: woken normally; ECANCELED: cancelled
    bool queued = false;
};

class WaiterList {
  public:
    bool empty() const { return head_ == nullptr; }
    void push_back(Waiter* w) {
        w->prev = tail_;
        w->next = nullptr;
        if (tail_)
            tail_->next = w;
        else
            head_ = w;
        tail_ = w;
        w->queued = true;
    }
    Waiter* pop_front() {
        Waiter* w = head_;
        if (w) remove(w);
        return w;
    }
    void remove(Waiter* w) {
        if (!w->queued) return;
        if (w->prev)
            w->prev->next = w->next;
        else
            head_ = w->next;
        if (w->next)
            w->next->prev = w->prev;
        else
            tail_ = w->prev;
        w->prev = w->next = nullptr;
        w->queued = false;
    }

  private:
    Waiter* head_ = nullptr;
    Waiter* tail_ = nullptr;
};

// Wakes a waiter taken off its list: resumed on the next turn of its reactor.
inline void wake(Waiter* w, int status = 0) {
    w->status = status;
    w->reactor->schedule(w->handle);
}

// Base of awaiters that park in a WaiterList until woken or cancelled.
struct ListAwaiter : Waiter {
    struct OnStop {
        ListAwaiter* self;
        void operator()() const noexcept {
            if (self->queued) {
                self->list->remove(self);
                wake(self, ECANCELED);
            }
        }
    };
    WaiterList* list = nullptr;
    std::optional<std::stop_callback<OnStop>> on_stop;

    // Parks h; returns false (do not suspend) if already cancelled.
    template <RuntimePromise P>
    bool park(std::coroutine_handle<P> h, WaiterList& l) {
        const Context& ctx = h.promise().ctx;
        if (ctx.stop.stop_requested()) {
            status = ECANCELED;
            return false;
        }
        if (!ctx.reactor) bug("a coroutine primitive awaited outside a reactor");
        handle = h;
        reactor = ctx.reactor;
        list = &l;
        l.push_back(this);
        on_stop.emplace(ctx.stop, OnStop{this});
        return true;
    }
    int unpark() {
        on_stop.reset();
        return status;
    }
};

}  // namespace xensnd::coro::detail
