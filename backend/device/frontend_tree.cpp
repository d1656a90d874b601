#include "backend/device/frontend_tree.hpp"

#include <deque>
#include <utility>

namespace xensnd::backend::device {

bool is_canonical_index(std::string_view name) {
    if (name.empty() || name.size() > 9) return false;
    for (char c : name)
        if (c < '0' || c > '9') return false;
    return name.size() == 1 || name[0] != '0';
}

coro::Task<Result<config::StoreTree>> read_frontend_tree(platform::Store& store, std::string dir) {
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    struct Level {
        std::string rel;  // "" (card), "P", "P/S"
        int depth;
    };
    config::StoreTree tree;
    std::size_t budget = kMaxFrontendNodes;
    std::deque<Level> pending{{"", 0}};
    while (!pending.empty()) {
        Level level = std::move(pending.front());
        pending.pop_front();
        std::string path = level.rel.empty() ? dir : dir + "/" + level.rel;
        auto listing = store.directory(path);
        Result<std::vector<std::string>> children = co_await std::move(listing);
        if (!children) {
            // A PCM or stream directory removed while we walk is simply not there.
            if (children.errno_value() == ENOENT && level.depth > 0) continue;
            co_return Err(children.error());
        }
        for (std::string& name : *children) {
            if (budget == 0) co_return Err(E2BIG);
            --budget;
            std::string rel = level.rel.empty() ? name : level.rel + "/" + name;
            auto reading = store.read(dir + "/" + rel);
            Result<std::string> value = co_await std::move(reading);
            if (!value) {
                if (value.errno_value() == ENOENT) continue;
                co_return Err(value.error());
            }
            tree.insert_or_assign(rel, std::move(*value));
            if (level.depth < 2 && is_canonical_index(name))
                pending.push_back({std::move(rel), level.depth + 1});
        }
    }
    co_return tree;
}

}  // namespace xensnd::backend::device
