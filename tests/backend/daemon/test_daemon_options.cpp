// The daemon's command line: every option, errors naming the option and value at fault, and
// the --help and --version texts.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "backend/daemon/daemon_options.hpp"

using namespace xensnd;
using namespace xensnd::backend::daemon;

namespace {

struct Parsed {
    Result<DaemonOptions> result;
    std::string message;
};

Parsed parse(std::initializer_list<const char*> args) {
    std::vector<const char*> argv{"xensnd-backend"};
    argv.insert(argv.end(), args);
    Parsed p{Err(EINVAL), {}};
    p.result = parse_daemon_options(argv, &p.message);
    return p;
}

// The error message of a command line that must be refused.
std::string error_of(std::initializer_list<const char*> args) {
    auto p = parse(args);
    CHECK_FALSE(p.result);
    CHECK(p.result.errno_value() == EINVAL);
    return p.message;
}

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("no options: nothing chosen, everything left to the configuration") {
    auto p = parse({});
    REQUIRE(p.result);
    CHECK_FALSE(p.result->help);
    CHECK_FALSE(p.result->version);
    CHECK_FALSE(p.result->config_path.has_value());
    CHECK_FALSE(p.result->platform.has_value());
    CHECK_FALSE(p.result->log_level.has_value());
    CHECK_FALSE(p.result->default_endpoint.has_value());
    CHECK_FALSE(p.result->ready_fd.has_value());
    CHECK_FALSE(p.result->check_config);
}

TEST_CASE("every option is read, in both spellings of a value") {
    auto p =
        parse({"--config", "/etc/x.toml", "--platform=loopback", "--log-level", "debug",
               "--default-endpoint", "wav:/tmp/{domid}.wav", "--ready-fd=5", "--check-config"});
    INFO(p.message);
    REQUIRE(p.result);
    CHECK(p.result->config_path == std::optional<std::string>("/etc/x.toml"));
    CHECK(p.result->platform == platform::PlatformKind::Loopback);
    CHECK(p.result->log_level == log::Level::Debug);
    CHECK(p.result->default_endpoint == std::optional<std::string>("wav:/tmp/{domid}.wav"));
    CHECK(p.result->ready_fd == std::optional<int>(5));
    CHECK(p.result->check_config);

    auto q = parse({"-c", "a.toml", "--platform", "xen", "--log-level=warning"});
    REQUIRE(q.result);
    CHECK(q.result->config_path == std::optional<std::string>("a.toml"));
    CHECK(q.result->platform == platform::PlatformKind::Xen);
    CHECK(q.result->log_level == log::Level::Warning);
}

TEST_CASE("bad values are refused, naming the option and the value") {
    CHECK(error_of({"--platform", "kvm"}) ==
          "--platform: 'kvm' is not a platform (xen or loopback)");
    CHECK(error_of({"--log-level", "loud"}) ==
          "--log-level: 'loud' is not a log level (error, warning, info or debug)");
    CHECK(error_of({"--ready-fd", "three"}) ==
          "--ready-fd: 'three' is not a file descriptor number");
    CHECK(error_of({"--ready-fd", "-1"}) == "--ready-fd: '-1' is not a file descriptor number");
    CHECK(error_of({"--ready-fd", "99999999999"}) ==
          "--ready-fd: '99999999999' is not a file descriptor number");
    CHECK(error_of({"--config", ""}) == "--config: empty file name");
    CHECK(contains(error_of({"--default-endpoint="}), "--default-endpoint"));
}

TEST_CASE("unknown options, stray arguments and missing values are refused by name") {
    CHECK(contains(error_of({"--verbose"}), "--verbose"));
    CHECK(contains(error_of({"extra"}), "extra"));
    CHECK(contains(error_of({"--log-level"}), "--log-level"));
    CHECK(contains(error_of({"--platform"}), "--platform"));
}

TEST_CASE("--help gives the usage with every option and the readiness signal") {
    auto p = parse({"--help"});
    REQUIRE(p.result);
    CHECK(p.result->help);
    CHECK(p.message == daemon_help_text());
    for (const char* option : {"--config", "--platform", "--log-level", "--default-endpoint",
                               "--ready-fd", "--check-config", "--version", "--help"}) {
        CAPTURE(option);
        CHECK(contains(p.message, option));
    }
    CHECK(contains(p.message, "/etc/xensnd/backend.toml"));
    CHECK(contains(p.message, "ready"));
    CHECK(contains(p.message, "SIGTERM"));
    // -h is the same, and wins over the other options.
    auto h = parse({"--platform", "xen", "-h"});
    REQUIRE(h.result);
    CHECK(h.result->help);
}

TEST_CASE("--version gives the program and the project's version") {
    auto p = parse({"--version"});
    REQUIRE(p.result);
    CHECK(p.result->version);
    CHECK(p.message == std::string("xensnd-backend ") + XENSND_VERSION + "\n");
    CHECK(p.message == daemon_version_text());
}
