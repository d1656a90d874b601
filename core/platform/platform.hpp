// Platform: the three services a split driver needs (XenStore, event channels, grants), on
// real Xen or on the loopback platform. Which one is configuration, never a rebuild:
//   - an explicit choice (a daemon flag, a plugin parameter), else
//   - the XENSND_PLATFORM environment variable ("xen" or "loopback"), else
//   - Xen when /dev/xen exists, loopback otherwise is NOT assumed: an error says what to set.
//
// Loopback: XENSTORED_PATH names this domain's XenStore socket in the loopback daemon's run
// directory (<rundir>/xenstore/domain-<id>.sock); the event channel and grant sockets of the
// same domain are found from it (loopback_client.hpp), so one variable gives a process its
// domain identity.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/platform/event_channel.hpp"
#include "core/platform/grants.hpp"
#include "core/platform/store.hpp"
#include "coro/reactor.hpp"
#include "coro/result.hpp"

namespace xensnd::platform {

enum class PlatformKind { Xen, Loopback };

std::string_view to_string(PlatformKind k);
// "xen" / "loopback"; EINVAL otherwise.
Result<PlatformKind> parse_platform_kind(std::string_view s);

// Resolves the platform from an explicit choice, XENSND_PLATFORM, or /dev/xen; on failure
// `why` says what to set.
Result<PlatformKind> choose_platform(std::optional<PlatformKind> explicit_choice,
                                     std::string* why = nullptr);

struct Platform {
    PlatformKind kind = PlatformKind::Xen;
    std::unique_ptr<Store> store;
    std::unique_ptr<EventChannelService> events;
    std::unique_ptr<GrantService> grants;
};

// Opens the three services of `kind` on `reactor`. A clear error (with `why`) when the
// devices or the loopback daemon are missing.
Result<Platform> open_platform(coro::Reactor& reactor, PlatformKind kind,
                               std::string* why = nullptr);

}  // namespace xensnd::platform
