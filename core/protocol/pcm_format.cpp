#include "core/protocol/pcm_format.hpp"

#include <array>
#include <cstdint>

#include "core/protocol/sndif_wire.hpp"

namespace xensnd::sndif {
namespace {

// libxl spells the float formats its own way (and xl's parser accepts only its spelling).
constexpr std::array<PcmFormat, 25> kFormats{{
    {XENSND_PCM_FORMAT_S8, XENSND_PCM_FORMAT_S8_STR, XENSND_PCM_FORMAT_S8_STR, 8, 8},
    {XENSND_PCM_FORMAT_U8, XENSND_PCM_FORMAT_U8_STR, XENSND_PCM_FORMAT_U8_STR, 8, 8},
    {XENSND_PCM_FORMAT_S16_LE, XENSND_PCM_FORMAT_S16_LE_STR, XENSND_PCM_FORMAT_S16_LE_STR, 16, 16},
    {XENSND_PCM_FORMAT_S16_BE, XENSND_PCM_FORMAT_S16_BE_STR, XENSND_PCM_FORMAT_S16_BE_STR, 16, 16},
    {XENSND_PCM_FORMAT_U16_LE, XENSND_PCM_FORMAT_U16_LE_STR, XENSND_PCM_FORMAT_U16_LE_STR, 16, 16},
    {XENSND_PCM_FORMAT_U16_BE, XENSND_PCM_FORMAT_U16_BE_STR, XENSND_PCM_FORMAT_U16_BE_STR, 16, 16},
    // 24 bits in the low three bytes of a 32-bit word, as Linux maps them (ALSA S24_LE).
    {XENSND_PCM_FORMAT_S24_LE, XENSND_PCM_FORMAT_S24_LE_STR, XENSND_PCM_FORMAT_S24_LE_STR, 24, 32},
    {XENSND_PCM_FORMAT_S24_BE, XENSND_PCM_FORMAT_S24_BE_STR, XENSND_PCM_FORMAT_S24_BE_STR, 24, 32},
    {XENSND_PCM_FORMAT_U24_LE, XENSND_PCM_FORMAT_U24_LE_STR, XENSND_PCM_FORMAT_U24_LE_STR, 24, 32},
    {XENSND_PCM_FORMAT_U24_BE, XENSND_PCM_FORMAT_U24_BE_STR, XENSND_PCM_FORMAT_U24_BE_STR, 24, 32},
    {XENSND_PCM_FORMAT_S32_LE, XENSND_PCM_FORMAT_S32_LE_STR, XENSND_PCM_FORMAT_S32_LE_STR, 32, 32},
    {XENSND_PCM_FORMAT_S32_BE, XENSND_PCM_FORMAT_S32_BE_STR, XENSND_PCM_FORMAT_S32_BE_STR, 32, 32},
    {XENSND_PCM_FORMAT_U32_LE, XENSND_PCM_FORMAT_U32_LE_STR, XENSND_PCM_FORMAT_U32_LE_STR, 32, 32},
    {XENSND_PCM_FORMAT_U32_BE, XENSND_PCM_FORMAT_U32_BE_STR, XENSND_PCM_FORMAT_U32_BE_STR, 32, 32},
    {XENSND_PCM_FORMAT_F32_LE, XENSND_PCM_FORMAT_F32_LE_STR, "f32_le", 32, 32},
    {XENSND_PCM_FORMAT_F32_BE, XENSND_PCM_FORMAT_F32_BE_STR, "f32_be", 32, 32},
    {XENSND_PCM_FORMAT_F64_LE, XENSND_PCM_FORMAT_F64_LE_STR, "f64_le", 64, 64},
    {XENSND_PCM_FORMAT_F64_BE, XENSND_PCM_FORMAT_F64_BE_STR, "f64_be", 64, 64},
    {XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE, XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR,
     XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR, 32, 32},
    {XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE, XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR,
     XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR, 32, 32},
    {XENSND_PCM_FORMAT_MU_LAW, XENSND_PCM_FORMAT_MU_LAW_STR, XENSND_PCM_FORMAT_MU_LAW_STR, 8, 8},
    {XENSND_PCM_FORMAT_A_LAW, XENSND_PCM_FORMAT_A_LAW_STR, XENSND_PCM_FORMAT_A_LAW_STR, 8, 8},
    {XENSND_PCM_FORMAT_IMA_ADPCM, XENSND_PCM_FORMAT_IMA_ADPCM_STR, XENSND_PCM_FORMAT_IMA_ADPCM_STR,
     4, 4},
    {XENSND_PCM_FORMAT_MPEG, XENSND_PCM_FORMAT_MPEG_STR, XENSND_PCM_FORMAT_MPEG_STR, 0, 0},
    {XENSND_PCM_FORMAT_GSM, XENSND_PCM_FORMAT_GSM_STR, XENSND_PCM_FORMAT_GSM_STR, 0, 0},
}};

// find_pcm_format(value) indexes the table by value.
constexpr bool table_is_indexed_by_value() {
    for (std::size_t i = 0; i < kFormats.size(); ++i)
        if (kFormats[i].value != i) return false;
    return true;
}
static_assert(table_is_indexed_by_value());
static_assert(kFormats.back().value == XENSND_PCM_FORMAT_GSM, "a format the header added?");

// Names are ASCII; locale-independent on purpose (a XenStore value is not text in a locale).
constexpr char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

}  // namespace

std::span<const PcmFormat> pcm_formats() noexcept {
    return kFormats;
}

const PcmFormat* find_pcm_format(std::uint8_t value) noexcept {
    return value < kFormats.size() ? &kFormats[value] : nullptr;
}

const PcmFormat* find_pcm_format(std::string_view name) noexcept {
    for (const auto& f : kFormats)
        if (equal_ignoring_case(name, f.name) || equal_ignoring_case(name, f.libxl_name)) return &f;
    return nullptr;
}

std::optional<std::uint32_t> bytes_per_sample(std::uint8_t value) noexcept {
    const PcmFormat* f = find_pcm_format(value);
    if (f == nullptr || f->physical_bits == 0 || f->physical_bits % 8 != 0) return std::nullopt;
    return f->physical_bits / 8u;
}

std::optional<std::uint32_t> bytes_per_frame(std::uint8_t value, std::uint32_t channels) noexcept {
    const auto sample = bytes_per_sample(value);
    if (!sample || channels == 0) return std::nullopt;
    const std::uint64_t bytes = std::uint64_t{*sample} * channels;
    if (bytes > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(bytes);
}

}  // namespace xensnd::sndif
