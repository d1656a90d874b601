// The XenBus backend for vsnd devices: watches /local/domain/<self>/backend/vsnd and serves
// every (frontend domain, device) that appears there, each through sndif's state machine:
//
//   new device         -> InitWait at once (xl create gives the backend 10 s to get there)
//   frontend Initialised (rings and channels published)
//                      -> map rings, bind channels, one StreamServer per stream -> Connected
//   frontend Closing/Closed/Unknown/Initialising, or a stream's frontend gone (its channel
//   closed, e.g. the process was killed)
//                      -> tear everything down -> InitWait again, ready for a new frontend
//   toolstack online=0 (or state Closing written by it)
//                      -> tear down -> Closed; the directory may vanish under us
//
// Bad values in the frontend's directory (missing or non-numeric ring-ref, event-channel, ...;
// a configuration that does not parse) fail that device with one log line naming it and the
// node; every other device keeps going. The device then shows Closed (Linux's frontend ignores
// Closing) and returns to InitWait once its frontend starts over. After any teardown, a stale
// frontend state Initialised/Connected is not trusted until the frontend was seen in another
// state or wrote its state again. The details are in vsnd_device.hpp.
#pragma once

#include <functional>
#include <memory>

#include "core/config/vsnd_config.hpp"
#include "core/log/log.hpp"
#include "core/platform/platform.hpp"
#include "core/session/session.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::backend::device {

// One connected stream, handed to the StreamRunner. Everything referenced lives until the
// runner's task has returned.
struct ConnectedStream {
    session::BackendSession* session = nullptr;
    platform::DomId frontend = 0;
    unsigned device = 0;
    const config::StreamConfig* config = nullptr;
    platform::GrantService* grants = nullptr;
    log::Logger log;  // "dom<D> vsnd<N> <P>/<S>"
};

// Serves one connected stream until its frontend is gone (ENOTCONN), its ring breaks (EPROTO)
// or the task is stopped (ok): the daemon runs a backend/stream StreamServer; tests may run
// their own. The device tears the connection down when any of its streams' runner returns.
using StreamRunner = std::function<coro::Task<Result<void>>(ConnectedStream)>;

struct DeviceCounters {
    unsigned devices = 0;           // being served now
    unsigned connected = 0;         // of which Connected
    std::uint64_t connections = 0;  // frontends that reached Connected since start
    std::uint64_t failures = 0;     // devices that failed on bad frontend data
};

class VsndBackend {
  public:
    // `platform` must outlive it; everything runs on the current reactor.
    VsndBackend(platform::Platform& platform, StreamRunner runner, log::Logger log);
    ~VsndBackend();
    VsndBackend(const VsndBackend&) = delete;
    VsndBackend& operator=(const VsndBackend&) = delete;

    // Serves until the caller's stop token is triggered, then closes every stream (unmaps
    // every grant, unbinds every port), writes state Closed for every device it served (the
    // frontends then tear down; a restarted backend moves them to InitWait again), and
    // returns ok. An error only when the backend root cannot be watched at all.
    coro::Task<Result<void>> run();

    const DeviceCounters& counters() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace xensnd::backend::device
