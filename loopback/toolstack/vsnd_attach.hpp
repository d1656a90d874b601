// Adding a vsnd device to a domain as libxl does (`xl create` with vsnd=, `xl vsnd-attach`):
// pick the next device index, write the frontend and backend directories and libxl's record in
// one transaction (core/config's libxl_device_nodes: the exact nodes, values and permissions),
// then wait for the backend to take the device up, and remove it again if no backend does.
#pragma once

#include <chrono>
#include <optional>

extern "C" {
#include <xenstore.h>
}

#include "core/config/vsnd_spec.hpp"
#include "core/config/vsnd_store_layout.hpp"
#include "loopback/toolstack/domain.hpp"
#include "loopback/toolstack/toolstack_error.hpp"

namespace xensnd::loopback::toolstack {

// How long `xl create` gives a backend to reach InitWait (LIBXL_INIT_TIMEOUT).
inline constexpr std::chrono::milliseconds kBackendInitWait{10'000};

struct AttachOptions {
    // How long to wait for the backend to reach InitWait; nullopt: return once written.
    std::optional<std::chrono::milliseconds> wait_backend = kBackendInitWait;
};

// The index libxl gives the next vsnd device of `frontend`: one past the highest in its record
// /libxl/D/device/vsnd, 0 when there is none. EOVERFLOW past kMaxDevid.
ToolstackResult<unsigned> next_vsnd_devid(xs_handle* xs, xs_transaction_t t, DomId frontend);

// Adds the device `spec` describes to domain `frontend`. The backend domain is the card's
// backend= (a domain id or name), domain 0 without it; both domains must exist. Everything is
// written in one transaction (run again on a conflict, so concurrent attaches get distinct
// indices). Like libxl, it writes whatever the spec says: check it with effective_config()
// first if it must make sense. With options.wait_backend, ETIMEDOUT (or ENODEV if the device
// vanished) when the backend does not reach InitWait in time; the device is then removed again.
ToolstackResult<config::VsndDeviceAddress> attach_vsnd(xs_handle* xs, DomId frontend,
                                                       const config::VsndDeviceSpec& spec,
                                                       const AttachOptions& options = {});

// Waits until the backend's state is InitWait or beyond (Initialised, Connected: a frontend
// already running may move it on at once). ETIMEDOUT / ENODEV as above.
ToolstackResult<void> wait_for_backend(xs_handle* xs, const config::VsndDeviceAddress& address,
                                       std::chrono::milliseconds limit);

}  // namespace xensnd::loopback::toolstack
