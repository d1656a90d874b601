// Fuzzes the mixer file's parser (the file is another program's output): any text gives values
// in range, and what format writes parses back to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "frontend-user/mixer_state.hpp"

using namespace xensnd::frontend;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const MixerValues v = parse_mixer_text(text);
    for (const StreamMix* m : {&v.playback, &v.capture})
        if (m->volume_mdb < kMinVolumeMilliDb || m->volume_mdb > kMaxVolumeMilliDb) std::abort();
    if (!(parse_mixer_text(format_mixer_text(v)) == v)) std::abort();
    return 0;
}
