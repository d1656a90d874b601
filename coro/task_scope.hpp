// TaskScope: structured concurrency. Tasks spawned into a scope are cancelled when the
// scope's owner is cancelled (or by cancel()), and join() waits for all of them. A scope
// must be joined before it is destroyed; destroying one with tasks still running is a bug.
//
//   TaskScope scope(co_await current_context());
//   scope.spawn(serve(a));
//   scope.spawn(serve(b));
//   co_await scope.join();
#pragma once

#include <memory>
#include <optional>
#include <stop_token>

#include "coro/spawn.hpp"

namespace xensnd::coro {

class TaskScope {
  public:
    explicit TaskScope(const Context& owner) : reactor_(owner.reactor) {
        if (!reactor_) bug("a TaskScope needs a reactor");
        link_.emplace(owner.stop, ForwardStop{&stop_});
    }
    TaskScope(const TaskScope&) = delete;
    TaskScope& operator=(const TaskScope&) = delete;
    ~TaskScope() {
        if (active_ != 0) bug("a TaskScope destroyed before join()");
    }

    // Starts task on the scope's reactor (on its next turn); its result is dropped.
    template <class T>
    void spawn(Task<T> task) {
        auto st = std::make_shared<detail::JoinState<T>>();
        st->stop = stop_;  // shares the scope's stop state
        st->on_done = &TaskScope::child_done;
        st->on_done_arg = this;
        ++active_;
        detail::launch(*reactor_, std::move(task), st);
    }

    // Cancels every task in the scope (they finish at their next await).
    void cancel() { stop_.request_stop(); }
    std::size_t active() const { return active_; }

    // Waits until every spawned task has finished. Deliberately not cancellable: once
    // cancelled, a scope's children always finish, and the scope must outlive them.
    struct JoinAwaiter {
        TaskScope* scope;
        bool await_ready() const noexcept { return scope->active_ == 0; }
        void await_suspend(std::coroutine_handle<> h) noexcept { scope->joiner_ = h; }
        void await_resume() const noexcept {}
    };
    JoinAwaiter join() { return JoinAwaiter{this}; }

  private:
    struct ForwardStop {
        std::stop_source* target;
        void operator()() const noexcept { target->request_stop(); }
    };
    static void child_done(void* self) {
        auto* s = static_cast<TaskScope*>(self);
        if (--s->active_ == 0 && s->joiner_) s->reactor_->schedule(std::exchange(s->joiner_, {}));
    }

    Reactor* reactor_;
    std::stop_source stop_;
    std::optional<std::stop_callback<ForwardStop>> link_;
    std::size_t active_ = 0;
    std::coroutine_handle<> joiner_;
};

}  // namespace xensnd::coro
