// How one sample of a linear sndif format sits in memory, and reading/writing one sample as a
// number: what soft volume, the sine source and silence need, in every format they serve.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace xensnd::backend::audio {

struct SampleLayout {
    enum class Kind { Signed, Unsigned, Float };
    Kind kind = Kind::Signed;
    std::uint8_t bytes = 0;  // container size
    std::uint8_t bits = 0;   // significant bits, in the low bits of the container (S24: 24)
    bool big_endian = false;
};

// The layout of a linear PCM format with whole-byte samples (S8 ... FLOAT64_BE); nullopt for
// everything else (IEC958 subframes, mu-law, A-law, ADPCM, MPEG, GSM, unknown values).
std::optional<SampleLayout> sample_layout(std::uint8_t format) noexcept;

// Every format sample_layout() describes, as a HW_PARAM_QUERY mask.
std::uint64_t linear_formats_mask() noexcept;

// An integer sample as a signed value centred on 0 (unsigned formats have their offset
// removed, 24-bit samples are sign-extended). Integer layouts only.
std::int64_t load_int(const std::byte* p, const SampleLayout& l) noexcept;
// Clamps v into the sample's range and stores it (the padding byte of a 24-bit sample in its
// 32-bit container is written as the sign extension of the value).
void store_int(std::byte* p, const SampleLayout& l, std::int64_t v) noexcept;
std::int64_t max_int(const SampleLayout& l) noexcept;
std::int64_t min_int(const SampleLayout& l) noexcept;

// Float layouts only.
double load_float(const std::byte* p, const SampleLayout& l) noexcept;
void store_float(std::byte* p, const SampleLayout& l, double v) noexcept;

// A sample in [-1, 1] (clamped; NaN is silence) stored in any layout.
void store_unit(std::byte* p, const SampleLayout& l, double v) noexcept;

// Silence of one sample (0, or the midpoint of an unsigned format).
void store_silence(std::byte* p, const SampleLayout& l) noexcept;
// Fills `samples` with silence of `format`: linear formats (sample_layout), mu-law (0xff) and
// A-law (0x55); a trailing partial sample is left alone. Any other format (IEC958, ADPCM,
// MPEG, GSM, unknown) has no silence of its own: zeroes, and false.
bool fill_silence(std::span<std::byte> samples, std::uint8_t format) noexcept;

}  // namespace xensnd::backend::audio
