#include "loopback/xenstore/view.hpp"

#include <cerrno>

namespace xensnd::loopback::xenstore {

Result<Transaction::Entry*> View::entry(std::string_view path, bool for_read) {
    if (auto* e = transaction_->find(path)) return e;
    if (node_limit_ != 0 && transaction_->size() >= node_limit_) {
        transaction_->fail();
        return Err(ENOSPC);
    }
    Transaction::Entry e;
    e.path = std::string(path);
    if (const Node* global = store_.find(path)) {
        e.original_perms = global->perms;
        if (for_read) {
            e.node = *global;
            e.read_generation = global->generation;
        }
    }
    // A first access that writes does not depend on what was there, so only reads are checked.
    e.check_generation = for_read;
    return &transaction_->add(std::move(e));
}

Result<const Node*> View::read(std::string_view path) {
    if (!transaction_) return store_.find(path);
    auto e = entry(path, true);
    if (!e) return Err(e.error());
    return (*e)->node ? &*(*e)->node : nullptr;
}

Result<void> View::write(std::string_view path, Node node) {
    node.generation = store_.next_generation();
    if (!transaction_) {
        store_.put(path, std::move(node));
        return ok();
    }
    auto e = entry(path, false);
    if (!e) return Err(e.error());
    (*e)->node = std::move(node);
    (*e)->modified = true;
    return ok();
}

Result<void> View::erase(std::string_view path) {
    if (!transaction_) {
        store_.erase(path);
        return ok();
    }
    auto e = entry(path, false);
    if (!e) return Err(e.error());
    (*e)->node.reset();
    (*e)->modified = true;
    return ok();
}

void View::queue_watch(std::string_view path, bool exact) {
    if (!transaction_) return;
    auto* e = transaction_->find(path);
    if (!e) {
        // Every change goes through entry() first; a change without one is a server bug,
        // and the transaction cannot be trusted to fire the right events.
        transaction_->fail();
        return;
    }
    if (!e->fire_watch) {
        e->fire_watch = true;
        e->watch_exact = exact;
    } else if (!exact) {
        e->watch_exact = false;
    }
}

}  // namespace xensnd::loopback::xenstore
