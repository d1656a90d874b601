// Domain identifiers, as Xen numbers them.
#pragma once

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <string_view>

#include "coro/result.hpp"

namespace xensnd::platform {

using DomId = std::uint16_t;
inline constexpr DomId kDom0 = 0;
// DOMID_FIRST_RESERVED (xen/xen.h): ids from here on name no real domain (DOMID_SELF, ...).
inline constexpr DomId kFirstReservedDomId = 0x7FF0;

// A domain id as XenStore spells it ("backend-id", "frontend-id", "domid"): plain decimal,
// no sign, no padding, below kFirstReservedDomId. The text may come from a peer: anything
// else is EINVAL.
inline Result<DomId> parse_domid(std::string_view text) {
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) {
        return Err(EINVAL);
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
    if (ec != std::errc{} || end != text.data() + text.size() || value >= kFirstReservedDomId) {
        return Err(EINVAL);
    }
    return static_cast<DomId>(value);
}

}  // namespace xensnd::platform
