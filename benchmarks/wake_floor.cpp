// The eventfd floor at the cadence of a real stream: a producer process that SLEEPS between
// signals (as the backend's pump does, on a timer) wakes a consumer blocked in poll(2), one
// hop (backend -> plugin reactor) and two hops (backend -> reactor thread -> application
// thread, the plugin's shape (a)). With a gap of milliseconds both sides' CPUs go idle between
// events, so this floor includes the cost of waking an idle (virtual) CPU, which a 20 us
// busy-wait gap hides. Prints figures beside the busy-gap floor; asserts nothing.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/latency_stats.hpp"

using xensnd::bench::Percentiles;

namespace {

struct Options {
    int iterations = 2'000;
    int gap_us = 5'000;
    std::string json;
};

std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

struct Shared {
    std::atomic<std::int64_t> stamp{0};
};

void signal_fd(int fd) {
    const std::uint64_t one = 1;
    if (::write(fd, &one, sizeof one) != sizeof one) std::abort();
}

void drain_fd(int fd) {
    std::uint64_t v;
    if (::read(fd, &v, sizeof v) != sizeof v) std::abort();
}

void wait_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, -1) != 1) {
    }
}

// Producer: sleep (or spin) for the gap, stamp, signal; wait for the consumer's ack so that
// one event is in flight at a time.
void produce(int ping, int ack, Shared* sh, int total, int gap_us, bool sleep) {
    for (int i = 0; i < total; ++i) {
        if (sleep) {
            timespec ts{gap_us / 1'000'000, (gap_us % 1'000'000) * 1000L};
            ::nanosleep(&ts, nullptr);
        } else {
            const std::int64_t until = now_ns() + gap_us * 1000LL;
            while (now_ns() < until) {
            }
        }
        sh->stamp.store(now_ns(), std::memory_order_release);
        signal_fd(ping);
        drain_fd(ack);
    }
}

// hops == 1: the consumer polls the producer's eventfd. hops == 2: a relay thread (blocked in
// poll like the plugin's reactor) forwards to a second eventfd the consumer polls.
Percentiles run(int hops, bool sleep, int gap_us, const Options& o) {
    int ping = ::eventfd(0, EFD_CLOEXEC), ack = ::eventfd(0, EFD_CLOEXEC);
    int relay = ::eventfd(0, EFD_CLOEXEC);
    auto* sh = static_cast<Shared*>(
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    if (sh == MAP_FAILED) std::abort();
    new (sh) Shared();
    const int warmup = std::max(10, o.iterations / 20);
    const int total = warmup + o.iterations;
    pid_t pid = ::fork();
    if (pid == 0) {
        produce(ping, ack, sh, total, gap_us, sleep);
        ::_exit(0);
    }
    std::thread relay_thread;
    if (hops == 2)
        relay_thread = std::thread([&] {
            for (int i = 0; i < total; ++i) {
                wait_readable(ping);
                drain_fd(ping);
                signal_fd(relay);
            }
        });
    const int watched = hops == 2 ? relay : ping;
    std::vector<std::int64_t> samples;
    samples.reserve(static_cast<std::size_t>(o.iterations));
    for (int i = 0; i < total; ++i) {
        wait_readable(watched);
        const std::int64_t d = now_ns() - sh->stamp.load(std::memory_order_acquire);
        drain_fd(watched);
        if (i >= warmup) samples.push_back(d);
        signal_fd(ack);
    }
    if (relay_thread.joinable()) relay_thread.join();
    ::waitpid(pid, nullptr, 0);
    ::close(ping);
    ::close(ack);
    ::close(relay);
    ::munmap(sh, sizeof(Shared));
    return xensnd::bench::percentiles(std::move(samples));
}

void usage() {
    std::printf(
        "usage: wake_floor [--iterations N] [--gap-us US] [--json FILE]\n"
        "  eventfd wake-up of a process blocked in poll() by a process that sleeps US\n"
        "  between signals (default 5000: half a 10 ms period), one and two hops, beside the\n"
        "  same with a 20 us busy-wait gap (the microbenchmarks' floor).\n");
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "wake_floor: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--iterations")
            o.iterations = std::atoi(next());
        else if (a == "--gap-us")
            o.gap_us = std::atoi(next());
        else if (a == "--json")
            o.json = next();
        else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "wake_floor: unknown option %s (see --help)\n", a.c_str());
            return 2;
        }
    }
    if (o.iterations <= 0 || o.gap_us < 0) {
        std::fprintf(stderr, "wake_floor: iterations must be > 0 and the gap >= 0\n");
        return 2;
    }
    std::printf("eventfd wake-up floor: %d events; sleeping gap %d us vs busy gap 20 us\n",
                o.iterations, o.gap_us);
    xensnd::bench::print_header();
    const Percentiles busy1 = run(1, false, 20, o);
    const Percentiles busy2 = run(2, false, 20, o);
    const Percentiles idle1 = run(1, true, o.gap_us, o);
    const Percentiles idle2 = run(2, true, o.gap_us, o);
    xensnd::bench::print_row("1 hop, busy 20 us gap", busy1, nullptr);
    xensnd::bench::print_row("2 hops, busy 20 us gap", busy2, &busy1);
    xensnd::bench::print_row("1 hop, sleeping gap", idle1, &busy1);
    xensnd::bench::print_row("2 hops, sleeping gap", idle2, &busy1);
    std::printf("(ratios against the 1-hop busy-gap floor)\n");
    if (!o.json.empty())
        std::ofstream(o.json) << "{\"gap_us\": " << o.gap_us << ", "
                              << xensnd::bench::json_entry("busy_1hop", busy1) << ", "
                              << xensnd::bench::json_entry("busy_2hop", busy2) << ", "
                              << xensnd::bench::json_entry("sleep_1hop", idle1) << ", "
                              << xensnd::bench::json_entry("sleep_2hop", idle2) << "}\n";
    return 0;
}
