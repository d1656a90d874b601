// The session type's two roles in two processes on the loopback platform: a frontend process
// (domain 1) shares the pages and allocates the ports, a backend process (domain 0) maps and
// binds them, as on Xen. Every sndif v2 operation with HW_PARAM_QUERY payloads, CUR_POS at a
// high rate with consecutive ids, the response timeout, and a peer that breaks the ring.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/session/session.hpp"
#include "coro/coro.hpp"
#include "loopback/daemon_process.hpp"
#include "serving_backend.hpp"
#include "tests/support/loopback_stream.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace std::chrono_literals;
using test::request_of;

namespace {

constexpr platform::DomId kBackendDom = 0;
constexpr platform::DomId kFrontendDom = 1;

// What the backend process does once connected; its exit code is its verdict (0 = as expected).
enum class Backend { Serve, PostCurPos, Silent, BreakResponses, ExpectBrokenRequests };

constexpr int kServeCount = 10;
constexpr std::uint64_t kPositions = 50'000;

bool control_has_data(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

int backend_process(const std::string& rundir, int control, Backend behaviour) {
    auto reactor = Reactor::create();
    if (!reactor) return 10;
    test::Published pub;
    if (::read(control, &pub, sizeof pub) != sizeof pub) return 11;
    auto end = test::BackendEnd::open(**reactor, {rundir, kBackendDom}, kFrontendDom, pub);
    if (!end) {
        std::fprintf(stderr, "backend set-up: %s\n", end.error().message().c_str());
        return 12;
    }
    session::BackendSession back(end->ring_page(), end->event_page(), *end->ring_channel,
                                 *end->event_channel);
    auto run = [&]() -> Task<int> {
        switch (behaviour) {
            case Backend::Serve: {
                auto r = co_await test::serve(back, kServeCount);
                co_return r.ok() ? 0 : 20;
            }
            case Backend::PostCurPos: {
                for (std::uint64_t i = 1; i <= kPositions; ++i) {
                    if (!back.post_cur_pos(i * 8)) co_return 21;
                    if (i % 50 == 0) (void)co_await sleep_for(0ns);
                }
                // Deliver a held position until the frontend says it has everything.
                while (!control_has_data(control)) {
                    if (!back.flush_events()) co_return 22;
                    (void)co_await sleep_for(200us);
                }
                co_return 0;
            }
            case Backend::Silent: {
                // Bound, never answers; waits for the frontend to finish.
                while (!control_has_data(control))
                    (void)co_await sleep_for(1ms);
                co_return 0;
            }
            case Backend::BreakResponses: {
                std::array<sndif::Request, 32> reqs;
                auto n = co_await back.next_requests(reqs);
                if (!n || *n == 0) co_return 23;
                sndif::Response rsp{};
                rsp.id = reqs[0].id;
                rsp.operation = reqs[0].operation;
                (void)back.respond(rsp);
                // After answering, claim far more responses than requests.
                reinterpret_cast<xen_sndif_sring*>(end->ring_page())->rsp_prod += 500;
                (void)end->ring_channel->notify();
                while (!control_has_data(control))
                    (void)co_await sleep_for(1ms);
                co_return 0;
            }
            case Backend::ExpectBrokenRequests: {
                std::array<sndif::Request, 32> reqs;
                auto n = co_await timeout(5s, back.next_requests(reqs));
                co_return n.errno_value() == EPROTO ? 0 : 24;
            }
        }
        co_return 99;
    };
    int verdict = block_on(**reactor, run());
    return verdict;
}

// Runs one scenario: forks the backend process, runs `front` as the frontend in this process,
// then collects the backend's verdict.
template <class Front>
int scenario(const loopback::DaemonProcess& daemon, Backend behaviour, Front front) {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(sv[0]);
        ::_exit(backend_process(daemon.rundir(), sv[1], behaviour));
    }
    ::close(sv[1]);
    {
        auto reactor = Reactor::create();
        REQUIRE(reactor.ok());
        auto end = test::FrontendEnd::open(**reactor, {daemon.rundir(), kFrontendDom}, kBackendDom);
        REQUIRE_MESSAGE(end.ok(), "frontend set-up: " << end.error().message());
        session::FrontendSession session(end->ring_page(), end->event_page(), *end->ring_channel,
                                         *end->event_channel);
        test::Published pub = end->published();
        REQUIRE(::write(sv[0], &pub, sizeof pub) == sizeof pub);
        front(**reactor, session, *end);
        char done = 1;
        (void)!::write(sv[0], &done, 1);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        ::close(sv[0]);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
}

std::unique_ptr<loopback::DaemonProcess> start_daemon() {
    std::string why;
    auto d = loopback::DaemonProcess::start(XENSND_LOOPBACK_BIN, {kBackendDom, kFrontendDom}, &why);
    REQUIRE_MESSAGE(d.ok(), "loopback daemon: " << why);
    return std::move(*d);
}

}  // namespace

TEST_CASE("every sndif v2 operation crosses processes, HW_PARAM_QUERY payload intact") {
    auto daemon = start_daemon();
    int verdict = scenario(
        *daemon, Backend::Serve, [](Reactor& r, session::FrontendSession& s, test::FrontendEnd&) {
            const std::uint8_t ops[] = {
                XENSND_OP_OPEN,    XENSND_OP_HW_PARAM_QUERY, XENSND_OP_WRITE,      XENSND_OP_READ,
                XENSND_OP_TRIGGER, XENSND_OP_SET_VOLUME,     XENSND_OP_GET_VOLUME, XENSND_OP_MUTE,
                XENSND_OP_UNMUTE,  XENSND_OP_CLOSE};
            static_assert(std::size(ops) == kServeCount);
            auto calls = [&]() -> Task<int> {
                int good = 0;
                for (std::uint8_t op : ops) {
                    sndif::Request req = request_of(op);
                    req.op.hw_param.formats = 1ull << XENSND_PCM_FORMAT_S24_LE;
                    req.op.hw_param.rates = {8000, 192000};
                    req.op.hw_param.channels = {1, 6};
                    auto rsp = co_await s.call(req);
                    if (!rsp || rsp->operation != op || rsp->status != 0) continue;
                    if (op == XENSND_OP_HW_PARAM_QUERY &&
                        (rsp->resp.hw_param.rates.min != 48000 ||
                         rsp->resp.hw_param.channels.max != 6 ||
                         rsp->resp.hw_param.formats != (1ull << XENSND_PCM_FORMAT_S24_LE)))
                        continue;
                    ++good;
                }
                co_return good;
            };
            CHECK(block_on(r, calls()) == kServeCount);
        });
    CHECK(verdict == 0);
}

TEST_CASE("CUR_POS at a high rate across processes: consecutive ids, every position in order") {
    auto daemon = start_daemon();
    int verdict = scenario(*daemon, Backend::PostCurPos,
                           [](Reactor& r, session::FrontendSession& s, test::FrontendEnd&) {
                               auto consume = [&]() -> Task<std::pair<std::uint64_t, bool>> {
                                   std::array<sndif::Event, 63> evts;
                                   std::uint64_t last = 0;
                                   bool ordered = true;
                                   while (last < kPositions * 8) {
                                       auto n = co_await timeout(5s, s.next_events(evts));
                                       if (!n) break;
                                       for (std::size_t i = 0; i < *n; ++i) {
                                           if (evts[i].op.cur_pos.position <= last) ordered = false;
                                           last = evts[i].op.cur_pos.position;
                                       }
                                   }
                                   co_return std::pair{last, ordered};
                               };
                               auto [last, ordered] = block_on(r, consume());
                               CHECK(last == kPositions * 8);
                               CHECK(ordered);
                               CHECK(s.counters().event_id_gaps == 0);
                               CHECK(s.counters().events > 0);
                           });
    CHECK(verdict == 0);
}

TEST_CASE("a backend that never answers: the call fails with ETIMEDOUT, no hang") {
    auto daemon = start_daemon();
    int verdict = scenario(*daemon, Backend::Silent,
                           [](Reactor& r, session::FrontendSession& s, test::FrontendEnd&) {
                               s.set_response_timeout(100ms);
                               auto rsp = block_on(r, s.call(request_of(XENSND_OP_OPEN)));
                               CHECK(rsp.errno_value() == ETIMEDOUT);
                               CHECK(s.counters().timeouts == 1);
                           });
    CHECK(verdict == 0);
}

TEST_CASE("a backend process that breaks the response ring gives the frontend a clean error") {
    auto daemon = start_daemon();
    int verdict = scenario(*daemon, Backend::BreakResponses,
                           [](Reactor& r, session::FrontendSession& s, test::FrontendEnd&) {
                               auto first = block_on(r, s.call(request_of(XENSND_OP_OPEN)));
                               auto second = block_on(r, s.call(request_of(XENSND_OP_CLOSE)));
                               // The first answer may be read before the bad index lands; the ring
                               // is broken by the next look at it at the latest.
                               CHECK((first.ok() || first.errno_value() == EPROTO));
                               CHECK(second.errno_value() == EPROTO);
                               CHECK(s.broken());
                           });
    CHECK(verdict == 0);
}

TEST_CASE("a frontend process that breaks the request ring gives the backend a clean error") {
    auto daemon = start_daemon();
    int verdict = scenario(*daemon, Backend::ExpectBrokenRequests,
                           [](Reactor&, session::FrontendSession&, test::FrontendEnd& end) {
                               reinterpret_cast<xen_sndif_sring*>(end.ring_page())->req_prod =
                                   0x7fff;
                               CHECK(end.ring_channel->notify().ok());
                           });
    CHECK(verdict == 0);
}

int main(int argc, char** argv) {
    std::string why;
    if (!Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
