// The WAV source through Endpoints and the HostPcm interface: the file's frames at the clock's
// pace, then silence (counted); only the file's own parameters are accepted.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <vector>

#include "backend/audio/endpoint.hpp"
#include "backend/audio/wav_file.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "fake_time.hpp"

using namespace xensnd;
using namespace xensnd::backend::audio;
using namespace std::chrono_literals;
using test::FakeTime;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/xensnd-source-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

PcmParams capture(std::uint8_t format, unsigned rate, unsigned channels) {
    PcmParams p;
    p.direction = Direction::Capture;
    p.format = format;
    p.rate = rate;
    p.channels = channels;
    p.period_frames = 80;
    p.buffer_frames = 320;
    return p;
}

std::vector<std::byte> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> out(n);
    for (auto& b : out)
        b = std::byte(rng() & 0xFF);
    return out;
}

}  // namespace

TEST_CASE("the file's frames, then silence") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    TempDir dir;
    const std::string path = dir.path + "/in.wav";
    auto data = random_bytes(4 * 1000, 2);
    REQUIRE(write_wav(path, {XENSND_PCM_FORMAT_S16_LE, 8000, 2}, data));
    auto spec = parse_endpoint("wav:" + path);

    auto caps = endpoints.capabilities(*spec, Direction::Capture);
    REQUIRE(caps);
    CHECK(caps->formats == (std::uint64_t{1} << XENSND_PCM_FORMAT_S16_LE));
    CHECK(caps->rates == Interval{8000, 8000});
    CHECK(caps->channels == Interval{2, 2});

    StreamNames names{1, 0, 0, 1, "", Direction::Capture};
    std::string why;
    auto pcm = endpoints.open(*spec, names, capture(XENSND_PCM_FORMAT_S16_LE, 8000, 2), &why);
    REQUIRE_MESSAGE(pcm, why);
    HostPcm& dev = **pcm;
    REQUIRE(dev.start());
    std::vector<std::byte> got;
    std::vector<std::byte> buf(4 * 160);
    for (int round = 0; round < 40; ++round) {
        time.advance(10ms);
        auto n = dev.read(buf);
        REQUIRE(n);
        CHECK(*n == 80);
        got.insert(got.end(), buf.begin(), buf.begin() + *n * 4);
    }
    CHECK(std::equal(data.begin(), data.end(), got.begin()));
    for (std::size_t i = data.size(); i < got.size(); ++i)
        CHECK(got[i] == std::byte{0});
    CHECK(dev.counters().silence_frames == 2200);
    CHECK(dev.counters().host_xruns == 0);
    CHECK(dev.counters().frames == 3200);
}

TEST_CASE("frames lost to an overrun are skipped in the file") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    TempDir dir;
    const std::string path = dir.path + "/in.wav";
    std::vector<std::byte> data(8000);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = std::byte(i * 7 & 0xFF);
    REQUIRE(write_wav(path, {XENSND_PCM_FORMAT_U8, 8000, 1}, data));
    auto pcm = endpoints.open(*parse_endpoint("wav:" + path), {0, 0, 0, 0, "", Direction::Capture},
                              capture(XENSND_PCM_FORMAT_U8, 8000, 1));
    REQUIRE(pcm);
    HostPcm& dev = **pcm;
    REQUIRE(dev.start());
    time.advance(100ms);  // 800 frames into a 160-frame buffer
    std::vector<std::byte> buf(1000);
    REQUIRE(*dev.read(buf) == 160);
    CHECK(dev.counters().host_xruns == 1);
    CHECK(std::equal(buf.begin(), buf.begin() + 160, data.begin() + 640));
}

TEST_CASE("other parameters than the file's are refused, naming both") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    TempDir dir;
    const std::string path = dir.path + "/in.wav";
    REQUIRE(write_wav(path, {XENSND_PCM_FORMAT_F32_LE, 44100, 1}, random_bytes(400, 3)));
    auto spec = parse_endpoint("wav:" + path);
    std::string why;
    StreamNames names{0, 0, 0, 0, "", Direction::Capture};
    CHECK(endpoints.open(*spec, names, capture(XENSND_PCM_FORMAT_F32_LE, 48000, 1), &why)
              .errno_value() == EINVAL);
    CHECK(why.find("44100") != std::string::npos);
    CHECK(why.find("48000") != std::string::npos);
    CHECK(endpoints.open(*spec, names, capture(XENSND_PCM_FORMAT_S16_LE, 44100, 1), &why)
              .errno_value() == EINVAL);
    CHECK(why.find("float_le") != std::string::npos);
    CHECK(endpoints.open(*spec, names, capture(XENSND_PCM_FORMAT_F32_LE, 44100, 2), &why)
              .errno_value() == EINVAL);
    CHECK(endpoints
              .open(*parse_endpoint("wav:" + dir.path + "/none.wav"), names,
                    capture(XENSND_PCM_FORMAT_F32_LE, 44100, 1), &why)
              .errno_value() == ENOENT);
    CHECK(why.find("none.wav") != std::string::npos);
}

TEST_CASE("a per-stream source path is probed with the stream's names") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    TempDir dir;
    REQUIRE(write_wav(dir.path + "/in-4.wav", {XENSND_PCM_FORMAT_S32_LE, 96000, 3},
                      random_bytes(120, 4)));
    auto spec = parse_endpoint("wav:" + dir.path + "/in-{domid}.wav");
    std::string why;
    CHECK(endpoints.capabilities(*spec, Direction::Capture, &why).errno_value() == EINVAL);
    StreamNames names{4, 0, 0, 0, "", Direction::Capture};
    auto caps = endpoints.capabilities(*spec, names, &why);
    REQUIRE_MESSAGE(caps, why);
    CHECK(caps->rates == Interval{96000, 96000});
    CHECK(caps->channels == Interval{3, 3});
}
