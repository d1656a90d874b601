// The vsnd backend's XenBus state machine on the loopback platform. Devices are made as libxl
// makes them (the loopback toolstack library), frontends are scripted as Linux's behaves
// (share the pages, allocate the ports, publish them, Initialised), in this process or in a
// child process that is then killed, and the StreamRunner under test answers every request
// with status 100 + its stream's ring index, so a frontend sees which stream served it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend/device/vsnd_backend.hpp"
#include "core/config/xl_vsnd.hpp"
#include "core/platform/loopback_client.hpp"
#include "core/platform/xenbus_state.hpp"
#include "coro/coro.hpp"
#include "loopback/daemon_process.hpp"
#include "loopback/toolstack/vsnd_attach.hpp"
#include "loopback/toolstack/vsnd_detach.hpp"
#include "loopback/toolstack/xenstore_connection.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace std::chrono_literals;
using backend::device::ConnectedStream;
using backend::device::VsndBackend;
using platform::DomId;
using platform::XenbusState;

namespace {

constexpr DomId kBackendDom = 0;
constexpr DomId kGuest = 1;
constexpr DomId kOtherGuest = 2;
// How long one step may take before the test gives up on it (a hang guard, not a measurement).
constexpr auto kPatience = 10s;

// ---- log lines, captured to check that failures name their node

struct LogLines {
    std::mutex m;
    std::vector<std::string> lines;
};
LogLines& logs() {
    static LogLines l;
    return l;
}
void capture_logs() {
    log::set_sink([](log::Level, std::string_view line) {
        std::lock_guard g(logs().m);
        logs().lines.emplace_back(line);
        std::fprintf(stderr, "  log: %.*s\n", static_cast<int>(line.size()), line.data());
    });
}
std::size_t count_logged(std::initializer_list<std::string_view> parts) {
    std::lock_guard g(logs().m);
    return static_cast<std::size_t>(
        std::count_if(logs().lines.begin(), logs().lines.end(), [&](const std::string& line) {
            return std::all_of(parts.begin(), parts.end(), [&](std::string_view p) {
                return line.find(p) != std::string::npos;
            });
        }));
}

// ---- the StreamRunner under test

struct StreamSeen {
    DomId frontend = 0;
    unsigned device = 0;
    unsigned ring_index = 0;
    std::string dir;
    config::StreamType type = config::StreamType::Playback;
    std::string unique_id;
    std::string log_context;
};

struct Recorder {
    std::vector<StreamSeen> started;
    std::vector<int> ended;  // the errno each runner returned (0: ok)
    int active = 0;
};

Task<Result<void>> answer_requests(Recorder* rec, ConnectedStream cs) {
    rec->started.push_back({cs.frontend, cs.device, cs.config->ring_index,
                            cs.config->relative_dir(), cs.config->type, cs.config->unique_id,
                            cs.log.context()});
    ++rec->active;
    std::array<sndif::Request, 8> reqs;
    Result<void> outcome = ok();
    for (;;) {
        Result<std::size_t> n = co_await cs.session->next_requests(reqs);
        if (!n) {
            // Stopped by the device (ECANCELED) is the ok ending; anything else ends the stream.
            if (n.errno_value() != ECANCELED) outcome = Err(n.error());
            break;
        }
        for (std::size_t i = 0; i < *n; ++i) {
            sndif::Response rsp{};
            rsp.id = reqs[i].id;
            rsp.operation = reqs[i].operation;
            rsp.status = static_cast<std::int32_t>(100 + cs.config->ring_index);
            (void)cs.session->respond(rsp);
        }
    }
    --rec->active;
    rec->ended.push_back(outcome.errno_value());
    co_return outcome;
}

// ---- XenStore as one loopback domain

Result<std::unique_ptr<platform::Store>> open_store(Reactor& reactor, const std::string& rundir,
                                                    DomId domid) {
    std::string path = rundir + "/xenstore/domain-" + std::to_string(domid) + ".sock";
    ::setenv("XENSTORED_PATH", path.c_str(), 1);
    return platform::Store::open(reactor);
}

std::string backend_dir(DomId guest, unsigned devid) {
    return "/local/domain/0/backend/vsnd/" + std::to_string(guest) + "/" + std::to_string(devid);
}
std::string frontend_dir(DomId guest, unsigned devid) {
    return "/local/domain/" + std::to_string(guest) + "/device/vsnd/" + std::to_string(devid);
}

// ---- a frontend doing the XenBus part of Linux's snd_xen_front

struct ScriptedFrontend {
    struct Stream {
        std::unique_ptr<platform::SharedPages> pages;  // ring page, then event page
        std::unique_ptr<platform::EventChannel> ring;
        std::unique_ptr<platform::EventChannel> evt;
        std::unique_ptr<session::FrontendSession> session;  // destroyed first
    };

    DomId dom = 0;
    unsigned devid = 0;
    std::string dir;
    std::unique_ptr<platform::Store> store;
    std::unique_ptr<platform::EventChannelService> events;
    std::unique_ptr<platform::GrantService> grants;
    std::vector<std::unique_ptr<Stream>> streams;

    static Result<std::unique_ptr<ScriptedFrontend>> open(Reactor& reactor,
                                                          const std::string& rundir, DomId dom,
                                                          unsigned devid) {
        auto fe = std::make_unique<ScriptedFrontend>();
        fe->dom = dom;
        fe->devid = devid;
        fe->dir = frontend_dir(dom, devid);
        auto store = open_store(reactor, rundir, dom);
        if (!store) return Err(store.error());
        fe->store = std::move(*store);
        auto events = platform::open_loopback_events(reactor, {rundir, dom});
        if (!events) return Err(events.error());
        fe->events = std::move(*events);
        auto grants = platform::open_loopback_grants({rundir, dom});
        if (!grants) return Err(grants.error());
        fe->grants = std::move(*grants);
        return fe;
    }

    // Shares fresh pages and ports for each stream directory ("P/S") and publishes them.
    Task<Result<void>> publish(std::vector<std::string> stream_dirs) {
        streams.clear();
        for (const std::string& sdir : stream_dirs) {
            auto s = std::make_unique<Stream>();
            auto pages = grants->share(kBackendDom, 2, true);
            if (!pages) co_return Err(pages.error());
            s->pages = std::move(*pages);
            auto ring = events->alloc_unbound(kBackendDom);
            if (!ring) co_return Err(ring.error());
            s->ring = std::move(*ring);
            auto evt = events->alloc_unbound(kBackendDom);
            if (!evt) co_return Err(evt.error());
            s->evt = std::move(*evt);
            auto* base = static_cast<std::byte*>(s->pages->data());
            s->session = std::make_unique<session::FrontendSession>(
                base, base + platform::kPageSize, *s->ring, *s->evt);
            const std::pair<const char*, std::uint32_t> nodes[] = {
                {"ring-ref", s->pages->refs()[0]},
                {"event-channel", s->ring->local_port()},
                {"evt-ring-ref", s->pages->refs()[1]},
                {"evt-event-channel", s->evt->local_port()},
            };
            for (auto [node, value] : nodes) {
                Result<void> w =
                    co_await store->write(dir + "/" + sdir + "/" + node, std::to_string(value));
                if (!w) co_return w;
            }
            streams.push_back(std::move(s));
        }
        co_return ok();
    }

    Task<Result<void>> set_state(XenbusState s) { return platform::write_state(*store, dir, s); }

    Task<Result<XenbusState>> wait_backend(platform::XenbusStates wanted) {
        return platform::wait_for_state(*store, backend_dir(dom, devid), wanted, kPatience);
    }

    // One request on stream i; the status the backend's runner gave it.
    Task<Result<std::int32_t>> call(std::size_t i) {
        sndif::Request req{};
        req.operation = XENSND_OP_GET_VOLUME;
        Result<sndif::Response> rsp = co_await streams.at(i)->session->call(req);
        if (!rsp) co_return Err(rsp.error());
        co_return rsp->status;
    }

    // Starts over as Linux does after a disconnect: Initialising, fresh rings, Initialised.
    Task<Result<void>> connect(std::vector<std::string> stream_dirs) {
        Result<void> r = co_await set_state(XenbusState::Initialising);
        if (!r) co_return r;
        r = co_await publish(std::move(stream_dirs));
        if (!r) co_return r;
        r = co_await set_state(XenbusState::Initialised);
        if (!r) co_return r;
        const platform::XenbusStates connected{XenbusState::Connected};
        Result<XenbusState> s = co_await wait_backend(connected);
        if (!s) co_return Err(s.error());
        r = co_await set_state(XenbusState::Connected);
        co_return r;
    }
};

// ---- the backend under test, its platform and a toolstack

Task<Result<void>> run_backend(VsndBackend* backend, Result<void>* outcome) {
    *outcome = co_await backend->run();
    co_return *outcome;
}

Task<void> join(JoinHandle<Result<void>> handle) {
    (void)co_await handle;
}

Task<void> wait_flag(const std::atomic<bool>* flag) {
    while (!flag->load())
        (void)co_await sleep_for(1ms);
}

template <class Pred>
Task<bool> eventually(Pred pred) {
    auto deadline = Clock::now() + kPatience;
    while (!pred()) {
        if (Clock::now() > deadline) co_return false;
        (void)co_await sleep_for(2ms);
    }
    co_return true;
}

struct Harness {
    std::unique_ptr<loopback::DaemonProcess> daemon;
    std::unique_ptr<Reactor> reactor;
    platform::Platform platform;
    std::unique_ptr<platform::Store> admin;  // the test's own dom0 view
    std::optional<loopback::toolstack::XenStoreConnection> toolstack;
    Recorder rec;
    std::unique_ptr<VsndBackend> backend;
    Result<void> outcome = Err(EINPROGRESS);
    JoinHandle<Result<void>> running;
    bool stopped = false;

    explicit Harness(bool start_backend = true) {
        std::string why;
        auto d = loopback::DaemonProcess::start(XENSND_LOOPBACK_BIN,
                                                {kBackendDom, kGuest, kOtherGuest}, &why);
        REQUIRE_MESSAGE(d.ok(), "loopback daemon: " << why);
        daemon = std::move(*d);
        auto r = Reactor::create();
        REQUIRE(r.ok());
        reactor = std::move(*r);
        auto store = open_store(*reactor, daemon->rundir(), kBackendDom);
        REQUIRE(store.ok());
        platform.kind = platform::PlatformKind::Loopback;
        platform.store = std::move(*store);
        auto events = platform::open_loopback_events(*reactor, {daemon->rundir(), kBackendDom});
        REQUIRE(events.ok());
        platform.events = std::move(*events);
        auto grants = platform::open_loopback_grants({daemon->rundir(), kBackendDom});
        REQUIRE(grants.ok());
        platform.grants = std::move(*grants);
        auto admin_store = open_store(*reactor, daemon->rundir(), kBackendDom);
        REQUIRE(admin_store.ok());
        admin = std::move(*admin_store);
        auto ts = loopback::toolstack::connect_xenstore(daemon->xenstore_socket(kBackendDom));
        REQUIRE_MESSAGE(ts.ok(), ts.error().message);
        toolstack.emplace(std::move(*ts));
        if (start_backend) start();
    }

    void start() {
        backend = std::make_unique<VsndBackend>(
            platform,
            [rec = &rec](ConnectedStream cs) { return answer_requests(rec, std::move(cs)); },
            log::Logger("vsnd"));
        running = spawn(*reactor, run_backend(backend.get(), &outcome));
    }

    // Stops the backend as the daemon does (its task's stop token); what run() returned.
    Result<void> stop() {
        stopped = true;
        running.abort();
        block_on(*reactor, join(std::move(running)));
        return outcome;
    }

    ~Harness() {
        if (backend && !stopped) (void)stop();
        backend.reset();
        admin.reset();
        platform = {};
        reactor.reset();
        toolstack.reset();
        daemon.reset();
    }

    template <class T>
    T run(Task<T> task) {
        return block_on(*reactor, std::move(task));
    }

    template <class Pred>
    bool wait_for(Pred pred) {
        return run(eventually(std::move(pred)));
    }

    XenbusState backend_state(DomId guest, unsigned devid) {
        auto s = run(platform::read_state(*admin, backend_dir(guest, devid)));
        return s.value_or(XenbusState::Unknown);
    }

    Result<XenbusState> wait_backend(DomId guest, unsigned devid, XenbusState wanted) {
        return run(
            platform::wait_for_state(*admin, backend_dir(guest, devid), {wanted}, kPatience));
    }

    // Runs a blocking toolstack call on another thread while this one drives the reactor.
    template <class F>
    auto in_thread(F f) -> decltype(f()) {
        std::optional<decltype(f())> result;
        std::atomic<bool> done{false};
        std::thread t([&] {
            result.emplace(f());
            done = true;
        });
        run(wait_flag(&done));
        t.join();
        return std::move(*result);
    }

    // Adds a device as `xl vsnd-attach` does, without waiting for the backend.
    config::VsndDeviceAddress attach(DomId guest, std::vector<std::string> items) {
        auto spec = config::parse_xl_vsnd_card(items);
        REQUIRE_MESSAGE(spec.ok(), spec.error().message());
        loopback::toolstack::AttachOptions options;
        options.wait_backend = std::nullopt;
        auto added = loopback::toolstack::attach_vsnd(toolstack->get(), guest, *spec, options);
        REQUIRE_MESSAGE(added.ok(), added.error().message);
        return *added;
    }

    std::unique_ptr<ScriptedFrontend> frontend(DomId guest, unsigned devid) {
        auto fe = ScriptedFrontend::open(*reactor, daemon->rundir(), guest, devid);
        REQUIRE_MESSAGE(fe.ok(), fe.error().message());
        return std::move(*fe);
    }

    std::optional<std::string> read(std::string path) {
        auto v = run(admin->read(std::move(path)));
        if (!v) return std::nullopt;
        return *v;
    }
    void write(std::string path, std::string value) {
        REQUIRE(run(admin->write(std::move(path), std::move(value))).ok());
    }
};

const std::vector<std::string> kTwoPcms = {
    "card, short-name=Test, sample-rates=44100;48000, sample-formats=s16_le",
    "pcm, name=Main",
    "stream, unique-id=main-p, type=p",
    "stream, unique-id=main-c, type=c",
    "pcm, name=Extra",
    "stream, unique-id=extra-p, type=p",
};
const std::vector<std::string> kTwoPcmsDirs = {"0/0", "0/1", "1/0"};

const std::vector<std::string> kOneStream = {"card, sample-formats=s16_le", "pcm, name=Only",
                                             "stream, unique-id=0, type=p"};
const std::vector<std::string> kOneStreamDirs = {"0/0"};

// A frontend connected to the backend (state Connected on both sides, runners up).
void connect(Harness& h, ScriptedFrontend& fe, const std::vector<std::string>& dirs) {
    auto b = h.wait_backend(fe.dom, fe.devid, XenbusState::InitWait);
    REQUIRE_MESSAGE(b.ok(), "backend never reached InitWait: " << b.error().message());
    auto c = h.run(fe.connect(dirs));
    REQUIRE_MESSAGE(c.ok(), "frontend could not connect: " << c.error().message());
}

// ---- the frontend as a child process, to be killed

std::string self_exe() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    REQUIRE(n > 0);
    return std::string(buf, static_cast<std::size_t>(n));
}

int frontend_child(const std::string& rundir, DomId dom, unsigned devid, int report_fd) {
    auto reactor = Reactor::create();
    if (!reactor) return 10;
    auto fe = ScriptedFrontend::open(**reactor, rundir, dom, devid);
    if (!fe) return 11;
    auto connected = block_on(**reactor, (*fe)->connect({"0/0", "0/1", "1/0"}));
    if (!connected) {
        std::fprintf(stderr, "frontend child: %s\n", connected.error().message().c_str());
        return 12;
    }
    const char line[] = "connected\n";
    if (::write(report_fd, line, sizeof line - 1) != sizeof line - 1) return 13;
    // Serves nothing and waits to be killed, its grants and ports still held.
    for (;;)
        ::pause();
}

struct ChildFrontend {
    pid_t pid = -1;
    int report = -1;
};

ChildFrontend start_frontend_child(const Harness& h, DomId dom, unsigned devid) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    // Everything the child needs is built before fork: this process has threads.
    const std::string exe = self_exe();
    const std::string d = std::to_string(dom), n = std::to_string(devid),
                      fd = std::to_string(fds[1]);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        ::execl(exe.c_str(), exe.c_str(), "--frontend-child", h.daemon->rundir().c_str(), d.c_str(),
                n.c_str(), fd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    return {pid, fds[0]};
}

Task<Result<std::size_t>> read_some(int fd, std::span<std::byte> buf) {
    Result<std::size_t> n = co_await coro::read(fd, buf);
    co_return n;
}

Task<bool> read_report(int fd) {
    std::array<std::byte, 32> buf;
    std::string got;
    while (got.find('\n') == std::string::npos) {
        Result<std::size_t> n = co_await timeout(kPatience, read_some(fd, buf));
        if (!n || *n == 0) co_return false;
        got.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    co_return got == "connected\n";
}

}  // namespace

TEST_CASE("a device the toolstack adds reaches InitWait and offers protocol version 2") {
    Harness h;
    auto spec = config::parse_xl_vsnd_card(kTwoPcms);
    REQUIRE(spec.ok());
    // As `xl create` does: wait (10 s at most) for the backend to reach InitWait.
    auto added = h.in_thread(
        [&] { return loopback::toolstack::attach_vsnd(h.toolstack->get(), kGuest, *spec); });
    REQUIRE_MESSAGE(added.ok(), added.error().message);
    CHECK(h.backend_state(kGuest, 0) == XenbusState::InitWait);
    CHECK(h.read(backend_dir(kGuest, 0) + "/versions") == "2");
    CHECK(h.backend->counters().devices == 1);
    CHECK(h.backend->counters().connected == 0);
    CHECK(count_logged({"dom1 vsnd0", "InitWait"}) >= 1);
}

TEST_CASE("a frontend that publishes its rings is connected, one runner per stream in ring order") {
    Harness h;
    h.attach(kGuest, kTwoPcms);
    auto fe = h.frontend(kGuest, 0);
    connect(h, *fe, kTwoPcmsDirs);
    CHECK(h.backend_state(kGuest, 0) == XenbusState::Connected);
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));

    auto seen = h.rec.started;
    std::sort(seen.begin(), seen.end(),
              [](const StreamSeen& a, const StreamSeen& b) { return a.ring_index < b.ring_index; });
    REQUIRE(seen.size() == 3);
    const char* dirs[] = {"0/0", "0/1", "1/0"};
    const char* ids[] = {"main-p", "main-c", "extra-p"};
    const config::StreamType types[] = {config::StreamType::Playback, config::StreamType::Capture,
                                        config::StreamType::Playback};
    for (unsigned i = 0; i < 3; ++i) {
        CHECK(seen[i].ring_index == i);
        CHECK(seen[i].dir == dirs[i]);
        CHECK(seen[i].unique_id == ids[i]);
        CHECK(seen[i].type == types[i]);
        CHECK(seen[i].frontend == kGuest);
        CHECK(seen[i].device == 0);
        CHECK(seen[i].log_context == std::string("dom1 vsnd0 ") + dirs[i]);
    }
    // Each stream's pages and ports reach that stream's runner.
    for (std::size_t i = 0; i < 3; ++i) {
        auto status = h.run(fe->call(i));
        REQUIRE(status.ok());
        CHECK(*status == static_cast<std::int32_t>(100 + i));
    }
    CHECK(h.backend->counters().connected == 1);
    CHECK(h.backend->counters().connections == 1);
    CHECK(h.backend->counters().failures == 0);
}

TEST_CASE("frontend Closing returns the device to InitWait and the next connection works") {
    Harness h;
    h.attach(kGuest, kTwoPcms);
    auto fe = h.frontend(kGuest, 0);
    connect(h, *fe, kTwoPcmsDirs);
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));

    REQUIRE(h.run(fe->set_state(XenbusState::Closing)).ok());
    REQUIRE(h.wait_backend(kGuest, 0, XenbusState::InitWait).ok());
    REQUIRE(h.wait_for([&] { return h.rec.active == 0; }));
    CHECK(h.rec.ended == std::vector<int>{0, 0, 0});
    CHECK(h.backend->counters().connected == 0);

    // Linux's frontend then starts over with fresh rings.
    fe->streams.clear();
    connect(h, *fe, kTwoPcmsDirs);
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));
    for (std::size_t i = 0; i < 3; ++i) {
        auto status = h.run(fe->call(i));
        REQUIRE(status.ok());
        CHECK(*status == static_cast<std::int32_t>(100 + i));
    }
    CHECK(h.backend->counters().connections == 2);
    CHECK(h.backend->counters().failures == 0);
}

TEST_CASE("a killed frontend process is noticed, its stale state ignored, and a new one served") {
    Harness h;
    h.attach(kGuest, kTwoPcms);
    REQUIRE(h.wait_backend(kGuest, 0, XenbusState::InitWait).ok());
    ChildFrontend child = start_frontend_child(h, kGuest, 0);
    bool reported = h.run(read_report(child.report));
    if (!reported) {
        ::kill(child.pid, SIGKILL);
        ::waitpid(child.pid, nullptr, 0);
    }
    REQUIRE_MESSAGE(reported, "the frontend child did not connect");
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));

    REQUIRE(::kill(child.pid, SIGKILL) == 0);
    REQUIRE(::waitpid(child.pid, nullptr, 0) == child.pid);
    ::close(child.report);

    REQUIRE(h.wait_backend(kGuest, 0, XenbusState::InitWait).ok());
    REQUIRE(h.wait_for([&] { return h.rec.active == 0; }));
    CHECK(std::count(h.rec.ended.begin(), h.rec.ended.end(), ENOTCONN) >= 1);
    // The dead frontend's Connected is still in XenStore; it must not be trusted.
    CHECK(h.read(frontend_dir(kGuest, 0) + "/state") == "4");

    auto fe = h.frontend(kGuest, 0);
    connect(h, *fe, kTwoPcmsDirs);
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));
    auto status = h.run(fe->call(2));
    REQUIRE(status.ok());
    CHECK(*status == 102);
    // Had the backend trusted the stale state, mapping the dead grants would have failed.
    CHECK(h.backend->counters().failures == 0);
    CHECK(h.backend->counters().connections == 2);
}

TEST_CASE("detach (online = 0) closes the device, and its removal leaves nothing behind") {
    Harness h;
    h.attach(kGuest, kOneStream);
    auto fe = h.frontend(kGuest, 0);
    connect(h, *fe, kOneStreamDirs);
    REQUIRE(h.wait_for([&] { return h.rec.active == 1; }));

    auto detached = h.in_thread(
        [&] { return loopback::toolstack::detach_vsnd(h.toolstack->get(), kGuest, 0); });
    REQUIRE_MESSAGE(detached.ok(), detached.error().message);
    CHECK(detached->backend == loopback::toolstack::Detached::Backend::Closed);
    REQUIRE(h.wait_for([&] { return h.backend->counters().devices == 0; }));
    CHECK(h.rec.active == 0);
    CHECK(h.backend->counters().connected == 0);
    // Nothing wrote the state back into existence after the toolstack removed the directory.
    CHECK(!h.read(backend_dir(kGuest, 0)).has_value());
    CHECK(count_logged({"dom1 vsnd0", "Connected -> Closed", "removed by the toolstack"}) == 1);
    CHECK(count_logged({"dom1 vsnd0", "backend entry removed"}) == 1);

    // The next device of that guest is served as usual.
    auto again = h.attach(kGuest, kOneStream);
    CHECK(h.wait_backend(kGuest, again.devid, XenbusState::InitWait).ok());
}

TEST_CASE("devices with bad nodes fail alone, naming the node; a good device keeps working") {
    Harness h;
    h.attach(kGuest, kTwoPcms);
    auto good = h.frontend(kGuest, 0);
    connect(h, *good, kTwoPcmsDirs);
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));

    // dom2 vsnd0: ring-ref missing; vsnd1: event-channel not a number; vsnd2: a stream type
    // that is neither p nor c.
    std::vector<std::unique_ptr<ScriptedFrontend>> bad;
    for (unsigned devid = 0; devid < 3; ++devid) {
        CHECK(h.attach(kOtherGuest, kOneStream).devid == devid);
        REQUIRE(h.wait_backend(kOtherGuest, devid, XenbusState::InitWait).ok());
        auto fe = h.frontend(kOtherGuest, devid);
        REQUIRE(h.run(fe->publish(kOneStreamDirs)).ok());
        const std::string s = fe->dir + "/0/0/";
        if (devid == 0) REQUIRE(h.run(fe->store->rm(s + "ring-ref")).ok());
        if (devid == 1) REQUIRE(h.run(fe->store->write(s + "event-channel", "12abc")).ok());
        if (devid == 2) REQUIRE(h.run(fe->store->write(s + "type", "x")).ok());
        REQUIRE(h.run(fe->set_state(XenbusState::Initialised)).ok());
        REQUIRE(h.wait_backend(kOtherGuest, devid, XenbusState::Closed).ok());
        bad.push_back(std::move(fe));
    }
    CHECK(count_logged({"dom2 vsnd0", frontend_dir(kOtherGuest, 0) + "/0/0/ring-ref", "missing"}) ==
          1);
    CHECK(count_logged(
              {"dom2 vsnd1", frontend_dir(kOtherGuest, 1) + "/0/0/event-channel", "12abc"}) == 1);
    CHECK(count_logged({"dom2 vsnd2", frontend_dir(kOtherGuest, 2) + "/0/0/type"}) == 1);

    // Backend entries a toolstack got wrong: dom2 vsnd5 claims to be dom1's, dom2 vsnd6 points
    // at dom1's frontend directory. Neither may make us read dom1's tree.
    const std::string b5 = backend_dir(kOtherGuest, 5), b6 = backend_dir(kOtherGuest, 6);
    h.write(b5 + "/frontend", frontend_dir(kOtherGuest, 5));
    h.write(b5 + "/frontend-id", "1");
    h.write(b5 + "/online", "1");
    h.write(b6 + "/frontend", frontend_dir(kGuest, 0));
    h.write(b6 + "/frontend-id", "2");
    h.write(b6 + "/online", "1");
    REQUIRE(h.wait_backend(kOtherGuest, 5, XenbusState::Closed).ok());
    REQUIRE(h.wait_backend(kOtherGuest, 6, XenbusState::Closed).ok());
    CHECK(count_logged({"dom2 vsnd5", b5 + "/frontend-id"}) == 1);
    CHECK(count_logged(
              {"dom2 vsnd6", b6 + "/frontend", "must be " + frontend_dir(kOtherGuest, 6)}) == 1);

    // Entries that are no device at all are logged once and ignored.
    h.write("/local/domain/0/backend/vsnd/guest/0/online", "1");
    h.write("/local/domain/0/backend/vsnd/2/07/online", "1");
    h.write("/local/domain/0/backend/vsnd/2/07/state", "1");
    REQUIRE(h.wait_for([&] { return count_logged({"/local/domain/0/backend/vsnd/2/07"}) == 1; }));
    REQUIRE(h.wait_for([&] { return count_logged({"/local/domain/0/backend/vsnd/guest"}) == 1; }));
    CHECK(h.backend->counters().devices == 6);  // dom1 vsnd0, dom2 vsnd0-2, 5, 6

    CHECK(h.backend->counters().failures >= 5);
    CHECK(h.backend_state(kGuest, 0) == XenbusState::Connected);
    CHECK(h.rec.active == 3);
    CHECK(h.rec.ended.empty());
    for (std::size_t i = 0; i < 3; ++i) {
        auto status = h.run(good->call(i));
        REQUIRE(status.ok());
        CHECK(*status == static_cast<std::int32_t>(100 + i));
    }

    // A refused frontend that starts over with good data is served.
    REQUIRE(h.run(bad[0]->set_state(XenbusState::Initialising)).ok());
    REQUIRE(h.wait_backend(kOtherGuest, 0, XenbusState::InitWait).ok());
    auto retry = h.frontend(kOtherGuest, 0);
    connect(h, *retry, kOneStreamDirs);
    auto status = h.run(retry->call(0));
    REQUIRE(status.ok());
    CHECK(*status == 100);
}

TEST_CASE("a frontend that breaks its ring is disconnected, and so is one whose directory goes") {
    Harness h;
    h.attach(kGuest, kTwoPcms);
    auto fe = h.frontend(kGuest, 0);
    connect(h, *fe, kTwoPcmsDirs);
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));

    // A request producer index far past the ring's size: the session calls that EPROTO.
    auto* ring = static_cast<xen_sndif_sring*>(fe->streams[1]->pages->data());
    ring->req_prod = ring->req_prod + 1000;
    REQUIRE(fe->streams[1]->ring->notify().ok());
    REQUIRE(h.wait_backend(kGuest, 0, XenbusState::InitWait).ok());
    REQUIRE(h.wait_for([&] { return h.rec.active == 0; }));
    CHECK(std::count(h.rec.ended.begin(), h.rec.ended.end(), EPROTO) == 1);
    CHECK(count_logged({"dom1 vsnd0", "Connected -> InitWait", "stream 0/1"}) == 1);

    // The frontend starts over, as Linux's does when it sees InitWait.
    connect(h, *fe, kTwoPcmsDirs);
    REQUIRE(h.wait_for([&] { return h.rec.active == 3; }));

    // The guest's directory disappears under a connected device.
    REQUIRE(h.run(h.admin->rm(fe->dir)).ok());
    REQUIRE(h.wait_backend(kGuest, 0, XenbusState::InitWait).ok());
    REQUIRE(h.wait_for([&] { return h.rec.active == 0; }));
    CHECK(count_logged({"dom1 vsnd0", "Connected -> InitWait", "frontend Unknown"}) == 1);
    CHECK(h.backend->counters().connections == 2);
    CHECK(h.backend->counters().failures == 0);
}

TEST_CASE("a frontend already Initialised when the backend starts is connected") {
    Harness h(/*start_backend=*/false);
    h.attach(kGuest, kOneStream);
    auto fe = h.frontend(kGuest, 0);
    REQUIRE(h.run(fe->publish(kOneStreamDirs)).ok());
    REQUIRE(h.run(fe->set_state(XenbusState::Initialised)).ok());
    h.start();
    REQUIRE(h.wait_backend(kGuest, 0, XenbusState::Connected).ok());
    auto status = h.run(fe->call(0));
    REQUIRE(status.ok());
    CHECK(*status == 100);
}

TEST_CASE("stopping the backend closes every device and releases every stream") {
    Harness h;
    h.attach(kGuest, kTwoPcms);
    h.attach(kGuest, kOneStream);  // dom1 vsnd1 stays in InitWait
    h.attach(kOtherGuest, kOneStream);
    auto fe1 = h.frontend(kGuest, 0);
    auto fe2 = h.frontend(kOtherGuest, 0);
    connect(h, *fe1, kTwoPcmsDirs);
    connect(h, *fe2, kOneStreamDirs);
    REQUIRE(h.wait_backend(kGuest, 1, XenbusState::InitWait).ok());
    REQUIRE(h.wait_for([&] { return h.rec.active == 4; }));

    auto outcome = h.stop();
    CHECK(outcome.ok());
    CHECK(h.rec.active == 0);
    CHECK(h.rec.ended.size() == 4);
    CHECK(h.backend->counters().devices == 0);
    CHECK(h.backend->counters().connected == 0);
    CHECK(h.backend_state(kGuest, 0) == XenbusState::Closed);
    CHECK(h.backend_state(kGuest, 1) == XenbusState::Closed);
    CHECK(h.backend_state(kOtherGuest, 0) == XenbusState::Closed);
}

int main(int argc, char** argv) {
    if (argc == 6 && std::strcmp(argv[1], "--frontend-child") == 0) {
        return frontend_child(argv[2], static_cast<DomId>(std::atoi(argv[3])),
                              static_cast<unsigned>(std::atoi(argv[4])), std::atoi(argv[5]));
    }
    std::string why;
    if (!Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    capture_logs();
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
