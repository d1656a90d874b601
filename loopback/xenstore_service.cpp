#include "loopback/xenstore_service.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace xensnd::loopback {

namespace {

// Each readiness event reads at most this much from one client, so one busy client cannot
// keep the others waiting long.
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
// Beyond this many clients new ones are refused rather than exhaust descriptors.
constexpr std::size_t kMaxClients = 4096;

void log_line(std::string_view line) {
    (void)std::fprintf(stderr, "xensnd-loopback: %.*s\n", static_cast<int>(line.size()),
                       line.data());
}

}  // namespace

XenStoreService::XenStoreService(EventLoop& loop, std::string dir, xenstore::Limits limits,
                                 bool trace)
    : loop_(loop), dir_(std::move(dir)), server_(limits) {
    server_.set_log(log_line, trace);
}

XenStoreService::~XenStoreService() {
    stop();
}

std::string XenStoreService::socket_path(DomId domid) const {
    return dir_ + "/domain-" + std::to_string(domid) + ".sock";
}

Result<void> XenStoreService::create_domain(DomId domid) {
    auto created = server_.create_domain(domid);
    settle();
    return created;
}

Result<void> XenStoreService::add_domain(DomId domid) {
    if (sockets_.count(domid) != 0) return ok();
    auto socket = ListeningSocket::open(socket_path(domid));
    if (!socket) return Err(socket.error());
    int fd = socket->fd();
    auto added =
        loop_.add(fd, EPOLLIN, [this, domid, fd](std::uint32_t) { accept_clients(domid, fd); });
    if (!added) return added;
    sockets_.emplace(domid, std::move(*socket));
    return ok();
}

void XenStoreService::remove_domain(DomId domid) {
    auto it = sockets_.find(domid);
    if (it == sockets_.end()) return;
    loop_.remove(it->second.fd());
    sockets_.erase(it);
    std::vector<xenstore::ConnectionId> gone;
    for (const auto& [id, client] : clients_) {
        if (client.domid == domid) gone.push_back(id);
    }
    for (auto id : gone)
        drop(id);
}

void XenStoreService::stop() {
    while (!clients_.empty())
        drop(clients_.begin()->first);
    for (auto& [domid, socket] : sockets_)
        loop_.remove(socket.fd());
    sockets_.clear();
}

void XenStoreService::accept_clients(DomId domid, int listen_fd) {
    for (;;) {
        int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log_line("xenstore: accept: " + xensnd::errno_code(errno).message());
            }
            return;
        }
        if (clients_.size() >= kMaxClients) {
            if (!refused_logged_) log_line("xenstore: too many clients, refusing new ones");
            refused_logged_ = true;
            ::close(fd);
            continue;
        }
        auto id = server_.connect(domid);
        if (!id) {
            ::close(fd);
            continue;
        }
        xenstore::ConnectionId cid = *id;
        auto added =
            loop_.add(fd, EPOLLIN, [this, cid](std::uint32_t events) { on_client(cid, events); });
        if (!added) {
            server_.disconnect(cid);
            ::close(fd);
            continue;
        }
        clients_.emplace(cid, Client{fd, domid, EPOLLIN});
    }
}

void XenStoreService::on_client(xenstore::ConnectionId id, std::uint32_t events) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    Client& client = it->second;
    // A hang-up with data still to read is read first: the end of the stream shows there.
    bool gone = (events & EPOLLOUT) != 0 && !write_to(id, client);
    if (!gone && (events & EPOLLIN) != 0) {
        read_from(id, client);
    } else {
        gone = gone || (events & (EPOLLHUP | EPOLLERR)) != 0;
    }
    if (gone) drop(id);
    settle();
    if (auto again = clients_.find(id); again != clients_.end()) update_interest(id, again->second);
}

void XenStoreService::read_from(xenstore::ConnectionId id, Client& client) {
    static char buffer[kReadChunk];
    ssize_t n = ::read(client.fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        // End of stream or a broken socket: xenstored drops such a client at once too.
        drop(id);
        return;
    }
    server_.receive(id, std::string_view(buffer, static_cast<std::size_t>(n)));
}

bool XenStoreService::write_to(xenstore::ConnectionId id, Client& client) {
    xenstore::Connection* conn = server_.connection(id);
    if (conn == nullptr) return false;
    auto& out = conn->output();
    while (!out.empty()) {
        auto bytes = out.front();
        ssize_t n = ::send(client.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        out.consume(static_cast<std::size_t>(n));
    }
    // Room again: requests held back while replies waited can go on.
    server_.resume(id);
    return true;
}

void XenStoreService::drop(xenstore::ConnectionId id) {
    auto it = clients_.find(id);
    if (it != clients_.end()) {
        loop_.remove(it->second.fd);
        ::close(it->second.fd);
        clients_.erase(it);
    }
    server_.disconnect(id);
}

void XenStoreService::update_interest(xenstore::ConnectionId id, Client& client) {
    const xenstore::Connection* conn = server_.connection(id);
    if (conn == nullptr) return;
    std::uint32_t want = 0;
    if (server_.accepts_requests(id)) want |= EPOLLIN;
    if (!conn->output().empty()) want |= EPOLLOUT;
    if (want == client.interest) return;
    if (loop_.modify(client.fd, want)) client.interest = want;
}

void XenStoreService::settle() {
    for (;;) {
        auto notices = server_.take_notices();
        if (notices.empty()) return;
        for (auto id : notices.output) {
            auto it = clients_.find(id);
            if (it == clients_.end()) continue;
            if (!write_to(id, it->second)) {
                drop(id);
                continue;
            }
            update_interest(id, it->second);
        }
        for (auto id : notices.closing) {
            auto it = clients_.find(id);
            if (it != clients_.end()) (void)write_to(id, it->second);  // a last word if it fits
            drop(id);
        }
        for (DomId domid : notices.introduced) {
            if (listener_) listener_(domid, true);
        }
        for (DomId domid : notices.released) {
            if (listener_) listener_(domid, false);
        }
    }
}

}  // namespace xensnd::loopback
