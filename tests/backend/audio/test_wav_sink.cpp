// The WAV sink through Endpoints and the HostPcm interface: the file holds exactly the frames
// the stream wrote, readable even before the sink is closed.
#include <doctest/doctest.h>

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
        char tmpl[] = "/tmp/xensnd-sink-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

PcmParams playback(std::uint8_t format, unsigned rate, unsigned channels) {
    PcmParams p;
    p.format = format;
    p.rate = rate;
    p.channels = channels;
    p.period_frames = rate / 100;
    p.buffer_frames = rate / 25;
    return p;
}

}  // namespace

TEST_CASE("the file holds exactly the frames written, in every WAV format") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    TempDir dir;
    auto spec = parse_endpoint("wav:" + dir.path + "/dom{domid}-{device}-{pcm}-{stream}{dir}.wav");
    REQUIRE(spec);
    auto caps = endpoints.capabilities(*spec, Direction::Playback);
    REQUIRE(caps);
    CHECK(caps->formats == wav_formats_mask());
    std::mt19937 rng(1);
    for (std::uint8_t format :
         {XENSND_PCM_FORMAT_U8, XENSND_PCM_FORMAT_S16_LE, XENSND_PCM_FORMAT_S24_LE,
          XENSND_PCM_FORMAT_S32_LE, XENSND_PCM_FORMAT_F32_LE, XENSND_PCM_FORMAT_F64_LE}) {
        CAPTURE(int(format));
        StreamNames names{7, 0, 1, format, "uid", Direction::Playback};
        std::string why;
        auto pcm = endpoints.open(*spec, names, playback(format, 48000, 2), &why);
        REQUIRE_MESSAGE(pcm, why);
        HostPcm& dev = **pcm;
        const std::size_t fb = dev.params().frame_bytes;
        std::vector<std::byte> written;
        REQUIRE(dev.start());
        for (int chunk = 0; chunk < 150; ++chunk) {
            time.advance(10ms);
            std::vector<std::byte> frames(fb * (*dev.avail()));
            for (auto& b : frames)
                b = std::byte(rng() & 0xFF);
            if (format == XENSND_PCM_FORMAT_S24_LE)  // sign-extended, as a guest sends them
                for (std::size_t i = 0; i < frames.size(); i += 4)
                    frames[i + 3] = (std::to_integer<unsigned>(frames[i + 2]) & 0x80)
                                        ? std::byte{0xFF}
                                        : std::byte{0};
            auto n = dev.write(frames);
            REQUIRE(n);
            written.insert(written.end(), frames.begin(), frames.begin() + *n * fb);
        }
        std::string path = dir.path + "/dom7-0-1-" + std::to_string(format) + "p.wav";
        // Still open: the header was fixed up after the first second of audio. (A file
        // claimed longer than it is shows the header's own data size.)
        auto early = read_wav(path);
        REQUIRE(early);
        CHECK(early->data.size() >= 48000 * fb);
        {
            std::vector<std::byte> head(100);
            FILE* f = std::fopen(path.c_str(), "rb");
            REQUIRE(f);
            head.resize(std::fread(head.data(), 1, head.size(), f));
            std::fclose(f);
            auto declared = parse_wav_header(head, std::uint64_t{1} << 40);
            REQUIRE(declared);
            CHECK(declared->data_bytes >= 48000 * fb);
            CHECK(declared->data_bytes < written.size());
        }
        pcm->reset();
        auto back = read_wav(path, &why);
        REQUIRE_MESSAGE(back, why);
        CHECK(back->format == WavFormat{format, 48000, 2});
        CHECK(back->data.size() == written.size());
        CHECK(back->data == written);
    }
}

TEST_CASE("a sink that cannot be created says which path") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    auto spec = parse_endpoint("wav:/nonexistent-xensnd-dir/{domid}.wav");
    std::string why;
    StreamNames names{3, 0, 0, 0, "", Direction::Playback};
    auto pcm = endpoints.open(*spec, names, playback(XENSND_PCM_FORMAT_S16_LE, 48000, 2), &why);
    CHECK(pcm.errno_value() == ENOENT);
    CHECK(why.find("/nonexistent-xensnd-dir/3.wav") != std::string::npos);
}

TEST_CASE("formats a WAV cannot describe are refused, not written wrongly") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    TempDir dir;
    auto spec = parse_endpoint("wav:" + dir.path + "/x.wav");
    std::string why;
    StreamNames names;
    for (std::uint8_t format : {XENSND_PCM_FORMAT_S16_BE, XENSND_PCM_FORMAT_U16_LE,
                                XENSND_PCM_FORMAT_S8, XENSND_PCM_FORMAT_F32_BE}) {
        CAPTURE(int(format));
        CHECK(endpoints.open(*spec, names, playback(format, 48000, 2), &why).errno_value() ==
              EINVAL);
        CHECK(access((dir.path + "/x.wav").c_str(), F_OK) != 0);
    }
}

TEST_CASE("a hostile unique-id writes inside the configured directory") {
    auto reactor = test::make_reactor();
    FakeTime time;
    Endpoints endpoints(*reactor, time.timebase());
    TempDir dir;
    REQUIRE(mkdir((dir.path + "/in").c_str(), 0755) == 0);
    auto spec = parse_endpoint("wav:" + dir.path + "/in/{unique-id}");
    StreamNames names{1, 0, 0, 0, "../escaped.wav", Direction::Playback};
    auto pcm = endpoints.open(*spec, names, playback(XENSND_PCM_FORMAT_S16_LE, 48000, 2));
    REQUIRE(pcm);
    pcm->reset();
    CHECK(access((dir.path + "/escaped.wav").c_str(), F_OK) != 0);
    CHECK(access((dir.path + "/in/_._escaped.wav").c_str(), F_OK) == 0);
}
