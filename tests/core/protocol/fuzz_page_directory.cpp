// The backend's directory walk over a guest-written set of granted pages: any chain, any size.
// Also the frontend's writer round trip. Pages are exact 4096-byte heap blocks under ASan.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "core/protocol/page_directory.hpp"
#include "tests/core/protocol/fuzz_input.hpp"

using namespace xensnd::sndif;
using xensnd::Err;
using xensnd::Result;
using xensnd::sndif::test::FuzzInput;

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

using PagePtr = std::unique_ptr<void, decltype(&std::free)>;

PagePtr new_page() {
    return PagePtr(std::aligned_alloc(4096, 4096), &std::free);
}

constexpr std::uint32_t kMax = 8u << 20;

void hostile_walk(FuzzInput& in) {
    const std::uint32_t buffer_sz = in.take<std::uint32_t>();
    const GrantRef first = in.take<std::uint8_t>() % 12;
    std::map<GrantRef, PagePtr> granted;
    const int count = in.take<std::uint8_t>() % 9;
    for (int i = 0; i < count; ++i) {
        const GrantRef ref = in.take<std::uint8_t>() % 12;
        auto page = new_page();
        auto* words = static_cast<std::uint32_t*>(page.get());
        in.take_bytes(words, 4096);
        // Small next refs so chains hit granted pages, loops and ends often.
        words[0] %= 13;
        granted.insert_or_assign(ref, std::move(page));
    }
    std::uint32_t maps = 0;
    auto map = [&](GrantRef ref) -> Result<const void*> {
        ++maps;
        auto it = granted.find(ref);
        if (it == granted.end()) return Err(ENOENT);
        return static_cast<const void*>(it->second.get());
    };
    auto refs = read_page_directory(first, buffer_sz, kMax, map);
    if (buffer_sz == 0 || buffer_sz > kMax) require(!refs.ok() && maps == 0);
    if (buffer_sz != 0) require(maps <= directory_page_count(buffer_page_count(buffer_sz)));
    if (refs.ok()) require(refs->size() == buffer_page_count(buffer_sz));
    if (!refs.ok()) {
        const int e = refs.errno_value();
        require(e == EINVAL || e == ENODATA || e == ELOOP || e == ENOENT);
    }
}

void round_trip(FuzzInput& in) {
    const std::uint32_t n = 1 + in.take<std::uint16_t>() % 4000;
    std::vector<GrantRef> buffer(n);
    for (auto& r : buffer)
        r = in.take<std::uint32_t>();
    const std::uint32_t dirs = directory_page_count(n);
    std::map<GrantRef, PagePtr> granted;
    std::vector<GrantRef> dir_refs;
    std::vector<void*> dir_pages;
    for (std::uint32_t i = 0; i < dirs; ++i) {
        const GrantRef ref = 1000 + i;
        auto page = new_page();
        dir_refs.push_back(ref);
        dir_pages.push_back(page.get());
        granted.emplace(ref, std::move(page));
    }
    require(write_page_directory(buffer, dir_refs, dir_pages).ok());
    auto map = [&](GrantRef ref) -> Result<const void*> {
        auto it = granted.find(ref);
        if (it == granted.end()) return Err(ENOENT);
        return static_cast<const void*>(it->second.get());
    };
    const std::uint32_t size = n * 4096 - in.take<std::uint16_t>() % 4096;
    auto refs = read_page_directory(dir_refs[0], size, n * 4096, map);
    require(refs.ok() && *refs == buffer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    if (in.take<std::uint8_t>() & 1)
        round_trip(in);
    else
        hostile_walk(in);
    return 0;
}
