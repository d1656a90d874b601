#include "core/platform/store.hpp"

#include <poll.h>
// libxenstore's header has no extern "C" of its own.
extern "C" {
#include <xenstore.h>
}

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "coro/notify.hpp"
#include "coro/poll_stream.hpp"
#include "coro/spawn.hpp"

namespace xensnd::platform {

namespace {

// The errno of a failed libxenstore call. libxenstore reports a connection it had to close
// (the daemon went away, or sent garbage) as EBADF: name that for what it is.
int failure_errno() {
    int e = errno;
    if (e == EBADF) return ENOTCONN;
    return e != 0 ? e : EIO;
}

bool valid_path(const std::string& path) {
    return !path.empty() && path.find('\0') == std::string::npos;
}

// A libxenstore call for the worker thread, and what the reactor side knows of it.
struct Request {
    virtual ~Request() = default;
    // Worker thread: makes the call and keeps its result; returns its errno (0 on success).
    virtual int run(xs_handle* xs) = 0;

    // Reactor thread only.
    std::coroutine_handle<> waiter;
    bool finished = false;
    bool cancelled = false;  // dropped before it reached the worker
};

template <class T, class Fn>
struct Call final : Request {
    Fn fn;
    Result<T> result{Err(ECANCELED)};
    explicit Call(Fn f) : fn(std::move(f)) {}
    int run(xs_handle* xs) override {
        result = fn(xs);
        return result.errno_value();
    }
};

// libxenstore hands out malloc'ed memory.
struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};
template <class T>
using Malloced = std::unique_ptr<T, FreeDeleter>;

Permission::Access access_of(unsigned xs_perms) {
    bool r = xs_perms & XS_PERM_READ;
    bool w = xs_perms & XS_PERM_WRITE;
    if (r && w) return Permission::Access::Both;
    if (r) return Permission::Access::Read;
    if (w) return Permission::Access::Write;
    return Permission::Access::None;
}

unsigned xs_perms_of(Permission::Access a) {
    switch (a) {
        case Permission::Access::None:
            return XS_PERM_NONE;
        case Permission::Access::Read:
            return XS_PERM_READ;
        case Permission::Access::Write:
            return XS_PERM_WRITE;
        case Permission::Access::Both:
            return XS_PERM_READ | XS_PERM_WRITE;
    }
    bug("Permission::Access out of range");
}

}  // namespace

struct Watch::State {
    std::weak_ptr<Store::Impl> store;
    std::string path;
    std::string token;
    bool registered = false;  // xenstored knows it: unwatch when done
    std::deque<std::string> pending;
    std::unordered_set<std::string> queued;  // what pending holds, to coalesce
    int error = 0;                           // once set, next() fails with it
    coro::Notify changed;

    void deliver(std::string changed_path) {
        if (error != 0 || queued.count(changed_path) != 0) return;
        if (pending.size() >= kMaxQueuedPaths) {
            // A peer changing paths faster than we read them must not grow our memory:
            // one event on the watch's own path tells the reader to look at everything.
            pending.clear();
            queued.clear();
            changed_path = path;
        }
        queued.insert(changed_path);
        pending.push_back(std::move(changed_path));
        changed.notify_one();
    }
    void fail(int e) {
        if (error == 0) error = e;
        changed.notify_all();
    }
};

struct Store::Impl : std::enable_shared_from_this<Store::Impl> {
    coro::Reactor* reactor = nullptr;
    coro::Handle handle;
    xs_handle* xs = nullptr;
    int watch_fd = -1;

    // Between the reactor and the worker.
    std::mutex mutex;
    std::condition_variable work_ready;
    std::deque<std::shared_ptr<Request>> queue;  // guarded by mutex
    bool stopping = false;                       // guarded by mutex
    std::thread worker;

    // Reactor thread only.
    bool closed = false;
    int lost = 0;  // errno once the connection is known to be gone
    std::uint64_t last_token = 0;
    std::unordered_map<std::string, std::weak_ptr<Watch::State>> watches;  // by token
    coro::JoinHandle<void> dispatcher;

    ~Impl() {
        // close() ran unless open() failed half-way.
        if (worker.joinable()) bug("Store::Impl destroyed with its worker running");
        if (xs != nullptr) xs_close(xs);
    }

    Result<void> submit(std::shared_ptr<Request> req) {
        {
            std::lock_guard lock(mutex);
            if (stopping) return Err(ECANCELED);
            queue.push_back(std::move(req));
        }
        work_ready.notify_one();
        return ok();
    }

    // Takes req back if the worker has not started it.
    bool withdraw(const Request* req) {
        std::lock_guard lock(mutex);
        for (auto it = queue.begin(); it != queue.end(); ++it) {
            if (it->get() == req) {
                queue.erase(it);
                return true;
            }
        }
        return false;
    }

    void work() {
        for (;;) {
            std::shared_ptr<Request> req;
            {
                std::unique_lock lock(mutex);
                work_ready.wait(lock, [&] { return stopping || !queue.empty(); });
                if (stopping) return;
                req = std::move(queue.front());
                queue.pop_front();
            }
            int e = req->run(xs);
            std::weak_ptr<Impl> self = weak_from_this();
            // ESHUTDOWN (the reactor is gone) leaves nobody to resume: nothing to do then.
            (void)handle.post([req = std::move(req), self, e](coro::Reactor& r) {
                req->finished = true;
                if (req->waiter) r.schedule(std::exchange(req->waiter, {}));
                if (e == ENOTCONN) {
                    if (auto impl = self.lock()) impl->connection_lost(ENOTCONN);
                }
            });
        }
    }

    void connection_lost(int e) {
        if (closed || lost != 0) return;
        lost = e;
        fail_watches(e);
    }

    void fail_watches(int e) {
        auto all = std::move(watches);
        watches.clear();
        for (auto& [token, weak] : all) {
            if (auto st = weak.lock()) st->fail(e);
        }
    }

    // Reactor thread, from ~Store.
    void close() {
        std::deque<std::shared_ptr<Request>> dropped;
        {
            std::lock_guard lock(mutex);
            stopping = true;
            dropped.swap(queue);
        }
        work_ready.notify_all();
        for (auto& req : dropped) {
            req->cancelled = true;
            req->finished = true;
            if (req->waiter) reactor->schedule(std::exchange(req->waiter, {}));
        }
        // The request under way (if any) finishes first: libxenstore cannot abandon a call.
        if (worker.joinable()) worker.join();
        closed = true;
        fail_watches(ECANCELED);
        // The dispatcher ends at its next turn and never touches xs again (closed).
        dispatcher.abort();
        dispatcher.detach();
        xs_close(xs);
        xs = nullptr;
    }

    // Reactor thread: takes every watch event libxenstore has queued and routes it by token.
    void drain_watch_events() {
        while (!closed && lost == 0) {
            Malloced<char*> ev(xs_check_watch(xs));
            if (!ev) {
                // EAGAIN: drained. Anything else: the connection is gone.
                if (errno != EAGAIN) connection_lost(ENOTCONN);
                return;
            }
            char** v = ev.get();
            auto it = watches.find(v[XS_WATCH_TOKEN]);
            if (it == watches.end()) continue;  // a watch already dropped
            if (auto st = it->second.lock()) {
                st->deliver(v[XS_WATCH_PATH]);
            } else {
                watches.erase(it);
            }
        }
    }

    static coro::Task<Result<Watch>> register_watch(std::shared_ptr<Impl> impl,
                                                    std::shared_ptr<Watch::State> st);

    // Keeps `self` alive only as long as the task runs: it ends when the Store closes.
    static coro::Task<void> dispatch(std::shared_ptr<Impl> self) {
        coro::PollStream readable(self->watch_fd, POLLIN);
        for (;;) {
            auto r = co_await readable.next();
            if (self->closed) co_return;
            if (!r) {
                if (r.errno_value() == EAGAIN) continue;  // the multishot ended: re-arm
                if (r.errno_value() != ECANCELED) self->connection_lost(r.errno_value());
                co_return;
            }
            self->drain_watch_events();
        }
    }
};

namespace {

// Resumes the awaiting task when its request finished, or when a cancel withdrew it
// before the worker started it.
struct Completion {
    struct OnStop {
        Completion* self;
        void operator()() const noexcept { self->stop_requested(); }
    };
    Store::Impl* impl;
    std::shared_ptr<Request> req;
    coro::Reactor* reactor = nullptr;
    std::optional<std::stop_callback<OnStop>> on_stop;

    Completion(Store::Impl* i, std::shared_ptr<Request> r) : impl(i), req(std::move(r)) {}
    Completion(const Completion&) = delete;

    bool await_ready() const noexcept { return req->finished; }
    template <coro::RuntimePromise P>
    bool await_suspend(std::coroutine_handle<P> h) {
        reactor = h.promise().ctx.reactor;
        req->waiter = h;
        on_stop.emplace(h.promise().ctx.stop, OnStop{this});
        return true;
    }
    void await_resume() { on_stop.reset(); }

    void stop_requested() {
        if (!req->waiter || !impl->withdraw(req.get())) return;
        req->cancelled = true;
        req->finished = true;
        reactor->schedule(std::exchange(req->waiter, {}));
    }
};

template <class T, class Fn>
coro::Task<Result<T>> call(std::shared_ptr<Store::Impl> impl, Fn fn) {
    coro::Context ctx = co_await coro::current_context();
    if (ctx.stop.stop_requested()) co_return Err(ECANCELED);
    auto req = std::make_shared<Call<T, Fn>>(std::move(fn));
    Result<void> sent = impl->submit(req);
    if (!sent) co_return Err(sent.error());
    // A named awaiter: g++ 12 mishandles non-trivial temporaries in a co_await operand.
    Completion done(impl.get(), req);
    co_await done;
    if (req->cancelled) co_return Err(ECANCELED);
    co_return std::move(req->result);
}

// A request whose result nobody awaits (unwatch).
template <class Fn>
void call_detached(Store::Impl& impl, Fn fn) {
    (void)impl.submit(std::make_shared<Call<void, Fn>>(std::move(fn)));
}

Result<void> checked(bool done) {
    if (!done) return Err(failure_errno());
    return ok();
}

void unregister(Watch::State& st) {
    if (auto impl = st.store.lock(); impl && !impl->closed) {
        impl->watches.erase(st.token);
        if (st.registered && impl->lost == 0) {
            call_detached(*impl, [path = st.path, token = st.token](xs_handle* xs) {
                return checked(xs_unwatch(xs, path.c_str(), token.c_str()));
            });
        }
    }
    st.registered = false;
    st.fail(ECANCELED);
}

coro::Task<Result<std::string>> next_change(std::shared_ptr<Watch::State> st) {
    for (;;) {
        if (!st->pending.empty()) {
            std::string path = std::move(st->pending.front());
            st->pending.pop_front();
            st->queued.erase(path);
            co_return path;
        }
        if (st->error != 0) co_return Err(st->error);
        Result<void> woken = co_await st->changed.notified();
        if (!woken) co_return Err(woken.error());
    }
}

}  // namespace

// ---------------------------------------------------------------- Watch

Watch::Watch(std::shared_ptr<State> s) : st_(std::move(s)) {}
Watch::Watch(Watch&&) noexcept = default;
Watch& Watch::operator=(Watch&& o) noexcept {
    if (this != &o) {
        if (st_) unregister(*st_);
        st_ = std::move(o.st_);
    }
    return *this;
}
Watch::~Watch() {
    if (st_) unregister(*st_);
}

coro::Task<Result<std::string>> Watch::next() {
    if (!st_) bug("Watch::next() on a moved-from Watch");
    return next_change(st_);
}

const std::string& Watch::path() const {
    if (!st_) bug("Watch::path() on a moved-from Watch");
    return st_->path;
}

// ---------------------------------------------------------------- Store

Store::Store(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
    impl_->close();
}

Result<std::unique_ptr<Store>> Store::open(coro::Reactor& reactor, std::string* why) {
    auto impl = std::make_shared<Impl>();
    impl->reactor = &reactor;
    impl->handle = reactor.handle();
    impl->xs = xs_open(0);
    if (impl->xs == nullptr) {
        int e = errno != 0 ? errno : EIO;
        if (why) {
            const char* env = std::getenv("XENSTORED_PATH");
            *why = env ? std::string("cannot connect to XenStore at ") + env +
                             " (XENSTORED_PATH): " + std::strerror(e)
                       : std::string(
                             "cannot connect to XenStore (xenstored's socket or "
                             "/dev/xen/xenbus): ") +
                             std::strerror(e) +
                             "; without Xen, set XENSTORED_PATH to a loopback daemon's socket";
        }
        return Err(e);
    }
    // The watch pipe exists from the start, so no event can precede it.
    impl->watch_fd = xs_fileno(impl->xs);
    if (impl->watch_fd < 0) {
        int e = errno != 0 ? errno : EMFILE;
        if (why) *why = std::string("cannot create XenStore's watch pipe: ") + std::strerror(e);
        return Err(e);
    }
    impl->worker = std::thread([raw = impl.get()] { raw->work(); });
    impl->dispatcher = coro::spawn(reactor, Impl::dispatch(impl));
    return std::unique_ptr<Store>(new Store(std::move(impl)));
}

namespace {

template <class T>
coro::Task<Result<T>> failed(int e) {
    co_return Err(e);
}

}  // namespace

coro::Task<Result<std::string>> Store::read(std::string path, TransactionId t) {
    if (!valid_path(path)) return failed<std::string>(EINVAL);
    return call<std::string>(
        impl_, [path = std::move(path), t](xs_handle* xs) -> Result<std::string> {
            unsigned len = 0;
            Malloced<char> v(static_cast<char*>(xs_read(xs, t, path.c_str(), &len)));
            if (!v) return Err(failure_errno());
            return std::string(v.get(), len);
        });
}

coro::Task<Result<void>> Store::write(std::string path, std::string value, TransactionId t) {
    if (!valid_path(path)) return failed<void>(EINVAL);
    return call<void>(impl_, [path = std::move(path), value = std::move(value), t](xs_handle* xs) {
        return checked(
            xs_write(xs, t, path.c_str(), value.data(), static_cast<unsigned>(value.size())));
    });
}

coro::Task<Result<void>> Store::mkdir(std::string path, TransactionId t) {
    if (!valid_path(path)) return failed<void>(EINVAL);
    return call<void>(impl_, [path = std::move(path), t](xs_handle* xs) {
        return checked(xs_mkdir(xs, t, path.c_str()));
    });
}

coro::Task<Result<void>> Store::rm(std::string path, TransactionId t) {
    if (!valid_path(path)) return failed<void>(EINVAL);
    return call<void>(impl_, [path = std::move(path), t](xs_handle* xs) -> Result<void> {
        if (xs_rm(xs, t, path.c_str())) return ok();
        // xenstored refuses a missing node whose parent is missing too; gone is gone.
        if (errno == ENOENT) return ok();
        return Err(failure_errno());
    });
}

coro::Task<Result<std::vector<std::string>>> Store::directory(std::string path, TransactionId t) {
    using Names = std::vector<std::string>;
    if (!valid_path(path)) return failed<Names>(EINVAL);
    return call<Names>(impl_, [path = std::move(path), t](xs_handle* xs) -> Result<Names> {
        unsigned n = 0;
        Malloced<char*> v(xs_directory(xs, t, path.c_str(), &n));
        if (!v) return Err(failure_errno());
        Names names;
        names.reserve(n);
        for (unsigned i = 0; i < n; ++i)
            names.emplace_back(v.get()[i]);
        return names;
    });
}

coro::Task<Result<std::vector<Permission>>> Store::get_permissions(std::string path,
                                                                   TransactionId t) {
    using Perms = std::vector<Permission>;
    if (!valid_path(path)) return failed<Perms>(EINVAL);
    return call<Perms>(impl_, [path = std::move(path), t](xs_handle* xs) -> Result<Perms> {
        unsigned n = 0;
        Malloced<xs_permissions> v(xs_get_permissions(xs, t, path.c_str(), &n));
        if (!v) return Err(failure_errno());
        Perms perms;
        perms.reserve(n);
        for (unsigned i = 0; i < n; ++i) {
            const xs_permissions& p = v.get()[i];
            if (p.id >= kFirstReservedDomId) return Err(EPROTO);
            perms.push_back({static_cast<DomId>(p.id), access_of(p.perms)});
        }
        return perms;
    });
}

coro::Task<Result<void>> Store::set_permissions(std::string path, std::vector<Permission> perms,
                                                TransactionId t) {
    if (!valid_path(path) || perms.empty()) return failed<void>(EINVAL);
    std::vector<xs_permissions> list;
    list.reserve(perms.size());
    for (const Permission& p : perms)
        list.push_back({p.domid, xs_perms_of(p.access)});
    return call<void>(impl_,
                      [path = std::move(path), list = std::move(list), t](xs_handle* xs) mutable {
                          return checked(xs_set_permissions(xs, t, path.c_str(), list.data(),
                                                            static_cast<unsigned>(list.size())));
                      });
}

coro::Task<Result<TransactionId>> Store::transaction_start() {
    return call<TransactionId>(impl_, [](xs_handle* xs) -> Result<TransactionId> {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL) return Err(failure_errno());
        return TransactionId{t};
    });
}

coro::Task<Result<void>> Store::transaction_end(TransactionId t, bool commit) {
    return call<void>(impl_, [t, commit](xs_handle* xs) {
        return checked(xs_transaction_end(xs, t, /*abort=*/!commit));
    });
}

coro::Task<Result<std::string>> Store::domain_path(DomId domid) {
    return call<std::string>(impl_, [domid](xs_handle* xs) -> Result<std::string> {
        Malloced<char> v(xs_get_domain_path(xs, domid));
        if (!v) return Err(failure_errno());
        return std::string(v.get());
    });
}

coro::Task<Result<DomId>> Store::self_domid() {
    return call<DomId>(impl_, [](xs_handle* xs) -> Result<DomId> {
        unsigned len = 0;
        // Relative: xenstored resolves it in this connection's own home.
        Malloced<char> v(static_cast<char*>(xs_read(xs, XBT_NULL, "domid", &len)));
        if (v) {
            auto id = parse_domid(std::string_view(v.get(), len));
            if (!id) return Err(EPROTO);
            return *id;
        }
        if (errno != ENOENT) return Err(failure_errno());
        unsigned n = 0;
        Malloced<xs_permissions> tool(xs_get_permissions(xs, XBT_NULL, "/tool", &n));
        if (tool) return kDom0;
        return Err(ENOENT);
    });
}

coro::Task<Result<Watch>> Store::Impl::register_watch(std::shared_ptr<Store::Impl> impl,
                                                      std::shared_ptr<Watch::State> st) {
    // Routed before xenstored hears of it: the first event may beat the reply.
    impl->watches.emplace(st->token, st);
    // The task is built outside the co_await: g++ 12 destroys a lambda temporary in a
    // co_await operand twice.
    auto adding = call<void>(impl, [path = st->path, token = st->token](xs_handle* xs) {
        return checked(xs_watch(xs, path.c_str(), token.c_str()));
    });
    Result<void> added = co_await std::move(adding);
    if (!added) {
        if (!impl->closed) impl->watches.erase(st->token);
        co_return Err(added.error());
    }
    st->registered = true;
    co_return Watch(std::move(st));
}

coro::Task<Result<Watch>> Store::watch(std::string path) {
    bool special = !path.empty() && path[0] == '@';
    if (!valid_path(path) || (path[0] != '/' && !special)) return failed<Watch>(EINVAL);
    if (impl_->closed) return failed<Watch>(ECANCELED);
    if (impl_->lost != 0) return failed<Watch>(impl_->lost);
    auto st = std::make_shared<Watch::State>();
    st->store = impl_;
    st->path = std::move(path);
    // Unique per connection; xenstored hands it back with every event of this watch.
    st->token = "xensnd/" + std::to_string(++impl_->last_token);
    return Impl::register_watch(impl_, std::move(st));
}

}  // namespace xensnd::platform
