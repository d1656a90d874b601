// A transaction: its own copy of every node it touched, the generation each had when first
// read, and the watch events its changes will fire once committed. Commit fails with EAGAIN
// when a node it read has changed meanwhile (xenstored_transaction.c's rule: generations are
// compared, so even rewriting a node with the same value is a conflict).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coro/result.hpp"
#include "loopback/xenstore/store.hpp"

namespace xensnd::loopback::xenstore {

class Transaction {
  public:
    // One node as the transaction sees it.
    struct Entry {
        std::string path;
        std::optional<Node> node;                       // nullopt: absent in the transaction
        std::uint64_t read_generation = kNoGeneration;  // global generation when first read
        bool check_generation = false;                  // first touched by a read
        bool modified = false;
        bool fire_watch = false;
        bool watch_exact = false;
        // Permissions the node had when first touched: a watcher who could read it then
        // hears of the change even if the transaction took that right away.
        std::optional<Permissions> original_perms;
    };

    // A watch event to fire after commit.
    struct Change {
        std::string path;
        bool exact;
        std::optional<Permissions> original_perms;
    };

    Transaction(std::uint32_t id, std::uint64_t generation) : id_(id), generation_(generation) {}

    std::uint32_t id() const { return id_; }
    std::uint64_t generation() const { return generation_; }

    Entry* find(std::string_view path);
    // Records a first access. Precondition: find(path) is nullptr.
    Entry& add(Entry entry);
    std::size_t size() const { return entries_.size(); }

    // A failed transaction cannot commit (an error midway left it half-done).
    void fail() { failed_ = true; }
    bool failed() const { return failed_; }
    void note_node_created() { node_created_ = true; }
    bool node_created() const { return node_created_; }

    // EAGAIN if any node this transaction read has a different generation in `store` now.
    Result<void> check_conflicts(const Store& store) const;
    // How committing would change each domain's count of owned nodes (every owner touched
    // is listed, even when the change is 0).
    std::map<DomId, int> owner_changes(const Store& store) const;
    // Writes every modified node into `store` (each with a fresh generation) and returns the
    // watch events to fire, in the order the nodes were first touched.
    std::vector<Change> apply(Store& store);

  private:
    std::uint32_t id_;
    std::uint64_t generation_;
    std::deque<Entry> entries_;  // first-access order; deque keeps references stable
    std::map<std::string, std::size_t, std::less<>> index_;
    bool failed_ = false;
    bool node_created_ = false;
};

}  // namespace xensnd::loopback::xenstore
