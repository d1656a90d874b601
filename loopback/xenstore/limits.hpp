// Quotas: xenstored's defaults for what an unprivileged domain may use, plus the loopback's
// own bounds on what any one client may make the daemon hold.
#pragma once

#include <cstddef>

#include "loopback/xenstore/wire.hpp"

namespace xensnd::loopback::xenstore {

struct Limits {
    // xenstored_core.c's quota_* defaults; the privileged domain is exempt from these.
    int nodes_per_domain = 1000;               // ENOSPC on creating more
    int watches_per_domain = 128;              // E2BIG on registering more
    int transactions_per_connection = 10;      // ENOSPC on starting more
    std::size_t entry_size = 2048;             // ENOSPC for a larger node record
    std::size_t permissions_per_node = 5;      // ENOSPC on SET_PERMS with more
    std::size_t nodes_per_transaction = 1024;  // ENOSPC (and the transaction fails)
    std::size_t path_length = kRelPathMax;     // below a "/local/domain/<id>/" prefix

    // Every connection, privileged or not. xenstored bounds a domain's queued replies and
    // events with its outstanding-request and memory quotas; these play that part.
    std::size_t outstanding_replies = 20;  // requests are not read while this many replies wait
    std::size_t output_bytes = 1 << 20;    // watch events that would queue more are dropped
    std::size_t domains = 1024;            // INTRODUCE beyond this is ENOSPC
};

}  // namespace xensnd::loopback::xenstore
