// Permission lists: parsing as libxenstore writes them, and who gets which access.
#include <cerrno>

#include <doctest/doctest.h>

#include "loopback/xenstore/permissions.hpp"

using namespace xensnd::loopback::xenstore;

namespace {
Permissions perms(std::initializer_list<const char*> texts) {
    std::vector<Permission> entries;
    for (const char* t : texts)
        entries.push_back(*parse_permission(t));
    return Permissions(std::move(entries));
}
}  // namespace

TEST_CASE("permission strings round-trip") {
    for (const char* text : {"n0", "r1", "w22", "b65535"}) {
        auto p = parse_permission(text);
        REQUIRE(p.ok());
        CHECK(format_permission(*p) == text);
    }
    CHECK(parse_permission("").errno_value() == EINVAL);
    CHECK(parse_permission("q1").errno_value() == EINVAL);
    CHECK(parse_permission("r").errno_value() == EINVAL);
    CHECK(parse_permission("r 1").errno_value() == EINVAL);
    CHECK(parse_permission("r0x1").errno_value() == EINVAL);
    CHECK(format_permissions(perms({"n1", "r2"})) == std::string("n1\0r2\0", 6));
}

TEST_CASE("the owner and the privileged domain get everything") {
    auto p = perms({"n1"});
    CHECK(access_for({1, {}}, p) == kAccessAll);
    CHECK(access_for({0, {}}, p) == kAccessAll);
    CHECK(access_for({2, {}}, p) == kAccessNone);
}

TEST_CASE("a listed domain gets its entry; everyone else the owner entry's access") {
    auto p = perms({"r1", "b2", "n3", "w2"});
    CHECK(access_for({2, {}}, p) == (kAccessRead | kAccessWrite));  // first match wins
    CHECK(access_for({3, {}}, p) == kAccessNone);
    CHECK(access_for({4, {}}, p) == kAccessRead);
}

TEST_CASE("ignored entries grant nothing") {
    auto p = perms({"n1", "b2"});
    CHECK(p.forget_domain(2));
    CHECK_FALSE(p.forget_domain(2));
    CHECK(access_for({2, {}}, p) == kAccessNone);
    // The entry is still listed (GET_PERMS shows it, as xenstored does).
    CHECK(format_permissions(p) == std::string("n1\0b2\0", 6));
}

TEST_CASE("a domain acting for a target gets the target's rights") {
    auto p = perms({"n5", "r6"});
    CHECK(access_for({9, 5}, p) == kAccessAll);
    CHECK(access_for({9, 6}, p) == kAccessRead);
    CHECK(access_for({9, {}}, p) == kAccessNone);
}

// ---- Through the server, as two domains see each other's nodes.

#include "engine_client.hpp"

using namespace xensnd::loopback::xenstore::testing;

TEST_CASE("a domain cannot read another's node without an entry for it, and can with one") {
    Server server = server_with_domains({1, 2});
    EngineClient dom1(server, 1);
    EngineClient dom2(server, 2);
    REQUIRE(dom1.write("secret", "s").text() == "OK");
    CHECK(dom2.read("/local/domain/1/secret").error() == "EACCES");
    CHECK(dom2.directory("/local/domain/1").error() == "EACCES");
    CHECK(dom2.get_perms("/local/domain/1/secret").error() == "EACCES");

    REQUIRE(dom1.set_perms("secret", {"n1", "r2"}).text() == "OK");
    CHECK(dom2.read("/local/domain/1/secret").payload == "s");
    CHECK(dom2.write("/local/domain/1/secret", "x").error() == "EACCES");
    CHECK(dom2.get_perms("/local/domain/1/secret").strings() ==
          std::vector<std::string>{"n1", "r2"});

    REQUIRE(dom1.set_perms("secret", {"n1", "b2"}).text() == "OK");
    CHECK(dom2.write("/local/domain/1/secret", "x").text() == "OK");
    CHECK(dom1.read("secret").payload == "x");
    // Write access is not ownership.
    CHECK(dom2.set_perms("/local/domain/1/secret", {"n1", "b2"}).error() == "EACCES");
}

TEST_CASE("whether a hidden node exists is not revealed") {
    Server server = server_with_domains({1, 2});
    EngineClient dom1(server, 1);
    EngineClient dom2(server, 2);
    REQUIRE(dom1.write("hidden/there", "1").text() == "OK");
    CHECK(dom2.read("/local/domain/1/hidden/there").error() == "EACCES");
    CHECK(dom2.read("/local/domain/1/hidden/absent").error() == "EACCES");
    // Below a node it may read, a missing node is plainly missing.
    REQUIRE(dom1.set_perms("hidden", {"n1", "r2"}).text() == "OK");
    CHECK(dom2.read("/local/domain/1/hidden/absent").error() == "ENOENT");
}

TEST_CASE("the owner may share but not give away; the privileged domain may do both") {
    Server server = server_with_domains({1, 2});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    EngineClient dom2(server, 2);
    REQUIRE(dom1.write("node", "v").text() == "OK");
    CHECK(dom1.set_perms("node", {"n2"}).error() == "EPERM");
    CHECK(dom0.get_perms("/local/domain/1/node").strings() == std::vector<std::string>{"n1"});

    CHECK(dom0.set_perms("/local/domain/1/node", {"n2", "r1"}).text() == "OK");
    CHECK(dom1.read("node").payload == "v");
    CHECK(dom1.write("node", "w").error() == "EACCES");
    CHECK(dom2.write("/local/domain/1/node", "w").text() == "OK");
    CHECK(dom2.set_perms("/local/domain/1/node", {"n2"}).text() == "OK");
    CHECK(dom1.read("node").error() == "EACCES");
    // The privileged domain reads and writes whatever the permissions say.
    CHECK(dom0.read("/local/domain/1/node").payload == "w");
    CHECK(dom0.write("/local/domain/1/node", "0").text() == "OK");
}

TEST_CASE("a domain with write access to a directory owns what it creates there") {
    Server server = server_with_domains({1, 2});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    REQUIRE(dom0.mkdir("/shared").text() == "OK");
    CHECK(dom1.write("/shared/x", "1").error() == "EACCES");
    REQUIRE(dom0.set_perms("/shared", {"n0", "w1"}).text() == "OK");
    CHECK(dom1.write("/shared/x", "1").text() == "OK");
    CHECK(dom0.get_perms("/shared/x").strings() == std::vector<std::string>{"n1", "w1"});
    CHECK(dom1.read("/shared/x").payload == "1");
    CHECK(dom1.read("/shared").error() == "EACCES");  // write-only
}

TEST_CASE("entries for domains that do not exist grant nothing, even once they do") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    REQUIRE(dom1.write("k", "v").text() == "OK");
    REQUIRE(dom1.set_perms("k", {"n1", "r7"}).text() == "OK");
    CHECK(dom1.set_perms("k", {"n7"}).error() == "ENOENT");  // no such owner
    REQUIRE(server.create_domain(7).ok());
    EngineClient dom7(server, 7);
    CHECK(dom7.read("/local/domain/1/k").error() == "EACCES");
    REQUIRE(dom1.set_perms("k", {"n1", "r7"}).text() == "OK");
    CHECK(dom7.read("/local/domain/1/k").payload == "v");
}

TEST_CASE("an unprivileged domain may list at most five permissions") {
    Server server = server_with_domains({1, 2});
    EngineClient dom1(server, 1);
    REQUIRE(dom1.write("k", "").text() == "OK");
    CHECK(dom1.set_perms("k", {"n1", "r2", "r2", "r2", "r2"}).text() == "OK");
    CHECK(dom1.set_perms("k", {"n1", "r2", "r2", "r2", "r2", "r2"}).error() == "ENOSPC");
    EngineClient dom0(server, 0);
    CHECK(dom0.set_perms("/local/domain/1/k", {"n1", "r2", "r2", "r2", "r2", "r2"}).text() == "OK");
}

TEST_CASE("after SET_TARGET a domain has its target's rights") {
    Server server = server_with_domains({1, 3});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    EngineClient dom3(server, 3);
    REQUIRE(dom1.write("guest-only", "g").text() == "OK");
    CHECK(dom3.read("/local/domain/1/guest-only").error() == "EACCES");
    CHECK(dom1.request(XS_SET_TARGET, nul_joined({"3", "1"})).error() == "EACCES");
    REQUIRE(dom0.request(XS_SET_TARGET, nul_joined({"3", "1"})).text() == "OK");
    CHECK(dom3.read("/local/domain/1/guest-only").payload == "g");
    CHECK(dom0.request(XS_SET_TARGET, nul_joined({"3", "9"})).error() == "ENOENT");
}
