// Watches: the first event on registration, what fires them, the path form, tokens,
// permissions, transactions and the special domain paths.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine_client.hpp"

using namespace xensnd::loopback::xenstore;
using namespace xensnd::loopback::xenstore::testing;

using Events = std::vector<Event>;

TEST_CASE("a watch fires once at registration, after the acknowledgement") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    auto ack = dom1.watch("/local/domain/1/dev", "tok");
    CHECK(ack.text() == "OK");
    CHECK(dom1.events() ==
          Events{{"/local/domain/1/dev", "tok"}});  // even though it does not exist
    CHECK(dom1.watch("/local/domain/1/dev", "tok").error() == "EEXIST");
    CHECK(dom1.watch("/local/domain/1/dev", "tok2").text() == "OK");
    dom1.events();
}

TEST_CASE("writes and removals at or below the watched node fire it with the token") {
    Server server = server_with_domains({1});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    REQUIRE(dom1.watch("/local/domain/1/dev", "T").text() == "OK");
    dom1.events();

    REQUIRE(dom0.write("/local/domain/1/dev/state", "1").text() == "OK");
    CHECK(dom1.events() == Events{{"/local/domain/1/dev/state", "T"}});
    REQUIRE(dom0.write("/local/domain/1/devices", "x").text() == "OK");  // a sibling, not below
    REQUIRE(dom0.write("/local/domain/1", "x").text() == "OK");          // above
    CHECK(dom1.events().empty());

    REQUIRE(dom0.write("/local/domain/1/dev/a/b", "1").text() == "OK");
    CHECK(dom1.events() == Events{{"/local/domain/1/dev/a/b", "T"}});  // the leaf only
    REQUIRE(dom0.rm("/local/domain/1/dev/a").text() == "OK");
    CHECK(dom1.events() == Events{{"/local/domain/1/dev/a", "T"}});
    REQUIRE(dom0.rm("/local/domain/1/dev/missing").text() == "OK");
    CHECK(dom1.events().empty());  // nothing changed
    REQUIRE(dom0.mkdir("/local/domain/1/dev/state").text() == "OK");
    CHECK(dom1.events().empty());  // existed already
}

TEST_CASE("removing a subtree fires watches set on nodes below it, exactly") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    REQUIRE(dom1.write("t/a/b", "1").text() == "OK");
    REQUIRE(dom1.write("t/a/c", "1").text() == "OK");
    REQUIRE(dom1.watch("/local/domain/1/t/a/b", "exact").text() == "OK");
    REQUIRE(dom1.watch("/local/domain/1/t", "above").text() == "OK");
    REQUIRE(dom1.watch("/local/domain/1/t/a/b/deeper", "below").text() == "OK");
    dom1.events();
    REQUIRE(dom1.rm("t/a").text() == "OK");
    CHECK(dom1.events() ==
          Events{{"/local/domain/1/t/a/b", "exact"}, {"/local/domain/1/t/a", "above"}});
}

TEST_CASE("a relative watch gets relative paths; an absolute one absolute paths") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    REQUIRE(dom1.watch("device", "rel").text() == "OK");
    REQUIRE(dom1.watch("/local/domain/1/device", "abs").text() == "OK");
    CHECK(dom1.events() == Events{{"device", "rel"}, {"/local/domain/1/device", "abs"}});
    REQUIRE(dom1.write("device/vsnd/0/state", "4").text() == "OK");
    CHECK(dom1.events() ==
          Events{{"device/vsnd/0/state", "rel"}, {"/local/domain/1/device/vsnd/0/state", "abs"}});
    // UNWATCH takes the path as it was given.
    CHECK(dom1.unwatch("device", "rel").text() == "OK");
    CHECK(dom1.unwatch("device", "rel").error() == "ENOENT");
    CHECK(dom1.unwatch("/local/domain/1/device", "other-token").error() == "ENOENT");
}

TEST_CASE("events reach only watchers that may read the node or its parent") {
    Server server = server_with_domains({1, 2});
    EngineClient dom1(server, 1);
    EngineClient dom2(server, 2);
    REQUIRE(dom2.watch("/local/domain/1", "peek").text() == "OK");
    dom2.events();
    REQUIRE(dom1.write("private", "p").text() == "OK");
    CHECK(dom2.events().empty());

    REQUIRE(dom1.set_perms("private", {"n1", "r2"}).text() == "OK");
    CHECK(dom2.events() == Events{{"/local/domain/1/private", "peek"}});
    // Losing the right still tells the watcher, once.
    REQUIRE(dom1.set_perms("private", {"n1"}).text() == "OK");
    CHECK(dom2.events() == Events{{"/local/domain/1/private", "peek"}});
    REQUIRE(dom1.write("private", "q").text() == "OK");
    CHECK(dom2.events().empty());
}

TEST_CASE("a transaction's events go out at commit, and not at all on abort or conflict") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient w(server, 1);
    REQUIRE(w.watch("data", "w").text() == "OK");
    w.events();

    std::uint32_t tx = a.start();
    REQUIRE(a.write("data/x", "1", tx).text() == "OK");
    REQUIRE(a.write("data/y", "2", tx).text() == "OK");
    CHECK(w.events().empty());
    REQUIRE(a.end(tx, true).text() == "OK");
    CHECK(w.events() == Events{{"data/x", "w"}, {"data/y", "w"}});

    tx = a.start();
    REQUIRE(a.write("data/z", "1", tx).text() == "OK");
    REQUIRE(a.end(tx, false).text() == "OK");
    CHECK(w.events().empty());

    tx = a.start();
    REQUIRE(a.write("data/x", "2", tx).text() == "OK");
    REQUIRE(a.write("data/x", "3").text() == "OK");
    CHECK(w.events() == Events{{"data/x", "w"}});
    CHECK(a.end(tx, true).error() == "EAGAIN");
    CHECK(w.events().empty());
}

TEST_CASE("an identical event still waiting is not queued twice") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    auto w = server.connect(1);
    REQUIRE(w.ok());
    // Register by hand and never read, so the events stay queued.
    std::string payload = nul_joined({"flap", "t"});
    server.receive(*w, encode(XS_WATCH, 1, 0, payload));
    std::size_t queued = server.connection(*w)->output().bytes();
    for (int i = 0; i < 50; ++i)
        REQUIRE(a.write("flap", std::to_string(i)).text() == "OK");
    // The registration's own event is already waiting with the same path and token.
    CHECK(server.connection(*w)->output().bytes() == queued);
    REQUIRE(a.write("flap/sub", "").text() == "OK");
    CHECK(server.connection(*w)->output().bytes() > queued);
}

TEST_CASE("special watches: accepted from anyone, heard by who may read them") {
    Server server = server_with_domains({1});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    REQUIRE(dom0.watch("@introduceDomain", "intro").text() == "OK");
    REQUIRE(dom0.watch("@releaseDomain", "rel").text() == "OK");
    REQUIRE(dom1.watch("@releaseDomain", "rel1").text() == "OK");
    CHECK(dom0.events() == Events{{"@introduceDomain", "intro"}, {"@releaseDomain", "rel"}});
    CHECK(dom1.events() == Events{{"@releaseDomain", "rel1"}});

    REQUIRE(dom0.request(XS_INTRODUCE, nul_joined({"5", "0", "1"})).text() == "OK");
    CHECK(dom0.events() == Events{{"@introduceDomain", "intro"}});
    REQUIRE(dom0.request(XS_RELEASE, nul_joined({"5"})).text() == "OK");
    CHECK(dom0.events() == Events{{"@releaseDomain", "rel"}});
    CHECK(dom1.events().empty());  // @releaseDomain is the toolstack's by default

    CHECK(dom1.set_perms("@releaseDomain", {"n0", "r1"}).error() == "EACCES");
    REQUIRE(dom0.set_perms("@releaseDomain", {"n0", "r1"}).text() == "OK");
    REQUIRE(dom0.request(XS_INTRODUCE, nul_joined({"6", "0", "1"})).text() == "OK");
    REQUIRE(dom0.request(XS_RELEASE, nul_joined({"6"})).text() == "OK");
    CHECK(dom1.events() == Events{{"@releaseDomain", "rel1"}});
    CHECK(dom0.set_perms("@other", {"n0"}).error() == "EINVAL");
}

TEST_CASE("bad watch paths are EINVAL; the per-domain watch quota is E2BIG") {
    Limits limits;
    limits.watches_per_domain = 2;
    Server server = server_with_domains({1}, limits);
    EngineClient dom1(server, 1);
    CHECK(dom1.watch("a//b", "t").error() == "EINVAL");
    CHECK(dom1.watch("", "t").error() == "EINVAL");
    CHECK(dom1.watch("@" + std::string(kRelPathMax, 'x'), "t").error() == "EINVAL");
    for (int i = 0; i < 3; ++i)
        CHECK(dom1.watch("w", std::to_string(i)).text() == "OK");  // one over, as xenstored
    CHECK(dom1.watch("w", "3").error() == "E2BIG");
    EngineClient other(server, 1);  // the quota is the domain's, not the connection's
    CHECK(other.watch("w", "x").error() == "E2BIG");
    CHECK(dom1.request(XS_RESET_WATCHES, "").text() == "OK");
    CHECK(other.watch("w", "x").text() == "OK");
}

TEST_CASE("a watch on / sees everything the watcher may read") {
    Server server = server_with_domains({1, 2});
    EngineClient dom0(server, 0);
    EngineClient dom1(server, 1);
    REQUIRE(dom0.watch("/", "all").text() == "OK");
    dom0.events();
    REQUIRE(dom1.write("x", "1").text() == "OK");
    CHECK(dom0.events() == Events{{"/local/domain/1/x", "all"}});
}

TEST_CASE("a closed connection's watches are gone") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    ConnectionId id = 0;
    {
        EngineClient watcher(server, 1);
        REQUIRE(watcher.watch("x", "t").text() == "OK");
        id = watcher.id();
    }
    server.disconnect(id);
    CHECK(dom1.write("x", "1").text() == "OK");
    CHECK(server.connection(id) == nullptr);
}
