// Deterministic S16 signals for the daemon's end-to-end tests: no silent frame, so a gap or a
// dropped period cannot hide in them, and an optional bound on the amplitude.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace xensnd::test {

// `frames` interleaved S16_LE frames of `channels` samples; every sample odd (never 0), or
// with `even_within` > 0 every sample even, non-zero and within +-even_within.
inline std::vector<std::byte> s16_signal(std::size_t frames, unsigned channels, std::uint32_t seed,
                                         std::int16_t even_within = 0) {
    std::vector<std::byte> out(frames * channels * 2);
    std::uint32_t x = seed * 2654435761u + 1;
    for (std::size_t i = 0; i < frames * channels; ++i) {
        x = x * 1664525u + 1013904223u;
        std::int16_t v;
        if (even_within > 0) {
            const int span = even_within / 2;  // v = 2k, k in [-span, span] \ {0}
            int k = static_cast<int>((x >> 8) % static_cast<std::uint32_t>(2 * span)) - span;
            v = static_cast<std::int16_t>(2 * (k >= 0 ? k + 1 : k));
        } else {
            v = static_cast<std::int16_t>((x >> 16) | 1);
        }
        std::memcpy(out.data() + 2 * i, &v, 2);
    }
    return out;
}

inline std::int16_t s16_at(const std::vector<std::byte>& data, std::size_t sample) {
    std::int16_t v;
    std::memcpy(&v, data.data() + 2 * sample, 2);
    return v;
}

}  // namespace xensnd::test
