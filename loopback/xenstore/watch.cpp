#include "loopback/xenstore/watch.hpp"

#include <cerrno>

#include "loopback/xenstore/path.hpp"

namespace xensnd::loopback::xenstore {

bool fires(const Watch& watch, std::string_view changed, bool exact) {
    if (exact) return changed == watch.path;
    if (is_special_path(changed) || is_special_path(watch.path)) return changed == watch.path;
    return is_at_or_below(changed, watch.path);
}

std::string_view event_path(const Watch& watch, std::string_view changed, std::string_view home) {
    if (!watch.relative || changed.substr(0, home.size()) != home) return changed;
    changed.remove_prefix(home.size());
    if (!changed.empty() && changed[0] == '/') changed.remove_prefix(1);
    return changed;
}

Result<void> WatchList::add(Watch watch) {
    for (const auto& w : watches_) {
        if (w.path == watch.path && w.token == watch.token) return Err(EEXIST);
    }
    watches_.push_back(std::move(watch));
    return ok();
}

bool WatchList::remove(std::string_view path, std::string_view token) {
    for (auto it = watches_.begin(); it != watches_.end(); ++it) {
        if (it->path == path && it->token == token) {
            watches_.erase(it);
            return true;
        }
    }
    return false;
}

}  // namespace xensnd::loopback::xenstore
