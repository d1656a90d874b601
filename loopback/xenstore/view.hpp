// The store as one request sees it: the global tree, or a transaction's copy of the nodes it
// touched over the global tree. Every node access of a request goes through here so that a
// transaction records what it read and keeps what it wrote to itself.
#pragma once

#include <cstddef>
#include <string_view>

#include "coro/result.hpp"
#include "loopback/xenstore/store.hpp"
#include "loopback/xenstore/transaction.hpp"

namespace xensnd::loopback::xenstore {

class View {
  public:
    // `node_limit`: how many nodes the transaction may touch (0: no limit); touching more is
    // ENOSPC and fails the transaction.
    View(Store& store, Transaction* transaction, std::size_t node_limit)
        : store_(store), transaction_(transaction), node_limit_(node_limit) {}

    // The node at `path`, nullptr if there is none. The pointer is valid until the next
    // write or erase through any view.
    Result<const Node*> read(std::string_view path);
    // Creates or replaces the node (its generation is set here).
    Result<void> write(std::string_view path, Node node);
    Result<void> erase(std::string_view path);

    // Inside a transaction, watch events wait for the commit: this records one for `path`
    // (an inexact event replaces an exact one, not the other way round).
    void queue_watch(std::string_view path, bool exact);

    Transaction* transaction() const { return transaction_; }
    Store& store() const { return store_; }

  private:
    Result<Transaction::Entry*> entry(std::string_view path, bool for_read);

    Store& store_;
    Transaction* transaction_;
    std::size_t node_limit_;
};

}  // namespace xensnd::loopback::xenstore
