// Reactor wake-up benchmark: a producer signals an eventfd, a consumer wakes and reads it.
// Measures the raw floor (a thread blocked in read(2)) and the reactor (a task awaiting the
// eventfd through io_uring) in the same run, across threads and across processes, and prints
// p50/p99/p99.9 with the ratio to the floor. A benchmark: it prints figures, asserts nothing.
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/latency_stats.hpp"
#include "coro/coro.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using xensnd::bench::Percentiles;

namespace {

struct Options {
    int iterations = 100'000;
    int warmup = 2'000;
    int gap_us = 20;     // the consumer is asleep again before the next signal
    bool sleep = false;  // the producer sleeps through the gap: both CPUs may go idle
    std::string json;
};

std::int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// The producer's send stamp lives in memory shared across fork.
struct Shared {
    std::atomic<std::int64_t> stamp{0};
};

struct Link {
    int ping = ::eventfd(0, EFD_CLOEXEC);  // producer -> consumer
    int ack = ::eventfd(0, EFD_CLOEXEC);   // consumer -> producer
    Shared* shared = static_cast<Shared*>(
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    ~Link() {
        ::close(ping);
        ::close(ack);
        ::munmap(shared, sizeof(Shared));
    }
};

void produce(const Link& l, int total, int gap_us, bool sleep) {
    std::uint64_t one = 1, v;
    for (int i = 0; i < total; ++i) {
        if (sleep) {
            timespec ts{gap_us / 1'000'000, (gap_us % 1'000'000) * 1000L};
            ::nanosleep(&ts, nullptr);
        }
        std::int64_t until = now_ns() + (sleep ? 0 : gap_us * 1000LL);
        while (now_ns() < until) {
        }
        l.shared->stamp.store(now_ns(), std::memory_order_release);
        if (::write(l.ping, &one, sizeof one) != sizeof one) std::abort();
        if (::read(l.ack, &v, sizeof v) != sizeof v) std::abort();
    }
}

void ack(const Link& l) {
    std::uint64_t one = 1;
    if (::write(l.ack, &one, sizeof one) != sizeof one) std::abort();
}

enum class Consumer { BlockingRead, ReactorRead, ReactorPollStream };

std::vector<std::int64_t> consume(const Link& l, Consumer kind, const Options& o,
                                  Reactor* reactor) {
    const int total = o.warmup + o.iterations;
    std::vector<std::int64_t> samples;
    samples.reserve(static_cast<std::size_t>(o.iterations));
    auto record = [&](int i) {
        std::int64_t d = now_ns() - l.shared->stamp.load(std::memory_order_acquire);
        if (i >= o.warmup) samples.push_back(d);
    };
    if (kind == Consumer::BlockingRead) {
        std::uint64_t v;
        for (int i = 0; i < total; ++i) {
            if (::read(l.ping, &v, sizeof v) != sizeof v) std::abort();
            record(i);
            ack(l);
        }
        return samples;
    }
    auto task = [&]() -> Task<void> {
        std::uint64_t v;
        auto buf = std::as_writable_bytes(std::span(&v, 1));
        if (kind == Consumer::ReactorRead) {
            for (int i = 0; i < total; ++i) {
                auto r = co_await read(l.ping, buf);
                if (!r) std::abort();
                record(i);
                ack(l);
            }
        } else {
            PollStream stream(l.ping, POLLIN);
            for (int i = 0; i < total;) {
                auto r = co_await stream.next();
                if (!r) continue;  // the kernel ended the multishot: re-armed
                record(i);
                if (::read(l.ping, &v, sizeof v) != sizeof v) std::abort();
                ack(l);
                ++i;
            }
        }
    };
    block_on(*reactor, task());
    return samples;
}

Percentiles run(Consumer kind, bool cross_process, const Options& o, Reactor* reactor) {
    Link l;
    const int total = o.warmup + o.iterations;
    std::vector<std::int64_t> samples;
    if (cross_process) {
        pid_t pid = ::fork();
        if (pid == 0) {
            produce(l, total, o.gap_us, o.sleep);
            ::_exit(0);
        }
        samples = consume(l, kind, o, reactor);
        int status;
        ::waitpid(pid, &status, 0);
    } else {
        std::thread producer([&] { produce(l, total, o.gap_us, o.sleep); });
        samples = consume(l, kind, o, reactor);
        producer.join();
    }
    return bench::percentiles(std::move(samples));
}

void usage() {
    std::printf(
        "usage: reactor_wakeup [--iterations N] [--warmup N] [--gap-us N] [--sleep] [--json FILE]\n"
        "  --sleep: the producer sleeps through the gap (a stream's cadence) instead of spinning\n"
        "  Measures eventfd wake-up latency: blocking read(2) (the floor) vs a task on the\n"
        "  io_uring reactor, across threads and across processes.\n");
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "reactor_wakeup: %s needs a value\n", a.c_str());
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
        else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "reactor_wakeup: unknown option %s (see --help)\n", a.c_str());
            return 2;
        }
    }
    if (o.iterations <= 0 || o.warmup < 0 || o.gap_us < 0) {
        std::fprintf(stderr, "reactor_wakeup: iterations must be > 0, warmup and gap >= 0\n");
        return 2;
    }
    std::string why;
    if (!Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    auto reactor = Reactor::create();
    if (!reactor) {
        std::fprintf(stderr, "reactor_wakeup: %s\n", reactor.error().message().c_str());
        return 1;
    }
    std::printf(
        "reactor wake-up: %d iterations after %d warm-up, %d us between signals, io_uring %s\n",
        o.iterations, o.warmup, o.gap_us, (*reactor)->setup_description().c_str());
    bench::print_header();
    std::string json = "{";
    bool all_met = true;
    for (bool process : {false, true}) {
        std::string where = process ? "cross-process" : "cross-thread";
        Percentiles floor = run(Consumer::BlockingRead, process, o, nullptr);
        Percentiles rr = run(Consumer::ReactorRead, process, o, reactor->get());
        Percentiles rp = run(Consumer::ReactorPollStream, process, o, reactor->get());
        bench::print_row(where + " floor (read(2))", floor, nullptr);
        bench::print_row(where + " reactor read", rr, &floor);
        bench::print_row(where + " reactor poll stream", rp, &floor);
        for (auto* p : {&rr, &rp}) {
            if (!bench::meets_wakeup_target(*p, floor)) all_met = false;
        }
        json += (process ? ", " : "") + bench::json_entry(where + "_floor", floor) + ", " +
                bench::json_entry(where + "_reactor_read", rr) + ", " +
                bench::json_entry(where + "_reactor_poll_stream", rp);
    }
    json += "}";
    std::printf("target p50 <= 1.2x and p99 <= 1.5x the floor: %s\n",
                all_met ? "met" : "MISSED (see the ratios above)");
    if (!o.json.empty()) std::ofstream(o.json) << json << "\n";
    return 0;
}
