// Fuzz target: a hostile WAV header (a WAV source's file is input) never reads out of bounds,
// and what it accepts is self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "backend/audio/wav_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace xensnd::backend::audio;
    std::span<const std::byte> head(reinterpret_cast<const std::byte*>(data), size);
    // The file may be claimed longer than what was read (the reader reads only the start).
    for (std::uint64_t file_size : {std::uint64_t{size}, std::uint64_t{size} * 3 + 17}) {
        auto r = parse_wav_header(head, file_size);
        if (!r) continue;
        if (r->frame_bytes == 0 || r->data_bytes % r->frame_bytes != 0) std::abort();
        if (r->data_offset + r->data_bytes > file_size) std::abort();
        if (!wav_can_hold(r->format.format)) std::abort();
        if (r->format.channels == 0 || r->format.channels > kWavMaxChannels) std::abort();
    }
    return 0;
}
