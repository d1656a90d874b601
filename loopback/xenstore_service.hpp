// The XenStore service: one listening socket per domain under <rundir>/xenstore/, a
// connection in the xenstore::Server for each client, and the byte shuffling between them.
// A client's domain is the socket it came in on. The server also decides which domains
// exist (INTRODUCE and RELEASE from dom0); the daemon hears of that through the listener.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "loopback/event_loop.hpp"
#include "loopback/listening_socket.hpp"
#include "loopback/service.hpp"
#include "loopback/xenstore/server.hpp"

namespace xensnd::loopback {

class XenStoreService final : public Service {
  public:
    // `domain_changed(domid, exists)` is called when a domain is introduced or released.
    using DomainListener = std::function<void(DomId domid, bool exists)>;

    // Sockets go to `dir`, which must exist.
    XenStoreService(EventLoop& loop, std::string dir, xenstore::Limits limits, bool trace);
    ~XenStoreService() override;

    void set_domain_listener(DomainListener listener) { listener_ = std::move(listener); }

    // The toolstack's part: give the domain its home in the store and introduce it.
    Result<void> create_domain(DomId domid);

    std::string_view name() const override { return "xenstore"; }
    Result<void> add_domain(DomId domid) override;
    void remove_domain(DomId domid) override;
    void stop() override;

    std::string socket_path(DomId domid) const;

  private:
    struct Client {
        int fd;
        DomId domid;
        std::uint32_t interest;  // what epoll waits for on fd now
    };

    void accept_clients(DomId domid, int listen_fd);
    void on_client(xenstore::ConnectionId id, std::uint32_t events);
    void read_from(xenstore::ConnectionId id, Client& client);
    // Sends what the connection has queued, as far as the socket takes it; false if the
    // client is gone.
    bool write_to(xenstore::ConnectionId id, Client& client);
    void drop(xenstore::ConnectionId id);
    void update_interest(xenstore::ConnectionId id, Client& client);
    // Acts on everything the server asked for: output to send (to any client, watch events
    // reach clients other than the one that made the request), connections to close,
    // domains come and gone.
    void settle();

    EventLoop& loop_;
    std::string dir_;
    xenstore::Server server_;
    DomainListener listener_;
    std::map<DomId, ListeningSocket> sockets_;
    std::map<xenstore::ConnectionId, Client> clients_;
    bool refused_logged_ = false;
};

}  // namespace xensnd::loopback
