// Routing: which host endpoint serves a guest's stream. The daemon's configuration lists rules,
// each matching some of (frontend domain, vsnd device, stream unique-id, direction) and naming
// an endpoint; the first rule that matches a stream wins, and a stream no rule matches goes to
// the default endpoint. Pure: the daemon asks once per stream, when its frontend connects.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "backend/audio/endpoint.hpp"
#include "core/config/vsnd_config.hpp"
#include "core/platform/domain.hpp"

namespace xensnd::backend::daemon {

// One [[route]] table. An unset key matches anything, so a rule with no keys catches every
// stream that reaches it.
struct RouteRule {
    std::optional<platform::DomId> domain{};
    std::optional<unsigned> device{};
    std::optional<std::string> unique_id{};
    std::optional<audio::Direction> direction{};
    audio::EndpointSpec endpoint{};
    std::string origin{};  // where it was written ("backend.toml:12"), for log lines

    bool operator==(const RouteRule&) const = default;
};

struct Routing {
    audio::EndpointSpec default_endpoint{audio::EndpointSpec::Kind::Alsa, "default"};
    std::vector<RouteRule> rules;

    bool operator==(const Routing&) const = default;
};

// The stream being routed, as the backend knows it once its frontend has connected.
struct StreamIdentity {
    platform::DomId domain = 0;
    unsigned device = 0;
    std::string unique_id;  // empty when the frontend's directory has none
    audio::Direction direction = audio::Direction::Playback;
};

StreamIdentity stream_identity(platform::DomId domain, unsigned device,
                               const config::StreamConfig& stream);

struct Route {
    audio::EndpointSpec endpoint;
    std::optional<std::size_t> rule;  // index of the matching rule; nullopt: the default
};

bool matches(const RouteRule& rule, const StreamIdentity& stream);
Route route_stream(const Routing& routing, const StreamIdentity& stream);

// "route #2 (backend.toml:12)" or "the default route", for the log line naming the choice.
std::string describe(const Routing& routing, const Route& route);

}  // namespace xensnd::backend::daemon
