// The Xen platform's event channels, on libxenevtchn (/dev/xen/evtchn).
#pragma once

#include <memory>
#include <string>

#include "core/platform/event_channel.hpp"
#include "coro/result.hpp"

namespace xensnd::platform {

inline constexpr const char* kXenEvtchnDevice = "/dev/xen/evtchn";

// Each channel gets its own libxenevtchn handle (one open of the device), so that a channel's
// fd reports only its own port and channels can be awaited independently.
// ENOENT with `why` naming /dev/xen/evtchn when the device is absent (not a Xen domain, or
// the xen-evtchn module not loaded).
Result<std::unique_ptr<EventChannelService>> open_xen_events(std::string* why = nullptr);

}  // namespace xensnd::platform
