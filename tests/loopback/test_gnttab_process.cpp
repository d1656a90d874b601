// Grants through the loopback client library against a running xensnd-loopback: pages shared
// by one process and mapped by another, who may map what and how, the order of a mapping,
// unshare under a live mapping, the unmap notification (on unshare and on SIGKILL), and the
// daemon's per-domain caps.
#include <signal.h>
#include <sys/mman.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "forked.hpp"
#include "loopback_platform.hpp"

using namespace xensnd;
using namespace xensnd::loopback::testing;
using namespace std::chrono_literals;
using platform::GrantRef;
using platform::kPageSize;
using platform::Port;

namespace {

std::string join(std::span<const GrantRef> refs) {
    std::string out;
    for (GrantRef r : refs)
        out += std::to_string(r) + " ";
    return out;
}

std::vector<GrantRef> split(const std::string& line) {
    std::istringstream in(line);
    std::vector<GrantRef> refs;
    GrantRef r;
    while (in >> r)
        refs.push_back(r);
    return refs;
}

unsigned char* bytes(const auto& pages) {
    return static_cast<unsigned char*>(pages->data());
}

}  // namespace

TEST_CASE("pages shared by one process are the pages another maps, both ways") {
    Daemon daemon("1,2");
    Forked frontend([rundir = daemon.rundir()](Lines& lines) {
        DomainPlatform fe(rundir, 1);
        if (!fe.ok()) return 10;
        auto shared = fe.grants->share(2, 3, true);
        if (!shared) return 11;
        auto* p = bytes(*shared);
        for (std::size_t i = 0; i < 3 * kPageSize; ++i) {
            if (p[i] != 0) return 12;  // fresh pages are zeroed
        }
        for (std::size_t page = 0; page < 3; ++page)
            std::memset(p + page * kPageSize, 'a' + static_cast<int>(page), kPageSize);
        lines.send(join((*shared)->refs()));
        if (lines.receive() != std::optional<std::string>("check")) return 13;
        // The backend wrote into page 1.
        lines.send(std::string(reinterpret_cast<char*>(p + kPageSize), 5));
        return lines.receive() == std::optional<std::string>("done") ? 0 : 14;
    });
    auto line = frontend.lines().receive();
    REQUIRE(line);
    auto refs = split(*line);
    REQUIRE(refs.size() == 3);
    for (GrantRef r : refs)
        CHECK(r != 0);

    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE(be.ok());
    auto mapped = be.grants->map(1, refs, true);
    REQUIRE_MESSAGE(mapped.ok(), mapped.error().message());
    CHECK((*mapped)->page_count() == 3);
    auto* p = bytes(*mapped);
    CHECK(p[0] == 'a');
    CHECK(p[kPageSize - 1] == 'a');
    CHECK(p[kPageSize] == 'b');
    CHECK(p[3 * kPageSize - 1] == 'c');
    std::memcpy(p + kPageSize, "hello", 5);
    frontend.lines().send("check");
    CHECK(frontend.lines().receive() == std::optional<std::string>("hello"));
    frontend.lines().send("done");
    CHECK(frontend.wait() == 0);
}

TEST_CASE("a read-only grant refuses a writable mapping, and its mapping cannot be made writable") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto shared = fe.grants->share(2, 1, false);
    REQUIRE(shared.ok());
    bytes(*shared)[7] = 42;
    auto refs = (*shared)->refs();

    CHECK(be.grants->map(1, refs, true).errno_value() == EPERM);
    auto mapped = be.grants->map(1, refs, false);
    REQUIRE(mapped.ok());
    CHECK(bytes(*mapped)[7] == 42);
    // The descriptor behind it is read-only: the kernel refuses to make the page writable.
    CHECK(::mprotect((*mapped)->data(), kPageSize, PROT_READ | PROT_WRITE) != 0);

    // A writable grant mapped read-only is read-only too.
    auto writable = fe.grants->share(2, 1, true);
    REQUIRE(writable.ok());
    auto read_only = be.grants->map(1, (*writable)->refs(), false);
    REQUIRE(read_only.ok());
    CHECK(::mprotect((*read_only)->data(), kPageSize, PROT_READ | PROT_WRITE) != 0);
}

TEST_CASE("only the domain a reference was granted to may map it") {
    Daemon daemon("1,2,3");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    DomainPlatform other(daemon.rundir(), 3);
    REQUIRE((fe.ok() && be.ok() && other.ok()));
    auto to_other = fe.grants->share(3, 1, true);
    REQUIRE(to_other.ok());
    auto to_be = fe.grants->share(2, 1, true);
    REQUIRE(to_be.ok());

    CHECK(be.grants->map(1, (*to_other)->refs(), false).errno_value() == EPERM);
    // One bad reference spoils the whole list.
    std::vector<GrantRef> mixed{(*to_be)->refs()[0], (*to_other)->refs()[0]};
    CHECK(be.grants->map(1, mixed, false).errno_value() == EPERM);
    std::vector<GrantRef> unknown{(*to_be)->refs()[0], 60000};
    CHECK(be.grants->map(1, unknown, false).errno_value() == ENOENT);
    std::vector<GrantRef> zero{0};
    CHECK(be.grants->map(1, zero, false).errno_value() == ENOENT);
    // References are the granting domain's: domain 2 has none of these.
    CHECK(other.grants->map(2, (*to_other)->refs(), false).errno_value() == ENOENT);
    CHECK(be.grants->map(9, (*to_be)->refs(), false).errno_value() == ESRCH);
    CHECK(other.grants->map(1, (*to_other)->refs(), false).ok());
}

TEST_CASE("a mapping lays the pages out in the order of the references, duplicates included") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto four = fe.grants->share(2, 4, true);
    auto one = fe.grants->share(2, 1, true);
    REQUIRE((four.ok() && one.ok()));
    for (int page = 0; page < 4; ++page)
        bytes(*four)[static_cast<std::size_t>(page) * kPageSize] = static_cast<unsigned char>(page);
    bytes(*one)[0] = 9;

    auto r = (*four)->refs();
    auto s = (*one)->refs();
    std::vector<GrantRef> order{r[3], r[0], s[0], r[0], r[1], r[2]};
    auto mapped = be.grants->map(1, order, true);
    REQUIRE(mapped.ok());
    REQUIRE((*mapped)->page_count() == order.size());
    std::vector<int> seen;
    for (std::size_t i = 0; i < order.size(); ++i)
        seen.push_back(bytes(*mapped)[i * kPageSize]);
    CHECK(seen == std::vector<int>{3, 0, 9, 0, 1, 2});
    // The duplicate is the same page, not a copy.
    bytes(*mapped)[1 * kPageSize + 1] = 77;
    CHECK(bytes(*mapped)[3 * kPageSize + 1] == 77);
    CHECK(bytes(*four)[1] == 77);
}

TEST_CASE("hostile reference lists are refused before anything is mapped") {
    Daemon daemon("1,2");
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE(be.ok());
    CHECK(be.grants->map(1, {}, false).errno_value() == EINVAL);
    std::vector<GrantRef> too_many(be.grants->max_map_pages() + 1, 8);
    CHECK(be.grants->map(1, too_many, false).errno_value() == EINVAL);
    CHECK(be.grants->share(1, 0, true).errno_value() == EINVAL);
    CHECK(be.grants->share(1, be.grants->max_map_pages() + 1, true).errno_value() == EINVAL);
}

TEST_CASE("unshare under a live mapping: the mapping stays, the references are not reused") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto shared = fe.grants->share(2, 2, true);
    REQUIRE(shared.ok());
    std::vector<GrantRef> refs((*shared)->refs().begin(), (*shared)->refs().end());
    bytes(*shared)[kPageSize] = 'x';
    auto mapped = be.grants->map(1, refs, true);
    REQUIRE(mapped.ok());

    shared->reset();
    CHECK(bytes(*mapped)[kPageSize] == 'x');
    bytes(*mapped)[0] = 'y';  // still writable memory, nobody else's
    CHECK(be.grants->map(1, refs, false).errno_value() == ENOENT);
    auto stats = stats_of(daemon, 1);
    CHECK(stats.grants == 1);
    CHECK(stats.grant_pages == 2);
    auto fresh = fe.grants->share(2, 1, true);
    REQUIRE(fresh.ok());
    CHECK((*fresh)->refs()[0] != refs[0]);
    CHECK((*fresh)->refs()[0] != refs[1]);

    mapped->reset();
    stats = stats_when(daemon, 1, [](const auto& s) { return s.grants == 1; });
    CHECK(stats.grants == 1);  // only `fresh`
    CHECK(stats.grant_pages == 1);
    CHECK(stats_of(daemon, 2).mapped_pages == 0);
}

TEST_CASE("share_with_notify: unsharing clears the byte and rings the port") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto port = fe.events->alloc_unbound(2);
    REQUIRE(port.ok());
    auto page = fe.grants->share_with_notify(2, true, 100, (*port)->local_port());
    REQUIRE(page.ok());
    CHECK((*page)->page_count() == 1);
    bytes(*page)[100] = 1;
    bytes(*page)[101] = 1;

    auto channel = be.events->bind_interdomain(1, (*port)->local_port());
    REQUIRE(channel.ok());
    REQUIRE(be.wait(**channel, 100ms).ok());
    auto mapped = be.grants->map(1, (*page)->refs(), true);
    REQUIRE(mapped.ok());
    CHECK(bytes(*mapped)[100] == 1);

    page->reset();
    CHECK(be.wait(**channel, 1000ms).ok());
    CHECK(bytes(*mapped)[100] == 0);
    CHECK(bytes(*mapped)[101] == 1);
    // The port itself is still open: the notification only rang it.
    CHECK(be.wait(**channel, 50ms).errno_value() == ETIMEDOUT);
}

TEST_CASE("share_with_notify refuses an offset outside the page and a port of another domain") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE((fe.ok() && be.ok()));
    auto port = fe.events->alloc_unbound(2);
    REQUIRE(port.ok());
    CHECK(fe.grants->share_with_notify(2, true, kPageSize, (*port)->local_port()).errno_value() ==
          EINVAL);
    CHECK(fe.grants->share_with_notify(2, true, 0, 4000).errno_value() == EINVAL);
    // Port 1 exists in domain 1, not in domain 2.
    CHECK(be.grants->share_with_notify(1, true, 0, (*port)->local_port()).errno_value() == EINVAL);
}

TEST_CASE(
    "SIGKILL of the frontend: its unmap-notify byte is cleared, then the backend sees ENOTCONN, "
    "and its grants and ports go") {
    Daemon daemon("1,2");
    Forked frontend([rundir = daemon.rundir()](Lines& lines) {
        DomainPlatform fe(rundir, 1);
        if (!fe.ok()) return 10;
        auto channel = fe.events->alloc_unbound(2);
        if (!channel) return 11;
        auto page = fe.grants->share_with_notify(2, true, 8, (*channel)->local_port());
        if (!page) return 12;
        bytes(*page)[8] = 0xAB;
        auto buffer = fe.grants->share(2, 16, true);
        if (!buffer) return 13;
        lines.send(std::to_string((*channel)->local_port()) + " " +
                   std::to_string((*page)->refs()[0]));
        ::pause();
        return 0;
    });
    auto line = frontend.lines().receive();
    REQUIRE(line);
    auto numbers = split(*line);
    REQUIRE(numbers.size() == 2);

    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE(be.ok());
    auto channel = be.events->bind_interdomain(1, numbers[0]);
    REQUIRE(channel.ok());
    REQUIRE(be.wait(**channel, 100ms).ok());
    std::vector<GrantRef> ref{numbers[1]};
    auto mapped = be.grants->map(1, ref, true);
    REQUIRE(mapped.ok());
    CHECK(bytes(*mapped)[8] == 0xAB);
    auto before = stats_of(daemon, 1);
    CHECK(before.ports == 1);
    CHECK(before.grants == 2);
    CHECK(before.grant_pages == 17);

    auto killed_at = std::chrono::steady_clock::now();
    frontend.kill(SIGKILL);
    // The notification and the peer's close may both have happened by the time we look:
    // wait until ENOTCONN and the byte must be clear by then. The bound only stops a hang
    // (the kernel closes the dead process's sockets at once; a loaded CI machine may be slow).
    Result<void> woken = be.wait(**channel, 1000ms);
    while (woken.ok() && std::chrono::steady_clock::now() - killed_at < 20s)
        woken = be.wait(**channel, 1000ms);
    CHECK(woken.errno_value() == ENOTCONN);
    CHECK(bytes(*mapped)[8] == 0);

    // Everything but the page we still map is gone at once; that one goes with our mapping.
    auto after = stats_when(daemon, 1, [](const auto& s) { return s.grants == 1; });
    CHECK(after.ports == 0);
    CHECK(after.grants == 1);
    CHECK(after.grant_pages == 1);
    CHECK(after.connections == 0);
    mapped->reset();
    after = stats_when(daemon, 1, [](const auto& s) { return s.grants == 0; });
    CHECK(after.grants == 0);
    CHECK(after.grant_pages == 0);
    CHECK(frontend.wait() == 128 + SIGKILL);
}

TEST_CASE("the daemon caps a domain's granted pages and gives them back on release") {
    Daemon daemon("1,2");
    DomainPlatform fe(daemon.rundir(), 1);
    REQUIRE(fe.ok());
    std::size_t most = fe.grants->max_map_pages();
    std::vector<std::unique_ptr<platform::SharedPages>> held;
    Result<std::unique_ptr<platform::SharedPages>> last = Err(EINVAL);
    // 65536 pages: 63 shares of 1026 pages fit, the 64th does not.
    for (int i = 0; i < 64; ++i) {
        last = fe.grants->share(2, most, false);
        if (!last) break;
        held.push_back(std::move(*last));
    }
    CHECK(held.size() == 63);
    CHECK(last.errno_value() == ENOSPC);
    CHECK(stats_of(daemon, 1).grant_pages == 63 * most);
    // Another domain is not affected by domain 1's use.
    DomainPlatform be(daemon.rundir(), 2);
    REQUIRE(be.ok());
    CHECK(be.grants->share(1, most, false).ok());

    held.clear();
    stats_when(daemon, 1, [](const auto& s) { return s.grant_pages == 0; });
    CHECK(fe.grants->share(2, most, false).ok());
}
