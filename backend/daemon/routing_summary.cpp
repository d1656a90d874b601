#include "backend/daemon/routing_summary.hpp"

#include <fmt/format.h>

namespace xensnd::backend::daemon {

std::string describe_routing(const Routing& routing) {
    std::string out;
    for (std::size_t i = 0; i < routing.rules.size(); ++i) {
        const RouteRule& r = routing.rules[i];
        std::string match;
        auto add = [&](std::string_view part) {
            if (!match.empty()) match += ' ';
            match += part;
        };
        if (r.domain) add(fmt::format("domain={}", *r.domain));
        if (r.device) add(fmt::format("device={}", *r.device));
        if (r.unique_id) add(fmt::format("unique-id={}", *r.unique_id));
        if (r.direction) {
            add(*r.direction == audio::Direction::Playback ? "direction=playback"
                                                           : "direction=capture");
        }
        if (match.empty()) match = "any stream";
        out += fmt::format("route #{} ({}): {} -> {}\n", i + 1, r.origin, match,
                           audio::to_string(r.endpoint));
    }
    out += fmt::format("default -> {}\n", audio::to_string(routing.default_endpoint));
    return out;
}

}  // namespace xensnd::backend::daemon
