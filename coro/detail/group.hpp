// Internal: run several tasks as children of one awaiting coroutine (select, when_all).
// The children share a stop source linked to the parent's stop token; the parent is resumed
// by the last child to finish, so every child has completed (and every operation it had in
// flight has been reaped) before the parent continues.
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "coro/task.hpp"

namespace xensnd::coro::detail {

struct Group {
    struct ForwardStop {
        std::stop_source* target;
        void operator()() const noexcept { target->request_stop(); }
    };

    std::size_t remaining = 0;
    std::coroutine_handle<> parent;
    std::stop_source stop;
    std::optional<std::stop_callback<ForwardStop>> link;
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t first = kNone;
    bool stop_on_first = false;

    std::coroutine_handle<> child_done(std::size_t index) noexcept {
        if (first == kNone) {
            first = index;
            // Stop callbacks only submit cancels or schedule; nothing resumes inline here.
            if (stop_on_first) stop.request_stop();
        }
        if (--remaining == 0) return parent;
        return std::noop_coroutine();
    }
};

struct GroupChild {
    struct promise_type : PromiseBase {
        Group* group = nullptr;
        std::size_t index = 0;
        GroupChild get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        struct Final {
            bool await_ready() const noexcept { return false; }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
                auto& p = h.promise();
                return p.group->child_done(p.index);
            }
            void await_resume() const noexcept {}
        };
        Final final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
    };
    std::coroutine_handle<promise_type> h;
};

template <class T>
using Slot = std::optional<std::conditional_t<std::is_void_v<T>, std::monostate, T>>;

template <class T>
GroupChild run_child(Task<T> task, Slot<T>* slot) {
    if constexpr (std::is_void_v<T>) {
        co_await std::move(task);
        slot->emplace();
    } else {
        slot->emplace(co_await std::move(task));
    }
}

// Awaiter that starts the children and suspends the parent until all have finished.
struct GroupAwaiter {
    Group group;
    std::vector<GroupChild> children;

    GroupAwaiter() = default;
    GroupAwaiter(const GroupAwaiter&) = delete;
    ~GroupAwaiter() {
        for (auto& c : children)
            if (c.h) c.h.destroy();
    }

    bool await_ready() const noexcept { return false; }
    template <RuntimePromise P>
    bool await_suspend(std::coroutine_handle<P> parent) {
        const Context& ctx = parent.promise().ctx;
        group.parent = parent;
        group.link.emplace(ctx.stop, Group::ForwardStop{&group.stop});
        const std::size_t n = children.size();
        group.remaining = n + 1;
        for (std::size_t i = 0; i < n; ++i) {
            auto& p = children[i].h.promise();
            p.group = &group;
            p.index = i;
            p.ctx = Context{ctx.reactor, group.stop.get_token()};
        }
        for (std::size_t i = 0; i < n; ++i)
            children[i].h.resume();
        // The extra count keeps a child that finishes inline from resuming the parent
        // before every child has started.
        return --group.remaining != 0;
    }
    void await_resume() noexcept { group.link.reset(); }
};

}  // namespace xensnd::coro::detail
