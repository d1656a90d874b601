// Domain identifiers, as Xen numbers them.
#pragma once

#include <cstdint>

namespace xensnd::platform {

using DomId = std::uint16_t;
inline constexpr DomId kDom0 = 0;

}  // namespace xensnd::platform
