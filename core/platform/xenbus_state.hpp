// XenBus device states (xen/io/xenbus.h): each end of a split device publishes its state in
// <dir>/state and watches the other's. Typed, parsed strictly (the value comes from a peer),
// named for logs, and waited for on a Store.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/platform/store.hpp"
#include "coro/result.hpp"
#include "coro/task.hpp"
#include "coro/timer.hpp"

namespace xensnd::platform {

// The values of xen/io/xenbus.h's `enum xenbus_state` (xenbus_state.cpp checks each). That
// header is not included here: its global `XenbusState` typedef would make this name ambiguous
// wherever `using namespace xensnd::platform` is in force.
enum class XenbusState : std::uint8_t {
    Unknown = 0,
    Initialising = 1,
    InitWait = 2,
    Initialised = 3,
    Connected = 4,
    Closing = 5,
    Closed = 6,
    Reconfiguring = 7,
    Reconfigured = 8,
};

// "Unknown", "Initialising", "InitWait", ... as Linux's xenbus_strstate names them.
std::string_view to_string(XenbusState s);
// The text XenStore holds: one decimal digit, "0".."8". Anything else (a hostile or broken
// peer) is EINVAL.
Result<XenbusState> parse_xenbus_state(std::string_view text);
std::string format_xenbus_state(XenbusState s);

// A set of states to wait for.
class XenbusStates {
  public:
    constexpr XenbusStates(std::initializer_list<XenbusState> states) {
        for (XenbusState s : states)
            bits_ |= bit(s);
    }
    constexpr bool contains(XenbusState s) const { return (bits_ & bit(s)) != 0; }
    // "InitWait|Connected", for logs.
    std::string to_string() const;

  private:
    static constexpr std::uint16_t bit(XenbusState s) {
        return static_cast<std::uint16_t>(1u << static_cast<unsigned>(s));
    }
    std::uint16_t bits_ = 0;
};

// <dir>/state. A missing node reads as Unknown (as Linux's xenbus does: a device whose
// directory the toolstack removed is gone). `store` must outlive the await.
coro::Task<Result<XenbusState>> read_state(Store& store, std::string dir,
                                           TransactionId t = kNoTransaction);
coro::Task<Result<void>> write_state(Store& store, std::string dir, XenbusState s,
                                     TransactionId t = kNoTransaction);

// Waits until <dir>/state (dir absolute) satisfies `done` (or is in `wanted`) and returns that
// state; it is checked at once, then on every change. ETIMEDOUT after `limit`; EINVAL if the
// peer writes something that is no state; the Store's errors otherwise. Cancellation-safe.
coro::Task<Result<XenbusState>> wait_for_state(Store& store, std::string dir,
                                               std::function<bool(XenbusState)> done,
                                               coro::Duration limit);
coro::Task<Result<XenbusState>> wait_for_state(Store& store, std::string dir, XenbusStates wanted,
                                               coro::Duration limit);

}  // namespace xensnd::platform
