// The sine source: a tone in any linear format, continuous across reads and overruns.
#include <cmath>
#include <numbers>

#include "backend/audio/builtin_pcm.hpp"
#include "backend/audio/sample_layout.hpp"
#include "core/protocol/pcm_format.hpp"

namespace xensnd::backend::audio {

namespace {

class SineMedium final : public PacedMedium {
  public:
    SineMedium(double hz, const PcmParams& p)
        : layout_(*sample_layout(p.format)),
          channels_(p.channels),
          step_(2 * std::numbers::pi * hz / p.rate) {}

    Result<void> consume(std::span<const std::byte>) override { return ok(); }

    Result<std::size_t> produce(std::span<std::byte> frames) override {
        const std::size_t frame = std::size_t{layout_.bytes} * channels_;
        for (std::size_t off = 0; off + frame <= frames.size(); off += frame) {
            double v = kAmplitude * std::sin(phase_);
            for (unsigned c = 0; c < channels_; ++c)
                store_unit(frames.data() + off + c * layout_.bytes, layout_, v);
            advance(1);
        }
        return std::size_t{0};
    }

    void skip(std::uint64_t frames) override { advance(frames); }

  private:
    static constexpr double kAmplitude = 0.5;  // -6 dBFS: audible, never clipping
    void advance(std::uint64_t frames) {
        // Kept within one turn so precision does not decay over hours.
        phase_ = std::fmod(phase_ + step_ * static_cast<double>(frames), 2 * std::numbers::pi);
    }
    SampleLayout layout_;
    unsigned channels_;
    double step_;
    double phase_ = 0;
};

}  // namespace

Result<std::unique_ptr<PacedPcm>> open_sine(double hz, PcmParams params, Timebase timebase,
                                            std::string* why) {
    if (params.direction == Direction::Playback) return open_null(params, std::move(timebase), why);
    if (!(hz > 0) || !std::isfinite(hz)) {
        if (why) *why = "sine frequency must be a positive number of Hz";
        return Err(EINVAL);
    }
    if (auto r = check_params(builtin_capabilities(linear_formats_mask()), params, why); !r)
        return Err(r.error());
    params.frame_bytes = *sndif::bytes_per_frame(params.format, params.channels);
    auto buffer = PacedPcm::choose_buffer_frames(params);
    return std::make_unique<PacedPcm>(params, buffer, std::make_unique<SineMedium>(hz, params),
                                      std::move(timebase));
}

}  // namespace xensnd::backend::audio
