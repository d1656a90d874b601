// EventPageProducer and EventPageConsumer over one in-memory page: delivery, a full page with
// coalesced CUR_POS and consecutive ids, and a hostile peer's index.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "core/protocol/event_page.hpp"
#include "tests/core/protocol/guarded_page.hpp"

using namespace xensnd::sndif;
using xensnd::sndif::test::GuardedPage;

namespace {

constexpr std::size_t kInCons = offsetof(xensnd_event_page, in_cons);
constexpr std::size_t kInProd = offsetof(xensnd_event_page, in_prod);

// What the frontend saw, in order.
struct Received {
    std::vector<std::uint16_t> ids;
    std::vector<std::uint64_t> positions;
};

void drain(EventPageConsumer& consumer, Received& into, std::size_t at_most = 1000) {
    std::array<Event, 63> events{};
    while (at_most > 0) {
        auto n = consumer.consume(std::span(events).first(std::min<std::size_t>(at_most, 63)));
        REQUIRE(n.ok());
        if (*n == 0) return;
        for (std::size_t i = 0; i < *n; ++i) {
            REQUIRE(events[i].type == XENSND_EVT_CUR_POS);
            into.ids.push_back(events[i].id);
            into.positions.push_back(events[i].op.cur_pos.position);
        }
        at_most -= *n;
    }
}

}  // namespace

TEST_CASE("the consumer zeroes the page; the producer writes nothing until it posts") {
    GuardedPage page;
    std::memset(page.get(), 0xCD, 4096);
    EventPageConsumer consumer(page.get());
    for (std::size_t i = 0; i < 4096; ++i)
        REQUIRE(page.bytes()[i] == std::byte{0});

    // A frontend that left in_prod = in_cons = 5: the producer continues from there.
    page.word(kInProd) = 5;
    page.word(kInCons) = 5;
    std::memset(page.bytes() + 64, 0xEE, 4096 - 64);
    EventPageProducer producer(page.get());
    CHECK(page.word(kInProd) == 5);
    CHECK(page.word(kInCons) == 5);
    for (std::size_t i = 64; i < 4096; ++i)
        REQUIRE(page.bytes()[i] == std::byte{0xEE});

    REQUIRE(*producer.post_cur_pos(123));
    CHECK(page.word(kInProd) == 6);
    Event slot5;
    std::memcpy(&slot5, page.bytes() + 64 + std::size_t{5} * 64, sizeof slot5);
    CHECK(slot5.id == 0);
    CHECK(slot5.type == XENSND_EVT_CUR_POS);
    CHECK(slot5.op.cur_pos.position == 123);
}

TEST_CASE("CUR_POS events reach the consumer in order with ids 0, 1, 2, ...") {
    GuardedPage page;
    EventPageConsumer consumer(page.get());
    EventPageProducer producer(page.get());
    Received got;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        auto posted = producer.post_cur_pos(i * 4096);
        REQUIRE(posted.ok());
        REQUIRE(*posted);
        if (i % 50 == 49) drain(consumer, got);
    }
    drain(consumer, got);
    REQUIRE(got.ids.size() == 1000);
    for (std::size_t i = 0; i < 1000; ++i) {
        REQUIRE(got.ids[i] == std::uint16_t(i));
        REQUIRE(got.positions[i] == i * 4096);
    }
    CHECK(page.word(kInCons) == 1000);
}

TEST_CASE("a full page holds the newest CUR_POS and uses no id for the ones it dropped") {
    GuardedPage page;
    EventPageConsumer consumer(page.get());
    EventPageProducer producer(page.get());
    for (std::uint64_t i = 0; i < 63; ++i)
        REQUIRE(*producer.post_cur_pos(i));
    CHECK(*producer.free_slots() == 0);

    // Full: nothing is overwritten, the newest position waits.
    CHECK_FALSE(*producer.post_cur_pos(1000));
    CHECK_FALSE(*producer.post_cur_pos(2000));
    CHECK_FALSE(*producer.post_cur_pos(3000));
    CHECK(producer.pending_position() == 3000);
    CHECK(producer.next_id() == 63);
    CHECK_FALSE(*producer.flush());  // still no room

    Event first;
    std::memcpy(&first, page.bytes() + 64, sizeof first);
    CHECK(first.op.cur_pos.position == 0);  // slot 0 was not overwritten

    Received got;
    drain(consumer, got, 10);
    CHECK(*producer.flush());
    CHECK_FALSE(producer.pending_position());
    CHECK_FALSE(*producer.flush());  // nothing left to post
    REQUIRE(*producer.post_cur_pos(4000));
    drain(consumer, got);

    REQUIRE(got.ids.size() == 65);
    for (std::size_t i = 0; i < got.ids.size(); ++i)
        CHECK(got.ids[i] == std::uint16_t(i));
    CHECK(got.positions[62] == 62);
    CHECK(got.positions[63] == 3000);  // the newest held position, not 1000 or 2000
    CHECK(got.positions[64] == 4000);
}

TEST_CASE("posting on a full page is refused without using an id") {
    GuardedPage page;
    EventPageConsumer consumer(page.get());
    EventPageProducer producer(page.get());
    for (int i = 0; i < 63; ++i)
        REQUIRE(producer.post(make_cur_pos_event(i)).ok());
    CHECK(producer.post(make_cur_pos_event(99)).errno_value() == EAGAIN);
    CHECK(producer.next_id() == 63);
    CHECK(page.word(kInProd) == 63);

    std::array<Event, 1> one{};
    REQUIRE(*consumer.consume(one) == 1);
    auto id = producer.post(make_cur_pos_event(99));
    REQUIRE(id.ok());
    CHECK(*id == 63);
}

TEST_CASE("a newer CUR_POS supersedes the held one; a dropped one never reappears") {
    GuardedPage page;
    EventPageConsumer consumer(page.get());
    EventPageProducer producer(page.get());
    for (int i = 0; i < 63; ++i)
        REQUIRE(*producer.post_cur_pos(i));
    CHECK_FALSE(*producer.post_cur_pos(500));

    SUBCASE("posted directly when room frees") {
        std::array<Event, 1> one{};
        REQUIRE(*consumer.consume(one) == 1);
        CHECK(*producer.post_cur_pos(600));
        CHECK_FALSE(producer.pending_position());
        Received got;
        drain(consumer, got);
        REQUIRE(got.positions.size() == 63);  // 62 left of the first 63, then 600
        CHECK(got.positions[61] == 62);
        CHECK(got.positions.back() == 600);
    }
    SUBCASE("dropped on close") {
        producer.drop_pending();
        Received got;
        drain(consumer, got);
        CHECK_FALSE(*producer.flush());
        drain(consumer, got);
        CHECK(got.positions.size() == 63);
        CHECK(got.positions.back() == 62);
    }
}

TEST_CASE("an in_prod more than 63 ahead breaks the consumer without a read") {
    GuardedPage page;
    EventPageConsumer consumer(page.get());
    std::array<Event, 128> events{};
    std::memset(events.data(), 0x5A, sizeof events);

    SUBCASE("64 ahead") {
        page.word(kInProd) = 64;
        CHECK(consumer.consume(events).errno_value() == EPROTO);
        CHECK(consumer.broken());
        CHECK(events[0].id == 0x5A5A);
        CHECK(page.word(kInCons) == 0);
        page.word(kInProd) = 1;
        CHECK(consumer.consume(events).errno_value() == EPROTO);
    }
    SUBCASE("wrapped backwards") {
        page.word(kInProd) = 0xFFFFFFFFu;
        CHECK(consumer.consume(events).errno_value() == EPROTO);
    }
    SUBCASE("63 ahead is a full page, read from inside the page") {
        page.word(kInProd) = 63;
        CHECK(*consumer.consume(events) == 63);
        CHECK(page.word(kInCons) == 63);
    }
    SUBCASE("any value is refused or served from inside the page") {
        for (std::uint64_t v = 0; v <= 0xFFFFFFFFu; v += 0x00F00011u) {
            GuardedPage p;
            EventPageConsumer c(p.get());
            p.word(kInProd) = std::uint32_t(v);
            auto n = c.consume(events);
            CHECK((n.ok() ? *n <= 63 : n.errno_value() == EPROTO));
        }
    }
}

TEST_CASE("an impossible in_cons breaks the producer") {
    GuardedPage page;
    EventPageConsumer consumer(page.get());
    EventPageProducer producer(page.get());
    for (int i = 0; i < 10; ++i)
        REQUIRE(*producer.post_cur_pos(i));

    SUBCASE("ahead of in_prod") {
        page.word(kInCons) = 11;
        CHECK(producer.post_cur_pos(10).errno_value() == EPROTO);
        CHECK(producer.broken());
        CHECK(page.word(kInProd) == 10);
        page.word(kInCons) = 10;
        CHECK(producer.flush().errno_value() == EPROTO);
        CHECK(producer.post(make_cur_pos_event(1)).errno_value() == EPROTO);
    }
    SUBCASE("more than a page behind") {
        page.word(kInCons) = std::uint32_t(10 - 64);
        CHECK(producer.free_slots().errno_value() == EPROTO);
    }
}

TEST_CASE("ids and slots stay right when in_prod wraps at 2^32") {
    GuardedPage page;
    page.word(kInProd) = 0xFFFFFFF0u;
    page.word(kInCons) = 0xFFFFFFF0u;
    EventPageProducer producer(page.get());
    // A frontend that consumes by hand, as Linux does: slot = index % 63.
    std::uint32_t cons = 0xFFFFFFF0u;
    for (std::uint64_t i = 0; i < 40; ++i) {
        REQUIRE(*producer.post_cur_pos(i));
        Event e;
        std::memcpy(&e, page.bytes() + 64 + std::size_t{cons % 63} * 64, sizeof e);
        REQUIRE(e.id == std::uint16_t(i));
        REQUIRE(e.op.cur_pos.position == i);
        ++cons;
        page.word(kInCons) = cons;
    }
    CHECK(page.word(kInProd) == 0xFFFFFFF0u + 40);
}

TEST_CASE("a producer and a slower consumer in two threads: ids consecutive, newest kept") {
    alignas(4096) static std::byte memory[4096];
    EventPageConsumer consumer(memory);
    EventPageProducer producer(memory);
    constexpr std::uint64_t kLast = 300000;
    std::atomic<bool> done{false};
    std::atomic<bool> failed{false};

    std::thread backend([&] {
        for (std::uint64_t pos = 1; pos <= kLast; ++pos)
            if (!producer.post_cur_pos(pos)) failed = true;
        while (producer.pending_position() && !failed) {
            if (!producer.flush()) failed = true;
            std::this_thread::yield();
        }
        done = true;
    });

    std::array<Event, 8> events{};  // small batches: the page fills and CUR_POS coalesces
    std::uint16_t expected_id = 0;
    std::uint64_t last = 0;
    std::uint64_t received = 0;
    for (;;) {
        const bool finished = done.load();
        auto n = consumer.consume(events);
        REQUIRE(n.ok());
        for (std::size_t i = 0; i < *n; ++i, ++received) {
            REQUIRE(events[i].id == expected_id++);
            REQUIRE(events[i].op.cur_pos.position > last);
            last = events[i].op.cur_pos.position;
        }
        if (finished && *n == 0) break;
    }
    backend.join();
    CHECK_FALSE(failed);
    CHECK(last == kLast);                                  // the newest position always arrives
    CHECK(std::uint16_t(received) == producer.next_id());  // ids wrap at 2^16
    CHECK(received <= kLast);
}
