#include "backend/daemon/daemon_options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <climits>

#ifndef XENSND_VERSION
#error "XENSND_VERSION must be defined by the build (the project's version)"
#endif

namespace xensnd::backend::daemon {

namespace {

// CLI11 fills these; the values are checked afterwards, so that each error names the option
// and the value in our words rather than CLI11's.
struct RawOptions {
    std::string config;
    std::string platform;
    std::string log_level;
    std::string default_endpoint;
    std::string ready_fd;
    std::string cur_pos_trace;
    bool check_config = false;
    bool version = false;
};

constexpr const char* kFooter =
    R"(Without a configuration file every stream goes to alsa:default; see
xensnd-backend.toml.example for the file's keys and the endpoint syntax.

Readiness: with --ready-fd N the daemon writes "ready\n" to file descriptor N
and closes it once set up: every vsnd device present or attached from then on is
served (--ready-fd 1: print it on stdout).

Precedence: a command-line option overrides the configuration file; the platform
comes from --platform, else $XENSND_PLATFORM, else the file's [backend] platform,
else xen when /dev/xen exists.

Signals: SIGTERM/SIGINT close every stream and device (backend state Closed) and
exit 0; SIGHUP reloads the configuration file's routing and log level (new streams
use it; running ones keep their endpoint).

Exit status: 0 stopped by a signal (or --help, --version, --check-config on a good
file); 1 could not start (configuration, platform); 2 bad command line.)";

std::unique_ptr<CLI::App> make_app(RawOptions& raw) {
    auto app = std::make_unique<CLI::App>(
        "xensnd-backend: serves Xen para-virtual sound (vsnd) devices of guests and plays or\n"
        "captures their streams on this host's audio endpoints.",
        "xensnd-backend");
    app->set_help_flag("-h,--help", "Print this help and exit");
    app->add_flag("--version", raw.version, "Print the version and exit");
    app->add_option(
           "-c,--config", raw.config,
           fmt::format("Configuration file (TOML; default {} if it exists)", kDefaultConfigPath))
        ->type_name("FILE");
    app->add_option("--platform", raw.platform, "xen or loopback (see Precedence)")
        ->type_name("NAME");
    app->add_option("--log-level", raw.log_level, "error, warning, info (default) or debug")
        ->type_name("LEVEL");
    app->add_option("--default-endpoint", raw.default_endpoint,
                    "Endpoint of streams no route matches: alsa:PCM, wav:PATH, null, sine[:HZ]")
        ->type_name("SPEC");
    app->add_option("--ready-fd", raw.ready_fd, "Write \"ready\\n\" to descriptor N once serving")
        ->type_name("N");
    app->add_option("--cur-pos-trace", raw.cur_pos_trace,
                    "Append '<ns> <stream> <position>' for every CUR_POS posted (latency "
                    "measurements; see core/trace)")
        ->type_name("FILE");
    app->add_flag("--check-config", raw.check_config,
                  "Check the configuration, print its routing, exit");
    app->footer(kFooter);
    return app;
}

bool parse_fd(std::string_view text, int& fd) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fd, 10);
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size() && fd >= 0;
}

Result<DaemonOptions> fail(std::string* message, std::string text) {
    if (message) *message = std::move(text);
    return Err(EINVAL);
}

}  // namespace

std::string daemon_help_text() {
    RawOptions raw;
    return make_app(raw)->help();
}

std::string daemon_version_text() {
    return fmt::format("xensnd-backend {}\n", XENSND_VERSION);
}

Result<DaemonOptions> parse_daemon_options(std::span<const char* const> args,
                                           std::string* message) {
    RawOptions raw;
    auto app = make_app(raw);
    DaemonOptions out;
    if (args.size() > static_cast<std::size_t>(INT_MAX)) return fail(message, "too many arguments");
    try {
        app->parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::CallForHelp&) {
        out.help = true;
        if (message) *message = app->help();
        return out;
    } catch (const CLI::ParseError& e) {
        return fail(message, e.what());
    }
    if (raw.version) {
        out.version = true;
        if (message) *message = daemon_version_text();
        return out;
    }
    if (app->count("--config") > 0) {
        if (raw.config.empty()) return fail(message, "--config: empty file name");
        out.config_path = raw.config;
    }
    if (app->count("--platform") > 0) {
        auto kind = platform::parse_platform_kind(raw.platform);
        if (!kind) {
            return fail(message, fmt::format("--platform: '{}' is not a platform (xen or loopback)",
                                             raw.platform));
        }
        out.platform = *kind;
    }
    if (app->count("--log-level") > 0) {
        out.log_level = log::parse_level(raw.log_level);
        if (!out.log_level) {
            return fail(message, fmt::format("--log-level: '{}' is not a log level (error, "
                                             "warning, info or debug)",
                                             raw.log_level));
        }
    }
    if (app->count("--default-endpoint") > 0) {
        if (raw.default_endpoint.empty()) return fail(message, "--default-endpoint: empty");
        out.default_endpoint = raw.default_endpoint;
    }
    if (app->count("--ready-fd") > 0) {
        int fd = -1;
        if (!parse_fd(raw.ready_fd, fd)) {
            return fail(message, fmt::format("--ready-fd: '{}' is not a file descriptor number",
                                             raw.ready_fd));
        }
        out.ready_fd = fd;
    }
    out.check_config = raw.check_config;
    if (app->count("--cur-pos-trace") > 0) {
        if (raw.cur_pos_trace.empty()) return fail(message, "--cur-pos-trace: empty file name");
        out.cur_pos_trace = raw.cur_pos_trace;
    }
    return out;
}

}  // namespace xensnd::backend::daemon
