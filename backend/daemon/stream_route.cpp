#include "backend/daemon/stream_route.hpp"

#include <fmt/format.h>

namespace xensnd::backend::daemon {

StreamIdentity stream_identity(platform::DomId domain, unsigned device,
                               const config::StreamConfig& stream) {
    return StreamIdentity{
        .domain = domain,
        .device = device,
        .unique_id = stream.unique_id,
        .direction = stream.type == config::StreamType::Capture ? audio::Direction::Capture
                                                                : audio::Direction::Playback,
    };
}

bool matches(const RouteRule& rule, const StreamIdentity& stream) {
    if (rule.domain && *rule.domain != stream.domain) return false;
    if (rule.device && *rule.device != stream.device) return false;
    // A stream without a unique-id never matches a rule that asks for one.
    if (rule.unique_id && *rule.unique_id != stream.unique_id) return false;
    if (rule.direction && *rule.direction != stream.direction) return false;
    return true;
}

Route route_stream(const Routing& routing, const StreamIdentity& stream) {
    for (std::size_t i = 0; i < routing.rules.size(); ++i) {
        if (matches(routing.rules[i], stream)) return Route{routing.rules[i].endpoint, i};
    }
    return Route{routing.default_endpoint, std::nullopt};
}

std::string describe(const Routing& routing, const Route& route) {
    if (!route.rule) return "the default route";
    std::string out = fmt::format("route #{}", *route.rule + 1);
    if (*route.rule < routing.rules.size() && !routing.rules[*route.rule].origin.empty()) {
        out += fmt::format(" ({})", routing.rules[*route.rule].origin);
    }
    return out;
}

}  // namespace xensnd::backend::daemon
