// Shared by the toolstack's process-level tests: a loopback daemon with guests, xensnd-xl run
// as the toolstack (domain 0), the tree as `xenstore-ls -fp` shows it, and a fake backend that
// answers state changes the way a real backend would.
#pragma once

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <xenstore.h>
}

#include <doctest/doctest.h>

#include "child_process.hpp"

namespace xensnd::loopback::testing {

inline std::string xensnd_xl_path() {
    const char* exe = std::getenv("XENSND_XL");
    REQUIRE_MESSAGE(exe != nullptr, "XENSND_XL must name the xensnd-xl binary (meson sets it)");
    return exe;
}

// Runs xensnd-xl with `args`, as domain 0 of `daemon` (through XENSTORED_PATH).
inline ChildProcess::Exit xl(const Daemon& daemon, std::vector<std::string> args) {
    args.insert(args.begin(), xensnd_xl_path());
    ChildProcess p(args, {daemon.env(0)});
    return p.finish();
}

// xensnd-xl with an environment of its own choosing (e.g. {"XENSTORED_PATH"} unsets it).
inline ChildProcess::Exit xl_with_env(std::vector<std::string> args,
                                      const std::vector<std::string>& env) {
    args.insert(args.begin(), xensnd_xl_path());
    ChildProcess p(args, env);
    return p.finish();
}

// `xenstore-ls -fp PATH` as a sorted list of lines (the store's child order is not the point),
// or {} when PATH does not exist.
inline std::vector<std::string> ls(const Daemon& daemon, const std::string& path = "/") {
    auto e = run_as(daemon, 0, {"xenstore-ls", "-fp", path});
    std::vector<std::string> lines;
    if (e.status != 0) return lines;
    std::istringstream in(e.out);
    for (std::string line; std::getline(in, line);) {
        // xenstore-ls pads the permissions column to the terminal width; one space will do.
        auto perms = line.rfind("  (");
        if (perms != std::string::npos) {
            auto text_end = line.find_last_not_of(' ', perms);
            line = line.substr(0, text_end + 1) + " " + line.substr(perms + 2);
        }
        lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

// The lines of the whole tree's listing for `path` and everything below it (xenstore-ls PATH
// leaves out PATH itself).
inline std::vector<std::string> ls_under(const Daemon& daemon, const std::string& path) {
    std::vector<std::string> out;
    for (auto& line : ls(daemon)) {
        if (line.compare(0, path.size(), path) != 0) continue;
        if (line.size() > path.size() && line[path.size()] != ' ' && line[path.size()] != '/')
            continue;
        out.push_back(line);
    }
    return out;
}

inline bool exists(const Daemon& daemon, const std::string& path) {
    return run_as(daemon, 0, {"xenstore-exists", path}).status == 0;
}

inline std::string read(const Daemon& daemon, const std::string& path) {
    auto e = run_as(daemon, 0, {"xenstore-read", path});
    if (e.status != 0) return "<missing>";
    if (!e.out.empty() && e.out.back() == '\n') e.out.pop_back();
    return e.out;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A backend in domain 0 for domain `frontend`'s vsnd devices, on its own thread and XenStore
// connection: it moves each new device (state 1) to InitWait, and a device being removed
// (state 5) to Closed, noting what `online` said at that moment.
class FakeBackend {
  public:
    struct Options {
        bool init_wait = true;  // answer Initialising with InitWait
        bool close = true;      // answer Closing with Closed
    };

    FakeBackend(const Daemon& daemon, unsigned frontend, Options options)
        : dir_("/local/domain/0/backend/vsnd/" + std::to_string(frontend)), options_(options) {
        REQUIRE(setenv("XENSTORED_PATH", daemon.socket(0).c_str(), 1) == 0);
        xs_ = xs_open(0);
        unsetenv("XENSTORED_PATH");
        REQUIRE(xs_ != nullptr);
        stop_ = eventfd(0, EFD_CLOEXEC);
        REQUIRE(stop_ >= 0);
        REQUIRE(xs_watch(xs_, "/local/domain/0/backend", "fake-backend"));
        thread_ = std::thread([this] { run(); });
    }
    explicit FakeBackend(const Daemon& daemon, unsigned frontend = 1)
        : FakeBackend(daemon, frontend, Options{}) {}

    FakeBackend(const FakeBackend&) = delete;
    FakeBackend& operator=(const FakeBackend&) = delete;

    ~FakeBackend() {
        uint64_t one = 1;
        CHECK(::write(stop_, &one, sizeof one) == sizeof one);
        thread_.join();
        xs_close(xs_);
        ::close(stop_);
    }

    // The value of `online` each time the backend saw Closing, in order.
    std::vector<std::string> online_at_closing() {
        std::lock_guard lock(mutex_);
        return online_at_closing_;
    }

  private:
    std::string read_node(const std::string& path) {
        unsigned len = 0;
        char* v = static_cast<char*>(xs_read(xs_, XBT_NULL, path.c_str(), &len));
        if (v == nullptr) return "<missing>";
        std::string out(v, len);
        free(v);
        return out;
    }

    void answer() {
        unsigned count = 0;
        char** devices = xs_directory(xs_, XBT_NULL, dir_.c_str(), &count);
        if (devices == nullptr) return;
        for (unsigned i = 0; i < count; ++i) {
            const std::string dev = dir_ + "/" + devices[i];
            const std::string state = read_node(dev + "/state");
            const char* next = nullptr;
            if (state == "1" && options_.init_wait) next = "2";
            if (state == "5" && options_.close) {
                std::lock_guard lock(mutex_);
                online_at_closing_.push_back(read_node(dev + "/online"));
                next = "6";
            }
            if (next != nullptr) xs_write(xs_, XBT_NULL, (dev + "/state").c_str(), next, 1);
        }
        free(devices);
    }

    void run() {
        pollfd fds[2] = {{xs_fileno(xs_), POLLIN, 0}, {stop_, POLLIN, 0}};
        for (;;) {
            if (::poll(fds, 2, 1000) < 0) return;
            if (fds[1].revents != 0) return;
            if (fds[0].revents == 0) continue;
            while (char** event = xs_check_watch(xs_))
                free(event);
            answer();
        }
    }

    std::string dir_;
    Options options_;
    xs_handle* xs_ = nullptr;
    int stop_ = -1;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<std::string> online_at_closing_;
};

// The example device of XENSTORE-LAYOUT.md as xl vsnd-attach items.
inline const std::vector<std::string> kExampleItems = {
    "card, short-name=Virt, long-name=Virtual card, sample-rates=44100;48000, "
    "sample-formats=s16_le, channels-min=1, channels-max=2",
    "pcm, name=Main",
    "stream, unique-id=0, type=p",
    "stream, unique-id=1, type=c",
};

inline std::vector<std::string> attach_args(std::vector<std::string> options, unsigned domid,
                                            const std::vector<std::string>& items = kExampleItems) {
    std::vector<std::string> args{"vsnd-attach"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(std::to_string(domid));
    args.insert(args.end(), items.begin(), items.end());
    return args;
}

}  // namespace xensnd::loopback::testing
