// The daemon's TOML configuration file: a good file gives the log level, platform and routing
// it says; every kind of mistake is refused with one line naming the file, line and column.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "backend/daemon/config_file.hpp"
#include "endpoint_text.hpp"

using namespace xensnd;
using namespace xensnd::backend;
using namespace xensnd::backend::daemon;
using Kind = audio::EndpointSpec::Kind;

namespace {

const EndpointParser kParser = test::parse_endpoint_text;

// The error line for `text`, or "(accepted)".
std::string error_of(std::string_view text) {
    std::string why;
    auto r = parse_config(text, "f.toml", kParser, &why);
    if (r) return "(accepted)";
    CHECK(r.errno_value() == EINVAL);
    return why;
}

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

struct TempFile {
    std::string path;
    explicit TempFile(std::string_view content) {
        char name[] = "/tmp/xensnd-config-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path) << content;
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("a complete file gives its settings and its routes in order") {
    constexpr std::string_view text = R"(# comment
[backend]
log-level = "debug"
platform = "loopback"

[routing]
default = "null"

[[route]]
domain = 5
direction = "capture"
endpoint = "sine:1000"

[[route]]
domain = 7
device = 1
direction = "playback"
endpoint = "wav:/tmp/dom{domid}.wav"

[[route]]
unique-id = "music"
endpoint = "alsa:plughw:1"
)";
    std::string why;
    auto r = parse_config(text, "f.toml", kParser, &why);
    INFO(why);
    REQUIRE(r);
    CHECK(r->log_level == log::Level::Debug);
    CHECK(r->platform == platform::PlatformKind::Loopback);
    CHECK(r->routing.default_endpoint.kind == Kind::Null);
    REQUIRE(r->routing.rules.size() == 3);

    const RouteRule& a = r->routing.rules[0];
    CHECK(a.domain == std::optional<platform::DomId>(5));
    CHECK_FALSE(a.device.has_value());
    CHECK_FALSE(a.unique_id.has_value());
    CHECK(a.direction == audio::Direction::Capture);
    CHECK(a.endpoint.kind == Kind::Sine);
    CHECK(a.endpoint.sine_hz == 1000.0);
    CHECK(a.origin == "f.toml:9");

    const RouteRule& b = r->routing.rules[1];
    CHECK(b.domain == std::optional<platform::DomId>(7));
    CHECK(b.device == std::optional<unsigned>(1));
    CHECK(b.direction == audio::Direction::Playback);
    CHECK(b.endpoint.kind == Kind::Wav);
    CHECK(b.endpoint.target == "/tmp/dom{domid}.wav");
    CHECK(b.origin == "f.toml:14");

    const RouteRule& c = r->routing.rules[2];
    CHECK_FALSE(c.domain.has_value());
    CHECK(c.unique_id == std::optional<std::string>("music"));
    CHECK_FALSE(c.direction.has_value());
    CHECK(c.endpoint.kind == Kind::Alsa);
    CHECK(c.endpoint.target == "plughw:1");
}

TEST_CASE("an empty file means the built-in defaults") {
    auto r = parse_config("", "f.toml", kParser);
    REQUIRE(r);
    CHECK_FALSE(r->log_level.has_value());
    CHECK_FALSE(r->platform.has_value());
    CHECK(r->routing.default_endpoint == audio::EndpointSpec{Kind::Alsa, "default"});
    CHECK(r->routing.rules.empty());
}

TEST_CASE("routes written as an inline array of tables are read too") {
    auto r = parse_config("route = [ { domain = 1, endpoint = \"null\" } ]\n", "f.toml", kParser);
    REQUIRE(r);
    REQUIRE(r->routing.rules.size() == 1);
    CHECK(r->routing.rules[0].domain == std::optional<platform::DomId>(1));
}

TEST_CASE("TOML syntax errors name the line") {
    CHECK(starts_with(error_of("[backend]\nlog-level = \"info\"\nplatform = xen\n"), "f.toml:3:"));
    CHECK(starts_with(error_of("[backend\n"), "f.toml:1:"));
    CHECK(starts_with(error_of("[backend]\nlog-level = \"a\"\nlog-level = \"b\"\n"), "f.toml:3:"));
}

TEST_CASE("unknown tables and keys are refused with their position") {
    CHECK(error_of("\n[backnd]\n") ==
          "f.toml:2:2: unknown key 'backnd' (expected [backend], [routing] or [[route]])");
    CHECK(error_of("[backend]\nloglevel = \"info\"\n") ==
          "f.toml:2:1: [backend]: unknown key 'loglevel' (expected log-level or platform)");
    CHECK(error_of("[routing]\n\ndefault-endpoint = \"null\"\n") ==
          "f.toml:3:1: [routing]: unknown key 'default-endpoint' (expected default)");
    CHECK(
        error_of("[[route]]\nendpoint = \"null\"\n[[route]]\ndomian = 3\nendpoint = \"null\"\n") ==
        "f.toml:4:1: route #2: unknown key 'domian' (expected domain, device, unique-id, "
        "direction or endpoint)");
}

TEST_CASE("values of the wrong type are refused with their position") {
    CHECK(error_of("[backend]\nlog-level = 3\n") ==
          "f.toml:2:13: backend.log-level: expected a string, got an integer");
    CHECK(error_of("backend = 1\n") == "f.toml:1:11: [backend]: expected a table, got an integer");
    CHECK(error_of("[[route]]\ndevice = \"one\"\nendpoint = \"null\"\n") ==
          "f.toml:2:10: route #1: device: expected an integer, got a string");
    CHECK(error_of("[[route]]\ndirection = true\nendpoint = \"null\"\n") ==
          "f.toml:2:13: route #1: direction: expected a string, got a boolean");
    CHECK(error_of("[[route]]\nendpoint = 1.5\n") ==
          "f.toml:2:12: route #1: endpoint: expected a string, got a number");
    // A single [route] table instead of an array of them.
    CHECK(starts_with(error_of("[route]\nendpoint = \"null\"\n"),
                      "f.toml:1:1: route: expected an array of tables ([[route]]), got a table"));
    CHECK(starts_with(error_of("route = [1]\n"), "f.toml:1:10: route #1: expected a table"));
}

TEST_CASE("values out of range or not in the list are refused with their position") {
    CHECK(error_of("[backend]\nlog-level = \"loud\"\n") ==
          "f.toml:2:13: backend.log-level: 'loud' is not a log level (error, warning, info or "
          "debug)");
    CHECK(error_of("[backend]\nplatform = \"kvm\"\n") ==
          "f.toml:2:12: backend.platform: 'kvm' is not a platform (xen or loopback)");
    CHECK(error_of("[[route]]\ndomain = 32752\nendpoint = \"null\"\n") ==
          "f.toml:2:10: route #1: domain: 32752 is not a domain id (0..32751)");
    CHECK(error_of("[[route]]\ndevice = -1\nendpoint = \"null\"\n") ==
          "f.toml:2:10: route #1: device: -1 is not a vsnd device index (0..4294967295)");
    CHECK(error_of("[[route]]\ndirection = \"both\"\nendpoint = \"null\"\n") ==
          "f.toml:2:13: route #1: direction: 'both' is not a direction (playback or capture)");
    CHECK(error_of("[[route]]\nunique-id = \"\"\nendpoint = \"null\"\n") ==
          "f.toml:2:13: route #1: unique-id: empty (leave the key out to match any stream)");
    CHECK(error_of("[[route]]\ndomain = \"guest1\"\nendpoint = \"null\"\n") ==
          "f.toml:2:10: route #1: domain: give a domain id (domain names are not supported)");
}

TEST_CASE("a route without an endpoint is refused at its table") {
    CHECK(error_of("[[route]]\nendpoint = \"null\"\n\n[[route]]\ndomain = 4\n") ==
          "f.toml:4:1: route #2: no endpoint (every [[route]] needs endpoint = \"...\")");
}

TEST_CASE("a bad endpoint is refused with its position and the parser's reason") {
    std::string e = error_of("[[route]]\ndomain = 1\nendpoint = \"bogus:x\"\n");
    CHECK(starts_with(e, "f.toml:3:12: route #1: endpoint: bad endpoint 'bogus:x': "));
    CHECK(e.size() >
          std::string("f.toml:3:12: route #1: endpoint: bad endpoint 'bogus:x': ").size());
    CHECK(starts_with(error_of("[routing]\ndefault = \"speaker\"\n"),
                      "f.toml:2:11: routing.default: bad endpoint 'speaker': "));
}

TEST_CASE("hostile content: control characters are escaped and long values cut in errors") {
    std::string e = error_of("[backend]\nlog-level = \"a\\u001b[31mb\"\n");
    CHECK(e.find('\x1b') == std::string::npos);
    CHECK(e.find("\\x1b") != std::string::npos);
    std::string long_value(500, 'x');
    e = error_of("[backend]\nplatform = \"" + long_value + "\"\n");
    CHECK(e.size() < 200);
    CHECK(e.find("...") != std::string::npos);
    // Non-ASCII characters where toml++ 3.3.0 looks for whitespace (it reached
    // __builtin_unreachable on these two bytes: UBSan in the sanitizer tree catches a relapse).
    CHECK(starts_with(error_of("\xc7\x9f"), "f.toml:1:"));
    CHECK(starts_with(error_of("[backend]\xc3\xa9\n"), "f.toml:1:"));
    auto accented = parse_config(
        "[[route]]\nunique-id = \"\xc3\xa9t\xc3\xa9\"\nendpoint = \"null\"\n", "f.toml", kParser);
    REQUIRE(accented);
    CHECK(accented->routing.rules[0].unique_id == std::optional<std::string>("\xc3\xa9t\xc3\xa9"));
    // Control characters are refused where they are, before toml++ sees them ("[\x01" failed
    // one of its assertions).
    CHECK(error_of("[backend]\nlog-level = \"a\x01\"\n") ==
          "f.toml:2:15: control character 0x01 (TOML allows only tab and line breaks)");
    CHECK(starts_with(error_of("[\x01"), "f.toml:1:2: control character 0x01"));
    // Malformed headers toml++ asserts on before refusing them.
    CHECK(starts_with(error_of("[[[u"), "f.toml:1:"));
    // Not TOML at all.
    std::string junk(
        "\x7f"
        "ELF\x02\x01\x01\0\0\0",
        10);
    CHECK(starts_with(error_of(junk), "f.toml:1:"));
}

TEST_CASE("load_config_file reads a file and names it in errors and route origins") {
    TempFile good("[[route]]\ndomain = 2\nendpoint = \"null\"\n");
    std::string why;
    auto r = load_config_file(good.path, kParser, &why);
    INFO(why);
    REQUIRE(r);
    REQUIRE(r->routing.rules.size() == 1);
    CHECK(r->routing.rules[0].origin == good.path + ":1");

    TempFile bad("[backend]\nlog-level = \"x\"\n");
    CHECK(load_config_file(bad.path, kParser, &why).errno_value() == EINVAL);
    CHECK(starts_with(why, bad.path + ":2:13: backend.log-level"));

    CHECK(load_config_file("/nonexistent/xensnd.toml", kParser, &why).errno_value() == ENOENT);
    CHECK(why == "/nonexistent/xensnd.toml: cannot open: No such file or directory");

    CHECK(load_config_file("/tmp", kParser, &why).errno_value() == EISDIR);
    CHECK(starts_with(why, "/tmp: cannot read: "));

    TempFile huge(std::string(kMaxConfigBytes + 10, '#'));
    CHECK(load_config_file(huge.path, kParser, &why).errno_value() == EFBIG);
    CHECK(why.find("larger than") != std::string::npos);
}

TEST_CASE("the shipped example configuration is accepted") {
    std::string why;
    auto r = load_config_file(XENSND_EXAMPLE_CONFIG, kParser, &why);
    INFO(why);
    REQUIRE(r);
    CHECK(r->log_level == log::Level::Info);
    CHECK(r->routing.default_endpoint == audio::EndpointSpec{Kind::Alsa, "default"});
    CHECK(r->routing.rules.size() == 3);
}
