// The daemon's grant table in-process: references per domain from 8 up, the checks a map
// makes, the descriptors it hands out (deduplicated, read-only unless mapped writable),
// deferred release under a mapping, the unmap notification, and the caps.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <set>

#include <doctest/doctest.h>

#include "core/platform/loopback_wire.hpp"
#include "loopback/grant_table.hpp"

using namespace xensnd::loopback;
namespace wire = xensnd::platform::loopback_wire;

namespace {

constexpr ConnectionId kFrontend = 1;
constexpr ConnectionId kBackend = 2;
constexpr ConnectionId kOther = 3;

std::uint64_t take(const UniqueFd& fd) {
    std::uint64_t count = 0;
    if (::read(fd.get(), &count, sizeof count) != static_cast<ssize_t>(sizeof count)) return 0;
    return count;
}

bool read_only(const UniqueFd& fd) {
    return (::fcntl(fd.get(), F_GETFL) & O_ACCMODE) == O_RDONLY;
}

}  // namespace

TEST_CASE("references are the granting domain's, from 8 up, one per page, reused once free") {
    PortTable ports;
    GrantTable table(ports);
    auto a = table.share(kFrontend, 1, 2, 3, true, std::nullopt);
    auto b = table.share(kOther, 3, 2, 1, true, std::nullopt);
    REQUIRE((a.ok() && b.ok()));
    CHECK(a->refs == std::vector<GrantRef>{8, 9, 10});
    CHECK(b->refs == std::vector<GrantRef>{8});
    struct stat st {};
    REQUIRE(::fstat(a->memory.get(), &st) == 0);
    CHECK(st.st_size == 3 * 4096);
    // Sealed: nobody can shrink pages another process maps.
    CHECK(::ftruncate(a->memory.get(), 4096) != 0);

    CHECK(table.unshare(kOther, 1, 8).errno_value() == EINVAL);     // not the owner
    CHECK(table.unshare(kFrontend, 1, 9).errno_value() == EINVAL);  // not a first reference
    REQUIRE(table.unshare(kFrontend, 1, 8).ok());
    CHECK(table.unshare(kFrontend, 1, 8).errno_value() == EINVAL);
    auto c = table.share(kFrontend, 1, 2, 2, true, std::nullopt);
    REQUIRE(c.ok());
    CHECK(c->refs == std::vector<GrantRef>{8, 9});
    CHECK(table.usage(1).grants == 1);
    CHECK(table.usage(1).grant_pages == 2);
}

TEST_CASE("a map checks every reference and hands out one descriptor per grant") {
    PortTable ports;
    GrantTable table(ports);
    auto rw = table.share(kFrontend, 1, 2, 2, true, std::nullopt);
    auto ro = table.share(kFrontend, 1, 2, 1, false, std::nullopt);
    auto elsewhere = table.share(kFrontend, 1, 3, 1, true, std::nullopt);
    REQUIRE((rw.ok() && ro.ok() && elsewhere.ok()));
    GrantRef r0 = rw->refs[0], r1 = rw->refs[1], s = ro->refs[0], e = elsewhere->refs[0];

    std::vector<GrantRef> refs{r1, s, r0, r1};
    CHECK(table.map(kBackend, 2, 1, refs, true).errno_value() == EPERM);  // s is read-only
    auto m = table.map(kBackend, 2, 1, refs, false);
    REQUIRE(m.ok());
    REQUIRE(m->fds.size() == 2);
    REQUIRE(m->slots.size() == 4);
    CHECK(m->slots[0].fd == m->slots[2].fd);
    CHECK(m->slots[0].page == 1);
    CHECK(m->slots[2].page == 0);
    CHECK(m->slots[1].fd != m->slots[0].fd);
    CHECK(m->slots[3].page == 1);
    for (const auto& fd : m->fds)
        CHECK(read_only(fd));

    std::vector<GrantRef> writable{r0};
    auto w = table.map(kBackend, 2, 1, writable, true);
    REQUIRE(w.ok());
    CHECK(!read_only(w->fds[0]));

    std::vector<GrantRef> other{e};
    CHECK(table.map(kBackend, 2, 1, other, false).errno_value() == EPERM);
    std::vector<GrantRef> missing{r0, 5000};
    CHECK(table.map(kBackend, 2, 1, missing, false).errno_value() == ENOENT);
    CHECK(table.map(kBackend, 2, 7, writable, false).errno_value() == ENOENT);
    CHECK(table.usage(2).mapped_pages == 5);
    REQUIRE(table.unmap(kBackend, m->mapping).ok());
    CHECK(table.unmap(kBackend, m->mapping).errno_value() == EINVAL);
    CHECK(table.unmap(kOther, w->mapping).errno_value() == EINVAL);
    CHECK(table.usage(2).mapped_pages == 1);
}

TEST_CASE("a grant ended under a mapping keeps its references until the mapping goes") {
    PortTable ports;
    GrantTable table(ports);
    auto g = table.share(kFrontend, 1, 2, 1, true, std::nullopt);
    REQUIRE(g.ok());
    auto m = table.map(kBackend, 2, 1, g->refs, true);
    REQUIRE(m.ok());
    table.release(kFrontend);
    CHECK(table.map(kBackend, 2, 1, g->refs, true).errno_value() == ENOENT);
    CHECK(table.usage(1).grants == 1);
    auto fresh = table.share(kFrontend, 1, 2, 1, true, std::nullopt);
    REQUIRE(fresh.ok());
    CHECK(fresh->refs[0] != g->refs[0]);
    table.release(kBackend);
    CHECK(table.usage(1).grants == 1);
    CHECK(table.usage(2).mapped_pages == 0);
    auto reused = table.share(kOther, 1, 2, 1, true, std::nullopt);
    REQUIRE(reused.ok());
    CHECK(reused->refs[0] == g->refs[0]);
}

TEST_CASE("the unmap notification clears its byte, rings its port, and holds it open till then") {
    PortTable ports;
    GrantTable table(ports);
    auto fe = ports.alloc_unbound(kFrontend, 1, 2);
    REQUIRE(fe.ok());
    auto be = ports.bind_interdomain(kBackend, 2, 1, fe->port);
    REQUIRE(be.ok());
    take(be->inbox);

    CHECK(table.share(kFrontend, 1, 2, 1, true, UnmapNotify{10, 99}).errno_value() == EINVAL);
    CHECK(table.share(kFrontend, 1, 2, 1, true, UnmapNotify{4096, fe->port}).errno_value() ==
          EINVAL);
    auto second = ports.alloc_unbound(kFrontend, 1, 2);
    REQUIRE(second.ok());  // port 2 of domain 1; domain 2 has only port 1
    CHECK(table.share(kBackend, 2, 1, 1, true, UnmapNotify{10, second->port}).errno_value() ==
          EINVAL);
    REQUIRE(ports.close(kFrontend, 1, second->port).ok());
    auto g = table.share(kFrontend, 1, 2, 1, true, UnmapNotify{10, fe->port});
    REQUIRE(g.ok());
    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, g->memory.get(), 0);
    REQUIRE(page != MAP_FAILED);
    auto* bytes = static_cast<unsigned char*>(page);
    bytes[10] = 0xFF;
    bytes[11] = 0xFF;

    // The frontend's process dies: its ports go first here, yet the port stays open for the
    // notification, which clears the byte before the peer hears of the close.
    ports.release(kFrontend);
    CHECK(take(be->inbox) == 0);
    CHECK(ports.ports(1) == 1);
    table.release(kFrontend);
    CHECK(bytes[10] == 0);
    CHECK(bytes[11] == 0xFF);
    CHECK(take(be->inbox) >= 1);
    CHECK(ports.ports(1) == 0);
    ::munmap(page, 4096);
}

TEST_CASE("caps: pages and grants per domain, mapped pages per domain, descriptors per map") {
    PortTable ports;
    GrantTable table(ports);
    std::uint32_t most = wire::kMaxPagesPerRequest;
    std::uint32_t fits = wire::kMaxGrantPagesPerDomain / most;
    for (std::uint32_t i = 0; i < fits; ++i)
        REQUIRE(table.share(kFrontend, 1, 2, most, true, std::nullopt).ok());
    CHECK(table.share(kFrontend, 1, 2, most, true, std::nullopt).errno_value() == ENOSPC);
    CHECK(table.share(kFrontend, 3, 2, most, true, std::nullopt).ok());  // domain 3 is apart
    table.release(kFrontend);
    CHECK(table.usage(1).grant_pages == 0);

    std::vector<GrantRef> singles;
    for (std::size_t i = 0; i < wire::kMaxFds + 1; ++i) {
        auto g = table.share(kFrontend, 1, 2, 1, true, std::nullopt);
        REQUIRE(g.ok());
        singles.push_back(g->refs[0]);
    }
    CHECK(table.map(kBackend, 2, 1, singles, false).errno_value() == E2BIG);
    singles.pop_back();
    CHECK(table.map(kBackend, 2, 1, singles, false).ok());

    // Mapping the same pages over and over counts every time.
    std::vector<GrantRef> many(most, singles[0]);
    std::uint32_t maps = 0;
    xensnd::Result<GrantMapping> m = xensnd::Err(EINVAL);
    while ((m = table.map(kBackend, 2, 1, many, false)).ok())
        ++maps;
    CHECK(m.errno_value() == ENOSPC);
    CHECK(table.usage(2).mapped_pages + most > wire::kMaxMappedPagesPerDomain);
    CHECK(maps == (wire::kMaxMappedPagesPerDomain - (wire::kMaxFds)) / most);
}
