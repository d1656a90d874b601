// The Xen event channel and grant services on this machine: where /dev/xen is absent they
// fail cleanly, naming the device and the way out; on a Xen domain they open.
#include <sys/stat.h>

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/platform/xen_event_channel.hpp"
#include "core/platform/xen_grants.hpp"

using namespace xensnd;
using namespace xensnd::platform;

namespace {

bool exists(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0;
}

bool has(const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("event channels need /dev/xen/evtchn") {
    std::string why;
    auto events = open_xen_events(&why);
    if (exists(kXenEvtchnDevice)) {
        CHECK_MESSAGE(events.ok(), why);
        return;
    }
    CHECK(events.errno_value() == ENOENT);
    CHECK(has(why, "/dev/xen/evtchn"));
    CHECK(has(why, "xen-evtchn"));
    CHECK(has(why, "XENSND_PLATFORM=loopback"));
}

TEST_CASE("grants need /dev/xen/gntdev or /dev/xen/gntalloc") {
    std::string why;
    auto grants = open_xen_grants(&why);
    if (exists(kXenGntdevDevice) || exists(kXenGntallocDevice)) {
        REQUIRE_MESSAGE(grants.ok(), why);
        CHECK((*grants)->max_map_pages() == kMaxMapPages);
        // Whatever side is there refuses what no sndif buffer needs, before asking Xen.
        std::vector<GrantRef> too_many(kMaxMapPages + 1, 1);
        if (exists(kXenGntdevDevice)) {
            CHECK((*grants)->map(1, too_many, false).errno_value() == EINVAL);
            CHECK((*grants)->map(1, {}, false).errno_value() == EINVAL);
        }
        if (exists(kXenGntallocDevice)) {
            CHECK((*grants)->share(1, kMaxMapPages + 1, false).errno_value() == EINVAL);
            CHECK((*grants)->share(1, 0, false).errno_value() == EINVAL);
        }
        return;
    }
    CHECK(grants.errno_value() == ENOENT);
    CHECK(has(why, "/dev/xen/gntdev"));
    CHECK(has(why, "/dev/xen/gntalloc"));
}
