// The node tree: every node's value, permissions and children, keyed by absolute path, with
// the generation counts transactions use to detect conflicting writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loopback/xenstore/ids.hpp"
#include "loopback/xenstore/permissions.hpp"

namespace xensnd::loopback::xenstore {

// The generation a missing node has: a transaction that saw a node missing conflicts with
// anyone who creates it meanwhile.
inline constexpr std::uint64_t kNoGeneration = ~std::uint64_t{0};

struct Node {
    std::string value;  // bytes, not necessarily text
    Permissions perms;
    std::vector<std::string> children;  // base names, in creation order (DIRECTORY's order)
    // Set from the store's counter on every modification.
    std::uint64_t generation = 0;

    // The DIRECTORY payload: every child's name, NUL-terminated.
    std::string child_list() const;
    // What xenstored's per-node size quota measures: its record header, permissions, value
    // and child list as its database stores them.
    std::size_t record_size() const;
};

class Store {
  public:
    // A tree with "/" only, owned by the privileged domain, closed to everyone else.
    Store();

    // nullptr if there is no node at `path`. Valid until that node is replaced or erased.
    const Node* find(std::string_view path) const;
    // Creates or replaces the node at `path`. The caller keeps parents' child lists right.
    void put(std::string_view path, Node node);
    void erase(std::string_view path);

    // A fresh, never-used generation: every modification and transaction start takes one.
    std::uint64_t next_generation() { return ++generation_; }

    // How many nodes `domid` owns (the per-domain node quota counts these).
    int nodes_owned_by(DomId domid) const;

    std::size_t size() const { return nodes_.size(); }

    // Every node, in path order; `f(path, node)` must not modify the store.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& [path, node] : nodes_)
            f(path, node);
    }
    // Same, but `f` may change the node's permissions in place (not its owner).
    template <class F>
    void for_each_permissions(F&& f) {
        for (auto& [path, node] : nodes_)
            f(path, node.perms);
    }

  private:
    std::map<std::string, Node, std::less<>> nodes_;
    std::unordered_map<DomId, int> owned_;
    std::uint64_t generation_ = 0;
};

}  // namespace xensnd::loopback::xenstore
