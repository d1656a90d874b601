#include "backend/stream/hw_query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "core/protocol/pcm_format.hpp"
#include "core/protocol/request_checks.hpp"

namespace xensnd::backend::stream {
namespace {

struct Span32 {
    std::uint32_t min;
    std::uint32_t max;
};

Span32 intersect(Span32 a, Span32 b) {
    return {std::max(a.min, b.min), std::min(a.max, b.max)};
}

Err refuse(std::string* why, std::string text) {
    if (why) *why = std::move(text);
    return Err(EINVAL);
}

}  // namespace

std::uint64_t frame_formats() noexcept {
    std::uint64_t mask = 0;
    for (const auto& f : sndif::pcm_formats())
        if (sndif::bytes_per_sample(f.value)) mask |= sndif::format_bit(f.value);
    return mask;
}

Result<xensnd_query_hw_param> answer_hw_query(const config::PcmHwConfig& config,
                                              const audio::PcmCapabilities& caps,
                                              const xensnd_query_hw_param& query,
                                              std::string* why) {
    if (!sndif::check_hw_param_query(query)) {
        return refuse(why, fmt::format("inverted interval (rates {}..{}, channels {}..{}, "
                                       "buffer {}..{}, period {}..{} frames)",
                                       query.rates.min, query.rates.max, query.channels.min,
                                       query.channels.max, query.buffer.min, query.buffer.max,
                                       query.period.min, query.period.max));
    }
    xensnd_query_hw_param out{};

    out.formats = query.formats & config.formats & caps.formats & frame_formats();
    if (out.formats == 0) {
        return refuse(why, fmt::format("no common format (guest {:#x}, configured {:#x}, host "
                                       "{:#x})",
                                       query.formats, config.formats, caps.formats));
    }

    // Rates: a configured list narrows to the listed rates inside the interval.
    Span32 rates = intersect({query.rates.min, query.rates.max}, {caps.rates.min, caps.rates.max});
    rates = intersect(rates, {config.rates.range.min, config.rates.range.max});
    if (!config.rates.continuous && rates.min <= rates.max) {
        Span32 listed{1, 0};
        for (unsigned r : config.rates.list) {
            if (r < rates.min || r > rates.max) continue;
            if (listed.min > listed.max) listed = {r, r};
            listed.min = std::min<std::uint32_t>(listed.min, r);
            listed.max = std::max<std::uint32_t>(listed.max, r);
        }
        rates = listed;
    }
    if (rates.min == 0) rates.min = 1;
    if (rates.min > rates.max) {
        return refuse(
            why, fmt::format("no common rate (guest {}..{} Hz, host {}..{} Hz)", query.rates.min,
                             query.rates.max, caps.rates.min, caps.rates.max));
    }
    out.rates = {rates.min, rates.max};

    Span32 channels =
        intersect({query.channels.min, query.channels.max}, {caps.channels.min, caps.channels.max});
    channels = intersect(channels, {config.channels.min, config.channels.max});
    channels.min = std::max<std::uint32_t>(channels.min, 1);
    channels.max = std::min<std::uint32_t>(channels.max, 255);  // OPEN's pcm_channels is a byte
    if (channels.min > channels.max) {
        return refuse(why, fmt::format("no common channel count (guest {}..{}, configured "
                                       "{}..{}, host {}..{})",
                                       query.channels.min, query.channels.max, config.channels.min,
                                       config.channels.max, caps.channels.min, caps.channels.max));
    }
    out.channels = {channels.min, channels.max};

    // The smallest frame the remaining choices allow bounds the most frames a buffer holds.
    std::uint32_t smallest_sample = UINT32_MAX;
    for (const auto& f : sndif::pcm_formats())
        if (out.formats & sndif::format_bit(f.value))
            smallest_sample = std::min(smallest_sample, *sndif::bytes_per_sample(f.value));
    const std::uint32_t smallest_frame = smallest_sample * channels.min;
    const std::uint32_t max_bytes = std::min<std::uint32_t>(config.buffer_bytes, kMaxBufferBytes);
    const std::uint32_t max_frames = max_bytes / smallest_frame;

    Span32 buffer = intersect({query.buffer.min, query.buffer.max},
                              {caps.buffer_frames.min, caps.buffer_frames.max});
    buffer = intersect(buffer, {1, max_frames});
    if (buffer.min > buffer.max) {
        return refuse(why, fmt::format("no common buffer size (guest {}..{} frames, host {}..{} "
                                       "frames, at most {} bytes)",
                                       query.buffer.min, query.buffer.max, caps.buffer_frames.min,
                                       caps.buffer_frames.max, max_bytes));
    }
    out.buffer = {buffer.min, buffer.max};

    Span32 period = intersect({query.period.min, query.period.max},
                              {caps.period_frames.min, caps.period_frames.max});
    period = intersect(period, {1, buffer.max});
    if (period.min > period.max) {
        return refuse(why, fmt::format("no common period size (guest {}..{} frames, host {}..{} "
                                       "frames, buffer at most {} frames)",
                                       query.period.min, query.period.max, caps.period_frames.min,
                                       caps.period_frames.max, buffer.max));
    }
    out.period = {period.min, period.max};
    return out;
}

}  // namespace xensnd::backend::stream
