// A connection's life: malformed input, errors that keep it open and violations that close
// it, back-pressure on a client that does not read, and its output queue.
#include <cstring>
#include <string>

#include <doctest/doctest.h>

#include "engine_client.hpp"

using namespace xensnd::loopback::xenstore;
using namespace xensnd::loopback::xenstore::testing;
using namespace std::string_literals;

TEST_CASE("malformed requests get an error reply and the connection goes on") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    CHECK(dom1.request(XS_READ, "no-terminator").error() == "EINVAL");
    CHECK(dom1.request(XS_WATCH, "only-one\0"s).error() == "EINVAL");
    CHECK(dom1.request(XS_SET_PERMS, "/x\0garbage\0"s).error() == "EINVAL");
    CHECK(dom1.request(XS_WATCH_EVENT, "a\0b\0"s).error() == "ENOSYS");
    CHECK(dom1.request(XS_ERROR, "EINVAL\0"s).error() == "ENOSYS");
    CHECK(dom1.request(12345, "").error() == "ENOSYS");
    CHECK(dom1.request(XS_INVALID, "").error() == "ENOSYS");
    CHECK(dom1.write("still", "here").text() == "OK");
    CHECK(dom1.read("still").payload == "here");
}

TEST_CASE("errors come in xenstored's order: type, privilege, transaction, payload") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    CHECK(dom1.request(XS_INTRODUCE, "garbage", 99).error() == "EACCES");
    CHECK(dom1.request(XS_CONTROL, "x\0"s).error() == "EACCES");
    CHECK(dom1.request(XS_READ, "garbage", 99).error() == "ENOENT");
    CHECK(dom1.request(XS_WATCH, "w\0t\0"s, 99).text() == "OK");  // watches ignore tx ids
    EngineClient dom0(server, 0);
    CHECK(dom0.request(XS_CONTROL, "print\0hello\0"s).error() == "EINVAL");  // unsupported
}

TEST_CASE("replies echo the request id and transaction id") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    std::uint32_t tx = dom1.start();
    auto m = dom1.write("k", "v", tx);
    CHECK(m.type == XS_WRITE);
    CHECK(m.tx_id == tx);
    CHECK(m.payload == "OK\0"s);
    auto e = dom1.read("missing", tx);
    CHECK(e.type == XS_ERROR);
    CHECK(e.tx_id == tx);
    CHECK(e.payload == "ENOENT\0"s);
}

TEST_CASE("requests split across reads and packed together are all answered") {
    Server server = server_with_domains({1});
    EngineClient dom1(server, 1);
    std::string stream;
    for (int i = 0; i < 10; ++i)
        stream += encode(XS_WRITE, 100 + i, 0, "k" + std::to_string(i) + '\0' + "v");
    for (std::size_t i = 0; i < stream.size(); i += 7)
        dom1.send_bytes(stream.substr(i, 7));
    for (int i = 0; i < 10; ++i)
        CHECK(dom1.read("k" + std::to_string(i)).payload == "v");
}

TEST_CASE("an oversized length closes the connection, and only that one") {
    Server server = server_with_domains({1});
    EngineClient good(server, 1);
    auto bad = server.connect(1);
    REQUIRE(bad.ok());
    REQUIRE(good.watch("k", "t").text() == "OK");
    server.receive(*bad, encode(XS_WATCH, 1, 0, "k\0t\0"s));  // it watches too
    good.events();

    xsd_sockmsg raw{XS_WRITE, 1, 0, static_cast<std::uint32_t>(kPayloadMax + 1)};
    server.receive(*bad, std::string(reinterpret_cast<const char*>(&raw), sizeof raw));
    auto notices = server.take_notices();
    CHECK(notices.closing == std::vector<ConnectionId>{*bad});
    CHECK(server.connection(*bad)->closing());
    CHECK_FALSE(server.accepts_requests(*bad));

    // Nothing more is processed for it, and it hears no more events.
    std::size_t before = server.connection(*bad)->output().bytes();
    server.receive(*bad, encode(XS_WRITE, 2, 0, "x\0y"s));
    CHECK(good.write("k", "changed").text() == "OK");
    CHECK(server.connection(*bad)->output().bytes() == before);
    CHECK(good.events() == std::vector<Event>{{"k", "t"}});
    CHECK(good.read("x").error() == "ENOENT");
    server.disconnect(*bad);
    CHECK(server.connection(*bad) == nullptr);
}

TEST_CASE("a client that does not read its replies is not read from either") {
    Limits limits;
    limits.outstanding_replies = 4;
    Server server = server_with_domains({1}, limits);
    auto flood = server.connect(1);
    REQUIRE(flood.ok());
    std::string burst;
    for (int i = 0; i < 100; ++i)
        burst += encode(XS_READ, i, 0, "/local/domain/1\0"s);
    server.receive(*flood, burst);
    Connection* conn = server.connection(*flood);
    CHECK(conn->output().replies() == 4);
    CHECK_FALSE(server.accepts_requests(*flood));
    CHECK(conn->pending_input().size() == burst.size() - 4 * (kHeaderSize + 16));

    // Others are served meanwhile.
    EngineClient other(server, 1);
    CHECK(other.write("x", "y").text() == "OK");

    // Draining its output lets the held requests through, a few at a time.
    std::size_t answered = 0;
    for (int round = 0; round < 100 && answered < 100; ++round) {
        answered += conn->output().replies();
        while (!conn->output().empty())
            conn->output().consume(conn->output().front().size());
        server.resume(*flood);
    }
    CHECK(answered == 100);
    CHECK(conn->pending_input().empty());
    CHECK(server.accepts_requests(*flood));
}

TEST_CASE("watch events beyond the output limit are dropped, replies are not") {
    Limits limits;
    limits.output_bytes = 1024;
    Server server = server_with_domains({1}, limits);
    EngineClient writer(server, 1);
    auto idle = server.connect(1);
    REQUIRE(idle.ok());
    server.receive(*idle, encode(XS_WATCH, 1, 0, "d\0t\0"s));
    for (int i = 0; i < 200; ++i)
        REQUIRE(writer.write("d/" + std::to_string(i), "").text() == "OK");
    Connection* conn = server.connection(*idle);
    CHECK(conn->output().bytes() <= 1024);
    CHECK(conn->dropped_events > 0);
}

TEST_CASE("the output queue sends messages in order and counts replies until fully sent") {
    OutputQueue q(100);
    q.push_reply("reply-1");
    CHECK(q.push_event("event-1", true) == OutputQueue::EventOutcome::kQueued);
    CHECK(q.push_event("event-1", true) == OutputQueue::EventOutcome::kDuplicate);
    CHECK(q.push_event("event-1", false) == OutputQueue::EventOutcome::kQueued);
    CHECK(q.push_event(std::string(90, 'e'), true) == OutputQueue::EventOutcome::kOverLimit);
    CHECK(q.replies() == 1);
    CHECK(q.bytes() == 21);
    CHECK(q.front() == "reply-1");
    q.consume(3);
    CHECK(q.front() == "ly-1");
    CHECK(q.replies() == 1);
    q.consume(4 + 2);
    CHECK(q.replies() == 0);
    CHECK(q.front() == "ent-1");
    q.consume(100);
    CHECK(q.empty());
    CHECK(q.bytes() == 0);
}

TEST_CASE("connections are only for introduced domains") {
    Server server = server_with_domains({1});
    CHECK(server.connect(4).errno_value() == ENOENT);
    CHECK(server.connect(1).ok());
}
