#include "core/protocol/request_checks.hpp"

#include <cerrno>

#include "core/protocol/pcm_format.hpp"

namespace xensnd::sndif {

Result<void> check_buffer_range(std::uint32_t offset, std::uint32_t length,
                                std::uint32_t buffer_sz) noexcept {
    // Written as a subtraction from a bound we know holds, never as offset + length.
    if (offset >= buffer_sz || length > buffer_sz - offset) return Err(EINVAL);
    return ok();
}

Result<void> check_open_request(const xensnd_open_req& open, std::uint32_t max_buffer_sz) noexcept {
    if (find_pcm_format(open.pcm_format) == nullptr) return Err(EINVAL);
    if (open.pcm_rate == 0 || open.pcm_channels == 0) return Err(EINVAL);
    if (open.buffer_sz == 0 || open.buffer_sz > max_buffer_sz) return Err(EINVAL);
    if (open.period_sz > open.buffer_sz) return Err(EINVAL);
    return ok();
}

Result<void> check_trigger(const xensnd_trigger_req& trigger) noexcept {
    switch (trigger.type) {
        case XENSND_OP_TRIGGER_START:
        case XENSND_OP_TRIGGER_PAUSE:
        case XENSND_OP_TRIGGER_STOP:
        case XENSND_OP_TRIGGER_RESUME:
            return ok();
        default:
            return Err(EINVAL);
    }
}

Result<void> check_hw_param_query(const xensnd_query_hw_param& query) noexcept {
    if (query.rates.min > query.rates.max || query.channels.min > query.channels.max ||
        query.buffer.min > query.buffer.max || query.period.min > query.period.max)
        return Err(EINVAL);
    return ok();
}

}  // namespace xensnd::sndif
