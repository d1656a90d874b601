// A test's other process: a forked child running a function, and a line-based channel
// between it and the test, every wait bounded. The child cannot report through doctest (its
// counters die with it): it answers over the channel and through its exit status.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include <doctest/doctest.h>

namespace xensnd::loopback::testing {

// One end of a socketpair carrying '\n'-terminated lines.
class Lines {
  public:
    explicit Lines(int fd) : fd_(fd) {}

    bool send(const std::string& line) {
        std::string data = line + "\n";
        std::size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return false;
            off += static_cast<std::size_t>(n);
        }
        return true;
    }

    // The next line, or nullopt on EOF or after `timeout_ms`.
    std::optional<std::string> receive(int timeout_ms = 10000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[512];
            ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) return std::nullopt;
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

  private:
    int fd_;
    std::string buffer_;
};

class Forked {
  public:
    // Runs `body(lines)` in a child; its return value is the child's exit status.
    template <class Body>
    explicit Forked(Body body) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        std::fflush(nullptr);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::close(fds[0]);
            Lines lines(fds[1]);
            int status = body(lines);
            std::fflush(nullptr);
            ::_exit(status);
        }
        ::close(fds[1]);
        fd_ = fds[0];
        lines_.emplace(fd_);
    }
    Forked(const Forked&) = delete;
    Forked& operator=(const Forked&) = delete;
    ~Forked() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (fd_ >= 0) ::close(fd_);
    }

    Lines& lines() { return *lines_; }
    pid_t pid() const { return pid_; }
    void kill(int signo = SIGKILL) { ::kill(pid_, signo); }

    // The exit status (128 + signal for a signal), or -1 if it had to be killed after
    // `timeout_ms`.
    int wait(int timeout_ms = 10000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        int status = 0;
        for (;;) {
            pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                pid_ = -1;
                return -1;
            }
            ::usleep(2000);
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

  private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::optional<Lines> lines_;
};

}  // namespace xensnd::loopback::testing
