#include "frontend-user/ownership_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>

#include <fmt/format.h>

namespace xensnd::frontend {

std::string platform_identity(platform::PlatformKind kind) {
    if (kind == platform::PlatformKind::Xen) return "xen";
    const char* path = std::getenv("XENSTORED_PATH");
    return std::string("loopback:") + (path ? path : "");
}

std::string device_runtime_path(const std::string& identity, unsigned device,
                                std::string_view suffix) {
    const char* dir = std::getenv("XDG_RUNTIME_DIR");
    if (dir == nullptr || *dir == '\0' || ::access(dir, W_OK) != 0) dir = "/tmp";
    return fmt::format("{}/xensnd-{:016x}-vsnd{}{}", dir, std::hash<std::string>{}(identity),
                       device, suffix);
}

Result<OwnershipLock> OwnershipLock::acquire(const std::string& identity, unsigned device,
                                             std::string* why) {
    const std::string path = device_runtime_path(identity, device, ".lock");
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        if (why) *why = fmt::format("cannot open the device lock {}: {}", path, std::strerror(e));
        return Err(e);
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char buf[32] = {};
        ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        if (e == EWOULDBLOCK) {
            if (why)
                *why = fmt::format(
                    "vsnd device {} is in use by another process (pid {}; lock {})", device,
                    n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?", path);
            return Err(EBUSY);
        }
        if (why) *why = fmt::format("cannot lock {}: {}", path, std::strerror(e));
        return Err(e);
    }
    const std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
    return OwnershipLock(fd, path);
}

OwnershipLock::~OwnershipLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock; the file stays (unlinking would race)
}

}  // namespace xensnd::frontend
