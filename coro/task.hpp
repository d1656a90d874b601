// Task<T>: a lazy, move-only coroutine that produces one T. Like a Rust future it does
// nothing until awaited, and is awaited at most once (`co_await std::move(t)` for an lvalue).
//
// Chains of awaits never grow the stack, at any optimisation level. g++ 12 compiles the
// symmetric transfer of `await_suspend` returning a handle into a real tail call only when
// optimising, so a task that finishes without suspending does not transfer back to its
// awaiter: the awaiter starts it with an ordinary call and simply continues when it returns
// (`InlineState` below). Symmetric transfer is used only to resume an awaiter after an
// asynchronous completion, where the stack is the reactor's and shallow.
//
// Every task carries a Context: the reactor it runs on and the stop token that cancels it.
// Awaiting a task passes the awaiter's context down, so cancellation flows from parent to
// child and awaitables find their reactor without global or thread-local state.
#pragma once

#include <coroutine>
#include <cstdlib>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "coro/result.hpp"

namespace xensnd::coro {

class Reactor;

// What a running coroutine knows about where it runs.
struct Context {
    Reactor* reactor = nullptr;
    std::stop_token stop;
};

// Whether a task's awaiter is still inside the call that started it.
enum class InlineState : unsigned char { Idle, Starting, FinishedInline, AwaiterSuspended };

// Base of every promise in this runtime; awaitables reach the context through it.
struct PromiseBase {
    Context ctx;
    std::coroutine_handle<> continuation;
    InlineState inline_state = InlineState::Idle;

    std::suspend_always initial_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { bug("an exception escaped a coroutine"); }
};

template <class P>
concept RuntimePromise = std::is_base_of_v<PromiseBase, P>;

namespace detail {

// Final awaiter: return to the awaiter's starting call if it is still inside it, else
// resume the suspended awaiter.
struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <RuntimePromise P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
        auto& p = h.promise();
        if (p.inline_state == InlineState::Starting) {
            p.inline_state = InlineState::FinishedInline;
            return std::noop_coroutine();
        }
        return p.continuation ? p.continuation : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
};

template <class T>
struct TaskPromise : PromiseBase {
    std::optional<T> value;
    FinalAwaiter final_suspend() noexcept { return {}; }
    template <class U>
    requires std::is_convertible_v<U&&, T>
    void return_value(U&& v) { value.emplace(std::forward<U>(v)); }
    T take() { return std::move(*value); }
};

template <>
struct TaskPromise<void> : PromiseBase {
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void take() noexcept {}
};

}  // namespace detail

template <class T = void>
class [[nodiscard]] Task {
  public:
    struct promise_type : detail::TaskPromise<T> {
        Task get_return_object() noexcept {
            return Task(std::coroutine_handle<promise_type>::from_promise(*this));
        }
    };
    using value_type = T;
    using handle_type = std::coroutine_handle<promise_type>;

    Task() noexcept = default;
    Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    Task& operator=(Task&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() { reset(); }

    bool valid() const noexcept { return static_cast<bool>(h_); }
    bool done() const noexcept { return h_ && h_.done(); }

    struct Awaiter {
        handle_type h;
        bool await_ready() const noexcept { return false; }
        template <RuntimePromise P>
        bool await_suspend(std::coroutine_handle<P> awaiter) noexcept {
            auto& p = h.promise();
            p.ctx = awaiter.promise().ctx;
            p.continuation = awaiter;
            p.inline_state = InlineState::Starting;
            h.resume();
            if (p.inline_state == InlineState::FinishedInline) return false;
            p.inline_state = InlineState::AwaiterSuspended;
            return true;
        }
        T await_resume() { return h.promise().take(); }
    };

    // Awaiting consumes the task: it runs once.
    Awaiter operator co_await() && noexcept {
        if (!h_) bug("awaiting an empty or already-awaited Task");
        return Awaiter{h_};
    }

    // For runtime internals that drive a task by hand (spawn, select, block_on).
    handle_type handle() const noexcept { return h_; }

  private:
    explicit Task(handle_type h) noexcept : h_(h) {}
    void reset() noexcept {
        // A started, unfinished task is only destroyed by a reactor's shutdown, after every
        // operation it could be waiting on has completed (reactor.hpp).
        if (h_) {
            h_.destroy();
            h_ = {};
        }
    }
    handle_type h_;
};

// Awaitable that yields the calling coroutine's context (reactor and stop token).
struct CurrentContext {
    Context ctx;
    bool await_ready() const noexcept { return false; }
    template <RuntimePromise P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        ctx = h.promise().ctx;
        return false;
    }
    Context await_resume() const noexcept { return ctx; }
};
inline CurrentContext current_context() noexcept {
    return {};
}

}  // namespace xensnd::coro
