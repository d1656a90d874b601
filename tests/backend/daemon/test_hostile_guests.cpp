// xensnd-backend against hostile guests, as a process on the loopback platform: one named test
// per way a frontend can misbehave (requests, shared buffers, rings, XenStore nodes, a guest
// killed mid-stream). In each the backend answers with an error status or disconnects that
// device alone, writes one line naming the domain, device, stream and cause, and the device
// then serves a new, good frontend that plays audio through it. One test shows a good guest
// playing bit-exact through its WAV sink while a hostile one misbehaves beside it; the last
// stops the daemon with SIGTERM: exit 0, and under the sanitizer tree no leak report.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backend/audio/wav_file.hpp"
#include "core/protocol/request_ring.hpp"
#include "coro/coro.hpp"
#include "guest_signal.hpp"
#include "running_backend.hpp"
#include "tests/backend/hostile/scripted_guest.hpp"

using namespace xensnd;
using namespace xensnd::coro;
using namespace std::chrono_literals;
using platform::DomId;
using platform::XenbusState;
using test::PcmShape;
using test::ScriptedGuest;

namespace {

constexpr DomId kHostile = 1;
constexpr DomId kGood = 2;
constexpr auto kLimit = 10s;  // a hang bound for one step, never a measurement

// A 4 MiB buffer is allowed, so that a page directory needs two pages and can loop.
const std::vector<std::string> kCard = {
    "card, short-name=Hostile, sample-formats=s16_le, sample-rates=48000, channels-min=1, "
    "channels-max=2, buffer-size=4194304",
    "pcm, name=Main", "stream, unique-id=p, type=p", "stream, unique-id=c, type=c"};
const std::vector<std::string> kDirs = {"0/0", "0/1"};

std::vector<std::byte> make_signal(std::size_t frames, std::uint32_t seed) {
    return test::s16_signal(frames, 2, seed);
}

class Rig {
  public:
    test::RunningBackend backend{{kHostile, kGood}};

    Rig() {
        auto r = Reactor::create();
        REQUIRE(r.ok());
        reactor_ = std::move(*r);
    }

    template <class T>
    T run(Task<T> task) {
        return block_on(*reactor_, std::move(task));
    }
    Reactor& reactor() { return *reactor_; }

    std::unique_ptr<ScriptedGuest> guest(DomId dom, unsigned devid) {
        auto g = ScriptedGuest::open(*reactor_, backend.rundir(), dom, devid);
        REQUIRE_MESSAGE(g.ok(), g.error().message());
        return std::move(*g);
    }

    // A fresh device for `dom` and a guest connected to it.
    std::unique_ptr<ScriptedGuest> connected_guest(DomId dom) {
        auto g = guest(dom, backend.attach(dom, kCard));
        auto c = run(g->connect(kDirs, kLimit));
        REQUIRE_MESSAGE(c.ok(), c.error().message());
        return g;
    }

  private:
    std::unique_ptr<Reactor> reactor_;
};

std::unique_ptr<Rig>& rig_slot() {
    static std::unique_ptr<Rig> rig;
    return rig;
}
Rig& rig() {
    if (!rig_slot()) rig_slot() = std::make_unique<Rig>();
    return *rig_slot();
}

std::string context(const ScriptedGuest& g, std::string_view stream = "") {
    std::string c = "dom" + std::to_string(g.domain()) + " vsnd" + std::to_string(g.devid());
    if (!stream.empty()) c += " " + std::string(stream);
    return c + ": ";
}

PcmShape small_shape() {
    PcmShape s;
    s.buffer_bytes = 16384;
    s.period_bytes = 2048;
    return s;
}

// The good guest's proof that a stream works: OPEN, a tenth of a second played, CLOSE.
void plays(ScriptedGuest& g) {
    auto opened = rig().run(g.open_pcm(0, small_shape()));
    REQUIRE_MESSAGE(opened.ok(), "OPEN: " << opened.error().message());
    auto played = rig().run(g.play(0, make_signal(4800, 7), kLimit));
    REQUIRE_MESSAGE(played.ok(), "play: " << played.error().message());
    CHECK(played->cur_pos_events > 0);
    auto closed = rig().run(g.status(0, test::rw_request(XENSND_OP_CLOSE, 0, 0)));
    REQUIRE(closed.ok());
    CHECK(*closed == 0);
}

// A request the backend must refuse with -expected, logging one line with `parts` (and the
// stream's context and the errno's name).
void refused(ScriptedGuest& g, std::size_t stream, const sndif::Request& request, int expected,
             std::initializer_list<std::string_view> parts) {
    auto st = rig().run(g.status(stream, request));
    REQUIRE_MESSAGE(st.ok(), st.error().message());
    CHECK(*st == -expected);
    const std::string ctx = context(g, kDirs.at(stream));
    const std::string name = "-" + std::string(::strerrorname_np(expected));
    for (auto p : parts) {
        INFO("wanted '" << p << "' in: " << rig().backend.err());
        CHECK(!rig().backend.wait_line({ctx, name, p}).empty());
    }
    INFO(rig().backend.err());
    CHECK(rig().backend.count_lines({ctx, name}) == 1);
}

// The guest's frontend directory with one node spoiled, then Initialised: the backend refuses
// the device (Closed) naming the node; the guest starting over with good nodes is served.
void refused_nodes(const std::string& node, const std::string& value,
                   std::initializer_list<std::string_view> parts) {
    Rig& r = rig();
    auto g = r.guest(kHostile, r.backend.attach(kHostile, kCard));
    REQUIRE(r.run(g->set_state(XenbusState::Initialising)).ok());
    REQUIRE(r.run(g->publish(kDirs)).ok());
    const std::string path = g->dir() + "/0/0/" + node;
    // What was there (the toolstack writes some of these nodes), to be put back afterwards.
    auto original = r.run(g->store().read(path));
    if (value.empty())
        REQUIRE(r.run(g->store().rm(path)).ok());
    else
        REQUIRE(r.run(g->store().write(path, value)).ok());
    REQUIRE(r.run(g->set_state(XenbusState::Initialised)).ok());
    const platform::XenbusStates closed{XenbusState::Closed};
    auto state = r.run(g->wait_backend(closed, kLimit));
    REQUIRE_MESSAGE(state.ok(), "the backend did not refuse the device: " << r.backend.err());
    const std::string ctx = context(*g);
    for (auto p : parts) {
        INFO("wanted '" << p << "' in: " << r.backend.err());
        CHECK(!r.backend.wait_line({ctx, path, p}).empty());
    }
    INFO(r.backend.err());
    CHECK(r.backend.count_lines({ctx, "error", path}) == 1);
    // Linux's frontend starts over after Closed; good nodes this time.
    if (original) REQUIRE(r.run(g->store().write(path, *original)).ok());
    g->drop_streams();
    auto again = r.run(g->connect(kDirs, kLimit));
    REQUIRE_MESSAGE(again.ok(), again.error().message());
    plays(*g);
}

sndif::Request with_open(PcmShape shape, sndif::GrantRef dir, void (*change)(xensnd_open_req&)) {
    sndif::Request r = test::open_request(shape, dir);
    change(r.op.open);
    return r;
}

// ---- a guest process killed mid-stream

std::string self_exe() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    REQUIRE(n > 0);
    return std::string(buf, static_cast<std::size_t>(n));
}

// In the child: connect, OPEN, say so on `report_fd`, then play ten seconds (it is killed
// long before).
int guest_child(const std::string& rundir, DomId dom, unsigned devid, int report_fd) {
    auto reactor = Reactor::create();
    if (!reactor) return 10;
    auto g = ScriptedGuest::open(**reactor, rundir, dom, devid);
    if (!g) return 11;
    if (!block_on(**reactor, (*g)->connect(kDirs, kLimit))) return 12;
    if (!block_on(**reactor, (*g)->open_pcm(0, small_shape()))) return 13;
    if (::write(report_fd, "open\n", 5) != 5) return 14;
    auto played = block_on(**reactor, (*g)->play(0, make_signal(480000, 3), kLimit));
    return played ? 0 : 15;
}

struct ChildGuest {
    pid_t pid = -1;
    int report = -1;
};

ChildGuest start_guest_child(DomId dom, unsigned devid) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string exe = self_exe(), d = std::to_string(dom), n = std::to_string(devid),
                      fd = std::to_string(fds[1]), rundir = rig().backend.rundir();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        ::execl(exe.c_str(), exe.c_str(), "--guest-child", rundir.c_str(), d.c_str(), n.c_str(),
                fd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    return {pid, fds[0]};
}

Task<Result<std::size_t>> read_some(int fd, std::span<std::byte> buf) {
    Result<std::size_t> n = co_await coro::read(fd, buf);
    co_return n;
}

Task<bool> child_reported(int fd) {
    std::array<std::byte, 16> buf;
    std::string got;
    while (got.find('\n') == std::string::npos) {
        auto reading = read_some(fd, buf);
        Result<std::size_t> n = co_await timeout(kLimit, std::move(reading));
        if (!n || *n == 0) co_return false;
        got.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
    co_return got == "open\n";
}

off_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

Task<bool> until_file_grows(std::string path, off_t beyond) {
    auto deadline = Clock::now() + kLimit;
    while (file_size(path) <= beyond) {
        if (Clock::now() > deadline) co_return false;
        (void)co_await sleep_for(5ms);
    }
    co_return true;
}

// Kills a guest process that is playing on dom<kHostile> vsnd<devid>; checks the backend
// noticed (one line, InitWait again). Runs on the reactor, so a good guest may play meanwhile.
Task<Result<void>> kill_playing_guest(unsigned devid, ScriptedGuest* observer,
                                      std::chrono::steady_clock::time_point* killed_at) {
    ChildGuest child = start_guest_child(kHostile, devid);
    bool reported = co_await child_reported(child.report);
    ::close(child.report);
    if (!reported) {
        ::kill(child.pid, SIGKILL);
        ::waitpid(child.pid, nullptr, 0);
        co_return Err(ECHILD);
    }
    // Mid-stream: its audio is reaching the WAV sink.
    const std::string wav = rig().backend.wav_path(kHostile, devid, 0, 0, 'p');
    bool playing = co_await until_file_grows(wav, 44 + 4096);
    *killed_at = std::chrono::steady_clock::now();
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
    if (!playing) co_return Err(ETIMEDOUT);
    const std::string backend_dir =
        "/local/domain/0/backend/vsnd/" + std::to_string(kHostile) + "/" + std::to_string(devid);
    // Connected -> InitWait once the backend has seen the dead ports.
    auto waiting = platform::wait_for_state(
        observer->store(), backend_dir, [](XenbusState s) { return s == XenbusState::InitWait; },
        kLimit);
    Result<XenbusState> s = co_await std::move(waiting);
    if (!s) co_return Err(s.error());
    co_return ok();
}

}  // namespace

// ---- requests

TEST_CASE("unknown operation: -EOPNOTSUPP, one line, the stream goes on") {
    auto g = rig().connected_guest(kHostile);
    sndif::Request r{};
    r.operation = 200;
    refused(*g, 0, r, EOPNOTSUPP, {"operation 200 is not a sndif operation"});
    plays(*g);
}

TEST_CASE("WRITE and READ before OPEN: -EINVAL, one line each") {
    auto g = rig().connected_guest(kHostile);
    refused(*g, 0, test::rw_request(XENSND_OP_WRITE, 0, 64), EINVAL, {"WRITE before OPEN"});
    refused(*g, 1, test::rw_request(XENSND_OP_READ, 0, 64), EINVAL, {"READ before OPEN"});
    plays(*g);
}

TEST_CASE("offset + length beyond buffer_sz, also when the sum overflows 32 bits") {
    auto g = rig().connected_guest(kHostile);
    REQUIRE(rig().run(g->open_pcm(0, small_shape())).ok());
    refused(*g, 0, test::rw_request(XENSND_OP_WRITE, 16000, 1024), EINVAL,
            {"WRITE offset 16000 + length 1024 beyond buffer of 16384 bytes"});
    // 0xfffff000 + 0x2000 wraps to 0x1000: inside the buffer only to a careless check.
    auto st = rig().run(g->status(0, test::rw_request(XENSND_OP_WRITE, 0xfffff000u, 0x2000)));
    REQUIRE(st.ok());
    CHECK(*st == -EINVAL);
    CHECK(
        !rig().backend.wait_line({context(*g, "0/0"), "offset 4294963200 + length 8192"}).empty());
    auto vol = rig().run(g->status(0, test::rw_request(XENSND_OP_SET_VOLUME, 0xffffffffu, 8)));
    REQUIRE(vol.ok());
    CHECK(*vol == -EINVAL);
    CHECK(!rig().backend.wait_line({context(*g, "0/0"), "SET_VOLUME offset 4294967295"}).empty());
    plays(*g);
}

TEST_CASE("OPEN with buffer_sz 0 or absurd, period_sz 0 or above buffer_sz: -EINVAL") {
    auto g = rig().connected_guest(kHostile);
    auto buf = g->share_buffer(16384);
    REQUIRE(buf.ok());
    const auto dir = buf->gref_directory();
    refused(*g, 0, with_open(small_shape(), dir, [](xensnd_open_req& o) { o.buffer_sz = 0; }),
            EINVAL, {"OPEN buffer_sz 0 outside 1..4194304 bytes"});
    auto st = rig().run(g->status(
        0, with_open(small_shape(), dir, [](xensnd_open_req& o) { o.buffer_sz = 0xffffffffu; })));
    REQUIRE(st.ok());
    CHECK(*st == -EINVAL);
    CHECK(!rig().backend.wait_line({context(*g, "0/0"), "buffer_sz 4294967295 outside"}).empty());
    st = rig().run(
        g->status(0, with_open(small_shape(), dir, [](xensnd_open_req& o) { o.period_sz = 0; })));
    REQUIRE(st.ok());
    CHECK(*st == -EINVAL);
    CHECK(!rig().backend.wait_line({context(*g, "0/0"), "OPEN period_sz 0"}).empty());
    st = rig().run(g->status(
        0, with_open(small_shape(), dir, [](xensnd_open_req& o) { o.period_sz = 32768; })));
    REQUIRE(st.ok());
    CHECK(*st == -EINVAL);
    CHECK(!rig().backend.wait_line({context(*g, "0/0"), "OPEN period_sz 32768 outside"}).empty());
    plays(*g);
}

TEST_CASE("OPEN with a format, rate or channel count not offered: -EINVAL") {
    auto g = rig().connected_guest(kHostile);
    auto buf = g->share_buffer(16384);
    REQUIRE(buf.ok());
    const auto dir = buf->gref_directory();
    struct Case {
        void (*change)(xensnd_open_req&);
        const char* line;
    };
    const Case cases[] = {
        {[](xensnd_open_req& o) { o.pcm_format = 200; }, "OPEN format 200 unknown"},
        {[](xensnd_open_req& o) { o.pcm_format = XENSND_PCM_FORMAT_S32_LE; },
         "OPEN format s32_le not configured"},
        {[](xensnd_open_req& o) { o.pcm_rate = 44100; }, "OPEN rate 44100 Hz not configured"},
        {[](xensnd_open_req& o) { o.pcm_channels = 6; },
         "OPEN 6 channels outside the configured 1..2"},
        {[](xensnd_open_req& o) { o.pcm_channels = 0; }, "OPEN with 0 channels"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.line);
        auto st = rig().run(g->status(0, with_open(small_shape(), dir, c.change)));
        REQUIRE(st.ok());
        CHECK(*st == -EINVAL);
        CHECK(!rig().backend.wait_line({context(*g, "0/0"), c.line, "-EINVAL"}).empty());
    }
    plays(*g);
}

TEST_CASE("TRIGGER with an unknown type: -EINVAL") {
    auto g = rig().connected_guest(kHostile);
    REQUIRE(rig().run(g->open_pcm(0, small_shape())).ok());
    refused(*g, 0, test::trigger_request(9), EINVAL, {"TRIGGER type 9 unknown"});
    plays(*g);
}

TEST_CASE("HW_PARAM_QUERY with inverted or empty intervals: -EINVAL") {
    auto g = rig().connected_guest(kHostile);
    sndif::Request q{};
    q.operation = XENSND_OP_HW_PARAM_QUERY;
    q.op.hw_param.formats = 1ull << XENSND_PCM_FORMAT_S16_LE;
    q.op.hw_param.rates = {48000, 8000};
    q.op.hw_param.channels = {1, 2};
    q.op.hw_param.buffer = {64, 65536};
    q.op.hw_param.period = {16, 16384};
    refused(*g, 0, q, EINVAL, {"HW_PARAM_QUERY inverted interval (rates 48000..8000"});
    q.op.hw_param.rates = {1, 2};  // nothing in common with 48 kHz
    auto st = rig().run(g->status(0, q));
    REQUIRE(st.ok());
    CHECK(*st == -EINVAL);
    CHECK(!rig().backend.wait_line({context(*g, "0/0"), "HW_PARAM_QUERY no common rate"}).empty());
    // A sane query is still answered.
    q.op.hw_param.rates = {8000, 192000};
    auto rsp = rig().run(g->call(0, q));
    REQUIRE(rsp.ok());
    CHECK(rsp->status == 0);
    CHECK(rsp->resp.hw_param.rates.min == 48000);
    CHECK(rsp->resp.hw_param.rates.max == 48000);
    plays(*g);
}

// ---- page directories

TEST_CASE("a page directory that loops, ends early or names refs never granted") {
    auto g = rig().connected_guest(kHostile);
    PcmShape big = small_shape();
    big.buffer_bytes = 4u << 20;  // 1024 pages: two directory pages
    {
        auto buf = g->share_buffer(big.buffer_bytes);
        REQUIRE(buf.ok());
        buf->directory_page(0)[0] = buf->gref_directory();  // page 0's next is page 0
        refused(*g, 0, test::open_request(big, buf->gref_directory()), ELOOP,
                {"OPEN page directory at gref " + std::to_string(buf->gref_directory())});
    }
    {
        auto buf = g->share_buffer(big.buffer_bytes);
        REQUIRE(buf.ok());
        buf->directory_page(0)[0] = 0;  // the chain ends after 1023 of 1024 refs
        refused(*g, 0, test::open_request(big, buf->gref_directory()), ENODATA,
                {"OPEN page directory at gref " + std::to_string(buf->gref_directory())});
    }
    {
        auto buf = g->share_buffer(16384);
        REQUIRE(buf.ok());
        buf->directory_page(0)[2] = 0x7ffffff0u;  // the second buffer page: never granted
        auto st = rig().run(g->status(0, test::open_request(small_shape(), buf->gref_directory())));
        REQUIRE(st.ok());
        CHECK(*st < 0);
        CHECK(
            !rig().backend.wait_line({context(*g, "0/0"), "OPEN mapping 4 buffer pages"}).empty());
        // A directory ref that was never granted.
        st = rig().run(g->status(0, test::open_request(small_shape(), 0x7ffffff1u)));
        REQUIRE(st.ok());
        CHECK(*st < 0);
        CHECK(!rig()
                   .backend.wait_line({context(*g, "0/0"), "page directory at gref 2147483633"})
                   .empty());
    }
    plays(*g);
}

// ---- rings

TEST_CASE("a request producer index beyond the ring size disconnects that device alone") {
    Rig& r = rig();
    auto g = r.connected_guest(kHostile);
    auto other = r.connected_guest(kHostile);
    auto* ring = static_cast<xen_sndif_sring*>(g->ring_page(0));
    ring->req_prod = ring->req_prod + 1000;
    REQUIRE(g->ring_channel(0).notify().ok());
    const platform::XenbusStates init_wait{XenbusState::InitWait};
    REQUIRE(r.run(g->wait_backend(init_wait, kLimit)).ok());
    CHECK(
        !r.backend.wait_line({context(*g, "0/0"), "request ring broken by the frontend"}).empty());
    CHECK(r.backend.count_lines({context(*g, "0/0"), "request ring broken"}) == 1);
    // The other device of the same guest never noticed.
    plays(*other);
    // A new frontend on the broken one is served.
    auto fresh = r.guest(kHostile, g->devid());
    g.reset();
    REQUIRE(r.run(fresh->connect(kDirs, kLimit)).ok());
    plays(*fresh);
}

TEST_CASE("a request flood is answered in full, its refusals logged rate-limited") {
    Rig& r = rig();
    auto g = r.connected_guest(kHostile);
    // The guest's own ring discipline, bypassing the one-call-at-a-time session.
    sndif::FrontRing ring(g->ring_page(0));
    constexpr int kRounds = 60;
    std::size_t answered = 0, wrong = 0;
    const auto begun = std::chrono::steady_clock::now();
    auto flood = [&]() -> Task<Result<void>> {
        std::array<sndif::Response, sndif::kRequestRingSize> rsp;
        for (int round = 0; round < kRounds; ++round) {
            for (std::uint16_t k = 0; k < sndif::kRequestRingSize; ++k) {
                sndif::Request req = test::rw_request(XENSND_OP_WRITE, 0, 64);
                req.id = static_cast<std::uint16_t>(round * 32 + k);
                if (!ring.queue(req)) co_return Err(EPROTO);
            }
            if (!ring.push()) co_return Err(EPROTO);
            if (auto n = g->ring_channel(0).notify(); !n) co_return n;
            std::size_t got = 0;
            while (got < sndif::kRequestRingSize) {
                auto n = ring.consume_responses(rsp);
                if (!n) co_return Err(n.error());
                for (std::size_t i = 0; i < *n; ++i)
                    if (rsp[i].status != -EINVAL) ++wrong;
                got += *n;
                if (*n != 0) continue;
                auto more = ring.final_check_for_responses();
                if (!more) co_return Err(more.error());
                if (*more) continue;
                auto waiting = g->ring_channel(0).wait();
                Result<void> w = co_await timeout(kLimit, std::move(waiting));
                if (!w) co_return w;
            }
            answered += got;
        }
        co_return ok();
    };
    auto flooded = r.run(flood());
    REQUIRE_MESSAGE(flooded.ok(), flooded.error().message());
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - begun)
            .count();
    CHECK(answered == kRounds * sndif::kRequestRingSize);
    CHECK(wrong == 0);
    const std::size_t lines = r.backend.count_lines({context(*g, "0/0"), "WRITE before OPEN"});
    INFO("refusal lines: " << lines << " in " << seconds << " s");
    CHECK(lines >= 1);
    CHECK(lines <= 10 + static_cast<std::size_t>(seconds) + 1);
    // The device is still connected; a new frontend takes it over and plays.
    auto fresh = r.guest(kHostile, g->devid());
    g.reset();
    REQUIRE(r.run(fresh->connect(kDirs, kLimit)).ok());
    plays(*fresh);
}

// ---- XenStore nodes

TEST_CASE("ring-ref missing: the device is refused naming the node, then served") {
    refused_nodes("ring-ref", "", {"missing"});
}
TEST_CASE("event-channel not a number: refused naming the node and value") {
    refused_nodes("event-channel", "12abc", {"12abc"});
}
TEST_CASE("ring-ref that was never granted: refused naming the node and value") {
    refused_nodes("ring-ref", "99999999", {"99999999"});
}
TEST_CASE("event-channel that was never allocated: refused naming the node and value") {
    refused_nodes("event-channel", "4000", {"4000"});
}
TEST_CASE("evt-ring-ref negative: refused naming the node") {
    refused_nodes("evt-ring-ref", "-1", {"-1"});
}
TEST_CASE("a stream type that is neither p nor c: refused naming the node") {
    refused_nodes("type", "x", {});
}

// ---- a guest that vanishes

TEST_CASE("a guest killed mid-stream: noticed, one line, the device serves a new guest") {
    Rig& r = rig();
    const unsigned devid = r.backend.attach(kHostile, kCard);
    auto observer = r.guest(kHostile, devid);  // only reads the backend's state
    std::chrono::steady_clock::time_point killed_at;
    auto killed = r.run(kill_playing_guest(devid, observer.get(), &killed_at));
    REQUIRE_MESSAGE(killed.ok(), killed.error().message() << "\n" << r.backend.err());
    // Whichever of the device's streams sees the dead port first says so; the device then
    // tears the others down (cancelled, no line of their own, but at most one each).
    const std::string ctx = "dom1 vsnd" + std::to_string(devid) + " ";
    std::string line = r.backend.wait_line({ctx, "frontend gone"});
    MESSAGE("noticed within " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - killed_at)
                                     .count()
                              << " ms of SIGKILL: " << line);
    REQUIRE_MESSAGE(!line.empty(), "the backend's log:\n" << r.backend.err());
    const std::size_t gone = r.backend.count_lines({ctx, "frontend gone"});
    CHECK(gone >= 1);
    CHECK(gone <= 2);
    REQUIRE(r.run(observer->connect(kDirs, kLimit)).ok());
    plays(*observer);
}

// ---- a good guest beside a hostile one

TEST_CASE("a good guest plays bit-exact while another floods, breaks its ring and dies") {
    Rig& r = rig();
    auto good = r.connected_guest(kGood);
    auto bad = r.connected_guest(kHostile);
    const unsigned doomed = r.backend.attach(kHostile, kCard);
    // 128 KiB (0.7 s) of buffer: the guest stays ahead even on a loaded machine.
    PcmShape shape;
    shape.buffer_bytes = 131072;
    shape.period_bytes = 8192;
    REQUIRE(r.run(good->open_pcm(0, shape)).ok());

    bool hostile_done = false;
    std::string hostile_error;
    auto misbehave = [](ScriptedGuest* g, unsigned doomed, bool* done,
                        std::string* error) -> Task<void> {
        // Bad requests as fast as they are answered.
        for (int i = 0; i < 300; ++i) {
            auto st = co_await g->status(0, test::rw_request(XENSND_OP_WRITE, 0, 64));
            if (!st || *st != -EINVAL) {
                *error = "flood";
                break;
            }
        }
        // A broken ring.
        auto* ring = static_cast<xen_sndif_sring*>(g->ring_page(1));
        ring->req_prod = ring->req_prod + 77;
        (void)g->ring_channel(1).notify();
        const platform::XenbusStates init_wait{XenbusState::InitWait};
        auto s = co_await g->wait_backend(init_wait, kLimit);
        if (!s && error->empty()) *error = "broken ring not noticed";
        // A guest process killed while it plays.
        std::chrono::steady_clock::time_point killed_at;
        auto killed = co_await kill_playing_guest(doomed, g, &killed_at);
        if (!killed && error->empty()) *error = "kill: " + killed.error().message();
        *done = true;
    };
    auto hostile = spawn(r.reactor(), misbehave(bad.get(), doomed, &hostile_done, &hostile_error));
    // Plays until the hostile guest is through, then to the end of what it wrote.
    const auto signal = make_signal(48000 * 30, 11);
    auto played = r.run(good->play(0, signal, kLimit, &hostile_done));
    r.run([](JoinHandle<void> h) -> Task<void> { co_await std::move(h); }(std::move(hostile)));
    CHECK(hostile_error == "");
    REQUIRE_MESSAGE(played.ok(), played.error().message());
    REQUIRE(r.run(good->status(0, test::rw_request(XENSND_OP_CLOSE, 0, 0))).value_or(-1) == 0);

    auto wav = backend::audio::read_wav(r.backend.wav_path(kGood, good->devid(), 0, 0, 'p'));
    REQUIRE(wav.ok());
    const std::size_t n = played->bytes;
    MESSAGE("the good guest played " << n / 4 << " frames beside the hostile one");
    REQUIRE(wav->data.size() >= n);
    CHECK(std::memcmp(wav->data.data(), signal.data(), n) == 0);
    // Anything after it is the silence of the drain at the end, never a gap inside.
    CHECK(std::all_of(wav->data.begin() + static_cast<std::ptrdiff_t>(n), wav->data.end(),
                      [](std::byte b) { return b == std::byte{0}; }));
    // The only silence its stream needed was the drain after its end. (Host xruns, the
    // paced device running dry while the backend was not scheduled, depend on the machine's
    // load and never reach the sink: they are reported, not asserted.)
    REQUIRE(r.run(good->set_state(XenbusState::Closing)).ok());
    std::string ended = r.backend.wait_line({context(*good, "0/0"), "stream ended"});
    MESSAGE(ended);
    CHECK(ended.find(std::to_string((wav->data.size() - n) / 4) + " underrun frames") !=
          std::string::npos);
}

// ---- the daemon itself

TEST_CASE("after all that, SIGTERM: exit 0, no leak or sanitizer report") {
    Rig& r = rig();
    CHECK(r.backend.running());
    auto status = r.backend.stop();
    std::string err = r.backend.err();
    INFO(err);
    CHECK(status == std::optional<int>(0));
    CHECK(err.find("stopping on SIGTERM") != std::string::npos);
    CHECK(err.find("LeakSanitizer") == std::string::npos);
    CHECK(err.find("AddressSanitizer") == std::string::npos);
    CHECK(err.find("runtime error") == std::string::npos);
}

int main(int argc, char** argv) {
    if (argc == 6 && std::strcmp(argv[1], "--guest-child") == 0) {
        return guest_child(argv[2], static_cast<DomId>(std::atoi(argv[3])),
                           static_cast<unsigned>(std::atoi(argv[4])), std::atoi(argv[5]));
    }
    std::string why;
    if (!Reactor::probe(&why)) {
        std::printf("SKIP: io_uring is not usable here: %s\n", why.c_str());
        return 77;
    }
    doctest::Context ctx(argc, argv);
    int result = ctx.run();
    rig_slot().reset();
    return result;
}
