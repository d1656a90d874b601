#include "core/protocol/page_directory.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "core/protocol/shared_page.hpp"

namespace xensnd::sndif {
namespace {

// One directory page as words: [0] is gref_dir_next_page, [1..1023] are buffer refs.
using DirectoryWords = std::array<GrantRef, kPageSize / sizeof(GrantRef)>;
static_assert(sizeof(DirectoryWords) == kPageSize);

constexpr std::uint32_t kMaxBufferPages = buffer_page_count(UINT32_MAX);

}  // namespace

Result<void> write_page_directory(std::span<const GrantRef> buffer_grefs,
                                  std::span<const GrantRef> directory_grefs,
                                  std::span<void* const> directory_pages) {
    if (buffer_grefs.empty() || buffer_grefs.size() > kMaxBufferPages) return Err(EINVAL);
    const std::uint32_t pages =
        directory_page_count(static_cast<std::uint32_t>(buffer_grefs.size()));
    if (directory_grefs.size() != pages || directory_pages.size() != pages) return Err(EINVAL);
    if (std::find(directory_grefs.begin(), directory_grefs.end(), GrantRef{0}) !=
        directory_grefs.end())
        return Err(EINVAL);
    for (void* page : directory_pages)
        if (page == nullptr) return Err(EINVAL);

    for (std::uint32_t i = 0; i < pages; ++i) {
        DirectoryWords words{};
        words[0] = i + 1 < pages ? directory_grefs[i + 1] : 0;
        const auto chunk = buffer_grefs.subspan(std::size_t{i} * kGrefsPerDirectoryPage)
                               .first(std::min<std::size_t>(
                                   kGrefsPerDirectoryPage,
                                   buffer_grefs.size() - std::size_t{i} * kGrefsPerDirectoryPage));
        std::copy(chunk.begin(), chunk.end(), words.begin() + 1);
        // The page is not granted yet: nobody else reads it while we write.
        std::memcpy(directory_pages[i], words.data(), sizeof words);
    }
    return ok();
}

Result<std::vector<GrantRef>> read_page_directory(GrantRef first_directory_page,
                                                  std::uint32_t buffer_sz,
                                                  std::uint32_t max_buffer_sz,
                                                  const DirectoryPageMap& map_page) {
    if (buffer_sz == 0 || buffer_sz > max_buffer_sz) return Err(EINVAL);
    const std::uint32_t wanted = buffer_page_count(buffer_sz);
    const std::uint32_t pages = directory_page_count(wanted);

    std::vector<GrantRef> refs;
    refs.reserve(wanted);
    std::vector<GrantRef> visited;
    visited.reserve(pages);

    GrantRef directory = first_directory_page;
    for (std::uint32_t i = 0; i < pages; ++i) {
        if (directory == 0) return Err(ENODATA);
        if (std::find(visited.begin(), visited.end(), directory) != visited.end())
            return Err(ELOOP);
        visited.push_back(directory);

        auto mapped = map_page(directory);
        if (!mapped) return Err(mapped.error());
        const void* page = *mapped;
        if (page == nullptr || reinterpret_cast<std::uintptr_t>(page) % 8 != 0) return Err(EFAULT);
        // One private copy: the next ref and the buffer refs we use are the ones we checked.
        const auto words = shared::copy_out<DirectoryWords>(const_cast<void*>(page), 0);

        const std::uint32_t take =
            std::min(kGrefsPerDirectoryPage, wanted - static_cast<std::uint32_t>(refs.size()));
        refs.insert(refs.end(), words.begin() + 1, words.begin() + 1 + take);
        directory = words[0];
    }
    return refs;
}

}  // namespace xensnd::sndif
