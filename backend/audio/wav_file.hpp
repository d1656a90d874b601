// WAV files (RIFF/WAVE) in the formats of sndif that a WAV can describe, for the WAV sink and
// source endpoints and for tests that check what a stream played.
//
//   U8       PCM 8 bit (WAV's 8-bit PCM is unsigned)
//   S16_LE   PCM 16 bit
//   S24_LE   WAVE_FORMAT_EXTENSIBLE, 24 valid bits in a 32-bit container. WAV puts the valid
//            bits at the top of the container, ALSA/sndif at the bottom: samples are shifted
//            on the way in and out (the padding byte is not kept).
//   S32_LE   PCM 32 bit
//   F32_LE, F64_LE   IEEE float
// EXTENSIBLE is also used for more than 2 channels. Signed 8-bit, unsigned 16/24/32-bit and
// big-endian formats have no WAV spelling and are refused. Packed 24-bit (3-byte) files are
// refused when read (no sndif format holds them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "coro/result.hpp"

namespace xensnd::backend::audio {

struct WavFormat {
    std::uint8_t format = 0;  // XENSND_PCM_FORMAT_*
    unsigned rate = 0;
    unsigned channels = 0;
    bool operator==(const WavFormat&) const = default;
};

// The sndif formats a WAV file can hold, as a HW_PARAM_QUERY mask.
std::uint64_t wav_formats_mask() noexcept;
bool wav_can_hold(std::uint8_t format) noexcept;

// Limits on what a header may declare (a WAV is input: nothing absurd gets through).
inline constexpr unsigned kWavMaxChannels = 64;
inline constexpr unsigned kWavMaxRate = 768'000;

// Where a WAV file's samples are, as its header says.
struct WavLayout {
    WavFormat format;
    std::uint32_t frame_bytes = 0;
    std::uint64_t data_offset = 0;
    std::uint64_t data_bytes = 0;  // whole frames, never past the end of the file
};

// Parses a header from the file's first bytes (`head`, up to at least the data chunk's
// header) given the file's size. A data size of 0 or 0xFFFFFFFF (a writer that never fixed
// its header) means "to the end of the file". EINVAL with `why` for anything else than a
// header this file can use.
Result<WavLayout> parse_wav_header(std::span<const std::byte> head, std::uint64_t file_size,
                                   std::string* why = nullptr);

// The header of a file holding data_bytes of `format` (sizes capped at the RIFF limit).
// Empty when !wav_can_hold(format.format).
std::vector<std::byte> make_wav_header(const WavFormat& format, std::uint64_t data_bytes);

// Samples between the guest's layout and the file's, in place (only S24_LE differs).
void guest_to_wav(std::span<std::byte> samples, std::uint8_t format) noexcept;
void wav_to_guest(std::span<std::byte> samples, std::uint8_t format) noexcept;

// Appends frames to a new WAV file. The header's sizes are fixed up once per second of audio
// and on close, so a crashed daemon still leaves a readable file.
class WavWriter {
  public:
    // Creates (truncates) path; fails with the errno and `why` naming the path (a missing
    // directory is not created). EINVAL if the format has no WAV spelling.
    static Result<WavWriter> create(const std::string& path, const WavFormat& format,
                                    std::string* why = nullptr);
    WavWriter(WavWriter&& o) noexcept;
    WavWriter& operator=(WavWriter&& o) noexcept;
    ~WavWriter();

    // Appends whole frames. Past the RIFF size limit (4 GiB) frames are dropped and counted.
    Result<void> append(std::span<const std::byte> frames);
    // Writes the header's sizes now.
    Result<void> update_header();

    std::uint64_t data_bytes() const { return data_bytes_; }
    std::uint64_t dropped_bytes() const { return dropped_bytes_; }
    const std::string& path() const { return path_; }

  private:
    WavWriter() = default;
    void close();

    int fd_ = -1;
    std::string path_;
    WavFormat format_;
    std::uint32_t frame_bytes_ = 0;
    std::uint64_t header_bytes_ = 0;
    std::uint64_t data_bytes_ = 0;
    std::uint64_t dropped_bytes_ = 0;
    std::uint64_t bytes_since_fixup_ = 0;
    std::vector<std::byte> scratch_;
};

// Reads a WAV file's frames in order.
class WavReader {
  public:
    static Result<WavReader> open(const std::string& path, std::string* why = nullptr);
    WavReader(WavReader&& o) noexcept;
    WavReader& operator=(WavReader&& o) noexcept;
    ~WavReader();

    const WavLayout& layout() const { return layout_; }
    const WavFormat& format() const { return layout_.format; }
    // Reads up to out.size() / frame_bytes whole frames in the guest's layout; 0 at the end.
    Result<std::size_t> read_frames(std::span<std::byte> out);
    // Skips frames (stops at the end).
    void skip_frames(std::uint64_t frames);
    std::uint64_t frames_left() const;

  private:
    WavReader() = default;
    int fd_ = -1;
    WavLayout layout_;
    std::uint64_t position_ = 0;  // bytes into the data
};

// A whole WAV file: its format and samples in the guest's layout (tests, demos).
struct WavContents {
    WavFormat format;
    std::vector<std::byte> data;
};
Result<WavContents> read_wav(const std::string& path, std::string* why = nullptr);
Result<void> write_wav(const std::string& path, const WavFormat& format,
                       std::span<const std::byte> data, std::string* why = nullptr);

}  // namespace xensnd::backend::audio
