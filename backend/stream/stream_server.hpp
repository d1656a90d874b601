// StreamServer: the backend side of one sndif stream, from the frontend's first request to
// its departure.
//
// It answers every sndif v2 request on the stream's session (HW_PARAM_QUERY from the cached
// capabilities of the routed host endpoint intersected with the XenStore configuration; OPEN,
// CLOSE, WRITE, READ, TRIGGER, SET/GET_VOLUME, MUTE/UNMUTE) and, while the stream runs, moves
// audio between the guest's shared buffer and the host PCM like a DMA engine, posting the
// device's position as CUR_POS at least twice per period.
//
// Nothing the frontend sends is trusted: a bad request gets an error status and one log line;
// a broken ring ends the stream. Requests are answered without waiting on the host device.
#pragma once

#include <memory>

#include "backend/stream/stream_env.hpp"
#include "core/session/session.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::backend::stream {

class StreamServer {
  public:
    StreamServer(session::BackendSession& session, StreamEnv env);
    ~StreamServer();
    StreamServer(const StreamServer&) = delete;
    StreamServer& operator=(const StreamServer&) = delete;

    // Serves until the frontend is gone (its channel closed: ENOTCONN), the ring breaks
    // (EPROTO), or the task is stopped (the caller's stop token: returns ok). Before it
    // returns, the host PCM is closed and the buffer unmapped.
    coro::Task<Result<void>> run();

    const StreamStats& stats() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace xensnd::backend::stream
