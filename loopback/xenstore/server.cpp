#include "loopback/xenstore/server.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

#include <xen/io/xs_wire.h>

#include "loopback/xenstore/path.hpp"

namespace xensnd::loopback::xenstore {

namespace {

std::string ack() {
    return std::string("OK\0", 3);
}

std::string with_nul(std::string_view s) {
    std::string out(s);
    out += '\0';
    return out;
}

}  // namespace

Server::Server(Limits limits) : limits_(limits) {
    // xenstored creates /tool/xenstored itself; a toolstack's first writes create /local.
    Context ctx = toolstack_context();
    for (const char* path : {"/tool/xenstored", "/local/domain"}) {
        if (!create_node(ctx, path, {})) bug("Server: cannot create the initial nodes");
    }
    // The privileged domain exists from the start; the I/O side hears of it like any other.
    notices_.introduced.push_back(kPrivilegedDomain);
}

void Server::set_log(LogSink sink, bool trace) {
    log_ = std::move(sink);
    trace_ = trace;
}

void Server::log(const std::string& line) const {
    if (log_) log_(line);
}

// ---------------------------------------------------------------- toolstack side

Result<void> Server::create_domain(DomId domid) {
    if (domid >= kFirstReservedDomain) return Err(EINVAL);
    bool fresh = !domains_.introduced(domid);
    if (fresh && domains_.size() >= limits_.domains) return Err(ENOSPC);
    // Known before its home is made, so that the home's owner entry names a live domain.
    domains_.introduce(domid);
    std::string home = domain_path(domid);
    if (store_.find(home) == nullptr) {
        Context ctx = toolstack_context();
        auto created = create_node(ctx, home, {});
        if (!created) return Err(created.error());
        Node node = std::move(*created);
        Permissions inherited = node.perms;
        node.perms = Permissions(domid);
        auto written = write_node(ctx, home, node, false);
        if (!written) return written;
        fire_watches(ctx, home, &node, false, &inherited);

        // What libxl (and xen-init-dom0 for dom0) writes first: the domain's own id, which
        // the domain may read but not change. Clients learn who they are from it.
        std::string id_path = home + "/domid";
        auto id_created = create_node(ctx, id_path, {});
        if (!id_created) return Err(id_created.error());
        Node id_node = std::move(*id_created);
        id_node.value = std::to_string(domid);
        id_node.perms =
            Permissions({{kPrivilegedDomain, kAccessNone, false}, {domid, kAccessRead, false}});
        auto id_written = write_node(ctx, id_path, id_node, false);
        if (!id_written) return id_written;
        fire_watches(ctx, id_path, &id_node, false, nullptr);
    }
    if (fresh) announce_introduction(domid);
    return ok();
}

Result<void> Server::introduce(DomId domid) {
    if (domid >= kFirstReservedDomain) return Err(EINVAL);
    if (domains_.introduced(domid)) return ok();
    if (domains_.size() >= limits_.domains) return Err(ENOSPC);
    domains_.introduce(domid);
    announce_introduction(domid);
    return ok();
}

void Server::announce_introduction(DomId domid) {
    notices_.introduced.push_back(domid);
    if (!is_privileged(domid)) fire_now("@introduceDomain", nullptr, true, nullptr);
}

Result<void> Server::release(DomId domid) {
    if (is_privileged(domid)) return Err(EINVAL);
    if (!domains_.introduced(domid)) return Err(ENOENT);
    for (auto& [id, conn] : connections_) {
        if (conn.domid() == domid && !conn.closing()) close(conn, "its domain was released");
    }
    // xenstored (4.17) removes what the domain owned rather than leave orphans behind.
    // Path order puts a node before everything below it.
    std::vector<std::string> owned;
    store_.for_each([&](const std::string& path, const Node& node) {
        if (path != "/" && node.perms.owner() == domid) owned.push_back(path);
    });
    Context ctx = toolstack_context();
    for (const auto& path : owned) {
        if (store_.find(path) == nullptr) continue;  // went with an ancestor
        if (!remove_node(ctx, path))
            log("xenstore: cannot remove " + path + " of a released domain");
    }
    // A later domain reusing the id must not inherit any access granted to this one.
    store_.for_each_permissions(
        [&](const std::string&, Permissions& p) { p.forget_domain(domid); });
    domains_.release(domid);
    fire_now("@releaseDomain", nullptr, true, nullptr);
    notices_.released.push_back(domid);
    return ok();
}

// ---------------------------------------------------------------- connections

Result<ConnectionId> Server::connect(DomId domid) {
    if (!domains_.introduced(domid)) return Err(ENOENT);
    ConnectionId id = next_connection_id_++;
    connections_.emplace(id, Connection(id, domid, limits_.output_bytes));
    return id;
}

void Server::disconnect(ConnectionId id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    forget_watches(it->second);
    connections_.erase(it);
}

Connection* Server::connection(ConnectionId id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : &it->second;
}

void Server::receive(ConnectionId id, std::string_view bytes) {
    Connection* conn = connection(id);
    if (conn == nullptr || conn->closing()) return;
    conn->append_input(bytes);
    process(*conn);
}

void Server::resume(ConnectionId id) {
    Connection* conn = connection(id);
    if (conn != nullptr) process(*conn);
}

bool Server::accepts_requests(ConnectionId id) const {
    auto it = connections_.find(id);
    return it != connections_.end() && accepts(it->second);
}

bool Server::accepts(const Connection& conn) const {
    return !conn.closing() && conn.output().replies() < limits_.outstanding_replies &&
           conn.output().bytes() < limits_.output_bytes;
}

Server::Notices Server::take_notices() {
    for (ConnectionId id : notices_.output) {
        if (Connection* conn = connection(id)) conn->output_noted = false;
    }
    return std::exchange(notices_, Notices{});
}

void Server::process(Connection& conn) {
    while (accepts(conn)) {
        auto frame = parse_frame(conn.pending_input());
        if (!frame) {
            // The stream cannot be resynchronised after a bogus length: xenstored drops
            // the client, and so do we.
            close(conn, "sent a payload longer than XENSTORE_PAYLOAD_MAX");
            return;
        }
        if (!*frame) return;
        const Frame f = **frame;
        handle(conn, f);
        conn.consume_input(f.size());
    }
}

void Server::close(Connection& conn, std::string_view why) {
    log("xenstore: dom" + std::to_string(conn.domid()) + " connection " +
        std::to_string(conn.id()) + " closed: " + std::string(why));
    forget_watches(conn);
    conn.drop_transactions();
    conn.consume_input(conn.pending_input().size());
    conn.set_closing();
    notices_.closing.push_back(conn.id());
}

void Server::forget_watches(Connection& conn) {
    if (Domain* d = domains_.find(conn.domid())) {
        d->watches -= static_cast<int>(conn.watches().size());
        if (d->watches < 0) d->watches = 0;
    }
    conn.watches().clear();
}

void Server::note_output(Connection& conn) {
    if (conn.output_noted) return;
    conn.output_noted = true;
    notices_.output.push_back(conn.id());
}

// ---------------------------------------------------------------- dispatch

Requester Server::requester(const Connection& conn) const {
    Requester who{conn.domid(), std::nullopt};
    if (const Domain* d = domains_.find(conn.domid())) who.target = d->target;
    return who;
}

Server::Context Server::context(Connection* conn, Transaction* transaction) {
    bool privileged = is_privileged(conn->domid());
    return Context{conn, requester(*conn), privileged,
                   View(store_, transaction, privileged ? 0 : limits_.nodes_per_transaction)};
}

Server::Context Server::toolstack_context() {
    return Context{nullptr, Requester{kPrivilegedDomain, std::nullopt}, true,
                   View(store_, nullptr, 0)};
}

void Server::handle(Connection& conn, const Frame& frame) {
    const Header& h = frame.header;
    if (trace_) {
        log("xenstore: dom" + std::to_string(conn.domid()) + " > " +
            std::string(type_name(h.type)) + " req " + std::to_string(h.req_id) + " tx " +
            std::to_string(h.tx_id) + " len " + std::to_string(h.len));
    }
    // The order of these checks is xenstored's, so a request wrong in several ways gets
    // the same error it would get there.
    auto rules = op_rules(h.type);
    if (!rules) return send_error(conn, h, ENOSYS);
    if (rules->privileged_only && !is_privileged(conn.domid())) return send_error(conn, h, EACCES);
    Transaction* transaction = nullptr;
    if (!rules->ignores_transaction && h.tx_id != 0) {
        transaction = conn.transaction(h.tx_id);
        if (transaction == nullptr) return send_error(conn, h, ENOENT);
    }
    auto request = decode_request(h.type, frame.payload);
    if (!request) return send_error(conn, h, request.errno_value());

    Context ctx = context(&conn, transaction);
    auto reply = std::visit([&](const auto& r) { return execute(ctx, r); }, *request);
    if (!reply) return send_error(conn, h, reply.errno_value());
    send(conn, h, h.type, reply->payload);
    if (reply->event_after)
        queue_event(conn, reply->event_after->first, reply->event_after->second);
}

void Server::send(Connection& conn, const Header& request, std::uint32_t type,
                  std::string_view payload) {
    if (payload.size() > kPayloadMax) return send_error(conn, request, E2BIG);
    conn.output().push_reply(encode(type, request.req_id, request.tx_id, payload));
    note_output(conn);
}

void Server::send_error(Connection& conn, const Header& request, int errnum) {
    if (trace_) {
        log("xenstore: dom" + std::to_string(conn.domid()) + " < ERROR " +
            std::string(error_name(errnum)) + " for " + std::string(type_name(request.type)));
    }
    conn.output().push_reply(
        encode(XS_ERROR, request.req_id, request.tx_id, with_nul(error_name(errnum))));
    note_output(conn);
}

void Server::queue_event(Connection& conn, std::string_view path, std::string_view token) {
    std::string payload;
    payload.reserve(path.size() + token.size() + 2);
    payload.append(path).push_back('\0');
    payload.append(token).push_back('\0');
    if (payload.size() > kPayloadMax) return;  // xenstored never sends these either
    auto outcome =
        conn.output().push_event(encode(XS_WATCH_EVENT, 0, 0, payload), !is_special_path(path));
    if (outcome == OutputQueue::EventOutcome::kOverLimit) {
        if (conn.dropped_events++ == 0) {
            log("xenstore: dom" + std::to_string(conn.domid()) + " connection " +
                std::to_string(conn.id()) +
                " does not read its watch events: dropping them while its queue is full");
        }
        return;
    }
    if (outcome == OutputQueue::EventOutcome::kQueued) note_output(conn);
}

// ---------------------------------------------------------------- node access

Result<const Node*> Server::get_node(Context& ctx, const std::string& path, unsigned need) {
    if (!is_valid_node_path(path, limits_.path_length)) return Err(EINVAL);
    auto node = ctx.view.read(path);
    if (!node) return Err(node.error());
    int err = ENOENT;
    if (*node != nullptr) {
        if ((access_for(ctx.who, (*node)->perms) & need) == need) return *node;
        err = EACCES;
    }
    // Whether a node the client may not see exists is none of its business: what it may
    // do to the nearest existing ancestor decides between ENOENT and EACCES.
    auto above = parent_access(ctx, path);
    if (!above) return Err(above.error());
    return Err((*above & need) != 0 ? err : EACCES);
}

Result<unsigned> Server::parent_access(Context& ctx, std::string_view path) {
    std::string name(path);
    do {
        name = std::string(parent_path(name));
        auto node = ctx.view.read(name);
        if (!node) return Err(node.error());
        if (*node != nullptr) return access_for(ctx.who, (*node)->perms);
    } while (name != "/");
    return static_cast<unsigned>(kAccessNone);
}

Result<void> Server::write_node(Context& ctx, std::string_view path, Node node, bool size_quota) {
    if (size_quota && !ctx.privileged && node.record_size() >= limits_.entry_size) {
        // xenstored cannot undo a half-done change inside a transaction, so it fails it.
        if (Transaction* t = ctx.view.transaction()) t->fail();
        return Err(ENOSPC);
    }
    return ctx.view.write(path, std::move(node));
}

Result<Node> Server::create_node(Context& ctx, const std::string& path, std::string_view value) {
    // missing[0] is the node asked for, then its missing ancestors upwards.
    std::vector<std::string> missing{path};
    Node existing;
    for (;;) {
        std::string up(parent_path(missing.back()));
        auto node = ctx.view.read(up);
        if (!node) return Err(node.error());
        if (*node != nullptr) {
            existing = **node;
            break;
        }
        if (up == "/") return Err(ENOENT);
        missing.push_back(std::move(up));
    }
    std::string existing_path(parent_path(missing.back()));
    existing.children.emplace_back(base_name(missing.back()));

    // Top-down: each new node takes its parent's permissions, and what an unprivileged
    // domain creates, it owns.
    std::vector<Node> fresh(missing.size());
    const Permissions* inherited = &existing.perms;
    for (std::size_t i = missing.size(); i-- > 0;) {
        fresh[i].perms = *inherited;
        if (!ctx.privileged) fresh[i].perms.set_owner(ctx.who.domid);
        if (i > 0) fresh[i].children.emplace_back(base_name(missing[i - 1]));
        inherited = &fresh[i].perms;
    }
    fresh[0].value = std::string(value);

    if (!ctx.privileged) {
        // Outside a transaction every new node counts at once; inside, xenstored compares
        // the domain's committed count only, and checks the total again at commit.
        int owned = store_.nodes_owned_by(ctx.who.domid);
        int adding = ctx.view.transaction() != nullptr ? 1 : static_cast<int>(fresh.size());
        if (owned + adding > limits_.nodes_per_domain) return Err(ENOSPC);
        bool too_big = existing.record_size() >= limits_.entry_size;
        for (const auto& n : fresh)
            too_big = too_big || n.record_size() >= limits_.entry_size;
        if (too_big) {
            if (Transaction* t = ctx.view.transaction()) t->fail();
            return Err(ENOSPC);
        }
    }

    for (std::size_t i = 0; i < fresh.size(); ++i) {
        auto written = ctx.view.write(missing[i], fresh[i]);
        if (!written) return Err(written.error());
    }
    auto written = ctx.view.write(existing_path, std::move(existing));
    if (!written) return Err(written.error());
    if (Transaction* t = ctx.view.transaction()) t->note_node_created();
    return std::move(fresh[0]);
}

Result<void> Server::remove_node(Context& ctx, const std::string& path) {
    std::string parent_name(parent_path(path));
    auto parent = ctx.view.read(parent_name);
    if (!parent) return Err(parent.error());
    if (*parent == nullptr) {
        // Inside a transaction the parent can look absent only because the transaction read
        // it before another client created it (with this node): such a transaction can never
        // commit, so say so now with the EAGAIN its commit would give, and the client retries.
        if (Transaction* t = ctx.view.transaction(); t && !t->check_conflicts(store_)) {
            return Err(EAGAIN);
        }
        return Err(EINVAL);
    }
    Node parent_copy = **parent;

    // Post-order, children in directory order, as xenstored walks: each node's watches
    // fire just before it goes, while its permissions can still be checked. Nodes below the
    // removed one fire only watches set exactly on them.
    struct Pending {
        std::string path;
        Node node;
        std::size_t next_child = 0;
    };
    auto root = ctx.view.read(path);
    if (!root) return Err(root.error());
    if (*root == nullptr) return Err(ENOENT);
    std::vector<Pending> stack;
    stack.push_back({path, **root, 0});
    while (!stack.empty()) {
        Pending& top = stack.back();
        if (top.next_child < top.node.children.size()) {
            std::string child = child_path(top.path, top.node.children[top.next_child++]);
            auto node = ctx.view.read(child);
            if (!node) return Err(node.error());
            if (*node != nullptr) stack.push_back({std::move(child), **node, 0});
            continue;
        }
        fire_watches(ctx, top.path, &top.node, top.path != path, nullptr);
        auto erased = ctx.view.erase(top.path);
        if (!erased) return Err(erased.error());
        stack.pop_back();
    }

    auto& siblings = parent_copy.children;
    auto name = base_name(path);
    siblings.erase(std::remove(siblings.begin(), siblings.end(), name), siblings.end());
    return write_node(ctx, parent_name, std::move(parent_copy), false);
}

// ---------------------------------------------------------------- watches

void Server::fire_watches(Context& ctx, std::string_view path, const Node* node, bool exact,
                          const Permissions* old_perms) {
    // Inside a transaction, nobody hears of a change before it is committed.
    if (ctx.view.transaction() != nullptr) {
        ctx.view.queue_watch(path, exact);
        return;
    }
    fire_now(path, node, exact, old_perms);
}

void Server::fire_now(std::string_view path, const Node* node, bool exact,
                      const Permissions* old_perms) {
    bool special = is_special_path(path);
    const Permissions* special_perms = special ? domains_.special_permissions(path) : nullptr;
    for (auto& [id, conn] : connections_) {
        if (conn.closing() || conn.watches().empty()) continue;
        Requester who = requester(conn);
        if (special) {
            if (special_perms == nullptr || (access_for(who, *special_perms) & kAccessRead) == 0) {
                continue;
            }
        } else if (!may_see_change(who, path, node, old_perms)) {
            continue;
        }
        for (const auto& w : conn.watches().all()) {
            if (fires(w, path, exact)) queue_event(conn, event_path(w, path, conn.home()), w.token);
        }
    }
}

bool Server::may_see_change(const Requester& who, std::string_view path, const Node* node,
                            const Permissions* old_perms) const {
    // The node or its parent must be readable to the watcher, now or (for a change of
    // permissions) before the change.
    if (old_perms != nullptr && (access_for(who, *old_perms) & kAccessRead) != 0) return true;
    if (node == nullptr) node = store_.find(path);
    if (node == nullptr) return false;
    if ((access_for(who, node->perms) & kAccessRead) != 0) return true;
    const Node* parent = store_.find(parent_path(path));
    return parent != nullptr && (access_for(who, parent->perms) & kAccessRead) != 0;
}

// ---------------------------------------------------------------- operations

Result<Server::Reply> Server::execute(Context& ctx, const request::Control& r) {
    // xenstore-control's commands (live update, quota reports, logging) have no meaning
    // here; xenstored answers commands it does not know with EINVAL.
    log("xenstore: dom" + std::to_string(ctx.who.domid) + ": CONTROL " + std::string(r.args[0]) +
        " is not supported");
    return Err(EINVAL);
}

Result<Server::Reply> Server::execute(Context& ctx, const request::Directory& r) {
    auto node = get_node(ctx, canonical_path(r.path, ctx.who.domid), kAccessRead);
    if (!node) return Err(node.error());
    return Reply{(*node)->child_list(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::DirectoryPart& r) {
    // For directories too long for one reply: the node's generation (so the client can
    // tell the list changed between parts), then as many whole names from `offset` as fit,
    // then an empty string once the list is complete.
    auto node = get_node(ctx, canonical_path(r.path, ctx.who.domid), kAccessRead);
    if (!node) return Err(node.error());
    std::string children = (*node)->child_list();
    std::string out = with_nul(std::to_string((*node)->generation));
    if (r.offset >= children.size()) {
        out += '\0';
        return Reply{std::move(out), std::nullopt};
    }
    std::size_t max_len = kPayloadMax - out.size() - 1;
    std::size_t off = r.offset;
    std::size_t len = 0;
    for (;;) {
        std::size_t name_len = children.find('\0', off + len) - (off + len);
        if (len + name_len >= max_len) break;
        len += name_len + 1;
        if (off + len == children.size()) break;
    }
    out.append(children, off, len);
    if (off + len == children.size()) out += '\0';
    return Reply{std::move(out), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::Read& r) {
    auto node = get_node(ctx, canonical_path(r.path, ctx.who.domid), kAccessRead);
    if (!node) return Err(node.error());
    return Reply{(*node)->value, std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::GetPerms& r) {
    auto node = get_node(ctx, canonical_path(r.path, ctx.who.domid), kAccessRead);
    if (!node) return Err(node.error());
    return Reply{format_permissions((*node)->perms), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::Watch& r) {
    Connection& conn = *ctx.conn;
    Watch watch{std::string(r.path), std::string(r.token), false};
    if (is_special_path(watch.path)) {
        if (watch.path.size() > kRelPathMax) return Err(EINVAL);
    } else {
        watch.relative = watch.path.empty() || watch.path[0] != '/';
        watch.path = canonical_path(watch.path, conn.domid());
        if (!is_valid_node_path(watch.path, limits_.path_length)) return Err(EINVAL);
    }
    for (const auto& w : conn.watches().all()) {
        if (w.path == watch.path && w.token == watch.token) return Err(EEXIST);
    }
    Domain* domain = domains_.find(conn.domid());
    if (!ctx.privileged && domain != nullptr && domain->watches > limits_.watches_per_domain) {
        return Err(E2BIG);
    }
    // Every watch fires once at once: clients rely on it to read the initial state.
    std::pair<std::string, std::string> first{
        std::string(event_path(watch, watch.path, conn.home())), watch.token};
    auto added = conn.watches().add(std::move(watch));
    if (!added) return Err(added.error());
    if (domain != nullptr) ++domain->watches;
    return Reply{ack(), std::move(first)};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::Unwatch& r) {
    Connection& conn = *ctx.conn;
    if (!conn.watches().remove(canonical_path(r.path, conn.domid()), r.token)) return Err(ENOENT);
    if (Domain* domain = domains_.find(conn.domid()); domain != nullptr && domain->watches > 0) {
        --domain->watches;
    }
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::TransactionStart&) {
    Connection& conn = *ctx.conn;
    if (ctx.view.transaction() != nullptr) return Err(EBUSY);  // no nesting
    // xenstored compares with '>' and so allows one more than the quota.
    if (!ctx.privileged &&
        conn.transaction_count() > static_cast<std::size_t>(limits_.transactions_per_connection)) {
        return Err(ENOSPC);
    }
    Transaction& t = conn.start_transaction(store_.next_generation());
    return Reply{with_nul(std::to_string(t.id())), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::TransactionEnd& r) {
    Connection& conn = *ctx.conn;
    if (ctx.view.transaction() == nullptr) return Err(ENOENT);
    std::optional<Transaction> taken = conn.take_transaction(ctx.view.transaction()->id());
    if (!taken || !r.commit) return Reply{ack(), std::nullopt};
    Transaction& t = *taken;
    // xenstored's answer for a transaction an earlier error left half-done.
    if (t.failed()) return Err(ENOMEM);
    if (t.node_created() && !ctx.privileged) {
        for (const auto& [domid, change] : t.owner_changes(store_)) {
            if (is_privileged(domid)) continue;
            int count = std::max(0, store_.nodes_owned_by(domid) + change);
            if (count >= limits_.nodes_per_domain) return Err(ENOSPC);
        }
    }
    auto conflict = t.check_conflicts(store_);
    if (!conflict) return Err(conflict.error());
    for (const auto& change : t.apply(store_)) {
        fire_now(change.path, nullptr, change.exact,
                 change.original_perms ? &*change.original_perms : nullptr);
    }
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context&, const request::Introduce& r) {
    auto introduced = introduce(r.domid);
    if (!introduced) return Err(introduced.error());
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context&, const request::Release& r) {
    auto released = release(r.domid);
    if (!released) return Err(released.error());
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context&, const request::Resume& r) {
    if (is_privileged(r.domid)) return Err(EINVAL);
    if (!domains_.introduced(r.domid)) return Err(ENOENT);
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context&, const request::GetDomainPath& r) {
    return Reply{with_nul(domain_path(r.domid)), std::nullopt};
}

Result<Server::Reply> Server::execute(Context&, const request::IsDomainIntroduced& r) {
    bool introduced = r.domid == kDomidSelf || domains_.introduced(r.domid);
    return Reply{with_nul(introduced ? "T" : "F"), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::Write& r) {
    std::string name = canonical_path(r.path, ctx.who.domid);
    auto found = get_node(ctx, name, kAccessWrite);
    Node node;
    if (found) {
        node = **found;
        node.value = std::string(r.value);
        auto written = write_node(ctx, name, node, true);
        if (!written) return Err(written.error());
    } else {
        if (found.errno_value() != ENOENT) return Err(found.error());
        auto created = create_node(ctx, name, r.value);
        if (!created) return Err(created.error());
        node = std::move(*created);
    }
    fire_watches(ctx, name, &node, false, nullptr);
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::Mkdir& r) {
    std::string name = canonical_path(r.path, ctx.who.domid);
    auto found = get_node(ctx, name, kAccessWrite);
    if (!found) {
        if (found.errno_value() != ENOENT) return Err(found.error());
        auto created = create_node(ctx, name, {});
        if (!created) return Err(created.error());
        fire_watches(ctx, name, &*created, false, nullptr);
    }
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::Rm& r) {
    std::string name = canonical_path(r.path, ctx.who.domid);
    auto found = get_node(ctx, name, kAccessWrite);
    if (!found) {
        if (found.errno_value() != ENOENT) return Err(found.error());
        // Removing what is not there is fine, as long as its parent is.
        auto parent = ctx.view.read(parent_path(name));
        if (!parent) return Err(parent.error());
        if (*parent != nullptr) return Reply{ack(), std::nullopt};
        return Err(ENOENT);
    }
    if (name == "/") return Err(EINVAL);
    auto removed = remove_node(ctx, name);
    if (!removed) return Err(removed.error());
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::SetPerms& r) {
    std::vector<Permission> entries = r.perms;
    if (!ctx.privileged && entries.size() > limits_.permissions_per_node) return Err(ENOSPC);
    // Entries naming a domain that does not exist grant nothing, ever; an owner that does
    // not exist is refused.
    for (auto& e : entries)
        e.ignored = !domains_.introduced(e.domid);
    if (entries[0].ignored) return Err(ENOENT);
    Permissions perms(std::move(entries));

    if (is_special_path(r.path)) {
        Permissions* special = domains_.special_permissions(r.path);
        if (special == nullptr) return Err(EINVAL);
        constexpr unsigned kNeed = kAccessWrite | kAccessOwner;
        if ((access_for(ctx.who, *special) & kNeed) != kNeed) return Err(EACCES);
        *special = std::move(perms);
        return Reply{ack(), std::nullopt};
    }

    std::string name = canonical_path(r.path, ctx.who.domid);
    auto found = get_node(ctx, name, kAccessWrite | kAccessOwner);
    if (!found) return Err(found.error());
    Node node = **found;
    if (!ctx.privileged && perms.owner() != node.perms.owner()) return Err(EPERM);
    Permissions old = std::exchange(node.perms, std::move(perms));
    auto written = write_node(ctx, name, node, true);
    if (!written) return Err(written.error());
    fire_watches(ctx, name, &node, false, &old);
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context&, const request::SetTarget& r) {
    Domain* domain = domains_.find(r.domid);
    if (domain == nullptr || !domains_.introduced(r.target)) return Err(ENOENT);
    domain->target = r.target;
    return Reply{ack(), std::nullopt};
}

Result<Server::Reply> Server::execute(Context& ctx, const request::ResetWatches&) {
    forget_watches(*ctx.conn);
    ctx.conn->drop_transactions();
    return Reply{ack(), std::nullopt};
}

}  // namespace xensnd::loopback::xenstore
