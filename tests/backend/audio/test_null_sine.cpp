// The null and sine endpoints through the HostPcm interface, on a fake clock: they behave like
// a device with a buffer, paced exactly by the clock.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

#include "backend/audio/builtin_pcm.hpp"
#include "backend/audio/sample_layout.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "fake_time.hpp"

using namespace xensnd;
using namespace xensnd::backend::audio;
using namespace std::chrono_literals;
using test::FakeTime;

namespace {

PcmParams params(Direction d, std::uint8_t format, unsigned rate, unsigned channels,
                 std::uint32_t period) {
    PcmParams p;
    p.direction = d;
    p.format = format;
    p.rate = rate;
    p.channels = channels;
    p.period_frames = period;
    p.buffer_frames = 4 * period;
    return p;
}

coro::Task<Result<void>> wait(HostPcm* pcm, std::size_t frames) {
    co_return co_await pcm->wait_avail(frames);
}

coro::Task<Result<void>> unpause(HostPcm* pcm) {
    co_return pcm->pause(false);
}

}  // namespace

TEST_CASE("null playback: a buffer drained by the clock") {
    FakeTime time;
    auto pcm = open_null(params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 48000, 2, 480),
                         time.timebase());
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    CHECK(dev.host_buffer_frames() == 960);
    CHECK(dev.params().frame_bytes == 4);
    CHECK(*dev.avail() == 960);

    std::vector<std::byte> frames(4 * 2000);
    CHECK(*dev.write(frames) == 960);  // only what fits
    CHECK(*dev.avail() == 0);
    CHECK(*dev.delay() == 960);
    time.advance(1s);  // not started: nothing plays
    CHECK(*dev.delay() == 960);

    REQUIRE(dev.start());
    CHECK(dev.start().errno_value() == EBADFD);
    time.advance(10ms);
    CHECK(*dev.avail() == 480);
    CHECK(*dev.delay() == 480);
    CHECK(*dev.write(std::span(frames).first(4 * 100 + 3)) == 100);  // whole frames only
    CHECK(*dev.delay() == 580);
    CHECK(dev.counters().frames == 1060);
    CHECK(dev.counters().host_xruns == 0);

    // Starved: silence is played and one xrun counted, however long it lasts.
    time.advance(1s);
    CHECK(*dev.avail() == 960);
    CHECK(*dev.delay() == 0);
    CHECK(dev.counters().host_xruns == 1);
    CHECK(dev.counters().silence_frames == 48000 - 580);
    time.advance(1s);
    CHECK(*dev.avail() == 960);
    CHECK(dev.counters().host_xruns == 1);
    // Fed again, then starved again: a second xrun.
    CHECK(*dev.write(std::span(frames).first(4 * 10)) == 10);
    time.advance(1ms);
    REQUIRE(dev.avail());  // counters are as of the device's last look at the clock
    CHECK(dev.counters().host_xruns == 2);

    REQUIRE(dev.stop());
    CHECK(*dev.avail() == 960);
    CHECK(*dev.delay() == 0);
}

TEST_CASE("wait_avail sleeps until the exact instant avail reaches the target") {
    auto reactor = test::make_reactor();
    FakeTime time;
    auto pcm = open_null(params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 48000, 2, 480),
                         time.timebase());
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    std::vector<std::byte> frames(4 * 960);
    REQUIRE(*dev.write(frames) == 960);
    REQUIRE(dev.start());
    const auto t0 = time.now;
    REQUIRE(coro::block_on(*reactor, wait(&dev, 240)));
    CHECK(time.now - t0 == 5ms);
    CHECK(*dev.avail() == 240);
    // Targets beyond the buffer wait for the whole buffer.
    REQUIRE(coro::block_on(*reactor, wait(&dev, 1'000'000)));
    CHECK(time.now - t0 == 20ms);
    CHECK(*dev.avail() == 960);
    // Already there: no sleep at all.
    auto sleeps = time.deadlines.size();
    REQUIRE(coro::block_on(*reactor, wait(&dev, 10)));
    CHECK(time.deadlines.size() == sleeps);
}

TEST_CASE("a paused device holds its position; wait_avail resumes with it") {
    auto reactor = test::make_reactor();
    FakeTime time;
    auto pcm = open_null(params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 48000, 2, 480),
                         time.timebase());
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    std::vector<std::byte> frames(4 * 960);
    REQUIRE(*dev.write(frames) == 960);
    CHECK(dev.pause(true).errno_value() == EBADFD);  // not started
    REQUIRE(dev.start());
    time.advance(5ms);
    REQUIRE(dev.pause(true));
    time.advance(1h);
    CHECK(*dev.avail() == 240);
    CHECK(dev.counters().host_xruns == 0);
    // The waiter parks while paused and is woken by the resume.
    auto both = coro::block_on(*reactor, coro::when_all(wait(&dev, 960), unpause(&dev)));
    CHECK(std::get<0>(both).ok());
    CHECK(std::get<1>(both).ok());
    CHECK(*dev.avail() == 960);
    CHECK(dev.counters().host_xruns == 0);
}

TEST_CASE("null capture: silence at the clock's pace, overruns counted once") {
    FakeTime time;
    auto pcm =
        open_null(params(Direction::Capture, XENSND_PCM_FORMAT_U8, 8000, 1, 80), time.timebase());
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    CHECK(*dev.avail() == 0);
    REQUIRE(dev.start());
    time.advance(10ms);
    CHECK(*dev.avail() == 80);
    std::vector<std::byte> buf(200, std::byte{0x11});
    CHECK(*dev.read(buf) == 80);
    for (std::size_t i = 0; i < 80; ++i)
        CHECK(buf[i] == std::byte{0x80});
    CHECK(buf[80] == std::byte{0x11});
    CHECK(*dev.delay() == 0);
    time.advance(1s);
    CHECK(*dev.avail() == 160);
    time.advance(1s);
    CHECK(dev.counters().host_xruns == 1);
    CHECK(dev.write(buf).errno_value() == EBADFD);
}

TEST_CASE("sine capture: the tone, continuous across reads and overruns, in any format") {
    FakeTime time;
    const double hz = 1000;
    auto pcm = open_sine(hz, params(Direction::Capture, XENSND_PCM_FORMAT_S16_BE, 48000, 2, 480),
                         time.timebase());
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    REQUIRE(dev.start());
    auto layout = *sample_layout(XENSND_PCM_FORMAT_S16_BE);
    auto expect = [&](std::uint64_t index) {
        return std::llround(0.5 * std::sin(2 * std::numbers::pi * hz * double(index) / 48000) *
                            32767);
    };
    std::uint64_t index = 0;
    std::vector<std::byte> buf(4 * 960);
    for (int round = 0; round < 3; ++round) {
        time.advance(7ms);
        auto n = *dev.read(buf);
        CHECK(n == 336);
        for (std::size_t i = 0; i < n; ++i, ++index) {
            CHECK(std::abs(load_int(buf.data() + 4 * i, layout) - expect(index)) <= 1);
            CHECK(std::memcmp(buf.data() + 4 * i, buf.data() + 4 * i + 2, 2) == 0);
        }
    }
    // Overrun: 1 s passes; the oldest frames are lost, the buffer holds the latest ones.
    time.advance(1s);
    auto n = *dev.read(buf);
    CHECK(n == 960);
    CHECK(dev.counters().host_xruns == 1);
    index += 48000 - 960;
    for (std::size_t i = 0; i < n; ++i, ++index)
        CHECK(std::abs(load_int(buf.data() + 4 * i, layout) - expect(index)) <= 1);

    auto f = open_sine(hz, params(Direction::Capture, XENSND_PCM_FORMAT_F32_LE, 48000, 1, 480),
                       time.timebase());
    REQUIRE(f);
    REQUIRE((*f)->start());
    time.advance(1ms);
    std::vector<std::byte> fb(4 * 48);
    REQUIRE(*(*f)->read(fb) == 48);
    auto fl = *sample_layout(XENSND_PCM_FORMAT_F32_LE);
    CHECK(load_float(fb.data() + 4 * 12, fl) == doctest::Approx(0.5));
}

TEST_CASE("sine playback discards like null") {
    FakeTime time;
    auto pcm = open_sine(440, params(Direction::Playback, XENSND_PCM_FORMAT_S32_LE, 44100, 2, 441),
                         time.timebase());
    REQUIRE(pcm);
    std::vector<std::byte> frames(8 * 100);
    CHECK(*(*pcm)->write(frames) == 100);
}

TEST_CASE("parameters outside what a built-in endpoint can do are refused with a reason") {
    FakeTime time;
    std::string why;
    CHECK(open_null(params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 1000, 2, 480),
                    time.timebase(), &why)
              .errno_value() == EINVAL);
    CHECK(why.find("rate 1000") != std::string::npos);
    CHECK(open_null(params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 48000, 33, 480),
                    time.timebase(), &why)
              .errno_value() == EINVAL);
    CHECK(open_null(params(Direction::Playback, XENSND_PCM_FORMAT_MU_LAW, 48000, 2, 480),
                    time.timebase(), &why)
              .errno_value() == EINVAL);
    CHECK(why.find("mu_law") != std::string::npos);
    auto p = params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 48000, 2, 480);
    p.frame_bytes = 3;
    CHECK(open_null(p, time.timebase(), &why).errno_value() == EINVAL);
    CHECK(open_null(params(Direction::Playback, 250, 48000, 2, 480), time.timebase(), &why)
              .errno_value() == EINVAL);
}

TEST_CASE("on the real clock: wait_avail sleeps on io_uring and returns") {
    auto reactor = test::make_reactor();
    auto pcm = open_null(params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 48000, 2, 96),
                         Timebase::monotonic());
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    std::vector<std::byte> frames(4 * 192);
    REQUIRE(*dev.write(frames) == 192);
    REQUIRE(dev.start());
    REQUIRE(coro::block_on(*reactor, wait(&dev, 192)));
    CHECK(*dev.avail() == 192);
}

TEST_CASE("a wait on a paused device is cancelled cleanly") {
    auto reactor = test::make_reactor();
    auto pcm = open_null(params(Direction::Playback, XENSND_PCM_FORMAT_S16_LE, 48000, 2, 96),
                         Timebase::monotonic());
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    std::vector<std::byte> frames(4 * 192);
    REQUIRE(*dev.write(frames) == 192);
    REQUIRE(dev.start());
    REQUIRE(dev.pause(true));
    auto r = coro::block_on(*reactor, coro::timeout(std::chrono::milliseconds(5), wait(&dev, 192)));
    CHECK(r.errno_value() == ETIMEDOUT);
    // The device is still usable afterwards.
    REQUIRE(dev.pause(false));
    REQUIRE(coro::block_on(*reactor, wait(&dev, 1)));
}
