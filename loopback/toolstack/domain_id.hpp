// Domain ids and device indices as people type them: plain decimal, nothing else. Pure text
// parsing, shared by the command line and the XenStore readers (where a guest may have
// written the text).
#pragma once

#include <optional>
#include <string_view>

namespace xensnd::loopback::toolstack {

using DomId = unsigned;

// The toolstack's own domain, which owns /libxl.
inline constexpr DomId kToolstackDomain = 0;
// Xen reserves ids from DOMID_FIRST_RESERVED (0x7FF0) up for special meanings.
inline constexpr DomId kFirstReservedDomain = 0x7FF0;

// The highest device index: libxl's is an int.
inline constexpr unsigned kMaxDevid = 0x7fffffff;

// A plain decimal number no larger than `max`: no sign, no leading zero ("0" itself is fine),
// no spaces; nullopt otherwise.
std::optional<unsigned> parse_index(std::string_view text, unsigned max);

// A domain id below kFirstReservedDomain ("7"); nullopt for anything else ("07", "+7", "0x7",
// "", "32752").
std::optional<DomId> parse_domid(std::string_view text);

}  // namespace xensnd::loopback::toolstack
