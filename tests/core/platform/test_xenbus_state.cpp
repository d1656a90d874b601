// XenBus states as text: what XenStore holds, what logs show, and what a peer may not write.
#include <string>

#include <doctest/doctest.h>

#include "core/platform/xenbus_state.hpp"

using namespace xensnd::platform;

TEST_CASE("every state parses from its number and formats back to it") {
    for (unsigned i = 0; i <= 8; ++i) {
        std::string text = std::to_string(i);
        auto s = parse_xenbus_state(text);
        REQUIRE(s.ok());
        CHECK(static_cast<unsigned>(*s) == i);
        CHECK(format_xenbus_state(*s) == text);
    }
    CHECK(*parse_xenbus_state("4") == XenbusState::Connected);
}

TEST_CASE("anything but a single state digit is EINVAL") {
    for (const char* bad : {"", "9", "10", "-1", "+4", " 4", "4 ", "4\n", "04", "a", "Connected"}) {
        CHECK_MESSAGE(parse_xenbus_state(bad).errno_value() == EINVAL, '"' << bad << '"');
    }
    CHECK(parse_xenbus_state(std::string("4\0", 2)).errno_value() == EINVAL);
}

TEST_CASE("states have the names Linux's xenbus logs") {
    CHECK(to_string(XenbusState::Unknown) == "Unknown");
    CHECK(to_string(XenbusState::Initialising) == "Initialising");
    CHECK(to_string(XenbusState::InitWait) == "InitWait");
    CHECK(to_string(XenbusState::Initialised) == "Initialised");
    CHECK(to_string(XenbusState::Connected) == "Connected");
    CHECK(to_string(XenbusState::Closing) == "Closing");
    CHECK(to_string(XenbusState::Closed) == "Closed");
    CHECK(to_string(XenbusState::Reconfiguring) == "Reconfiguring");
    CHECK(to_string(XenbusState::Reconfigured) == "Reconfigured");
}

TEST_CASE("a set of states knows its members and names them") {
    XenbusStates wanted{XenbusState::InitWait, XenbusState::Connected};
    CHECK(wanted.contains(XenbusState::InitWait));
    CHECK(wanted.contains(XenbusState::Connected));
    CHECK_FALSE(wanted.contains(XenbusState::Unknown));
    CHECK_FALSE(wanted.contains(XenbusState::Closed));
    CHECK(wanted.to_string() == "InitWait|Connected");
    CHECK(XenbusStates{}.to_string() == "(none)");
}
