#include "frontend-user/mixer_state.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "frontend-user/ownership_lock.hpp"

namespace xensnd::frontend {

namespace {

constexpr std::size_t kMaxFile = 4096;

// An abstract unix socket address (a leading NUL: no file, gone with its process).
sockaddr_un abstract_address(const std::string& name, socklen_t& len) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const std::size_t n = std::min(name.size(), sizeof a.sun_path - 1);
    std::memcpy(a.sun_path + 1, name.data(), n);
    len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
    return a;
}

Result<std::string> read_locked(int fd) {
    std::string text(kMaxFile, '\0');
    ssize_t n = ::pread(fd, text.data(), text.size(), 0);
    if (n < 0) return Err(errno);
    text.resize(static_cast<std::size_t>(n));
    return text;
}

}  // namespace

std::string mixer_file_path(const std::string& identity, unsigned device) {
    return device_runtime_path(identity, device, ".mixer");
}

std::string mixer_doorbell_name(const std::string& identity, unsigned device) {
    // The same name as the file, without the directory: unique per identity and device.
    const std::string path = device_runtime_path(identity, device, ".mixer");
    return path.substr(path.rfind('/') + 1);
}

Result<MixerValues> load_mixer(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) return MixerValues{};
        return Err(errno);
    }
    (void)::flock(fd, LOCK_SH);
    auto text = read_locked(fd);
    ::close(fd);
    if (!text) return Err(text.error());
    return parse_mixer_text(*text);
}

Result<MixerValues> update_mixer_with(const std::string& path,
                                      void (*change)(MixerValues&, const void*), const void* arg) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Err(errno);
    if (::flock(fd, LOCK_EX) != 0) {
        const int e = errno;
        ::close(fd);
        return Err(e);
    }
    auto text = read_locked(fd);
    if (!text) {
        ::close(fd);
        return Err(text.error());
    }
    MixerValues values = parse_mixer_text(*text);
    change(values, arg);
    const std::string out = format_mixer_text(values);
    int e = 0;
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, out.data(), out.size(), 0) != static_cast<ssize_t>(out.size()))
        e = errno != 0 ? errno : EIO;
    ::close(fd);  // drops the flock
    if (e != 0) return Err(e);
    return values;
}

void ring_mixer_doorbell(const std::string& name) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return;
    socklen_t len = 0;
    const sockaddr_un a = abstract_address(name, len);
    const char ding = 1;
    (void)::sendto(fd, &ding, 1, 0, reinterpret_cast<const sockaddr*>(&a), len);
    ::close(fd);
}

Result<std::unique_ptr<MixerDoorbell>> MixerDoorbell::listen(const std::string& name) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return Err(errno);
    socklen_t len = 0;
    const sockaddr_un a = abstract_address(name, len);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), len) != 0) {
        const int e = errno;
        ::close(fd);
        return Err(e);
    }
    int stop = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop < 0) {
        const int e = errno;
        ::close(fd);
        return Err(e);
    }
    std::unique_ptr<MixerDoorbell> d(new MixerDoorbell(fd, stop));
    d->thread_ = std::thread([p = d.get()] { p->run(); });
    return d;
}

MixerDoorbell::MixerDoorbell(int socket_fd, int stop_fd)
    : socket_fd_(socket_fd), stop_fd_(stop_fd) {}

MixerDoorbell::~MixerDoorbell() {
    const std::uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    ::close(socket_fd_);
    ::close(stop_fd_);
}

void MixerDoorbell::run() {
    for (;;) {
        pollfd fds[2] = {{socket_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        char buf[64];
        bool rang = false;
        while (::recv(socket_fd_, buf, sizeof buf, 0) >= 0)
            rang = true;
        if (rang) rings_.fetch_add(1, std::memory_order_acq_rel);
    }
}

}  // namespace xensnd::frontend
