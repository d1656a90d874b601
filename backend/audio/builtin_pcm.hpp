// The built-in endpoints, which need no sound card: WAV file sink and source, null, sine.
// Each is a PacedPcm (paced_pcm.hpp) with its own medium.
//
// What they can do (HW_PARAM_QUERY units):
//   formats   null, sine: every linear format with whole-byte samples (sample_layout.hpp);
//             WAV sink: those a WAV can describe (wav_file.hpp); WAV source: its file's
//   rates     5512..384000 (WAV source: its file's)
//   channels  1..32 (WAV source: its file's)
//   period    16..262144 frames, buffer 32..524288 frames: the guest's buffer is its own
//             memory, so any size the shared buffer can hold is fine for a paced device.
#pragma once

#include <memory>
#include <string>

#include "backend/audio/endpoint.hpp"
#include "backend/audio/host_pcm.hpp"
#include "backend/audio/paced_pcm.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::audio {

// The ranges above with the given formats.
PcmCapabilities builtin_capabilities(std::uint64_t formats);

// EINVAL with `why` when params lie outside caps (or frame_bytes disagrees with the format).
Result<void> check_params(const PcmCapabilities& caps, const PcmParams& params,
                          std::string* why = nullptr);

// params.frame_bytes may be 0 here (it is computed); the others as PcmParams says.
Result<std::unique_ptr<PacedPcm>> open_null(PcmParams params, Timebase timebase,
                                            std::string* why = nullptr);
// Capture: a sine at hz (amplitude 0.5, every channel the same); playback: as null.
Result<std::unique_ptr<PacedPcm>> open_sine(double hz, PcmParams params, Timebase timebase,
                                            std::string* why = nullptr);
// Playback only: a new WAV file at path holding exactly the frames written to it.
Result<std::unique_ptr<PacedPcm>> open_wav_sink(const std::string& path, PcmParams params,
                                                Timebase timebase, std::string* why = nullptr);
// Capture only: the frames of the WAV file at path, then silence. EINVAL (naming the
// difference) unless params match the file's format, rate and channels.
Result<std::unique_ptr<PacedPcm>> open_wav_source(const std::string& path, PcmParams params,
                                                  Timebase timebase, std::string* why = nullptr);
// Exactly the file's format, rate and channels.
Result<PcmCapabilities> wav_source_capabilities(const std::string& path,
                                                std::string* why = nullptr);

}  // namespace xensnd::backend::audio
