// HW_PARAM_QUERY: what a stream can do, as the intersection of the XenStore configuration, the
// host endpoint's capabilities and the guest's current intervals. The guest calls it many
// times while it refines its parameters, so it is answered from cached data only.
#pragma once

#include <cstdint>
#include <string>

#include "backend/audio/endpoint.hpp"
#include "core/config/vsnd_config.hpp"
#include "core/platform/grants.hpp"
#include "core/protocol/sndif_wire.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::stream {

// The largest shared buffer a stream accepts: what one grant mapping takes (kMaxMapPages)
// minus the two pages of page directory that describe it.
inline constexpr std::uint32_t kMaxBufferBytes =
    static_cast<std::uint32_t>((platform::kMaxMapPages - 2) * platform::kPageSize);

// The formats the stream can move frame by frame: those with whole-byte samples (the DMA
// engine counts frames; IMA ADPCM, MPEG and GSM have none).
std::uint64_t frame_formats() noexcept;

// The answer to `query` (status 0), or Err(EINVAL) with `why` naming the parameter whose
// intersection is empty or the interval the guest sent inverted. Buffer and period are in
// frames: the byte limits are divided by the smallest frame the remaining formats and
// channel counts allow (the guest then refines; OPEN checks the exact bytes).
Result<xensnd_query_hw_param> answer_hw_query(const config::PcmHwConfig& config,
                                              const audio::PcmCapabilities& caps,
                                              const xensnd_query_hw_param& query, std::string* why);

}  // namespace xensnd::backend::stream
