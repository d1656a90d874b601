#include "loopback/memory_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace xensnd::loopback {

Result<UniqueFd> create_memory(const char* name, std::size_t bytes) {
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd) return Err(errno);
    if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0) return Err(errno);
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        return Err(errno);
    }
    return fd;
}

Result<UniqueFd> read_only_view(int fd) {
    // A descriptor's access mode cannot be lowered in place; opening the file again through
    // /proc gives a new open file description with its own, read-only, mode.
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    UniqueFd view(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!view) return Err(errno);
    return view;
}

Result<UniqueFd> duplicate(int fd) {
    UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy) return Err(errno);
    return copy;
}

}  // namespace xensnd::loopback
