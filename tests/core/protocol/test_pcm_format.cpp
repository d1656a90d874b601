// The PCM format table: every format of sndif.h, both spellings of the float names, sizes.
#include <doctest/doctest.h>

#include <string>

#include "core/protocol/pcm_format.hpp"
#include "core/protocol/sndif_wire.hpp"

using namespace xensnd::sndif;

namespace {

struct HeaderFormat {
    const char* name;
    std::uint8_t value;
    std::uint8_t bytes;  // 0: no whole-byte sample
};

// Straight from the header's #defines, so a table typo cannot hide.
constexpr HeaderFormat kHeader[] = {
    {XENSND_PCM_FORMAT_S8_STR, XENSND_PCM_FORMAT_S8, 1},
    {XENSND_PCM_FORMAT_U8_STR, XENSND_PCM_FORMAT_U8, 1},
    {XENSND_PCM_FORMAT_S16_LE_STR, XENSND_PCM_FORMAT_S16_LE, 2},
    {XENSND_PCM_FORMAT_S16_BE_STR, XENSND_PCM_FORMAT_S16_BE, 2},
    {XENSND_PCM_FORMAT_U16_LE_STR, XENSND_PCM_FORMAT_U16_LE, 2},
    {XENSND_PCM_FORMAT_U16_BE_STR, XENSND_PCM_FORMAT_U16_BE, 2},
    {XENSND_PCM_FORMAT_S24_LE_STR, XENSND_PCM_FORMAT_S24_LE, 4},
    {XENSND_PCM_FORMAT_S24_BE_STR, XENSND_PCM_FORMAT_S24_BE, 4},
    {XENSND_PCM_FORMAT_U24_LE_STR, XENSND_PCM_FORMAT_U24_LE, 4},
    {XENSND_PCM_FORMAT_U24_BE_STR, XENSND_PCM_FORMAT_U24_BE, 4},
    {XENSND_PCM_FORMAT_S32_LE_STR, XENSND_PCM_FORMAT_S32_LE, 4},
    {XENSND_PCM_FORMAT_S32_BE_STR, XENSND_PCM_FORMAT_S32_BE, 4},
    {XENSND_PCM_FORMAT_U32_LE_STR, XENSND_PCM_FORMAT_U32_LE, 4},
    {XENSND_PCM_FORMAT_U32_BE_STR, XENSND_PCM_FORMAT_U32_BE, 4},
    {XENSND_PCM_FORMAT_F32_LE_STR, XENSND_PCM_FORMAT_F32_LE, 4},
    {XENSND_PCM_FORMAT_F32_BE_STR, XENSND_PCM_FORMAT_F32_BE, 4},
    {XENSND_PCM_FORMAT_F64_LE_STR, XENSND_PCM_FORMAT_F64_LE, 8},
    {XENSND_PCM_FORMAT_F64_BE_STR, XENSND_PCM_FORMAT_F64_BE, 8},
    {XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR, XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE, 4},
    {XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR, XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE, 4},
    {XENSND_PCM_FORMAT_MU_LAW_STR, XENSND_PCM_FORMAT_MU_LAW, 1},
    {XENSND_PCM_FORMAT_A_LAW_STR, XENSND_PCM_FORMAT_A_LAW, 1},
    {XENSND_PCM_FORMAT_IMA_ADPCM_STR, XENSND_PCM_FORMAT_IMA_ADPCM, 0},
    {XENSND_PCM_FORMAT_MPEG_STR, XENSND_PCM_FORMAT_MPEG, 0},
    {XENSND_PCM_FORMAT_GSM_STR, XENSND_PCM_FORMAT_GSM, 0},
};

}  // namespace

TEST_CASE("every format of sndif.h is in the table under the header's name") {
    CHECK(pcm_formats().size() == std::size(kHeader));
    for (const auto& h : kHeader) {
        CAPTURE(h.name);
        const PcmFormat* by_value = find_pcm_format(h.value);
        REQUIRE(by_value != nullptr);
        CHECK(by_value->name == h.name);
        CHECK(find_pcm_format(std::string_view(h.name)) == by_value);
        if (h.bytes == 0) {
            CHECK_FALSE(bytes_per_sample(h.value));
        } else {
            CHECK(bytes_per_sample(h.value) == h.bytes);
            CHECK(by_value->physical_bits == h.bytes * 8);
        }
    }
}

TEST_CASE("float formats are found under both the header's and libxl's spelling") {
    CHECK(find_pcm_format("float_le")->value == XENSND_PCM_FORMAT_F32_LE);
    CHECK(find_pcm_format("f32_le")->value == XENSND_PCM_FORMAT_F32_LE);
    CHECK(find_pcm_format("float_be")->value == XENSND_PCM_FORMAT_F32_BE);
    CHECK(find_pcm_format("f32_be")->value == XENSND_PCM_FORMAT_F32_BE);
    CHECK(find_pcm_format("float64_le")->value == XENSND_PCM_FORMAT_F64_LE);
    CHECK(find_pcm_format("f64_le")->value == XENSND_PCM_FORMAT_F64_LE);
    CHECK(find_pcm_format("float64_be")->value == XENSND_PCM_FORMAT_F64_BE);
    CHECK(find_pcm_format("f64_be")->value == XENSND_PCM_FORMAT_F64_BE);
    CHECK(find_pcm_format(XENSND_PCM_FORMAT_F32_LE)->libxl_name == "f32_le");
    CHECK(find_pcm_format(XENSND_PCM_FORMAT_S16_LE)->libxl_name == "s16_le");
}

TEST_CASE("names are matched ignoring case, and nothing else matches") {
    CHECK(find_pcm_format("S16_LE")->value == XENSND_PCM_FORMAT_S16_LE);
    CHECK(find_pcm_format("Float64_LE")->value == XENSND_PCM_FORMAT_F64_LE);
    CHECK(find_pcm_format("") == nullptr);
    CHECK(find_pcm_format("s16") == nullptr);
    CHECK(find_pcm_format("s16_le ") == nullptr);
    CHECK(find_pcm_format("s16_lee") == nullptr);
    CHECK(find_pcm_format(std::string_view("s16_le\0", 7)) == nullptr);
    CHECK(find_pcm_format("f32") == nullptr);
}

TEST_CASE("values the header does not define are unknown") {
    for (int v = XENSND_PCM_FORMAT_GSM + 1; v < 256; ++v) {
        CHECK(find_pcm_format(std::uint8_t(v)) == nullptr);
        CHECK_FALSE(bytes_per_sample(std::uint8_t(v)));
    }
}

TEST_CASE("sizes: s24 is 24 bits in a 32-bit word, frames multiply by channels") {
    const PcmFormat* s24 = find_pcm_format(XENSND_PCM_FORMAT_S24_LE);
    CHECK(s24->significant_bits == 24);
    CHECK(s24->physical_bits == 32);
    CHECK(find_pcm_format(XENSND_PCM_FORMAT_IMA_ADPCM)->physical_bits == 4);
    CHECK(bytes_per_frame(XENSND_PCM_FORMAT_S16_LE, 2) == 4u);
    CHECK(bytes_per_frame(XENSND_PCM_FORMAT_F64_BE, 8) == 64u);
    CHECK_FALSE(bytes_per_frame(XENSND_PCM_FORMAT_S16_LE, 0));
    CHECK_FALSE(bytes_per_frame(XENSND_PCM_FORMAT_MPEG, 2));
    CHECK_FALSE(bytes_per_frame(XENSND_PCM_FORMAT_F64_LE, 0xFFFFFFFFu));
}

TEST_CASE("format bits for HW_PARAM_QUERY") {
    CHECK(format_bit(XENSND_PCM_FORMAT_S8) == 1);
    CHECK(format_bit(XENSND_PCM_FORMAT_S16_LE) == 4);
    CHECK(format_bit(XENSND_PCM_FORMAT_GSM) == (std::uint64_t{1} << 24));
    CHECK(format_bit(64) == 0);
}
