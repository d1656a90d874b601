// The XenStore nodes a vsnd backend reads, checked strictly. Pure: no I/O, so it is fuzzed.
//
// Two writers are not trusted here. The backend directory /local/domain/<self>/backend/vsnd/D/N
// comes from the toolstack, but its entry names and its `frontend` link decide which domain's
// tree we read: a link that points anywhere but /local/domain/D/device/vsnd/N would let a
// toolstack bug (or a guest able to write there) make us read another domain's devices. The
// frontend directory comes from the guest: every number in it is hostile until parsed here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config/config_error.hpp"
#include "core/config/vsnd_tree.hpp"
#include "core/platform/domain.hpp"
#include "core/platform/event_channel.hpp"
#include "core/platform/grants.hpp"
#include "coro/result.hpp"

namespace xensnd::backend::device {

// The protocol version this backend speaks, and what it publishes in its `versions` node
// (sndif.h: the backend lists the versions it supports; the frontend may pick one in
// `version`, and neither Linux nor libxl writes or reads them, so absence means 2).
inline constexpr unsigned kProtocolVersion = 2;
inline constexpr std::string_view kVersionsValue = "2";

// A plain decimal number as a peer writes it in XenStore: digits only, no sign, no spaces, no
// leading zeros, at most 2^32-1. EINVAL otherwise; `why` (when given) says what is wrong.
Result<std::uint32_t> parse_store_number(std::string_view text, const char** why = nullptr);

// The names under backend/vsnd: "<D>" a frontend domain id (below the reserved ids), "<N>" a
// device index (a number as above). EINVAL for anything else ("01", "x", "-1", "").
Result<platform::DomId> parse_frontend_entry(std::string_view name);
Result<unsigned> parse_device_entry(std::string_view name);

// /local/domain/D/device/vsnd/N: the only frontend directory device D/N may name.
std::string frontend_dir_of(platform::DomId frontend, unsigned devid);
// /local/domain/B/backend/vsnd/D/N.
std::string backend_dir_of(platform::DomId backend, platform::DomId frontend, unsigned devid);

// Checks the backend directory's `frontend` and `frontend-id` values for entry D/N (under
// backend_dir, which prefixes the error paths): frontend-id must be D and frontend exactly
// frontend_dir_of(D, N). Returns the frontend directory.
config::ConfigResult<std::string> check_frontend_link(platform::DomId frontend, unsigned devid,
                                                      std::string_view backend_dir,
                                                      std::string_view frontend_node,
                                                      std::string_view frontend_id_node);

// The backend's `online` node: "1" serve, "0" the toolstack wants the device gone. Anything
// else (a missing node included, as Linux's xenbus_dev_is_online) counts as offline.
bool is_online(std::string_view value);

// The frontend's optional `version` node (relative "version" in `tree`): absent or
// kProtocolVersion. Returns the version in effect.
config::ConfigResult<unsigned> check_frontend_version(const config::StoreTree& tree,
                                                      std::string_view frontend_dir);

// What a frontend publishes per stream under P/S (sndif.h): the request ring's grant and
// event channel, and the event page's.
struct StreamChannels {
    platform::GrantRef ring_ref = 0;
    platform::Port ring_port = 0;
    platform::GrantRef evt_ring_ref = 0;
    platform::Port evt_port = 0;
    bool operator==(const StreamChannels&) const = default;
};

// Reads <stream_dir>/ring-ref, event-channel, evt-ring-ref, evt-event-channel from `tree`
// (stream_dir relative, "P/S"). Each must be present and a number; a port must not be 0 (no
// Xen event channel is). The error names the node (under frontend_dir) and its value.
config::ConfigResult<StreamChannels> read_stream_channels(const config::StoreTree& tree,
                                                          std::string_view stream_dir,
                                                          std::string_view frontend_dir);

}  // namespace xensnd::backend::device
