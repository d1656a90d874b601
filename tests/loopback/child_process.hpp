// Child processes for the process-level tests: the daemon and the stock xenstore-* tools,
// with their output captured and every wait bounded so that a hang fails instead of hanging.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

namespace xensnd::loopback::testing {

class ChildProcess {
  public:
    struct Exit {
        int status = -1;  // exit code, or 128 + signal, or -1 if it had to be killed
        std::string out;
        std::string err;
    };

    // Runs argv[0] (looked up in PATH) with `env` added to this process's environment.
    ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
        int out[2];
        int err[2];
        REQUIRE(pipe2(out, O_CLOEXEC) == 0);
        REQUIRE(pipe2(err, O_CLOEXEC) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            dup2(out[1], 1);
            dup2(err[1], 2);
            int devnull = open("/dev/null", O_RDONLY);
            dup2(devnull, 0);
            for (const auto& e : env)
                putenv(const_cast<char*>(e.c_str()));
            std::vector<char*> args;
            for (const auto& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execvp(args[0], args.data());
            std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
            _exit(127);
        }
        close(out[1]);
        close(err[1]);
        out_fd_ = out[0];
        err_fd_ = err[0];
    }

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    ~ChildProcess() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (out_fd_ >= 0) close(out_fd_);
        if (err_fd_ >= 0) close(err_fd_);
    }

    pid_t pid() const { return pid_; }

    // The next line of stdout (without '\n'), or nullopt on EOF or timeout.
    std::optional<std::string> read_line(int timeout_ms) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            auto nl = out_.find('\n');
            if (nl != std::string::npos) {
                std::string line = out_.substr(0, nl);
                out_.erase(0, nl + 1);
                return line;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !pump(static_cast<int>(left.count()))) return std::nullopt;
        }
    }

    void signal(int signo) {
        if (pid_ > 0) kill(pid_, signo);
    }

    // Collects the remaining output and the exit status; kills the child after `timeout_ms`.
    Exit finish(int timeout_ms = 20000) {
        Exit e;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (out_fd_ >= 0 || err_fd_ >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pump(static_cast<int>(left.count()));
        }
        int status = 0;
        if (out_fd_ >= 0 || err_fd_ >= 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            e.status = -1;
        } else {
            waitpid(pid_, &status, 0);
            e.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        pid_ = -1;
        e.out = std::exchange(out_, {});
        e.err = std::exchange(err_, {});
        return e;
    }

  private:
    // Reads what is there within `timeout_ms`; false on timeout with nothing read.
    bool pump(int timeout_ms) {
        pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
        int n = poll(fds, 2, timeout_ms);
        if (n <= 0) return false;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buf[4096];
            ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            int& fd = i == 0 ? out_fd_ : err_fd_;
            if (got <= 0) {
                close(fd);
                fd = -1;
            } else {
                (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(got));
            }
        }
        return true;
    }

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string out_;
    std::string err_;
};

// A running xensnd-loopback in a fresh run directory. The binary comes from
// $XENSND_LOOPBACK_DAEMON (meson sets it).
class Daemon {
  public:
    explicit Daemon(const std::string& domains = "1,2") {
        char tmpl[] = "/tmp/xsnd-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        rundir_ = tmpl;
        const char* exe = std::getenv("XENSND_LOOPBACK_DAEMON");
        REQUIRE(exe != nullptr);
        process_.emplace(std::vector<std::string>{exe, "--rundir", rundir_, "--domains", domains});
        auto line = process_->read_line(20000);
        REQUIRE_MESSAGE(line == std::optional<std::string>("ready"), process_->finish(1000).err);
    }

    ~Daemon() {
        if (process_) stop();
        ::rmdir(rundir_.c_str());
    }

    // SIGTERM; it must exit 0 and leave no socket behind. Returns what it logged.
    ChildProcess::Exit stop() {
        process_->signal(SIGTERM);
        auto e = process_->finish();
        process_.reset();
        CHECK_MESSAGE(e.status == 0, e.err);
        struct stat st {};
        CHECK_MESSAGE(::stat((rundir_ + "/xenstore").c_str(), &st) != 0,
                      "the daemon left its socket directory behind");
        return e;
    }

    const std::string& rundir() const { return rundir_; }
    std::string socket(unsigned domid) const {
        return rundir_ + "/xenstore/domain-" + std::to_string(domid) + ".sock";
    }
    std::string env(unsigned domid) const { return "XENSTORED_PATH=" + socket(domid); }
    ChildProcess& process() { return *process_; }

  private:
    std::string rundir_;
    std::optional<ChildProcess> process_;
};

// Runs a tool to completion as `domid`'s client.
inline ChildProcess::Exit run_as(const Daemon& daemon, unsigned domid,
                                 std::vector<std::string> argv) {
    ChildProcess p(argv, {daemon.env(domid)});
    return p.finish();
}

}  // namespace xensnd::loopback::testing
