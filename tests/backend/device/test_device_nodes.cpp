// The XenStore nodes a vsnd backend reads: entry names, the backend's link to its frontend, the
// frontend's version and per-stream channel nodes, each checked strictly and refused with the
// node's path.
#include <doctest/doctest.h>

#include "backend/device/device_nodes.hpp"
#include "backend/device/frontend_tree.hpp"

using namespace xensnd;
using namespace xensnd::backend::device;

TEST_CASE("store numbers are plain decimal and fit 32 bits") {
    CHECK(parse_store_number("0").value() == 0u);
    CHECK(parse_store_number("4294967295").value() == 4294967295u);
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "01", "0x10", "4294967296", "1e3", "12abc"})
        CHECK_MESSAGE(parse_store_number(bad).errno_value() == EINVAL, bad);
    const char* why = nullptr;
    CHECK(!parse_store_number("007", &why));
    CHECK(std::string(why).find("leading zeros") != std::string::npos);
}

TEST_CASE("backend entries are a domain id and a device index, nothing else") {
    CHECK(parse_frontend_entry("5").value() == 5);
    CHECK(parse_device_entry("12").value() == 12u);
    for (const char* bad : {"", "x", "01", "-1", "65535", "5 "})
        CHECK_MESSAGE(!parse_frontend_entry(bad), bad);
    for (const char* bad : {"", "x", "01", "-1", "1/2"})
        CHECK_MESSAGE(!parse_device_entry(bad), bad);
}

TEST_CASE("the backend's frontend link must name the entry's own domain and device") {
    const std::string bdir = backend_dir_of(0, 3, 1);
    CHECK(bdir == "/local/domain/0/backend/vsnd/3/1");
    auto good = check_frontend_link(3, 1, bdir, "/local/domain/3/device/vsnd/1", "3");
    REQUIRE(good.ok());
    CHECK(*good == "/local/domain/3/device/vsnd/1");

    auto other_domain = check_frontend_link(3, 1, bdir, "/local/domain/4/device/vsnd/1", "3");
    REQUIRE(!other_domain.ok());
    CHECK(other_domain.error().path == bdir + "/frontend");

    auto other_device = check_frontend_link(3, 1, bdir, "/local/domain/3/device/vsnd/0", "3");
    CHECK(!other_device.ok());
    auto sneaky =
        check_frontend_link(3, 1, bdir, "/local/domain/3/device/vsnd/1/../../vsnd/1", "3");
    CHECK(!sneaky.ok());

    auto wrong_id = check_frontend_link(3, 1, bdir, "/local/domain/3/device/vsnd/1", "4");
    REQUIRE(!wrong_id.ok());
    CHECK(wrong_id.error().path == bdir + "/frontend-id");
    CHECK(!check_frontend_link(3, 1, bdir, "/local/domain/3/device/vsnd/1", "03").ok());
    CHECK(!check_frontend_link(3, 1, bdir, "/local/domain/3/device/vsnd/1", "").ok());
}

TEST_CASE("only online = 1 serves") {
    CHECK(is_online("1"));
    CHECK(!is_online("0"));
    CHECK(!is_online(""));
    CHECK(!is_online("01"));
    CHECK(!is_online("true"));
}

TEST_CASE("the frontend's version node is optional and must say 2 when present") {
    const std::string fdir = "/local/domain/3/device/vsnd/1";
    CHECK(check_frontend_version({}, fdir).value() == 2u);
    CHECK(check_frontend_version({{"version", "2"}}, fdir).value() == 2u);
    auto v1 = check_frontend_version({{"version", "1"}}, fdir);
    REQUIRE(!v1.ok());
    CHECK(v1.error().path == fdir + "/version");
    CHECK(!check_frontend_version({{"version", "two"}}, fdir).ok());
}

TEST_CASE("a stream's channel nodes: all four, numeric, ports not 0") {
    const std::string fdir = "/local/domain/3/device/vsnd/1";
    config::StoreTree tree{{"0/1/ring-ref", "8"},
                           {"0/1/event-channel", "5"},
                           {"0/1/evt-ring-ref", "9"},
                           {"0/1/evt-event-channel", "6"}};
    auto good = read_stream_channels(tree, "0/1", fdir);
    REQUIRE(good.ok());
    CHECK(*good == StreamChannels{8, 5, 9, 6});

    SUBCASE("missing ring-ref") {
        tree.erase("0/1/ring-ref");
        auto r = read_stream_channels(tree, "0/1", fdir);
        REQUIRE(!r.ok());
        CHECK(r.error().path == fdir + "/0/1/ring-ref");
        CHECK(r.error().message().find("missing") != std::string::npos);
    }
    SUBCASE("non-numeric event-channel") {
        tree["0/1/event-channel"] = "5x";
        auto r = read_stream_channels(tree, "0/1", fdir);
        REQUIRE(!r.ok());
        CHECK(r.error().path == fdir + "/0/1/event-channel");
        CHECK(r.error().value == "5x");
    }
    SUBCASE("port 0") {
        tree["0/1/evt-event-channel"] = "0";
        auto r = read_stream_channels(tree, "0/1", fdir);
        REQUIRE(!r.ok());
        CHECK(r.error().path == fdir + "/0/1/evt-event-channel");
    }
    SUBCASE("a grant reference past 32 bits") {
        tree["0/1/evt-ring-ref"] = "4294967296";
        CHECK(!read_stream_channels(tree, "0/1", fdir).ok());
    }
    SUBCASE("another stream's nodes do not count") {
        CHECK(!read_stream_channels(tree, "0/0", fdir).ok());
    }
}

TEST_CASE("the frontend walk descends only into canonical indices") {
    CHECK(is_canonical_index("0"));
    CHECK(is_canonical_index("17"));
    for (const char* bad : {"", "01", "x", "1a", "-1", "1234567890"})
        CHECK_MESSAGE(!is_canonical_index(bad), bad);
}
