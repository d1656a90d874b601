// One datagram with descriptors on an AF_UNIX SOCK_SEQPACKET socket: how the loopback daemon
// and its clients exchange loopback_wire.hpp messages. Used by both sides, so header-only.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

#include "core/platform/loopback_fd.hpp"
#include "coro/result.hpp"

namespace xensnd::platform {

// The kernel's SCM_MAX_FD: no datagram carries more. Received descriptors are always
// collected up to this many, so that whatever a peer attaches is closed, never leaked.
inline constexpr std::size_t kMaxPacketFds = 253;

// Sends `bytes` as one datagram with `fds` attached. `flags` adds to MSG_NOSIGNAL (e.g.
// MSG_DONTWAIT). EAGAIN when a non-blocking send finds no room.
inline Result<void> send_packet(int sock, std::span<const std::byte> bytes,
                                std::span<const int> fds, int flags = 0) {
    if (fds.size() > kMaxPacketFds) return Err(EINVAL);
    iovec iov{const_cast<std::byte*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPacketFds)];
    if (!fds.empty()) {
        std::size_t data_len = sizeof(int) * fds.size();
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(data_len);
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(data_len);
        std::memcpy(CMSG_DATA(c), fds.data(), data_len);
    }
    for (;;) {
        ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
        if (n >= 0) {
            // A seqpacket datagram goes whole or not at all.
            if (static_cast<std::size_t>(n) != bytes.size()) return Err(EMSGSIZE);
            return ok();
        }
        if (errno != EINTR) return Err(errno);
    }
}

struct ReceivedPacket {
    std::size_t size = 0;    // bytes placed in the buffer; 0 means the peer hung up
    bool truncated = false;  // the datagram was larger than the buffer (the rest is lost)
    std::vector<UniqueFd> fds;
};

// Receives one datagram into `buffer`, with any descriptors attached (close-on-exec). EAGAIN
// when a non-blocking receive finds nothing.
inline Result<ReceivedPacket> receive_packet(int sock, std::span<std::byte> buffer, int flags = 0) {
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPacketFds)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    for (;;) {
        n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
        if (n >= 0) break;
        if (errno != EINTR) return Err(errno);
    }
    ReceivedPacket packet;
    packet.size = static_cast<std::size_t>(n);
    packet.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            packet.fds.emplace_back(fd);
        }
    }
    // MSG_CTRUNC: the kernel closed what did not fit; the sender broke the protocol anyway,
    // and the caller sees it from the descriptors it did get.
    if ((msg.msg_flags & MSG_CTRUNC) != 0) packet.truncated = true;
    return packet;
}

}  // namespace xensnd::platform
