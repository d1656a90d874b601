// One-shot io_uring operations as awaitables: poll an fd, read, write.
//
// Cancellation: when the awaiting task's stop token fires, an async cancel is submitted and
// the task is resumed only after the operation's own completion has arrived, so the kernel
// never writes into a frame that has moved on. The result is then ECANCELED, or the
// operation's real result if it completed first (a read that returns data is never lost).
// An already-stopped task does not submit at all and gets ECANCELED at once.
#pragma once

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>

#include "coro/reactor.hpp"
#include "coro/task.hpp"

namespace xensnd::coro {

namespace detail {

// Shared machinery: Prep fills the SQE; the awaiter lives in the awaiting frame.
template <class Prep>
struct IoAwaiter : IoOp {
    struct OnStop {
        IoAwaiter* self;
        void operator()() const noexcept { self->reactor->cancel(self); }
    };

    Prep prep;
    Reactor* reactor = nullptr;
    int res = 0;
    std::coroutine_handle<> waiter;
    std::optional<std::stop_callback<OnStop>> on_stop;

    explicit IoAwaiter(Prep p) : prep(p) { on_cqe = &IoAwaiter::complete; }
    IoAwaiter(const IoAwaiter&) = delete;

    bool await_ready() const noexcept { return false; }
    template <RuntimePromise P>
    bool await_suspend(std::coroutine_handle<P> h) {
        const Context& ctx = h.promise().ctx;
        if (!ctx.reactor) bug("an I/O operation awaited outside a reactor");
        if (ctx.stop.stop_requested()) {
            res = -ECANCELED;
            return false;
        }
        reactor = ctx.reactor;
        io_uring_sqe* sqe = reactor->sqe();
        prep(sqe);
        reactor->submit(this, sqe);
        waiter = h;
        on_stop.emplace(ctx.stop, OnStop{this});
        return true;
    }
    int raw_result() {
        on_stop.reset();
        return res;
    }
    static void complete(IoOp* op, int r, unsigned) {
        auto* self = static_cast<IoAwaiter*>(op);
        self->res = r;
        self->reactor->schedule(self->waiter);
    }
};

template <class Prep>
struct PollAwaiter : IoAwaiter<Prep> {
    using IoAwaiter<Prep>::IoAwaiter;
    Result<std::uint32_t> await_resume() {
        int r = this->raw_result();
        if (r < 0) return Err(-r);
        return static_cast<std::uint32_t>(r);
    }
};

template <class Prep>
struct SizeAwaiter : IoAwaiter<Prep> {
    using IoAwaiter<Prep>::IoAwaiter;
    Result<std::size_t> await_resume() {
        int r = this->raw_result();
        if (r < 0) return Err(-r);
        return static_cast<std::size_t>(r);
    }
};

}  // namespace detail

// Waits once until fd has one of `events` (POLLIN, POLLOUT, ...); yields the revents.
inline auto poll(int fd, std::uint32_t events) {
    auto prep = [fd, events](io_uring_sqe* sqe) { io_uring_prep_poll_add(sqe, fd, events); };
    return detail::PollAwaiter<decltype(prep)>(prep);
}

// Reads up to buf.size() bytes at the current file position (offset -1: pipes, eventfds,
// sockets). Yields the byte count (0 at end of file).
inline auto read(int fd, std::span<std::byte> buf) {
    auto prep = [fd, buf](io_uring_sqe* sqe) {
        io_uring_prep_read(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()),
                           static_cast<std::uint64_t>(-1));
    };
    return detail::SizeAwaiter<decltype(prep)>(prep);
}

// Writes buf; yields the byte count written (may be short, as write(2)).
inline auto write(int fd, std::span<const std::byte> buf) {
    auto prep = [fd, buf](io_uring_sqe* sqe) {
        io_uring_prep_write(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()),
                            static_cast<std::uint64_t>(-1));
    };
    return detail::SizeAwaiter<decltype(prep)>(prep);
}

}  // namespace xensnd::coro
