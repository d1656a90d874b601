// A device end's XenBus state (<dir>/state, xen/io/xenbus.h): its name for people, and waiting
// until it satisfies a condition. The value comes from a peer that may be broken or hostile, so
// it is parsed strictly and shown escaped.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

extern "C" {
#include <xenstore.h>
}

#include "coro/result.hpp"

namespace xensnd::loopback::toolstack {

// The value of a state node: one decimal digit, "0" (Unknown) to "8" (Reconfigured).
std::optional<unsigned> parse_xenbus_state(std::string_view text);

// Linux's names: "Unknown", "Initialising", "InitWait", "Initialised", "Connected", "Closing",
// "Closed", "Reconfiguring", "Reconfigured".
std::string_view xenbus_state_name(unsigned state);

// A state node's value for a person: the name ("InitWait"); "-" when the node is missing; the
// value escaped and bounded in quotes when it is no state ("'x\n'" -> "'x?'").
std::string describe_state(const std::optional<std::string>& value);

struct StateWait {
    enum class End {
        Reached,   // the state satisfied the condition
        TimedOut,  // it did not within the limit
        Removed,   // the node is gone (someone removed the device)
    };
    End end = End::TimedOut;
    std::optional<std::string> value;  // the node's value when the wait ended
};

// Waits until the node at `state_path` holds a state for which `done` is true: checks at once,
// then on each change (a XenStore watch), for at most `limit`. Values that are no state never
// satisfy it. Errors are the XenStore connection's.
Result<StateWait> wait_for_state(xs_handle* xs, const std::string& state_path,
                                 const std::function<bool(unsigned)>& done,
                                 std::chrono::milliseconds limit);

}  // namespace xensnd::loopback::toolstack
