// The toolstack's connection to XenStore: libxenstore's handle, opened on the socket that
// XENSTORED_PATH (or --xenstore) names. On the loopback platform that is
// <rundir>/xenstore/domain-0.sock; the toolstack must speak as domain 0 to write other
// domains' directories and /libxl.
#pragma once

#include <memory>
#include <optional>
#include <string>

extern "C" {
#include <xenstore.h>
}

#include "loopback/toolstack/toolstack_error.hpp"

namespace xensnd::loopback::toolstack {

struct XenStoreCloser {
    void operator()(xs_handle* h) const { xs_close(h); }
};
using XenStoreConnection = std::unique_ptr<xs_handle, XenStoreCloser>;

// Opens `socket` if given (it also becomes XENSTORED_PATH, the only way libxenstore takes a
// path), else $XENSTORED_PATH. Refuses a path that is not a listening socket: libxenstore would
// otherwise open it as the /dev/xen/xenbus device, or silently fall back to the system daemon.
ToolstackResult<XenStoreConnection> connect_xenstore(const std::optional<std::string>& socket);

}  // namespace xensnd::loopback::toolstack
