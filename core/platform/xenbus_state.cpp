// XenBus states as values and as text: the pure half of xenbus_state.hpp.
#include "core/platform/xenbus_state.hpp"

#include <xen/io/xenbus.h>

namespace xensnd::platform {

namespace {

template <auto Ours, auto Xens>
constexpr bool same_value = static_cast<int>(Ours) == static_cast<int>(Xens);
static_assert(same_value<XenbusState::Unknown, XenbusStateUnknown>);
static_assert(same_value<XenbusState::Initialising, XenbusStateInitialising>);
static_assert(same_value<XenbusState::InitWait, XenbusStateInitWait>);
static_assert(same_value<XenbusState::Initialised, XenbusStateInitialised>);
static_assert(same_value<XenbusState::Connected, XenbusStateConnected>);
static_assert(same_value<XenbusState::Closing, XenbusStateClosing>);
static_assert(same_value<XenbusState::Closed, XenbusStateClosed>);
static_assert(same_value<XenbusState::Reconfiguring, XenbusStateReconfiguring>);
static_assert(same_value<XenbusState::Reconfigured, XenbusStateReconfigured>);

constexpr XenbusState kLast = XenbusState::Reconfigured;

}  // namespace

std::string_view to_string(XenbusState s) {
    switch (s) {
        case XenbusState::Unknown:
            return "Unknown";
        case XenbusState::Initialising:
            return "Initialising";
        case XenbusState::InitWait:
            return "InitWait";
        case XenbusState::Initialised:
            return "Initialised";
        case XenbusState::Connected:
            return "Connected";
        case XenbusState::Closing:
            return "Closing";
        case XenbusState::Closed:
            return "Closed";
        case XenbusState::Reconfiguring:
            return "Reconfiguring";
        case XenbusState::Reconfigured:
            return "Reconfigured";
    }
    return "(invalid)";
}

Result<XenbusState> parse_xenbus_state(std::string_view text) {
    if (text.size() != 1 || text[0] < '0' || text[0] > '0' + static_cast<int>(kLast)) {
        return Err(EINVAL);
    }
    return static_cast<XenbusState>(text[0] - '0');
}

std::string format_xenbus_state(XenbusState s) {
    return std::to_string(static_cast<unsigned>(s));
}

std::string XenbusStates::to_string() const {
    std::string out;
    for (unsigned i = 0; i <= static_cast<unsigned>(kLast); ++i) {
        auto s = static_cast<XenbusState>(i);
        if (!contains(s)) continue;
        if (!out.empty()) out += '|';
        out += platform::to_string(s);
    }
    return out.empty() ? std::string("(none)") : out;
}

}  // namespace xensnd::platform
