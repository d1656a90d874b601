#include "backend/audio/endpoint.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <utility>

#include "backend/audio/alsa_pcm.hpp"
#include "backend/audio/builtin_pcm.hpp"
#include "backend/audio/sample_layout.hpp"
#include "backend/audio/wav_file.hpp"

namespace xensnd::backend::audio {

namespace {

Err fail(std::string* why, std::string text, int e = EINVAL) {
    if (why) *why = std::move(text);
    return Err(e);
}

constexpr double kMaxSineHz = 192000;

}  // namespace

Result<EndpointSpec> parse_endpoint(std::string_view text, std::string* why) {
    EndpointSpec spec;
    if (text.find('\0') != std::string_view::npos) return fail(why, "endpoint holds a NUL byte");
    if (text == "null") {
        spec.kind = EndpointSpec::Kind::Null;
        return spec;
    }
    if (text == "sine") {
        spec.kind = EndpointSpec::Kind::Sine;
        return spec;
    }
    auto colon = text.find(':');
    std::string_view kind = text.substr(0, colon);
    std::string_view rest =
        colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    if (colon != std::string_view::npos && kind == "sine") {
        double hz = 0;
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), hz);
        if (ec != std::errc{} || end != rest.data() + rest.size() || !std::isfinite(hz) ||
            hz <= 0 || hz > kMaxSineHz)
            return fail(why, "bad sine frequency '" + std::string(rest) +
                                 "': expected a number of Hz in (0, 192000]");
        spec.kind = EndpointSpec::Kind::Sine;
        spec.sine_hz = hz;
        return spec;
    }
    if (colon != std::string_view::npos && kind == "alsa") {
        if (rest.empty()) return fail(why, "empty ALSA PCM name in 'alsa:'");
        spec.kind = EndpointSpec::Kind::Alsa;
        spec.target = std::string(rest);
        return spec;
    }
    if (colon != std::string_view::npos && kind == "wav") {
        if (rest.empty()) return fail(why, "empty WAV path in 'wav:'");
        spec.kind = EndpointSpec::Kind::Wav;
        spec.target = std::string(rest);
        return spec;
    }
    return fail(why, "unknown endpoint '" + std::string(text) +
                         "': expected alsa:<pcm>, wav:<path>, null or sine[:<hz>]");
}

std::string to_string(const EndpointSpec& spec) {
    switch (spec.kind) {
        case EndpointSpec::Kind::Alsa:
            return "alsa:" + spec.target;
        case EndpointSpec::Kind::Wav:
            return "wav:" + spec.target;
        case EndpointSpec::Kind::Null:
            return "null";
        case EndpointSpec::Kind::Sine: {
            if (spec.sine_hz == 440.0) return "sine";
            char buf[64];
            // Shortest spelling that parses back to the same double.
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf, spec.sine_hz);
            if (ec != std::errc{}) return "sine";
            return "sine:" + std::string(buf, end);
        }
    }
    return "null";
}

std::string sanitize_unique_id(std::string_view id) {
    constexpr std::size_t kMax = 64;
    std::string out;
    for (char c : id.substr(0, kMax)) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
        // No leading '.' (".", "..", hidden files) and no ".." anywhere.
        if (c == '.' && (out.empty() || out.back() == '.')) keep = false;
        out.push_back(keep ? c : '_');
    }
    if (out.empty()) out = "_";
    return out;
}

bool has_placeholders(std::string_view t) {
    return t.find('{') != std::string_view::npos;
}

Result<std::string> expand_wav_path(std::string_view t, const StreamNames& names,
                                    std::string* why) {
    std::string out;
    std::size_t pos = 0;
    while (pos < t.size()) {
        auto open = t.find('{', pos);
        if (open == std::string_view::npos) {
            out.append(t.substr(pos));
            break;
        }
        out.append(t.substr(pos, open - pos));
        auto close = t.find('}', open);
        if (close == std::string_view::npos)
            return fail(why, "unclosed '{' in WAV path '" + std::string(t) + "'");
        std::string_view key = t.substr(open + 1, close - open - 1);
        if (key == "domid")
            out += std::to_string(names.domid);
        else if (key == "device")
            out += std::to_string(names.device);
        else if (key == "pcm")
            out += std::to_string(names.pcm);
        else if (key == "stream")
            out += std::to_string(names.stream);
        else if (key == "unique-id")
            out += sanitize_unique_id(names.unique_id);
        else if (key == "dir")
            out += names.direction == Direction::Playback ? "p" : "c";
        else
            return fail(why, "unknown placeholder '{" + std::string(key) + "}' in WAV path '" +
                                 std::string(t) +
                                 "' (known: {domid} {device} {pcm} {stream} "
                                 "{unique-id} {dir})");
        pos = close + 1;
    }
    return out;
}

// ---- Endpoints

struct Endpoints::Impl {
    coro::Reactor& reactor;
    Timebase timebase;
    std::map<std::pair<std::string, Direction>, PcmCapabilities> cache;
};

Endpoints::Endpoints(coro::Reactor& reactor) : Endpoints(reactor, Timebase::monotonic()) {}

Endpoints::Endpoints(coro::Reactor& reactor, Timebase timebase)
    : impl_(std::make_unique<Impl>(Impl{reactor, std::move(timebase), {}})) {}

Endpoints::~Endpoints() = default;

void Endpoints::forget_capabilities() {
    impl_->cache.clear();
}

namespace {

Result<PcmCapabilities> compute_capabilities(const EndpointSpec& spec, Direction direction,
                                             const std::string& wav_path, std::string* why) {
    switch (spec.kind) {
        case EndpointSpec::Kind::Alsa:
            return probe_alsa_capabilities(spec.target, direction, why);
        case EndpointSpec::Kind::Wav:
            if (direction == Direction::Playback) return builtin_capabilities(wav_formats_mask());
            return wav_source_capabilities(wav_path, why);
        case EndpointSpec::Kind::Null:
        case EndpointSpec::Kind::Sine:
            return builtin_capabilities(linear_formats_mask());
    }
    return fail(why, "unknown endpoint kind");
}

}  // namespace

Result<PcmCapabilities> Endpoints::capabilities(const EndpointSpec& spec, Direction direction,
                                                std::string* why) {
    if (spec.kind == EndpointSpec::Kind::Wav && direction == Direction::Capture &&
        has_placeholders(spec.target))
        return fail(why, "the WAV source '" + spec.target +
                             "' depends on the stream: ask with the stream's names");
    auto key = std::make_pair(to_string(spec), direction);
    if (auto it = impl_->cache.find(key); it != impl_->cache.end()) return it->second;
    auto caps = compute_capabilities(spec, direction, spec.target, why);
    if (caps) impl_->cache.emplace(key, *caps);  // errors are not cached: a busy device frees up
    return caps;
}

Result<PcmCapabilities> Endpoints::capabilities(const EndpointSpec& spec, const StreamNames& names,
                                                std::string* why) {
    if (spec.kind != EndpointSpec::Kind::Wav || names.direction != Direction::Capture ||
        !has_placeholders(spec.target))
        return capabilities(spec, names.direction, why);
    auto path = expand_wav_path(spec.target, names, why);
    if (!path) return Err(path.error());
    auto key = std::make_pair("wav:" + *path, names.direction);
    if (auto it = impl_->cache.find(key); it != impl_->cache.end()) return it->second;
    auto caps = compute_capabilities(spec, names.direction, *path, why);
    if (caps) impl_->cache.emplace(key, *caps);
    return caps;
}

Result<std::unique_ptr<HostPcm>> Endpoints::open(const EndpointSpec& spec, const StreamNames& names,
                                                 const PcmParams& params, std::string* why) {
    if (params.direction != names.direction)
        return fail(why, "stream names and params disagree on the direction");
    auto upcast = [](Result<std::unique_ptr<PacedPcm>> r) -> Result<std::unique_ptr<HostPcm>> {
        if (!r) return Err(r.error());
        return std::unique_ptr<HostPcm>(std::move(*r));
    };
    switch (spec.kind) {
        case EndpointSpec::Kind::Alsa:
            return open_alsa_pcm(spec.target, params, why);
        case EndpointSpec::Kind::Wav: {
            auto path = expand_wav_path(spec.target, names, why);
            if (!path) return Err(path.error());
            if (params.direction == Direction::Playback)
                return upcast(open_wav_sink(*path, params, impl_->timebase, why));
            return upcast(open_wav_source(*path, params, impl_->timebase, why));
        }
        case EndpointSpec::Kind::Null:
            return upcast(open_null(params, impl_->timebase, why));
        case EndpointSpec::Kind::Sine:
            return upcast(open_sine(spec.sine_hz, params, impl_->timebase, why));
    }
    return fail(why, "unknown endpoint kind");
}

}  // namespace xensnd::backend::audio
