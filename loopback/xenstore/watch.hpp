// Watches: a client's registrations (path, token) and which changes fire them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "coro/result.hpp"

namespace xensnd::loopback::xenstore {

struct Watch {
    std::string path;   // absolute, or special ("@introduceDomain")
    std::string token;  // opaque to the server, echoed in every event
    // Registered with a relative path: events name the changed node relative to the
    // watcher's home, as the watcher wrote it.
    bool relative = false;
};

// Whether a change at `changed` fires `watch`: the watched node or anything below it, or
// (exact, for nodes removed below a removed node) the watched node only.
bool fires(const Watch& watch, std::string_view changed, bool exact);

// The path the event carries to the watcher. `home` is the watcher's /local/domain/<id>.
std::string_view event_path(const Watch& watch, std::string_view changed, std::string_view home);

class WatchList {
  public:
    // EEXIST for a second registration of the same path and token.
    Result<void> add(Watch watch);
    // Whether there was one to remove.
    bool remove(std::string_view path, std::string_view token);
    void clear() { watches_.clear(); }

    std::size_t size() const { return watches_.size(); }
    bool empty() const { return watches_.empty(); }
    const std::vector<Watch>& all() const { return watches_; }

  private:
    std::vector<Watch> watches_;  // registration order, which is the order events go out in
};

}  // namespace xensnd::loopback::xenstore
