// XenCtl: `ctl.xen`, an ALSA control plugin (snd_ctl_ext) exposing the volume and mute of a
// vsnd device's first playback and first capture stream: "PCM Playback Volume" / "PCM
// Playback Switch" / "Capture Volume" / "Capture Switch" (simple mixer elements "PCM" and
// "Capture"), the volumes in 0.01 dB steps from -100 dB to 0 dB with a dB scale TLV. It works from
// any process: values go into the device's mixer file and the owning process (if any) is told
// through its doorbell (mixer_state.hpp).
#pragma once

#include <alsa/asoundlib.h>

#include <string>

#include "frontend-user/plugin_params.hpp"

namespace xensnd::frontend {

// Opens `ctl.xen` as ALSA's control plugin entry point does; on error returns a negative errno
// and `why` says why.
int open_xen_ctl(snd_ctl_t** handlep, const char* name, const PluginParams& params, int mode,
                 std::string& why);

}  // namespace xensnd::frontend
