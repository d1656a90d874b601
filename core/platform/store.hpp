// Store: an async XenStore client on the reactor, over libxenstore. The same code serves the
// Xen platform (/dev/xen/xenbus or xenstored's socket) and the loopback platform (libxenstore
// pointed at the loopback daemon with XENSTORED_PATH).
//
// libxenstore's calls block for a round trip to xenstored, so they run on one worker thread
// per Store and resume the awaiting task through the reactor's Handle: the reactor never
// waits on XenStore. Watches arrive on libxenstore's watch fd (xs_fileno) and are delivered
// as awaitable streams.
//
// Cancellation: a request that has not reached the worker yet is dropped with ECANCELED; one
// that is under way completes first (XenStore has no cancel), then the task sees the result.
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
// every change at or below its path. Unregisters when destroyed.
class Watch {
  public:
    Watch(Watch&&) noexcept;
    Watch& operator=(Watch&&) noexcept;
    ~Watch();
    // The path that changed (absolute), waiting if nothing changed since the last call.
    // Several changes may coalesce into one wake-up only if they name the same path.
    coro::Task<Result<std::string>> next();
    const std::string& path() const;

  private:
    friend class Store;
    struct State;
    explicit Watch(std::shared_ptr<State> s);
    std::shared_ptr<State> st_;
};

class Store {
  public:
    // Connects with xs_open(0): XENSTORED_PATH chooses the daemon's socket.
    static Result<std::unique_ptr<Store>> open(coro::Reactor& reactor);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    coro::Task<Result<std::string>> read(std::string path, TransactionId t = kNoTransaction);
    coro::Task<Result<void>> write(std::string path, std::string value,
                                   TransactionId t = kNoTransaction);
    coro::Task<Result<void>> mkdir(std::string path, TransactionId t = kNoTransaction);
    // Removes a node and everything below it. Removing a missing node is ok (as xs_rm).
    coro::Task<Result<void>> rm(std::string path, TransactionId t = kNoTransaction);
    coro::Task<Result<std::vector<std::string>>> directory(std::string path,
                                                           TransactionId t = kNoTransaction);
    coro::Task<Result<std::vector<Permission>>> get_permissions(std::string path,
                                                                TransactionId t = kNoTransaction);
    coro::Task<Result<void>> set_permissions(std::string path, std::vector<Permission> perms,
                                             TransactionId t = kNoTransaction);
    coro::Task<Result<TransactionId>> transaction_start();
    // Commits (or aborts) a transaction; EAGAIN when it conflicted with another change and
    // must be retried from the start.
    coro::Task<Result<void>> transaction_end(TransactionId t, bool commit = true);
    // "/local/domain/<domid>".
    coro::Task<Result<std::string>> domain_path(DomId domid);
    // This domain's id, read from the "domid" node of its own domain path.
    coro::Task<Result<DomId>> self_domid();

    // Registers a watch on path (absolute). Reactor thread.
    coro::Task<Result<Watch>> watch(std::string path);

    struct Impl;

  private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace xensnd::platform
