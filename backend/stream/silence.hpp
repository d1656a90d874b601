// Silence in any sndif sample format. The DMA engine plays it where the guest has not written
// (an underrun) and where a channel is muted; zero bytes are silence only for the signed and
// float formats (U8's is 0x80, mu-law's 0xff).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xensnd::backend::stream {

// One sample of silence: `size` bytes (0 for a format without whole-byte samples).
struct SilentSample {
    std::byte bytes[8]{};
    std::size_t size = 0;
};

SilentSample silent_sample(std::uint8_t format) noexcept;

// Fills `bytes` with silent samples of `format` (a trailing partial sample gets the sample's
// first bytes). Zeroes for a format without whole-byte samples.
void fill_silence(std::span<std::byte> bytes, std::uint8_t format) noexcept;

}  // namespace xensnd::backend::stream
