// A listening AF_UNIX SOCK_SEQPACKET socket at a path: what the event channel and grant
// services listen on (datagrams keep message boundaries and carry descriptors). Same promises
// as ListeningSocket, which is a stream socket: the file appears only once it listens, a live
// server's path is never stolen, a stale file is replaced, and the file goes with the socket.
#pragma once

#include <string>

#include "core/platform/loopback_fd.hpp"
#include "coro/result.hpp"

namespace xensnd::loopback {

class SeqpacketListener {
  public:
    // Non-blocking, close-on-exec. EADDRINUSE if a server answers at `path`; ENAMETOOLONG if
    // `path` does not fit a sockaddr_un.
    static Result<SeqpacketListener> open(const std::string& path);

    SeqpacketListener(SeqpacketListener&& other) noexcept = default;
    SeqpacketListener& operator=(SeqpacketListener&& other) noexcept;
    SeqpacketListener(const SeqpacketListener&) = delete;
    SeqpacketListener& operator=(const SeqpacketListener&) = delete;
    // Closes the socket and removes its file.
    ~SeqpacketListener();

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }

  private:
    SeqpacketListener(platform::UniqueFd fd, std::string path)
        : fd_(std::move(fd)), path_(std::move(path)) {}
    void close();

    platform::UniqueFd fd_;
    std::string path_;
};

}  // namespace xensnd::loopback
