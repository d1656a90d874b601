// The DMA engine against a FakeHost whose clock the test runs: playback data reaches the host
// bit for bit, a late guest is heard as silence (never stale samples) and counted, capture
// lands at position % buffer, the position only grows, and the pump's wake-ups give at least
// two positions per guest period.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "backend/stream/dma_engine.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "fake_host.hpp"

using namespace xensnd;
using namespace xensnd::backend::stream;
namespace audio = xensnd::backend::audio;
using xensnd::test::FakeHost;

namespace {

constexpr std::uint32_t kFrame = 4;  // S16_LE stereo

std::byte stream_byte(std::uint64_t at) {
    return std::byte((at * 13 + 5) % 253);
}

struct Playback {
    std::vector<std::byte> buffer;
    audio::SoftVolume volume = *audio::SoftVolume::create(XENSND_PCM_FORMAT_S16_LE, 2);
    audio::PcmParams params;
    FakeHost host;
    DmaEngine engine;
    std::uint64_t appl = 0;  // bytes the guest wrote so far
    std::uint64_t last_position = 0;

    Playback(std::uint32_t buffer_bytes, std::uint32_t period_frames, std::uint32_t host_buffer)
        : buffer(buffer_bytes, std::byte{0x5a}),  // stale garbage the guest never wrote
          params(make_params(buffer_bytes, period_frames)),
          host(params, host_buffer, nullptr),
          engine(DmaGeometry{buffer.data(), buffer_bytes, kFrame, period_frames,
                             audio::Direction::Playback, XENSND_PCM_FORMAT_S16_LE},
                 &volume) {}

    static audio::PcmParams make_params(std::uint32_t buffer_bytes, std::uint32_t period) {
        audio::PcmParams p;
        p.format = XENSND_PCM_FORMAT_S16_LE;
        p.channels = 2;
        p.frame_bytes = kFrame;
        p.buffer_frames = buffer_bytes / kFrame;
        p.period_frames = period;
        return p;
    }

    // The guest writes `bytes` more of its stream (as Linux: copy, then WRITE).
    void guest_write(std::uint32_t bytes) {
        const std::uint32_t size = static_cast<std::uint32_t>(buffer.size());
        while (bytes > 0) {
            const std::uint32_t at = static_cast<std::uint32_t>(appl % size);
            const std::uint32_t n = std::min(bytes, size - at);
            for (std::uint32_t i = 0; i < n; ++i)
                buffer[at + i] = stream_byte(appl + i);
            engine.guest_wrote(at, n);
            appl += n;
            bytes -= n;
        }
    }
    // What a guest keeping its buffer full would write now.
    std::uint32_t guest_space() {
        REQUIRE(appl >= last_position);
        return static_cast<std::uint32_t>(buffer.size() - (appl - last_position));
    }
    std::uint64_t position() {
        auto p = engine.position(host);
        REQUIRE(p.ok());
        CHECK(*p >= last_position);
        last_position = *p;
        return *p;
    }
    // One pump round: the device plays until the engine's wake-up threshold, then the engine
    // refills the host. Returns the frames played in this round.
    std::size_t round() {
        const std::size_t wake = engine.wake_frames(host);
        const std::size_t avail = *host.avail();
        const std::size_t played = wake > avail ? wake - avail : 0;
        host.advance(played);
        REQUIRE(engine.transfer(host).ok());
        return played;
    }
};

}  // namespace

TEST_CASE("playback: what the guest wrote reaches the host bit for bit") {
    Playback p(16384, 512, 1024);
    p.guest_write(16384);
    REQUIRE(p.engine.start(p.host).ok());
    for (int i = 0; i < 400; ++i) {
        p.round();
        p.position();
        p.guest_write(p.guest_space());
    }
    REQUIRE(p.host.heard.size() > 16384 * 4);
    for (std::size_t i = 0; i < p.host.heard.size(); ++i) {
        if (p.host.heard[i] != stream_byte(i)) FAIL("byte ", i, " differs");
    }
    CHECK(p.engine.underrun_frames() == 0);
    CHECK(p.host.counters().host_xruns == 0);
    // The position is what was heard.
    CHECK(p.position() == p.host.heard.size());
}

TEST_CASE("playback: a guest keeping little written ahead loses nothing") {
    // A slow guest (Linux under emulation) writes just ahead of the position it was told:
    // more than a step (half a period) plus the low water, less than the host's target fill.
    // The host gets only what was written: no silence in front of data the guest writes a
    // moment later. (Before this was fixed the host was filled to its target with silence.)
    for (std::uint32_t ahead_frames : {330u, 384u, 640u}) {
        CAPTURE(ahead_frames);
        Playback p(16384, 512, 1024);
        p.guest_write(ahead_frames * kFrame);
        REQUIRE(p.engine.start(p.host).ok());
        for (int i = 0; i < 400; ++i) {
            p.round();
            const std::uint64_t keep = p.position() + ahead_frames * kFrame;
            if (p.appl < keep) p.guest_write(static_cast<std::uint32_t>(keep - p.appl));
        }
        REQUIRE(p.host.heard.size() > 16384 * 4);
        for (std::size_t i = 0; i < p.host.heard.size(); ++i)
            if (p.host.heard[i] != stream_byte(i)) FAIL("byte ", i, " differs");
        CHECK(p.engine.underrun_frames() == 0);
        CHECK(p.host.counters().host_xruns == 0);
    }
}

TEST_CASE("playback: at least two positions per guest period") {
    for (std::uint32_t period : {8u, 100u, 512u, 2048u}) {
        Playback p(16384, period, 1024);
        p.guest_write(16384);
        REQUIRE(p.engine.start(p.host).ok());
        for (int i = 0; i < 200; ++i) {
            const std::size_t played = p.round();
            // each wake-up (one CUR_POS) covers at most half a period
            CHECK(played <= std::max<std::size_t>(period / 2, 1));
            p.position();
            p.guest_write(p.guest_space());
        }
    }
}

TEST_CASE("playback: a late guest is heard as silence, counted, never stale samples") {
    Playback p(16384, 512, 1024);
    p.guest_write(2048);  // 512 frames, then nothing
    REQUIRE(p.engine.start(p.host).ok());
    std::uint64_t positions = 0;
    for (int i = 0; i < 50; ++i) {
        p.round();
        const auto before = p.last_position;
        if (p.position() > before) ++positions;
    }
    CHECK(positions > 10);  // the clock goes on through the underrun
    REQUIRE(p.host.heard.size() > 4096);
    for (std::size_t i = 0; i < 2048; ++i)
        REQUIRE(p.host.heard[i] == stream_byte(i));
    for (std::size_t i = 2048; i < p.host.heard.size(); ++i)
        if (p.host.heard[i] != std::byte{0}) FAIL("stale byte at ", i);
    CHECK(p.engine.underrun_frames() > 0);
    CHECK(p.engine.underrun_frames() == p.engine.frames() - 512);

    // The guest recovers as Linux does after its xrun: STOP, then it writes from the position
    // it was told, then START. Everything from there on is its data again.
    REQUIRE(p.engine.stop(p.host).ok());
    const std::uint64_t resumed_at = p.position();
    CHECK(resumed_at == p.host.heard.size());
    p.appl = resumed_at;
    p.guest_write(8192);
    REQUIRE(p.engine.start(p.host).ok());
    for (int i = 0; i < 8; ++i)
        p.round();
    REQUIRE(p.host.heard.size() > resumed_at + 4096);
    for (std::size_t i = resumed_at; i < resumed_at + 8192 && i < p.host.heard.size(); ++i)
        if (p.host.heard[i] != stream_byte(i)) FAIL("byte ", i, " after recovery");
}

TEST_CASE("playback: a pause the host cannot do holds what the host dropped; START replays it") {
    Playback p(16384, 512, 1024);
    p.guest_write(16384);
    REQUIRE(p.engine.start(p.host).ok());
    for (int i = 0; i < 10; ++i) {
        p.round();
        p.position();
        p.guest_write(p.guest_space());
    }
    const auto at_stop = p.position();
    REQUIRE(p.engine.stop(p.host, DmaEngine::StopKind::Hold).ok());
    CHECK(p.position() == at_stop);
    REQUIRE(p.engine.start(p.host).ok());
    CHECK(p.position() == at_stop);
    for (int i = 0; i < 40; ++i) {
        p.round();
        p.position();
        p.guest_write(p.guest_space());
    }
    CHECK(p.position() > at_stop + 16384);
    for (std::size_t i = 0; i < p.host.heard.size(); ++i)
        if (p.host.heard[i] != stream_byte(i)) FAIL("byte ", i, " differs after restart");
}

TEST_CASE("playback: after STOP the guest is heard from where it writes (Linux restarts at 0)") {
    // An xrun or drop in the guest is STOP; its prepare then sets Linux's pointers back to
    // the start of its buffer while the backend's position runs on. What it had written and
    // was not heard is dropped (as ALSA drops it); what it writes next is heard in order,
    // not what lies at position % buffer_sz.
    Playback p(16384, 512, 1024);
    p.guest_write(16384);
    REQUIRE(p.engine.start(p.host).ok());
    for (int i = 0; i < 13; ++i) {
        p.round();
        p.position();
        p.guest_write(p.guest_space());
    }
    REQUIRE(p.engine.stop(p.host).ok());
    const std::uint64_t at_stop = p.position();
    REQUIRE(at_stop % 16384 != 0);  // else this would not tell the two apart
    CHECK(at_stop == p.host.heard.size());
    auto marker = [](std::size_t j) { return std::byte((j * 29 + 11) % 241); };
    for (std::size_t j = 0; j < 8192; ++j)
        p.buffer[j] = marker(j);
    p.engine.guest_wrote(0, 8192);
    REQUIRE(p.engine.start(p.host).ok());
    for (int i = 0; i < 40; ++i)
        p.round();
    REQUIRE(p.host.heard.size() >= at_stop + 8192);
    for (std::size_t i = 0; i < at_stop; ++i)
        if (p.host.heard[i] != stream_byte(i)) FAIL("byte ", i, " before STOP differs");
    for (std::size_t j = 0; j < 8192; ++j)
        if (p.host.heard[at_stop + j] != marker(j)) FAIL("byte ", j, " after prepare differs");
    CHECK(p.position() >= at_stop + 8192);
}

TEST_CASE("playback: volume and mute are applied to what the host gets, not the guest buffer") {
    Playback p(4096, 256, 512);
    const std::int32_t vol[2] = {-6021, 0};
    REQUIRE(p.volume.set_volume(vol));
    std::int16_t frames[1024 * 2];
    for (int i = 0; i < 1024; ++i) {
        frames[2 * i] = 1000;
        frames[2 * i + 1] = 1000;
    }
    std::memcpy(p.buffer.data(), frames, sizeof frames);
    p.engine.guest_wrote(0, 4096);
    REQUIRE(p.engine.start(p.host).ok());
    p.host.advance(512);
    std::int16_t heard[2];
    std::memcpy(heard, p.host.heard.data(), sizeof heard);
    CHECK(heard[0] == 500);
    CHECK(heard[1] == 1000);
    std::int16_t guest[2];
    std::memcpy(guest, p.buffer.data(), sizeof guest);
    CHECK(guest[0] == 1000);
}

TEST_CASE("capture: frames land at position % buffer_sz, position counts them") {
    std::vector<std::byte> buffer(4096);
    audio::SoftVolume volume = *audio::SoftVolume::create(XENSND_PCM_FORMAT_S16_LE, 2);
    audio::PcmParams params;
    params.direction = audio::Direction::Capture;
    params.frame_bytes = kFrame;
    params.channels = 2;
    FakeHost host(params, 300, nullptr);
    DmaEngine engine(DmaGeometry{buffer.data(), 4096, kFrame, 256, audio::Direction::Capture,
                                 XENSND_PCM_FORMAT_S16_LE},
                     &volume);
    CHECK(engine.wake_frames(host) == 128);
    REQUIRE(engine.start(host).ok());
    std::uint64_t last = 0;
    for (int i = 0; i < 37; ++i) {
        host.advance(97 + i);
        REQUIRE(engine.transfer(host).ok());
        auto pos = engine.position(host);
        REQUIRE(pos.ok());
        CHECK(*pos >= last);
        last = *pos;
    }
    CHECK(last == host.captured);
    REQUIRE(last > 4096);
    // The last buffer's worth of bytes is what the device captured, in ring order.
    for (std::uint64_t at = last - 4096; at < last; ++at)
        if (buffer[at % 4096] != FakeHost::capture_byte(at)) FAIL("capture byte ", at);
}
