// Log lines: the context names where it happened, the level threshold filters, and the sink
// receives whole lines.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/log/log.hpp"

using namespace xensnd;

namespace {
struct Captured {
    std::vector<std::pair<log::Level, std::string>> lines;
    Captured() {
        log::set_sink([this](log::Level l, std::string_view line) {
            lines.emplace_back(l, std::string(line));
        });
    }
    ~Captured() {
        log::set_sink({});
        log::set_level(log::Level::Info);
    }
};
}  // namespace

TEST_CASE("a line carries the device context and the formatted cause") {
    Captured cap;
    log::Logger device("dom5 vsnd0");
    device.child("0/1").error("WRITE beyond buffer of {} bytes: {}", 65536, "-EINVAL");
    REQUIRE(cap.lines.size() == 1);
    CHECK(cap.lines[0].first == log::Level::Error);
    CHECK(cap.lines[0].second == "dom5 vsnd0 0/1: WRITE beyond buffer of 65536 bytes: -EINVAL");
}

TEST_CASE("lines below the threshold are dropped") {
    Captured cap;
    log::Logger l("backend");
    l.debug("hidden at the default level");
    CHECK(cap.lines.empty());
    log::set_level(log::Level::Debug);
    l.debug("now shown");
    log::set_level(log::Level::Error);
    l.warning("hidden again");
    l.error("errors always pass");
    REQUIRE(cap.lines.size() == 2);
    CHECK(cap.lines[0].second == "backend: now shown");
    CHECK(cap.lines[1].second == "backend: errors always pass");
}

TEST_CASE("level names parse both ways and reject anything else") {
    CHECK(log::parse_level("debug") == log::Level::Debug);
    CHECK(log::parse_level("warn") == log::Level::Warning);
    CHECK(log::parse_level("warning") == log::Level::Warning);
    CHECK_FALSE(log::parse_level("verbose").has_value());
    CHECK_FALSE(log::parse_level("").has_value());
    for (auto l : {log::Level::Error, log::Level::Warning, log::Level::Info, log::Level::Debug})
        CHECK(log::parse_level(log::to_string(l)) == l);
}
