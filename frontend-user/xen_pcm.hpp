// XenPcm: one ALSA PCM (an ioplug instance) on one sndif stream of a connected vsnd device.
// Application threads drive it through the ioplug callbacks (xen_pcm.cpp); the device's reactor
// thread feeds it CUR_POS positions (StreamListener), which move the hardware pointer and wake
// the application's poll descriptor (an eventfd) when avail >= avail_min.
#pragma once

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#include <memory>
#include <string>

#include "frontend-user/plugin_params.hpp"

namespace xensnd::frontend {

// Opens `pcm.xen` as ALSA's plugin entry point does; on error returns a negative errno and
// `why` says why (the caller reports it with SNDERR).
int open_xen_pcm(snd_pcm_t** pcmp, const char* name, const PluginParams& params,
                 snd_pcm_stream_t stream, int mode, std::string& why);

}  // namespace xensnd::frontend
