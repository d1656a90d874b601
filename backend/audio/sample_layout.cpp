#include "backend/audio/sample_layout.hpp"

#include <bit>
#include <cmath>
#include <cstring>

#include "core/protocol/sndif_wire.hpp"

namespace xensnd::backend::audio {

using Kind = SampleLayout::Kind;

std::optional<SampleLayout> sample_layout(std::uint8_t format) noexcept {
    switch (format) {
        case XENSND_PCM_FORMAT_S8:
            return SampleLayout{Kind::Signed, 1, 8, false};
        case XENSND_PCM_FORMAT_U8:
            return SampleLayout{Kind::Unsigned, 1, 8, false};
        case XENSND_PCM_FORMAT_S16_LE:
            return SampleLayout{Kind::Signed, 2, 16, false};
        case XENSND_PCM_FORMAT_S16_BE:
            return SampleLayout{Kind::Signed, 2, 16, true};
        case XENSND_PCM_FORMAT_U16_LE:
            return SampleLayout{Kind::Unsigned, 2, 16, false};
        case XENSND_PCM_FORMAT_U16_BE:
            return SampleLayout{Kind::Unsigned, 2, 16, true};
        case XENSND_PCM_FORMAT_S24_LE:
            return SampleLayout{Kind::Signed, 4, 24, false};
        case XENSND_PCM_FORMAT_S24_BE:
            return SampleLayout{Kind::Signed, 4, 24, true};
        case XENSND_PCM_FORMAT_U24_LE:
            return SampleLayout{Kind::Unsigned, 4, 24, false};
        case XENSND_PCM_FORMAT_U24_BE:
            return SampleLayout{Kind::Unsigned, 4, 24, true};
        case XENSND_PCM_FORMAT_S32_LE:
            return SampleLayout{Kind::Signed, 4, 32, false};
        case XENSND_PCM_FORMAT_S32_BE:
            return SampleLayout{Kind::Signed, 4, 32, true};
        case XENSND_PCM_FORMAT_U32_LE:
            return SampleLayout{Kind::Unsigned, 4, 32, false};
        case XENSND_PCM_FORMAT_U32_BE:
            return SampleLayout{Kind::Unsigned, 4, 32, true};
        case XENSND_PCM_FORMAT_F32_LE:
            return SampleLayout{Kind::Float, 4, 32, false};
        case XENSND_PCM_FORMAT_F32_BE:
            return SampleLayout{Kind::Float, 4, 32, true};
        case XENSND_PCM_FORMAT_F64_LE:
            return SampleLayout{Kind::Float, 8, 64, false};
        case XENSND_PCM_FORMAT_F64_BE:
            return SampleLayout{Kind::Float, 8, 64, true};
        default:
            return std::nullopt;
    }
}

std::uint64_t linear_formats_mask() noexcept {
    std::uint64_t mask = 0;
    for (unsigned f = 0; f < 64; ++f)
        if (sample_layout(static_cast<std::uint8_t>(f))) mask |= std::uint64_t{1} << f;
    return mask;
}

namespace {

std::uint64_t load_raw(const std::byte* p, const SampleLayout& l) noexcept {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < l.bytes; ++i) {
        unsigned shift = l.big_endian ? 8 * (l.bytes - 1 - i) : 8 * i;
        v |= std::uint64_t(std::to_integer<std::uint8_t>(p[i])) << shift;
    }
    return v;
}

void store_raw(std::byte* p, const SampleLayout& l, std::uint64_t v) noexcept {
    for (unsigned i = 0; i < l.bytes; ++i) {
        unsigned shift = l.big_endian ? 8 * (l.bytes - 1 - i) : 8 * i;
        p[i] = std::byte(static_cast<std::uint8_t>(v >> shift));
    }
}

}  // namespace

std::int64_t max_int(const SampleLayout& l) noexcept {
    return (std::int64_t{1} << (l.bits - 1)) - 1;
}
std::int64_t min_int(const SampleLayout& l) noexcept {
    return -(std::int64_t{1} << (l.bits - 1));
}

std::int64_t load_int(const std::byte* p, const SampleLayout& l) noexcept {
    std::uint64_t raw = load_raw(p, l);
    std::uint64_t mask = (std::uint64_t{1} << l.bits) - 1;
    raw &= mask;
    std::uint64_t half = std::uint64_t{1} << (l.bits - 1);
    if (l.kind == Kind::Unsigned)
        return static_cast<std::int64_t>(raw) - static_cast<std::int64_t>(half);
    // Sign-extend from the top significant bit without shifting into the sign (no UB).
    return static_cast<std::int64_t>(raw ^ half) - static_cast<std::int64_t>(half);
}

void store_int(std::byte* p, const SampleLayout& l, std::int64_t v) noexcept {
    if (v > max_int(l)) v = max_int(l);
    if (v < min_int(l)) v = min_int(l);
    std::uint64_t raw;
    if (l.kind == Kind::Unsigned) {
        raw = static_cast<std::uint64_t>(v - min_int(l));
    } else {
        raw = static_cast<std::uint64_t>(v);  // two's complement: the padding is the sign
    }
    if (l.kind == Kind::Unsigned && l.bits < 8 * l.bytes) raw &= (std::uint64_t{1} << l.bits) - 1;
    store_raw(p, l, raw);
}

double load_float(const std::byte* p, const SampleLayout& l) noexcept {
    std::uint64_t raw = load_raw(p, l);
    if (l.bytes == 4) return std::bit_cast<float>(static_cast<std::uint32_t>(raw));
    return std::bit_cast<double>(raw);
}

void store_float(std::byte* p, const SampleLayout& l, double v) noexcept {
    if (l.bytes == 4) {
        // Out-of-range doubles become +-inf rather than UB: the conversion is well defined
        // for every finite double in IEEE arithmetic, and NaN stays NaN.
        store_raw(p, l, std::bit_cast<std::uint32_t>(static_cast<float>(v)));
    } else {
        store_raw(p, l, std::bit_cast<std::uint64_t>(v));
    }
}

void store_unit(std::byte* p, const SampleLayout& l, double v) noexcept {
    if (std::isnan(v)) v = 0;
    if (v > 1) v = 1;
    if (v < -1) v = -1;
    if (l.kind == Kind::Float) return store_float(p, l, v);
    store_int(p, l, std::llround(v * static_cast<double>(max_int(l))));
}

void store_silence(std::byte* p, const SampleLayout& l) noexcept {
    if (l.kind == Kind::Float) return store_float(p, l, 0.0);
    store_int(p, l, 0);
}

bool fill_silence(std::span<std::byte> samples, std::uint8_t format) noexcept {
    auto l = sample_layout(format);
    if (!l) {
        // The companded formats' zero level; one byte per sample.
        int level = format == XENSND_PCM_FORMAT_MU_LAW  ? 0xff
                    : format == XENSND_PCM_FORMAT_A_LAW ? 0x55
                                                        : 0;
        std::memset(samples.data(), level, samples.size());
        return level != 0;
    }
    if (l->kind != Kind::Unsigned) {
        std::memset(samples.data(), 0, samples.size());
        return true;
    }
    for (std::size_t i = 0; i + l->bytes <= samples.size(); i += l->bytes)
        store_silence(samples.data() + i, *l);
    return true;
}

}  // namespace xensnd::backend::audio
