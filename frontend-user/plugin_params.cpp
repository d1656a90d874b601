#include "frontend-user/plugin_params.hpp"

#include <cerrno>
#include <cstring>

namespace xensnd::frontend {

namespace {

constexpr long kMaxIndex = 255;
constexpr long kMaxTimeoutMs = 600'000;

// An integer given as a number or a decimal string (asoundrc allows both).
bool read_integer(snd_config_t* n, long& out) {
    if (snd_config_get_integer(n, &out) == 0) return true;
    const char* s = nullptr;
    if (snd_config_get_string(n, &s) != 0 || s == nullptr || *s == '\0') return false;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(s, &end, 10);
    if (errno != 0 || *end != '\0') return false;
    out = v;
    return true;
}

int bad(std::string& why, const char* id, const char* what) {
    why = std::string("xen: parameter '") + id + "' " + what;
    return -EINVAL;
}

}  // namespace

int parse_plugin_params(snd_config_t* conf, bool for_pcm, PluginParams& out, std::string& why) {
    snd_config_iterator_t i, next;
    snd_config_for_each(i, next, conf) {
        snd_config_t* n = snd_config_iterator_entry(i);
        const char* id = nullptr;
        if (snd_config_get_id(n, &id) < 0 || id == nullptr) continue;
        // Keys every plugin definition carries.
        if (std::strcmp(id, "comment") == 0 || std::strcmp(id, "type") == 0 ||
            std::strcmp(id, "hint") == 0)
            continue;
        long v = 0;
        if (std::strcmp(id, "device") == 0) {
            if (!read_integer(n, v) || v < 0 || v > 65535)
                return bad(why, id, "must be a vsnd device index (0..65535)");
            out.device = static_cast<unsigned>(v);
        } else if (for_pcm && std::strcmp(id, "pcm") == 0) {
            if (!read_integer(n, v) || v < 0 || v > kMaxIndex)
                return bad(why, id, "must be a PCM device index (0..255)");
            out.pcm = static_cast<unsigned>(v);
        } else if (for_pcm && std::strcmp(id, "stream") == 0) {
            if (!read_integer(n, v) || v < 0 || v > kMaxIndex)
                return bad(why, id, "must be a stream index (0..255)");
            out.stream = static_cast<unsigned>(v);
        } else if (std::strcmp(id, "platform") == 0) {
            const char* s = nullptr;
            if (snd_config_get_string(n, &s) != 0 || s == nullptr)
                return bad(why, id, "must be xen or loopback");
            auto kind = platform::parse_platform_kind(s);
            if (!kind) return bad(why, id, "must be xen or loopback");
            out.platform = *kind;
        } else if (std::strcmp(id, "timeout_ms") == 0) {
            if (!read_integer(n, v) || v < 1 || v > kMaxTimeoutMs)
                return bad(why, id, "must be a time in milliseconds (1..600000)");
            out.timeout = std::chrono::milliseconds(v);
        } else {
            why = std::string("xen: unknown parameter '") + id + "'";
            return -EINVAL;
        }
    }
    return 0;
}

}  // namespace xensnd::frontend
