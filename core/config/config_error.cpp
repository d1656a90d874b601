#include "core/config/config_error.hpp"

namespace xensnd::config {

namespace {

// Enough to recognise any legitimate value (names are at most 255 bytes) in a log line.
constexpr std::size_t kStoredValueBytes = 256;
constexpr std::size_t kShownValueBytes = 96;

void append_escaped(std::string& out, std::string_view value) {
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c >= 0x20 && c < 0x7f) {
            out += ch;
        } else {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
}

}  // namespace

ConfigError config_error(std::string path, std::string_view value, std::string reason) {
    if (value.size() > kStoredValueBytes) value = value.substr(0, kStoredValueBytes);
    return ConfigError{std::move(path), std::string(value), std::move(reason)};
}

std::string ConfigError::message() const {
    std::string out = path;
    out += ": \"";
    if (value.size() > kShownValueBytes) {
        append_escaped(out, std::string_view(value).substr(0, kShownValueBytes));
        out += "...";
    } else {
        append_escaped(out, value);
    }
    out += "\": ";
    out += reason;
    return out;
}

}  // namespace xensnd::config
