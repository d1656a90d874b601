// What the daemon runs with: the configuration file (the one named by --config, else the
// default path if it exists, else built-in defaults) with the command line laid over it.
// Loaded at start and again on SIGHUP.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "backend/daemon/config_file.hpp"
#include "backend/daemon/daemon_options.hpp"
#include "backend/daemon/stream_route.hpp"
#include "core/log/log.hpp"
#include "core/platform/platform.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::daemon {

struct DaemonSettings {
    log::Level log_level = log::Level::Info;
    std::optional<platform::PlatformKind> cli_platform;   // --platform
    std::optional<platform::PlatformKind> file_platform;  // [backend] platform
    Routing routing;
    std::string config_source;  // the file read, or "built-in defaults"
};

// Loads the configuration the options name. `default_config_path` is used when --config is
// absent and that file exists. EINVAL (or the file's errno) with a one-line `why`.
Result<DaemonSettings> load_daemon_settings(
    const DaemonOptions& options, const EndpointParser& parse_endpoint, std::string* why = nullptr,
    const std::string& default_config_path = kDefaultConfigPath);

// The platform: --platform, else XENSND_PLATFORM (`env_value`; set but empty counts as unset),
// else the file's, else Xen when /dev/xen exists (`xen_present`); else EINVAL saying what to
// set. An environment variable set for one run overrides the file written for every run.
Result<platform::PlatformKind> resolve_daemon_platform(const DaemonSettings& settings,
                                                       std::optional<std::string_view> env_value,
                                                       bool xen_present,
                                                       std::string* why = nullptr);
// The same with this process's environment and /dev/xen.
Result<platform::PlatformKind> choose_daemon_platform(const DaemonSettings& settings,
                                                      std::string* why = nullptr);

}  // namespace xensnd::backend::daemon
