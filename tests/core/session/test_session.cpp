// The sndif session type, both roles in one process over in-process event channels: every
// sndif v2 operation round trip, CUR_POS at a high rate with consecutive ids, the response
// timeout, and peers that break the ring or answer wrongly.
#include <doctest/doctest.h>

#include <cstring>

#include "core/protocol/sndif_wire.hpp"
#include "core/session/session.hpp"
#include "coro/coro.hpp"
#include "local_event_channel.hpp"
#include "serving_backend.hpp"

using namespace xensnd;
using namespace xensnd::session;
using namespace xensnd::coro;
using namespace std::chrono_literals;
using test::request_of;
using test::serve;

namespace {

struct Fixture {
    std::unique_ptr<Reactor> reactor = std::move(*Reactor::create());
    std::unique_ptr<test::StreamPages> pages = std::make_unique<test::StreamPages>();
    std::pair<std::unique_ptr<test::LocalEventChannel>, std::unique_ptr<test::LocalEventChannel>>
        ring_ch = test::make_local_channel_pair(11, 21);
    std::pair<std::unique_ptr<test::LocalEventChannel>, std::unique_ptr<test::LocalEventChannel>>
        evt_ch = test::make_local_channel_pair(12, 22);
    // The frontend initialises the pages, so it is built first.
    FrontendSession front{pages->ring.data(), pages->events.data(), *ring_ch.first, *evt_ch.first};
    BackendSession back{pages->ring.data(), pages->events.data(), *ring_ch.second, *evt_ch.second};
};

}  // namespace

TEST_CASE("every sndif v2 operation makes a round trip with its id and operation echoed") {
    Fixture f;
    const std::uint8_t ops[] = {XENSND_OP_OPEN,          XENSND_OP_CLOSE,      XENSND_OP_READ,
                                XENSND_OP_WRITE,         XENSND_OP_SET_VOLUME, XENSND_OP_GET_VOLUME,
                                XENSND_OP_MUTE,          XENSND_OP_UNMUTE,     XENSND_OP_TRIGGER,
                                XENSND_OP_HW_PARAM_QUERY};
    auto front = [&]() -> Task<bool> {
        auto server = spawn(*f.reactor, serve(f.back, std::size(ops)));
        bool all_ok = true;
        for (std::uint8_t op : ops) {
            sndif::Request req = request_of(op);
            if (op == XENSND_OP_HW_PARAM_QUERY) {
                req.op.hw_param.formats = 1ull << XENSND_PCM_FORMAT_S16_LE;
                req.op.hw_param.rates = {8000, 96000};
                req.op.hw_param.channels = {1, 2};
                req.op.hw_param.buffer = {64, 65536};
                req.op.hw_param.period = {32, 4096};
            }
            auto rsp = co_await f.front.call(req);
            if (!rsp || rsp->operation != op || rsp->status != 0) all_ok = false;
            if (rsp && op == XENSND_OP_HW_PARAM_QUERY) {
                // The payload travels both ways intact.
                all_ok = all_ok && rsp->resp.hw_param.rates.min == 48000 &&
                         rsp->resp.hw_param.channels.max == 2 &&
                         rsp->resp.hw_param.buffer.max == 65536 &&
                         rsp->resp.hw_param.formats == (1ull << XENSND_PCM_FORMAT_S16_LE);
            }
        }
        auto served = co_await server;
        co_return all_ok&& served.ok();
    };
    CHECK(block_on(*f.reactor, front()));
    CHECK(f.front.counters().calls == std::size(ops));
    CHECK(f.back.counters().responses == std::size(ops));
}

TEST_CASE("CUR_POS at a high rate: consecutive ids, increasing positions, the last one arrives") {
    Fixture f;
    constexpr std::uint64_t kPosts = 100'000;
    auto producer = [](BackendSession& back) -> Task<Result<void>> {
        for (std::uint64_t i = 1; i <= kPosts; ++i) {
            if (auto r = back.post_cur_pos(i * 4); !r) co_return r;
            // Let the consumer run now and then, so some posts find a full page.
            if (i % 97 == 0) (void)co_await sleep_for(0ns);
        }
        co_return ok();
    };
    auto consumer = [](FrontendSession& front) -> Task<std::pair<std::uint64_t, bool>> {
        std::array<sndif::Event, 63> evts;
        std::uint64_t last = 0;
        bool increasing = true;
        while (last < kPosts * 4) {
            auto n = co_await timeout(2s, front.next_events(evts));
            if (!n) break;
            for (std::size_t i = 0; i < *n; ++i) {
                std::uint64_t pos = evts[i].op.cur_pos.position;
                if (evts[i].type != XENSND_EVT_CUR_POS || pos <= last) increasing = false;
                last = pos;
            }
        }
        co_return std::pair{last, increasing};
    };
    auto both = [&]() -> Task<std::pair<std::uint64_t, bool>> {
        auto c = spawn(*f.reactor, consumer(f.front));
        auto p = co_await producer(f.back);
        REQUIRE(p.ok());
        // Flush until the frontend has everything.
        for (int i = 0; i < 1000 && !c.is_finished(); ++i) {
            (void)f.back.flush_events();
            (void)co_await sleep_for(100us);
        }
        auto r = co_await c;
        co_return r.ok() ? *r : std::pair<std::uint64_t, bool>{0, false};
    };
    auto [last, increasing] = block_on(*f.reactor, both());
    CHECK(last == kPosts * 4);
    CHECK(increasing);
    CHECK(f.front.counters().event_id_gaps == 0);
    CHECK(f.front.counters().events == f.back.counters().events_posted);
    CHECK(f.back.next_event_id() == static_cast<std::uint16_t>(f.back.counters().events_posted));
}

TEST_CASE("a backend that never answers: the call times out, the late answer is dropped") {
    Fixture f;
    f.front.set_response_timeout(20ms);
    auto run = [&]() -> Task<std::pair<int, bool>> {
        auto first = co_await f.front.call(request_of(XENSND_OP_OPEN));
        // Now the backend wakes up and answers both the stale and the new request.
        auto server = spawn(*f.reactor, serve(f.back, 2));
        auto second = co_await f.front.call(request_of(XENSND_OP_CLOSE));
        (void)co_await server;
        co_return std::pair{first.errno_value(),
                            second.ok() && second->operation == XENSND_OP_CLOSE};
    };
    auto [first, second_ok] = block_on(*f.reactor, run());
    CHECK(first == ETIMEDOUT);
    CHECK(second_ok);
    CHECK(f.front.counters().timeouts == 1);
    CHECK(f.front.counters().late_responses == 1);
}

TEST_CASE("a response with the right id but the wrong operation is a protocol error") {
    Fixture f;
    auto run = [&]() -> Task<int> {
        auto liar = spawn(*f.reactor, [](BackendSession& back) -> Task<void> {
            std::array<sndif::Request, 32> reqs;
            auto n = co_await back.next_requests(reqs);
            if (!n || *n == 0) co_return;
            sndif::Response rsp{};
            rsp.id = reqs[0].id;
            rsp.operation = XENSND_OP_CLOSE;  // asked for OPEN
            (void)back.respond(rsp);
        }(f.back));
        auto r = co_await f.front.call(request_of(XENSND_OP_OPEN));
        (void)co_await liar;
        co_return r.errno_value();
    };
    CHECK(block_on(*f.reactor, run()) == EPROTO);
    CHECK(f.front.counters().unexpected_responses == 1);
}

TEST_CASE("a response producer index beyond the ring breaks the frontend session cleanly") {
    Fixture f;
    auto run = [&]() -> Task<std::pair<int, int>> {
        auto vandal =
            spawn(*f.reactor, [](test::StreamPages& pages, BackendSession& back) -> Task<void> {
                std::array<sndif::Request, 32> reqs;
                (void)co_await back.next_requests(reqs);
                (void)back.respond(sndif::Response{});
                // Before the frontend looks: claim 1000 responses to its one request.
                auto* sring = reinterpret_cast<xen_sndif_sring*>(pages.ring.data());
                sring->rsp_prod = 1000;
            }(*f.pages, f.back));
        auto first = co_await f.front.call(request_of(XENSND_OP_OPEN));
        (void)co_await vandal;
        auto second = co_await f.front.call(request_of(XENSND_OP_CLOSE));
        co_return std::pair{first.errno_value(), second.errno_value()};
    };
    auto [first, second] = block_on(*f.reactor, run());
    CHECK(first == EPROTO);
    CHECK(second == EPROTO);  // stays broken
    CHECK(f.front.broken());
}

TEST_CASE("a request producer index beyond the ring breaks the backend session cleanly") {
    Fixture f;
    auto* sring = reinterpret_cast<xen_sndif_sring*>(f.pages->ring.data());
    sring->req_prod = 33;  // more requests than the ring holds
    auto run = [&]() -> Task<int> {
        std::array<sndif::Request, 32> reqs;
        auto n = co_await f.back.next_requests(reqs);
        co_return n.errno_value();
    };
    CHECK(block_on(*f.reactor, run()) == EPROTO);
    CHECK(f.back.broken());
}

TEST_CASE("an event producer index beyond the page breaks event delivery cleanly") {
    Fixture f;
    auto* page = reinterpret_cast<xensnd_event_page*>(f.pages->events.data());
    page->in_prod = 64;  // 64 events claimed in a 63-slot page
    auto run = [&]() -> Task<int> {
        std::array<sndif::Event, 63> evts;
        auto n = co_await f.front.next_events(evts);
        co_return n.errno_value();
    };
    CHECK(block_on(*f.reactor, run()) == EPROTO);
}
