// The sockets of one of the hypervisor's services (event channels or grants): a listening
// SOCK_SEQPACKET socket per domain under <rundir>/<name>/, a connection in the Hypervisor per
// client, and the datagrams between them. A client's domain is the socket it came in on.
//
// Bounds on one client: requests are served in lockstep with the client's reading, i.e. the
// next request is read only once the client has taken the previous reply off its socket, so a
// client that floods without reading stalls only itself (its requests wait in the kernel) and
// never has more than one reply, and its descriptors, in flight. A read takes one datagram of
// at most kMaxMessage bytes. A connection beyond the Hypervisor's caps, or past the
// daemon's descriptor limit, is told EMFILE and closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/platform/loopback_fd.hpp"
#include "loopback/event_loop.hpp"
#include "loopback/hypervisor.hpp"
#include "loopback/seqpacket_listener.hpp"
#include "loopback/service.hpp"

namespace xensnd::loopback {

class HypercallService : public Service {
  public:
    ~HypercallService() override;

    std::string_view name() const override { return name_; }
    // Creates <rundir>/<name>/ on first use (and removes it again in stop()).
    Result<void> add_domain(DomId domid) override;
    void remove_domain(DomId domid) override;
    void stop() override;

    std::string socket_path(DomId domid) const;

  protected:
    HypercallService(EventLoop& loop, const std::string& rundir, std::string name,
                     HypercallFamily family, std::shared_ptr<Hypervisor> hypervisor);

  private:
    struct Client {
        platform::UniqueFd fd;
        DomId domid;
        std::optional<Hypervisor::Answer> unsent;  // the socket had no room for it
        std::uint32_t interest = 0;
    };
    enum class Sent { Done, NoRoom, Failed };

    void accept_clients(DomId domid, int listen_fd);
    void turn_away(int fd, int error);
    void on_client(ConnectionId id, std::uint32_t events);
    // Sends the reply and its descriptors.
    Sent send(Client& client, const Hypervisor::Answer& answer);
    // Whether the client has taken every reply off its socket.
    static bool caught_up(const Client& client);
    void drop(ConnectionId id);
    void log(DomId domid, const std::string& what);

    EventLoop& loop_;
    std::string dir_;
    std::string name_;
    HypercallFamily family_;
    std::shared_ptr<Hypervisor> hypervisor_;
    bool made_dir_ = false;
    std::map<DomId, SeqpacketListener> sockets_;
    std::map<ConnectionId, Client> clients_;
    // A descriptor held in reserve: under EMFILE it is closed so that the waiting client can
    // be accepted, told EMFILE and closed, instead of leaving the listening socket ready
    // forever (and the loop spinning on it).
    platform::UniqueFd spare_;
    std::vector<std::byte> buffer_;
    std::chrono::steady_clock::time_point log_window_{};
    unsigned logged_in_window_ = 0;
    unsigned unlogged_ = 0;
};

}  // namespace xensnd::loopback
