// Software volume and mute of a stream: 0 dB is bit-exact, gains scale, mute is the format's
// silence.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "backend/stream/channel_volume.hpp"
#include "backend/stream/silence.hpp"
#include "core/protocol/sndif_wire.hpp"

using namespace xensnd::backend::stream;

TEST_CASE("0 dB and unmuted leaves every byte as it was") {
    ChannelVolume v(XENSND_PCM_FORMAT_S16_LE, 2);
    std::vector<std::byte> frames(64);
    for (std::size_t i = 0; i < frames.size(); ++i)
        frames[i] = std::byte(i * 37);
    auto copy = frames;
    v.apply(frames);
    CHECK(frames == copy);
    CHECK(v.unity());
    const std::int32_t zero[2] = {0, 0};
    v.set_volumes(zero);
    CHECK(v.unity());
}

TEST_CASE("-6.02 dB halves S16 samples on that channel only") {
    ChannelVolume v(XENSND_PCM_FORMAT_S16_LE, 2);
    const std::int32_t vol[2] = {-6021, 0};
    v.set_volumes(vol);
    std::int16_t s[4] = {10000, 10000, -20000, -20000};
    v.apply(std::span(reinterpret_cast<std::byte*>(s), sizeof s));
    CHECK(s[0] == 5000);
    CHECK(s[1] == 10000);
    CHECK(s[2] == -10000);
    CHECK(s[3] == -20000);
}

TEST_CASE("attenuation only: above 0 dB is 0 dB, -100 dB and below is silence") {
    ChannelVolume v(XENSND_PCM_FORMAT_S16_LE, 2);
    const std::int32_t vol[2] = {12000, INT32_MIN};
    v.set_volumes(vol);
    CHECK(v.volume(0) == 0);
    CHECK(v.volume(1) == ChannelVolume::kMinMilliDb);
    std::int16_t s[2] = {30000, -30000};
    v.apply(std::span(reinterpret_cast<std::byte*>(s), sizeof s));
    CHECK(s[0] == 30000);
    CHECK(s[1] == 0);
}

TEST_CASE("mute writes the format's silence: 0x80 for U8, 0 for F32") {
    ChannelVolume u8(XENSND_PCM_FORMAT_U8, 2);
    const std::uint8_t flags[2] = {1, 0};
    u8.set_muted(flags, true);
    std::uint8_t s[4] = {0x10, 0x20, 0xf0, 0xe0};
    u8.apply(std::span(reinterpret_cast<std::byte*>(s), sizeof s));
    CHECK(s[0] == 0x80);
    CHECK(s[1] == 0x20);
    CHECK(s[2] == 0x80);
    CHECK(s[3] == 0xe0);

    ChannelVolume f32(XENSND_PCM_FORMAT_F32_LE, 1);
    const std::uint8_t one[1] = {1};
    f32.set_muted(one, true);
    float f[2] = {0.5f, -0.25f};
    f32.apply(std::span(reinterpret_cast<std::byte*>(f), sizeof f));
    CHECK(f[0] == 0.0f);
    CHECK(f[1] == 0.0f);
    f32.set_muted(one, false);
    CHECK(f32.unity());
}

TEST_CASE("volume on big-endian and 24-bit formats") {
    ChannelVolume be(XENSND_PCM_FORMAT_S16_BE, 1);
    const std::int32_t half[1] = {-6021};
    be.set_volumes(half);
    std::uint8_t s[2] = {0x40, 0x00};  // 16384
    be.apply(std::span(reinterpret_cast<std::byte*>(s), sizeof s));
    CHECK(s[0] == 0x20);
    CHECK(s[1] == 0x00);

    ChannelVolume s24(XENSND_PCM_FORMAT_S24_LE, 1);
    s24.set_volumes(half);
    std::int32_t w[1] = {-0x2000};  // a negative 24-bit sample
    s24.apply(std::span(reinterpret_cast<std::byte*>(w), sizeof w));
    CHECK((w[0] & 0xffffff) == (-0x1000 & 0xffffff));
}

TEST_CASE("silence of each kind of format") {
    std::byte b[8];
    fill_silence(b, XENSND_PCM_FORMAT_U16_LE);
    CHECK(b[0] == std::byte{0});
    CHECK(b[1] == std::byte{0x80});
    fill_silence(b, XENSND_PCM_FORMAT_U16_BE);
    CHECK(b[0] == std::byte{0x80});
    fill_silence(b, XENSND_PCM_FORMAT_MU_LAW);
    CHECK(b[7] == std::byte{0xff});
    fill_silence(b, XENSND_PCM_FORMAT_S32_LE);
    CHECK(b[3] == std::byte{0});
}
