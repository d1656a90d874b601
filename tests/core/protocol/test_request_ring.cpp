// FrontRing and BackRing over one in-memory page: round trips, wrap-around, notify hold-off,
// and a hostile peer's producer index.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "core/protocol/request_ring.hpp"
#include "tests/core/protocol/guarded_page.hpp"

using namespace xensnd::sndif;
using xensnd::sndif::test::GuardedPage;

namespace {

constexpr std::size_t kReqProd = offsetof(xen_sndif_sring, req_prod);
constexpr std::size_t kReqEvent = offsetof(xen_sndif_sring, req_event);
constexpr std::size_t kRspProd = offsetof(xen_sndif_sring, rsp_prod);
constexpr std::size_t kRspEvent = offsetof(xen_sndif_sring, rsp_event);

Request write_request(std::uint16_t id, std::uint32_t offset, std::uint32_t length) {
    Request r = make_request(id, XENSND_OP_WRITE);
    r.op.rw.offset = offset;
    r.op.rw.length = length;
    return r;
}

template <class T>
std::array<unsigned char, sizeof(T)> bytes_of(const T& value) {
    std::array<unsigned char, sizeof(T)> out;
    std::memcpy(out.data(), &value, sizeof value);
    return out;
}

}  // namespace

TEST_CASE("frontend initialises the ring, backend leaves the page alone") {
    GuardedPage page;
    std::memset(page.get(), 0xAB, 4096);
    BackRing back(page.get());
    for (std::size_t i = 0; i < 4096; ++i)
        REQUIRE(page.bytes()[i] == std::byte{0xAB});

    FrontRing front(page.get());
    CHECK(page.word(kReqProd) == 0);
    CHECK(page.word(kRspProd) == 0);
    CHECK(page.word(kReqEvent) == 1);
    CHECK(page.word(kRspEvent) == 1);
    CHECK(front.free_requests() == 32);
}

TEST_CASE("a request and its response travel both ways on one page") {
    GuardedPage page;
    FrontRing front(page.get());
    BackRing back(page.get());

    Request open = make_request(7, XENSND_OP_OPEN);
    open.op.open.pcm_rate = 48000;
    open.op.open.pcm_format = XENSND_PCM_FORMAT_S16_LE;
    open.op.open.pcm_channels = 2;
    open.op.open.buffer_sz = 65536;
    open.op.open.gref_directory = 42;
    open.op.open.period_sz = 4096;
    auto notify = front.send(open);
    REQUIRE(notify.ok());
    CHECK(*notify);  // the backend asked for the first request (req_event = 1)

    std::array<Request, 32> reqs{};
    auto n = back.consume_requests(reqs);
    REQUIRE(n.ok());
    REQUIRE(*n == 1);
    CHECK(bytes_of(reqs[0]) == bytes_of(open));  // byte for byte, reserved fields too
    CHECK(back.unanswered() == 1);

    Response rsp = make_response(reqs[0], -EINVAL);
    auto back_notify = back.send(rsp);
    REQUIRE(back_notify.ok());
    CHECK(*back_notify);

    std::array<Response, 32> rsps{};
    auto m = front.consume_responses(rsps);
    REQUIRE(m.ok());
    REQUIRE(*m == 1);
    CHECK(rsps[0].id == 7);
    CHECK(rsps[0].operation == XENSND_OP_OPEN);
    CHECK(rsps[0].status == -EINVAL);
    CHECK(front.free_requests() == 32);
}

TEST_CASE("many more requests than slots wrap around the ring in order") {
    GuardedPage page;
    FrontRing front(page.get());
    BackRing back(page.get());
    std::array<Request, 32> reqs{};
    std::array<Response, 32> rsps{};

    std::uint32_t sent = 0;
    std::uint32_t served = 0;
    std::uint32_t answered = 0;
    for (int round = 0; round < 2000; ++round) {
        // Vary the batch sizes so slot and index positions drift across the ring.
        const std::uint32_t batch = 1 + (round * 7) % 32;
        for (std::uint32_t i = 0; i < batch && front.free_requests() > 0; ++i, ++sent)
            REQUIRE(front.queue(write_request(std::uint16_t(sent), sent * 3, sent)).ok());
        REQUIRE(front.push().ok());

        auto n = back.consume_requests(std::span(reqs).first(1 + round % 32));
        REQUIRE(n.ok());
        for (std::size_t i = 0; i < *n; ++i, ++served) {
            REQUIRE(reqs[i].id == std::uint16_t(served));
            REQUIRE(reqs[i].op.rw.offset == served * 3);
            REQUIRE(reqs[i].op.rw.length == served);
            Response r = make_response(reqs[i], 0);
            r.status = std::int32_t(served);
            REQUIRE(back.queue_response(r).ok());
        }
        REQUIRE(back.push().ok());

        auto m = front.consume_responses(rsps);
        REQUIRE(m.ok());
        for (std::size_t i = 0; i < *m; ++i, ++answered) {
            REQUIRE(rsps[i].id == std::uint16_t(answered));
            REQUIRE(rsps[i].status == std::int32_t(answered));
        }
    }
    CHECK(sent > 500 * FrontRing::kSize);
    CHECK(answered == served);
}

TEST_CASE("the frontend refuses a 33rd outstanding request") {
    GuardedPage page;
    FrontRing front(page.get());
    BackRing back(page.get());
    for (std::uint16_t i = 0; i < 32; ++i)
        REQUIRE(front.queue(write_request(i, 0, 0)).ok());
    auto full = front.queue(write_request(32, 0, 0));
    CHECK(full.errno_value() == EAGAIN);
    REQUIRE(front.push().ok());

    // Consuming requests does not free slots; only consumed responses do.
    std::array<Request, 32> reqs{};
    REQUIRE(*back.consume_requests(reqs) == 32);
    CHECK(front.queue(write_request(32, 0, 0)).errno_value() == EAGAIN);
    REQUIRE(back.send(make_response(reqs[0], 0)).ok());
    std::array<Response, 1> rsp{};
    REQUIRE(*front.consume_responses(rsp) == 1);
    CHECK(front.queue(write_request(32, 0, 0)).ok());
}

TEST_CASE("the backend answers only requests it consumed") {
    GuardedPage page;
    FrontRing front(page.get());
    BackRing back(page.get());
    CHECK(back.queue_response(make_response(make_request(1, XENSND_OP_CLOSE), 0)).errno_value() ==
          ENOSPC);

    REQUIRE(front.send(write_request(1, 0, 0)).ok());
    std::array<Request, 4> reqs{};
    REQUIRE(*back.consume_requests(reqs) == 1);
    CHECK(back.queue_response(make_response(reqs[0], 0)).ok());
    CHECK(back.queue_response(make_response(reqs[0], 0)).errno_value() == ENOSPC);
}

TEST_CASE("notifications are sent only when the peer waits for them") {
    GuardedPage page;
    FrontRing front(page.get());
    BackRing back(page.get());
    std::array<Request, 32> reqs{};
    std::array<Response, 32> rsps{};

    CHECK(*front.send(write_request(0, 0, 0)));
    // The backend has not re-armed req_event: it will look at the ring anyway.
    CHECK_FALSE(*front.send(write_request(1, 0, 0)));
    REQUIRE(*back.consume_requests(reqs) == 2);
    // Nothing more: re-arm and sleep.
    CHECK_FALSE(*back.final_check_for_requests());
    CHECK(page.word(kReqEvent) == 3);
    CHECK(*front.send(write_request(2, 0, 0)));

    // A batch pushed at once asks for one notification.
    REQUIRE(*back.consume_requests(reqs) == 1);
    CHECK_FALSE(*back.final_check_for_requests());
    for (std::uint16_t i = 3; i < 6; ++i)
        REQUIRE(front.queue(write_request(i, 0, 0)).ok());
    CHECK(*front.push());
    CHECK_FALSE(*front.push());  // nothing new to publish

    // A request that slips in after the backend's last consume is caught by the final check.
    REQUIRE(*back.consume_requests(reqs) == 3);
    CHECK_FALSE(*back.final_check_for_requests());
    REQUIRE(*back.consume_requests(reqs) == 0);
    CHECK(*front.send(write_request(6, 0, 0)));  // req_event was re-armed: notify
    CHECK(*back.final_check_for_requests());
    REQUIRE(*back.consume_requests(reqs) == 1);

    // Responses: the first notifies (rsp_event = 1), the next does not until the frontend
    // re-arms with its final check.
    REQUIRE(back.queue_response(make_response(reqs[0], 0)).ok());
    CHECK(*back.push());
    REQUIRE(*front.consume_responses(rsps) == 1);
    REQUIRE(back.queue_response(make_response(reqs[0], 0)).ok());
    CHECK_FALSE(*back.push());
    CHECK(*front.final_check_for_responses());  // it is there already: no sleep
    REQUIRE(*front.consume_responses(rsps) == 1);
    CHECK_FALSE(*front.final_check_for_responses());
    REQUIRE(back.queue_response(make_response(reqs[0], 0)).ok());
    CHECK(*back.push());
}

TEST_CASE("a req_prod too far ahead breaks the backend ring without a read") {
    GuardedPage page;
    FrontRing front(page.get());
    BackRing back(page.get());
    std::array<Request, 64> reqs{};
    std::memset(reqs.data(), 0x5A, sizeof reqs);

    page.word(kReqProd) = 33;
    auto n = back.consume_requests(reqs);
    CHECK(n.errno_value() == EPROTO);
    CHECK(back.broken());
    CHECK(reqs[0].id == 0x5A5A);  // nothing was copied

    // Broken stays broken, even when the index looks sane again.
    page.word(kReqProd) = 1;
    CHECK(back.consume_requests(reqs).errno_value() == EPROTO);
    CHECK(back.final_check_for_requests().errno_value() == EPROTO);
    CHECK(back.queue_response(make_response(reqs[0], 0)).errno_value() == EPROTO);
    CHECK(back.push().errno_value() == EPROTO);
}

TEST_CASE("a req_prod that wrapped or went backwards breaks the backend ring") {
    GuardedPage page;
    FrontRing front(page.get());

    SUBCASE("wrapped below zero") {
        BackRing back(page.get());
        page.word(kReqProd) = 0xFFFFFFFFu;
        std::array<Request, 4> reqs{};
        CHECK(back.consume_requests(reqs).errno_value() == EPROTO);
    }
    SUBCASE("behind what was consumed") {
        BackRing back(page.get());
        for (std::uint16_t i = 0; i < 5; ++i)
            REQUIRE(front.queue(write_request(i, 0, 0)).ok());
        REQUIRE(front.push().ok());
        std::array<Request, 32> reqs{};
        REQUIRE(*back.consume_requests(reqs) == 5);
        REQUIRE(back.send(make_response(reqs[0], 0)).ok());
        REQUIRE(back.send(make_response(reqs[1], 0)).ok());
        page.word(kReqProd) = 3;
        CHECK(back.consume_requests(reqs).errno_value() == EPROTO);
    }
    SUBCASE("exactly a full ring is fine") {
        BackRing back(page.get());
        page.word(kReqProd) = 32;
        std::array<Request, 64> reqs{};
        CHECK(*back.consume_requests(reqs) == 32);
    }
}

TEST_CASE("every hostile req_prod is refused or served from inside the page") {
    // The page has guard pages around it: any read outside would crash the test.
    std::array<Request, 64> reqs{};
    for (std::uint64_t v = 0; v <= 0xFFFFFFFFu; v += 0x01000193u) {
        for (std::uint32_t delta : {0u, 1u, 31u, 32u, 33u, 0x80000000u}) {
            GuardedPage page;
            FrontRing front(page.get());
            BackRing back(page.get());
            page.word(kReqProd) = std::uint32_t(v) + delta;
            auto n = back.consume_requests(reqs);
            if (n.ok()) {
                CHECK(*n <= 32);
            } else {
                CHECK(n.errno_value() == EPROTO);
            }
        }
    }
}

TEST_CASE("an rsp_prod beyond the requests pushed breaks the frontend ring") {
    GuardedPage page;
    FrontRing front(page.get());
    std::array<Response, 64> rsps{};
    REQUIRE(front.send(write_request(1, 0, 0)).ok());
    REQUIRE(front.send(write_request(2, 0, 0)).ok());

    SUBCASE("one response too many") {
        page.word(kRspProd) = 3;
        CHECK(front.consume_responses(rsps).errno_value() == EPROTO);
        CHECK(front.broken());
        page.word(kRspProd) = 1;
        CHECK(front.consume_responses(rsps).errno_value() == EPROTO);
        CHECK(front.final_check_for_responses().errno_value() == EPROTO);
        CHECK(front.send(write_request(3, 0, 0)).errno_value() == EPROTO);
    }
    SUBCASE("wrapped") {
        page.word(kRspProd) = 0xFFFFFFFFu;
        CHECK(front.consume_responses(rsps).errno_value() == EPROTO);
    }
    SUBCASE("a whole ring ahead") {
        page.word(kRspProd) = 32;
        CHECK(front.final_check_for_responses().errno_value() == EPROTO);
    }
    SUBCASE("both pushed requests answered is fine") {
        page.word(kRspProd) = 2;
        CHECK(*front.consume_responses(rsps) == 2);
    }
}

TEST_CASE("each side publishes its own index, whatever the peer wrote over it") {
    GuardedPage page;
    FrontRing front(page.get());
    BackRing back(page.get());
    REQUIRE(front.send(write_request(1, 0, 0)).ok());
    std::array<Request, 4> reqs{};
    REQUIRE(*back.consume_requests(reqs) == 1);
    REQUIRE(back.send(make_response(reqs[0], 0)).ok());

    page.word(kRspProd) = 1000;  // a frontend scribbling on the backend's index
    REQUIRE(front.send(write_request(2, 0, 0)).ok());
    REQUIRE(*back.consume_requests(reqs) == 1);
    REQUIRE(back.send(make_response(reqs[0], 0)).ok());
    CHECK(page.word(kRspProd) == 2);

    page.word(kReqProd) = 77;  // a backend scribbling on the frontend's index
    REQUIRE(front.send(write_request(3, 0, 0)).ok());
    CHECK(page.word(kReqProd) == 3);
}

TEST_CASE("frontend and backend in two threads exchange every request once") {
    alignas(4096) static std::byte memory[4096];
    FrontRing front(memory);
    BackRing back(memory);
    constexpr std::uint32_t kCount = 200000;
    std::atomic<bool> failed{false};

    std::thread backend([&] {
        std::array<Request, 32> reqs{};
        std::uint32_t served = 0;
        while (served < kCount && !failed) {
            auto n = back.consume_requests(reqs);
            if (!n) {
                failed = true;
                break;
            }
            for (std::size_t i = 0; i < *n; ++i, ++served) {
                if (reqs[i].op.rw.offset != served) failed = true;
                if (!back.queue_response(make_response(reqs[i], std::int32_t(served))))
                    failed = true;
            }
            if (!back.push()) failed = true;
            if (*n == 0) std::this_thread::yield();
        }
    });

    std::array<Response, 32> rsps{};
    std::uint32_t sent = 0;
    std::uint32_t answered = 0;
    while (answered < kCount && !failed) {
        for (; sent < kCount && front.free_requests() > 0; ++sent)
            REQUIRE(front.queue(write_request(std::uint16_t(sent), sent, 0)).ok());
        REQUIRE(front.push().ok());
        auto m = front.consume_responses(rsps);
        REQUIRE(m.ok());
        for (std::size_t i = 0; i < *m; ++i, ++answered)
            if (rsps[i].status != std::int32_t(answered)) failed = true;
        if (*m == 0) std::this_thread::yield();
    }
    backend.join();
    CHECK_FALSE(failed);
    CHECK(answered == kCount);
}
