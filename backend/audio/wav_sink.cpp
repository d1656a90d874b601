// The WAV file sink: the file holds exactly the frames the stream handed over, in the guest's
// format (not a recording of the device's timeline: starvation silence is not written, and
// frames a stop() drops were already written). File writes go to the page cache from the
// reactor thread, at most one period's worth at a time.
#include "backend/audio/builtin_pcm.hpp"
#include "backend/audio/wav_file.hpp"
#include "core/protocol/pcm_format.hpp"

namespace xensnd::backend::audio {

namespace {

class WavSinkMedium final : public PacedMedium {
  public:
    explicit WavSinkMedium(WavWriter writer) : writer_(std::move(writer)) {}
    Result<void> consume(std::span<const std::byte> frames) override {
        return writer_.append(frames);
    }
    Result<std::size_t> produce(std::span<std::byte>) override { return Err(EBADFD); }
    void skip(std::uint64_t) override {}

  private:
    WavWriter writer_;  // its destructor fixes the header up
};

}  // namespace

Result<std::unique_ptr<PacedPcm>> open_wav_sink(const std::string& path, PcmParams params,
                                                Timebase timebase, std::string* why) {
    if (params.direction != Direction::Playback) {
        if (why) *why = "a WAV sink plays only";
        return Err(EINVAL);
    }
    if (auto r = check_params(builtin_capabilities(wav_formats_mask()), params, why); !r)
        return Err(r.error());
    auto writer = WavWriter::create(path, {params.format, params.rate, params.channels}, why);
    if (!writer) return Err(writer.error());
    params.frame_bytes = *sndif::bytes_per_frame(params.format, params.channels);
    auto buffer = PacedPcm::choose_buffer_frames(params);
    return std::make_unique<PacedPcm>(
        params, buffer, std::make_unique<WavSinkMedium>(std::move(*writer)), std::move(timebase));
}

}  // namespace xensnd::backend::audio
