// Transactions: isolation until commit, conflicts detected by generation, abort, limits.
#include <string>

#include <doctest/doctest.h>

#include "engine_client.hpp"

using namespace xensnd::loopback::xenstore;
using namespace xensnd::loopback::xenstore::testing;

TEST_CASE("changes in a transaction are invisible until it commits") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient b(server, 1);
    std::uint32_t tx = a.start();
    REQUIRE(tx != 0);
    CHECK(a.write("k", "in-tx", tx).text() == "OK");
    CHECK(a.read("k", tx).payload == "in-tx");
    CHECK(a.read("k").error() == "ENOENT");
    CHECK(b.read("/local/domain/1/k").error() == "ENOENT");
    CHECK(a.end(tx, true).text() == "OK");
    CHECK(b.read("/local/domain/1/k").payload == "in-tx");
}

TEST_CASE("a node read in a transaction and changed meanwhile makes the commit EAGAIN") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient b(server, 1);
    REQUIRE(a.write("counter", "1").text() == "OK");
    std::uint32_t tx = a.start();
    CHECK(a.read("counter", tx).payload == "1");
    CHECK(a.write("counter", "2", tx).text() == "OK");
    CHECK(b.write("counter", "5").text() == "OK");
    CHECK(a.end(tx, true).error() == "EAGAIN");
    CHECK(b.read("counter").payload == "5");  // nothing of the failed transaction leaked

    // The retry, undisturbed, goes through.
    tx = a.start();
    CHECK(a.read("counter", tx).payload == "5");
    CHECK(a.write("counter", "6", tx).text() == "OK");
    CHECK(a.end(tx, true).text() == "OK");
    CHECK(b.read("counter").payload == "6");
}

TEST_CASE("conflicts come from generations, not values, and from creation too") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient b(server, 1);
    REQUIRE(a.write("same", "v").text() == "OK");
    std::uint32_t tx = a.start();
    REQUIRE(a.read("same", tx).payload == "v");
    REQUIRE(a.write("other", "x", tx).text() == "OK");
    REQUIRE(b.write("same", "v").text() == "OK");  // the same value, still a change
    CHECK(a.end(tx, true).error() == "EAGAIN");

    tx = a.start();
    CHECK(a.read("later", tx).error() == "ENOENT");
    REQUIRE(b.write("later", "now").text() == "OK");
    CHECK(a.end(tx, true).error() == "EAGAIN");

    tx = a.start();
    REQUIRE(a.write("sibling-a", "1", tx).text() == "OK");  // reads and changes the parent
    REQUIRE(b.write("sibling-b", "2").text() == "OK");
    CHECK(a.end(tx, true).error() == "EAGAIN");
}

TEST_CASE(
    "removing a node another client created under a parent the transaction saw absent is EAGAIN") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient b(server, 1);
    std::uint32_t tx = a.start();
    CHECK(a.read("dir", tx).error() == "ENOENT");
    REQUIRE(b.write("dir/leaf", "x").text() == "OK");
    // The transaction's view is stale: a retry is the answer, as its commit would say.
    CHECK(a.rm("dir/leaf", tx).error() == "EAGAIN");
    CHECK(a.end(tx, true).error() == "EAGAIN");
    CHECK(b.read("dir/leaf").payload == "x");

    tx = a.start();
    CHECK(a.rm("dir/leaf", tx).text() == "OK");
    CHECK(a.end(tx, true).text() == "OK");
    CHECK(b.read("dir/leaf").error() == "ENOENT");
}

TEST_CASE("transactions touching unrelated nodes both commit") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient b(server, 1);
    REQUIRE(a.mkdir("x").text() == "OK");
    REQUIRE(a.mkdir("y").text() == "OK");
    std::uint32_t ta = a.start();
    std::uint32_t tb = b.start();
    REQUIRE(a.write("x/v", "a", ta).text() == "OK");
    REQUIRE(b.write("y/v", "b", tb).text() == "OK");
    CHECK(a.end(ta, true).text() == "OK");
    CHECK(b.end(tb, true).text() == "OK");
    CHECK(a.read("y/v").payload == "b");
}

TEST_CASE("an aborted transaction leaves nothing behind; ending twice is ENOENT") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    std::uint32_t tx = a.start();
    REQUIRE(a.write("tmp/deep", "1", tx).text() == "OK");
    REQUIRE(a.rm("tmp", tx).text() == "OK");
    REQUIRE(a.write("kept", "no", tx).text() == "OK");
    CHECK(a.end(tx, false).text() == "OK");
    CHECK(a.read("kept").error() == "ENOENT");
    CHECK(a.end(tx, true).error() == "ENOENT");
    CHECK(a.read("kept", tx).error() == "ENOENT");  // unknown tx id
    CHECK(a.request(XS_TRANSACTION_END, nul_joined({"T"})).error() == "ENOENT");
}

TEST_CASE("RM in a transaction removes the subtree at commit") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient b(server, 1);
    REQUIRE(a.write("t/a/b", "1").text() == "OK");
    std::uint32_t tx = a.start();
    REQUIRE(a.rm("t/a", tx).text() == "OK");
    CHECK(b.read("t/a/b").payload == "1");
    CHECK(a.read("t/a/b", tx).error() == "ENOENT");
    CHECK(a.end(tx, true).text() == "OK");
    CHECK(b.read("t/a/b").error() == "ENOENT");
    CHECK(b.directory("t").payload.empty());
}

TEST_CASE("transaction ids are per connection, never 0, and not nested") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    EngineClient b(server, 1);
    std::uint32_t tx = a.start();
    CHECK(tx != 0);
    CHECK(b.read("x", tx).error() == "ENOENT");  // b has no such transaction
    auto nested = a.request(XS_TRANSACTION_START, std::string_view("\0", 1), tx);
    CHECK(nested.error() == "EBUSY");
    CHECK(nested.tx_id == tx);  // replies echo the request's ids
}

TEST_CASE("an unprivileged connection may hold a limited number of transactions") {
    Limits limits;
    limits.transactions_per_connection = 2;
    Server server = server_with_domains({1}, limits);
    EngineClient a(server, 1);
    for (int i = 0; i < 3; ++i)
        REQUIRE(a.start() != 0);  // xenstored allows one over
    CHECK(a.request(XS_TRANSACTION_START, std::string_view("\0", 1)).error() == "ENOSPC");
    EngineClient dom0(server, 0);
    for (int i = 0; i < 10; ++i)
        CHECK(dom0.start() != 0);
}

TEST_CASE("touching too many nodes fails the transaction") {
    Limits limits;
    limits.nodes_per_transaction = 4;
    Server server = server_with_domains({1}, limits);
    EngineClient a(server, 1);
    std::uint32_t tx = a.start();
    CHECK(a.write("n1", "", tx).text() == "OK");  // reads n1 and the home, writes both
    CHECK(a.write("n2", "", tx).text() == "OK");
    CHECK(a.write("n3", "", tx).text() == "OK");
    CHECK(a.write("n4", "", tx).error() == "ENOSPC");
    CHECK(a.end(tx, true).error() == "ENOMEM");  // xenstored's answer for a failed one
    CHECK(a.read("n1").error() == "ENOENT");
}

TEST_CASE("the node quota is checked again at commit") {
    Limits limits;
    limits.nodes_per_domain = 3;  // the home and one more, in a transaction
    Server server = server_with_domains({1}, limits);
    EngineClient a(server, 1);
    std::uint32_t tx = a.start();
    CHECK(a.write("x", "", tx).text() == "OK");
    CHECK(a.write("y", "", tx).text() == "OK");  // each alone is within the quota
    CHECK(a.end(tx, true).error() == "ENOSPC");
    CHECK(a.read("x").error() == "ENOENT");
}

TEST_CASE("RESET_WATCHES drops the connection's transactions") {
    Server server = server_with_domains({1});
    EngineClient a(server, 1);
    std::uint32_t tx = a.start();
    REQUIRE(a.request(XS_RESET_WATCHES, "").text() == "OK");
    CHECK(a.end(tx, true).error() == "ENOENT");
}
