// Publishing the backend's XenBus state without resurrecting a removed device.
//
// The toolstack deletes the backend directory once the backend reached Closed (or after 10 s
// anyway), possibly while we are about to write. A plain write of <dir>/state would then create
// the directory again (XenStore makes missing parents), leaving a stray device behind. So the
// state is written in a transaction that first checks the directory still exists, as Linux's
// xenbus_switch_state does; a directory that is gone is ENOENT, which ends the device quietly.
#pragma once

#include <string>

#include "core/platform/store.hpp"
#include "core/platform/xenbus_state.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"

namespace xensnd::backend::device {

// Writes <dir>/state = `state` if <dir> exists; for InitWait, also <dir>/versions (the
// protocol versions we speak, which the frontend reads once it sees InitWait), in the same
// transaction. ENOENT when the directory is gone; a conflicting transaction is retried a few
// times (EAGAIN after that). If the caller is cancelled mid-transaction, the transaction is
// aborted by a detached task, so xenstored never keeps it open. `store` must outlive the await.
coro::Task<Result<void>> publish_backend_state(platform::Store& store, std::string dir,
                                               platform::XenbusState state);

}  // namespace xensnd::backend::device
