// VsndDevice: one vsnd device's side of the XenBus state machine, for one backend entry
// /local/domain/<self>/backend/vsnd/D/N. VsndBackend makes one per entry and aborts it when the
// entry goes away. The rules (see also vsnd_backend.hpp):
//
// - The entry must link to its own frontend: frontend-id = D and frontend =
//   /local/domain/D/device/vsnd/N, else the device is refused (one log line, state Closed) and
//   waits for the toolstack to fix the nodes.
// - online = 1 and no toolstack-written Closing: the device is served. Otherwise (libxl's
//   removal) it is torn down and goes to Closed, and may see its directory vanish: a gone
//   directory ends the device quietly (its state is never written back into existence).
// - Served: InitWait (with `versions`) at once; when the frontend is Initialised (or already
//   Connected), its directory is read, parsed and every stream connected, then Connected.
// - Connected: the frontend leaving Initialised/Connected, or any stream's runner returning
//   (its frontend process died: ENOTCONN; its ring broke: EPROTO), tears the connection down
//   and returns to InitWait for the next frontend.
// - Bad frontend data (configuration, ring-ref, event-channel, a grant that does not map, ...)
//   fails the connection: one log line naming the node, state Closed (Linux's frontend then
//   drops its rings and goes back to Initialising; it ignores Closing), and InitWait again once
//   the frontend starts over.
// - Stale states: after a teardown or a failure, a frontend state Initialised/Connected is
//   trusted again only once the frontend was seen in another state since, or wrote its state
//   node again (a watch event on <frontend>/state). A state left behind by a killed frontend
//   process therefore never makes us map its dead grants; a new frontend starts with
//   Initialising, as Linux's does, and its Initialised is trusted even if the two writes
//   reached us as one watch event.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "backend/device/connection.hpp"
#include "backend/device/vsnd_backend.hpp"
#include "core/log/log.hpp"
#include "core/platform/platform.hpp"
#include "core/platform/xenbus_state.hpp"
#include "coro/notify.hpp"
#include "coro/task.hpp"
#include "coro/task_scope.hpp"

namespace xensnd::backend::device {

// What every device of one backend shares; owned by the VsndBackend.
struct DeviceEnv {
    platform::Platform* platform = nullptr;
    const StreamRunner* runner = nullptr;
    DeviceCounters* counters = nullptr;
    platform::DomId self = 0;
};

class VsndDevice {
  public:
    VsndDevice(const DeviceEnv& env, platform::DomId frontend, unsigned devid);
    ~VsndDevice();
    VsndDevice(const VsndDevice&) = delete;
    VsndDevice& operator=(const VsndDevice&) = delete;

    // Serves the device until the task is cancelled, its backend directory is gone or the Store
    // fails; everything it set up is released before it returns. It never writes Closed on
    // cancellation (a cancelled task cannot talk to XenStore): close() does that.
    coro::Task<void> run();
    // After run() returned: writes Closed if this device published a state and its directory
    // is still there (the backend is stopping). Logs the transition.
    coro::Task<void> close(std::string why);

    const std::string& backend_dir() const { return backend_dir_; }
    const log::Logger& log() const { return log_; }

  private:
    enum class Step { Continue, End };
    static coro::Task<void> pump(platform::Watch watch, VsndDevice* self, bool frontend);
    coro::Task<void> serve(coro::TaskScope* watches);
    coro::Task<Step> evaluate(coro::TaskScope* watches);
    coro::Task<Step> check_link(coro::TaskScope* watches);
    coro::Task<Step> connect(platform::XenbusState frontend_state);
    coro::Task<Step> publish_connected(platform::XenbusState frontend_state);
    coro::Task<Step> fail(std::string message);
    coro::Task<void> disconnect();
    coro::Task<Step> publish(platform::XenbusState state, std::string why);
    void refuse(const std::string& message);
    void store_error(const char* what, const std::string& path, std::error_code ec);

    DeviceEnv env_;
    platform::DomId frontend_;
    unsigned devid_;
    std::string backend_dir_;
    std::string frontend_dir_;  // set once the link is checked
    std::string frontend_state_path_;
    log::Logger log_;

    coro::Notify wake_;
    int watch_error_ = 0;
    std::uint64_t frontend_state_writes_ = 0;

    bool linked_ = false;
    bool counted_connected_ = false;
    bool toolstack_closing_ = false;  // the toolstack wrote Closing: removal under way
    bool gone_ = false;
    std::optional<platform::XenbusState> published_;        // what we last wrote
    std::optional<platform::XenbusState> toolstack_state_;  // what we found, for the first log
    bool fresh_ = true;
    std::uint64_t writes_mark_ = 0;
    std::string last_refusal_;
    std::string last_store_error_;
    std::unique_ptr<Connection> connection_;
};

}  // namespace xensnd::backend::device
