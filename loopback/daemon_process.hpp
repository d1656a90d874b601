// DaemonProcess: starts xensnd-loopback as a child process in a fresh run directory, waits
// for its "ready" line, and stops it (SIGTERM, then SIGKILL) when destroyed. For benchmarks and
// process-level tests that need a whole loopback platform.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/platform/domain.hpp"
#include "coro/result.hpp"

namespace xensnd::loopback {

class DaemonProcess {
  public:
    // Runs `binary --rundir <new temp dir> --domains <domains>`; ETIMEDOUT if it is not ready
    // within `ready_timeout`, or the errno of what failed (with `why`).
    static Result<std::unique_ptr<DaemonProcess>> start(
        const std::string& binary, const std::vector<platform::DomId>& domains,
        std::string* why = nullptr,
        std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    const std::string& rundir() const { return rundir_; }
    // <rundir>/xenstore/domain-<id>.sock: what XENSTORED_PATH should name for that domain.
    std::string xenstore_socket(platform::DomId domid) const;
    pid_t pid() const { return pid_; }

  private:
    DaemonProcess() = default;
    std::string rundir_;
    pid_t pid_ = -1;
};

}  // namespace xensnd::loopback
