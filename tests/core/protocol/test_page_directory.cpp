// The page directory: built by the frontend, walked by the backend over a fake grant table;
// hostile chains (loops, short chains, ungranted refs) and sizes are refused.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "core/protocol/page_directory.hpp"

using namespace xensnd::sndif;
using xensnd::Err;
using xensnd::Result;

namespace {

struct alignas(4096) Page {
    GrantRef words[1024];
};

// Pages a guest granted, by ref; mapping anything else fails as Xen's grant map would.
struct Grants {
    std::map<GrantRef, std::unique_ptr<Page>> pages;
    int maps = 0;

    Page& grant(GrantRef ref) {
        auto& p = pages[ref];
        if (!p) p = std::make_unique<Page>();
        return *p;
    }
    DirectoryPageMap mapper() {
        return [this](GrantRef ref) -> Result<const void*> {
            ++maps;
            auto it = pages.find(ref);
            if (it == pages.end()) return Err(ENOENT);
            return static_cast<const void*>(it->second.get());
        };
    }
};

constexpr std::uint32_t kMax = 64u << 20;

// Builds a directory for `n` buffer pages with refs 100000.. and directory refs 10.., as a
// frontend would, and returns the buffer refs.
std::vector<GrantRef> build(Grants& g, std::uint32_t n) {
    std::vector<GrantRef> buffer(n);
    for (std::uint32_t i = 0; i < n; ++i)
        buffer[i] = 100000 + i;
    const std::uint32_t dirs = directory_page_count(n);
    std::vector<GrantRef> dir_refs(dirs);
    std::vector<void*> dir_pages(dirs);
    for (std::uint32_t i = 0; i < dirs; ++i) {
        dir_refs[i] = 10 + i;
        dir_pages[i] = &g.grant(10 + i);
    }
    REQUIRE(write_page_directory(buffer, dir_refs, dir_pages).ok());
    return buffer;
}

}  // namespace

TEST_CASE("page counts") {
    CHECK(buffer_page_count(1) == 1);
    CHECK(buffer_page_count(4096) == 1);
    CHECK(buffer_page_count(4097) == 2);
    CHECK(buffer_page_count(0xFFFFFFFFu) == 0x100000u);
    CHECK(directory_page_count(1) == 1);
    CHECK(directory_page_count(1023) == 1);
    CHECK(directory_page_count(1024) == 2);
    CHECK(directory_page_count(5000) == 5);
}

TEST_CASE("a directory built by the frontend walks back to the same refs") {
    for (std::uint32_t n : {1u, 1023u, 1024u, 5000u}) {
        CAPTURE(n);
        Grants g;
        const auto buffer = build(g, n);
        for (std::uint32_t size : {n * 4096u, n * 4096u - 4095u}) {
            CAPTURE(size);
            g.maps = 0;
            auto refs = read_page_directory(10, size, kMax, g.mapper());
            REQUIRE(refs.ok());
            CHECK(*refs == buffer);
            CHECK(g.maps == int(directory_page_count(n)));
        }
        // The chain ends with 0 on the last page.
        CHECK(g.grant(10 + directory_page_count(n) - 1).words[0] == 0);
    }
}

TEST_CASE("the frontend's directory layout is the header's") {
    Grants g;
    build(g, 1024);
    const Page& first = g.grant(10);
    CHECK(first.words[0] == 11);  // gref_dir_next_page
    CHECK(first.words[1] == 100000);
    CHECK(first.words[1023] == 100000 + 1022);
    const Page& second = g.grant(11);
    CHECK(second.words[0] == 0);
    CHECK(second.words[1] == 100000 + 1023);
    CHECK(second.words[2] == 0);  // unused entries are zero
}

TEST_CASE("a loop in the chain is refused") {
    Grants g;
    build(g, 3000);  // directory pages 10 -> 11 -> 12
    SUBCASE("back to the first page") {
        g.grant(11).words[0] = 10;
        CHECK(read_page_directory(10, 3000 * 4096, kMax, g.mapper()).errno_value() == ELOOP);
    }
    SUBCASE("a page pointing at itself") {
        g.grant(10).words[0] = 10;
        CHECK(read_page_directory(10, 3000 * 4096, kMax, g.mapper()).errno_value() == ELOOP);
        CHECK(g.maps == 1);
    }
}

TEST_CASE("a chain shorter than the buffer is refused") {
    Grants g;
    build(g, 3000);
    SUBCASE("ends early") {
        g.grant(11).words[0] = 0;
        CHECK(read_page_directory(10, 3000 * 4096, kMax, g.mapper()).errno_value() == ENODATA);
    }
    SUBCASE("no directory at all") {
        CHECK(read_page_directory(0, 4096, kMax, g.mapper()).errno_value() == ENODATA);
        CHECK(g.maps == 0);
    }
    SUBCASE("a buffer size that claims more pages than the directory holds") {
        CHECK(read_page_directory(10, 4000 * 4096, kMax, g.mapper()).errno_value() == ENODATA);
    }
}

TEST_CASE("an ungranted directory ref ends the walk with the map error") {
    Grants g;
    build(g, 3000);
    g.grant(11).words[0] = 999;
    CHECK(read_page_directory(10, 3000 * 4096, kMax, g.mapper()).errno_value() == ENOENT);
    CHECK(read_page_directory(12345, 4096, kMax, g.mapper()).errno_value() == ENOENT);
}

TEST_CASE("a zero or absurd buffer size is refused before any map") {
    Grants g;
    build(g, 1);
    CHECK(read_page_directory(10, 0, kMax, g.mapper()).errno_value() == EINVAL);
    CHECK(read_page_directory(10, kMax + 1, kMax, g.mapper()).errno_value() == EINVAL);
    CHECK(read_page_directory(10, 0xFFFFFFFFu, kMax, g.mapper()).errno_value() == EINVAL);
    CHECK(g.maps == 0);
}

TEST_CASE("the walk maps no more directory pages than the size needs") {
    // An endless chain of distinct pages: 10 -> 11 -> 12 -> ...
    int maps = 0;
    auto endless = [&maps](GrantRef ref) -> Result<const void*> {
        static Page page;
        ++maps;
        page.words[0] = ref + 1;
        return static_cast<const void*>(&page);
    };
    auto refs = read_page_directory(10, 2046 * 4096, kMax, endless);
    REQUIRE(refs.ok());
    CHECK(refs->size() == 2046);
    CHECK(maps == 2);
}

TEST_CASE("a null or misaligned mapping is refused") {
    auto null_map = [](GrantRef) -> Result<const void*> {
        return static_cast<const void*>(nullptr);
    };
    CHECK(read_page_directory(10, 4096, kMax, null_map).errno_value() == EFAULT);
    static Page page;
    auto odd_map = [](GrantRef) -> Result<const void*> {
        return static_cast<const void*>(reinterpret_cast<const char*>(&page) + 1);
    };
    CHECK(read_page_directory(10, 4096, kMax, odd_map).errno_value() == EFAULT);
}

TEST_CASE("the frontend refuses a directory it cannot describe") {
    Grants g;
    std::vector<GrantRef> buffer(1024, 5);
    std::vector<GrantRef> two_refs{10, 11};
    std::vector<void*> two_pages{&g.grant(10), &g.grant(11)};
    std::vector<void*> one_page{&g.grant(10)};
    std::vector<GrantRef> one_ref{10};

    CHECK(write_page_directory({}, one_ref, one_page).errno_value() == EINVAL);
    CHECK(write_page_directory(buffer, one_ref, one_page).errno_value() == EINVAL);
    CHECK(write_page_directory(buffer, two_refs, one_page).errno_value() == EINVAL);
    std::vector<GrantRef> zero_ref{10, 0};
    CHECK(write_page_directory(buffer, zero_ref, two_pages).errno_value() == EINVAL);
    std::vector<void*> null_page{&g.grant(10), nullptr};
    CHECK(write_page_directory(buffer, two_refs, null_page).errno_value() == EINVAL);
    CHECK(write_page_directory(buffer, two_refs, two_pages).ok());
}
