// The loopback platform as one test process sees it: a reactor and the event channel and
// grant clients of one domain, and bounded waits on a channel.
#pragma once

#include <chrono>
#include <memory>

#include <doctest/doctest.h>

#include "child_process.hpp"
#include "core/platform/loopback_client.hpp"
#include "core/platform/loopback_connection.hpp"
#include "coro/reactor.hpp"
#include "coro/spawn.hpp"
#include "coro/timeout.hpp"

namespace xensnd::loopback::testing {

using platform::DomId;

inline platform::LoopbackDomain domain_of(const Daemon& daemon, DomId domid) {
    return platform::LoopbackDomain{daemon.rundir(), domid};
}

// One domain's platform services in this process. Not doctest-dependent so that forked
// children can open one too: ok() says whether everything opened.
struct DomainPlatform {
    std::unique_ptr<coro::Reactor> reactor;
    std::unique_ptr<platform::EventChannelService> events;
    std::unique_ptr<platform::GrantService> grants;

    DomainPlatform(const std::string& rundir, DomId domid) {
        auto r = coro::Reactor::create();
        if (!r) return;
        reactor = std::move(*r);
        platform::LoopbackDomain domain{rundir, domid};
        if (auto e = platform::open_loopback_events(*reactor, domain)) events = std::move(*e);
        if (auto g = platform::open_loopback_grants(domain)) grants = std::move(*g);
    }
    bool ok() const { return reactor && events && grants; }

    // One wait() on `channel`, given at most `limit`: ETIMEDOUT if nothing came.
    Result<void> wait(platform::EventChannel& channel,
                      std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
        return coro::block_on(*reactor, coro::timeout(limit, channel.wait()));
    }
};

// The daemon's counters for `domid`, asked as domain 0.
inline platform::LoopbackStats stats_of(const Daemon& daemon, DomId domid) {
    auto stats = platform::query_loopback_stats(daemon.rundir() + "/evtchn/domain-0.sock", domid);
    REQUIRE_MESSAGE(stats.ok(), stats.error().message());
    return *stats;
}

// Polls the counters until `done(stats)` or `limit` passes; the last counters either way.
template <class Done>
platform::LoopbackStats stats_when(
    const Daemon& daemon, DomId domid, Done done,
    std::chrono::milliseconds limit = std::chrono::milliseconds(1000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        auto stats = stats_of(daemon, domid);
        if (done(stats) || std::chrono::steady_clock::now() >= deadline) return stats;
        ::usleep(2000);
    }
}

}  // namespace xensnd::loopback::testing
