#include "core/config/format_names.hpp"

#include <array>
#include <cstddef>

extern "C" {
#include <xen/io/sndif.h>
}

namespace xensnd::config::detail {

namespace {

struct FormatName {
    unsigned format;
    std::string_view header;  // the sndif header's XENSND_PCM_FORMAT_*_STR
    std::string_view libxl;   // libxl's libxl_vsnd_pcm_format enum, lower case
};

// Indexed by XENSND_PCM_FORMAT_*; only the four float formats are spelt differently.
constexpr std::array<FormatName, 25> kFormats{{
    {XENSND_PCM_FORMAT_S8, XENSND_PCM_FORMAT_S8_STR, "s8"},
    {XENSND_PCM_FORMAT_U8, XENSND_PCM_FORMAT_U8_STR, "u8"},
    {XENSND_PCM_FORMAT_S16_LE, XENSND_PCM_FORMAT_S16_LE_STR, "s16_le"},
    {XENSND_PCM_FORMAT_S16_BE, XENSND_PCM_FORMAT_S16_BE_STR, "s16_be"},
    {XENSND_PCM_FORMAT_U16_LE, XENSND_PCM_FORMAT_U16_LE_STR, "u16_le"},
    {XENSND_PCM_FORMAT_U16_BE, XENSND_PCM_FORMAT_U16_BE_STR, "u16_be"},
    {XENSND_PCM_FORMAT_S24_LE, XENSND_PCM_FORMAT_S24_LE_STR, "s24_le"},
    {XENSND_PCM_FORMAT_S24_BE, XENSND_PCM_FORMAT_S24_BE_STR, "s24_be"},
    {XENSND_PCM_FORMAT_U24_LE, XENSND_PCM_FORMAT_U24_LE_STR, "u24_le"},
    {XENSND_PCM_FORMAT_U24_BE, XENSND_PCM_FORMAT_U24_BE_STR, "u24_be"},
    {XENSND_PCM_FORMAT_S32_LE, XENSND_PCM_FORMAT_S32_LE_STR, "s32_le"},
    {XENSND_PCM_FORMAT_S32_BE, XENSND_PCM_FORMAT_S32_BE_STR, "s32_be"},
    {XENSND_PCM_FORMAT_U32_LE, XENSND_PCM_FORMAT_U32_LE_STR, "u32_le"},
    {XENSND_PCM_FORMAT_U32_BE, XENSND_PCM_FORMAT_U32_BE_STR, "u32_be"},
    {XENSND_PCM_FORMAT_F32_LE, XENSND_PCM_FORMAT_F32_LE_STR, "f32_le"},
    {XENSND_PCM_FORMAT_F32_BE, XENSND_PCM_FORMAT_F32_BE_STR, "f32_be"},
    {XENSND_PCM_FORMAT_F64_LE, XENSND_PCM_FORMAT_F64_LE_STR, "f64_le"},
    {XENSND_PCM_FORMAT_F64_BE, XENSND_PCM_FORMAT_F64_BE_STR, "f64_be"},
    {XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE, XENSND_PCM_FORMAT_IEC958_SUBFRAME_LE_STR,
     "iec958_subframe_le"},
    {XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE, XENSND_PCM_FORMAT_IEC958_SUBFRAME_BE_STR,
     "iec958_subframe_be"},
    {XENSND_PCM_FORMAT_MU_LAW, XENSND_PCM_FORMAT_MU_LAW_STR, "mu_law"},
    {XENSND_PCM_FORMAT_A_LAW, XENSND_PCM_FORMAT_A_LAW_STR, "a_law"},
    {XENSND_PCM_FORMAT_IMA_ADPCM, XENSND_PCM_FORMAT_IMA_ADPCM_STR, "ima_adpcm"},
    {XENSND_PCM_FORMAT_MPEG, XENSND_PCM_FORMAT_MPEG_STR, "mpeg"},
    {XENSND_PCM_FORMAT_GSM, XENSND_PCM_FORMAT_GSM_STR, "gsm"},
}};

constexpr bool table_is_indexed_by_format() {
    for (std::size_t i = 0; i < kFormats.size(); ++i)
        if (kFormats[i].format != i) return false;
    return true;
}
static_assert(table_is_indexed_by_format());

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

}  // namespace

std::optional<unsigned> format_from_name(std::string_view name) {
    for (const auto& f : kFormats)
        if (equal_ignoring_case(name, f.header) || equal_ignoring_case(name, f.libxl))
            return f.format;
    return std::nullopt;
}

bool linux_knows_format_name(std::string_view name) {
    for (const auto& f : kFormats)
        if (equal_ignoring_case(name, f.header)) return true;
    return false;
}

bool xl_accepts_format_name(std::string_view name) {
    for (const auto& f : kFormats)
        if (equal_ignoring_case(name, f.libxl)) return true;
    return false;
}

std::string_view libxl_format_name(unsigned format) {
    return format < kFormats.size() ? kFormats[format].libxl : std::string_view{};
}

std::string_view header_format_name(unsigned format) {
    return format < kFormats.size() ? kFormats[format].header : std::string_view{};
}

unsigned format_count() {
    return static_cast<unsigned>(kFormats.size());
}

}  // namespace xensnd::config::detail
