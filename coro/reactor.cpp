#include "coro/reactor.hpp"

#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace xensnd::coro {

namespace {
#if defined(__SANITIZE_THREAD__)
// liburing maps and unmaps the rings with raw system calls that ThreadSanitizer does not
// see. When the kernel gives a destroyed reactor's ring address to a new reactor on another
// thread, TSan takes the two reactors' SQE writes for a race. Ordering every teardown
// before every later setup tells it what munmap-before-mmap already guarantees.
std::atomic<unsigned> ring_generation{0};
void ring_set_up() {
    (void)ring_generation.load(std::memory_order_acquire);
}
void ring_torn_down() {
    ring_generation.fetch_add(1, std::memory_order_release);
}
#else
void ring_set_up() {}
void ring_torn_down() {}
#endif

void exit_ring(io_uring* ring) {
    ring_torn_down();
    io_uring_queue_exit(ring);
}
}  // namespace

Result<void> Handle::post(std::function<void(Reactor&)> fn) const {
    if (!q_) return Err(EINVAL);
    {
        std::lock_guard lock(q_->mutex);
        if (q_->closed) return Err(ESHUTDOWN);
        q_->items.push_back(std::move(fn));
    }
    // Only a sleeping reactor needs the eventfd; a running one drains the queue each turn.
    if (q_->sleeping.exchange(false, std::memory_order_seq_cst)) {
        std::uint64_t one = 1;
        std::lock_guard lock(q_->mutex);  // the fd is closed under this lock at shutdown
        if (!q_->closed) {
            [[maybe_unused]] auto n = ::write(q_->eventfd, &one, sizeof one);
        }
    }
    return ok();
}

static int try_setup(unsigned entries, unsigned flags, io_uring* ring) {
    io_uring_params p{};
    p.flags = flags;
    int rc = io_uring_queue_init_params(entries, ring, &p);
    if (rc >= 0) ring_set_up();
    return rc;
}

Result<std::unique_ptr<Reactor>> Reactor::create(ReactorOptions options) {
    std::unique_ptr<Reactor> r(new Reactor());
    unsigned flags = 0;
    int rc = -EINVAL;
    if (options.defer_taskrun) {
        // R_DISABLED lets the ring be created on one thread and owned by the thread that
        // first runs it (SINGLE_ISSUER binds the submitter when the rings are enabled).
        flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED;
        rc = try_setup(options.entries, flags, &r->ring_);
    }
    if (rc == -EINVAL) {
        flags = 0;
        rc = try_setup(options.entries, flags, &r->ring_);
    }
    if (rc < 0) return Err(-rc);
    r->setup_flags_ = flags;
    r->enabled_ = (flags & IORING_SETUP_R_DISABLED) == 0;

    r->remote_ = std::make_shared<detail::RemoteQueue>();
    // Blocking on purpose: io_uring waits on it; a non-blocking eventfd makes older kernels
    // complete the read at once with EAGAIN.
    r->remote_->eventfd = ::eventfd(0, EFD_CLOEXEC);
    if (r->remote_->eventfd < 0) {
        int e = errno;
        exit_ring(&r->ring_);
        r->remote_.reset();
        return Err(e);
    }
    r->remote_read_.reactor = r.get();
    r->remote_read_.on_cqe = &Reactor::on_remote_cqe;
    r->cancel_op_.on_cqe = [](IoOp*, int, unsigned) {};
    r->roots_.prev = r->roots_.next = &r->roots_;
    r->ready_.reserve(64);
    r->running_.reserve(64);
    return r;
}

Result<void> Reactor::probe(std::string* why) {
    io_uring ring{};
    int rc = try_setup(4, 0, &ring);
    if (rc < 0) {
        if (why) {
            *why = std::string("io_uring_setup failed: ") + std::strerror(-rc);
            if (rc == -EPERM) *why += " (blocked by seccomp or kernel.io_uring_disabled)";
            if (rc == -ENOSYS) *why += " (kernel built without io_uring)";
        }
        return Err(-rc);
    }
    exit_ring(&ring);
    return ok();
}

std::string Reactor::setup_description() const {
    std::string s;
    if (setup_flags_ & IORING_SETUP_SINGLE_ISSUER) s += "SINGLE_ISSUER|";
    if (setup_flags_ & IORING_SETUP_DEFER_TASKRUN) s += "DEFER_TASKRUN|";
    if (s.empty()) return "plain";
    s.pop_back();
    return s;
}

void Reactor::enter() {
    if (!enabled_) {
        owner_ = std::this_thread::get_id();
        // liburing 2.3 declares io_uring_enable_rings but does not export it.
        long rc = ::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS,
                            nullptr, 0);
        if (rc < 0) bug("enabling the io_uring rings failed");
        enabled_ = true;
    } else if (owner_ == std::thread::id{}) {
        owner_ = std::this_thread::get_id();
    } else if (owner_ != std::this_thread::get_id()) {
        bug("a Reactor was run from a second thread; use its Handle");
    }
    if (!remote_read_.armed && !shutting_down_) arm_remote();
}

io_uring_sqe* Reactor::sqe() {
    if (!enabled_) enter();
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (!s) {
        io_uring_submit(&ring_);
        s = io_uring_get_sqe(&ring_);
    }
    return s;
}

void Reactor::submit(IoOp* op, io_uring_sqe* s) {
    io_uring_sqe_set_data(s, op);
    ++inflight_;
}

void Reactor::cancel(IoOp* op) {
    io_uring_sqe* s = sqe();
    io_uring_prep_cancel(s, op, 0);
    submit(&cancel_op_, s);
}

void Reactor::arm_remote() {
    io_uring_sqe* s = sqe();
    io_uring_prep_read(s, remote_->eventfd, &remote_read_.value, sizeof remote_read_.value, 0);
    submit(&remote_read_, s);
    remote_read_.armed = true;
}

void Reactor::on_remote_cqe(IoOp* self, int, unsigned) {
    auto* rr = static_cast<RemoteRead*>(self);
    rr->armed = false;
    // The queue itself is drained every turn; re-arm for the next sleep.
    if (!rr->reactor->shutting_down_) rr->reactor->arm_remote();
}

bool Reactor::drain_remote() {
    std::vector<std::function<void(Reactor&)>> items;
    {
        std::lock_guard lock(remote_->mutex);
        if (remote_->items.empty()) return false;
        items.swap(remote_->items);
    }
    for (auto& fn : items)
        fn(*this);
    return true;
}

void Reactor::run_ready() {
    // Swap so that coroutines scheduled while running wait for the next turn, after the
    // completions that arrived meanwhile have been reaped.
    while (!ready_.empty()) {
        running_.swap(ready_);
        for (auto h : running_)
            h.resume();
        running_.clear();
        drain_remote();
    }
}

void Reactor::turn() {
    if (drain_remote() || !ready_.empty()) {
        // Posted work ran (the caller's condition may now hold) or tasks are ready: push
        // submissions and pick up completions without sleeping.
        io_uring_submit_and_get_events(&ring_);
        reap();
        return;
    }
    remote_->sleeping.store(true, std::memory_order_seq_cst);
    bool queued;
    {
        std::lock_guard lock(remote_->mutex);
        queued = !remote_->items.empty();
    }
    if (queued) {
        remote_->sleeping.store(false, std::memory_order_relaxed);
        return;
    }
    int rc = io_uring_submit_and_wait(&ring_, 1);
    remote_->sleeping.store(false, std::memory_order_relaxed);
    if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME)
        bug("io_uring_submit_and_wait failed");
    reap();
}

void Reactor::reap() {
    io_uring_cqe* cqe;
    unsigned head;
    unsigned seen = 0;
    // Collect first, then dispatch: a handler may submit, which must not race the walk.
    struct Completion {
        IoOp* op;
        int res;
        unsigned flags;
    };
    Completion batch[64];
    unsigned n = 0;
    for (;;) {
        n = 0;
        seen = 0;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            if (n == 64) break;
            batch[n++] = {static_cast<IoOp*>(io_uring_cqe_get_data(cqe)), cqe->res, cqe->flags};
            ++seen;
        }
        if (seen == 0) return;
        io_uring_cq_advance(&ring_, seen);
        for (unsigned i = 0; i < n; ++i) {
            if (!(batch[i].flags & IORING_CQE_F_MORE)) --inflight_;
            if (batch[i].op) batch[i].op->on_cqe(batch[i].op, batch[i].res, batch[i].flags);
        }
    }
}

void Reactor::add_root(detail::RootLink* link) {
    link->next = &roots_;
    link->prev = roots_.prev;
    roots_.prev->next = link;
    roots_.prev = link;
}

void Reactor::remove_root(detail::RootLink* link) {
    link->prev->next = link->next;
    link->next->prev = link->prev;
    link->prev = link->next = nullptr;
}

Reactor::~Reactor() {
    if (!remote_) return;  // creation failed half-way
    if (!enabled_) enter();
    if (owner_ == std::thread::id{}) owner_ = std::this_thread::get_id();
    shutting_down_ = true;

    // 1. Ask every task to stop; let them run until they finish or nothing can progress.
    for (auto* l = roots_.next; l != &roots_; l = l->next)
        l->stop.request_stop();
    auto others_in_flight = [&] { return inflight_ - (remote_read_.armed ? 1 : 0); };
    for (;;) {
        run_ready();
        if (roots_.next == &roots_) break;
        if (ready_.empty() && others_in_flight() == 0) break;
        turn();
    }
    // 2. Cancel whatever is still in the kernel (including our own eventfd read) and wait
    //    for every completion, so no operation can write into a frame we free below.
    {
        io_uring_sqe* s = sqe();
        io_uring_prep_cancel64(s, 0, IORING_ASYNC_CANCEL_ANY);
        submit(&cancel_op_, s);
    }
    while (inflight_ > 0) {
        int rc = io_uring_submit_and_wait(&ring_, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) break;
        reap();
    }
    // 3. Tasks that are still suspended wait on something only another task could have
    //    completed; their frames are now safe to free.
    while (roots_.next != &roots_) {
        auto* l = roots_.next;
        remove_root(l);
        l->frame.destroy();
    }
    ready_.clear();
    {
        std::lock_guard lock(remote_->mutex);
        remote_->closed = true;
        remote_->items.clear();
        ::close(remote_->eventfd);
        remote_->eventfd = -1;
    }
    exit_ring(&ring_);
}

}  // namespace xensnd::coro
