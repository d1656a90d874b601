// The routing in words, one line per rule, for --check-config and the start-up log.
#pragma once

#include <string>

#include "backend/daemon/stream_route.hpp"

namespace xensnd::backend::daemon {

// "route #1 (backend.toml:12): domain=5 direction=capture -> wav:/srv/{domid}.wav\n" ...,
// then "default -> alsa:default\n".
std::string describe_routing(const Routing& routing);

}  // namespace xensnd::backend::daemon
