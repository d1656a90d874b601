// The sample formats ALSA and sndif share: snd_pcm_format_t <-> XENSND_PCM_FORMAT_*. Only
// formats with whole-byte samples are offered (the shared buffer is addressed in bytes).
#pragma once

#include <alsa/asoundlib.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace xensnd::frontend {

// nullopt when sndif has no such format.
std::optional<std::uint8_t> sndif_format(snd_pcm_format_t format);
// nullopt for a value ALSA has no format for, or one without whole-byte samples.
std::optional<snd_pcm_format_t> alsa_format(std::uint8_t sndif_value);
// The ALSA formats of a HW_PARAM_QUERY / XenStore 64-bit mask, in sndif value order.
std::vector<snd_pcm_format_t> alsa_formats_of_mask(std::uint64_t mask);

}  // namespace xensnd::frontend
