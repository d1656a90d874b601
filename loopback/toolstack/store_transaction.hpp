// Running a group of XenStore changes as one transaction, as libxl does for every device
// change: either all of them become visible at once, or none. XenStore refuses a commit with
// EAGAIN when another client changed what the transaction touched; the group is then run again
// from the start on fresh data, a bounded number of times.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <type_traits>

extern "C" {
#include <xenstore.h>
}

#include "loopback/toolstack/toolstack_error.hpp"

namespace xensnd::loopback::toolstack {

// How often a conflicting transaction is run again before the conflict is reported.
inline constexpr unsigned kTransactionAttempts = 16;

// A request failing inside a transaction with EAGAIN means the transaction's view went stale
// (another client changed what it read): the body is run again on a fresh transaction.
inline bool may_be_conflict(std::error_code code) {
    return code == errno_code(EAGAIN);
}

// Runs `body(t)`, which returns a ToolstackResult, inside a transaction and commits it. The body
// must be safe to run again (read what it needs inside the transaction). On the body's error the
// transaction is abandoned and the error returned, unless it may be a conflict (above).
template <class Body>
auto in_transaction(xs_handle* xs, Body&& body) -> std::invoke_result_t<Body&, xs_transaction_t> {
    for (unsigned attempt = 1;; ++attempt) {
        errno = 0;
        const xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL)
            return store_failure("starting a XenStore transaction",
                                 errno_code(errno ? errno : EIO));
        auto result = body(t);
        if (!result) {
            xs_transaction_end(xs, t, true);
            if (!may_be_conflict(result.error().code) || attempt == kTransactionAttempts)
                return result;
        } else {
            errno = 0;
            if (xs_transaction_end(xs, t, false)) return result;
            const int e = errno ? errno : EIO;
            if (e != EAGAIN)
                return store_failure("committing a XenStore transaction", errno_code(e));
            if (attempt == kTransactionAttempts)
                return toolstack_error(EAGAIN, "XenStore transaction still conflicting after " +
                                                   std::to_string(attempt) + " attempts");
        }
        // Let the other writer finish before trying again; grows with each conflict.
        ::usleep(1000u * attempt);
    }
}

}  // namespace xensnd::loopback::toolstack
