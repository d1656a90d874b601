#include "loopback/listening_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace xensnd::loopback {

namespace {

bool fill_address(const std::string& path, sockaddr_un& addr) {
    addr = {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

// Whether a server answers at `path` right now.
bool somebody_listens(const sockaddr_un& addr) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool answered = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return answered;
}

}  // namespace

Result<ListeningSocket> ListeningSocket::open(const std::string& path) {
    // Bound under a temporary name and renamed once listening: a client polling for the
    // file never finds one that refuses connections.
    std::string temporary = path + ".new";
    sockaddr_un addr;
    sockaddr_un temporary_addr;
    if (!fill_address(path, addr) || !fill_address(temporary, temporary_addr)) {
        return Err(ENAMETOOLONG);
    }
    if (somebody_listens(addr)) return Err(EADDRINUSE);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Err(errno);
    ::unlink(temporary.c_str());
    if (bind(fd, reinterpret_cast<const sockaddr*>(&temporary_addr), sizeof temporary_addr) != 0 ||
        listen(fd, 64) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::close(fd);
        ::unlink(temporary.c_str());
        return Err(err);
    }
    return ListeningSocket(fd, path);
}

ListeningSocket::ListeningSocket(ListeningSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

ListeningSocket& ListeningSocket::operator=(ListeningSocket&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

ListeningSocket::~ListeningSocket() {
    close();
}

void ListeningSocket::close() {
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
}

}  // namespace xensnd::loopback
