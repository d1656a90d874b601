// The Xen device nodes the platform needs, and a reason a user can act on when one is absent.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "coro/result.hpp"

namespace xensnd::platform {

// Ok if `device` exists; otherwise its errno, and `why` names the device, the kernel module
// that provides it, and the loopback platform as the way to run without Xen.
inline Result<void> check_xen_device(const char* device, const char* module, std::string* why) {
    struct stat st {};
    if (::stat(device, &st) == 0) return ok();
    int e = errno;
    if (why) {
        *why = std::string(device) + ": " + std::strerror(e);
        if (e == ENOENT) {
            *why += std::string(" (not a Xen domain, or the ") + module +
                    " module is not loaded; without Xen use --platform loopback or "
                    "XENSND_PLATFORM=loopback)";
        }
    }
    return Err(e);
}

}  // namespace xensnd::platform
