// The endpoint parser the configuration tests hand to the daemon's config reader: the audio
// library's own when the build has it, otherwise a stand-in accepting the same spellings
// (alsa:NAME, wav:PATH, null, sine[:HZ]).
#pragma once

#include <cerrno>
#include <charconv>
#include <string>
#include <string_view>

#include "backend/audio/endpoint.hpp"
#include "coro/result.hpp"

namespace xensnd::test {

inline Result<backend::audio::EndpointSpec> parse_endpoint_text(std::string_view text,
                                                                std::string* why) {
#ifdef XENSND_HAVE_AUDIO
    return backend::audio::parse_endpoint(text, why);
#else
    using Kind = backend::audio::EndpointSpec::Kind;
    auto after = [&](std::string_view prefix) -> std::optional<std::string_view> {
        if (text.substr(0, prefix.size()) == prefix && text.size() > prefix.size()) {
            return text.substr(prefix.size());
        }
        return std::nullopt;
    };
    if (text == "null") return backend::audio::EndpointSpec{Kind::Null, ""};
    if (text == "sine") return backend::audio::EndpointSpec{Kind::Sine, ""};
    if (auto name = after("alsa:"))
        return backend::audio::EndpointSpec{Kind::Alsa, std::string(*name)};
    if (auto path = after("wav:"))
        return backend::audio::EndpointSpec{Kind::Wav, std::string(*path)};
    if (auto hz = after("sine:")) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(hz->data(), hz->data() + hz->size(), v);
        if (ec == std::errc{} && end == hz->data() + hz->size() && v > 0) {
            return backend::audio::EndpointSpec{Kind::Sine, "", static_cast<double>(v)};
        }
    }
    if (why) *why = "not an endpoint (alsa:NAME, wav:PATH, null or sine[:HZ])";
    return Err(EINVAL);
#endif
}

}  // namespace xensnd::test
