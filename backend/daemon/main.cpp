// xensnd-backend: serves the vsnd devices of every guest that has one on this (driver) domain,
// each stream routed to a host endpoint by the configuration. See --help and README.md.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <variant>

#include "backend/audio/endpoint.hpp"
#include "backend/daemon/daemon_options.hpp"
#include "backend/daemon/daemon_settings.hpp"
#include "backend/daemon/daemon_signals.hpp"
#include "backend/daemon/routed_streams.hpp"
#include "backend/daemon/routing_summary.hpp"
#include "backend/device/vsnd_backend.hpp"
#include "core/log/log.hpp"
#include "core/platform/platform.hpp"
#include "core/trace/cur_pos_trace.hpp"
#include "coro/coro.hpp"

using namespace xensnd;
using namespace xensnd::backend;
using namespace xensnd::backend::daemon;

namespace {

constexpr int kExitStartup = 1;
constexpr int kExitUsage = 2;

// Lines about the daemon as a whole carry no context: the sink already names the program.
const log::Logger kLog;

const EndpointParser kEndpointParser = [](std::string_view text, std::string* why) {
    return audio::parse_endpoint(text, why);
};

// What SIGHUP needs to reload: the options the daemon started with and where the routing goes.
struct Reload {
    const DaemonOptions* options = nullptr;
    RoutedStreams* streams = nullptr;
};

void reload(Reload r) {
    std::string why;
    auto settings = load_daemon_settings(*r.options, kEndpointParser, &why);
    if (!settings) {
        kLog.error("reload: {}; keeping the running configuration", why);
        return;
    }
    log::set_level(settings->log_level);
    r.streams->set_routing(std::move(settings->routing));
    kLog.info("reloaded {}: streams connecting from now on use its routing",
              settings->config_source);
}

// Returns when a stop signal arrives; reloads on SIGHUP meanwhile.
coro::Task<Result<void>> watch_signals(int signal_fd, Reload on_reload) {
    for (;;) {
        int number = 0;
        auto signal = co_await next_signal(signal_fd, &number);
        if (!signal) co_return Err(signal.error());
        if (*signal == DaemonSignal::Stop) {
            const char* name = ::sigabbrev_np(number);
            kLog.info("stopping on SIG{}: closing every stream and device", name ? name : "?");
            co_return ok();
        }
        reload(on_reload);
    }
}

// Serves until a stop signal; the backend then closes every device before this returns.
coro::Task<Result<void>> serve(device::VsndBackend* backend, int signal_fd, Reload on_reload) {
    auto outcome = co_await coro::select(backend->run(), watch_signals(signal_fd, on_reload));
    if (outcome.index() == 0) {
        // The backend ended without being asked to: it could not watch its root.
        Result<void> r = std::get<0>(std::move(outcome));
        if (r) {
            kLog.error("the vsnd backend stopped serving on its own");
            co_return Err(EIO);
        }
        co_return r;
    }
    co_return std::get<1>(std::move(outcome));
}

void signal_ready(int fd) {
    static constexpr char kReady[] = "ready\n";
    ssize_t n = ::write(fd, kReady, sizeof kReady - 1);
    if (n != static_cast<ssize_t>(sizeof kReady - 1)) {
        kLog.warning("--ready-fd {}: could not write the readiness line", fd);
    }
    // stdout stays open (--ready-fd 1); any other descriptor was handed over for this alone.
    if (fd > STDERR_FILENO) ::close(fd);
}

int run_daemon(coro::Reactor& reactor, const DaemonOptions& options, DaemonSettings settings,
               platform::PlatformKind kind, const DaemonSignals& signals) {
    std::string why;
    auto platform = platform::open_platform(reactor, kind, &why);
    if (!platform) {
        kLog.error("cannot open the {} platform: {}", platform::to_string(kind), why);
        return kExitStartup;
    }
    std::unique_ptr<trace::CurPosTrace> cur_pos_trace;
    if (options.cur_pos_trace) {
        auto t = trace::CurPosTrace::open(*options.cur_pos_trace, &why);
        if (!t) {
            kLog.error("{}", why);
            return kExitStartup;
        }
        cur_pos_trace = std::move(*t);
    }
    audio::Endpoints endpoints(reactor);
    RoutedStreams streams(endpoints, std::move(settings.routing));
    streams.set_cur_pos_trace(cur_pos_trace.get());
    device::VsndBackend backend(*platform, streams.runner(), kLog);
    kLog.info("serving vsnd devices on the {} platform; configuration: {}",
              platform::to_string(kind), settings.config_source);
    if (log::enabled(log::Level::Debug)) {
        std::string routing = describe_routing(streams.routing());
        std::string_view rest = routing;
        while (!rest.empty()) {
            auto eol = rest.find('\n');
            kLog.debug("{}", rest.substr(0, eol));
            rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        }
    }
    if (options.ready_fd) signal_ready(*options.ready_fd);

    Result<void> r =
        coro::block_on(reactor, serve(&backend, signals.fd(), Reload{&options, &streams}));
    if (!r) {
        kLog.error("stopped: {}", r.error().message());
        return kExitStartup;
    }
    kLog.info("stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    log::set_program("xensnd-backend");
    std::string message;
    auto options = parse_daemon_options(
        std::span<const char* const>(argv, static_cast<std::size_t>(argc)), &message);
    if (!options) {
        std::fprintf(stderr, "xensnd-backend: %s\nTry 'xensnd-backend --help'.\n", message.c_str());
        return kExitUsage;
    }
    if (options->help || options->version) {
        std::fputs(message.c_str(), stdout);
        return 0;
    }
    if (options->log_level) log::set_level(*options->log_level);

    std::string why;
    auto settings = load_daemon_settings(*options, kEndpointParser, &why);
    if (!settings) {
        kLog.error("{}", why);
        return kExitStartup;
    }
    log::set_level(settings->log_level);
    if (options->check_config) {
        std::printf("%s: ok\n%s", settings->config_source.c_str(),
                    describe_routing(settings->routing).c_str());
        return 0;
    }
    auto kind = choose_daemon_platform(*settings, &why);
    if (!kind) {
        kLog.error("{}", why);
        return kExitStartup;
    }
    // Before the reactor or alsa-lib start any thread, so that every thread has them blocked.
    auto signals = DaemonSignals::open();
    if (!signals) {
        kLog.error("cannot set up signal handling: {}", signals.error().message());
        return kExitStartup;
    }
    auto reactor = coro::Reactor::create();
    if (!reactor) {
        (void)coro::Reactor::probe(&why);
        kLog.error("io_uring is not usable: {}", why.empty() ? reactor.error().message() : why);
        return kExitStartup;
    }
    return run_daemon(**reactor, *options, std::move(*settings), *kind, *signals);
}
