// Reactor: one io_uring instance, a ready queue of coroutines, and the loop that drives them.
//
// A reactor belongs to the thread that first runs it (io_uring's SINGLE_ISSUER rule); other
// threads reach it only through a Handle. There is no global or thread-local state, so any
// number of reactors can live in one process (the ALSA plugin has one per device).
#pragma once

#include <liburing.h>

#include <atomic>
#include <coroutine>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "coro/result.hpp"

namespace xensnd::coro {

class Reactor;

// An operation in flight in io_uring. The SQE's user_data points at it; on_cqe runs on the
// reactor thread for each of its completions (several for a multishot operation).
struct IoOp {
    void (*on_cqe)(IoOp* self, int res, unsigned flags) = nullptr;
};

namespace detail {

// Cross-thread entry into a reactor: a locked queue of closures and an eventfd that is
// written only when the reactor is (about to be) asleep.
struct RemoteQueue {
    std::mutex mutex;
    std::vector<std::function<void(Reactor&)>> items;  // guarded by mutex
    bool closed = false;                               // guarded by mutex
    std::atomic<bool> sleeping{false};
    int eventfd = -1;
};

// Intrusive registry entry for a spawned root task (reactor.cpp cancels them at shutdown).
struct RootLink {
    RootLink* prev = nullptr;
    RootLink* next = nullptr;
    std::stop_source stop;
    std::coroutine_handle<> frame;
};

}  // namespace detail

// A thread-safe way to reach a reactor from any thread. Cheap to copy; outlives the reactor
// safely (posting to a destroyed reactor fails with ESHUTDOWN).
class Handle {
  public:
    Handle() = default;
    // Runs fn on the reactor thread soon. Wakes the reactor only if it sleeps.
    Result<void> post(std::function<void(Reactor&)> fn) const;

  private:
    friend class Reactor;
    explicit Handle(std::shared_ptr<detail::RemoteQueue> q) : q_(std::move(q)) {}
    std::shared_ptr<detail::RemoteQueue> q_;
};

struct ReactorOptions {
    unsigned entries = 256;
    // IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN: the fastest wake-up measured
    // here. Falls back to a plain ring on kernels that refuse the flags.
    bool defer_taskrun = true;
};

class Reactor {
  public:
    // Fails with the kernel's errno (ENOSYS, EPERM under seccomp, ...) if io_uring is not
    // usable; the message from describe_error() names the cause.
    static Result<std::unique_ptr<Reactor>> create(ReactorOptions options = {});
    // Cancels every task still suspended, waits for every completion, frees every frame.
    ~Reactor();
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    // Whether io_uring can be used here at all, with a sentence saying why not.
    static Result<void> probe(std::string* why = nullptr);

    Handle handle() const { return Handle(remote_); }

    // Resumes h on the next turn of the loop (reactor thread only).
    void schedule(std::coroutine_handle<> h) { ready_.push_back(h); }

    // Runs the loop until done() is true after a turn.
    template <class Done>
    void run_until(Done&& done) {
        enter();
        for (;;) {
            run_ready();
            if (done()) return;
            turn();
        }
    }

    // io_uring access for awaitables: an SQE (never null; submits to make room), and
    // submission of a prepared SQE on behalf of op.
    io_uring_sqe* sqe();
    void submit(IoOp* op, io_uring_sqe* sqe);
    // Asks the kernel to cancel op; op still gets its (final) completion.
    void cancel(IoOp* op);

    bool on_reactor_thread() const { return owner_ == std::this_thread::get_id(); }
    // True once the destructor started cancelling tasks.
    bool shutting_down() const { return shutting_down_; }
    // The io_uring setup flags in use, for benchmark reports.
    std::string setup_description() const;
    std::size_t operations_in_flight() const { return inflight_; }

    // Runtime internals (spawn.hpp).
    void add_root(detail::RootLink* link);
    void remove_root(detail::RootLink* link);

  private:
    Reactor() = default;
    void enter();
    void run_ready();
    void turn();
    void reap();
    bool drain_remote();
    void arm_remote();
    static void on_remote_cqe(IoOp* self, int res, unsigned flags);

    io_uring ring_{};
    unsigned setup_flags_ = 0;
    bool enabled_ = false;  // rings enabled on the owner thread
    std::thread::id owner_;
    std::vector<std::coroutine_handle<>> ready_;
    std::vector<std::coroutine_handle<>> running_;
    std::size_t inflight_ = 0;
    bool shutting_down_ = false;
    std::shared_ptr<detail::RemoteQueue> remote_;
    struct RemoteRead : IoOp {
        Reactor* reactor = nullptr;
        std::uint64_t value = 0;
        bool armed = false;
    } remote_read_;
    IoOp cancel_op_;  // user_data of cancel requests: their completions carry nothing
    detail::RootLink roots_;
};

}  // namespace xensnd::coro
