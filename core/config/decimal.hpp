// INTERNAL to core/config: the one number syntax both XenStore values and xl.cfg values must
// use. Plain decimal only: no sign, no spaces, no leading zeros, at most 2^32-1. (strtoul, which
// libxl and xl use, would also read 0x.. as hex and 0.. as octal and silently turn junk into 0;
// refusing those keeps a number meaning the same thing to every reader.)
#pragma once

#include <cstdint>
#include <string_view>

namespace xensnd::config::detail {

// nullptr and `out` set on success, otherwise why the text is not a number.
inline const char* parse_decimal(std::string_view text, unsigned& out) {
    if (text.empty()) return "not a number (empty)";
    std::uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return "not a plain decimal number";
        v = v * 10 + static_cast<unsigned>(c - '0');
        if (v > UINT32_MAX) return "out of range (more than 4294967295)";
    }
    if (text.size() > 1 && text[0] == '0') return "leading zeros are not allowed";
    out = static_cast<unsigned>(v);
    return nullptr;
}

}  // namespace xensnd::config::detail
