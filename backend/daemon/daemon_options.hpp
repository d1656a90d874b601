// The daemon's command line. Parsing is pure (no exit, no printing): the caller prints the
// help, the version or the error and picks the exit status.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "core/log/log.hpp"
#include "core/platform/platform.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::daemon {

// Used when --config is not given, if the file exists (otherwise the built-in defaults).
inline constexpr const char* kDefaultConfigPath = "/etc/xensnd/backend.toml";

struct DaemonOptions {
    bool help = false;     // --help: print `message` and exit 0
    bool version = false;  // --version: print `message` and exit 0
    std::optional<std::string> config_path;
    std::optional<platform::PlatformKind> platform;
    std::optional<log::Level> log_level;
    std::optional<std::string> default_endpoint;  // endpoint text, parsed with the config
    std::optional<int> ready_fd;
    std::optional<std::string> cur_pos_trace;  // --cur-pos-trace FILE
    bool check_config = false;  // --check-config: load the configuration, report, exit
};

// Parses argv (args[0] is the program name). On success with --help or --version, `message`
// holds the text to print. On a bad command line: EINVAL, and `message` is one line naming
// the option and the value at fault.
Result<DaemonOptions> parse_daemon_options(std::span<const char* const> args,
                                           std::string* message = nullptr);

std::string daemon_help_text();
std::string daemon_version_text();

}  // namespace xensnd::backend::daemon
