// WAV files: what the sink writes reads back bit-exact; broken files are refused cleanly.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "backend/audio/wav_file.hpp"
#include "core/protocol/pcm_format.hpp"
#include "core/protocol/sndif_wire.hpp"

using namespace xensnd::backend::audio;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/xensnd-wav-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

std::vector<std::byte> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> out(n);
    for (auto& b : out)
        b = std::byte(rng() & 0xFF);
    return out;
}

std::vector<std::byte> file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i)
        out[i] = std::byte(raw[i]);
    return out;
}

void put_file(const std::string& path, const std::vector<std::byte>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("exactly the formats a WAV can describe") {
    std::uint64_t expected = 0;
    for (auto f : {XENSND_PCM_FORMAT_U8, XENSND_PCM_FORMAT_S16_LE, XENSND_PCM_FORMAT_S24_LE,
                   XENSND_PCM_FORMAT_S32_LE, XENSND_PCM_FORMAT_F32_LE, XENSND_PCM_FORMAT_F64_LE})
        expected |= std::uint64_t{1} << f;
    CHECK(wav_formats_mask() == expected);
    CHECK(!wav_can_hold(XENSND_PCM_FORMAT_S16_BE));
    CHECK(!wav_can_hold(XENSND_PCM_FORMAT_U16_LE));
    CHECK(!wav_can_hold(XENSND_PCM_FORMAT_S8));
}

TEST_CASE("every format round-trips bit-exact, in 1, 2 and 6 channels") {
    TempDir dir;
    for (const auto& f : xensnd::sndif::pcm_formats()) {
        if (!wav_can_hold(f.value)) continue;
        for (unsigned channels : {1u, 2u, 6u}) {
            CAPTURE(f.name);
            CAPTURE(channels);
            const unsigned frame = channels * f.physical_bits / 8;
            auto data = random_bytes(frame * 1001, f.value * 10 + channels);
            if (f.value == XENSND_PCM_FORMAT_S24_LE) {
                // The padding byte carries nothing: the guest's samples are sign-extended.
                for (std::size_t i = 0; i < data.size(); i += 4)
                    data[i + 3] = (std::to_integer<unsigned>(data[i + 2]) & 0x80) ? std::byte{0xFF}
                                                                                  : std::byte{0};
            }
            std::string path = dir.path + "/rt.wav";
            WavFormat fmt{f.value, 44100, channels};
            REQUIRE(write_wav(path, fmt, data));
            std::string why;
            auto back = read_wav(path, &why);
            REQUIRE_MESSAGE(back, why);
            CHECK(back->format == fmt);
            CHECK(back->data == data);
        }
    }
}

TEST_CASE("the header is what players expect") {
    TempDir dir;
    std::string path = dir.path + "/h.wav";
    std::vector<std::byte> data(4 * 10);
    REQUIRE(write_wav(path, {XENSND_PCM_FORMAT_S16_LE, 48000, 2}, data));
    auto bytes = file_bytes(path);
    REQUIRE(bytes.size() == 44 + 40);
    auto u32 = [&](std::size_t at) {
        return std::to_integer<unsigned>(bytes[at]) |
               std::to_integer<unsigned>(bytes[at + 1]) << 8 |
               std::to_integer<unsigned>(bytes[at + 2]) << 16 |
               std::to_integer<unsigned>(bytes[at + 3]) << 24;
    };
    CHECK(std::string(reinterpret_cast<const char*>(bytes.data()), 4) == "RIFF");
    CHECK(u32(4) == 36 + 40);
    CHECK(u32(20) == 0x00020001);  // PCM, 2 channels
    CHECK(u32(24) == 48000);
    CHECK(u32(28) == 48000 * 4);
    CHECK(u32(40) == 40);

    // S24_LE: WAVE_FORMAT_EXTENSIBLE, 24 valid bits at the top of 32.
    std::string p24 = dir.path + "/h24.wav";
    std::vector<std::byte> s24{std::byte{0x56}, std::byte{0x34}, std::byte{0x12}, std::byte{0x00}};
    REQUIRE(write_wav(p24, {XENSND_PCM_FORMAT_S24_LE, 48000, 1}, s24));
    auto b24 = file_bytes(p24);
    REQUIRE(b24.size() == 68 + 4);
    CHECK(std::to_integer<unsigned>(b24[20]) == 0xFE);
    CHECK(std::to_integer<unsigned>(b24[21]) == 0xFF);
    CHECK(std::to_integer<unsigned>(b24[38]) == 24);  // valid bits
    CHECK(b24[68] == std::byte{0});
    CHECK(b24[69] == std::byte{0x56});
    CHECK(b24[71] == std::byte{0x12});
}

TEST_CASE("the writer fixes the header up while writing, not only at close") {
    TempDir dir;
    std::string path = dir.path + "/live.wav";
    auto w = WavWriter::create(path, {XENSND_PCM_FORMAT_S16_LE, 8000, 1});
    REQUIRE(w);
    std::vector<std::byte> second(8000 * 2);
    REQUIRE(w->append(second));
    REQUIRE(w->append(std::vector<std::byte>(100)));
    // Not closed yet: a reader sees at least the first second.
    auto back = read_wav(path);
    REQUIRE(back);
    CHECK(back->data.size() >= second.size());
}

TEST_CASE("a file that cannot be created names its path") {
    std::string why;
    auto w = WavWriter::create("/nonexistent-dir/x.wav", {XENSND_PCM_FORMAT_S16_LE, 8000, 1}, &why);
    CHECK(w.errno_value() == ENOENT);
    CHECK(why.find("/nonexistent-dir/x.wav") != std::string::npos);
    CHECK(
        WavWriter::create("/tmp/x.wav", {XENSND_PCM_FORMAT_S16_BE, 8000, 1}, &why).errno_value() ==
        EINVAL);
}

TEST_CASE("truncated and garbage headers are refused with a reason") {
    TempDir dir;
    std::string path = dir.path + "/good.wav";
    std::vector<std::byte> data(4 * 64);
    REQUIRE(write_wav(path, {XENSND_PCM_FORMAT_S16_LE, 48000, 2}, data));
    auto good = file_bytes(path);
    for (std::size_t cut : {0, 4, 11, 12, 20, 35, 43}) {
        CAPTURE(cut);
        std::string why;
        auto r = parse_wav_header(std::span(good).first(cut), cut, &why);
        CHECK(r.errno_value() == EINVAL);
        CHECK(!why.empty());
    }
    // The header whole, the data cut short: only the whole frames that are there.
    auto r = parse_wav_header(good, good.size() - 3);
    REQUIRE(r);
    CHECK(r->data_bytes == data.size() - 4);

    auto garbage = random_bytes(4096, 1);
    std::string why;
    CHECK(parse_wav_header(garbage, garbage.size(), &why).errno_value() == EINVAL);
    CHECK(why == "not a RIFF/WAVE file");

    auto bad_channels = good;
    bad_channels[22] = std::byte{0};
    CHECK(parse_wav_header(bad_channels, bad_channels.size(), &why).errno_value() == EINVAL);
    CHECK(why.find("channel") != std::string::npos);

    auto bad_align = good;
    bad_align[32] = std::byte{3};
    CHECK(parse_wav_header(bad_align, bad_align.size(), &why).errno_value() == EINVAL);

    auto huge_chunk = good;  // a LIST chunk claiming 4 GiB before the data
    std::vector<std::byte> list{std::byte{'L'},  std::byte{'I'},  std::byte{'S'},  std::byte{'T'},
                                std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}};
    huge_chunk.insert(huge_chunk.begin() + 12, list.begin(), list.end());
    CHECK(parse_wav_header(huge_chunk, huge_chunk.size(), &why).errno_value() == EINVAL);

    put_file(path, garbage);
    CHECK(WavReader::open(path, &why).errno_value() == EINVAL);
    CHECK(why.find(path) != std::string::npos);
    CHECK(WavReader::open(dir.path + "/missing.wav", &why).errno_value() == ENOENT);
}

TEST_CASE("chunks before the data are skipped; an unfixed data size means the whole file") {
    TempDir dir;
    std::string path = dir.path + "/x.wav";
    std::vector<std::byte> data = random_bytes(2 * 10, 4);
    REQUIRE(write_wav(path, {XENSND_PCM_FORMAT_S16_LE, 8000, 1}, data));
    auto bytes = file_bytes(path);
    std::vector<std::byte> list{std::byte{'L'}, std::byte{'I'}, std::byte{'S'}, std::byte{'T'},
                                std::byte{3},   std::byte{0},   std::byte{0},   std::byte{0},
                                std::byte{'a'}, std::byte{'b'}, std::byte{'c'}, std::byte{0}};
    bytes.insert(bytes.begin() + 36, list.begin(), list.end());
    // Data size 0: a writer that never fixed its header.
    for (std::size_t i = 0; i < 4; ++i)
        bytes[36 + list.size() + 4 + i] = std::byte{0};
    put_file(path, bytes);
    auto back = read_wav(path);
    REQUIRE(back);
    CHECK(back->data == data);
}
