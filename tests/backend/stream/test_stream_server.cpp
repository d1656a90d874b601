// The StreamServer on an in-process session pair (eventfd channels), against a FakeHost
// whose clock a task runs: requests answered while the host waits, CUR_POS events from the
// pump, the pump replaced safely under OPEN/CLOSE, clean endings.
#include <doctest/doctest.h>

#include <array>
#include <cstring>

#include "backend/stream/stream_server.hpp"
#include "coro/coro.hpp"
#include "stream_rig.hpp"
#include "tests/core/session/local_event_channel.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace xensnd::backend::stream;
namespace audio = xensnd::backend::audio;
using namespace std::chrono_literals;
using xensnd::test::open_request;
using xensnd::test::rw_request;
using xensnd::test::trigger_request;

namespace {

struct ServerRig {
    std::unique_ptr<Reactor> reactor;
    std::unique_ptr<test::StreamPages> pages = std::make_unique<test::StreamPages>();
    std::unique_ptr<test::LocalEventChannel> front_ring, back_ring, front_evt, back_evt;
    std::unique_ptr<session::FrontendSession> front;
    std::unique_ptr<session::BackendSession> back;
    test::StreamRig rig;
    std::unique_ptr<StreamServer> server;

    ServerRig() {
        auto r = Reactor::create();
        REQUIRE(r.ok());
        reactor = std::move(*r);
        std::tie(front_ring, back_ring) = test::make_local_channel_pair(1, 2);
        std::tie(front_evt, back_evt) = test::make_local_channel_pair(3, 4);
        front = std::make_unique<session::FrontendSession>(&pages->ring, &pages->events,
                                                           *front_ring, *front_evt);
        back = std::make_unique<session::BackendSession>(&pages->ring, &pages->events, *back_ring,
                                                         *back_evt);
        server = std::make_unique<StreamServer>(*back, rig.env());
    }
};

// Runs the server until cancelled and keeps what run() itself returned.
Task<void> serve(StreamServer* server, Result<void>* out) {
    *out = co_await server->run();
}

// The device clock: `frames` per tick while a host is open.
Task<void> run_clock(test::StreamRig* rig, std::size_t frames, bool* stop) {
    while (!*stop) {
        if (rig->host) rig->host->advance(frames);
        (void)co_await sleep_for(200us);
    }
}

Task<std::int32_t> call(session::FrontendSession* s, sndif::Request r) {
    auto rsp = co_await s->call(r);
    if (!rsp) co_return -1000 - rsp.errno_value();
    co_return rsp->status;
}

}  // namespace

TEST_CASE("OPEN, WRITE, START: CUR_POS twice per period, data bit-exact, CLOSE silences events") {
    ServerRig t;
    constexpr std::uint32_t kBuffer = 16384, kPeriod = 4096;  // bytes: 1024 frames a period
    auto buf = t.rig.share(kBuffer);
    std::byte* shared = t.rig.buffer(buf);
    for (std::uint32_t i = 0; i < kBuffer; ++i)
        shared[i] = std::byte(i * 7 % 251);
    Result<void> served = ok();
    bool stop_clock = false;
    auto scenario = [&]() -> Task<void> {
        auto server = spawn(*t.reactor, serve(t.server.get(), &served));
        CHECK(co_await call(t.front.get(),
                            open_request(buf, XENSND_PCM_FORMAT_S16_LE, 2, 48000, kPeriod)) == 0);
        CHECK(co_await call(t.front.get(), rw_request(XENSND_OP_WRITE, 0, kBuffer)) == 0);
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_START)) == 0);
        auto clock = spawn(*t.reactor, run_clock(&t.rig, 64, &stop_clock));
        std::array<sndif::Event, 63> events;
        std::uint64_t last = 0;
        std::size_t count = 0;
        // Up to 3/4 of the buffer: the guest wrote it all once, so this is all its data.
        while (last < kBuffer * 3 / 4) {
            auto n = co_await timeout(5s, t.front->next_events(events));
            REQUIRE(n.ok());
            for (std::size_t i = 0; i < *n; ++i) {
                CHECK(events[i].type == XENSND_EVT_CUR_POS);
                CHECK(events[i].op.cur_pos.position > last);
                last = events[i].op.cur_pos.position;
                ++count;
            }
        }
        CHECK(t.front->counters().event_id_gaps == 0);
        // at least two positions per period of progress
        CHECK(count >= 2 * (last / kPeriod));
        REQUIRE(t.rig.host != nullptr);
        const auto& heard = t.rig.host->heard;
        REQUIRE(heard.size() >= last);
        CHECK(std::memcmp(heard.data(), shared, last) == 0);

        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_STOP)) == 0);
        CHECK(co_await call(t.front.get(), sndif::make_request(0, XENSND_OP_CLOSE)) == 0);
        CHECK(t.rig.host == nullptr);
        CHECK(t.rig.grants.live_mappings() == 0);
        // Take what was posted before CLOSE; after that nothing more comes for the stream.
        for (;;) {
            auto drained = co_await timeout(20ms, t.front->next_events(events));
            if (!drained) break;
        }
        auto more = co_await timeout(50ms, t.front->next_events(events));
        CHECK(more.errno_value() == ETIMEDOUT);
        stop_clock = true;
        (void)co_await clock;
        server.abort();
        (void)co_await server;
    };
    block_on(*t.reactor, scenario());
    CHECK(served.ok());
    CHECK(t.server->stats().opens == 1);
    CHECK(t.server->stats().cur_pos_events >= 2);
    CHECK(t.server->stats().underrun_frames == 0);
}

TEST_CASE("requests are answered while the host never becomes ready") {
    ServerRig t;
    auto buf = t.rig.share(8192);
    Result<void> served = ok();
    auto scenario = [&]() -> Task<void> {
        auto server = spawn(*t.reactor, serve(t.server.get(), &served));
        CHECK(co_await call(t.front.get(), open_request(buf)) == 0);
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_START)) == 0);
        // The pump waits on a device whose clock never runs; the ring is still served.
        for (int i = 0; i < 50; ++i)
            CHECK(co_await call(t.front.get(), rw_request(XENSND_OP_WRITE, 0, 64)) == 0);
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_PAUSE)) == 0);
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_START)) == 0);
        // OPEN again while the pump waits on the old host: replaced safely.
        CHECK(co_await call(t.front.get(), open_request(buf)) == 0);
        CHECK(t.rig.hosts_opened == 2);
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_START)) == 0);
        CHECK(co_await call(t.front.get(), sndif::make_request(0, 77)) == -EOPNOTSUPP);
        server.abort();
        (void)co_await server;
    };
    block_on(*t.reactor, scenario());
    CHECK(served.ok());
    // Stopped: the host is closed and the buffer unmapped.
    CHECK(t.rig.host == nullptr);
    CHECK(t.rig.grants.live_mappings() == 0);
}

TEST_CASE("a host that fails while running ends the pump, not the stream") {
    ServerRig t;
    auto buf = t.rig.share(8192);
    Result<void> served = ok();
    auto scenario = [&]() -> Task<void> {
        auto server = spawn(*t.reactor, serve(t.server.get(), &served));
        CHECK(co_await call(t.front.get(), open_request(buf)) == 0);
        t.rig.host->wait_errno = EIO;
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_START)) == 0);
        (void)co_await sleep_for(2ms);
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_STOP)) == 0);
        CHECK(co_await call(t.front.get(), sndif::make_request(0, XENSND_OP_CLOSE)) == 0);
        server.abort();
        (void)co_await server;
    };
    block_on(*t.reactor, scenario());
    CHECK(served.ok());
}

TEST_CASE("a broken request ring ends run() with EPROTO, host closed and buffer unmapped") {
    ServerRig t;
    auto buf = t.rig.share(8192);
    Result<void> served = ok();
    auto scenario = [&]() -> Task<void> {
        auto server = spawn(*t.reactor, serve(t.server.get(), &served));
        CHECK(co_await call(t.front.get(), open_request(buf)) == 0);
        CHECK(co_await call(t.front.get(), trigger_request(XENSND_OP_TRIGGER_START)) == 0);
        reinterpret_cast<xen_sndif_sring*>(&t.pages->ring)->req_prod += 1000;
        CHECK(t.front_ring->notify().ok());
        (void)co_await server;
    };
    block_on(*t.reactor, scenario());
    CHECK(served.errno_value() == EPROTO);
    CHECK(t.rig.host == nullptr);
    CHECK(t.rig.grants.live_mappings() == 0);
}
