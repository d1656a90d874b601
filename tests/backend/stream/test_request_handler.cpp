// The stream's request handler: every sndif operation, and each hostile request a guest can
// send, answered with the right status and one log line, never acting on bad data.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

#include "backend/stream/stream_state.hpp"
#include "stream_rig.hpp"

using namespace xensnd;
using namespace xensnd::backend::stream;
namespace audio = xensnd::backend::audio;
using xensnd::test::open_request;
using xensnd::test::rw_request;
using xensnd::test::trigger_request;

namespace {

// Captures the log lines written while it lives.
struct LogCapture {
    std::vector<std::string> lines;
    LogCapture() {
        log::set_sink([this](log::Level, std::string_view line) { lines.emplace_back(line); });
    }
    ~LogCapture() { log::set_sink({}); }
    bool has(std::string_view text) const {
        return std::any_of(lines.begin(), lines.end(),
                           [&](const std::string& l) { return l.find(text) != std::string::npos; });
    }
};

struct Fixture {
    test::StreamRig rig;
    StreamEnv env = rig.env();
    StreamState state{env};

    std::int32_t status(const sndif::Request& r) { return state.handle(r).response.status; }
    test::SharedBuffer opened(std::uint32_t bytes = 16384) {
        auto buf = rig.share(bytes);
        REQUIRE(status(open_request(buf)) == 0);
        return buf;
    }
};

}  // namespace

TEST_CASE("responses echo the request's id and operation") {
    Fixture f;
    auto req = sndif::make_request(0xbeef, XENSND_OP_CLOSE);
    auto h = f.state.handle(req);
    CHECK(h.response.id == 0xbeef);
    CHECK(h.response.operation == XENSND_OP_CLOSE);
    CHECK(h.response.status == 0);
    auto bad = sndif::make_request(0x1234, 200);
    h = f.state.handle(bad);
    CHECK(h.response.id == 0x1234);
    CHECK(h.response.operation == 200);
}

TEST_CASE("OPEN maps the buffer writable, opens the host with the guest's parameters") {
    Fixture f;
    auto buf = f.rig.share(16384);
    auto h = f.state.handle(open_request(buf, XENSND_PCM_FORMAT_S16_LE, 2, 44100, 4096));
    CHECK(h.response.status == 0);
    CHECK(h.drop_events);
    CHECK(f.state.is_open());
    CHECK(f.state.run_state() == RunState::Stopped);
    CHECK(f.rig.hosts_opened == 1);
    CHECK(f.rig.last_params.rate == 44100);
    CHECK(f.rig.last_params.channels == 2);
    CHECK(f.rig.last_params.frame_bytes == 4);
    CHECK(f.rig.last_params.buffer_frames == 4096);
    CHECK(f.rig.last_params.period_frames == 1024);
    CHECK(f.rig.last_params.direction == audio::Direction::Playback);
    // The directory page was mapped and released again; only the buffer stays mapped.
    CHECK(f.rig.grants.live_mappings() == 1);
    CHECK(f.state.stats().opens == 1);
}

TEST_CASE("OPEN of a buffer spanning two directory pages") {
    Fixture f;
    f.rig.config.hw.buffer_bytes = 4 << 20;
    auto buf = f.rig.share(1024 * 4096);  // 1024 pages: 1023 in the first directory page
    CHECK(f.status(open_request(buf)) == 0);
    CHECK(f.rig.grants.live_mappings() == 1);
}

TEST_CASE("CLOSE closes the host and unmaps the buffer; CLOSE when closed is harmless") {
    Fixture f;
    f.opened();
    auto h = f.state.handle(sndif::make_request(5, XENSND_OP_CLOSE));
    CHECK(h.response.status == 0);
    CHECK(h.drop_events);
    CHECK_FALSE(f.state.is_open());
    CHECK(f.rig.grants.live_mappings() == 0);
    CHECK(f.rig.journal.back() == "unmap 4");
    CHECK(f.status(sndif::make_request(6, XENSND_OP_CLOSE)) == 0);
}

TEST_CASE("hostile: OPEN on an open stream closes the old host and mapping before the new ones") {
    Fixture f;
    f.opened();
    auto second = f.rig.share(8192);
    f.rig.journal.clear();
    CHECK(f.status(open_request(second)) == 0);
    // old host closed, old buffer unmapped, then the new directory and buffer mapped
    REQUIRE(f.rig.journal.size() >= 4);
    CHECK(f.rig.journal[0] == "host close");
    CHECK(f.rig.journal[1] == "unmap 4");
    CHECK(f.rig.journal[2] == "map 1");
    CHECK(f.rig.grants.live_mappings() == 1);
    CHECK(f.rig.hosts_opened == 2);
    CHECK(f.state.stats().opens == 2);
}

TEST_CASE("hostile: an unknown operation is refused with -EOPNOTSUPP and logged") {
    LogCapture log;
    Fixture f;
    CHECK(f.status(sndif::make_request(1, 10)) == -EOPNOTSUPP);
    CHECK(f.status(sndif::make_request(1, 255)) == -EOPNOTSUPP);
    CHECK(log.has("operation 255 is not a sndif operation: -EOPNOTSUPP"));
    CHECK(f.state.stats().refused == 2);
}

TEST_CASE("hostile: WRITE and READ before OPEN") {
    LogCapture log;
    Fixture f;
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 0, 16)) == -EINVAL);
    CHECK(f.status(rw_request(XENSND_OP_READ, 0, 16)) == -EINVAL);
    CHECK(log.has("dom1 vsnd0 0/0: WRITE before OPEN: -EINVAL"));
}

TEST_CASE("hostile: WRITE/READ beyond the buffer, including 32-bit overflow") {
    LogCapture log;
    Fixture f;
    f.opened(65536);
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 0, 65536)) == 0);
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 65535, 1)) == 0);
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 65000, 4096)) == -EINVAL);
    CHECK(log.has("WRITE offset 65000 + length 4096 beyond buffer of 65536 bytes: -EINVAL"));
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 65536, 0)) == -EINVAL);
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 0xfffffff0u, 0x20)) == -EINVAL);  // wraps to 16
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 16, 0xfffffff8u)) == -EINVAL);
    // READ on a playback stream is the wrong direction
    CHECK(f.status(rw_request(XENSND_OP_READ, 0, 16)) == -EINVAL);
}

TEST_CASE("READ on a capture stream validates the range only") {
    Fixture f;
    f.rig.config.type = config::StreamType::Capture;
    f.opened(8192);
    CHECK(f.rig.last_params.direction == audio::Direction::Capture);
    CHECK(f.status(rw_request(XENSND_OP_READ, 4096, 4096)) == 0);
    CHECK(f.status(rw_request(XENSND_OP_READ, 4096, 4097)) == -EINVAL);
    CHECK(f.status(rw_request(XENSND_OP_WRITE, 0, 16)) == -EINVAL);
}

TEST_CASE("hostile: buffer_sz 0, absurd, or not whole frames") {
    LogCapture log;
    Fixture f;
    auto buf = f.rig.share(8192);
    auto r = open_request(buf);
    r.op.open.buffer_sz = 0;
    CHECK(f.status(r) == -EINVAL);
    r.op.open.buffer_sz = 0xffffffffu;
    CHECK(f.status(r) == -EINVAL);
    CHECK(log.has("OPEN buffer_sz 4294967295 outside 1..262144 bytes: -EINVAL"));
    r.op.open.buffer_sz = 8190;  // not a whole number of 4-byte frames
    r.op.open.period_sz = 1024;
    CHECK(f.status(r) == -EINVAL);
    CHECK_FALSE(f.state.is_open());
    CHECK(f.rig.hosts_opened == 0);
    CHECK(f.rig.grants.maps() == 0);
}

TEST_CASE("hostile: period_sz 0 or beyond the buffer") {
    LogCapture log;
    Fixture f;
    auto buf = f.rig.share(8192);
    auto r = open_request(buf);
    r.op.open.period_sz = 0;
    CHECK(f.status(r) == -EINVAL);
    CHECK(log.has("period_sz 0"));
    r.op.open.period_sz = 8196;
    CHECK(f.status(r) == -EINVAL);
    r.op.open.period_sz = 2;  // less than one 4-byte frame
    CHECK(f.status(r) == -EINVAL);
    CHECK(f.rig.hosts_opened == 0);
}

TEST_CASE("hostile: unsupported format, rate or channels in OPEN") {
    LogCapture log;
    Fixture f;
    auto buf = f.rig.share(8192);
    CHECK(f.status(open_request(buf, 99)) == -EINVAL);                        // undefined
    CHECK(f.status(open_request(buf, XENSND_PCM_FORMAT_MU_LAW)) == -EINVAL);  // not configured
    CHECK(f.status(open_request(buf, XENSND_PCM_FORMAT_GSM)) == -EINVAL);     // no frame size
    CHECK(f.status(open_request(buf, XENSND_PCM_FORMAT_S16_LE, 2, 22050)) == -EINVAL);
    CHECK(log.has("rate 22050 Hz not configured"));
    CHECK(f.status(open_request(buf, XENSND_PCM_FORMAT_S16_LE, 0)) == -EINVAL);
    CHECK(f.status(open_request(buf, XENSND_PCM_FORMAT_S16_LE, 3)) == -EINVAL);
    // configured but not what the host can do
    f.rig.caps.formats = 1ull << XENSND_PCM_FORMAT_S16_LE;
    CHECK(f.status(open_request(buf, XENSND_PCM_FORMAT_S32_LE)) == -EINVAL);
    f.rig.caps.rates = {44100, 44100};
    CHECK(f.status(open_request(buf, XENSND_PCM_FORMAT_S16_LE, 2, 48000)) == -EINVAL);
    CHECK(f.rig.hosts_opened == 0);
    CHECK(f.rig.grants.maps() == 0);
}

TEST_CASE("hostile: a page directory that loops") {
    Fixture f;
    f.rig.config.hw.buffer_bytes = 4 << 20;
    // 2 directory pages needed; the first one's next ref points back to itself.
    auto buf = f.rig.share(1024 * 4096);
    auto* dir = reinterpret_cast<std::uint32_t*>(f.rig.grants.page(buf.directory));
    dir[0] = buf.directory;
    CHECK(f.status(open_request(buf)) == -ELOOP);
    CHECK(f.rig.grants.live_mappings() == 0);
    CHECK(f.rig.hosts_opened == 0);
}

TEST_CASE("hostile: a page directory that is too short") {
    Fixture f;
    f.rig.config.hw.buffer_bytes = 4 << 20;
    auto buf = f.rig.share(1024 * 4096);
    auto* dir = reinterpret_cast<std::uint32_t*>(f.rig.grants.page(buf.directory));
    dir[0] = 0;  // the chain ends after the first page
    CHECK(f.status(open_request(buf)) == -ENODATA);
    CHECK(f.rig.grants.live_mappings() == 0);
}

TEST_CASE("hostile: a page directory naming refs that were never granted") {
    LogCapture log;
    Fixture f;
    auto buf = f.rig.share(8192);
    auto* dir = reinterpret_cast<std::uint32_t*>(f.rig.grants.page(buf.directory));
    dir[2] = 77777;  // the second buffer page
    CHECK(f.status(open_request(buf)) == -EPERM);
    CHECK(log.has("mapping 2 buffer pages"));
    auto r = open_request(buf);
    r.op.open.gref_directory = 55555;  // the directory itself
    CHECK(f.status(r) == -EPERM);
    r.op.open.gref_directory = 0;
    CHECK(f.status(r) == -ENODATA);
    CHECK(f.rig.grants.live_mappings() == 0);
    CHECK_FALSE(f.state.is_open());
}

TEST_CASE("hostile: the guest ended the grants (Linux's hw_free) and OPENs again") {
    Fixture f;
    auto buf = f.opened(8192);
    f.rig.grants.revoke(buf.first_page);
    CHECK(f.status(open_request(buf)) == -ENOENT);
    // The implicit close happened: nothing of the old stream is held.
    CHECK_FALSE(f.state.is_open());
    CHECK(f.rig.grants.live_mappings() == 0);
}

TEST_CASE("OPEN fails cleanly when the host cannot be opened") {
    LogCapture log;
    Fixture f;
    f.rig.open_errno = EBUSY;
    auto buf = f.rig.share(8192);
    CHECK(f.status(open_request(buf)) == -EBUSY);
    CHECK(log.has("host PCM: device busy: -EBUSY"));
    CHECK(f.rig.grants.live_mappings() == 0);
    CHECK_FALSE(f.state.is_open());
}

TEST_CASE("hostile: TRIGGER with an unknown type, or before OPEN") {
    LogCapture log;
    Fixture f;
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == -EINVAL);
    f.opened();
    CHECK(f.status(trigger_request(4)) == -EINVAL);
    CHECK(f.status(trigger_request(255)) == -EINVAL);
    CHECK(log.has("TRIGGER type 255 unknown: -EINVAL"));
    CHECK(f.state.run_state() == RunState::Stopped);
}

TEST_CASE("TRIGGER: START runs, PAUSE pauses, START on a paused stream resumes") {
    Fixture f;
    f.opened();
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == 0);
    CHECK(f.state.run_state() == RunState::Running);
    CHECK(f.rig.host->started());
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_PAUSE)) == 0);
    CHECK(f.state.run_state() == RunState::Paused);
    CHECK(f.rig.host->paused());
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == 0);
    CHECK(f.state.run_state() == RunState::Running);
    CHECK_FALSE(f.rig.host->paused());
    CHECK(f.rig.journal.back() == "host resume");
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_PAUSE)) == 0);
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_RESUME)) == 0);
    CHECK(f.state.run_state() == RunState::Running);
}

TEST_CASE("TRIGGER: STOP then START without OPEN restarts the host (xrun recovery)") {
    Fixture f;
    f.opened();
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == 0);
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_STOP)) == 0);
    CHECK(f.state.run_state() == RunState::Stopped);
    CHECK_FALSE(f.rig.host->started());
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == 0);
    CHECK(f.state.run_state() == RunState::Running);
    CHECK(f.rig.host->started());
    CHECK(f.rig.hosts_opened == 1);
}

TEST_CASE("TRIGGER: a host that cannot pause is stopped and started again") {
    Fixture f;
    f.opened();
    f.rig.host->can_pause = false;
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == 0);
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_PAUSE)) == 0);
    CHECK(f.state.run_state() == RunState::Paused);
    CHECK_FALSE(f.rig.host->started());
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == 0);
    CHECK(f.rig.host->started());
}

TEST_CASE("TRIGGER: a host that fails to start answers its errno") {
    Fixture f;
    f.opened();
    f.rig.host->start_errno = EIO;
    CHECK(f.status(trigger_request(XENSND_OP_TRIGGER_START)) == -EIO);
    CHECK(f.state.run_state() == RunState::Stopped);
}

TEST_CASE("SET_VOLUME, GET_VOLUME, MUTE, UNMUTE through the shared buffer") {
    Fixture f;
    auto buf = f.opened(8192);
    std::byte* shared = f.rig.buffer(buf);
    const std::int32_t vol[2] = {-6000, 3000};  // +3 dB: clamped to 0 dB
    std::memcpy(shared + 100, vol, sizeof vol);
    CHECK(f.status(rw_request(XENSND_OP_SET_VOLUME, 100, 8)) == 0);
    CHECK(f.state.volume()->volume()[0] == -6000);
    CHECK(f.state.volume()->volume()[1] == 0);
    CHECK(f.status(rw_request(XENSND_OP_GET_VOLUME, 200, 8)) == 0);
    std::int32_t back[2];
    std::memcpy(back, shared + 200, sizeof back);
    CHECK(back[0] == -6000);
    CHECK(back[1] == 0);
    const std::uint8_t mute[2] = {0, 1};
    std::memcpy(shared + 300, mute, 2);
    CHECK(f.status(rw_request(XENSND_OP_MUTE, 300, 2)) == 0);
    CHECK_FALSE(f.state.volume()->muted(0));
    CHECK(f.state.volume()->muted(1));
    CHECK(f.status(rw_request(XENSND_OP_UNMUTE, 300, 2)) == 0);
    CHECK_FALSE(f.state.volume()->muted(1));
}

TEST_CASE("hostile: volume requests out of range, too short, or before OPEN") {
    Fixture f;
    CHECK(f.status(rw_request(XENSND_OP_SET_VOLUME, 0, 8)) == -EINVAL);
    CHECK(f.status(rw_request(XENSND_OP_MUTE, 0, 2)) == -EINVAL);
    f.opened(8192);
    CHECK(f.status(rw_request(XENSND_OP_SET_VOLUME, 8188, 8)) == -EINVAL);
    CHECK(f.status(rw_request(XENSND_OP_GET_VOLUME, 0xfffffffcu, 8)) == -EINVAL);
    CHECK(f.status(rw_request(XENSND_OP_SET_VOLUME, 0, 4)) == -EINVAL);  // 2 channels x 4
    CHECK(f.status(rw_request(XENSND_OP_UNMUTE, 0, 1)) == -EINVAL);
    CHECK(f.state.volume()->is_identity());
}

TEST_CASE("HW_PARAM_QUERY answers without opening the device") {
    Fixture f;
    auto r = sndif::make_request(9, XENSND_OP_HW_PARAM_QUERY);
    r.op.hw_param.formats = ~0ull;
    r.op.hw_param.rates = {0, UINT32_MAX};
    r.op.hw_param.channels = {0, UINT32_MAX};
    r.op.hw_param.buffer = {0, UINT32_MAX};
    r.op.hw_param.period = {0, UINT32_MAX};
    auto h = f.state.handle(r);
    CHECK(h.response.status == 0);
    CHECK(h.response.resp.hw_param.rates.min == 8000);
    CHECK(h.response.resp.hw_param.rates.max == 48000);
    CHECK(f.rig.hosts_opened == 0);
    CHECK_FALSE(f.state.is_open());
}

TEST_CASE("hostile: HW_PARAM_QUERY with empty or inverted intervals") {
    LogCapture log;
    Fixture f;
    auto r = sndif::make_request(9, XENSND_OP_HW_PARAM_QUERY);
    r.op.hw_param.formats = ~0ull;
    r.op.hw_param.rates = {48000, 8000};  // inverted
    r.op.hw_param.channels = {1, 2};
    r.op.hw_param.buffer = {0, UINT32_MAX};
    r.op.hw_param.period = {0, UINT32_MAX};
    CHECK(f.status(r) == -EINVAL);
    r.op.hw_param.rates = {9000, 44000};  // between the listed rates
    CHECK(f.status(r) == -EINVAL);
    CHECK(log.has("HW_PARAM_QUERY no common rate"));
    f.rig.caps_errno = ENODEV;
    r.op.hw_param.rates = {8000, 48000};
    CHECK(f.status(r) == -ENODEV);
}

TEST_CASE("a flood of bad requests does not flood the log") {
    LogCapture log;
    Fixture f;
    for (int i = 0; i < 5000; ++i)
        CHECK(f.status(rw_request(XENSND_OP_WRITE, 0, 1)) == -EINVAL);
    CHECK(f.state.stats().refused == 5000);
    CHECK(log.lines.size() >= 1);
    CHECK(log.lines.size() < 100);
}
