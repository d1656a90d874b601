// OwnershipLock: one process owns a vsnd device at a time (as with `hw:`).
//
// The owner holds an exclusive flock(2) on a lock file named after the platform's identity and
// the device: <XDG_RUNTIME_DIR or /tmp>/xensnd-<hash>-vsnd<N>.lock, where <hash> covers the
// XenStore socket (XENSTORED_PATH on loopback, so two loopback daemons never share a lock). The
// kernel drops the lock when its process dies, so a device left Connected by a crashed
// process is free again at once: the next opener takes the lock and recovers the stale state
// (its XenBus state is rewound to Initialising). The file holds the owner's pid for the
// message a second opener gets (EBUSY).
#pragma once

#include <string>
#include <string_view>

#include "core/platform/platform.hpp"
#include "coro/result.hpp"

namespace xensnd::frontend {

// What names a platform's XenStore in the owner's files: "xen", or on loopback the XenStore
// socket (two loopback daemons never share a device).
std::string platform_identity(platform::PlatformKind kind);

// <XDG_RUNTIME_DIR or /tmp>/xensnd-<hash of identity>-vsnd<N><suffix>: where the files of a
// device's owner live (the lock, the mixer state).
std::string device_runtime_path(const std::string& identity, unsigned device,
                                std::string_view suffix);

class OwnershipLock {
  public:
    // EBUSY (with `why` naming the owner's pid) when another process holds the device.
    static Result<OwnershipLock> acquire(const std::string& identity, unsigned device,
                                         std::string* why);
    OwnershipLock(OwnershipLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
        o.fd_ = -1;
    }
    OwnershipLock& operator=(OwnershipLock&&) = delete;
    ~OwnershipLock();
    const std::string& path() const { return path_; }

  private:
    OwnershipLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
};

}  // namespace xensnd::frontend
