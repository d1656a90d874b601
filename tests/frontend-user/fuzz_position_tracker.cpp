// Fuzzes PositionTracker with any sequence of backend positions and application transfers:
// the pointer never goes backwards, playback never passes what was written, avail never
// exceeds the buffer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "frontend-user/position_tracker.hpp"

using namespace xensnd::frontend;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 6) return 0;
    PositionTracker t;
    const auto dir = (data[0] & 1) ? Direction::Capture : Direction::Playback;
    const std::uint32_t frame_bytes = data[1] % 64;  // 0 is clamped to 1
    const std::uint64_t buffer = 1 + (std::uint64_t{data[2]} << 8 | data[3]);
    t.open(dir, frame_bytes, buffer);
    std::uint64_t last_hw = 0;
    for (std::size_t i = 4; i + 9 <= size; i += 9) {
        std::uint64_t v;
        std::memcpy(&v, data + i + 1, sizeof v);
        switch (data[i] % 4) {
            case 0:
                (void)t.on_position(v);
                break;
            case 1:
                t.on_transferred(v % (buffer * 2 + 1));
                break;
            case 2:
                t.restart();
                last_hw = 0;
                break;
            default:
                (void)t.on_position(v >> (data[i] % 64));
                break;
        }
        if (t.hw_frames() < last_hw) std::abort();
        if (t.avail() > buffer) std::abort();
        if (dir == Direction::Playback && t.hw_frames() > t.appl_frames()) std::abort();
        if (dir == Direction::Capture && t.appl_frames() > t.hw_frames()) std::abort();
        last_hw = t.hw_frames();
    }
    return 0;
}
