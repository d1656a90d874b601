#include "backend/stream/silence.hpp"

#include <cstring>

#include "core/protocol/pcm_format.hpp"
#include "core/protocol/sndif_wire.hpp"

namespace xensnd::backend::stream {

SilentSample silent_sample(std::uint8_t format) noexcept {
    SilentSample s;
    auto size = sndif::bytes_per_sample(format);
    if (!size) return s;
    s.size = *size;
    auto set = [&](std::size_t i, unsigned v) { s.bytes[i] = std::byte(v); };
    // The unsigned formats are silent at half scale: the top bit of their significant bits.
    switch (format) {
        case XENSND_PCM_FORMAT_U8:
            set(0, 0x80);
            break;
        case XENSND_PCM_FORMAT_U16_LE:
            set(1, 0x80);
            break;
        case XENSND_PCM_FORMAT_U16_BE:
            set(0, 0x80);
            break;
        case XENSND_PCM_FORMAT_U24_LE:  // 24 bits in the low three bytes of a 32-bit word
            set(2, 0x80);
            break;
        case XENSND_PCM_FORMAT_U24_BE:
            set(1, 0x80);
            break;
        case XENSND_PCM_FORMAT_U32_LE:
            set(3, 0x80);
            break;
        case XENSND_PCM_FORMAT_U32_BE:
            set(0, 0x80);
            break;
        case XENSND_PCM_FORMAT_MU_LAW:
            set(0, 0xff);
            break;
        case XENSND_PCM_FORMAT_A_LAW:
            set(0, 0x55);
            break;
        default:
            break;
    }
    return s;
}

void fill_silence(std::span<std::byte> bytes, std::uint8_t format) noexcept {
    const SilentSample s = silent_sample(format);
    bool zero = true;
    for (std::size_t i = 0; i < s.size; ++i)
        if (s.bytes[i] != std::byte{0}) zero = false;
    if (zero) {
        std::memset(bytes.data(), 0, bytes.size());
        return;
    }
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = s.bytes[i % s.size];
}

}  // namespace xensnd::backend::stream
