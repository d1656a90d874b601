// The PCM sample formats of sndif: XENSND_PCM_FORMAT_* value <-> XenStore name <-> sample size.
// The mapping to ALSA formats belongs to the ALSA-facing code, not here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace xensnd::sndif {

struct PcmFormat {
    std::uint8_t value;             // XENSND_PCM_FORMAT_*
    std::string_view name;          // the header's spelling, e.g. "s16_le", "float_le"
    std::string_view libxl_name;    // libxl's (xl.cfg) spelling: "f32_le" where it differs
    std::uint8_t significant_bits;  // bits of the sample that carry signal (24 for s24_le)
    std::uint8_t physical_bits;     // bits a sample occupies in the buffer (32 for s24_le);
                                    // 4 for IMA ADPCM, 0 for MPEG and GSM (no fixed size)
};

// Every format sndif.h defines, in value order.
std::span<const PcmFormat> pcm_formats() noexcept;

// nullptr for a value the header does not define (a hostile OPEN can send any byte).
const PcmFormat* find_pcm_format(std::uint8_t value) noexcept;

// Accepts both spellings of the float formats (the header's "float_le", "float64_le", ... and
// libxl's "f32_le", "f64_le", ...), ignoring case as Linux does. nullptr for an unknown name.
const PcmFormat* find_pcm_format(std::string_view name) noexcept;

// Whole bytes per sample; nullopt for an unknown value or a format without whole-byte samples
// (IMA ADPCM, MPEG, GSM).
std::optional<std::uint32_t> bytes_per_sample(std::uint8_t value) noexcept;

// Bytes per frame (sample size x channels), for converting between the frames of
// HW_PARAM_QUERY and the bytes of OPEN. nullopt when bytes_per_sample is, or channels is 0.
std::optional<std::uint32_t> bytes_per_frame(std::uint8_t value, std::uint32_t channels) noexcept;

// The bit of a format in HW_PARAM_QUERY's 64-bit `formats` mask.
constexpr std::uint64_t format_bit(std::uint8_t value) noexcept {
    return value < 64 ? std::uint64_t{1} << value : 0;
}

}  // namespace xensnd::sndif
