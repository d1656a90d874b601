#include "backend/device/backend_state.hpp"

#include <utility>

#include "backend/device/device_nodes.hpp"
#include "coro/spawn.hpp"

namespace xensnd::backend::device {

namespace {

constexpr int kAttempts = 8;

// Ends a transaction that was started but neither committed nor aborted by its owner (the
// owner was cancelled): a detached root task aborts it, since the cancelled owner cannot await.
class OpenTransaction {
  public:
    OpenTransaction(platform::Store& store, platform::TransactionId t, coro::Reactor* reactor)
        : store_(&store), t_(t), reactor_(reactor) {}
    OpenTransaction(const OpenTransaction&) = delete;
    OpenTransaction& operator=(const OpenTransaction&) = delete;
    ~OpenTransaction() {
        if (open_ && reactor_) coro::spawn(*reactor_, store_->transaction_end(t_, false)).detach();
    }
    platform::TransactionId id() const { return t_; }
    // The owner ended it itself.
    void release() { open_ = false; }

  private:
    platform::Store* store_;
    platform::TransactionId t_;
    coro::Reactor* reactor_;
    bool open_ = true;
};

}  // namespace

coro::Task<Result<void>> publish_backend_state(platform::Store& store, std::string dir,
                                               platform::XenbusState state) {
    coro::Context ctx = co_await coro::current_context();
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        auto starting = store.transaction_start();
        Result<platform::TransactionId> started = co_await std::move(starting);
        if (!started) co_return Err(started.error());
        OpenTransaction t(store, *started, ctx.reactor);

        Result<void> written = ok();
        auto checking = store.read(dir, t.id());
        Result<std::string> exists = co_await std::move(checking);
        if (!exists) written = Err(exists.error());
        if (written && state == platform::XenbusState::InitWait) {
            auto writing = store.write(dir + "/versions", std::string(kVersionsValue), t.id());
            written = co_await std::move(writing);
        }
        if (written) {
            auto writing = platform::write_state(store, dir, state, t.id());
            written = co_await std::move(writing);
        }
        // A cancelled task's awaits fail without being sent: leave the abort to the guard.
        if (ctx.stop.stop_requested()) co_return Err(ECANCELED);
        auto ending = store.transaction_end(t.id(), written.ok());
        Result<void> ended = co_await std::move(ending);
        if (ended.errno_value() != ECANCELED) t.release();
        if (!written) co_return written;
        if (ended) co_return ok();
        if (ended.errno_value() != EAGAIN) co_return ended;
    }
    co_return Err(EAGAIN);
}

}  // namespace xensnd::backend::device
