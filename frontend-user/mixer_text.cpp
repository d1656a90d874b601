// The pure half of mixer_state.hpp: the mixer file's text (fuzzed on its own).
#include <algorithm>
#include <charconv>

#include "frontend-user/mixer_state.hpp"

namespace xensnd::frontend {

namespace {

constexpr std::size_t kMaxText = 4096;

std::string_view next_word(std::string_view& line) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) {
        line = {};
        return {};
    }
    line.remove_prefix(start);
    const auto end = std::min(line.find_first_of(" \t\r"), line.size());
    std::string_view word = line.substr(0, end);
    line.remove_prefix(end);
    return word;
}

bool read_number(std::string_view word, long long& out) {
    if (word.empty() || word.size() > 20) return false;
    auto r = std::from_chars(word.data(), word.data() + word.size(), out);
    return r.ec == std::errc() && r.ptr == word.data() + word.size();
}

}  // namespace

MixerValues parse_mixer_text(std::string_view text) {
    MixerValues values;
    text = text.substr(0, std::min(text.size(), kMaxText));
    while (!text.empty()) {
        const auto nl = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(std::min(nl + 1, text.size()));
        const std::string_view dir = next_word(line);
        StreamMix* mix = dir == "playback"  ? &values.playback
                         : dir == "capture" ? &values.capture
                                            : nullptr;
        if (mix == nullptr) continue;
        for (;;) {
            const std::string_view key = next_word(line);
            if (key.empty()) break;
            long long v = 0;
            if (!read_number(next_word(line), v)) break;
            if (key == "volume")
                mix->volume_mdb = static_cast<std::int32_t>(
                    std::clamp<long long>(v, kMinVolumeMilliDb, kMaxVolumeMilliDb));
            else if (key == "mute")
                mix->muted = v != 0;
        }
    }
    return values;
}

std::string format_mixer_text(const MixerValues& values) {
    auto line = [](const char* dir, const StreamMix& m) {
        return std::string(dir) + " volume " + std::to_string(m.volume_mdb) + " mute " +
               (m.muted ? "1" : "0") + "\n";
    };
    return line("playback", values.playback) + line("capture", values.capture);
}

}  // namespace xensnd::frontend
