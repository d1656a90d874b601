// The daemon's configuration file (TOML; the schema is documented in
// xensnd-backend.toml.example):
//
//   [backend]   log-level = "info", platform = "xen" | "loopback"
//   [routing]   default = "<endpoint>"
//   [[route]]   domain = <domid>, device = <N>, unique-id = "<id>",
//               direction = "playback" | "capture", endpoint = "<endpoint>"
//
// Every key is optional except a route's endpoint. Anything else (an unknown table or key, a
// value of the wrong type or out of range, an endpoint that does not parse) is refused with
// one line naming the file, line and column: the daemon never starts on a file it only half
// understood.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "backend/audio/endpoint.hpp"
#include "backend/daemon/stream_route.hpp"
#include "core/log/log.hpp"
#include "core/platform/platform.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::daemon {

// Turns endpoint text into an EndpointSpec: audio::parse_endpoint in the daemon. Given as a
// parameter so that this file's parsing does not need the audio library.
using EndpointParser =
    std::function<Result<audio::EndpointSpec>(std::string_view text, std::string* why)>;

struct ConfigFile {
    std::optional<log::Level> log_level;
    std::optional<platform::PlatformKind> platform;
    Routing routing;  // the built-in default endpoint (alsa:default) unless [routing] sets one
    bool operator==(const ConfigFile&) const = default;
};

// Larger files are refused: a configuration is a few lines, and a huge one is a mistake.
inline constexpr std::size_t kMaxConfigBytes = 1 << 20;

// Parses `text`; `source` names it in errors and rule origins ("backend.toml:12:5: ..."). On
// EINVAL, `why` holds the one-line message.
Result<ConfigFile> parse_config(std::string_view text, std::string_view source,
                                const EndpointParser& parse_endpoint, std::string* why = nullptr);

// Reads and parses the file at `path`: its errno (with `why` naming the file) when it cannot be
// read, EFBIG when it exceeds kMaxConfigBytes, EINVAL for its content.
Result<ConfigFile> load_config_file(const std::string& path, const EndpointParser& parse_endpoint,
                                    std::string* why = nullptr);

}  // namespace xensnd::backend::daemon
