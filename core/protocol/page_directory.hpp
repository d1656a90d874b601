// The page directory of an OPEN: how the frontend tells the backend the grant refs of a shared
// buffer. OPEN carries the ref of the first directory page; each directory page holds the ref
// of the next one (0 ends the chain) and then up to 1023 buffer refs, in buffer order, for
// ceil(buffer_sz / 4096) buffer pages in all.
//
// The backend walks a directory the guest wrote, so the walk is bounded: it reads at most the
// directory pages the buffer size needs, refuses a directory page it has already visited, and
// copies each page before reading it (the guest can change it while we look).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/protocol/sndif_wire.hpp"
#include "coro/result.hpp"

namespace xensnd::sndif {

// Buffer pages for a buffer of `buffer_sz` bytes: ceil(buffer_sz / 4096).
constexpr std::uint32_t buffer_page_count(std::uint32_t buffer_sz) noexcept {
    return buffer_sz / kPageSize + (buffer_sz % kPageSize != 0 ? 1 : 0);
}

// Directory pages for `buffer_pages` buffer pages: ceil(buffer_pages / 1023).
constexpr std::uint32_t directory_page_count(std::uint32_t buffer_pages) noexcept {
    return buffer_pages / kGrefsPerDirectoryPage +
           (buffer_pages % kGrefsPerDirectoryPage != 0 ? 1 : 0);
}

// Frontend: fills `directory_pages` (4096 bytes each, not yet granted to the backend) with
// `buffer_grefs`, chaining page i to directory_grefs[i + 1] and ending the chain with 0.
// Unused entries of the last page are zeroed. Err(EINVAL) when buffer_grefs is empty or more
// than a 32-bit buffer_sz can describe, when the counts of directory refs and pages are not
// directory_page_count(buffer_grefs.size()), or when a directory ref is 0 (it would end the
// chain early).
Result<void> write_page_directory(std::span<const GrantRef> buffer_grefs,
                                  std::span<const GrantRef> directory_grefs,
                                  std::span<void* const> directory_pages);

// Backend: maps one directory page and returns its first byte; the 4096 bytes must stay
// readable until the next call or until read_page_directory returns (whichever is first), and
// be 8-byte aligned. An error (e.g. a ref the guest did not grant) ends the walk with it.
using DirectoryPageMap = std::function<Result<const void*>(GrantRef)>;

// Backend: the ceil(buffer_sz / 4096) buffer grant refs of OPEN's directory, starting at
// `first_directory_page` (OPEN's gref_directory). Errors:
//   EINVAL  buffer_sz is 0 or above max_buffer_sz (the caller's limit);
//   ENODATA the chain ends (a next ref of 0, or gref_directory 0) before all refs were read;
//   ELOOP   the chain visits a directory page twice;
//   EFAULT  map_page returned a null or misaligned pointer (the caller's bug);
//   any error map_page returns.
// The last page's next ref is not followed (nor required to be 0), so at most
// directory_page_count(buffer_page_count(buffer_sz)) pages are mapped.
Result<std::vector<GrantRef>> read_page_directory(GrantRef first_directory_page,
                                                  std::uint32_t buffer_sz,
                                                  std::uint32_t max_buffer_sz,
                                                  const DirectoryPageMap& map_page);

}  // namespace xensnd::sndif
