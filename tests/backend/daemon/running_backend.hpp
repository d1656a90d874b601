// RunningBackend: the real xensnd-backend as a child process on a loopback platform of its own,
// every stream routed to a WAV file in a temporary directory
// (<wav_dir>/dom<D>-vsnd<N>-<P>-<S>-<p|c>.wav), its stderr in a file the test reads to check
// what the operator would see. Devices are attached as `xl vsnd-attach` does (the loopback
// toolstack library, waiting for the backend's InitWait). Every wait is bounded, so a broken
// daemon fails a test instead of hanging it.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/config/xl_vsnd.hpp"
#include "loopback/daemon_process.hpp"
#include "loopback/toolstack/vsnd_attach.hpp"
#include "loopback/toolstack/xenstore_connection.hpp"

namespace xensnd::test {

inline constexpr std::chrono::seconds kHangBound{15};

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The lines of `text` that hold every one of `parts`.
inline std::vector<std::string> lines_with(const std::string& text,
                                           std::initializer_list<std::string_view> parts) {
    std::vector<std::string> found;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (std::all_of(parts.begin(), parts.end(),
                        [&](std::string_view p) { return line.find(p) != std::string::npos; }))
            found.push_back(line);
    }
    return found;
}

class RunningBackend {
  public:
    // Starts the loopback platform with domain 0 and `guests`, then the daemon (waits for its
    // readiness line). `extra_config` is appended to the configuration file.
    explicit RunningBackend(const std::vector<platform::DomId>& guests,
                            const std::string& extra_config = "") {
        char name[] = "/tmp/xensnd-daemon-test-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        dir_ = name;
        wav_dir_ = dir_ + "/wav";
        REQUIRE(::mkdir(wav_dir_.c_str(), 0700) == 0);
        std::string why;
        auto d = loopback::DaemonProcess::start(XENSND_LOOPBACK_BIN, guests, &why);
        REQUIRE_MESSAGE(d.ok(), "loopback platform: " << why);
        platform_ = std::move(*d);
        config_ = dir_ + "/backend.toml";
        std::ofstream(config_) << "[backend]\nlog-level = \"info\"\n[routing]\ndefault = \"wav:"
                               << wav_dir_
                               << "/dom{domid}-vsnd{device}-{pcm}-{stream}-{dir}.wav\"\n"
                               << extra_config;
        err_path_ = dir_ + "/backend.err";
        start_daemon();
        auto ts = loopback::toolstack::connect_xenstore(platform_->xenstore_socket(0));
        REQUIRE_MESSAGE(ts.ok(), ts.error().message);
        toolstack_.emplace(std::move(*ts));
    }

    ~RunningBackend() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        toolstack_.reset();
        platform_.reset();
        std::string cmd = "rm -rf '" + dir_ + "'";
        (void)std::system(cmd.c_str());
    }
    RunningBackend(const RunningBackend&) = delete;
    RunningBackend& operator=(const RunningBackend&) = delete;

    const std::string& rundir() const { return platform_->rundir(); }
    const std::string& wav_dir() const { return wav_dir_; }
    std::string wav_path(platform::DomId dom, unsigned devid, unsigned pcm, unsigned stream,
                         char dir) const {
        return wav_dir_ + "/dom" + std::to_string(dom) + "-vsnd" + std::to_string(devid) + "-" +
               std::to_string(pcm) + "-" + std::to_string(stream) + "-" + dir + ".wav";
    }
    std::string err() const { return read_text(err_path_); }
    bool running() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }

    // Waits (bounded) until stderr has a line holding every part; that line, or "".
    std::string wait_line(std::initializer_list<std::string_view> parts) const {
        auto deadline = std::chrono::steady_clock::now() + kHangBound;
        for (;;) {
            auto found = lines_with(err(), parts);
            if (!found.empty()) return found.front();
            if (std::chrono::steady_clock::now() > deadline) return "";
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    std::size_t count_lines(std::initializer_list<std::string_view> parts) const {
        return lines_with(err(), parts).size();
    }

    // Adds a vsnd device to `guest` as `xl vsnd-attach` does and waits for InitWait; its index.
    unsigned attach(platform::DomId guest, const std::vector<std::string>& items) {
        auto spec = config::parse_xl_vsnd_card(items);
        REQUIRE_MESSAGE(spec.ok(), spec.error().message());
        auto added = loopback::toolstack::attach_vsnd(toolstack_->get(), guest, *spec);
        REQUIRE_MESSAGE(added.ok(), added.error().message);
        return added->devid;
    }

    // SIGTERM; the exit status (nullopt: killed by a signal or still running after the bound).
    std::optional<int> stop() {
        REQUIRE(pid_ > 0);
        ::kill(pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + kHangBound;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                if (WIFEXITED(status)) return WEXITSTATUS(status);
                return std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return std::nullopt;
    }

  private:
    void start_daemon() {
        int ready[2];
        REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
        const std::string env = "XENSTORED_PATH=" + platform_->xenstore_socket(0);
        const std::vector<std::string> args{
            XENSND_BACKEND_BIN, "--platform", "loopback", "--config", config_, "--ready-fd", "3"};
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (err < 0 || ::dup2(err, STDERR_FILENO) < 0 || ::dup2(ready[1], 3) < 0) ::_exit(120);
            ::putenv(const_cast<char*>(env.c_str()));
            std::vector<char*> argv;
            for (const auto& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(ready[1]);
        std::string got;
        auto deadline = std::chrono::steady_clock::now() + kHangBound;
        while (got.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            pollfd p{ready[0], POLLIN, 0};
            if (::poll(&p, 1, 100) < 0) break;
            if (!(p.revents & (POLLIN | POLLHUP))) continue;
            char buf[32];
            ssize_t n = ::read(ready[0], buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
        }
        ::close(ready[0]);
        REQUIRE_MESSAGE(got == "ready\n", "xensnd-backend did not start: " << err());
    }

    std::string dir_;
    std::string wav_dir_;
    std::string config_;
    std::string err_path_;
    std::unique_ptr<loopback::DaemonProcess> platform_;
    std::optional<loopback::toolstack::XenStoreConnection> toolstack_;
    pid_t pid_ = -1;
};

}  // namespace xensnd::test
