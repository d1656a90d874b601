// The StreamServer across processes on the loopback platform: a frontend process (domain 1)
// shares the ring, event page, buffer and page directory and drives the stream with
// FrontendSession calls; this process (domain 0) maps them and serves the stream with a
// StreamServer against a FakeHost paced by a task. OPEN/WRITE/TRIGGER/CUR_POS/CLOSE end to
// end, a request flood, and a frontend killed mid-stream.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include "backend/stream/stream_server.hpp"
#include "core/platform/loopback_client.hpp"
#include "coro/coro.hpp"
#include "loopback/daemon_process.hpp"
#include "stream_rig.hpp"
#include "tests/support/loopback_stream.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::backend::stream;
using namespace std::chrono_literals;

namespace {

constexpr platform::DomId kBackendDom = 0;
constexpr platform::DomId kFrontendDom = 1;
constexpr std::uint32_t kBuffer = 4 * 4096;
constexpr std::uint32_t kPeriod = 4096;  // bytes: 1024 S16 stereo frames
constexpr int kFlood = 3000;

enum class Frontend { Stream, Flood, Killed };

std::byte pattern(std::uint32_t i) {
    return std::byte(i * 7 % 251);
}

Task<std::int32_t> call(session::FrontendSession* s, sndif::Request r) {
    auto rsp = co_await s->call(r);
    if (!rsp) co_return -1000 - rsp.errno_value();
    co_return rsp->status;
}

// The frontend process: its verdict is its exit code (0 = as expected).
int frontend_process(const std::string& rundir, int control, Frontend behaviour) {
    auto reactor = Reactor::create();
    if (!reactor) return 10;
    auto end = test::FrontendEnd::open(**reactor, {rundir, kFrontendDom}, kBackendDom);
    if (!end) return 11;
    // The shared buffer and its page directory, as Linux's frontend sets them up.
    auto buffer = end->grants->share(kBackendDom, kBuffer / 4096, true);
    auto directory = end->grants->share(kBackendDom, 1, false);
    if (!buffer || !directory) return 12;
    auto* bytes = static_cast<std::byte*>((*buffer)->data());
    for (std::uint32_t i = 0; i < kBuffer; ++i)
        bytes[i] = pattern(i);
    void* dir_page = (*directory)->data();
    if (!sndif::write_page_directory((*buffer)->refs(), (*directory)->refs(),
                                     std::span<void* const>(&dir_page, 1)))
        return 13;
    session::FrontendSession s(end->ring_page(), end->event_page(), *end->ring_channel,
                               *end->event_channel);
    test::Published pub = end->published();
    if (::write(control, &pub, sizeof pub) != sizeof pub) return 14;

    test::SharedBuffer shared;
    shared.directory = (*directory)->refs()[0];
    shared.bytes = kBuffer;
    auto run = [&]() -> Task<int> {
        if (behaviour == Frontend::Flood) {
            for (int i = 0; i < kFlood; ++i) {
                auto st = co_await call(&s, test::rw_request(XENSND_OP_WRITE, 0, 64));
                if (st != -EINVAL) co_return 20;
            }
        }
        auto open = test::open_request(shared, XENSND_PCM_FORMAT_S16_LE, 2, 48000, kPeriod);
        if (co_await call(&s, open) != 0) co_return 21;
        if (co_await call(&s, test::rw_request(XENSND_OP_WRITE, 0, kBuffer)) != 0) co_return 22;
        if (co_await call(&s, test::trigger_request(XENSND_OP_TRIGGER_START)) != 0) co_return 23;
        std::array<sndif::Event, 63> events;
        std::uint64_t last = 0;
        std::size_t count = 0;
        while (last < kBuffer * 3 / 4) {
            auto n = co_await timeout(10s, s.next_events(events));
            if (!n) co_return 24;
            for (std::size_t i = 0; i < *n; ++i) {
                if (events[i].type != XENSND_EVT_CUR_POS) co_return 25;
                if (events[i].op.cur_pos.position <= last) co_return 26;
                last = events[i].op.cur_pos.position;
                ++count;
            }
            if (behaviour == Frontend::Killed && count > 0) {
                char ready = 1;
                (void)!::write(control, &ready, 1);
                for (;;)
                    (void)co_await sleep_for(1s);  // until killed
            }
        }
        if (s.counters().event_id_gaps != 0) co_return 27;
        if (count < 2 * (last / kPeriod)) co_return 28;
        if (co_await call(&s, test::trigger_request(XENSND_OP_TRIGGER_STOP)) != 0) co_return 29;
        if (co_await call(&s, sndif::make_request(0, XENSND_OP_CLOSE)) != 0) co_return 30;
        co_return 0;
    };
    return block_on(**reactor, run());
}

Task<void> run_clock(test::StreamRig* rig, bool* stop) {
    while (!*stop) {
        if (rig->host) rig->host->advance(48);  // 1 ms at 48 kHz
        (void)co_await sleep_for(1ms);
    }
}

Task<void> kill_when_streaming(int control, pid_t child) {
    std::byte ready[1];
    auto n = co_await coro::read(control, ready);
    if (n && *n == 1) ::kill(child, SIGKILL);
}

struct Outcome {
    Result<void> served = ok();
    int child_status = -1;
    StreamStats stats;
    std::vector<std::byte> heard;
    bool host_closed = false;
    std::size_t log_lines = 0;
};

// Forks the frontend, serves its stream here, and reports how it ended.
Outcome scenario(const loopback::DaemonProcess& daemon, Frontend behaviour) {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(sv[0]);
        ::_exit(frontend_process(daemon.rundir(), sv[1], behaviour));
    }
    ::close(sv[1]);
    Outcome out;
    {
        std::size_t lines = 0;
        log::set_sink([&](log::Level, std::string_view) { ++lines; });
        auto reactor = Reactor::create();
        REQUIRE(reactor.ok());
        test::Published pub;
        REQUIRE(::read(sv[0], &pub, sizeof pub) == sizeof pub);
        auto end =
            test::BackendEnd::open(**reactor, {daemon.rundir(), kBackendDom}, kFrontendDom, pub);
        REQUIRE_MESSAGE(end.ok(), "backend set-up: " << end.error().message());
        session::BackendSession back(end->ring_page(), end->event_page(), *end->ring_channel,
                                     *end->event_channel);
        test::StreamRig rig;
        rig.host_buffer = 512;
        StreamEnv env = rig.env();
        env.grants = end->grants.get();
        StreamServer server(back, env);
        auto serve = [&]() -> Task<Result<void>> {
            bool stop = false;
            auto clock = spawn(**reactor, run_clock(&rig, &stop));
            std::optional<JoinHandle<void>> killer;
            if (behaviour == Frontend::Killed)
                killer.emplace(spawn(**reactor, kill_when_streaming(sv[0], pid)));
            // The limit only keeps a broken build from hanging the suite.
            auto r = co_await timeout(60s, server.run());
            stop = true;
            (void)co_await clock;
            if (killer) (void)co_await *killer;
            co_return r;
        };
        out.served = block_on(**reactor, serve());
        out.stats = server.stats();
        out.heard = rig.last_heard;
        out.host_closed = rig.host == nullptr;
        log::set_sink({});
        out.log_lines = lines;
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    ::close(sv[0]);
    out.child_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return out;
}

std::unique_ptr<loopback::DaemonProcess> start_daemon() {
    std::string why;
    auto d = loopback::DaemonProcess::start(XENSND_LOOPBACK_BIN, {kBackendDom, kFrontendDom}, &why);
    REQUIRE_MESSAGE(d.ok(), "loopback daemon: " << why);
    return std::move(*d);
}

}  // namespace

TEST_CASE("OPEN, WRITE, START, CUR_POS, STOP, CLOSE across processes; data bit-exact") {
    auto daemon = start_daemon();
    auto out = scenario(*daemon, Frontend::Stream);
    CHECK(out.child_status == 0);
    // The frontend exits when done: its channels close, and run() says so.
    CHECK(out.served.errno_value() == ENOTCONN);
    CHECK(out.host_closed);
    CHECK(out.stats.opens == 1);
    CHECK(out.stats.refused == 0);
    CHECK(out.stats.cur_pos_events >= 2);
    REQUIRE(out.heard.size() >= kBuffer / 2);
    std::size_t wrong = 0;
    for (std::uint32_t i = 0; i < kBuffer && i < out.heard.size(); ++i)
        if (out.heard[i] != pattern(i)) ++wrong;
    CHECK(wrong == 0);
}

TEST_CASE("a flood of bad requests: each refused, the log stays short, the stream still works") {
    auto daemon = start_daemon();
    auto out = scenario(*daemon, Frontend::Flood);
    CHECK(out.child_status == 0);
    CHECK(out.stats.refused == kFlood);
    CHECK(out.stats.opens == 1);
    CHECK(out.log_lines < 200);
}

TEST_CASE("a frontend process killed mid-stream: run() returns ENOTCONN, host closed") {
    auto daemon = start_daemon();
    auto out = scenario(*daemon, Frontend::Killed);
    CHECK(out.child_status == 128 + SIGKILL);
    CHECK(out.served.errno_value() == ENOTCONN);
    CHECK(out.host_closed);
    CHECK(out.stats.opens == 1);
}

int main(int argc, char** argv) {
    std::string why;
    if (!Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
