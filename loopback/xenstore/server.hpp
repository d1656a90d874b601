// The XenStore server without any I/O: connections hand it the bytes their clients sent and
// take back the bytes to send (replies and watch events). It dispatches each request to the
// operation xenstored would run, with xenstored's permission rules, transactions, watches and
// quotas. The I/O side learns what to do next from take_notices().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "coro/result.hpp"
#include "loopback/xenstore/connection.hpp"
#include "loopback/xenstore/domain.hpp"
#include "loopback/xenstore/ids.hpp"
#include "loopback/xenstore/limits.hpp"
#include "loopback/xenstore/request.hpp"
#include "loopback/xenstore/store.hpp"
#include "loopback/xenstore/view.hpp"
#include "loopback/xenstore/wire.hpp"

namespace xensnd::loopback::xenstore {

class Server {
  public:
    // What the I/O side must act on since it last asked.
    struct Notices {
        std::vector<ConnectionId> output;  // have bytes to send
        std::vector<ConnectionId>
            closing;                    // send what can be sent without waiting, then disconnect()
        std::vector<DomId> introduced;  // may now connect: open their sockets
        std::vector<DomId> released;    // gone: close their sockets

        bool empty() const {
            return output.empty() && closing.empty() && introduced.empty() && released.empty();
        }
    };

    using LogSink = std::function<void(std::string_view line)>;

    // Starts with "/", "/tool", "/tool/xenstored", "/local" and "/local/domain", all owned by
    // the privileged domain, which is introduced from the start.
    explicit Server(Limits limits = {});

    // Lines worth a log (protocol violations, dropped events); with `trace`, every request
    // and reply as well.
    void set_log(LogSink sink, bool trace = false);

    // --- The toolstack's side (the daemon's configuration, not a client request).
    // Creates /local/domain/<domid> owned by the domain (if missing) and introduces it.
    Result<void> create_domain(DomId domid);
    // As XS_INTRODUCE. EINVAL for a reserved id, ENOSPC beyond Limits::domains.
    Result<void> introduce(DomId domid);
    // As XS_RELEASE: closes the domain's connections, removes every node it owns, makes
    // permission entries naming it inert, fires @releaseDomain. EINVAL for the privileged
    // domain, ENOENT if not introduced.
    Result<void> release(DomId domid);
    bool is_introduced(DomId domid) const { return domains_.introduced(domid); }
    std::vector<DomId> domains() const { return domains_.ids(); }

    // --- Connections.
    // A client of `domid` arrived. ENOENT if the domain is not introduced.
    Result<ConnectionId> connect(DomId domid);
    // The client is gone: its watches and transactions go with it.
    void disconnect(ConnectionId id);
    // Bytes from the client. Every complete request is processed while the connection may
    // take more (see accepts_requests); the rest waits for resume().
    void receive(ConnectionId id, std::string_view bytes);
    // Processes requests held back earlier, e.g. after its output was sent.
    void resume(ConnectionId id);
    // Whether the connection should be given more bytes now: not closing, and not too many
    // replies or event bytes waiting to be sent (back-pressure on a client that does not read).
    bool accepts_requests(ConnectionId id) const;
    Connection* connection(ConnectionId id);

    Notices take_notices();

    const Store& store() const { return store_; }
    const Limits& limits() const { return limits_; }

  private:
    struct Reply {
        std::string payload;
        // XS_WATCH's first event, which follows the acknowledgement.
        std::optional<std::pair<std::string, std::string>> event_after;
    };
    // One request's context: who asks, through which view of the store.
    struct Context {
        Connection* conn;  // nullptr for the toolstack's own changes
        Requester who;
        bool privileged;
        View view;
    };

    Context context(Connection* conn, Transaction* transaction);
    Context toolstack_context();
    Requester requester(const Connection& conn) const;
    bool accepts(const Connection& conn) const;

    void process(Connection& conn);
    void handle(Connection& conn, const Frame& frame);
    void send(Connection& conn, const Header& request, std::uint32_t type,
              std::string_view payload);
    void send_error(Connection& conn, const Header& request, int errnum);
    void queue_event(Connection& conn, std::string_view path, std::string_view token);
    void note_output(Connection& conn);
    void close(Connection& conn, std::string_view why);
    void forget_watches(Connection& conn);
    void log(const std::string& line) const;

    // Node access with xenstored's rules (get_node, errno_from_parents, create_node, ...).
    Result<const Node*> get_node(Context& ctx, const std::string& path, unsigned need);
    Result<unsigned> parent_access(Context& ctx, std::string_view path);
    Result<void> write_node(Context& ctx, std::string_view path, Node node, bool size_quota);
    Result<Node> create_node(Context& ctx, const std::string& path, std::string_view value);
    Result<void> remove_node(Context& ctx, const std::string& path);
    void fire_watches(Context& ctx, std::string_view path, const Node* node, bool exact,
                      const Permissions* old_perms);
    void fire_now(std::string_view path, const Node* node, bool exact,
                  const Permissions* old_perms);
    bool may_see_change(const Requester& who, std::string_view path, const Node* node,
                        const Permissions* old_perms) const;
    void announce_introduction(DomId domid);

    Result<Reply> execute(Context& ctx, const request::Control& r);
    Result<Reply> execute(Context& ctx, const request::Directory& r);
    Result<Reply> execute(Context& ctx, const request::DirectoryPart& r);
    Result<Reply> execute(Context& ctx, const request::Read& r);
    Result<Reply> execute(Context& ctx, const request::GetPerms& r);
    Result<Reply> execute(Context& ctx, const request::Watch& r);
    Result<Reply> execute(Context& ctx, const request::Unwatch& r);
    Result<Reply> execute(Context& ctx, const request::TransactionStart& r);
    Result<Reply> execute(Context& ctx, const request::TransactionEnd& r);
    Result<Reply> execute(Context& ctx, const request::Introduce& r);
    Result<Reply> execute(Context& ctx, const request::Release& r);
    Result<Reply> execute(Context& ctx, const request::Resume& r);
    Result<Reply> execute(Context& ctx, const request::GetDomainPath& r);
    Result<Reply> execute(Context& ctx, const request::IsDomainIntroduced& r);
    Result<Reply> execute(Context& ctx, const request::Write& r);
    Result<Reply> execute(Context& ctx, const request::Mkdir& r);
    Result<Reply> execute(Context& ctx, const request::Rm& r);
    Result<Reply> execute(Context& ctx, const request::SetPerms& r);
    Result<Reply> execute(Context& ctx, const request::SetTarget& r);
    Result<Reply> execute(Context& ctx, const request::ResetWatches& r);

    Limits limits_;
    Store store_;
    Domains domains_;
    std::map<ConnectionId, Connection> connections_;
    ConnectionId next_connection_id_ = 1;
    Notices notices_;
    LogSink log_;
    bool trace_ = false;
};

}  // namespace xensnd::loopback::xenstore
