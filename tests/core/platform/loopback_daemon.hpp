// The loopback daemon (xensnd-loopback) as a child process of a test, in a fresh run
// directory, so that the Store can be tested against a real XenStore wire protocol peer.
// The binary comes from $XENSND_LOOPBACK_BIN (meson sets it); process_main.cpp skips the test
// when it is missing. Every wait is bounded: a daemon that never gets ready fails the test.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <doctest/doctest.h>

namespace xensnd::platform::test {

class LoopbackDaemon {
  public:
    explicit LoopbackDaemon(const std::string& domains = "1,2,3") {
        char tmpl[] = "/tmp/xsnd-platform-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        rundir_ = tmpl;
        const char* exe = std::getenv("XENSND_LOOPBACK_BIN");
        REQUIRE(exe != nullptr);
        int out[2];
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            // A test that crashes takes its daemon with it.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::dup2(out[1], 1);
            ::execl(exe, exe, "--rundir", rundir_.c_str(), "--domains", domains.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        out_ = out[0];
        REQUIRE_MESSAGE(wait_for_line("ready", 20000), "xensnd-loopback never said 'ready'");
    }
    LoopbackDaemon(const LoopbackDaemon&) = delete;
    LoopbackDaemon& operator=(const LoopbackDaemon&) = delete;

    ~LoopbackDaemon() {
        stop(SIGTERM);
        if (out_ >= 0) ::close(out_);
        std::error_code ec;
        std::filesystem::remove_all(rundir_, ec);
    }

    // Domain `domid`'s XenStore socket. The layout being standardised is
    // <rundir>/domain-<id>/xenstore.sock; the daemon's first one was
    // <rundir>/xenstore/domain-<id>.sock. Whichever exists.
    std::string socket(unsigned domid) const {
        std::string standard = rundir_ + "/domain-" + std::to_string(domid) + "/xenstore.sock";
        std::string first = rundir_ + "/xenstore/domain-" + std::to_string(domid) + ".sock";
        struct stat st {};
        if (::stat(standard.c_str(), &st) != 0 && ::stat(first.c_str(), &st) == 0) return first;
        return standard;
    }

    // Makes libxenstore's next xs_open connect as `domid`.
    void become(unsigned domid) const {
        REQUIRE(::setenv("XENSTORED_PATH", socket(domid).c_str(), 1) == 0);
    }

    // Kills the daemon (signal `signo`) and waits for it; false if it had to be SIGKILLed.
    bool stop(int signo) {
        if (pid_ <= 0) return true;
        ::kill(pid_, signo);
        bool clean = false;
        for (int i = 0; i < 1000; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                clean = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!clean) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        pid_ = -1;
        return clean;
    }

  private:
    bool wait_for_line(const std::string& want, int timeout_ms) {
        std::string buf;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char c[256];
            ssize_t n = ::read(out_, c, sizeof c);
            if (n <= 0) return false;
            buf.append(c, static_cast<std::size_t>(n));
            if (buf.find(want + "\n") != std::string::npos) return true;
        }
        return false;
    }

    std::string rundir_;
    pid_t pid_ = -1;
    int out_ = -1;
};

}  // namespace xensnd::platform::test
