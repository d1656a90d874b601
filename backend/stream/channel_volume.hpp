// A stream's per-channel volume and mute (SET_VOLUME, GET_VOLUME, MUTE, UNMUTE), applied in
// software to the frames the DMA engine moves. 0 dB and unmuted on every channel (the state
// after OPEN) leaves the frames untouched, bit for bit.
//
// Attenuation only, as backend/audio's SoftVolume: values are clamped into [-100 dB, 0 dB]
// (GET_VOLUME answers the clamped values) and -100 dB is silence, so nothing ever clips.
// The stream keeps its own gain stage so that it needs backend/audio's headers only; the two
// agree on every rule and may merge once the audio library is always linked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace xensnd::backend::stream {

class ChannelVolume {
  public:
    ChannelVolume() = default;
    // 0 dB, unmuted, for `channels` channels of `format` frames.
    ChannelVolume(std::uint8_t format, unsigned channels);

    static constexpr std::int32_t kMinMilliDb = -100'000;
    static constexpr std::int32_t kMaxMilliDb = 0;

    unsigned channels() const { return static_cast<unsigned>(millidb_.size()); }
    // Volume in steps of 0.001 dB (0 = 0 dB), as sndif carries it.
    std::int32_t volume(unsigned channel) const { return millidb_.at(channel); }
    bool muted(unsigned channel) const { return muted_.at(channel) != 0; }

    // One value per channel, clamped into the range; extra values are ignored, missing ones
    // keep their setting.
    void set_volumes(std::span<const std::int32_t> millidb);
    // MUTE/UNMUTE: channels whose flag is non-zero are muted (or unmuted); others unchanged.
    void set_muted(std::span<const std::uint8_t> flags, bool mute);

    // True when apply() changes nothing (every channel 0 dB and unmuted).
    bool unity() const { return unity_; }

    // Applies the gains to whole frames in place. Linear integer and float formats are scaled
    // (and clamped); for the others (mu-law, A-law, IEC958) only mute applies (silence).
    void apply(std::span<std::byte> frames) const;

  private:
    void update();

    std::uint8_t format_ = 0;
    std::vector<std::int32_t> millidb_;
    std::vector<std::uint8_t> muted_;
    std::vector<double> gain_;  // 0 for a muted channel
    bool unity_ = true;
};

}  // namespace xensnd::backend::stream
