// A vsnd device as the XenStore nodes libxl writes when it adds one for an xl.cfg `vsnd=` line
// (libxl__device_add_async + libxl__device_generic_add + the vsnd device type): the frontend and
// backend directories with their permissions, state 1 on both sides, their cross links, and
// libxl's private copy under /libxl. The loopback toolstack and the tests create devices from
// this, so they look exactly like devices a real toolstack made.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config/vsnd_spec.hpp"
#include "core/config/vsnd_tree.hpp"

namespace xensnd::config {

// XenStore's access letters (xs_wire.h / xenstore-ls -p): none, read, write, both.
enum class StoreAccess : char { None = 'n', Read = 'r', Write = 'w', ReadWrite = 'b' };

struct StorePermEntry {
    unsigned domid = 0;
    StoreAccess access = StoreAccess::None;
    bool operator==(const StorePermEntry&) const = default;
};

// A node's permissions: its owner (who may do everything), what every other domain may do, and
// the exceptions (the ACL). The owner/others pair is XenStore's first permission entry.
struct StorePerms {
    unsigned owner = 0;
    StoreAccess others = StoreAccess::None;
    std::vector<StorePermEntry> acl;

    // XenStore's text form, as xs_perm_to_string and xenstore-ls print it: "n5,r0".
    std::string to_string() const;
    bool operator==(const StorePerms&) const = default;
};

struct StoreNode {
    std::string path;   // absolute
    std::string value;  // "" for a directory node
    StorePerms perms;
    bool operator==(const StoreNode&) const = default;
};

struct VsndDeviceAddress {
    unsigned backend_domid = 0;   // B
    unsigned frontend_domid = 0;  // D, the guest
    unsigned devid = 0;           // N

    std::string frontend_path() const;  // /local/domain/D/device/vsnd/N
    std::string backend_path() const;   // /local/domain/B/backend/vsnd/D/N
    std::string libxl_path() const;     // /libxl/D/device/vsnd/N
};

// What adding the device does to XenStore, all in one transaction: first remove these subtrees
// (stale leftovers), then write these nodes in this order. Parents a write implies (the pcm and
// stream directories, /local/domain/B/backend/vsnd/D, ...) are not listed: XenStore creates them
// inheriting their parent's permissions, as it does for libxl.
struct VsndDeviceNodes {
    std::vector<std::string> removed;
    std::vector<StoreNode> written;

    const StoreNode* find(std::string_view path) const;
};

// libxl's writes for `spec` at `address`. Like libxl, it writes whatever the spec says, only what
// is set (strings when present, numbers when non-zero, lists when non-empty) and format names in
// libxl's spelling, so it also creates devices that a reader will refuse (for tests of that).
// The toolstack domain owns /libxl, and libxl's copy there is domain 0's.
VsndDeviceNodes libxl_device_nodes(const VsndDeviceSpec& spec, const VsndDeviceAddress& address);

// The nodes strictly below `dir` as a StoreTree of relative paths: e.g. the frontend directory,
// ready for read_vsnd_spec() / parse_vsnd_tree().
StoreTree subtree(const std::vector<StoreNode>& nodes, std::string_view dir);

}  // namespace xensnd::config
