#include "loopback/hypercall_service.hpp"

#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/platform/loopback_packet.hpp"
#include "core/platform/loopback_wire.hpp"

namespace xensnd::loopback {

namespace wire = platform::loopback_wire;
using platform::UniqueFd;

namespace {

// Requests served per readiness event. With lockstep serving it is one; the bound stays in
// case a client ever gets more than one at a time.
constexpr int kRequestsPerEvent = 16;
// Log lines per second per service: a storm of bad clients must not flood the log.
constexpr unsigned kLogLinesPerSecond = 10;

// Waiting for the client to read: an edge-triggered EPOLLOUT fires each time the kernel frees
// reply memory of ours, that is each time the client takes a reply.
constexpr std::uint32_t kAwaitReader = EPOLLOUT | EPOLLET;

}  // namespace

HypercallService::HypercallService(EventLoop& loop, const std::string& rundir, std::string name,
                                   HypercallFamily family, std::shared_ptr<Hypervisor> hypervisor)
    : loop_(loop),
      dir_(rundir + "/" + name),
      name_(std::move(name)),
      family_(family),
      hypervisor_(std::move(hypervisor)),
      spare_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
      buffer_(wire::kMaxMessage) {}

HypercallService::~HypercallService() {
    stop();
}

std::string HypercallService::socket_path(DomId domid) const {
    return dir_ + "/domain-" + std::to_string(domid) + ".sock";
}

Result<void> HypercallService::add_domain(DomId domid) {
    hypervisor_->add_domain(domid);
    if (sockets_.count(domid) != 0) return ok();
    // The directory is ours even if a daemon that died left it behind: stop() removes it.
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) return Err(errno);
    made_dir_ = true;
    auto socket = SeqpacketListener::open(socket_path(domid));
    if (!socket) return Err(socket.error());
    int fd = socket->fd();
    auto added =
        loop_.add(fd, EPOLLIN, [this, domid, fd](std::uint32_t) { accept_clients(domid, fd); });
    if (!added) return added;
    sockets_.emplace(domid, std::move(*socket));
    return ok();
}

void HypercallService::remove_domain(DomId domid) {
    hypervisor_->remove_domain(domid);
    auto it = sockets_.find(domid);
    if (it != sockets_.end()) {
        loop_.remove(it->second.fd());
        sockets_.erase(it);
    }
    std::vector<ConnectionId> gone;
    for (const auto& [id, client] : clients_) {
        if (client.domid == domid) gone.push_back(id);
    }
    for (auto id : gone)
        drop(id);
}

void HypercallService::stop() {
    while (!clients_.empty())
        drop(clients_.begin()->first);
    for (auto& [domid, socket] : sockets_)
        loop_.remove(socket.fd());
    sockets_.clear();
    if (made_dir_) {
        ::rmdir(dir_.c_str());
        made_dir_ = false;
    }
}

void HypercallService::log(DomId domid, const std::string& what) {
    auto now = std::chrono::steady_clock::now();
    if (now - log_window_ >= std::chrono::seconds(1)) {
        if (unlogged_ != 0) {
            (void)std::fprintf(stderr, "xensnd-loopback: %s: %u more problems not logged\n",
                               name_.c_str(), unlogged_);
        }
        log_window_ = now;
        logged_in_window_ = 0;
        unlogged_ = 0;
    }
    if (logged_in_window_ >= kLogLinesPerSecond) {
        ++unlogged_;
        return;
    }
    ++logged_in_window_;
    (void)std::fprintf(stderr, "xensnd-loopback: %s: domain %u: %s\n", name_.c_str(),
                       static_cast<unsigned>(domid), what.c_str());
}

void HypercallService::turn_away(int fd, int error) {
    std::vector<std::byte> refusal = Hypervisor::refusal(error);
    (void)platform::send_packet(fd, refusal, {}, MSG_DONTWAIT);
    ::close(fd);
}

void HypercallService::accept_clients(DomId domid, int listen_fd) {
    for (;;) {
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if ((errno == EMFILE || errno == ENFILE) && spare_) {
                spare_.reset();
                int refused = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (refused >= 0) turn_away(refused, EMFILE);
                spare_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
                log(domid, "out of descriptors: refusing a client");
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log(domid, "accept: " + errno_code(errno).message());
            }
            return;
        }
        auto id = hypervisor_->connect(domid, family_);
        if (!id) {
            log(domid, "too many clients: refusing one");
            turn_away(fd, id.errno_value());
            continue;
        }
        ConnectionId cid = *id;
        auto added =
            loop_.add(fd, EPOLLIN, [this, cid](std::uint32_t events) { on_client(cid, events); });
        if (!added) {
            hypervisor_->disconnect(cid);
            turn_away(fd, added.errno_value());
            continue;
        }
        clients_.emplace(cid, Client{UniqueFd(fd), domid, std::nullopt, EPOLLIN});
    }
}

bool HypercallService::caught_up(const Client& client) {
    // For a unix socket, SIOCOUTQ is the memory of what we sent that the peer has not yet
    // received. While the kernel frees a datagram the peer took, it wakes us with one byte of
    // it still counted (sock_wfree); no datagram is anywhere near 128 bytes of memory, so
    // below that nothing is unread.
    constexpr int kLessThanAnyDatagram = 128;
    int unread = 0;
    if (::ioctl(client.fd.get(), SIOCOUTQ, &unread) != 0) return true;
    return unread < kLessThanAnyDatagram;
}

HypercallService::Sent HypercallService::send(Client& client, const Hypervisor::Answer& answer) {
    std::vector<int> fds;
    fds.reserve(answer.fds.size());
    for (const auto& fd : answer.fds)
        fds.push_back(fd.get());
    auto sent = platform::send_packet(client.fd.get(), answer.reply, fds, MSG_DONTWAIT);
    if (sent) return Sent::Done;
    if (sent.errno_value() == EAGAIN || sent.errno_value() == EWOULDBLOCK) return Sent::NoRoom;
    return Sent::Failed;
}

void HypercallService::on_client(ConnectionId id, std::uint32_t events) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    Client& client = it->second;
    // A client that hung up gets no more answers: what it held goes now.
    if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
        drop(id);
        return;
    }
    if (client.unsent) {
        Sent sent = send(client, *client.unsent);
        if (sent == Sent::Failed) {
            drop(id);
            return;
        }
        if (sent == Sent::Done) {
            bool leave = client.unsent->disconnect;
            client.unsent.reset();
            if (leave) {
                drop(id);
                return;
            }
        }
    }
    for (int served = 0; served < kRequestsPerEvent && !client.unsent && caught_up(client);
         ++served) {
        auto packet = platform::receive_packet(client.fd.get(), buffer_, MSG_DONTWAIT);
        if (!packet) {
            if (packet.errno_value() == EAGAIN || packet.errno_value() == EWOULDBLOCK) break;
            drop(id);
            return;
        }
        if (packet->size == 0 && !packet->truncated) {
            drop(id);  // hung up (a zero-length datagram reads the same, and is no request)
            return;
        }
        Hypervisor::Answer answer =
            hypervisor_->handle(id, std::span<const std::byte>(buffer_.data(), packet->size),
                                packet->truncated, packet->fds.size());
        packet->fds.clear();  // requests carry none: whatever came is closed here
        if (answer.problem != nullptr && answer.disconnect) {
            log(client.domid, std::string(answer.problem) + ": disconnected");
        }
        Sent sent = send(client, answer);
        if (sent == Sent::Failed) {
            drop(id);
            return;
        }
        if (sent == Sent::NoRoom) {
            client.unsent = std::move(answer);
            break;
        }
        if (answer.disconnect) {
            drop(id);
            return;
        }
    }
    std::uint32_t want = (client.unsent || !caught_up(client)) ? kAwaitReader : EPOLLIN;
    if (want != client.interest && loop_.modify(client.fd.get(), want)) client.interest = want;
}

void HypercallService::drop(ConnectionId id) {
    auto it = clients_.find(id);
    if (it != clients_.end()) {
        loop_.remove(it->second.fd.get());
        clients_.erase(it);
    }
    hypervisor_->disconnect(id);
}

}  // namespace xensnd::loopback
