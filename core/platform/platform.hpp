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
// (no choice and no Xen, or a bad XENSND_PLATFORM) EINVAL, and `why` says what to set.
// XENSND_PLATFORM set but empty counts as unset.
Result<PlatformKind> choose_platform(std::optional<PlatformKind> explicit_choice,
                                     std::string* why = nullptr);
// The same rule with its inputs given: XENSND_PLATFORM's value (nullopt when unset) and
// whether /dev/xen exists.
Result<PlatformKind> resolve_platform(std::optional<PlatformKind> explicit_choice,
                                      std::optional<std::string_view> env_value, bool xen_present,
                                      std::string* why = nullptr);

// Destroy on the reactor's thread, before the reactor (the Store's rule).
struct Platform {
    PlatformKind kind = PlatformKind::Xen;
    std::unique_ptr<Store> store;
    std::unique_ptr<EventChannelService> events;
    std::unique_ptr<GrantService> grants;
};

// Opens the three services of `kind` on `reactor` (call on its thread). A clear error (with
// `why`) when the devices or the loopback daemon are missing: Xen needs /dev/xen/evtchn and at
// least one of /dev/xen/gntdev, /dev/xen/gntalloc (xen_grants.hpp); loopback needs
// XENSTORED_PATH naming a domain's socket in a running daemon's run directory.
Result<Platform> open_platform(coro::Reactor& reactor, PlatformKind kind,
                               std::string* why = nullptr);

}  // namespace xensnd::platform
