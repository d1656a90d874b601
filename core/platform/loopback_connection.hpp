// One client connection to a service socket of the loopback daemon (evtchn or gnttab), and
// the synchronous request/reply on it. Each port, shared grant and mapping of the loopback
// client owns its own connection: the daemon releases what a connection holds when it
// closes, so letting go of an object (or dying) is closing a descriptor, never a round trip.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/platform/domain.hpp"
#include "core/platform/loopback_fd.hpp"
#include "core/platform/loopback_wire.hpp"
#include "coro/result.hpp"

namespace xensnd::platform {

// A live daemon answers in microseconds; a hung one must not hang its clients forever.
inline constexpr std::chrono::milliseconds kLoopbackReplyTimeout{5000};

class LoopbackConnection {
  public:
    struct Reply {
        std::vector<std::byte> bytes;  // the whole datagram, ReplyHeader first
        std::vector<UniqueFd> fds;
    };

    // ENOENT/ECONNREFUSED when no daemon serves `path`.
    static Result<LoopbackConnection> open(const std::string& path);

    // Sends `request` (a whole datagram for `op`) and waits for the reply. The reply's header
    // is checked (magic, version, op, length); an error reply comes back as its errno, with
    // its descriptors closed. ETIMEDOUT after kLoopbackReplyTimeout; EPROTO for a malformed
    // reply; ECONNRESET if the daemon hung up.
    Result<Reply> call(std::span<const std::byte> request, loopback_wire::Op op);

    int fd() const { return fd_.get(); }

  private:
    explicit LoopbackConnection(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

// Usage counters of `domid` as the daemon keeps them (a domain may ask about itself, domain 0
// about anyone): for tests and diagnostics.
struct LoopbackStats {
    std::uint32_t ports = 0;
    std::uint32_t grants = 0;
    std::uint32_t grant_pages = 0;
    std::uint32_t mapped_pages = 0;
    std::uint32_t connections = 0;
};
Result<LoopbackStats> query_loopback_stats(const std::string& socket_path, DomId domid);

template <class T>
std::span<const std::byte> datagram_of(const T& message) {
    return {reinterpret_cast<const std::byte*>(&message), sizeof message};
}

}  // namespace xensnd::platform
