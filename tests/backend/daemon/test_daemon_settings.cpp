// What the daemon runs with: the configuration file the options name (or the default path, or
// the built-in defaults), the command line laid over it, and the platform's precedence.
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "backend/daemon/daemon_settings.hpp"
#include "endpoint_text.hpp"

using namespace xensnd;
using namespace xensnd::backend;
using namespace xensnd::backend::daemon;
using platform::PlatformKind;
using Kind = audio::EndpointSpec::Kind;

namespace {

const EndpointParser kParser = test::parse_endpoint_text;

struct TempFile {
    std::string path;
    explicit TempFile(std::string_view content) {
        char name[] = "/tmp/xensnd-settings-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = name;
        std::ofstream(path) << content;
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

constexpr std::string_view kFile = R"([backend]
log-level = "warning"
platform = "xen"
[routing]
default = "null"
[[route]]
domain = 3
endpoint = "sine"
)";

}  // namespace

TEST_CASE("without --config and without the default file: the built-in defaults") {
    std::string why;
    auto s = load_daemon_settings({}, kParser, &why, "/nonexistent/backend.toml");
    INFO(why);
    REQUIRE(s);
    CHECK(s->config_source == "built-in defaults");
    CHECK(s->log_level == log::Level::Info);
    CHECK_FALSE(s->file_platform.has_value());
    CHECK(s->routing == Routing{});
}

TEST_CASE("without --config the default file is read when it exists") {
    TempFile file(kFile);
    auto s = load_daemon_settings({}, kParser, nullptr, file.path);
    REQUIRE(s);
    CHECK(s->config_source == file.path);
    CHECK(s->log_level == log::Level::Warning);
    CHECK(s->file_platform == PlatformKind::Xen);
    CHECK(s->routing.default_endpoint.kind == Kind::Null);
    CHECK(s->routing.rules.size() == 1);
}

TEST_CASE("--config names the file; a missing one is an error, not the defaults") {
    TempFile file(kFile);
    DaemonOptions o;
    o.config_path = file.path;
    auto s = load_daemon_settings(o, kParser, nullptr, "/nonexistent/backend.toml");
    REQUIRE(s);
    CHECK(s->routing.rules.size() == 1);

    o.config_path = "/nonexistent/mine.toml";
    std::string why;
    CHECK(load_daemon_settings(o, kParser, &why).errno_value() == ENOENT);
    CHECK(why.find("/nonexistent/mine.toml") != std::string::npos);
}

TEST_CASE("the command line overrides the file") {
    TempFile file(kFile);
    DaemonOptions o;
    o.config_path = file.path;
    o.log_level = log::Level::Debug;
    o.platform = PlatformKind::Loopback;
    o.default_endpoint = "alsa:hw:2";
    auto s = load_daemon_settings(o, kParser);
    REQUIRE(s);
    CHECK(s->log_level == log::Level::Debug);
    CHECK(s->cli_platform == PlatformKind::Loopback);
    CHECK(s->routing.default_endpoint == audio::EndpointSpec{Kind::Alsa, "hw:2"});
    CHECK(s->routing.rules.size() == 1);  // the file's routes stay
}

TEST_CASE("a bad --default-endpoint is refused by name") {
    DaemonOptions o;
    o.default_endpoint = "speaker";
    std::string why;
    CHECK(load_daemon_settings(o, kParser, &why, "/nonexistent/b.toml").errno_value() == EINVAL);
    CHECK(why.rfind("--default-endpoint: bad endpoint 'speaker': ", 0) == 0);
}

TEST_CASE("platform: --platform, then XENSND_PLATFORM, then the file, then /dev/xen") {
    DaemonSettings s;
    s.file_platform = PlatformKind::Xen;
    s.cli_platform = PlatformKind::Loopback;
    CHECK(resolve_daemon_platform(s, "xen", true).value() == PlatformKind::Loopback);

    s.cli_platform.reset();
    CHECK(resolve_daemon_platform(s, "loopback", true).value() == PlatformKind::Loopback);
    s.file_platform = PlatformKind::Loopback;
    CHECK(resolve_daemon_platform(s, "xen", false).value() == PlatformKind::Xen);
    // Set but empty counts as unset.
    CHECK(resolve_daemon_platform(s, "", true).value() == PlatformKind::Loopback);
    CHECK(resolve_daemon_platform(s, std::nullopt, true).value() == PlatformKind::Loopback);

    s.file_platform.reset();
    CHECK(resolve_daemon_platform(s, std::nullopt, true).value() == PlatformKind::Xen);
    std::string why;
    CHECK(resolve_daemon_platform(s, std::nullopt, false, &why).errno_value() == EINVAL);
    CHECK_FALSE(why.empty());
    CHECK(resolve_daemon_platform(s, "kvm", true, &why).errno_value() == EINVAL);
}
