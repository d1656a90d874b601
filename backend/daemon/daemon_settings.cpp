#include "backend/daemon/daemon_settings.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace xensnd::backend::daemon {

Result<DaemonSettings> load_daemon_settings(const DaemonOptions& options,
                                            const EndpointParser& parse_endpoint, std::string* why,
                                            const std::string& default_config_path) {
    DaemonSettings settings;
    ConfigFile file;
    std::optional<std::string> path = options.config_path;
    if (!path) {
        struct stat st {};
        if (::stat(default_config_path.c_str(), &st) == 0) {
            path = default_config_path;
        } else if (errno != ENOENT) {
            // There but unusable: starting on the defaults would hide the administrator's file.
            int e = errno;
            if (why) *why = fmt::format("{}: {}", default_config_path, std::strerror(e));
            return Err(e);
        }
    }
    if (path) {
        auto loaded = load_config_file(*path, parse_endpoint, why);
        if (!loaded) return Err(loaded.error());
        file = std::move(*loaded);
        settings.config_source = *path;
    } else {
        settings.config_source = "built-in defaults";
    }
    settings.log_level = options.log_level.value_or(file.log_level.value_or(log::Level::Info));
    settings.cli_platform = options.platform;
    settings.file_platform = file.platform;
    settings.routing = std::move(file.routing);
    if (options.default_endpoint) {
        std::string reason;
        auto spec = parse_endpoint(*options.default_endpoint, &reason);
        if (!spec) {
            if (reason.empty()) reason = spec.error().message();
            if (why) {
                *why = fmt::format("--default-endpoint: bad endpoint '{}': {}",
                                   *options.default_endpoint, reason);
            }
            return Err(EINVAL);
        }
        settings.routing.default_endpoint = std::move(*spec);
    }
    return settings;
}

Result<platform::PlatformKind> resolve_daemon_platform(const DaemonSettings& settings,
                                                       std::optional<std::string_view> env_value,
                                                       bool xen_present, std::string* why) {
    if (settings.cli_platform) return *settings.cli_platform;
    bool env_set = env_value && !env_value->empty();
    if (!env_set && settings.file_platform) return *settings.file_platform;
    return platform::resolve_platform(std::nullopt, env_value, xen_present, why);
}

Result<platform::PlatformKind> choose_daemon_platform(const DaemonSettings& settings,
                                                      std::string* why) {
    const char* env = std::getenv("XENSND_PLATFORM");
    bool env_set = env != nullptr && *env != '\0';
    if (settings.cli_platform || (!env_set && settings.file_platform)) {
        return resolve_daemon_platform(settings, std::nullopt, false, why);
    }
    // core's rule reads the variable and looks for /dev/xen itself.
    return platform::choose_platform(std::nullopt, why);
}

}  // namespace xensnd::backend::daemon
