// The ALSA HostPcm against alsa-lib's built-in "null" PCM (no sound card needed), and the
// errors a daemon operator sees for a PCM that does not exist.
#include <doctest/doctest.h>

#include <vector>

#include "backend/audio/alsa_pcm.hpp"
#include "backend/audio/endpoint.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "fake_time.hpp"

using namespace xensnd;
using namespace xensnd::backend::audio;

namespace {

PcmParams s16_stereo(Direction d) {
    PcmParams p;
    p.direction = d;
    p.format = XENSND_PCM_FORMAT_S16_LE;
    p.rate = 48000;
    p.channels = 2;
    p.period_frames = 480;
    p.buffer_frames = 1920;
    return p;
}

coro::Task<Result<void>> wait(HostPcm* pcm, std::size_t frames) {
    co_return co_await pcm->wait_avail(frames);
}

}  // namespace

TEST_CASE("every sndif format maps to its ALSA twin") {
    CHECK(alsa_format(XENSND_PCM_FORMAT_S16_LE) == SND_PCM_FORMAT_S16_LE);
    CHECK(alsa_format(XENSND_PCM_FORMAT_S24_LE) == SND_PCM_FORMAT_S24_LE);
    CHECK(alsa_format(XENSND_PCM_FORMAT_F64_BE) == SND_PCM_FORMAT_FLOAT64_BE);
    CHECK(alsa_format(XENSND_PCM_FORMAT_GSM) == SND_PCM_FORMAT_GSM);
    CHECK(alsa_format(200) == SND_PCM_FORMAT_UNKNOWN);
    for (unsigned f = 0; f <= XENSND_PCM_FORMAT_GSM; ++f) {
        CAPTURE(f);
        CHECK(alsa_format(static_cast<std::uint8_t>(f)) != SND_PCM_FORMAT_UNKNOWN);
    }
}

TEST_CASE("capabilities of the null PCM, cached by Endpoints") {
    auto reactor = test::make_reactor();
    Endpoints endpoints(*reactor);
    auto spec = parse_endpoint("alsa:null");
    REQUIRE(spec);
    std::string why;
    auto caps = endpoints.capabilities(*spec, Direction::Playback, &why);
    REQUIRE_MESSAGE(caps, why);
    CHECK((caps->formats & (std::uint64_t{1} << XENSND_PCM_FORMAT_S16_LE)) != 0);
    CHECK(caps->rates.min <= 48000);
    CHECK(caps->rates.max >= 48000);
    CHECK(caps->channels.min <= 2);
    CHECK(caps->channels.max >= 2);
    CHECK(caps->buffer_frames.min <= caps->buffer_frames.max);
    CHECK(caps->period_frames.min <= caps->period_frames.max);
    CHECK(caps->period_frames.max > 0);
    auto again = endpoints.capabilities(*spec, Direction::Playback);
    REQUIRE(again);
    CHECK(*again == *caps);
    CHECK(endpoints.capabilities(*spec, Direction::Capture));
}

TEST_CASE("null playback: open, write, start, wait_avail returns") {
    auto reactor = test::make_reactor();
    std::string why;
    auto pcm = open_alsa_pcm("null", s16_stereo(Direction::Playback), &why);
    REQUIRE_MESSAGE(pcm, why);
    HostPcm& dev = **pcm;
    CHECK(dev.params().frame_bytes == 4);
    CHECK(dev.host_buffer_frames() >= 2);
    auto avail = dev.avail();
    REQUIRE(avail);
    std::vector<std::byte> frames(4 * 240);
    auto n = dev.write(frames);
    REQUIRE(n);
    CHECK(*n > 0);
    REQUIRE(dev.start());
    CHECK(dev.start().errno_value() == EBADFD);
    REQUIRE(coro::block_on(*reactor, wait(&dev, 1)));
    REQUIRE(dev.delay());
    REQUIRE(dev.pause(true));
    REQUIRE(dev.pause(false));
    REQUIRE(dev.stop());
    CHECK(dev.counters().frames == *n);
}

TEST_CASE("null capture: start, wait_avail, read") {
    auto reactor = test::make_reactor();
    std::string why;
    auto pcm = open_alsa_pcm("null", s16_stereo(Direction::Capture), &why);
    REQUIRE_MESSAGE(pcm, why);
    HostPcm& dev = **pcm;
    REQUIRE(dev.start());
    REQUIRE(coro::block_on(*reactor, wait(&dev, 1)));
    std::vector<std::byte> buf(4 * 64);
    auto n = dev.read(buf);
    REQUIRE(n);
    CHECK(*dev.delay() == 0);
    CHECK(dev.write(buf).errno_value() == EBADFD);
}

TEST_CASE("a PCM that does not exist: a clear error, from the probe and from open") {
    auto reactor = test::make_reactor();
    Endpoints endpoints(*reactor);
    auto spec = parse_endpoint("alsa:nosuchdevice");
    REQUIRE(spec);
    std::string why;
    auto caps = endpoints.capabilities(*spec, Direction::Playback, &why);
    CHECK(!caps);
    CHECK(why.find("'nosuchdevice'") != std::string::npos);
    CHECK(why.find("playback") != std::string::npos);
    why.clear();
    auto pcm = endpoints.open(*spec, {0, 0, 0, 0, "", Direction::Playback},
                              s16_stereo(Direction::Playback), &why);
    CHECK(!pcm);
    CHECK(why.find("'nosuchdevice'") != std::string::npos);
}

TEST_CASE("parameters the PCM refuses are EINVAL with the reason") {
    std::string why;
    auto p = s16_stereo(Direction::Playback);
    p.format = XENSND_PCM_FORMAT_GSM;  // no whole-byte frames: refused before alsa-lib sees it
    CHECK(open_alsa_pcm("null", p, &why).errno_value() == EINVAL);
    p = s16_stereo(Direction::Playback);
    p.frame_bytes = 6;
    CHECK(open_alsa_pcm("null", p, &why).errno_value() == EINVAL);
}
