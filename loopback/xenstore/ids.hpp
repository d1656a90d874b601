// Identifiers shared by every part of the loopback XenStore.
#pragma once

#include <cstdint>

namespace xensnd::loopback::xenstore {

// A domain id as XenStore carries it (permissions and paths use unsigned int, not domid_t).
using DomId = std::uint32_t;

// The toolstack domain: it bypasses every permission check, as dom0 does under xenstored.
inline constexpr DomId kPrivilegedDomain = 0;

// Xen reserves ids from DOMID_FIRST_RESERVED up; DOMID_SELF is one of them and
// IS_DOMAIN_INTRODUCED treats it as "the caller", which is always introduced.
inline constexpr DomId kFirstReservedDomain = 0x7FF0;
inline constexpr DomId kDomidSelf = 0x7FF0;

// One client connection; unique for the lifetime of a Server, never reused.
using ConnectionId = std::uint64_t;

inline bool is_privileged(DomId domid) {
    return domid == kPrivilegedDomain;
}

}  // namespace xensnd::loopback::xenstore
