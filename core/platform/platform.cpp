#include "core/platform/platform.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/platform/xen_event_channel.hpp"
#include "core/platform/xen_grants.hpp"

#ifdef XENSND_HAVE_LOOPBACK_CLIENT
#include "core/platform/loopback_client.hpp"
#endif

namespace xensnd::platform {

namespace {

constexpr const char* kXenDir = "/dev/xen";
constexpr const char* kChoose =
    "pass --platform loopback (or set XENSND_PLATFORM=loopback) to run on the loopback "
    "platform, or --platform xen / XENSND_PLATFORM=xen on a Xen domain";

void say(std::string* why, std::string text) {
    if (why) *why = std::move(text);
}

Result<Platform> open_xen(coro::Reactor& reactor, std::string* why) {
    Platform p;
    p.kind = PlatformKind::Xen;
    // The devices first: without them the XenStore error would be the less helpful one.
    std::string reason;
    auto events = open_xen_events(&reason);
    if (!events) {
        say(why, "Xen event channels: " + reason);
        return Err(events.error());
    }
    auto grants = open_xen_grants(&reason);
    if (!grants) {
        say(why, "Xen grants: " + reason);
        return Err(grants.error());
    }
    auto store = Store::open(reactor, &reason);
    if (!store) {
        say(why, "XenStore: " + reason);
        return Err(store.error());
    }
    p.events = std::move(*events);
    p.grants = std::move(*grants);
    p.store = std::move(*store);
    return p;
}

Result<Platform> open_loopback(coro::Reactor& reactor, std::string* why) {
#ifdef XENSND_HAVE_LOOPBACK_CLIENT
    Platform p;
    p.kind = PlatformKind::Loopback;
    std::string reason;
    auto domain = loopback_domain(&reason);
    if (!domain) {
        say(why, "loopback platform: " + reason);
        return Err(domain.error());
    }
    const std::string daemon = " (is xensnd-loopback running with --rundir " + domain->rundir +
                               " and domain " + std::to_string(domain->domid) + "?)";
    auto store = Store::open(reactor, &reason);
    if (!store) {
        say(why, "loopback platform: XenStore: " + reason + daemon);
        return Err(store.error());
    }
    auto events = open_loopback_events(reactor, *domain);
    if (!events) {
        say(why, "loopback platform: event channels at " + domain->socket("evtchn") + ": " +
                     events.error().message() + daemon);
        return Err(events.error());
    }
    auto grants = open_loopback_grants(*domain);
    if (!grants) {
        say(why, "loopback platform: grants at " + domain->socket("gnttab") + ": " +
                     grants.error().message() + daemon);
        return Err(grants.error());
    }
    p.store = std::move(*store);
    p.events = std::move(*events);
    p.grants = std::move(*grants);
    return p;
#else
    (void)reactor;
    say(why,
        "the loopback platform's event channel and grant clients are not built into this "
        "xensnd (core/platform/loopback_*.cpp missing)");
    return Err(ENOSYS);
#endif
}

}  // namespace

std::string_view to_string(PlatformKind k) {
    switch (k) {
        case PlatformKind::Xen:
            return "xen";
        case PlatformKind::Loopback:
            return "loopback";
    }
    return "(invalid)";
}

Result<PlatformKind> parse_platform_kind(std::string_view s) {
    if (s == "xen") return PlatformKind::Xen;
    if (s == "loopback") return PlatformKind::Loopback;
    return Err(EINVAL);
}

Result<PlatformKind> resolve_platform(std::optional<PlatformKind> explicit_choice,
                                      std::optional<std::string_view> env_value, bool xen_present,
                                      std::string* why) {
    if (explicit_choice) return *explicit_choice;
    if (env_value) {
        auto kind = parse_platform_kind(*env_value);
        if (!kind) {
            say(why, "XENSND_PLATFORM='" + std::string(*env_value) +
                         "' is neither 'xen' nor 'loopback'");
        }
        return kind;
    }
    if (xen_present) return PlatformKind::Xen;
    say(why, std::string(kXenDir) + " does not exist, so this is not a Xen domain: " + kChoose);
    return Err(EINVAL);
}

Result<PlatformKind> choose_platform(std::optional<PlatformKind> explicit_choice,
                                     std::string* why) {
    std::optional<std::string_view> env;
    // Set but empty counts as unset, as shells make it easy to write.
    if (const char* v = std::getenv("XENSND_PLATFORM"); v && *v) env = v;
    struct stat st {};
    bool xen_present = ::stat(kXenDir, &st) == 0;
    return resolve_platform(explicit_choice, env, xen_present, why);
}

Result<Platform> open_platform(coro::Reactor& reactor, PlatformKind kind, std::string* why) {
    switch (kind) {
        case PlatformKind::Xen:
            return open_xen(reactor, why);
        case PlatformKind::Loopback:
            return open_loopback(reactor, why);
    }
    return Err(EINVAL);
}

}  // namespace xensnd::platform
