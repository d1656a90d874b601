// spawn: run a Task on a reactor as an independent root task; JoinHandle: await its result,
// abort it, or detach it. block_on: drive a reactor until one task finishes (tests and
// synchronous callers).
//
// A spawned task has its own stop source. Dropping a JoinHandle that was neither joined nor
// detached aborts the task (cancellation is never silent work left running); call detach()
// to let it run free.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "coro/reactor.hpp"
#include "coro/task.hpp"

namespace xensnd::coro {

// Result<T> of a task, flattened: a task that already returns Result<U> joins as Result<U>.
template <class T>
struct Flatten {
    using type = Result<T>;
};
template <class U>
struct Flatten<Result<U>> {
    using type = Result<U>;
};
template <class T>
using FlatResult = typename Flatten<T>::type;

namespace detail {

template <class T>
using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
FlatResult<T> flatten(Stored<T>&& v) {
    if constexpr (std::is_void_v<T>) {
        return ok();
    } else {
        return FlatResult<T>(std::move(v));
    }
}

struct JoinStateBase {
    Reactor* reactor = nullptr;
    std::stop_source stop;
    std::coroutine_handle<> joiner;
    bool done = false;
    bool aborted = false;  // abort() was called before the task finished
    // Called when the task finishes (TaskScope's bookkeeping).
    void (*on_done)(void* arg) = nullptr;
    void* on_done_arg = nullptr;
};

template <class T>
struct JoinState : JoinStateBase {
    std::optional<Stored<T>> value;
};

// The self-destroying coroutine that runs a spawned task at the root of a reactor.
struct RootTask {
    struct promise_type : PromiseBase {
        RootLink link;
        RootTask get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        ~promise_type() {
            if (link.prev) ctx.reactor->remove_root(&link);
        }
    };
    std::coroutine_handle<promise_type> h;
};

template <class T>
RootTask run_root(Task<T> task, std::shared_ptr<JoinState<T>> st) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(task);
        st->value.emplace();
    } else {
        st->value.emplace(co_await std::move(task));
    }
    st->done = true;
    if (st->joiner) st->reactor->schedule(std::exchange(st->joiner, {}));
    if (st->on_done) st->on_done(st->on_done_arg);
}

// Registers a root frame running task with state st; it first runs on the reactor's next
// turn (spawning never runs the task inline, as in Rust).
template <class T>
void launch(Reactor& reactor, Task<T> task, const std::shared_ptr<JoinState<T>>& st) {
    st->reactor = &reactor;
    RootTask root = run_root<T>(std::move(task), st);
    auto& p = root.h.promise();
    p.ctx = Context{&reactor, st->stop.get_token()};
    p.link.stop = st->stop;
    p.link.frame = root.h;
    reactor.add_root(&p.link);
    reactor.schedule(root.h);
}

}  // namespace detail

template <class T>
class [[nodiscard]] JoinHandle {
  public:
    JoinHandle() = default;
    JoinHandle(JoinHandle&&) noexcept = default;
    JoinHandle& operator=(JoinHandle&& o) noexcept {
        if (this != &o) {
            drop();
            st_ = std::move(o.st_);
        }
        return *this;
    }
    ~JoinHandle() { drop(); }

    bool is_finished() const { return st_ && st_->done; }

    // Requests cancellation; the task finishes at its next await and joins as ECANCELED.
    // Reactor thread only (from another thread, post it through the reactor's Handle).
    void abort() {
        if (st_ && !st_->done) {
            st_->aborted = true;
            st_->stop.request_stop();
        }
    }
    // Lets the task run to completion on its own; the handle becomes empty.
    void detach() { st_.reset(); }

    struct Awaiter {
        detail::JoinState<T>* st;
        bool await_ready() const noexcept { return st->done; }
        void await_suspend(std::coroutine_handle<> h) noexcept { st->joiner = h; }
        FlatResult<T> await_resume() {
            if (st->aborted) return Err(ECANCELED);
            return detail::flatten<T>(std::move(*st->value));
        }
    };
    // Waits for the task; its result, or ECANCELED if it was aborted. Join once.
    Awaiter operator co_await() {
        if (!st_) bug("joining an empty JoinHandle");
        return Awaiter{st_.get()};
    }

  private:
    template <class U>
    friend JoinHandle<U> spawn(Reactor&, Task<U>);
    explicit JoinHandle(std::shared_ptr<detail::JoinState<T>> st) : st_(std::move(st)) {}
    void drop() {
        abort();
        st_.reset();
    }
    std::shared_ptr<detail::JoinState<T>> st_;
};

// Runs task on reactor as an independent root task. Reactor thread, or before the reactor
// first runs; from another thread use Handle::post.
template <class T>
JoinHandle<T> spawn(Reactor& reactor, Task<T> task) {
    auto st = std::make_shared<detail::JoinState<T>>();
    detail::launch(reactor, std::move(task), st);
    return JoinHandle<T>(std::move(st));
}

// Drives reactor until task finishes and returns what it returned. Not from inside a task.
template <class T>
T block_on(Reactor& reactor, Task<T> task) {
    auto st = std::make_shared<detail::JoinState<T>>();
    detail::launch(reactor, std::move(task), st);
    reactor.run_until([&] { return st->done; });
    if constexpr (!std::is_void_v<T>) return std::move(*st->value);
}

}  // namespace xensnd::coro
