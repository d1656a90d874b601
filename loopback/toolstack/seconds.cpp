#include "loopback/toolstack/seconds.hpp"

namespace xensnd::loopback::toolstack {

std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text) {
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    if (whole.empty() || whole.size() > 6) return std::nullopt;
    if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 3))
        return std::nullopt;
    long long ms = 0;
    for (char c : whole) {
        if (c < '0' || c > '9') return std::nullopt;
        ms = ms * 10 + (c - '0');
    }
    ms *= 1000;
    long long scale = 100;
    for (char c : fraction) {
        if (c < '0' || c > '9') return std::nullopt;
        ms += (c - '0') * scale;
        scale /= 10;
    }
    if (ms > kMaxLimit.count()) return std::nullopt;
    return std::chrono::milliseconds(ms);
}

std::string seconds_text(std::chrono::milliseconds limit) {
    const long long ms = limit.count();
    std::string out = std::to_string(ms / 1000);
    if (long long rest = ms % 1000; rest != 0) {
        std::string digits = std::to_string(rest + 1000).substr(1);  // three digits, leading zeros
        while (digits.back() == '0')
            digits.pop_back();
        out += "." + digits;
    }
    return out + " s";
}

}  // namespace xensnd::loopback::toolstack
