// The daemon's signals as events on the reactor thread: SIGTERM and SIGINT stop it, SIGHUP
// reloads its configuration. They are blocked and read from a signalfd, so no handler runs
// in the middle of the reactor's work.
#pragma once

#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::backend::daemon {

enum class DaemonSignal { Stop, Reload };

class DaemonSignals {
  public:
    // Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (call it before any thread is
    // started, so that every thread inherits the mask) and opens the signalfd. Also ignores
    // SIGPIPE: a closed --ready-fd or socket is an error value, not the daemon's death.
    static Result<DaemonSignals> open();
    ~DaemonSignals();
    DaemonSignals(DaemonSignals&& other) noexcept;
    DaemonSignals& operator=(DaemonSignals&&) = delete;
    DaemonSignals(const DaemonSignals&) = delete;

    int fd() const { return fd_; }

  private:
    explicit DaemonSignals(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// Waits for the next of those signals on `signal_fd` (cancellable). `number` receives the
// signal's number, for the log line.
coro::Task<Result<DaemonSignal>> next_signal(int signal_fd, int* number = nullptr);

}  // namespace xensnd::backend::daemon
