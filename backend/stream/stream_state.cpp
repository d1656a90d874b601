#include "backend/stream/stream_state.hpp"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "backend/stream/hw_query.hpp"
#include "core/protocol/page_directory.hpp"
#include "core/protocol/pcm_format.hpp"
#include "core/protocol/request_checks.hpp"

namespace xensnd::backend::stream {

struct StreamState::Open {
    audio::PcmParams params;
    std::uint32_t buffer_bytes = 0;
    // Declared before the host and the engine: destroyed after them.
    std::unique_ptr<platform::MappedPages> buffer;
    std::optional<audio::SoftVolume> volume;  // set at OPEN, before the engine
    std::unique_ptr<audio::HostPcm> host;
    std::optional<DmaEngine> engine;
    bool pause_emulated = false;  // PAUSE stopped the host (it cannot pause)

    std::byte* bytes() const { return static_cast<std::byte*>(buffer->data()); }
};

namespace {

Err refuse(std::string* why, std::string text, int e = EINVAL) {
    *why = std::move(text);
    return Err(e);
}

// "WRITE", "HW_PARAM_QUERY": the header's names, as an operator searches for them.
std::string operation_label(std::uint8_t operation) {
    if (sndif::operation_name(operation) == "unknown")
        return fmt::format("operation {}", operation);
    std::string s(sndif::operation_name(operation));
    for (char& c : s)
        c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return s;
}

std::string describe(const std::error_code& e) {
    return fmt::format("{} ({})", e.message(), errno_name(e.value()));
}

}  // namespace

std::string errno_name(int e) {
    const char* name = ::strerrorname_np(e);
    if (name == nullptr) return fmt::format("-errno {}", e);
    return fmt::format("-{}", name);
}

StreamState::StreamState(const StreamEnv& env) : env_(&env), refusals_(env.log) {
    if (env.config == nullptr || env.grants == nullptr) bug("StreamState: incomplete StreamEnv");
}

StreamState::~StreamState() = default;

audio::HostPcm* StreamState::host() {
    return open_ ? open_->host.get() : nullptr;
}

DmaEngine* StreamState::engine() {
    return open_ ? &*open_->engine : nullptr;
}

const audio::SoftVolume* StreamState::volume() const {
    return open_ ? &*open_->volume : nullptr;
}

const audio::PcmParams* StreamState::params() const {
    return open_ ? &open_->params : nullptr;
}

void StreamState::fold_counters() {
    if (!open_) return;
    folded_frames_ += open_->engine->frames();
    folded_underrun_ += open_->engine->underrun_frames();
    folded_xruns_ += open_->host->counters().host_xruns;
}

void StreamState::close() {
    fold_counters();
    // The host first (it may still be draining into the device), then the buffer mapping.
    if (open_) {
        open_->engine.reset();
        open_->host.reset();
    }
    open_.reset();
    run_ = RunState::Closed;
}

const StreamStats& StreamState::stats() {
    stats_.frames = folded_frames_;
    stats_.underrun_frames = folded_underrun_;
    stats_.host_xruns = folded_xruns_;
    if (open_) {
        stats_.frames += open_->engine->frames();
        stats_.underrun_frames += open_->engine->underrun_frames();
        stats_.host_xruns += open_->host->counters().host_xruns;
    }
    return stats_;
}

Handled StreamState::handle(const sndif::Request& req) {
    ++stats_.requests;
    Handled h;
    std::string why;
    Result<void> r = ok();
    switch (req.operation) {
        case XENSND_OP_OPEN:
            h.drop_events = h.pump_changed = true;
            r = open(req.op.open, &why);
            break;
        case XENSND_OP_CLOSE:
            h.drop_events = h.pump_changed = true;
            close();
            break;
        case XENSND_OP_WRITE:
        case XENSND_OP_READ: {
            const bool write = req.operation == XENSND_OP_WRITE;
            const auto& rw = req.op.rw;
            if (!open_) {
                r = refuse(&why, "before OPEN");
            } else if ((open_->params.direction == audio::Direction::Playback) != write) {
                r = refuse(&why, fmt::format("on a {} stream", write ? "capture" : "playback"));
            } else if (!sndif::check_buffer_range(rw.offset, rw.length, open_->buffer_bytes)) {
                r = refuse(&why, fmt::format("offset {} + length {} beyond buffer of {} bytes",
                                             rw.offset, rw.length, open_->buffer_bytes));
            } else if (write) {
                open_->engine->guest_wrote(rw.offset, rw.length);
            }
            break;
        }
        case XENSND_OP_TRIGGER:
            h.pump_changed = true;
            r = trigger(req.op.trigger.type, &why);
            break;
        case XENSND_OP_SET_VOLUME:
        case XENSND_OP_GET_VOLUME:
        case XENSND_OP_MUTE:
        case XENSND_OP_UNMUTE:
            r = volume_op(req, &why);
            break;
        case XENSND_OP_HW_PARAM_QUERY: {
            if (!env_->capabilities) {
                r = refuse(&why, "no host endpoint", ENODEV);
                break;
            }
            std::string host_why;
            auto caps = env_->capabilities(&host_why);
            if (!caps) {
                r = refuse(&why, fmt::format("host endpoint: {}", host_why), caps.errno_value());
                break;
            }
            auto answer = answer_hw_query(env_->config->hw, *caps, req.op.hw_param, &why);
            if (!answer) {
                r = Err(answer.error());
                break;
            }
            h.response = sndif::make_response(req, 0);
            h.response.resp.hw_param = *answer;
            return h;
        }
        default:
            r = refuse(&why, "is not a sndif operation", EOPNOTSUPP);
            break;
    }
    int status = 0;
    if (!r) {
        status = -r.errno_value();
        ++stats_.refused;
        refusals_.refused(fmt::format("{} {}: {}", operation_label(req.operation), why,
                                      errno_name(r.errno_value())));
    }
    h.response = sndif::make_response(req, status);
    return h;
}

Result<void> StreamState::open(const xensnd_open_req& req, std::string* why) {
    // An OPEN on an open stream is CLOSE + OPEN: Linux re-opens without CLOSE after it ended
    // the old buffer's grants. The old host and mapping go before anything new is mapped.
    close();

    const auto& cfg = env_->config->hw;
    const std::uint32_t max_buffer = std::min<std::uint32_t>(cfg.buffer_bytes, kMaxBufferBytes);
    const sndif::PcmFormat* format = sndif::find_pcm_format(req.pcm_format);
    if (format == nullptr) return refuse(why, fmt::format("format {} unknown", req.pcm_format));
    const auto frame = sndif::bytes_per_frame(req.pcm_format, req.pcm_channels);
    if (req.pcm_channels == 0) return refuse(why, "with 0 channels");
    if (!frame) return refuse(why, fmt::format("format {} has no fixed frame size", format->name));
    if (!cfg.has_format(req.pcm_format))
        return refuse(why, fmt::format("format {} not configured", format->name));
    if (!cfg.rates.contains(req.pcm_rate))
        return refuse(why, fmt::format("rate {} Hz not configured", req.pcm_rate));
    if (!cfg.channels.contains(req.pcm_channels))
        return refuse(why, fmt::format("{} channels outside the configured {}..{}",
                                       req.pcm_channels, cfg.channels.min, cfg.channels.max));
    if (req.buffer_sz == 0 || req.buffer_sz > max_buffer)
        return refuse(why,
                      fmt::format("buffer_sz {} outside 1..{} bytes", req.buffer_sz, max_buffer));
    if (req.buffer_sz % *frame != 0)
        return refuse(why, fmt::format("buffer_sz {} not a whole number of {}-byte frames",
                                       req.buffer_sz, *frame));
    if (req.period_sz == 0) return refuse(why, "period_sz 0 (CUR_POS events need a period)");
    if (req.period_sz > req.buffer_sz || req.period_sz < *frame)
        return refuse(why, fmt::format("period_sz {} outside one frame ({} bytes)..buffer_sz {}",
                                       req.period_sz, *frame, req.buffer_sz));
    if (!sndif::check_open_request(req, max_buffer)) return refuse(why, "malformed");

    if (!env_->capabilities || !env_->open_host) return refuse(why, "no host endpoint", ENODEV);
    std::string host_why;
    auto caps = env_->capabilities(&host_why);
    if (!caps) return refuse(why, fmt::format("host endpoint: {}", host_why), caps.errno_value());
    if (!(caps->formats & sndif::format_bit(req.pcm_format)))
        return refuse(why, fmt::format("format {} not supported by the host", format->name));
    if (req.pcm_rate < caps->rates.min || req.pcm_rate > caps->rates.max)
        return refuse(why, fmt::format("rate {} Hz outside the host's {}..{}", req.pcm_rate,
                                       caps->rates.min, caps->rates.max));
    if (req.pcm_channels < caps->channels.min || req.pcm_channels > caps->channels.max)
        return refuse(why, fmt::format("{} channels outside the host's {}..{}", req.pcm_channels,
                                       caps->channels.min, caps->channels.max));

    // The directory, one page at a time: each mapping lives only while its page is read.
    std::unique_ptr<platform::MappedPages> directory_page;
    auto map_page = [&](sndif::GrantRef ref) -> Result<const void*> {
        directory_page.reset();
        const platform::GrantRef refs[] = {ref};
        auto mapped = env_->grants->map(env_->frontend, refs, false);
        if (!mapped) return Err(mapped.error());
        directory_page = std::move(*mapped);
        return static_cast<const void*>(directory_page->data());
    };
    auto refs = sndif::read_page_directory(req.gref_directory, req.buffer_sz, max_buffer, map_page);
    directory_page.reset();
    if (!refs)
        return refuse(why,
                      fmt::format("page directory at gref {}: {}", req.gref_directory,
                                  describe(refs.error())),
                      refs.errno_value());

    // Writable for either direction: capture writes frames, GET_VOLUME writes values.
    auto buffer = env_->grants->map(env_->frontend, *refs, true);
    if (!buffer)
        return refuse(
            why, fmt::format("mapping {} buffer pages: {}", refs->size(), describe(buffer.error())),
            buffer.errno_value());
    if ((*buffer)->page_count() * platform::kPageSize < req.buffer_sz)
        return refuse(why, "buffer mapping shorter than buffer_sz", EFAULT);

    auto o = std::make_unique<Open>();
    o->buffer_bytes = req.buffer_sz;
    o->buffer = std::move(*buffer);
    o->params.direction = env_->config->type == config::StreamType::Capture
                              ? audio::Direction::Capture
                              : audio::Direction::Playback;
    o->params.format = req.pcm_format;
    o->params.rate = req.pcm_rate;
    o->params.channels = req.pcm_channels;
    o->params.frame_bytes = *frame;
    o->params.buffer_frames = req.buffer_sz / *frame;
    o->params.period_frames = req.period_sz / *frame;

    auto host = env_->open_host(o->params, &host_why);
    if (!host)
        return refuse(
            why, fmt::format("host PCM: {}", host_why.empty() ? describe(host.error()) : host_why),
            host.errno_value());
    if (!*host) return refuse(why, "host PCM: none opened", EIO);
    auto volume = audio::SoftVolume::create(req.pcm_format, req.pcm_channels);
    if (!volume)
        return refuse(why, fmt::format("format {} has no whole-byte samples", req.pcm_format));
    o->volume.emplace(std::move(*volume));
    o->host = std::move(*host);
    o->engine.emplace(DmaGeometry{o->bytes(), req.buffer_sz, *frame, o->params.period_frames,
                                  o->params.direction, req.pcm_format},
                      &*o->volume);
    open_ = std::move(o);
    run_ = RunState::Stopped;
    ++stats_.opens;
    return ok();
}

Result<void> StreamState::trigger(std::uint8_t type, std::string* why) {
    if (!sndif::check_trigger(xensnd_trigger_req{type}))
        return refuse(why, fmt::format("type {} unknown", type));
    if (!open_) return refuse(why, fmt::format("{} before OPEN", sndif::trigger_name(type)));
    Open& o = *open_;
    auto host_failed = [&](const std::error_code& e) {
        return refuse(why, fmt::format("{}: host PCM: {}", sndif::trigger_name(type), describe(e)),
                      e.value());
    };
    switch (type) {
        case XENSND_OP_TRIGGER_START:
        case XENSND_OP_TRIGGER_RESUME: {
            // START also resumes: Linux re-prepares after a suspend (its PAUSE) and sends START.
            if (run_ == RunState::Running) return ok();
            if (run_ == RunState::Paused && !o.pause_emulated) {
                if (auto r = o.host->pause(false); !r) return host_failed(r.error());
            } else {
                if (auto r = o.engine->start(*o.host); !r) return host_failed(r.error());
            }
            o.pause_emulated = false;
            run_ = RunState::Running;
            return ok();
        }
        case XENSND_OP_TRIGGER_PAUSE: {
            if (run_ != RunState::Running) return ok();
            if (auto r = o.host->pause(true); !r) {
                // A device that cannot pause is stopped; RESUME starts it from the position.
                if (auto s = o.engine->stop(*o.host, DmaEngine::StopKind::Hold); !s)
                    return host_failed(s.error());
                o.pause_emulated = true;
            }
            run_ = RunState::Paused;
            return ok();
        }
        case XENSND_OP_TRIGGER_STOP: {
            if (run_ == RunState::Running || run_ == RunState::Paused) {
                run_ = RunState::Stopped;
                o.pause_emulated = false;
                if (auto r = o.engine->stop(*o.host); !r) return host_failed(r.error());
            }
            return ok();
        }
    }
    return refuse(why, fmt::format("type {} unknown", type));
}

Result<void> StreamState::volume_op(const sndif::Request& req, std::string* why) {
    if (!open_) return refuse(why, "before OPEN");
    Open& o = *open_;
    const auto& rw = req.op.rw;
    if (!sndif::check_buffer_range(rw.offset, rw.length, o.buffer_bytes))
        return refuse(why, fmt::format("offset {} + length {} beyond buffer of {} bytes", rw.offset,
                                       rw.length, o.buffer_bytes));
    const bool is_volume =
        req.operation == XENSND_OP_SET_VOLUME || req.operation == XENSND_OP_GET_VOLUME;
    const std::size_t value_size = is_volume ? sizeof(std::int32_t) : 1;
    const std::size_t need = value_size * o.params.channels;
    if (rw.length < need)
        return refuse(why, fmt::format("length {} shorter than {} channels x {} bytes", rw.length,
                                       o.params.channels, value_size));
    std::byte* at = o.bytes() + rw.offset;
    switch (req.operation) {
        case XENSND_OP_SET_VOLUME: {
            // One copy of the guest's values: it may change them while we look.
            std::vector<std::int32_t> values(o.params.channels);
            std::memcpy(values.data(), at, need);
            (void)o.volume->set_volume(values);  // one value per channel: cannot fail
            break;
        }
        case XENSND_OP_GET_VOLUME: {
            std::memcpy(at, o.volume->volume().data(), need);
            break;
        }
        default: {
            std::vector<std::uint8_t> flags(o.params.channels);
            std::memcpy(flags.data(), at, need);
            (void)o.volume->set_mute(flags, req.operation == XENSND_OP_MUTE);
            break;
        }
    }
    return ok();
}

}  // namespace xensnd::backend::stream
