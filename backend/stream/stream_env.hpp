// StreamEnv: what one stream needs from its device (the frontend's domain, the XenStore
// configuration, the grant service and the routed host endpoint). Kept apart from the
// StreamServer so that the pure request handler, which the libFuzzer tree builds without
// coroutines, can take it too.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "backend/audio/endpoint.hpp"
#include "core/config/vsnd_config.hpp"
#include "core/log/log.hpp"
#include "core/platform/grants.hpp"
#include "core/trace/cur_pos_trace.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::stream {

// What a stream needs from its device. Every pointer must outlive the StreamServer.
struct StreamEnv {
    platform::DomId frontend = 0;
    unsigned device = 0;                           // the vsnd device index N
    const config::StreamConfig* config = nullptr;  // as the frontend's XenStore directory says
    platform::GrantService* grants = nullptr;      // to map the OPEN's buffer
    // The routed host endpoint: what it can do (cached: called on every HW_PARAM_QUERY) and
    // how to open it for OPEN's parameters. The daemon binds these to audio::Endpoints and
    // its routing; tests may give their own.
    std::function<Result<audio::PcmCapabilities>(std::string* why)> capabilities;
    std::function<Result<std::unique_ptr<audio::HostPcm>>(const audio::PcmParams&,
                                                          std::string* why)>
        open_host;
    log::Logger log;  // context "dom<D> vsnd<N> <P>/<S>"
    // When set, the instant each CUR_POS is posted goes there under `trace_key`
    // (trace::stream_key), for measuring CUR_POS latency against the frontend's trace.
    trace::CurPosTrace* cur_pos_trace = nullptr;
    std::string trace_key;
};

// What a stream did, for logs, tests and benchmarks.
struct StreamStats {
    std::uint64_t requests = 0;
    std::uint64_t refused = 0;  // answered with an error status
    std::uint64_t opens = 0;
    std::uint64_t frames = 0;           // moved between the guest buffer and the host
    std::uint64_t underrun_frames = 0;  // playback: silence played because the guest was late
    std::uint64_t cur_pos_events = 0;
    std::uint64_t host_xruns = 0;
};

}  // namespace xensnd::backend::stream
