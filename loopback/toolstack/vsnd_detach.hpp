// Removing a vsnd device as libxl does (`xl vsnd-detach`, and guest destruction): tell the
// backend to let go (online = 0, state = Closing, in one transaction), wait up to 10 s for it to
// reach Closed, then delete the frontend directory, the backend directory and libxl's record in
// one transaction, on a timeout too. A backend must cope with its directory vanishing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

extern "C" {
#include <xenstore.h>
}

#include "core/config/vsnd_store_layout.hpp"
#include "loopback/toolstack/domain.hpp"
#include "loopback/toolstack/toolstack_error.hpp"

namespace xensnd::loopback::toolstack {

// How long libxl gives a backend to close a device (LIBXL_DESTROY_TIMEOUT).
inline constexpr std::chrono::milliseconds kBackendCloseWait{10'000};

struct DetachOptions {
    std::chrono::milliseconds timeout = kBackendCloseWait;
};

struct Detached {
    enum class Backend {
        Closed,    // it reached Closed (or already was)
        Gone,      // there was no backend state to ask (or the backend removed it)
        TimedOut,  // it did not close in time; the device was removed anyway
    };
    config::VsndDeviceAddress address;
    Backend backend = Backend::Closed;
    std::optional<std::string> backend_state;  // its state when the wait ended
};

// Detaches device `devid` of domain `frontend` (ENOENT if it has none such). Succeeds when the
// device is gone, whatever the backend did; the result says how the backend behaved.
ToolstackResult<Detached> detach_vsnd(xs_handle* xs, DomId frontend, unsigned devid,
                                      const DetachOptions& options = {});

// Deletes the device's three subtrees in one transaction without asking the backend, and the
// parents left empty (device/vsnd, backend/vsnd/D, /libxl/D, ...) as libxl does, but never a
// domain's home /local/domain/<id>: on the loopback platform it may be empty and still needed.
ToolstackResult<void> remove_vsnd(xs_handle* xs, const config::VsndDeviceAddress& address);

}  // namespace xensnd::loopback::toolstack
