// Store: an async XenStore client on the reactor, over libxenstore. The same code serves the
// Xen platform (/dev/xen/xenbus or xenstored's socket) and the loopback platform (libxenstore
// pointed at the loopback daemon with XENSTORED_PATH).
//
// libxenstore's calls block for a round trip to xenstored, so they run on one worker thread
// per Store, in the order they were made, and resume the awaiting task through the reactor's
// Handle: the reactor never waits on XenStore. Watches arrive on libxenstore's watch fd
// (xs_fileno), which one dispatcher task per Store polls on the reactor and routes by token.
//
// Cancellation: a request that has not reached the worker yet is dropped with ECANCELED; one
// that is under way completes first (XenStore has no cancel), then the task sees the result.
//
// Lifetime: a Store is made, used and destroyed on its reactor's thread, and destroyed before
// the reactor. Destroying it completes every queued request with ECANCELED, waits for the
// one under way (one round trip), wakes every Watch::next() with ECANCELED, and closes the
// connection. Tasks and Watches may outlive it: they then fail with ECANCELED.
//
// Errors are errnos as xenstored reports them (ENOENT, EACCES, EAGAIN, E2BIG, ...). ENOTCONN:
// libxenstore lost the connection (the daemon went away); the Store is useless from then on,
// and its watches fail with ENOTCONN once a request has noticed (libxenstore gives the watch
// fd no signal of it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/platform/domain.hpp"
#include "coro/reactor.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::platform {

// A XenStore transaction id; kNoTransaction for a plain request.
using TransactionId = std::uint32_t;
inline constexpr TransactionId kNoTransaction = 0;

// One entry of a node's permission list. The first entry names the owner and the access of
// every domain not listed; the owner (and dom0) always has full access.
struct Permission {
    enum class Access : std::uint8_t { None, Read, Write, Both };
    DomId domid = 0;
    Access access = Access::None;
    bool operator==(const Permission&) const = default;
};

class Store;

// A registered watch: fires once right after registration (as xenstored does) and then on
// every change at or below its path. Unregisters when destroyed. Reactor thread only.
class Watch {
  public:
    Watch(Watch&&) noexcept;
    Watch& operator=(Watch&&) noexcept;
    ~Watch();
    // The path that changed (absolute), waiting if nothing changed since the last call.
    // Several changes coalesce into one only if they name the same path. If a peer changes
    // more distinct paths than are worth queueing (kMaxQueuedPaths) before they are read, the
    // queue collapses into one event naming the watch's own path: "look at everything".
    // Cancellation-safe: a path is only taken by a call that returns it.
    // ECANCELED once the Watch or its Store is destroyed; ENOTCONN when the connection is lost.
    coro::Task<Result<std::string>> next();
    const std::string& path() const;

    static constexpr std::size_t kMaxQueuedPaths = 1024;

    struct State;

  private:
    friend class Store;
    explicit Watch(std::shared_ptr<State> s);
    std::shared_ptr<State> st_;
};

class Store {
  public:
    // Connects with xs_open(0): XENSTORED_PATH chooses the daemon's socket. On failure `why`
    // names where it tried to connect. Call on the reactor's thread (or before it first runs).
    static Result<std::unique_ptr<Store>> open(coro::Reactor& reactor, std::string* why = nullptr);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Paths are absolute, or relative to this domain's home (/local/domain/<id>), as
    // xenstored resolves them. A path containing '\0' is EINVAL.
    coro::Task<Result<std::string>> read(std::string path, TransactionId t = kNoTransaction);
    coro::Task<Result<void>> write(std::string path, std::string value,
                                   TransactionId t = kNoTransaction);
    coro::Task<Result<void>> mkdir(std::string path, TransactionId t = kNoTransaction);
    // Removes a node and everything below it. Removing a missing node is ok.
    coro::Task<Result<void>> rm(std::string path, TransactionId t = kNoTransaction);
    coro::Task<Result<std::vector<std::string>>> directory(std::string path,
                                                           TransactionId t = kNoTransaction);
    coro::Task<Result<std::vector<Permission>>> get_permissions(std::string path,
                                                                TransactionId t = kNoTransaction);
    // EINVAL for an empty list (the first entry, the owner, is mandatory).
    coro::Task<Result<void>> set_permissions(std::string path, std::vector<Permission> perms,
                                             TransactionId t = kNoTransaction);
    coro::Task<Result<TransactionId>> transaction_start();
    // Commits (or aborts) a transaction; EAGAIN when it conflicted with another change and
    // must be retried from the start.
    coro::Task<Result<void>> transaction_end(TransactionId t, bool commit = true);
    // "/local/domain/<domid>".
    coro::Task<Result<std::string>> domain_path(DomId domid);
    // This domain's id: the "domid" node of its own home (libxl writes it for guests,
    // xen-init-dom0 for dom0; the loopback daemon for each domain). Without that node, a
    // connection that may read /tool (only the privileged domain may) is dom0 (older Xen
    // never wrote dom0's); any other is ENOENT. EPROTO if the node holds no domain id.
    coro::Task<Result<DomId>> self_domid();

    // Registers a watch on path: absolute, or a special "@..." path (@introduceDomain,
    // @releaseDomain); EINVAL otherwise.
    coro::Task<Result<Watch>> watch(std::string path);

    struct Impl;

  private:
    explicit Store(std::shared_ptr<Impl> impl);
    // Shared with the tasks it handed out, so that a task outliving the Store fails cleanly.
    std::shared_ptr<Impl> impl_;
};

}  // namespace xensnd::platform
