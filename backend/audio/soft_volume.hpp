// SoftVolume: sndif's SET_VOLUME and MUTE/UNMUTE done in software on interleaved frames, for
// host endpoints without a mixer control of their own (and the built-in ones).
//
// Volume is per channel in steps of 0.001 dB (sndif: int32, 0 = 0 dB). The range is
// [kMinMilliDb, kMaxMilliDb] = [-100 dB, 0 dB]: attenuation only, so nothing clips; values
// outside are clamped (INT32_MIN included), and a channel at -100 dB is silent, as if muted.
// A channel at 0 dB and unmuted is never touched: its samples stay bit-exact.
// Formats with whole-byte samples that are not linear (mu-law, A-law, IEC958) cannot be scaled:
// their volume values are kept and reported, and only mute (or the floor) applies, as the
// format's silence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "backend/audio/sample_layout.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::audio {

class SoftVolume {
  public:
    static constexpr std::int32_t kMinMilliDb = -100'000;
    static constexpr std::int32_t kMaxMilliDb = 0;

    // Can scale: every linear format with whole-byte samples (see sample_layout.hpp).
    static bool supports(std::uint8_t format) noexcept;
    // EINVAL for a format without whole-byte samples (or unknown), or no channels.
    static Result<SoftVolume> create(std::uint8_t format, unsigned channels);

    // One value per channel (EINVAL otherwise); each clamped into the range.
    Result<void> set_volume(std::span<const std::int32_t> milli_db);
    // The values in force (after clamping), one per channel: what GET_VOLUME answers.
    const std::vector<std::int32_t>& volume() const { return milli_db_; }

    // sndif MUTE/UNMUTE: every channel i with which[i] != 0 becomes muted (or unmuted); the
    // others keep their state. EINVAL unless which has one byte per channel.
    Result<void> set_mute(std::span<const std::uint8_t> which, bool muted);
    bool muted(unsigned channel) const { return channel < muted_.size() && muted_[channel]; }

    // True when apply() would change nothing (every channel at 0 dB and unmuted).
    bool is_identity() const;

    // Scales whole frames in place; a partial frame at the end is left alone.
    void apply(std::span<std::byte> frames) const;

    unsigned channels() const { return static_cast<unsigned>(milli_db_.size()); }

  private:
    SoftVolume(std::uint8_t format, std::optional<SampleLayout> layout, unsigned sample_bytes,
               unsigned channels);
    void recompute(unsigned channel);

    std::uint8_t format_;
    std::optional<SampleLayout> layout_;  // nullopt: mute only
    unsigned sample_bytes_;
    std::vector<std::int32_t> milli_db_;
    std::vector<bool> muted_;
    std::vector<double> gain_;  // 1.0 exactly at 0 dB
    std::vector<bool> silent_;  // muted or at the floor
};

}  // namespace xensnd::backend::audio
