// CUR_POS latency microbenchmark: the backend role posts CUR_POS events, the frontend role
// receives them through the sndif session type on the loopback platform (shared pages and
// event channels from the loopback daemon). One-way latency from the post (CLOCK_MONOTONIC
// stamped by the producer just before posting) to the frontend task resuming with the event,
// across two processes and across two threads, beside the raw floor (eventfd + blocking read)
// measured in the same run across the same kind of boundary. Prints figures; asserts nothing.
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/latency_stats.hpp"
#include "core/platform/loopback_client.hpp"
#include "core/session/session.hpp"
#include "coro/coro.hpp"
#include "loopback/daemon_process.hpp"
#include "tests/support/loopback_stream.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using xensnd::bench::Percentiles;

namespace {

constexpr platform::DomId kBackendDom = 0;
constexpr platform::DomId kFrontendDom = 1;

struct Options {
    int iterations = 100'000;
    int warmup = 2'000;
    int gap_us = 20;
    bool sleep = false;  // the producer sleeps through the gap (a stream's cadence): idle CPUs
    std::string json;
    std::string loopback_bin = XENSND_LOOPBACK_BIN;
};

std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

void spin_for_us(int us, bool sleep) {
    if (sleep) {
        timespec ts{us / 1'000'000, (us % 1'000'000) * 1000L};
        ::nanosleep(&ts, nullptr);
        return;
    }
    std::int64_t until = now_ns() + us * 1000LL;
    while (now_ns() < until) {
    }
}

struct Shared {
    std::atomic<std::int64_t> stamp{0};
};

Shared* map_shared() {
    void* p =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    return new (p) Shared();
}

[[noreturn]] void die(const char* what, const std::error_code& ec) {
    std::fprintf(stderr, "cur_pos_latency: %s: %s\n", what, ec.message().c_str());
    std::exit(1);
}

// ---- the floor: eventfd + blocking read

std::vector<std::int64_t> floor_consumer(int ping, int ack, Shared* sh, const Options& o) {
    std::vector<std::int64_t> samples;
    samples.reserve(static_cast<std::size_t>(o.iterations));
    std::uint64_t v, one = 1;
    for (int i = 0; i < o.warmup + o.iterations; ++i) {
        if (::read(ping, &v, sizeof v) != sizeof v) std::abort();
        std::int64_t d = now_ns() - sh->stamp.load(std::memory_order_acquire);
        if (i >= o.warmup) samples.push_back(d);
        if (::write(ack, &one, sizeof one) != sizeof one) std::abort();
    }
    return samples;
}

void floor_producer(int ping, int ack, Shared* sh, const Options& o) {
    std::uint64_t v, one = 1;
    for (int i = 0; i < o.warmup + o.iterations; ++i) {
        spin_for_us(o.gap_us, o.sleep);
        sh->stamp.store(now_ns(), std::memory_order_release);
        if (::write(ping, &one, sizeof one) != sizeof one) std::abort();
        if (::read(ack, &v, sizeof v) != sizeof v) std::abort();
    }
}

Percentiles run_floor(bool cross_process, const Options& o) {
    int ping = ::eventfd(0, EFD_CLOEXEC), ack = ::eventfd(0, EFD_CLOEXEC);
    Shared* sh = map_shared();
    std::vector<std::int64_t> samples;
    if (cross_process) {
        pid_t pid = ::fork();
        if (pid == 0) {
            floor_producer(ping, ack, sh, o);
            ::_exit(0);
        }
        samples = floor_consumer(ping, ack, sh, o);
        ::waitpid(pid, nullptr, 0);
    } else {
        std::thread t([&] { floor_producer(ping, ack, sh, o); });
        samples = floor_consumer(ping, ack, sh, o);
        t.join();
    }
    ::close(ping);
    ::close(ack);
    ::munmap(sh, sizeof(Shared));
    return bench::percentiles(std::move(samples));
}

// ---- CUR_POS through the session type on loopback

// Frontend: share the two pages, allocate the two ports, publish them, then receive events and
// acknowledge each through the ring channel (the backend waits for it before the next post).
std::vector<std::int64_t> frontend(const platform::LoopbackDomain& dom, int control, Shared* sh,
                                   const Options& o) {
    auto reactor = Reactor::create();
    if (!reactor) die("reactor", reactor.error());
    auto end = test::FrontendEnd::open(**reactor, dom, kBackendDom);
    if (!end) die("frontend set-up on loopback", end.error());
    session::FrontendSession front(end->ring_page(), end->event_page(), *end->ring_channel,
                                   *end->event_channel);
    test::Published pub = end->published();
    if (::write(control, &pub, sizeof pub) != sizeof pub) std::abort();

    std::vector<std::int64_t> samples;
    samples.reserve(static_cast<std::size_t>(o.iterations));
    auto task = [&]() -> Task<void> {
        std::array<sndif::Event, 63> evts;
        for (int i = 0; i < o.warmup + o.iterations;) {
            auto n = co_await front.next_events(evts);
            if (!n) die("next_events", n.error());
            std::int64_t d = now_ns() - sh->stamp.load(std::memory_order_acquire);
            if (i >= o.warmup) samples.push_back(d);
            i += static_cast<int>(*n);
            if (auto a = end->ring_channel->notify(); !a) die("ack", a.error());
        }
    };
    block_on(**reactor, task());
    char done;
    (void)!::read(control, &done, 1);  // the backend has let go before we unshare
    return samples;
}

void backend(const platform::LoopbackDomain& dom, int control, Shared* sh, const Options& o) {
    auto reactor = Reactor::create();
    if (!reactor) die("reactor", reactor.error());
    test::Published pub;
    if (::read(control, &pub, sizeof pub) != sizeof pub) std::abort();
    {
        auto end = test::BackendEnd::open(**reactor, dom, kFrontendDom, pub);
        if (!end) die("backend set-up on loopback", end.error());
        session::BackendSession back(end->ring_page(), end->event_page(), *end->ring_channel,
                                     *end->event_channel);
        auto task = [&]() -> Task<void> {
            for (int i = 0; i < o.warmup + o.iterations; ++i) {
                spin_for_us(o.gap_us, o.sleep);
                sh->stamp.store(now_ns(), std::memory_order_release);
                if (auto r = back.post_cur_pos(static_cast<std::uint64_t>(i + 1) * 4); !r)
                    die("post_cur_pos", r.error());
                if (auto w = co_await end->ring_channel->wait(); !w) die("ack wait", w.error());
            }
        };
        block_on(**reactor, task());
    }
    char done = 1;
    (void)!::write(control, &done, 1);
}

Percentiles run_cur_pos(bool cross_process, const loopback::DaemonProcess& daemon,
                        const Options& o) {
    platform::LoopbackDomain front_dom{daemon.rundir(), kFrontendDom};
    platform::LoopbackDomain back_dom{daemon.rundir(), kBackendDom};
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    Shared* sh = map_shared();
    std::vector<std::int64_t> samples;
    if (cross_process) {
        // Fork before either side creates its io_uring.
        pid_t pid = ::fork();
        if (pid == 0) {
            backend(back_dom, sv[1], sh, o);
            ::_exit(0);
        }
        samples = frontend(front_dom, sv[0], sh, o);
        ::waitpid(pid, nullptr, 0);
    } else {
        std::thread t([&] { backend(back_dom, sv[1], sh, o); });
        samples = frontend(front_dom, sv[0], sh, o);
        t.join();
    }
    ::close(sv[0]);
    ::close(sv[1]);
    ::munmap(sh, sizeof(Shared));
    return bench::percentiles(std::move(samples));
}

void usage() {
    std::printf(
        "usage: cur_pos_latency [--iterations N] [--warmup N] [--gap-us N] [--sleep]\n"
        "                       [--json FILE] [--loopback-bin PATH]\n"
        "  CUR_POS one-way latency (backend post -> frontend task resumed with the event)\n"
        "  through the sndif session type on the loopback platform, beside the eventfd\n"
        "  blocking-read floor, across processes and across threads. --sleep: the producer\n"
        "  sleeps through the gap instead of spinning (a stream's cadence: CPUs go idle).\n");
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "cur_pos_latency: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--iterations")
            o.iterations = std::atoi(next());
        else if (a == "--warmup")
            o.warmup = std::atoi(next());
        else if (a == "--gap-us")
            o.gap_us = std::atoi(next());
        else if (a == "--sleep")
            o.sleep = true;
        else if (a == "--json")
            o.json = next();
        else if (a == "--loopback-bin")
            o.loopback_bin = next();
        else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "cur_pos_latency: unknown option %s (see --help)\n", a.c_str());
            return 2;
        }
    }
    if (o.iterations <= 0 || o.warmup < 0 || o.gap_us < 0) {
        std::fprintf(stderr, "cur_pos_latency: iterations must be > 0, warmup and gap >= 0\n");
        return 2;
    }
    std::string why;
    if (!Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    auto daemon = loopback::DaemonProcess::start(o.loopback_bin, {kBackendDom, kFrontendDom}, &why);
    if (!daemon) {
        std::fprintf(stderr, "cur_pos_latency: loopback daemon: %s\n", why.c_str());
        return 1;
    }
    std::printf(
        "CUR_POS latency: %d events after %d warm-up, %d us apart (%s), loopback platform\n",
        o.iterations, o.warmup, o.gap_us, o.sleep ? "sleeping" : "busy-waiting");
    bench::print_header();
    std::string json = "{";
    bool met = true;
    for (bool process : {true, false}) {
        std::string where = process ? "cross-process" : "cross-thread";
        Percentiles floor = run_floor(process, o);
        Percentiles cur = run_cur_pos(process, **daemon, o);
        bench::print_row(where + " floor (eventfd read)", floor, nullptr);
        bench::print_row(where + " CUR_POS via session", cur, &floor);
        met = met && bench::meets_wakeup_target(cur, floor);
        json += std::string(process ? "" : ", ") + bench::json_entry(where + "_floor", floor) +
                ", " + bench::json_entry(where + "_cur_pos", cur);
    }
    json += "}";
    std::printf("target p50 <= 1.2x and p99 <= 1.5x the floor: %s\n",
                met ? "met" : "MISSED (see the ratios above)");
    if (!o.json.empty()) std::ofstream(o.json) << json << "\n";
    return 0;
}
