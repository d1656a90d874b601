// The ALSA HostPcm: any alsa-lib PCM, opened non-blocking and driven from the reactor through
// its poll descriptors, so the reactor thread never blocks on the device.
//
// Host buffer: the period is set near half the guest's period (so the device wakes the stream
// at least twice per guest period) and the buffer near two guest periods (four host periods);
// the device may round both. With no guest period, 10 ms periods are asked for.
// sw params: avail_min follows wait_avail()'s target; start_threshold is the boundary (only
// start() starts the device); stop_threshold is the buffer size, so an underrun is an xrun
// that is recovered (snd_pcm_recover, counted in host_xruns) and the device restarted.
// Pause uses snd_pcm_pause where the hardware can; elsewhere pause(true) drops what the
// device holds and pause(false) starts it again.
#pragma once

#include <alsa/asoundlib.h>

#include <cstdint>
#include <memory>
#include <string>

#include "backend/audio/endpoint.hpp"
#include "backend/audio/host_pcm.hpp"

namespace xensnd::backend::audio {

// sndif format -> ALSA format; SND_PCM_FORMAT_UNKNOWN for a value sndif does not define.
snd_pcm_format_t alsa_format(std::uint8_t sndif_format) noexcept;

// Opens the PCM once (non-blocking), reads what hw_params_any allows (formats sndif can
// name, rates, channels, buffer and period sizes in frames) and closes it.
Result<PcmCapabilities> probe_alsa_capabilities(const std::string& name, Direction direction,
                                                std::string* why = nullptr);

// Opens, configures and prepares the PCM for params. EINVAL when the device refuses the
// params (why says which), the device's errno when it cannot be opened.
Result<std::unique_ptr<HostPcm>> open_alsa_pcm(const std::string& name, const PcmParams& params,
                                               std::string* why = nullptr);

}  // namespace xensnd::backend::audio
