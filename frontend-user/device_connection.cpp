#include "frontend-user/device_connection.hpp"

#include <array>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <optional>

#include "core/platform/platform.hpp"
#include "core/platform/xenbus_state.hpp"
#include "core/protocol/page_directory.hpp"
#include "core/session/session.hpp"
#include "core/trace/cur_pos_trace.hpp"
#include "coro/coro.hpp"
#include "frontend-user/mixer_state.hpp"
#include "frontend-user/ownership_lock.hpp"
#include "frontend-user/store_tree_reader.hpp"

namespace xensnd::frontend {

using platform::XenbusState;
using namespace std::chrono_literals;

namespace {

// A value handed from the reactor thread to a waiting application thread.
template <class T>
struct Completion {
    std::mutex m;
    std::condition_variable cv;
    std::optional<T> value;
    void set(T v) {
        {
            std::lock_guard lock(m);
            if (value) return;
            value.emplace(std::move(v));
        }
        cv.notify_all();
    }
    std::optional<T> wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(m);
        cv.wait_for(lock, limit, [&] { return value.has_value(); });
        return value;
    }
};

// How many times a conflicting publish transaction is retried.
constexpr int kTransactionAttempts = 16;
// How long a clean disconnect waits for the backend to let go (Linux gives it about 1 s).
constexpr auto kDisconnectWait = 2s;
// Waits that only end on a state change (the select with the stop event ends them sooner).
constexpr auto kForever = std::chrono::hours(24 * 365);

// (A braced XenbusStates list inside a coroutine trips g++ 12; a predicate does not.)
bool is_init_wait(XenbusState s) {
    return s == XenbusState::InitWait;
}

}  // namespace

// One sndif stream's transport on the current connection. Reactor thread only.
struct StreamLink {
    const config::StreamConfig* config = nullptr;
    std::string dir;                               // absolute frontend directory of the stream
    std::unique_ptr<platform::SharedPages> pages;  // ring page, event page
    std::unique_ptr<platform::EventChannel> ring_channel;
    std::unique_ptr<platform::EventChannel> event_channel;
    std::unique_ptr<session::FrontendSession> session;
    coro::JoinHandle<void> events;
    bool events_spawned = false;
    std::uint64_t gaps_logged = 0;
};

struct DeviceConnection::Impl {
    DeviceConnection* owner = nullptr;
    PluginParams params;
    platform::PlatformKind kind = platform::PlatformKind::Xen;
    std::optional<OwnershipLock> lock;
    std::unique_ptr<MixerDoorbell> doorbell;
    log::Logger log;

    // Application-visible state.
    mutable std::mutex state_mutex;
    std::condition_variable state_cv;
    std::uint64_t generation = 0;  // guarded by state_mutex; 0 while not connected
    std::uint64_t connections = 0;

    std::mutex listener_mutex;
    std::vector<StreamListener*> listeners;  // by ring index; guarded by listener_mutex

    std::thread thread;
    coro::Handle handle;
    std::shared_ptr<Completion<Result<void>>> ready = std::make_shared<Completion<Result<void>>>();
    std::string ready_why;  // written before `ready` is set

    // Reactor thread only.
    coro::Reactor* reactor = nullptr;
    platform::Platform platform;
    std::string fe_dir, be_dir;
    platform::DomId backend_id = 0;
    platform::DomId own_domid = 0;
    // XENSND_CUR_POS_TRACE=<file>: when each CUR_POS was applied (core/trace), for the demo
    // and the benchmarks. Opened on the first event.
    std::unique_ptr<trace::CurPosTrace> cur_pos_trace;
    bool cur_pos_trace_checked = false;
    bool have_config = false;
    std::vector<std::unique_ptr<StreamLink>> links;
    std::unique_ptr<coro::TaskScope> calls;
    bool connected = false;
    bool stop_requested = false;
    bool reconnect_failing = false;
    coro::Event stop_event;
    coro::Event lost_event;
    int lost_error = ENODEV;

    void thread_main();
    static coro::Task<void> run(Impl* self);
    coro::Task<Result<void>> connect(std::string* why);
    coro::Task<void> teardown(int error);
    coro::Task<void> stop_tasks(int error);
    coro::Task<void> disconnect_cleanly();
    static coro::Task<void> read_events(Impl* self, StreamLink* link, unsigned ring);
    static coro::Task<Result<void>> wait_event(coro::Event* e) { co_return co_await e->wait(); }
    void fail(int error) {
        lost_error = error;
        lost_event.set();
    }
    std::uint64_t current_generation() const {
        std::lock_guard lock(state_mutex);
        return generation;
    }
};

// ---- reactor thread

void DeviceConnection::Impl::thread_main() {
    auto created = coro::Reactor::create();
    if (!created) {
        ready_why = "io_uring is not usable: " + created.error().message();
        ready->set(Err(created.error()));
        return;
    }
    std::unique_ptr<coro::Reactor> r = std::move(*created);
    reactor = r.get();
    handle = r->handle();
    std::string why;
    auto opened = platform::open_platform(*r, kind, &why);
    if (!opened) {
        ready_why = why.empty() ? opened.error().message() : why;
        ready->set(Err(opened.error()));
        return;
    }
    platform = std::move(*opened);
    auto main = coro::spawn(*r, run(this));
    r->run_until([&] { return main.is_finished(); });
    links.clear();
    calls.reset();
    platform = {};  // the Store goes before its reactor
    r.reset();
}

coro::Task<void> DeviceConnection::Impl::run(Impl* self) {
    bool first = true;
    for (;;) {
        std::string why;
        Result<void> up = co_await self->connect(&why);
        if (first) {
            first = false;
            self->ready_why = why;
            self->ready->set(up);
            if (!up) {
                co_await self->teardown(ENODEV);
                co_return;
            }
        } else if (!up) {
            // Once per failure streak: a device that stays away must not flood the log.
            if (!self->reconnect_failing) self->log.warning("reconnecting failed: {}", why);
            self->reconnect_failing = true;
            co_await self->teardown(ENODEV);
            auto pause = co_await coro::select(coro::sleep_task(coro::Clock::now() + 500ms),
                                               wait_event(&self->stop_event));
            if (pause.index() == 1 || self->stop_requested) co_return;
        }
        if (up) self->reconnect_failing = false;
        if (up) {
            auto lost_backend = [](Impl* s) -> coro::Task<Result<XenbusState>> {
                co_return co_await platform::wait_for_state(
                    *s->platform.store, s->be_dir,
                    [](XenbusState st) {
                        // Linux ignores the backend's Closing: it waits for Closed.
                        return st != XenbusState::Connected && st != XenbusState::Closing;
                    },
                    kForever);
            };
            auto v = co_await coro::select(lost_backend(self), wait_event(&self->lost_event),
                                           wait_event(&self->stop_event));
            if (v.index() == 2 || self->stop_requested) {
                co_await self->disconnect_cleanly();
                co_return;
            }
            int error = ENODEV;
            if (v.index() == 0) {
                auto& st = std::get<0>(v);
                if (st)
                    self->log.warning("backend went to {}: tearing the connection down",
                                      platform::to_string(*st));
                else
                    self->log.warning("watching the backend failed: {}", st.error().message());
            } else {
                error = self->lost_error;
                self->log.warning("stream transport failed: tearing the connection down");
            }
            co_await self->teardown(error);
        }
        if (self->stop_requested) co_return;
        // The spec's recovery: back to Initialising, reconnect when the backend is ready.
        (void)co_await platform::write_state(*self->platform.store, self->fe_dir,
                                             XenbusState::Initialising);
        auto ready_again = [](Impl* s) -> coro::Task<Result<XenbusState>> {
            co_return co_await platform::wait_for_state(*s->platform.store, s->be_dir, is_init_wait,
                                                        kForever);
        };
        auto w = co_await coro::select(ready_again(self), wait_event(&self->stop_event));
        if (w.index() == 1 || self->stop_requested) co_return;
        if (!std::get<0>(w)) {
            // The store is gone or the backend wrote garbage: try again later.
            (void)co_await coro::sleep_for(std::chrono::milliseconds(500));
        }
    }
}

coro::Task<Result<void>> DeviceConnection::Impl::connect(std::string* why) {
    platform::Store& store = *platform.store;
    const auto limit = std::chrono::duration_cast<coro::Duration>(params.timeout);
    if (fe_dir.empty()) {
        auto self_id = co_await store.self_domid();
        if (!self_id) {
            *why = "cannot learn this domain's id from XenStore: " + self_id.error().message();
            co_return Err(self_id.error());
        }
        own_domid = *self_id;
        fe_dir = "/local/domain/" + std::to_string(*self_id) + "/device/vsnd/" +
                 std::to_string(params.device);
    }
    auto be = co_await store.read(fe_dir + "/backend");
    auto be_id = co_await store.read(fe_dir + "/backend-id");
    if (!be || !be_id) {
        *why = "no vsnd device " + std::to_string(params.device) + " (" + fe_dir + ")";
        co_return Err(ENODEV);
    }
    auto parsed_id = platform::parse_domid(*be_id);
    if (!parsed_id || be->empty() || be->front() != '/') {
        *why = fe_dir + ": bad backend or backend-id";
        co_return Err(ENODEV);
    }
    be_dir = *be;
    backend_id = *parsed_id;

    // We hold the ownership lock, so a state other than Initialising was left by a process
    // that died: rewind it (the backend tears its side down and returns to InitWait).
    auto mine = co_await platform::read_state(store, fe_dir);
    if (mine && *mine != XenbusState::Initialising) {
        if (*mine != XenbusState::Unknown && *mine != XenbusState::Closed)
            log.warning("state {} left by a previous owner: recovering",
                        platform::to_string(*mine));
        auto w = co_await platform::write_state(store, fe_dir, XenbusState::Initialising);
        if (!w) {
            *why = fe_dir + "/state: " + w.error().message();
            co_return Err(w.error());
        }
    }
    auto be_state = co_await platform::wait_for_state(store, be_dir, is_init_wait, limit);
    if (!be_state) {
        *why = "the backend (" + be_dir +
               ") is not waiting for a frontend (InitWait): " + be_state.error().message();
        co_return Err(ENODEV);
    }

    auto tree = co_await read_store_tree(store, fe_dir);
    if (!tree) {
        *why = "reading " + fe_dir + ": " + tree.error().message();
        co_return Err(tree.error());
    }
    auto cfg = config::parse_vsnd_tree(*tree, fe_dir);
    if (!cfg) {
        *why = "bad vsnd configuration: " + cfg.error().message();
        co_return Err(EINVAL);
    }
    // These warn a toolstack about Linux guests; this frontend reads every spelling.
    for (const auto& w : cfg.warnings())
        log.debug("{}", w);
    if (!have_config) {
        owner->config_ = std::move(*cfg);
        have_config = true;
    } else if (!(owner->config_ == *cfg)) {
        *why = "the device's configuration changed since the first connection";
        co_return Err(EINVAL);
    }

    // Every stream of the device, in ring order (as Linux numbers them).
    const config::VsndDeviceConfig& config = owner->config_;
    links.clear();
    for (unsigned ring = 0; ring < config.stream_count(); ++ring) {
        auto link = std::make_unique<StreamLink>();
        link->config = config.stream_by_ring(ring);
        if (!link->config) {
            *why = "stream numbering is not contiguous";
            co_return Err(EINVAL);
        }
        link->dir = fe_dir + "/" + link->config->relative_dir();
        auto pages = platform.grants->share(backend_id, 2, true);
        if (!pages) {
            *why = "sharing the ring pages: " + pages.error().message();
            co_return Err(pages.error());
        }
        link->pages = std::move(*pages);
        auto rc = platform.events->alloc_unbound(backend_id);
        auto ec = platform.events->alloc_unbound(backend_id);
        if (!rc || !ec) {
            *why = "allocating event channels failed";
            co_return Err(!rc ? rc.error() : ec.error());
        }
        link->ring_channel = std::move(*rc);
        link->event_channel = std::move(*ec);
        auto* base = static_cast<std::byte*>(link->pages->data());
        // The session initialises both pages before the backend may see them.
        link->session = std::make_unique<session::FrontendSession>(
            base, base + platform::kPageSize, *link->ring_channel, *link->event_channel);
        link->session->set_response_timeout(limit);
        links.push_back(std::move(link));
    }
    {
        std::lock_guard lock(listener_mutex);
        listeners.resize(links.size(), nullptr);
    }

    // Publish every stream's transport and Initialised in one transaction.
    bool published = false;
    for (int attempt = 0; attempt < kTransactionAttempts && !published; ++attempt) {
        auto t = co_await store.transaction_start();
        if (!t) {
            *why = "XenStore transaction: " + t.error().message();
            co_return Err(t.error());
        }
        Result<void> w = ok();
        for (const auto& link : links) {
            const std::vector<std::pair<std::string, std::string>> nodes{
                {"ring-ref", std::to_string(link->pages->refs()[0])},
                {"event-channel", std::to_string(link->ring_channel->local_port())},
                {"evt-ring-ref", std::to_string(link->pages->refs()[1])},
                {"evt-event-channel", std::to_string(link->event_channel->local_port())},
            };
            for (const auto& [name, value] : nodes) {
                if (!w) break;
                w = co_await store.write(link->dir + "/" + name, value, *t);
            }
        }
        if (w) w = co_await platform::write_state(store, fe_dir, XenbusState::Initialised, *t);
        if (!w) {
            (void)co_await store.transaction_end(*t, false);
            *why = "publishing the stream transports: " + w.error().message();
            co_return Err(w.error());
        }
        auto end = co_await store.transaction_end(*t, true);
        if (end)
            published = true;
        else if (end.errno_value() != EAGAIN) {
            *why = "publishing the stream transports: " + end.error().message();
            co_return Err(end.error());
        }
    }
    if (!published) {
        *why = "publishing the stream transports kept conflicting";
        co_return Err(EAGAIN);
    }

    auto connected_state = co_await platform::wait_for_state(
        store, be_dir,
        [](XenbusState s) { return s != XenbusState::InitWait && s != XenbusState::Initialised; },
        limit);
    if (!connected_state || *connected_state != XenbusState::Connected) {
        *why = "the backend did not connect: " +
               (connected_state ? std::string("it went to ") +
                                      std::string(platform::to_string(*connected_state))
                                : connected_state.error().message());
        co_return Err(ENODEV);
    }
    auto w = co_await platform::write_state(store, fe_dir, XenbusState::Connected);
    if (!w) {
        *why = fe_dir + "/state: " + w.error().message();
        co_return Err(w.error());
    }

    lost_event.reset();
    calls = std::make_unique<coro::TaskScope>(co_await coro::current_context());
    for (unsigned ring = 0; ring < links.size(); ++ring) {
        links[ring]->events = coro::spawn(*reactor, read_events(this, links[ring].get(), ring));
        links[ring]->events_spawned = true;
    }
    connected = true;
    {
        std::lock_guard lock(state_mutex);
        generation = ++connections;
    }
    state_cv.notify_all();
    log.info("connected to {} ({} streams)", be_dir, links.size());
    co_return ok();
}

coro::Task<void> DeviceConnection::Impl::read_events(Impl* self, StreamLink* link, unsigned ring) {
    std::array<sndif::Event, sndif::kEventRingSize> events;
    if (!self->cur_pos_trace_checked) {
        self->cur_pos_trace_checked = true;
        if (const char* path = std::getenv("XENSND_CUR_POS_TRACE"); path && *path) {
            std::string why;
            auto t = trace::CurPosTrace::open(path, &why);
            if (t)
                self->cur_pos_trace = std::move(*t);
            else
                self->log.warning("{}", why);
        }
    }
    const std::string trace_key = trace::stream_key(self->own_domid, self->params.device,
                                                    link->config->pcm_index, link->config->index);
    for (;;) {
        auto n = co_await link->session->next_events(events);
        if (!n) {
            if (n.errno_value() == ECANCELED) co_return;
            self->log.warning("stream {}: events: {}", link->config->relative_dir(),
                              n.errno_value() == EPROTO ? "the backend broke the event page"
                                                        : n.error().message());
            self->fail(n.errno_value() == EPROTO ? EIO : ENODEV);
            co_return;
        }
        const auto gaps = link->session->counters().event_id_gaps;
        if (gaps != link->gaps_logged && link->gaps_logged == 0)
            self->log.warning("stream {}: event ids not consecutive", link->config->relative_dir());
        link->gaps_logged = gaps;
        std::lock_guard lock(self->listener_mutex);
        StreamListener* l = ring < self->listeners.size() ? self->listeners[ring] : nullptr;
        for (std::size_t i = 0; i < *n; ++i) {
            if (events[i].type != XENSND_EVT_CUR_POS) continue;
            if (l) l->on_position(events[i].op.cur_pos.position);
            if (self->cur_pos_trace)
                self->cur_pos_trace->record(trace_key, events[i].op.cur_pos.position,
                                            trace::monotonic_ns());
        }
    }
}

coro::Task<void> DeviceConnection::Impl::teardown(int error) {
    co_await stop_tasks(error);
    links.clear();
}

// Ends what runs on the connection (calls, event readers) and tells the PCMs, but keeps the
// rings, pages and channels: a clean disconnect still needs them until the backend let go.
coro::Task<void> DeviceConnection::Impl::stop_tasks(int error) {
    {
        std::lock_guard lock(state_mutex);
        generation = 0;
    }
    const bool was_connected = connected;
    connected = false;
    if (was_connected) {
        std::lock_guard lock(listener_mutex);
        for (StreamListener* l : listeners)
            if (l) l->on_lost(error);
    }
    if (calls) {
        calls->cancel();
        co_await calls->join();
        calls.reset();
    }
    for (auto& link : links) {
        if (!link->events_spawned) continue;
        link->events.abort();
        (void)co_await link->events;  // an aborted reader ends at its next await
        link->events_spawned = false;
    }
}

coro::Task<void> DeviceConnection::Impl::disconnect_cleanly() {
    platform::Store& store = *platform.store;
    if (fe_dir.empty()) {
        co_await teardown(ENODEV);
        co_return;
    }
    // The XenBus order: Closing while the rings and channels still exist, so the backend sees
    // a frontend leaving (not one that died), unmaps and unbinds, and leaves Connected; only
    // then are the pages unshared and the channels closed; Closed, then Initialising for the
    // next process.
    // Our readers stop first: the backend's unbinding is then no transport failure to report.
    co_await stop_tasks(ENODEV);
    (void)co_await platform::write_state(store, fe_dir, XenbusState::Closing);
    auto let_go = co_await platform::wait_for_state(
        store, be_dir, [](XenbusState s) { return s != XenbusState::Connected; },
        std::chrono::duration_cast<coro::Duration>(kDisconnectWait));
    if (!let_go) log.warning("the backend did not leave Connected after our Closing");
    co_await teardown(ENODEV);
    (void)co_await platform::write_state(store, fe_dir, XenbusState::Closed);
    (void)co_await platform::write_state(store, fe_dir, XenbusState::Initialising);
    log.info("disconnected");
}

// ---- application threads

namespace {

std::mutex registry_mutex;
// Destroyed when alsa-lib unloads the plugin (after the last PCM closed, so no connection is
// alive then); expired entries are purged on every acquire.
std::map<std::string, std::weak_ptr<DeviceConnection>>& registry() {
    static std::map<std::string, std::weak_ptr<DeviceConnection>> r;
    return r;
}

}  // namespace

Result<std::shared_ptr<DeviceConnection>> DeviceConnection::acquire(const PluginParams& params,
                                                                    std::string* why) {
    std::string reason;
    auto kind = platform::choose_platform(params.platform, &reason);
    if (!kind) {
        if (why) *why = reason;
        return Err(kind.error());
    }
    const std::string identity = platform_identity(*kind);
    const std::string key = identity + "#" + std::to_string(params.device);

    std::lock_guard registry_lock(registry_mutex);
    std::erase_if(registry(), [](const auto& entry) { return entry.second.expired(); });
    if (auto existing = registry()[key].lock()) {
        // Another PCM of this process: wait (bounded) for a connection in progress.
        std::unique_lock lock(existing->impl_->state_mutex);
        if (!existing->impl_->state_cv.wait_for(lock, params.timeout,
                                                [&] { return existing->impl_->generation != 0; })) {
            if (why) *why = "vsnd device " + std::to_string(params.device) + " is not connected";
            return Err(ENODEV);
        }
        return existing;
    }

    auto lock = OwnershipLock::acquire(identity, params.device, why);
    if (!lock) return Err(lock.error());

    std::shared_ptr<DeviceConnection> conn(new DeviceConnection());
    conn->log_ = log::Logger("xen vsnd" + std::to_string(params.device));
    conn->impl_ = std::make_unique<Impl>();
    Impl& impl = *conn->impl_;
    impl.owner = conn.get();
    impl.params = params;
    impl.kind = *kind;
    impl.lock.emplace(std::move(*lock));
    impl.log = conn->log_;
    conn->mixer_path_ = mixer_file_path(identity, params.device);
    // Without a doorbell, mixer changes apply at the next OPEN only.
    auto doorbell = MixerDoorbell::listen(mixer_doorbell_name(identity, params.device));
    if (doorbell)
        impl.doorbell = std::move(*doorbell);
    else
        conn->log_.warning("mixer doorbell: {}", doorbell.error().message());
    auto ready = impl.ready;
    impl.thread = std::thread([&impl] { impl.thread_main(); });
    // Connecting waits a few response timeouts at most (each state wait is bounded by it).
    auto result = ready->wait_for(params.timeout * 4 + std::chrono::seconds(10));
    if (!result || !*result) {
        if (why) *why = result ? impl.ready_why : "connecting timed out";
        int e = result ? result->errno_value() : ETIMEDOUT;
        return Err(e);  // ~DeviceConnection stops the thread
    }
    registry()[key] = conn;
    return conn;
}

DeviceConnection::~DeviceConnection() {
    if (!impl_) return;
    if (impl_->thread.joinable()) {
        Impl* impl = impl_.get();
        (void)impl->handle.post([impl](coro::Reactor&) {
            impl->stop_requested = true;
            impl->stop_event.set();
        });
        impl_->thread.join();
    }
}

std::uint64_t DeviceConnection::generation() const {
    return impl_->current_generation();
}

std::uint64_t DeviceConnection::mixer_rings() const {
    return impl_->doorbell ? impl_->doorbell->rings() : 0;
}

namespace {

coro::Task<void> run_call(session::FrontendSession* s, sndif::Request request,
                          std::shared_ptr<Completion<Result<sndif::Response>>> done) {
    auto r = co_await s->call(request);
    done->set(std::move(r));
}

}  // namespace

Result<sndif::Response> DeviceConnection::call(unsigned ring, std::uint64_t generation,
                                               sndif::Request request) {
    auto done = std::make_shared<Completion<Result<sndif::Response>>>();
    Impl* impl = impl_.get();
    auto posted = impl->handle.post([impl, ring, generation, request, done](coro::Reactor&) {
        if (!impl->connected || impl->current_generation() != generation ||
            ring >= impl->links.size() || !impl->calls) {
            done->set(Err(ENODEV));
            return;
        }
        impl->calls->spawn(run_call(impl->links[ring]->session.get(), request, done));
    });
    if (!posted) return Err(ENODEV);
    // The session's own timeout ends every call; this bound only guards a stuck thread.
    auto r = done->wait_for(impl->params.timeout + std::chrono::seconds(5));
    if (!r) return Err(ETIMEDOUT);
    if (!*r) {
        const int e = r->errno_value();
        if (e == EPROTO || e == ENOTCONN) {
            // The ring is broken or the backend is gone: the whole connection goes.
            (void)impl->handle.post([impl, e](coro::Reactor&) {
                if (impl->connected) impl->fail(e == EPROTO ? EIO : ENODEV);
            });
        }
    }
    return std::move(*r);
}

Result<std::shared_ptr<StreamBuffer>> DeviceConnection::share_buffer(std::uint64_t generation,
                                                                     std::uint32_t bytes) {
    if (bytes == 0) return Err(EINVAL);
    auto done = std::make_shared<Completion<Result<std::shared_ptr<StreamBuffer>>>>();
    Impl* impl = impl_.get();
    auto posted = impl->handle.post([impl, generation, bytes, done](coro::Reactor&) {
        if (!impl->connected || impl->current_generation() != generation) {
            done->set(Err(ENODEV));
            return;
        }
        auto buffer = std::make_shared<StreamBuffer>();
        buffer->bytes = bytes;
        const std::uint32_t pages = sndif::buffer_page_count(bytes);
        const std::uint32_t dir_pages = sndif::directory_page_count(pages);
        auto data = impl->platform.grants->share(impl->backend_id, pages, true);
        if (!data) {
            done->set(Err(data.error()));
            return;
        }
        auto dir = impl->platform.grants->share(impl->backend_id, dir_pages, false);
        if (!dir) {
            done->set(Err(dir.error()));
            return;
        }
        std::vector<void*> dir_ptrs;
        for (std::uint32_t i = 0; i < dir_pages; ++i)
            dir_ptrs.push_back(static_cast<std::byte*>((*dir)->data()) + i * platform::kPageSize);
        auto written = sndif::write_page_directory((*data)->refs(), (*dir)->refs(), dir_ptrs);
        if (!written) {
            done->set(Err(written.error()));
            return;
        }
        buffer->pages = std::move(*data);
        buffer->directory = std::move(*dir);
        done->set(std::move(buffer));
    });
    if (!posted) return Err(ENODEV);
    auto r = done->wait_for(impl->params.timeout + std::chrono::seconds(5));
    if (!r) return Err(ETIMEDOUT);
    return std::move(*r);
}

void DeviceConnection::release(std::shared_ptr<StreamBuffer> buffer) {
    if (!buffer) return;
    auto done = std::make_shared<Completion<bool>>();
    auto posted = impl_->handle.post([buffer, done](coro::Reactor&) mutable {
        buffer.reset();
        done->set(true);
    });
    // Wait, so that a buffer is never unshared after its connection's thread ended.
    if (posted) (void)done->wait_for(std::chrono::seconds(5));
}

Result<void> DeviceConnection::attach(unsigned ring, StreamListener* listener) {
    std::lock_guard lock(impl_->listener_mutex);
    auto& ls = impl_->listeners;
    if (ring >= ls.size()) ls.resize(ring + 1, nullptr);
    if (ls[ring] != nullptr && ls[ring] != listener) return Err(EBUSY);
    ls[ring] = listener;
    return ok();
}

void DeviceConnection::detach(unsigned ring, StreamListener* listener) {
    std::lock_guard lock(impl_->listener_mutex);
    auto& ls = impl_->listeners;
    if (ring < ls.size() && ls[ring] == listener) ls[ring] = nullptr;
}

}  // namespace xensnd::frontend
