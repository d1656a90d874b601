// Routing a stream to a host endpoint: the first matching rule wins, each match key narrows a
// rule, and a stream no rule matches goes to the default endpoint.
#include <doctest/doctest.h>

#include "backend/daemon/stream_route.hpp"

using namespace xensnd;
using namespace xensnd::backend;
using namespace xensnd::backend::daemon;
using Kind = audio::EndpointSpec::Kind;

namespace {

audio::EndpointSpec alsa(std::string name) {
    return {Kind::Alsa, std::move(name)};
}

StreamIdentity stream(platform::DomId dom, unsigned device, std::string uid,
                      audio::Direction dir = audio::Direction::Playback) {
    return StreamIdentity{dom, device, std::move(uid), dir};
}

}  // namespace

TEST_CASE("no rules: every stream goes to the default endpoint") {
    Routing routing;
    CHECK(routing.default_endpoint == alsa("default"));
    auto r = route_stream(routing, stream(3, 0, ""));
    CHECK(r.endpoint == alsa("default"));
    CHECK_FALSE(r.rule.has_value());
    CHECK(describe(routing, r) == "the default route");
}

TEST_CASE("the first matching rule wins, even when a later one is more specific") {
    Routing routing;
    routing.rules.push_back({.domain = 5, .endpoint = alsa("first"), .origin = "f.toml:3"});
    routing.rules.push_back(
        {.domain = 5, .device = 1, .endpoint = alsa("second"), .origin = "f.toml:7"});
    auto r = route_stream(routing, stream(5, 1, ""));
    CHECK(r.endpoint == alsa("first"));
    REQUIRE(r.rule.has_value());
    CHECK(*r.rule == 0);
    CHECK(describe(routing, r) == "route #1 (f.toml:3)");
}

TEST_CASE("a rule matches only when all of its keys match") {
    Routing routing;
    routing.default_endpoint = {Kind::Null, ""};
    routing.rules.push_back({.domain = 5,
                             .device = 1,
                             .unique_id = "mic",
                             .direction = audio::Direction::Capture,
                             .endpoint = {Kind::Sine, "", 1000.0}});
    auto hit = stream(5, 1, "mic", audio::Direction::Capture);
    CHECK(route_stream(routing, hit).endpoint.kind == Kind::Sine);
    CHECK(route_stream(routing, hit).endpoint.sine_hz == 1000.0);

    auto miss = hit;
    miss.domain = 6;
    CHECK(route_stream(routing, miss).endpoint.kind == Kind::Null);
    miss = hit;
    miss.device = 0;
    CHECK(route_stream(routing, miss).endpoint.kind == Kind::Null);
    miss = hit;
    miss.unique_id = "mic2";
    CHECK(route_stream(routing, miss).endpoint.kind == Kind::Null);
    miss = hit;
    miss.direction = audio::Direction::Playback;
    CHECK(route_stream(routing, miss).endpoint.kind == Kind::Null);
}

TEST_CASE("a rule asking for a unique-id never matches a stream without one") {
    Routing routing;
    routing.rules.push_back({.unique_id = "music", .endpoint = alsa("hw:1")});
    CHECK(route_stream(routing, stream(1, 0, "music")).endpoint == alsa("hw:1"));
    CHECK(route_stream(routing, stream(1, 0, "")).endpoint == alsa("default"));
}

TEST_CASE("a rule without keys catches every stream that reaches it") {
    Routing routing;
    routing.rules.push_back({.direction = audio::Direction::Capture, .endpoint = alsa("mic")});
    routing.rules.push_back({.endpoint = alsa("catch-all")});
    CHECK(route_stream(routing, stream(9, 4, "x", audio::Direction::Capture)).endpoint ==
          alsa("mic"));
    auto r = route_stream(routing, stream(9, 4, "x"));
    CHECK(r.endpoint == alsa("catch-all"));
    CHECK(r.rule == std::optional<std::size_t>(1));
}

TEST_CASE("a stream's identity comes from its XenStore configuration") {
    config::StreamConfig cfg;
    cfg.type = config::StreamType::Capture;
    cfg.unique_id = "0";
    auto id = stream_identity(7, 2, cfg);
    CHECK(id.domain == 7);
    CHECK(id.device == 2);
    CHECK(id.unique_id == "0");
    CHECK(id.direction == audio::Direction::Capture);
    cfg.type = config::StreamType::Playback;
    CHECK(stream_identity(7, 2, cfg).direction == audio::Direction::Playback);
}
