// Memory the daemon hands out: memfd files of whole pages whose size is sealed, so no client
// can shrink pages another process has mapped (which would turn the peer's next access into a
// SIGBUS), and the descriptor copies that go to clients.
#pragma once

#include <cstddef>

#include "core/platform/loopback_fd.hpp"
#include "coro/result.hpp"

namespace xensnd::loopback {

using platform::UniqueFd;

// A zero-filled memfd of `bytes` (a multiple of the page size), sealed against resizing.
Result<UniqueFd> create_memory(const char* name, std::size_t bytes);

// A second descriptor for the same file, opened read-only: a MAP_SHARED mapping of it can
// never be made writable (mmap and mprotect refuse), and it cannot be resized or written.
Result<UniqueFd> read_only_view(int fd);

// A close-on-exec duplicate, to hand out while the daemon keeps the original.
Result<UniqueFd> duplicate(int fd);

}  // namespace xensnd::loopback
