#include "backend/stream/channel_volume.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backend/stream/silence.hpp"
#include "core/protocol/pcm_format.hpp"
#include "core/protocol/sndif_wire.hpp"

namespace xensnd::backend::stream {
namespace {

// How a linear format lays a sample out.
struct Layout {
    enum class Kind { None, Int, Float } kind = Kind::None;
    unsigned bytes = 0;  // container
    unsigned bits = 0;   // significant (integers)
    bool is_signed = true;
    bool big_endian = false;
};

Layout layout_of(std::uint8_t format) {
    using K = Layout::Kind;
    switch (format) {
        case XENSND_PCM_FORMAT_S8:
            return {K::Int, 1, 8, true, false};
        case XENSND_PCM_FORMAT_U8:
            return {K::Int, 1, 8, false, false};
        case XENSND_PCM_FORMAT_S16_LE:
            return {K::Int, 2, 16, true, false};
        case XENSND_PCM_FORMAT_S16_BE:
            return {K::Int, 2, 16, true, true};
        case XENSND_PCM_FORMAT_U16_LE:
            return {K::Int, 2, 16, false, false};
        case XENSND_PCM_FORMAT_U16_BE:
            return {K::Int, 2, 16, false, true};
        case XENSND_PCM_FORMAT_S24_LE:
            return {K::Int, 4, 24, true, false};
        case XENSND_PCM_FORMAT_S24_BE:
            return {K::Int, 4, 24, true, true};
        case XENSND_PCM_FORMAT_U24_LE:
            return {K::Int, 4, 24, false, false};
        case XENSND_PCM_FORMAT_U24_BE:
            return {K::Int, 4, 24, false, true};
        case XENSND_PCM_FORMAT_S32_LE:
            return {K::Int, 4, 32, true, false};
        case XENSND_PCM_FORMAT_S32_BE:
            return {K::Int, 4, 32, true, true};
        case XENSND_PCM_FORMAT_U32_LE:
            return {K::Int, 4, 32, false, false};
        case XENSND_PCM_FORMAT_U32_BE:
            return {K::Int, 4, 32, false, true};
        case XENSND_PCM_FORMAT_F32_LE:
            return {K::Float, 4, 0, true, false};
        case XENSND_PCM_FORMAT_F32_BE:
            return {K::Float, 4, 0, true, true};
        case XENSND_PCM_FORMAT_F64_LE:
            return {K::Float, 8, 0, true, false};
        case XENSND_PCM_FORMAT_F64_BE:
            return {K::Float, 8, 0, true, true};
        default:
            return {};
    }
}

std::uint64_t load(const std::byte* p, unsigned bytes, bool big_endian) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) {
        const unsigned shift = 8 * (big_endian ? bytes - 1 - i : i);
        v |= std::uint64_t(std::to_integer<unsigned>(p[i])) << shift;
    }
    return v;
}

void store(std::byte* p, unsigned bytes, bool big_endian, std::uint64_t v) {
    for (unsigned i = 0; i < bytes; ++i) {
        const unsigned shift = 8 * (big_endian ? bytes - 1 - i : i);
        p[i] = std::byte((v >> shift) & 0xff);
    }
}

void scale(std::byte* p, const Layout& l, double gain) {
    if (l.kind == Layout::Kind::Float) {
        const std::uint64_t raw = load(p, l.bytes, l.big_endian);
        if (l.bytes == 4) {
            float f;
            const auto w = static_cast<std::uint32_t>(raw);
            std::memcpy(&f, &w, 4);
            f *= static_cast<float>(gain);  // float arithmetic: overflow is inf, not UB
            std::uint32_t out;
            std::memcpy(&out, &f, 4);
            store(p, 4, l.big_endian, out);
        } else {
            double d;
            std::memcpy(&d, &raw, 8);
            d *= gain;
            std::uint64_t out;
            std::memcpy(&out, &d, 8);
            store(p, 8, l.big_endian, out);
        }
        return;
    }
    const std::uint64_t mask = l.bits == 64 ? ~0ull : (1ull << l.bits) - 1;
    const std::uint64_t raw = load(p, l.bytes, l.big_endian) & mask;
    const std::int64_t half = std::int64_t{1} << (l.bits - 1);
    std::int64_t v;
    if (l.is_signed)
        v = (raw & std::uint64_t(half)) ? std::int64_t(raw) - (half << 1) : std::int64_t(raw);
    else
        v = std::int64_t(raw) - half;
    double scaled = std::nearbyint(static_cast<double>(v) * gain);
    scaled = std::clamp(scaled, static_cast<double>(-half), static_cast<double>(half - 1));
    std::int64_t out = static_cast<std::int64_t>(scaled);
    if (!l.is_signed) out += half;
    store(p, l.bytes, l.big_endian, static_cast<std::uint64_t>(out) & mask);
}

}  // namespace

ChannelVolume::ChannelVolume(std::uint8_t format, unsigned channels)
    : format_(format), millidb_(channels, 0), muted_(channels, 0), gain_(channels, 1.0) {}

void ChannelVolume::set_volumes(std::span<const std::int32_t> millidb) {
    const std::size_t n = std::min(millidb.size(), millidb_.size());
    for (std::size_t i = 0; i < n; ++i)
        millidb_[i] = std::clamp(millidb[i], kMinMilliDb, kMaxMilliDb);
    update();
}

void ChannelVolume::set_muted(std::span<const std::uint8_t> flags, bool mute) {
    const std::size_t n = std::min(flags.size(), muted_.size());
    for (std::size_t i = 0; i < n; ++i)
        if (flags[i] != 0) muted_[i] = mute ? 1 : 0;
    update();
}

void ChannelVolume::update() {
    unity_ = true;
    for (std::size_t i = 0; i < millidb_.size(); ++i) {
        if (muted_[i]) {
            gain_[i] = 0.0;
        } else {
            gain_[i] = millidb_[i] <= kMinMilliDb
                           ? 0.0
                           : std::pow(10.0, static_cast<double>(millidb_[i]) / 20000.0);
        }
        if (gain_[i] != 1.0) unity_ = false;
    }
}

void ChannelVolume::apply(std::span<std::byte> frames) const {
    if (unity_ || millidb_.empty()) return;
    const Layout l = layout_of(format_);
    const auto sample = sndif::bytes_per_sample(format_);
    if (!sample) return;
    const std::size_t frame = *sample * millidb_.size();
    const SilentSample silent = silent_sample(format_);
    for (std::size_t at = 0; at + frame <= frames.size(); at += frame) {
        for (std::size_t ch = 0; ch < millidb_.size(); ++ch) {
            std::byte* p = frames.data() + at + ch * *sample;
            if (l.kind == Layout::Kind::None) {
                if (muted_[ch]) std::memcpy(p, silent.bytes, silent.size);
                continue;
            }
            if (gain_[ch] != 1.0) scale(p, l, gain_[ch]);
        }
    }
}

}  // namespace xensnd::backend::stream
