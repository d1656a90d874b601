#include "backend/audio/builtin_pcm.hpp"

#include <string>

#include "backend/audio/sample_layout.hpp"
#include "core/protocol/pcm_format.hpp"

namespace xensnd::backend::audio {

namespace {

Err fail(std::string* why, std::string text, int e = EINVAL) {
    if (why) *why = std::move(text);
    return Err(e);
}

std::string format_name(std::uint8_t format) {
    auto* f = sndif::find_pcm_format(format);
    return f ? std::string(f->name) : "format " + std::to_string(format);
}

std::string range(const Interval& i) {
    return std::to_string(i.min) + ".." + std::to_string(i.max);
}

// Discards playback; capture is silence.
class NullMedium final : public PacedMedium {
  public:
    explicit NullMedium(std::uint8_t format) : format_(format) {}
    Result<void> consume(std::span<const std::byte>) override { return ok(); }
    Result<std::size_t> produce(std::span<std::byte> frames) override {
        fill_silence(frames, format_);
        return std::size_t{0};
    }
    void skip(std::uint64_t) override {}

  private:
    std::uint8_t format_;
};

}  // namespace

PcmCapabilities builtin_capabilities(std::uint64_t formats) {
    return PcmCapabilities{formats, {5512, 384000}, {1, 32}, {32, 524288}, {16, 262144}};
}

Result<void> check_params(const PcmCapabilities& caps, const PcmParams& p, std::string* why) {
    if (p.format >= 64 || !(caps.formats & (std::uint64_t{1} << p.format)))
        return fail(why, format_name(p.format) + " is not supported here");
    if (p.rate < caps.rates.min || p.rate > caps.rates.max)
        return fail(why, "rate " + std::to_string(p.rate) + " outside " + range(caps.rates));
    if (p.channels < caps.channels.min || p.channels > caps.channels.max)
        return fail(why, std::to_string(p.channels) + " channels outside " + range(caps.channels));
    auto frame = sndif::bytes_per_frame(p.format, p.channels);
    if (!frame || (p.frame_bytes != 0 && p.frame_bytes != *frame))
        return fail(why, "frame size " + std::to_string(p.frame_bytes) + " does not match " +
                             format_name(p.format) + " x" + std::to_string(p.channels));
    return ok();
}

namespace {

Result<std::unique_ptr<PacedPcm>> make(PcmParams params, std::unique_ptr<PacedMedium> medium,
                                       Timebase timebase) {
    params.frame_bytes = *sndif::bytes_per_frame(params.format, params.channels);
    auto buffer = PacedPcm::choose_buffer_frames(params);
    return std::make_unique<PacedPcm>(params, buffer, std::move(medium), std::move(timebase));
}

}  // namespace

Result<std::unique_ptr<PacedPcm>> open_null(PcmParams params, Timebase timebase, std::string* why) {
    if (auto r = check_params(builtin_capabilities(linear_formats_mask()), params, why); !r)
        return Err(r.error());
    return make(params, std::make_unique<NullMedium>(params.format), std::move(timebase));
}

}  // namespace xensnd::backend::audio
