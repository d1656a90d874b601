#include "loopback/seqpacket_listener.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace xensnd::loopback {

using platform::UniqueFd;

namespace {

bool fill_address(const std::string& path, sockaddr_un& addr) {
    addr = {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

bool somebody_listens(const sockaddr_un& addr) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd) return false;
    return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace

Result<SeqpacketListener> SeqpacketListener::open(const std::string& path) {
    std::string temporary = path + ".new";
    sockaddr_un addr;
    sockaddr_un temporary_addr;
    if (!fill_address(path, addr) || !fill_address(temporary, temporary_addr)) {
        return Err(ENAMETOOLONG);
    }
    if (somebody_listens(addr)) return Err(EADDRINUSE);

    UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return Err(errno);
    ::unlink(temporary.c_str());
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&temporary_addr),
               sizeof temporary_addr) != 0 ||
        ::listen(fd.get(), 64) != 0 || std::rename(temporary.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(temporary.c_str());
        return Err(err);
    }
    return SeqpacketListener(std::move(fd), path);
}

SeqpacketListener& SeqpacketListener::operator=(SeqpacketListener&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::move(other.fd_);
        path_ = std::move(other.path_);
    }
    return *this;
}

SeqpacketListener::~SeqpacketListener() {
    close();
}

void SeqpacketListener::close() {
    if (!fd_) return;
    fd_.reset();
    ::unlink(path_.c_str());
}

}  // namespace xensnd::loopback
