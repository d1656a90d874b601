#include "backend/audio/soft_volume.hpp"

#include <algorithm>
#include <cmath>

#include "core/protocol/pcm_format.hpp"

namespace xensnd::backend::audio {

bool SoftVolume::supports(std::uint8_t format) noexcept {
    return sample_layout(format).has_value();
}

Result<SoftVolume> SoftVolume::create(std::uint8_t format, unsigned channels) {
    auto sample = sndif::bytes_per_sample(format);
    if (!sample || *sample == 0 || channels == 0) return Err(EINVAL);
    return SoftVolume(format, sample_layout(format), *sample, channels);
}

SoftVolume::SoftVolume(std::uint8_t format, std::optional<SampleLayout> layout,
                       unsigned sample_bytes, unsigned channels)
    : format_(format),
      layout_(layout),
      sample_bytes_(sample_bytes),
      milli_db_(channels, 0),
      muted_(channels, false),
      gain_(channels, 1.0),
      silent_(channels, false) {}

void SoftVolume::recompute(unsigned c) {
    silent_[c] = muted_[c] || milli_db_[c] <= kMinMilliDb;
    // Exactly 1.0 at 0 dB so that path is recognisably a no-op.
    gain_[c] = milli_db_[c] == 0 ? 1.0 : std::pow(10.0, milli_db_[c] / 20000.0);
}

Result<void> SoftVolume::set_volume(std::span<const std::int32_t> milli_db) {
    if (milli_db.size() != milli_db_.size()) return Err(EINVAL);
    for (unsigned c = 0; c < milli_db.size(); ++c) {
        milli_db_[c] = std::clamp(milli_db[c], kMinMilliDb, kMaxMilliDb);
        recompute(c);
    }
    return ok();
}

Result<void> SoftVolume::set_mute(std::span<const std::uint8_t> which, bool muted) {
    if (which.size() != muted_.size()) return Err(EINVAL);
    for (unsigned c = 0; c < which.size(); ++c) {
        if (which[c] != 0) muted_[c] = muted;
        recompute(c);
    }
    return ok();
}

bool SoftVolume::is_identity() const {
    for (unsigned c = 0; c < gain_.size(); ++c)
        if (silent_[c] || (layout_ && gain_[c] != 1.0)) return false;
    return true;
}

void SoftVolume::apply(std::span<std::byte> frames) const {
    const unsigned channels = this->channels();
    const std::size_t sample = sample_bytes_;
    const std::size_t frame = sample * channels;
    const std::size_t count = frames.size() / frame;
    for (unsigned c = 0; c < channels; ++c) {
        if (!silent_[c] && (gain_[c] == 1.0 || !layout_)) continue;  // bit-exact: untouched
        std::byte* p = frames.data() + c * sample;
        for (std::size_t i = 0; i < count; ++i, p += frame) {
            if (silent_[c]) {
                fill_silence(std::span(p, sample), format_);
            } else if (layout_->kind == SampleLayout::Kind::Float) {
                store_float(p, *layout_, load_float(p, *layout_) * gain_[c]);
            } else {
                // |gain| <= 1 keeps the product inside int64; store_int clamps anyway.
                double v = static_cast<double>(load_int(p, *layout_)) * gain_[c];
                store_int(p, *layout_, std::llround(v));
            }
        }
    }
}

}  // namespace xensnd::backend::audio
