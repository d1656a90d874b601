// INTERNAL to core/config: building the XenStore paths that errors and warnings name, and the
// relative paths of the nodes of one device directory.
#pragma once

#include <string>
#include <string_view>

namespace xensnd::config::detail {

// "base/rel", tolerating an empty base or one that ends in '/'.
inline std::string join_path(std::string_view base, std::string_view rel) {
    std::string out(base);
    if (!out.empty() && out.back() != '/' && !rel.empty()) out += '/';
    out += rel;
    return out;
}

// The directory of a level relative to the device: "" (card), "P/" (pcm), "P/S/" (stream).
inline std::string level_dir(int pcm = -1, int stream = -1) {
    std::string out;
    if (pcm >= 0) out += std::to_string(pcm) + "/";
    if (stream >= 0) out += std::to_string(stream) + "/";
    return out;
}

}  // namespace xensnd::config::detail
