// The vsnd devices a domain has: which indices exist, where each one's backend lives, and the
// state of both ends. The backend is taken from libxl's private record /libxl/D/device/vsnd/N
// (only the toolstack writes there), never from a path the guest could have rewritten, so a
// hostile guest cannot steer the toolstack to remove someone else's nodes.
#pragma once

#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <xenstore.h>
}

#include "core/config/vsnd_store_layout.hpp"
#include "loopback/toolstack/domain.hpp"
#include "loopback/toolstack/toolstack_error.hpp"

namespace xensnd::loopback::toolstack {

// /local/domain/D/device/vsnd and /libxl/D/device/vsnd: the parents of the device directories.
std::string frontend_vsnd_dir(DomId frontend);
std::string libxl_vsnd_dir(DomId frontend);

// The device indices under `dir` (numerically sorted); none when it does not exist. Names that
// are not canonical decimal indices are skipped.
ToolstackResult<std::vector<unsigned>> device_indices(xs_handle* xs, xs_transaction_t t,
                                                      const std::string& dir);

// Where device `devid` of domain `frontend` lives. The backend domain comes from libxl's record;
// for a device without one (made by hand), from the frontend's backend-id, which only ever
// selects that device's own backend directory. ENOENT when neither the record nor the frontend
// directory exists.
ToolstackResult<config::VsndDeviceAddress> find_vsnd(xs_handle* xs, DomId frontend, unsigned devid,
                                                     xs_transaction_t t = XBT_NULL);

struct VsndDeviceStatus {
    config::VsndDeviceAddress address;
    std::optional<std::string> frontend_state;  // the raw values; nullopt when missing
    std::optional<std::string> backend_state;
    unsigned streams = 0;  // the P/S directories in the frontend directory
};

// Every vsnd device of `frontend` (those libxl recorded and those with a frontend directory).
ToolstackResult<std::vector<VsndDeviceStatus>> list_vsnd(xs_handle* xs, DomId frontend);

// The table `xensnd-xl vsnd-list` prints: a header line, then one line per device.
std::string format_vsnd_list(const std::vector<VsndDeviceStatus>& devices);

}  // namespace xensnd::loopback::toolstack
