#include "backend/daemon/routed_streams.hpp"

#include <string>
#include <utility>

#include "backend/stream/stream_server.hpp"

namespace xensnd::backend::daemon {

RoutedStreams::RoutedStreams(audio::Endpoints& endpoints, Routing routing)
    : endpoints_(&endpoints), routing_(std::move(routing)) {}

device::StreamRunner RoutedStreams::runner() {
    // Not a coroutine: it routes at once and hands everything by value to one.
    return [this](device::ConnectedStream stream) -> coro::Task<Result<void>> {
        Route route =
            route_stream(routing_, stream_identity(stream.frontend, stream.device, *stream.config));
        stream.log.info("served by {} ({})", audio::to_string(route.endpoint),
                        describe(routing_, route));
        return serve_routed_stream(std::move(stream), endpoints_, std::move(route.endpoint),
                                   cur_pos_trace_);
    };
}

coro::Task<Result<void>> serve_routed_stream(device::ConnectedStream stream,
                                             audio::Endpoints* endpoints,
                                             audio::EndpointSpec endpoint,
                                             trace::CurPosTrace* cur_pos_trace) {
    const config::StreamConfig& config = *stream.config;
    audio::Direction direction = config.type == config::StreamType::Capture
                                     ? audio::Direction::Capture
                                     : audio::Direction::Playback;
    audio::StreamNames names{
        .domid = stream.frontend,
        .device = stream.device,
        .pcm = config.pcm_index,
        .stream = config.index,
        .unique_id = config.unique_id,
        .direction = direction,
    };

    stream::StreamEnv env;
    env.frontend = stream.frontend;
    env.device = stream.device;
    env.config = stream.config;
    env.grants = stream.grants;
    env.log = stream.log;
    env.cur_pos_trace = cur_pos_trace;
    env.trace_key =
        trace::stream_key(stream.frontend, stream.device, config.pcm_index, config.index);
    // With the stream's names: a WAV source path with placeholders names this stream's file.
    env.capabilities = [endpoints, endpoint, names](std::string* why) {
        return endpoints->capabilities(endpoint, names, why);
    };
    env.open_host = [endpoints, endpoint, names](const audio::PcmParams& params, std::string* why) {
        return endpoints->open(endpoint, names, params, why);
    };

    stream::StreamServer server(*stream.session, std::move(env));
    Result<void> result = co_await server.run();
    const stream::StreamStats& st = server.stats();
    stream.log.info(
        "stream ended: {} opens, {} frames, {} underrun frames, {} CUR_POS events, {} host "
        "xruns, {} of {} requests refused",
        st.opens, st.frames, st.underrun_frames, st.cur_pos_events, st.host_xruns, st.refused,
        st.requests);
    co_return result;
}

}  // namespace xensnd::backend::daemon
