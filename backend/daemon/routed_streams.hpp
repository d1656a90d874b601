// RoutedStreams: the daemon's StreamRunner. Each stream whose frontend connects is routed to a
// host endpoint (stream_route.hpp) and served by a backend/stream StreamServer bound to that
// endpoint through audio::Endpoints.
#pragma once

#include "backend/audio/endpoint.hpp"
#include "backend/daemon/stream_route.hpp"
#include "backend/device/vsnd_backend.hpp"
#include "core/trace/cur_pos_trace.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::backend::daemon {

class RoutedStreams {
  public:
    // `endpoints` must outlive this object and every stream it serves.
    RoutedStreams(audio::Endpoints& endpoints, Routing routing);
    RoutedStreams(const RoutedStreams&) = delete;
    RoutedStreams& operator=(const RoutedStreams&) = delete;

    // Streams that connect afterwards are routed by the new rules; running ones keep their
    // endpoint.
    void set_routing(Routing routing) { routing_ = std::move(routing); }
    const Routing& routing() const { return routing_; }

    // Every stream's CUR_POS posts go to `trace` (nullptr: none); it must outlive the streams.
    void set_cur_pos_trace(trace::CurPosTrace* trace) { cur_pos_trace_ = trace; }

    // The runner to give VsndBackend; it refers to this object, which must outlive the backend.
    device::StreamRunner runner();

  private:
    audio::Endpoints* endpoints_;
    Routing routing_;
    trace::CurPosTrace* cur_pos_trace_ = nullptr;
};

// Serves one stream on `endpoint` until its frontend leaves, its ring breaks or it is stopped.
// Everything by value: the task outlives the caller's statement (coro/README.md, rule 1).
coro::Task<Result<void>> serve_routed_stream(device::ConnectedStream stream,
                                             audio::Endpoints* endpoints,
                                             audio::EndpointSpec endpoint,
                                             trace::CurPosTrace* cur_pos_trace = nullptr);

}  // namespace xensnd::backend::daemon
