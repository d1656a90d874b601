// Software volume and mute as a guest hears them, in every format it scales.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "backend/audio/sample_layout.hpp"
#include "backend/audio/soft_volume.hpp"
#include "core/protocol/sndif_wire.hpp"

using namespace xensnd::backend::audio;

namespace {

std::vector<std::byte> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> out(n);
    for (auto& b : out)
        b = std::byte(rng() & 0xFF);
    return out;
}

std::vector<std::uint8_t> formats() {
    std::vector<std::uint8_t> out;
    for (unsigned f = 0; f < 64; ++f)
        if (SoftVolume::supports(static_cast<std::uint8_t>(f)))
            out.push_back(static_cast<std::uint8_t>(f));
    return out;
}

}  // namespace

TEST_CASE("every linear whole-byte format scales; formats without whole-byte samples are refused") {
    CHECK(formats().size() == 18);
    CHECK(!SoftVolume::supports(XENSND_PCM_FORMAT_MU_LAW));
    CHECK(!SoftVolume::create(XENSND_PCM_FORMAT_IMA_ADPCM, 2));
    CHECK(!SoftVolume::create(XENSND_PCM_FORMAT_MPEG, 2));
    CHECK(!SoftVolume::create(200, 2));
    CHECK(!SoftVolume::create(XENSND_PCM_FORMAT_S16_LE, 0));
}

TEST_CASE("0 dB and unmuted leaves every byte as it was") {
    for (auto f : formats()) {
        CAPTURE(int(f));
        auto v = SoftVolume::create(f, 3);
        REQUIRE(v);
        std::vector<std::int32_t> zero(3, 0);
        REQUIRE(v->set_volume(zero));
        CHECK(v->is_identity());
        // Random bytes include NaNs, padding bytes and out-of-range 24-bit values.
        auto data = random_bytes(3 * 8 * 100, f);
        auto before = data;
        v->apply(data);
        CHECK(data == before);
    }
}

TEST_CASE("mute writes silence, channel by channel") {
    for (auto f : formats()) {
        CAPTURE(int(f));
        auto layout = *sample_layout(f);
        auto v = SoftVolume::create(f, 2);
        REQUIRE(v);
        std::vector<std::uint8_t> second{0, 1};
        REQUIRE(v->set_mute(second, true));
        CHECK(!v->muted(0));
        CHECK(v->muted(1));
        auto data = random_bytes(2 * layout.bytes * 50, 7);
        auto before = data;
        v->apply(data);
        std::vector<std::byte> silence(layout.bytes);
        fill_silence(silence, f);
        for (std::size_t i = 0; i < 50; ++i) {
            const std::byte* frame = data.data() + i * 2 * layout.bytes;
            CHECK(std::memcmp(frame, before.data() + i * 2 * layout.bytes, layout.bytes) == 0);
            CHECK(std::memcmp(frame + layout.bytes, silence.data(), layout.bytes) == 0);
        }
        REQUIRE(v->set_mute(second, false));
        CHECK(v->is_identity());
    }
}

TEST_CASE("silence is the midpoint of unsigned formats") {
    std::vector<std::byte> u8(4, std::byte{0x12});
    auto v = SoftVolume::create(XENSND_PCM_FORMAT_U8, 1);
    std::vector<std::uint8_t> all{1};
    REQUIRE(v->set_mute(all, true));
    v->apply(u8);
    for (auto b : u8)
        CHECK(b == std::byte{0x80});

    std::vector<std::byte> u16be{std::byte{1}, std::byte{2}};
    auto w = SoftVolume::create(XENSND_PCM_FORMAT_U16_BE, 1);
    REQUIRE(w->set_mute(all, true));
    w->apply(u16be);
    CHECK(u16be[0] == std::byte{0x80});
    CHECK(u16be[1] == std::byte{0x00});
}

TEST_CASE("-6.02 dB halves S16 within 1 LSB") {
    auto v = SoftVolume::create(XENSND_PCM_FORMAT_S16_LE, 1);
    std::vector<std::int32_t> vol{-6020};
    REQUIRE(v->set_volume(vol));
    auto layout = *sample_layout(XENSND_PCM_FORMAT_S16_LE);
    std::vector<std::int16_t> in{0, 1, -1, 1000, -1000, 32767, -32768, 12345};
    std::vector<std::byte> data(in.size() * 2);
    std::memcpy(data.data(), in.data(), data.size());
    v->apply(data);
    for (std::size_t i = 0; i < in.size(); ++i) {
        CAPTURE(in[i]);
        auto out = load_int(data.data() + 2 * i, layout);
        // -6.020 dB is 0.50003: at full scale that is 1.1 LSB above the exact half.
        CHECK(std::abs(out - std::lround(in[i] / 2.0)) <= 1);
    }
}

TEST_CASE("S24 in 32 bits is sign-extended, big-endian formats scale by value") {
    auto l24 = *sample_layout(XENSND_PCM_FORMAT_S24_LE);
    std::vector<std::byte> s24(4);
    store_int(s24.data(), l24, -4000000);
    CHECK(load_int(s24.data(), l24) == -4000000);
    CHECK(s24[3] == std::byte{0xFF});
    auto v = SoftVolume::create(XENSND_PCM_FORMAT_S24_LE, 1);
    std::vector<std::int32_t> vol{-6020};
    REQUIRE(v->set_volume(vol));
    v->apply(s24);
    CHECK(std::abs(load_int(s24.data(), l24) + 2000000) <= 200);

    auto l32be = *sample_layout(XENSND_PCM_FORMAT_S32_BE);
    std::vector<std::byte> s32be(4);
    store_int(s32be.data(), l32be, 0x40000000);
    CHECK(s32be[0] == std::byte{0x40});
    auto w = SoftVolume::create(XENSND_PCM_FORMAT_S32_BE, 1);
    REQUIRE(w->set_volume(vol));
    w->apply(s32be);
    CHECK(std::abs(load_int(s32be.data(), l32be) - 0x20000000) < 0x20000);

    auto lf = *sample_layout(XENSND_PCM_FORMAT_F64_BE);
    std::vector<std::byte> f64be(8);
    store_float(f64be.data(), lf, 0.8);
    auto x = SoftVolume::create(XENSND_PCM_FORMAT_F64_BE, 1);
    REQUIRE(x->set_volume(vol));
    x->apply(f64be);
    CHECK(load_float(f64be.data(), lf) == doctest::Approx(0.4).epsilon(0.001));
}

TEST_CASE("extreme volumes clamp without UB; the floor is silence") {
    auto v = SoftVolume::create(XENSND_PCM_FORMAT_S32_LE, 4);
    std::vector<std::int32_t> vol{std::numeric_limits<std::int32_t>::min(),
                                  std::numeric_limits<std::int32_t>::max(), -100001, 5};
    REQUIRE(v->set_volume(vol));
    CHECK(v->volume() ==
          std::vector<std::int32_t>{SoftVolume::kMinMilliDb, 0, SoftVolume::kMinMilliDb, 0});
    auto data = random_bytes(4 * 4 * 10, 3);
    auto before = data;
    v->apply(data);
    auto l = *sample_layout(XENSND_PCM_FORMAT_S32_LE);
    for (std::size_t i = 0; i < 10; ++i) {
        CHECK(load_int(data.data() + 16 * i, l) == 0);
        CHECK(std::memcmp(data.data() + 16 * i + 4, before.data() + 16 * i + 4, 4) == 0);
        CHECK(load_int(data.data() + 16 * i + 8, l) == 0);
        CHECK(std::memcmp(data.data() + 16 * i + 12, before.data() + 16 * i + 12, 4) == 0);
    }
    // The extremes of every sample, scaled by a tiny gain, stay in range.
    auto w = SoftVolume::create(XENSND_PCM_FORMAT_S32_LE, 1);
    std::vector<std::int32_t> one{-1};
    REQUIRE(w->set_volume(one));
    std::vector<std::byte> ext(8);
    store_int(ext.data(), l, min_int(l));
    store_int(ext.data() + 4, l, max_int(l));
    w->apply(ext);
    CHECK(load_int(ext.data(), l) <= 0);
    CHECK(load_int(ext.data() + 4, l) > 0);
}

TEST_CASE("requests with the wrong channel count are refused") {
    auto v = SoftVolume::create(XENSND_PCM_FORMAT_S16_LE, 2);
    std::vector<std::int32_t> three(3, 0);
    CHECK(v->set_volume(three).errno_value() == EINVAL);
    std::vector<std::uint8_t> one{1};
    CHECK(v->set_mute(one, true).errno_value() == EINVAL);
    CHECK(v->is_identity());
}

TEST_CASE("a partial frame at the end is left alone") {
    auto v = SoftVolume::create(XENSND_PCM_FORMAT_S16_LE, 2);
    std::vector<std::uint8_t> all{1, 1};
    REQUIRE(v->set_mute(all, true));
    auto data = random_bytes(4 + 3, 9);
    auto before = data;
    v->apply(data);
    CHECK(std::memcmp(data.data() + 4, before.data() + 4, 3) == 0);
    CHECK(load_int(data.data(), *sample_layout(XENSND_PCM_FORMAT_S16_LE)) == 0);
}

TEST_CASE("companded and IEC958 formats: volume kept and reported, only mute applies") {
    auto mu = SoftVolume::create(XENSND_PCM_FORMAT_MU_LAW, 2);
    REQUIRE(mu);
    const std::int32_t half[2] = {-6021, -6021};
    REQUIRE(mu->set_volume(half));
    CHECK(mu->volume()[0] == -6021);
    std::uint8_t s[4] = {0x10, 0x20, 0x30, 0x40};
    mu->apply(std::span(reinterpret_cast<std::byte*>(s), sizeof s));
    CHECK(s[0] == 0x10);  // no scaling of companded samples
    CHECK(s[3] == 0x40);
    const std::uint8_t left[2] = {1, 0};
    REQUIRE(mu->set_mute(left, true));
    mu->apply(std::span(reinterpret_cast<std::byte*>(s), sizeof s));
    CHECK(s[0] == 0xff);  // mu-law's silence
    CHECK(s[1] == 0x20);
    CHECK(s[2] == 0xff);

    auto alaw = SoftVolume::create(XENSND_PCM_FORMAT_A_LAW, 1);
    REQUIRE(alaw);
    const std::uint8_t one[1] = {1};
    REQUIRE(alaw->set_mute(one, true));
    std::uint8_t a[2] = {0x01, 0x02};
    alaw->apply(std::span(reinterpret_cast<std::byte*>(a), sizeof a));
    CHECK(a[0] == 0x55);
    CHECK(a[1] == 0x55);

    auto iec = SoftVolume::create(XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE, 2);
    REQUIRE(iec);
    REQUIRE(iec->set_volume(half));
    CHECK(iec->is_identity());  // nothing it could scale
}
