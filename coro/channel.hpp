// Channel<T>: a bounded multi-producer, single-consumer queue into a reactor.
//
// try_send() and close() work from any thread (a helper thread feeding the reactor);
// send() and recv() are awaited on the reactor's own thread.
// Cancellation: recv() is cancellation-safe (an item is only taken by a recv that returns
// it). send() is cancellation-safe in that a cancelled send has not enqueued its value (the
// value is dropped with the task).
#pragma once

#include <deque>
#include <mutex>
#include <optional>

#include "coro/detail/waiter.hpp"
#include "coro/notify.hpp"

namespace xensnd::coro {

template <class T>
class Channel {
  public:
    Channel(Reactor& reactor, std::size_t capacity)
        : reactor_(&reactor), handle_(reactor.handle()), capacity_(capacity) {
        if (capacity == 0) bug("a Channel needs a capacity of at least 1");
    }
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // Enqueues v if there is room. EAGAIN when full, EPIPE when closed. Any thread.
    Result<void> try_send(T v) {
        detail::Waiter* w = nullptr;
        {
            std::lock_guard lock(mutex_);
            if (closed_) return Err(EPIPE);
            if (items_.size() >= capacity_) return Err(EAGAIN);
            items_.push_back(std::move(v));
            w = receivers_.pop_front();
        }
        wake_receiver(w);
        return ok();
    }

    // Enqueues v, waiting for room. Reactor thread.
    Task<Result<void>> send(T v) {
        for (;;) {
            detail::Waiter* w = nullptr;
            bool accepted = false;
            {
                std::lock_guard lock(mutex_);
                if (closed_) co_return Err(EPIPE);
                if (items_.size() < capacity_) {
                    items_.push_back(std::move(v));
                    w = receivers_.pop_front();
                    accepted = true;
                }
            }
            if (accepted) {
                wake_receiver(w);
                co_return ok();
            }
            Result<void> r = co_await room_.notified();
            if (!r) co_return r;
        }
    }

    // No more sends; receivers drain what is queued, then get EPIPE. Any thread.
    void close() {
        detail::Waiter* w = nullptr;
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
            w = receivers_.pop_front();
        }
        wake_receiver(w);
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }

    struct RecvAwaiter : detail::Waiter {
        struct OnStop {
            RecvAwaiter* self;
            void operator()() const noexcept {
                Channel* ch = self->ch;
                std::lock_guard lock(ch->mutex_);
                if (self->queued) {
                    ch->receivers_.remove(self);
                    detail::wake(self, ECANCELED);
                }
            }
        };
        Channel* ch;
        std::optional<std::stop_callback<OnStop>> on_stop;
        std::optional<T> item;

        explicit RecvAwaiter(Channel* c) : ch(c) {}
        bool await_ready() { return take(); }
        template <RuntimePromise P>
        bool await_suspend(std::coroutine_handle<P> h) {
            const Context& ctx = h.promise().ctx;
            if (ctx.stop.stop_requested()) {
                status = ECANCELED;
                return false;
            }
            handle = h;
            reactor = ctx.reactor;
            {
                std::lock_guard lock(ch->mutex_);
                // An item may have arrived since await_ready.
                if (!ch->items_.empty() || ch->closed_) return false;
                ch->receivers_.push_back(this);
            }
            on_stop.emplace(ctx.stop, OnStop{this});
            return true;
        }
        Result<T> await_resume() {
            on_stop.reset();
            if (!item && status == 0) take();
            if (item) {
                ch->room_.notify_one();
                return std::move(*item);
            }
            if (status) return Err(status);
            return Err(EPIPE);
        }
        bool take() {
            std::lock_guard lock(ch->mutex_);
            if (ch->items_.empty()) return ch->closed_;
            item.emplace(std::move(ch->items_.front()));
            ch->items_.pop_front();
            return true;
        }
    };
    // The next item; EPIPE once closed and drained. Reactor thread.
    RecvAwaiter recv() { return RecvAwaiter(this); }

  private:
    void wake_receiver(detail::Waiter* w) {
        if (!w) return;
        if (reactor_->on_reactor_thread()) {
            detail::wake(w);
        } else {
            // The waiter stays suspended (and its frame alive) until this runs.
            (void)handle_.post([w](Reactor&) { detail::wake(w); });
        }
    }

    Reactor* reactor_;
    Handle handle_;
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<T> items_;
    bool closed_ = false;
    detail::WaiterList receivers_;  // guarded by mutex_
    Notify room_;                   // reactor thread
};

}  // namespace xensnd::coro
