#include "backend/daemon/daemon_signals.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "coro/io.hpp"

namespace xensnd::backend::daemon {

Result<DaemonSignals> DaemonSignals::open() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) return Err(rc);
    int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return Err(errno);
    ::signal(SIGPIPE, SIG_IGN);
    return DaemonSignals(fd);
}

DaemonSignals::~DaemonSignals() {
    if (fd_ >= 0) ::close(fd_);
}

DaemonSignals::DaemonSignals(DaemonSignals&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

coro::Task<Result<DaemonSignal>> next_signal(int signal_fd, int* number) {
    for (;;) {
        // The read is a plain non-blocking read(2) after the poll: a signalfd read from an
        // io_uring worker would read the worker's signals, not this process's.
        signalfd_siginfo info{};
        ssize_t n = ::read(signal_fd, &info, sizeof info);
        if (n == static_cast<ssize_t>(sizeof info)) {
            if (number) *number = static_cast<int>(info.ssi_signo);
            co_return info.ssi_signo == SIGHUP ? DaemonSignal::Reload : DaemonSignal::Stop;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) co_return Err(errno);
        auto ready = co_await coro::poll(signal_fd, POLLIN);
        if (!ready) co_return Err(ready.error());
    }
}

}  // namespace xensnd::backend::daemon
