// Checks on request fields that follow from the protocol alone (no device or configuration
// policy): what a backend must verify before it acts on a request from an untrusted frontend.
// Each returns Err(EINVAL) for a request to refuse with status -EINVAL.
#pragma once

#include <cstdint>

#include "core/protocol/sndif_wire.hpp"
#include "coro/result.hpp"

namespace xensnd::sndif {

// READ/WRITE: [offset, offset + length) lies within the shared buffer; offset is in
// [0, buffer_sz - 1] as the header says. No 32-bit overflow for any values. A zero length at a
// valid offset is accepted (nothing to move).
Result<void> check_buffer_range(std::uint32_t offset, std::uint32_t length,
                                std::uint32_t buffer_sz) noexcept;

// OPEN: a format the header defines, a non-zero rate and channel count, a buffer of
// 1..max_buffer_sz bytes and a period of at most the buffer (0: no CUR_POS events).
Result<void> check_open_request(const xensnd_open_req& open, std::uint32_t max_buffer_sz) noexcept;

// TRIGGER: one of start, pause, stop, resume.
Result<void> check_trigger(const xensnd_trigger_req& trigger) noexcept;

// HW_PARAM_QUERY: every interval has min <= max.
Result<void> check_hw_param_query(const xensnd_query_hw_param& query) noexcept;

}  // namespace xensnd::sndif
