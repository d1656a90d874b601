#include "core/platform/loopback_connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "core/platform/loopback_packet.hpp"

namespace xensnd::platform {

namespace wire = loopback_wire;

Result<LoopbackConnection> LoopbackConnection::open(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return Err(ENAMETOOLONG);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd) return Err(errno);
    for (;;) {
        if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) break;
        if (errno != EINTR) return Err(errno);
    }
    return LoopbackConnection(std::move(fd));
}

namespace {

// The daemon refuses a client it cannot take (too many connections) with one datagram and a
// close. Closing a socket with our request still unread in it resets the connection, and the
// reset is reported before the datagram queued ahead of it; so after a reset, look once more
// for that last word. The error it carries, or ECONNRESET.
int reset_reason(int fd) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::byte buffer[sizeof(wire::ReplyHeader)];
        auto packet = receive_packet(fd, buffer, MSG_DONTWAIT);
        if (!packet) {
            if (packet.errno_value() == ECONNRESET) continue;
            break;
        }
        wire::ReplyHeader h;
        if (packet->size == sizeof h && !packet->truncated) {
            std::memcpy(&h, buffer, sizeof h);
            if (h.header.magic == wire::kMagic && h.header.op == wire::kReplyBit &&
                h.header.length == sizeof h && h.error > 0 && h.error < 4096) {
                return h.error;
            }
        }
        break;
    }
    return ECONNRESET;
}

}  // namespace

Result<LoopbackConnection::Reply> LoopbackConnection::call(std::span<const std::byte> request,
                                                           wire::Op op) {
    if (auto sent = send_packet(fd_.get(), request, {}); !sent) {
        if (sent.errno_value() == EPIPE || sent.errno_value() == ECONNRESET) {
            return Err(reset_reason(fd_.get()));
        }
        return Err(sent.error());
    }
    auto deadline = std::chrono::steady_clock::now() + kLoopbackReplyTimeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return Err(ETIMEDOUT);
        pollfd p{fd_.get(), POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) return Err(errno);
        if (n > 0) break;
    }

    Reply reply;
    reply.bytes.resize(wire::kMaxMessage);
    auto packet = receive_packet(fd_.get(), reply.bytes, MSG_DONTWAIT);
    if (!packet && packet.errno_value() == ECONNRESET) return Err(reset_reason(fd_.get()));
    if (!packet) return Err(packet.error());
    if (packet->size == 0 && !packet->truncated) return Err(ECONNRESET);
    if (packet->truncated) return Err(EPROTO);
    reply.bytes.resize(packet->size);
    reply.fds = std::move(packet->fds);

    wire::ReplyHeader h;
    if (!wire::read_at(std::span<const std::byte>(reply.bytes), 0, h)) return Err(EPROTO);
    if (h.header.magic != wire::kMagic || h.header.length != reply.bytes.size()) {
        return Err(EPROTO);
    }
    // A refusal before any request (too many clients) carries the reply bit alone.
    bool refusal = h.header.op == wire::kReplyBit;
    if (!refusal && h.header.op != (static_cast<std::uint16_t>(op) | wire::kReplyBit)) {
        return Err(EPROTO);
    }
    if (h.header.version != wire::kVersion && h.error != EPROTONOSUPPORT) return Err(EPROTO);
    if (h.error < 0 || h.error > 4095) return Err(EPROTO);
    if (h.error != 0) return Err(h.error);
    if (refusal) return Err(EPROTO);
    return reply;
}

Result<LoopbackStats> query_loopback_stats(const std::string& socket_path, DomId domid) {
    auto conn = LoopbackConnection::open(socket_path);
    if (!conn) return Err(conn.error());
    wire::StatsRequest request{};
    request.header = wire::make_header(wire::Op::Stats, sizeof request);
    request.domid = domid;
    auto reply = conn->call(datagram_of(request), wire::Op::Stats);
    if (!reply) return Err(reply.error());
    wire::StatsReply r;
    if (reply->bytes.size() != sizeof r || !reply->fds.empty()) return Err(EPROTO);
    std::memcpy(&r, reply->bytes.data(), sizeof r);
    return LoopbackStats{r.ports, r.grants, r.grant_pages, r.mapped_pages, r.connections};
}

}  // namespace xensnd::platform
