// PollStream: a multishot poll on an fd, consumed as a stream of readiness events. One SQE
// serves many wake-ups (event channels, XenStore watches). If the kernel ends the multishot
// (it may, e.g. on overflow), the next next() arms it again.
//
// Cancellation: next() is cancellation-safe: a cancelled next() yields ECANCELED and leaves
// the poll armed; readiness that arrives meanwhile is kept for the following next().
// Destroying the stream cancels the poll; its last completion is reaped by the reactor.
#pragma once

#include <poll.h>

#include <cstdint>
#include <optional>
#include <stop_token>

#include "coro/reactor.hpp"
#include "coro/task.hpp"

namespace xensnd::coro {

class PollStream {
    struct State : IoOp {
        Reactor* reactor = nullptr;
        int fd;
        std::uint32_t events;
        std::uint32_t pending = 0;  // revents seen and not yet handed out
        int error = 0;              // a final error from the kernel
        bool armed = false;
        bool orphaned = false;  // the stream is gone; free on the final completion
        std::coroutine_handle<> waiter;
        State(int f, std::uint32_t e) : fd(f), events(e) { on_cqe = &State::complete; }
        void arm() {
            io_uring_sqe* sqe = reactor->sqe();
            io_uring_prep_poll_multishot(sqe, fd, events);
            reactor->submit(this, sqe);
            armed = true;
        }
        static void complete(IoOp* op, int res, unsigned flags) {
            auto* s = static_cast<State*>(op);
            if (!(flags & IORING_CQE_F_MORE)) s->armed = false;
            if (s->orphaned) {
                if (!s->armed) delete s;
                return;
            }
            if (res < 0) {
                // Our own cancel ends with ECANCELED; anything else is the fd's problem.
                if (res != -ECANCELED) s->error = -res;
            } else {
                s->pending |= static_cast<std::uint32_t>(res);
            }
            if (s->waiter) s->reactor->schedule(std::exchange(s->waiter, {}));
        }
    };

  public:
    PollStream(int fd, std::uint32_t events) : st_(new State(fd, events)) {}
    PollStream(PollStream&& o) noexcept : st_(std::exchange(o.st_, nullptr)) {}
    PollStream(const PollStream&) = delete;
    PollStream& operator=(const PollStream&) = delete;
    ~PollStream() {
        if (!st_) return;
        if (st_->armed) {
            st_->orphaned = true;
            st_->reactor->cancel(st_);
        } else {
            delete st_;
        }
    }

    struct NextAwaiter {
        struct OnStop {
            NextAwaiter* self;
            void operator()() const noexcept {
                State* s = self->st;
                if (s->waiter) {
                    s->waiter = {};
                    self->cancelled = true;
                    s->reactor->schedule(self->handle);
                }
            }
        };
        State* st;
        std::coroutine_handle<> handle;
        bool cancelled = false;
        std::optional<std::stop_callback<OnStop>> on_stop;

        explicit NextAwaiter(State* s) : st(s) {}
        bool await_ready() const noexcept { return st->pending != 0 || st->error != 0; }
        template <RuntimePromise P>
        bool await_suspend(std::coroutine_handle<P> h) {
            const Context& ctx = h.promise().ctx;
            if (ctx.stop.stop_requested()) {
                cancelled = true;
                return false;
            }
            if (!ctx.reactor) bug("a PollStream awaited outside a reactor");
            if (st->reactor && st->reactor != ctx.reactor) bug("a PollStream used on two reactors");
            st->reactor = ctx.reactor;
            if (st->waiter) bug("two tasks awaiting one PollStream");
            if (!st->armed) st->arm();
            handle = h;
            st->waiter = h;
            on_stop.emplace(ctx.stop, OnStop{this});
            return true;
        }
        Result<std::uint32_t> await_resume() {
            on_stop.reset();
            if (st->pending) return std::exchange(st->pending, 0u);
            if (st->error) return Err(std::exchange(st->error, 0));
            if (cancelled) return Err(ECANCELED);
            return Err(EAGAIN);  // woken by the end of a multishot; caller may retry
        }
    };

    // The readiness (revents) accumulated since the last call, waiting if there is none.
    NextAwaiter next() { return NextAwaiter(st_); }

    bool armed() const { return st_ && st_->armed; }

  private:
    State* st_;
};

}  // namespace xensnd::coro
