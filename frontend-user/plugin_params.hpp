// The parameters of a `pcm.xen` / `ctl.xen` definition in an asoundrc:
//
//   pcm.xen {
//       type xen
//       device 0          # vsnd device index N (/local/domain/<self>/device/vsnd/N)
//       pcm 0             # PCM device P (default: the first with a stream of the direction)
//       stream 0          # stream S within it (default: the first of the direction)
//       platform xen      # xen | loopback (default: XENSND_PLATFORM, else Xen if /dev/xen)
//       timeout_ms 3000   # how long to wait for each backend response
//   }
//
// An unknown parameter or a bad value is an error naming it (a typo must not be ignored).
#pragma once

#include <alsa/asoundlib.h>

#include <chrono>
#include <optional>
#include <string>

#include "core/platform/platform.hpp"

namespace xensnd::frontend {

struct PluginParams {
    unsigned device = 0;
    std::optional<unsigned> pcm;
    std::optional<unsigned> stream;
    std::optional<platform::PlatformKind> platform;
    std::chrono::milliseconds timeout{3000};
};

// Reads the plugin's configuration node. On error returns -EINVAL and sets `why` to a sentence
// naming the parameter ("xen: unknown parameter 'devce'").
int parse_plugin_params(snd_config_t* conf, bool for_pcm, PluginParams& out, std::string& why);

}  // namespace xensnd::frontend
