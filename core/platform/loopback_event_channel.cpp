#include "core/platform/loopback_event_channel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>

#include "core/platform/loopback_connection.hpp"
#include "core/platform/loopback_fd.hpp"
#include "core/platform/loopback_wire.hpp"
#include "coro/poll_stream.hpp"

namespace xensnd::platform {

namespace wire = loopback_wire;

namespace {

class StatusPage {
  public:
    static Result<StatusPage> map(int fd) {
        struct stat st {};
        if (::fstat(fd, &st) != 0) return Err(errno);
        if (st.st_size < static_cast<off_t>(wire::kPageSize)) return Err(EPROTO);
        void* p = ::mmap(nullptr, wire::kPageSize, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) return Err(errno);
        StatusPage page(static_cast<wire::ChannelStatus*>(p));
        if (page.load(&page.status_->magic) != wire::kMagic ||
            page.load(&page.status_->version) != wire::kVersion) {
            return Err(EPROTO);
        }
        return page;
    }
    StatusPage(StatusPage&& o) noexcept : status_(std::exchange(o.status_, nullptr)) {}
    StatusPage& operator=(StatusPage&&) = delete;
    ~StatusPage() {
        if (status_ != nullptr) ::munmap(status_, wire::kPageSize);
    }

    wire::EndState end(unsigned which) const {
        return static_cast<wire::EndState>(load(&status_->end[which]));
    }

  private:
    explicit StatusPage(wire::ChannelStatus* s) : status_(s) {}
    // The daemon writes the page from another process; an atomic load keeps the compiler from
    // caching it, and acquire pairs with the eventfd that told us to look.
    static std::uint32_t load(std::uint32_t* word) {
        return std::atomic_ref<std::uint32_t>(*word).load(std::memory_order_acquire);
    }

    wire::ChannelStatus* status_;
};

class LoopbackEventChannel final : public EventChannel {
  public:
    LoopbackEventChannel(LoopbackConnection connection, Port port, unsigned end, UniqueFd inbox,
                         UniqueFd peer_inbox, StatusPage status)
        : connection_(std::move(connection)),
          port_(port),
          end_(end),
          inbox_(std::move(inbox)),
          peer_inbox_(std::move(peer_inbox)),
          status_(std::move(status)),
          readable_(std::in_place, inbox_.get(), POLLIN) {}

    ~LoopbackEventChannel() override {
        // The poll goes before the descriptor it watches; the connection's close (last, as a
        // member) is what closes the port in the daemon.
        readable_.reset();
    }

    Port local_port() const override { return port_; }

    Result<void> notify() override {
        if (status_.end(1 - end_) != wire::EndState::Bound) return ok();
        const std::uint64_t one = 1;
        for (;;) {
            ssize_t n = ::write(peer_inbox_.get(), &one, sizeof one);
            if (n == static_cast<ssize_t>(sizeof one)) return ok();
            if (n < 0 && errno == EINTR) continue;
            // The count is saturated: the peer has an event pending already.
            if (n < 0 && errno == EAGAIN) return ok();
            return Err(n < 0 ? errno : EIO);
        }
    }

    coro::Task<Result<void>> wait() override {
        for (;;) {
            Result<bool> drained = drain();
            if (!drained) co_return Err(drained.error());
            if (status_.end(1 - end_) == wire::EndState::Closed) co_return Err(ENOTCONN);
            if (*drained) co_return ok();
            auto r = co_await readable_->next();
            if (!r && r.errno_value() != EAGAIN) co_return Err(r.error());
        }
    }

  private:
    // Takes the inbox's count (events coalesce); whether there was any.
    Result<bool> drain() {
        std::uint64_t count = 0;
        for (;;) {
            ssize_t n = ::read(inbox_.get(), &count, sizeof count);
            if (n == static_cast<ssize_t>(sizeof count)) return true;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
            return Err(n < 0 ? errno : EIO);
        }
    }

    LoopbackConnection connection_;
    Port port_;
    unsigned end_;
    UniqueFd inbox_;
    UniqueFd peer_inbox_;
    StatusPage status_;
    std::optional<coro::PollStream> readable_;
};

// Turns a PortReply and its descriptors into a channel.
Result<std::unique_ptr<EventChannel>> make_channel(LoopbackConnection connection,
                                                   LoopbackConnection::Reply reply) {
    wire::PortReply r;
    if (reply.bytes.size() != sizeof r || reply.fds.size() != 3) return Err(EPROTO);
    std::memcpy(&r, reply.bytes.data(), sizeof r);
    if (r.port == 0 || r.end > 1) return Err(EPROTO);
    UniqueFd inbox = std::move(reply.fds[0]);
    UniqueFd peer_inbox = std::move(reply.fds[1]);
    // wait() drains with a plain read once a poll said so: it must never block.
    int flags = ::fcntl(inbox.get(), F_GETFL);
    if (flags < 0) return Err(errno);
    if ((flags & O_NONBLOCK) == 0 && ::fcntl(inbox.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
        return Err(errno);
    }
    auto status = StatusPage::map(reply.fds[2].get());
    if (!status) return Err(status.error());
    return std::unique_ptr<EventChannel>(
        new LoopbackEventChannel(std::move(connection), r.port, r.end, std::move(inbox),
                                 std::move(peer_inbox), std::move(*status)));
}

}  // namespace

Result<std::unique_ptr<EventChannel>> LoopbackEventChannelService::alloc_unbound(DomId remote) {
    if (remote >= kFirstReservedDomId) return Err(EINVAL);
    auto connection = LoopbackConnection::open(socket_path_);
    if (!connection) return Err(connection.error());
    wire::AllocUnboundRequest request{};
    request.header = wire::make_header(wire::Op::AllocUnbound, sizeof request);
    request.remote_domid = remote;
    auto reply = connection->call(datagram_of(request), wire::Op::AllocUnbound);
    if (!reply) return Err(reply.error());
    return make_channel(std::move(*connection), std::move(*reply));
}

Result<std::unique_ptr<EventChannel>> LoopbackEventChannelService::bind_interdomain(
    DomId remote, Port remote_port) {
    if (remote >= kFirstReservedDomId) return Err(EINVAL);
    auto connection = LoopbackConnection::open(socket_path_);
    if (!connection) return Err(connection.error());
    wire::BindInterdomainRequest request{};
    request.header = wire::make_header(wire::Op::BindInterdomain, sizeof request);
    request.remote_domid = remote;
    request.remote_port = remote_port;
    auto reply = connection->call(datagram_of(request), wire::Op::BindInterdomain);
    if (!reply) return Err(reply.error());
    return make_channel(std::move(*connection), std::move(*reply));
}

Result<std::unique_ptr<EventChannelService>> open_loopback_events(coro::Reactor& reactor,
                                                                  const LoopbackDomain& domain) {
    // Channels find their reactor through the task that awaits wait(), as the Xen ones do.
    (void)reactor;
    std::string path = domain.socket("evtchn");
    // Ask once now, so that a missing or incompatible daemon fails here rather than at the
    // first alloc_unbound.
    auto stats = query_loopback_stats(path, domain.domid);
    if (!stats) return Err(stats.error());
    return std::unique_ptr<EventChannelService>(new LoopbackEventChannelService(path));
}

}  // namespace xensnd::platform
