// StreamState: the backend's sndif request handler for one stream, a synchronous state
// machine with no coroutines (the libFuzzer tree drives it with arbitrary request sequences).
// It takes one request, acts through the StreamEnv (grants to map OPEN's buffer, the host
// endpoint to open and trigger) and returns the response; the StreamServer runs the session
// and the pump around it.
//
//   Closed --OPEN--> Stopped --START/RESUME--> Running --PAUSE--> Paused
//     ^                 ^  \______________________/  \--STOP--/     |
//     |                 |          STOP                              |
//     +--CLOSE (any)    +---------------------- STOP ----------------+
//   OPEN in any state = CLOSE, then OPEN. START or RESUME on a paused stream resumes it.
//
// Status codes (Linux's frontend only tests for non-zero): -EOPNOTSUPP for an operation sndif
// does not define; -EINVAL for a request that is malformed, out of range, or needs an open
// stream; the grant or host errno (-EPERM, -ENOENT, -ELOOP, -ENODATA, -EIO, ...) when OPEN
// cannot map the buffer or open the host.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "backend/audio/host_pcm.hpp"
#include "backend/audio/soft_volume.hpp"
#include "backend/stream/dma_engine.hpp"
#include "backend/stream/refusal_log.hpp"
#include "backend/stream/stream_env.hpp"
#include "core/protocol/sndif_wire.hpp"

namespace xensnd::backend::stream {

enum class RunState { Closed, Stopped, Running, Paused };

struct Handled {
    sndif::Response response;
    // OPEN or CLOSE: a CUR_POS held back for the old stream must not reach the new one.
    bool drop_events = false;
    // The host or the DMA engine changed (OPEN, CLOSE, TRIGGER): the pump starts afresh.
    bool pump_changed = false;
};

class StreamState {
  public:
    // `env` (and everything it points to) must outlive the state.
    explicit StreamState(const StreamEnv& env);
    ~StreamState();
    StreamState(const StreamState&) = delete;
    StreamState& operator=(const StreamState&) = delete;

    Handled handle(const sndif::Request& request);

    RunState run_state() const { return run_; }
    bool is_open() const { return open_ != nullptr; }
    // Valid while open.
    audio::HostPcm* host();
    DmaEngine* engine();
    const audio::SoftVolume* volume() const;
    const audio::PcmParams* params() const;

    // Closes the host and unmaps the buffer (CLOSE, and before the server returns).
    void close();

    // Folds the engine's and the host's counters in.
    const StreamStats& stats();
    void count_cur_pos() { ++stats_.cur_pos_events; }

  private:
    struct Open;

    Result<void> open(const xensnd_open_req& req, std::string* why);
    Result<void> trigger(std::uint8_t type, std::string* why);
    Result<void> volume_op(const sndif::Request& req, std::string* why);
    void fold_counters();

    const StreamEnv* env_;
    RunState run_ = RunState::Closed;
    std::unique_ptr<Open> open_;
    RefusalLog refusals_;
    StreamStats stats_;
    std::uint64_t folded_frames_ = 0;  // from engines of earlier OPENs
    std::uint64_t folded_underrun_ = 0;
    std::uint64_t folded_xruns_ = 0;
};

// "-EINVAL", "-EOPNOTSUPP", ... for log lines.
std::string errno_name(int e);

}  // namespace xensnd::backend::stream
