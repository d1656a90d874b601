#include "loopback/xenstore/store.hpp"

namespace xensnd::loopback::xenstore {

std::string Node::child_list() const {
    std::string out;
    for (const auto& c : children) {
        out += c;
        out += '\0';
    }
    return out;
}

std::size_t Node::record_size() const {
    // xenstored's record: 64-bit generation, three 32-bit counts (padded to 24 bytes), then
    // 8 bytes per permission, the value and the NUL-separated child names.
    constexpr std::size_t kRecordHeader = 24;
    constexpr std::size_t kPermissionSize = 8;
    std::size_t size = kRecordHeader + kPermissionSize * perms.entries().size() + value.size();
    for (const auto& c : children)
        size += c.size() + 1;
    return size;
}

Store::Store() {
    Node root;
    root.generation = next_generation();
    put("/", std::move(root));
}

const Node* Store::find(std::string_view path) const {
    auto it = nodes_.find(path);
    return it == nodes_.end() ? nullptr : &it->second;
}

void Store::put(std::string_view path, Node node) {
    ++owned_[node.perms.owner()];
    auto it = nodes_.find(path);
    if (it == nodes_.end()) {
        nodes_.emplace(std::string(path), std::move(node));
        return;
    }
    --owned_[it->second.perms.owner()];
    it->second = std::move(node);
}

void Store::erase(std::string_view path) {
    auto it = nodes_.find(path);
    if (it == nodes_.end()) return;
    --owned_[it->second.perms.owner()];
    nodes_.erase(it);
}

int Store::nodes_owned_by(DomId domid) const {
    auto it = owned_.find(domid);
    return it == owned_.end() ? 0 : it->second;
}

}  // namespace xensnd::loopback::xenstore
