// Reading a XenStore directory into a config::StoreTree (relative path -> value), for
// parse_vsnd_tree(). The directory is guest-owned but the toolstack and a backend may write
// beside it, so the walk is bounded in depth and in nodes.
#pragma once

#include <string>

#include "core/config/vsnd_tree.hpp"
#include "core/platform/store.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::frontend {

inline constexpr unsigned kMaxTreeDepth = 3;  // card / pcm / stream
inline constexpr std::size_t kMaxTreeNodes = 4096;

// E2BIG when the directory holds more than kMaxTreeNodes nodes; the Store's errors otherwise.
// `store` must outlive the await.
coro::Task<Result<config::StoreTree>> read_store_tree(platform::Store& store, std::string dir);

}  // namespace xensnd::frontend
