#include "frontend-user/store_tree_reader.hpp"

#include <utility>
#include <vector>

namespace xensnd::frontend {

coro::Task<Result<config::StoreTree>> read_store_tree(platform::Store& store, std::string dir) {
    config::StoreTree tree;
    // Breadth-first: (relative path, depth).
    std::vector<std::pair<std::string, unsigned>> pending{{"", 0}};
    while (!pending.empty()) {
        auto [rel, depth] = std::move(pending.back());
        pending.pop_back();
        std::string path = rel.empty() ? dir : dir + "/" + rel;
        auto children = co_await store.directory(path);
        if (!children) {
            // A node removed while we walk is simply absent.
            if (children.errno_value() == ENOENT) continue;
            co_return Err(children.error());
        }
        for (const std::string& child : *children) {
            if (tree.size() >= kMaxTreeNodes) co_return Err(E2BIG);
            std::string child_rel = rel.empty() ? child : rel + "/" + child;
            std::string child_path = dir + "/" + child_rel;
            auto value = co_await store.read(child_path);
            if (!value) {
                if (value.errno_value() == ENOENT) continue;
                co_return Err(value.error());
            }
            tree.emplace(child_rel, std::move(*value));
            if (depth + 1 < kMaxTreeDepth) pending.emplace_back(std::move(child_rel), depth + 1);
        }
    }
    co_return tree;
}

}  // namespace xensnd::frontend
