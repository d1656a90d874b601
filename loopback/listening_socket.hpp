// A unix stream socket that clients of one domain connect to.
#pragma once

#include <string>

#include "coro/result.hpp"

namespace xensnd::loopback {

class ListeningSocket {
  public:
    // Listens at `path` (non-blocking, close-on-exec). The file appears only once the socket
    // listens, so whoever sees it can connect at once. EADDRINUSE if a live server listens
    // there already (a stale file from a dead daemon is replaced); ENAMETOOLONG if `path`
    // does not fit a sockaddr_un.
    static Result<ListeningSocket> open(const std::string& path);

    ListeningSocket(ListeningSocket&& other) noexcept;
    ListeningSocket& operator=(ListeningSocket&& other) noexcept;
    ListeningSocket(const ListeningSocket&) = delete;
    ListeningSocket& operator=(const ListeningSocket&) = delete;
    // Closes the socket and removes its file.
    ~ListeningSocket();

    int fd() const { return fd_; }
    const std::string& path() const { return path_; }

  private:
    ListeningSocket(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    void close();

    int fd_ = -1;
    std::string path_;
};

}  // namespace xensnd::loopback
