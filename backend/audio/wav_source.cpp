// The WAV file source: the file's frames in order, paced by the device clock, then silence
// (counted in PcmCounters::silence_frames). Reads come from the page cache on the reactor
// thread, at most one buffer's worth at a time.
#include "backend/audio/builtin_pcm.hpp"
#include "backend/audio/sample_layout.hpp"
#include "backend/audio/wav_file.hpp"
#include "core/protocol/pcm_format.hpp"

namespace xensnd::backend::audio {

namespace {

class WavSourceMedium final : public PacedMedium {
  public:
    explicit WavSourceMedium(WavReader reader) : reader_(std::move(reader)) {}
    Result<void> consume(std::span<const std::byte>) override { return Err(EBADFD); }
    Result<std::size_t> produce(std::span<std::byte> frames) override {
        const std::size_t frame = reader_.layout().frame_bytes;
        const std::size_t wanted = frames.size() / frame;
        auto got = reader_.read_frames(frames);
        if (!got) return Err(got.error());
        fill_silence(frames.subspan(*got * frame, (wanted - *got) * frame),
                     reader_.format().format);
        return wanted - *got;
    }
    void skip(std::uint64_t frames) override { reader_.skip_frames(frames); }

  private:
    WavReader reader_;
};

std::string describe(const WavFormat& f) {
    auto* name = sndif::find_pcm_format(f.format);
    return (name ? std::string(name->name) : "?") + " " + std::to_string(f.rate) + " Hz x" +
           std::to_string(f.channels);
}

}  // namespace

Result<PcmCapabilities> wav_source_capabilities(const std::string& path, std::string* why) {
    auto reader = WavReader::open(path, why);
    if (!reader) return Err(reader.error());
    const WavFormat& f = reader->format();
    PcmParams params;
    params.direction = Direction::Capture;
    params.format = f.format;
    params.rate = f.rate;
    params.channels = f.channels;
    std::string reason;
    if (auto r = check_params(builtin_capabilities(wav_formats_mask()), params, &reason); !r) {
        if (why) *why = "'" + path + "': " + reason;
        return Err(r.error());
    }
    PcmCapabilities caps = builtin_capabilities(sndif::format_bit(f.format));
    caps.rates = {f.rate, f.rate};
    caps.channels = {f.channels, f.channels};
    return caps;
}

Result<std::unique_ptr<PacedPcm>> open_wav_source(const std::string& path, PcmParams params,
                                                  Timebase timebase, std::string* why) {
    if (params.direction != Direction::Capture) {
        if (why) *why = "a WAV source captures only";
        return Err(EINVAL);
    }
    auto reader = WavReader::open(path, why);
    if (!reader) return Err(reader.error());
    const WavFormat asked{params.format, params.rate, params.channels};
    if (!(reader->format() == asked)) {
        if (why)
            *why = "'" + path + "' holds " + describe(reader->format()) + ", the stream asks for " +
                   describe(asked);
        return Err(EINVAL);
    }
    if (auto r = check_params(builtin_capabilities(wav_formats_mask()), params, why); !r)
        return Err(r.error());
    params.frame_bytes = reader->layout().frame_bytes;
    auto buffer = PacedPcm::choose_buffer_frames(params);
    return std::make_unique<PacedPcm>(
        params, buffer, std::make_unique<WavSourceMedium>(std::move(*reader)), std::move(timebase));
}

}  // namespace xensnd::backend::audio
