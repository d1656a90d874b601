#include "loopback/xenstore/transaction.hpp"

#include <cerrno>

namespace xensnd::loopback::xenstore {

Transaction::Entry* Transaction::find(std::string_view path) {
    auto it = index_.find(path);
    return it == index_.end() ? nullptr : &entries_[it->second];
}

Transaction::Entry& Transaction::add(Entry entry) {
    if (index_.count(entry.path) != 0) bug("Transaction::add of a node already touched");
    index_.emplace(entry.path, entries_.size());
    entries_.push_back(std::move(entry));
    return entries_.back();
}

Result<void> Transaction::check_conflicts(const Store& store) const {
    for (const auto& e : entries_) {
        if (!e.check_generation) continue;
        const Node* now = store.find(e.path);
        std::uint64_t generation = now ? now->generation : kNoGeneration;
        if (generation != e.read_generation) return Err(EAGAIN);
    }
    return ok();
}

std::map<DomId, int> Transaction::owner_changes(const Store& store) const {
    std::map<DomId, int> changes;
    for (const auto& e : entries_) {
        if (!e.modified) continue;
        if (const Node* before = store.find(e.path)) --changes[before->perms.owner()];
        if (e.node) ++changes[e.node->perms.owner()];
    }
    return changes;
}

std::vector<Transaction::Change> Transaction::apply(Store& store) {
    std::vector<Change> changes;
    for (auto& e : entries_) {
        if (!e.modified) continue;
        if (e.node) {
            e.node->generation = store.next_generation();
            store.put(e.path, std::move(*e.node));
        } else {
            store.erase(e.path);
        }
        if (e.fire_watch) changes.push_back({e.path, e.watch_exact, e.original_perms});
    }
    entries_.clear();
    index_.clear();
    return changes;
}

}  // namespace xensnd::loopback::xenstore
