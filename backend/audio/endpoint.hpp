// Endpoints: where a stream's audio goes on the host, as the daemon's routing names them, and
// what each can do.
//
//   alsa:<pcm name>   any alsa-lib PCM: default, hw:0,0, plughw:1, dmix, pulse, pipewire...
//   wav:<path>        playback: a WAV file sink; capture: a WAV file source (silence after
//                     its end). The path may hold {domid}, {device}, {pcm}, {stream},
//                     {unique-id} and {dir} ("p"/"c"), filled in per stream.
//   null              playback: a sink that discards; capture: silence
//   sine[:<hz>]       capture: a sine tone (default 440 Hz); playback: like null
// The built-in endpoints are paced by CLOCK_MONOTONIC like a real device.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "backend/audio/host_pcm.hpp"
#include "backend/audio/paced_pcm.hpp"
#include "coro/reactor.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::audio {

struct EndpointSpec {
    enum class Kind { Alsa, Wav, Null, Sine };
    Kind kind = Kind::Null;
    std::string target;  // the ALSA PCM name or the WAV path (template)
    double sine_hz = 440.0;
    bool operator==(const EndpointSpec&) const = default;
};

// Parses the spellings above; EINVAL (with `why`) for anything else.
Result<EndpointSpec> parse_endpoint(std::string_view text, std::string* why = nullptr);
std::string to_string(const EndpointSpec& spec);

struct Interval {
    std::uint32_t min = 0;
    std::uint32_t max = 0;
    bool operator==(const Interval&) const = default;
};

// What a host endpoint can do in one direction, in HW_PARAM_QUERY's units.
struct PcmCapabilities {
    std::uint64_t formats = 0;  // bit (1 << XENSND_PCM_FORMAT_*)
    Interval rates;
    Interval channels;
    Interval buffer_frames;
    Interval period_frames;
    bool operator==(const PcmCapabilities&) const = default;
};

// The values filled into a WAV path template for one stream.
struct StreamNames {
    unsigned domid = 0;
    unsigned device = 0;
    unsigned pcm = 0;
    unsigned stream = 0;
    std::string unique_id;
    Direction direction = Direction::Playback;
};

// A guest's unique-id made safe as (part of) one path component: only [A-Za-z0-9._-] are
// kept (anything else becomes '_'), no leading '.', no "..", at most 64 characters, never
// empty. A hostile frontend writes its unique-id itself.
std::string sanitize_unique_id(std::string_view unique_id);

// Fills {domid} {device} {pcm} {stream} {unique-id} {dir} into a WAV path template
// ({unique-id} sanitised, {dir} "p" or "c"). EINVAL with `why` for an unknown or unclosed
// placeholder.
Result<std::string> expand_wav_path(std::string_view path_template, const StreamNames& names,
                                    std::string* why = nullptr);
// Whether a template holds placeholders (its file then differs per stream).
bool has_placeholders(std::string_view path_template);

// Opens host PCMs and caches what each endpoint can do (HW_PARAM_QUERY is answered from the
// cache, never by opening the device per query). One per daemon, reactor thread only.
class Endpoints {
  public:
    explicit Endpoints(coro::Reactor& reactor);
    // Built-in endpoints paced by `timebase` instead of CLOCK_MONOTONIC (tests).
    Endpoints(coro::Reactor& reactor, Timebase timebase);
    ~Endpoints();
    Endpoints(const Endpoints&) = delete;
    Endpoints& operator=(const Endpoints&) = delete;

    // Cached after the first call per (endpoint, direction). For ALSA this probes the PCM once
    // (open, hw_params_any, close); an error (with `why`) if it cannot be opened.
    Result<PcmCapabilities> capabilities(const EndpointSpec& spec, Direction direction,
                                         std::string* why = nullptr);

    // The same for one stream: a WAV source whose path holds placeholders is probed at the
    // stream's own file (the two-argument form refuses it with EINVAL).
    Result<PcmCapabilities> capabilities(const EndpointSpec& spec, const StreamNames& names,
                                         std::string* why = nullptr);
    // Forgets every cached answer (e.g. after the host's devices changed).
    void forget_capabilities();

    // Opens and prepares a host PCM for `params` (non-blocking mode for ALSA). EINVAL when the
    // endpoint cannot do those params, the device's errno otherwise; `why` says which.
    Result<std::unique_ptr<HostPcm>> open(const EndpointSpec& spec, const StreamNames& names,
                                          const PcmParams& params, std::string* why = nullptr);

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace xensnd::backend::audio
