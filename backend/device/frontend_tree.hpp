// Reading a frontend's vsnd directory from XenStore into the StoreTree that core/config parses.
// The guest writes that directory, so the walk is bounded: it descends only where Linux looks
// (the card level, PCM directories "P", stream directories "P/S", canonical decimal names) and
// reads at most kMaxFrontendNodes values, however many nodes the guest made.
#pragma once

#include <cstddef>
#include <string>

#include "core/config/vsnd_tree.hpp"
#include "core/platform/store.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::backend::device {

// Enough for the largest device core/config accepts (256 streams of about a dozen nodes each,
// 64 PCM directories) with room to spare.
inline constexpr std::size_t kMaxFrontendNodes = 4096;

// "0", "1", ... as Linux looks children up; "01", "x" and "" are not.
bool is_canonical_index(std::string_view name);

// The device directory `dir` (absolute) as relative path -> value. ENOENT when `dir` does not
// exist; E2BIG past kMaxFrontendNodes; the Store's errors otherwise (a node that vanishes while
// it is read is skipped). `store` must outlive the await.
coro::Task<Result<config::StoreTree>> read_frontend_tree(platform::Store& store, std::string dir);

}  // namespace xensnd::backend::device
