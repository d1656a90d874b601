// The node tree through the server's operations: WRITE, MKDIR, RM, DIRECTORY, READ,
// GET_PERMS, as a client sees them, with xenstored's rules for parents and quotas.
#include <string>

#include <doctest/doctest.h>

#include "engine_client.hpp"

using namespace xensnd::loopback::xenstore;
using namespace xensnd::loopback::xenstore::testing;
using namespace std::string_literals;

TEST_CASE("the initial tree: xenstored's /tool and a home per domain owned by it") {
    Server server = server_with_domains({1});
    EngineClient dom0(server, 0);
    CHECK(dom0.directory("/").strings() == std::vector<std::string>{"tool", "local"});
    CHECK(dom0.directory("/local/domain").strings() == std::vector<std::string>{"0", "1"});
    CHECK(dom0.get_perms("/local/domain").strings() == std::vector<std::string>{"n0"});
    CHECK(dom0.get_perms("/local/domain/1").strings() == std::vector<std::string>{"n1"});
    CHECK(dom0.read("/tool/xenstored").payload.empty());
}

TEST_CASE("WRITE creates missing parents, which inherit permissions and belong to the writer") {
    Server server = server_with_domains({1, 2});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    REQUIRE(dom1.set_perms("/local/domain/1", {"n1", "r2"}).text() == "OK");

    CHECK(dom1.write("device/vsnd/0/state", "1").text() == "OK");
    CHECK(dom0.read("/local/domain/1/device/vsnd/0/state").payload == "1");
    for (const char* p : {"/local/domain/1/device", "/local/domain/1/device/vsnd",
                          "/local/domain/1/device/vsnd/0", "/local/domain/1/device/vsnd/0/state"}) {
        CHECK_MESSAGE((dom0.get_perms(p).strings() == std::vector<std::string>{"n1", "r2"}), p);
        CHECK_MESSAGE(!dom0.read(p).is_error(), p);
    }
    // The privileged domain's nodes keep the inherited owner.
    CHECK(dom0.write("/local/domain/1/backend-made", "x").text() == "OK");
    CHECK(dom0.get_perms("/local/domain/1/backend-made").strings() ==
          std::vector<std::string>{"n1", "r2"});
    CHECK(dom0.write("/vm/uuid", "x").text() == "OK");
    CHECK(dom0.get_perms("/vm").strings() == std::vector<std::string>{"n0"});
}

TEST_CASE("values are bytes and keep their length") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    CHECK(dom1.write("bin", "a\0b\xff"s).text() == "OK");
    CHECK(dom1.read("bin").payload == "a\0b\xff"s);
    CHECK(dom1.write("bin", "").text() == "OK");
    CHECK(dom1.read("bin").payload.empty());
}

TEST_CASE("DIRECTORY lists children in creation order") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    for (const char* c : {"zeta", "alpha", "mid"})
        REQUIRE(dom1.mkdir(std::string("d/") + c).text() == "OK");
    CHECK(dom1.directory("d").strings() == std::vector<std::string>{"zeta", "alpha", "mid"});
    CHECK(dom1.directory("d/zeta").payload.empty());
    CHECK(dom1.directory("nope").error() == "ENOENT");
}

TEST_CASE("MKDIR of an existing node succeeds and keeps its value") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    REQUIRE(dom1.write("k", "v").text() == "OK");
    CHECK(dom1.mkdir("k").text() == "OK");
    CHECK(dom1.read("k").payload == "v");
}

TEST_CASE("RM removes a whole subtree; a missing node is fine only if its parent exists") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    REQUIRE(dom1.write("a/b/c", "1").text() == "OK");
    REQUIRE(dom1.write("a/b/d", "2").text() == "OK");
    REQUIRE(dom1.write("a/e", "3").text() == "OK");
    CHECK(dom1.rm("a/b").text() == "OK");
    CHECK(dom1.read("a/b/c").error() == "ENOENT");
    CHECK(dom1.directory("a").strings() == std::vector<std::string>{"e"});
    CHECK(dom1.rm("a/b").text() == "OK");         // gone already, parent exists
    CHECK(dom1.rm("a/x/y").error() == "ENOENT");  // parent missing too
    CHECK(dom1.rm("/").error() == "EACCES");      // not its own
    EngineClient dom0(server, 0);
    CHECK(dom0.rm("/").error() == "EINVAL");
}

TEST_CASE("bad paths are EINVAL") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    for (const char* p : {"a//b", "a/", "/a b", "", "@foo"}) {
        CHECK_MESSAGE(dom1.write(p, "v").error() == "EINVAL", p);
        CHECK_MESSAGE(dom1.read(p).error() == "EINVAL", p);
    }
    CHECK(dom1.read(std::string(kRelPathMax + 1, 'x')).error() == "EINVAL");
}

TEST_CASE("GET_DOMAIN_PATH names any domain's home") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    CHECK(dom1.request(XS_GET_DOMAIN_PATH, nul_joined({"3"})).text() == "/local/domain/3");
    CHECK(dom1.request(XS_GET_DOMAIN_PATH, nul_joined({"x"})).error() == "EINVAL");
}

TEST_CASE("DIRECTORY_PART hands out long child lists in parts with the generation") {
    Server server = server_with_domains({1});
    EngineClient dom0(server, 0);
    std::vector<std::string> names;
    for (int i = 0; i < 200; ++i) {
        names.push_back("child-with-a-long-name-" + std::to_string(i));
        REQUIRE(dom0.mkdir("/big/" + names.back()).text() == "OK");
    }
    CHECK(dom0.directory("/big").error() == "E2BIG");  // the list exceeds one payload

    std::vector<std::string> got;
    std::string generation;
    std::size_t offset = 0;
    for (int part = 0; part < 10; ++part) {
        auto m = dom0.request(XS_DIRECTORY_PART, nul_joined({"/big", std::to_string(offset)}));
        REQUIRE_FALSE(m.is_error());
        CHECK(m.payload.size() <= kPayloadMax);
        auto s = m.strings();
        REQUIRE(!s.empty());
        if (part == 0) generation = s[0];
        CHECK(s[0] == generation);
        bool last = s.back().empty();
        for (std::size_t i = 1; i < s.size(); ++i) {
            if (s[i].empty()) break;
            got.push_back(s[i]);
            offset += s[i].size() + 1;
        }
        if (last) break;
    }
    CHECK(got == names);
}

TEST_CASE("an unprivileged domain's node count and entry size are limited") {
    Limits limits;
    limits.nodes_per_domain = 5;  // its home is one of them
    Server server = server_with_domains({1}, limits);
    EngineClient dom1(server, 1);
    CHECK(dom1.write("a/b/c", "").text() == "OK");     // 4 nodes now
    CHECK(dom1.write("x/y", "").error() == "ENOSPC");  // would be 6
    CHECK(dom1.read("x").error() == "ENOENT");         // nothing half-made
    CHECK(dom1.write("x", "").text() == "OK");
    CHECK(dom1.write("y", "").error() == "ENOSPC");
    CHECK(dom1.write("a", "rewriting is fine").text() == "OK");
    CHECK(dom1.rm("a").text() == "OK");
    CHECK(dom1.write("y", "").text() == "OK");

    CHECK(dom1.write("x", std::string(3000, 'v')).error() == "ENOSPC");
    EngineClient dom0(server, 0);
    CHECK(dom0.write("/local/domain/1/x", std::string(3000, 'v')).text() == "OK");
    for (int i = 0; i < 20; ++i)
        CHECK(dom0.write("/d0/n" + std::to_string(i), "").text() == "OK");
}
