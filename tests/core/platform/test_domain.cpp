// Domain ids as XenStore spells them, from a peer that may write anything.
#include <string>

#include <doctest/doctest.h>

#include "core/platform/domain.hpp"

using namespace xensnd::platform;

TEST_CASE("a domain id is plain decimal below the reserved ids") {
    CHECK(*parse_domid("0") == 0);
    CHECK(*parse_domid("1") == 1);
    CHECK(*parse_domid("32751") == 0x7FEF);
}

TEST_CASE("anything else is EINVAL") {
    for (const char* bad : {"", "01", "32752", "65535", "65536", "-1", "+1", "1a", " 1", "1 ",
                            "99999999999", "0x1"}) {
        CHECK_MESSAGE(parse_domid(bad).errno_value() == EINVAL, '"' << bad << '"');
    }
    CHECK(parse_domid(std::string("1\0", 2)).errno_value() == EINVAL);
}
