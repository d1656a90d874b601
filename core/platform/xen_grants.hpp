// The Xen platform's grants, on libxengnttab: sharing through gntalloc (/dev/xen/gntalloc,
// the frontend's side) and mapping through gntdev (/dev/xen/gntdev, the backend's side).
#pragma once

#include <memory>
#include <string>

#include "core/platform/grants.hpp"
#include "coro/result.hpp"

namespace xensnd::platform {

inline constexpr const char* kXenGntdevDevice = "/dev/xen/gntdev";
inline constexpr const char* kXenGntallocDevice = "/dev/xen/gntalloc";

// Opens whichever of the two devices exists: a guest running only a frontend often has no
// gntdev, a backend domain no gntalloc. The missing side's calls fail with ENODEV. Fails,
// with `why` naming both devices, only when neither exists, or when one exists and cannot be
// opened. max_map_pages() is kMaxMapPages.
Result<std::unique_ptr<GrantService>> open_xen_grants(std::string* why = nullptr);

}  // namespace xensnd::platform
